import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Repository } from '../repo/types.js';

export type UploadTransport = 'http' | 'ssh' | 'stdio';

/** Who is fetching (the same shape as receive's Identity); absent = anonymous. */
export interface UploadIdentity {
  userId?: number;
  username?: string;
}

export interface UploadPackSession {
  repo: Repository;
  /** Name shown in logs (e.g. `team/app.git`). */
  repoName?: string;
  input: Readable;
  output: Writable;
  /** Where progress goes when side-band was not negotiated (stdio/ssh stderr); dropped when absent. */
  stderr?: Writable;
  /** --stateless-rpc: one request, one response, no advertisement first (smart HTTP). */
  statelessRpc?: boolean;
  /** --advertise-refs / --http-backend-info-refs: advertise, then end. */
  advertiseOnly?: boolean;
  /** Value of GIT_PROTOCOL or the Git-Protocol header (e.g. `version=2`). */
  gitProtocol?: string;
  /** --timeout: end the exchange after this many seconds without input (0 = never). */
  timeoutSeconds?: number;
  transport?: UploadTransport;
  identity?: UploadIdentity;
  remoteAddress?: string;
  log?: Logger;
}

export interface UploadPackOutcome {
  /** Exit status git-upload-pack would give: 0, or 128 after a fatal error. */
  exitCode: number;
  /** Objects and bytes of the pack sent (0 when none was). */
  objects?: number;
  packBytes?: number;
}
