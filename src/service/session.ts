import type { Readable, Writable } from 'node:stream';
import type { Logger } from 'pino';
import type { Identity } from '../identity.js';
import type { Repository } from '../repo/types.js';

/** What receive-pack and upload-pack both get from a transport. */
export interface GitServiceSession {
  repo: Repository;
  input: Readable;
  output: Writable;
  /** Where text goes when side-band was not negotiated (stdio/ssh stderr); dropped when absent. */
  stderr?: Writable;
  /** --stateless-rpc: no advertisement before reading the request (smart HTTP). */
  statelessRpc?: boolean;
  /** --advertise-refs / --http-backend-info-refs: only advertise, then end. */
  advertiseOnly?: boolean;
  /** Value of GIT_PROTOCOL or the Git-Protocol header (e.g. `version=1`). */
  gitProtocol?: string;
  identity?: Identity;
  remoteAddress?: string;
  log?: Logger;
}
