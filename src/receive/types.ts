import type { AuditSink } from '../audit-record.js';
import type { PolicySource } from '../policy/index.js';
import type { GitServiceSession } from '../service/session.js';
import type { Identity, Transport } from '../identity.js';
import type { ObjectReader } from '../objects/object-reader.js';
import type { Repository } from '../repo/types.js';
import type { ReceiveCommand } from './command.js';

export interface HookContext {
  repo: Repository;
  /** The objects as the hook must read them: the push's quarantine over the repository's until the objects are kept. */
  objects: ObjectReader;
  repoName: string;
  identity?: Identity;
  pushOptions: string[];
  /** Write a line to the client (a `remote:` line). */
  message(line: string): void;
}

/**
 * In-process hooks for people embedding pushgate, beside the executable ones.
 * They see the same commands and reject by calling command.reject(reason).
 */
export interface ReceiveHooks {
  preReceive?(ctx: HookContext, commands: ReceiveCommand[]): Promise<void> | void;
  update?(ctx: HookContext, command: ReceiveCommand): Promise<void> | void;
  postReceive?(ctx: HookContext, commands: ReceiveCommand[]): Promise<void> | void;
}

export interface ReceivePackSession extends GitServiceSession {
  /** Name shown in logs and the audit log (e.g. `team/app.git`). */
  repoName: string;
  transport: Transport;
  audit?: AuditSink;
  hooks?: ReceiveHooks;
  /** Branch-protection rules (absent: none). */
  policy?: PolicySource;
  /** Extra environment for executable hooks (e.g. REMOTE_USER). */
  hookEnv?: Record<string, string>;
  /**
   * After a push that updated a ref, `git gc --auto` in the background, when
   * git's thresholds say so (maintenance/auto.ts). Default true; the
   * repository's receive.autogc and gc.auto still decide.
   */
  autoMaintenance?: boolean;
}

export interface ReceivePackOutcome {
  /** Process exit status as git-receive-pack would give it (0, or 128 on a fatal error). */
  exitCode: number;
  commands: ReceiveCommand[];
}
