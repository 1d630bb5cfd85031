import type { Identity, Transport } from './identity.js';
import type { CheckName } from './protection-rule.js';

/**
 * The audit log's contract: what receive-pack (and a transport refusing an
 * attempt) hands to the log, and what the log's stores keep. It sits on the
 * ground floor because the services write it and db/ stores it.
 */

/** Who decided a ref update's result: a git check, a setting, a hook, a rule or the server itself. */
export type Decider =
  | 'git:refname'
  | 'git:objects'
  | 'git:connectivity'
  | 'git:shallow'
  | 'git:aliased-update'
  | 'receive.hideRefs'
  | 'receive.denyDeletes'
  | 'receive.denyNonFastForwards'
  | 'receive.denyDeleteCurrent'
  | 'receive.denyCurrentBranch'
  | 'unpack'
  | 'atomic'
  | 'hook:pre-receive'
  | 'hook:update'
  | 'hook:in-process'
  | 'ref-transaction'
  | 'audit-unavailable'
  | 'quarantine-migration'
  | 'internal-error'
  | 'policy:unavailable'
  | `namespace:${string}`
  | `policy:rule-${number}:${CheckName}`;

export type CommandType = 'create' | 'update' | 'delete';

/** One ref update as the report and the audit log see it. */
export interface CommandRecord {
  refName: string;
  /** The ref the update writes when `refName` is a symref (git writes through symrefs); absent when it is refName itself. */
  writtenRef?: string;
  oldOid: string;
  newOid: string;
  type: CommandType;
  status: 'pending' | 'ok' | 'rejected';
  reason?: string;
  decidedBy?: Decider;
}

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
  commands: CommandRecord[];
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
