import type { GitServiceSession } from '../service/session.js';
import type { Transport } from '../identity.js';

export interface UploadPackSession extends GitServiceSession {
  /** Name shown in logs (e.g. `team/app.git`). */
  repoName?: string;
  /** --timeout: end the exchange after this many seconds without input (0 = never). */
  timeoutSeconds?: number;
  transport?: Transport;
}

export interface UploadPackOutcome {
  /** Exit status git-upload-pack would give: 0, or 128 after a fatal error. */
  exitCode: number;
  /** Objects and bytes of the pack sent (0 when none was). */
  objects?: number;
  packBytes?: number;
}
