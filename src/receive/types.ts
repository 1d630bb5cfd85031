import type { PolicySource } from '../policy/policy-source.js';
import type { GitServiceSession, Identity, Transport } from '../protocol/service-session.js';
import type { Repository } from '../repo/types.js';
import type { ReceiveCommand } from './command.js';

export type { Identity, Transport } from '../protocol/service-session.js';

/** What a push is, known before anything changes (the audit intent). */
export interface PushIntent {
  repo: string;
  transport: Transport;
  identity?: Identity;
  remoteAddress?: string;
  startedAt: Date;
}

/** What a push did; written from the same ReceiveCommand list as the report. */
export interface PushRecord extends PushIntent {
  agent?: string;
  capabilities: string[];
  pushOptions: string[];
  commands: ReturnType<ReceiveCommand['toJSON']>[];
  /** 'accepted' (every ref ok), 'partial', 'rejected' (no ref ok), 'failed' (protocol/unpack/internal error). */
  result: 'accepted' | 'partial' | 'rejected' | 'failed';
  error?: string;
  packBytes: number;
  packObjects: number;
  durationMs: number;
}

/**
 * Audit log. begin() is called before any ref moves and must be durable; the
 * record is completed after the report. A crash in between leaves an intent
 * that reconcile-at-start can finish from the repository's refs.
 */
export interface AuditSink {
  begin(intent: PushIntent): Promise<string>;
  complete(id: string, record: PushRecord): Promise<void>;
}

export interface HookContext {
  repo: Repository;
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
}

export interface ReceivePackOutcome {
  /** Process exit status as git-receive-pack would give it (0, or 128 on a fatal error). */
  exitCode: number;
  commands: ReceiveCommand[];
}
