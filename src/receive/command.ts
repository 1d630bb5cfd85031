import type { CommandRecord, CommandType, Decider } from '../audit-record.js';
import { isZeroOid } from '../objects/oid.js';

export type { CommandType } from '../audit-record.js';

/** A command's result: pending until one decision, then ok or rejected for good. */
export type CommandStatus = CommandRecord['status'];

/**
 * One ref update of a push (JGit's ReceiveCommand). Rules, policies and hooks
 * decide its result through reject() and the ref transaction through
 * accept(); the first decision stands. Report-status and the audit record
 * are both written from the same list.
 */
export class ReceiveCommand {
  readonly refName: string;
  readonly oldOid: string;
  readonly newOid: string;
  readonly type: CommandType;
  private result: CommandStatus = 'pending';
  private why?: string;
  private decider?: Decider;
  private missing = false;
  private target?: string;

  constructor(refName: string, oldOid: string, newOid: string) {
    this.refName = refName;
    this.oldOid = oldOid;
    this.newOid = newOid;
    this.type = isZeroOid(oldOid) ? (isZeroOid(newOid) ? 'delete' : 'create') : isZeroOid(newOid) ? 'delete' : 'update';
  }

  get status(): CommandStatus {
    return this.result;
  }

  /** The `ng` reason, verbatim as git would send it. */
  get reason(): string | undefined {
    return this.why;
  }

  /** Which rule, hook or check decided, for logs and the audit record. */
  get decidedBy(): Decider | undefined {
    return this.decider;
  }

  /** Deleting a ref that did not exist: reported ok, but left out of post hooks (as git). */
  get didNotExist(): boolean {
    return this.missing;
  }

  /** The ref this update really writes: refName, or the target of the symref refName names. */
  get writtenRef(): string {
    return this.target ?? this.refName;
  }

  /** What pushing refName writes (set once, before any decision, from the repository's symrefs). */
  writesThrough(target: string): void {
    if (this.pending && target !== this.refName) this.target = target;
  }

  /** Both names an update goes by: rules and settings that guard either one apply. */
  get names(): string[] {
    return this.target ? [this.refName, this.target] : [this.refName];
  }

  get pending(): boolean {
    return this.result === 'pending';
  }

  get ok(): boolean {
    return this.result === 'ok';
  }

  /** Refuse the update with git's `ng` reason. In-process hooks call it with the reason alone. */
  reject(reason: string, decidedBy: Decider = 'hook:in-process'): void {
    if (!this.pending) return;
    this.result = 'rejected';
    this.why = reason;
    this.decider = decidedBy;
  }

  /** The ref transaction wrote it (or, for a delete of a missing ref, there was nothing to write). */
  accept(options: { didNotExist?: boolean } = {}): void {
    if (!this.pending) return;
    this.result = 'ok';
    this.missing = options.didNotExist ?? false;
  }

  toJSON(): CommandRecord {
    return {
      refName: this.refName,
      ...(this.target ? { writtenRef: this.target } : {}),
      oldOid: this.oldOid,
      newOid: this.newOid,
      type: this.type,
      status: this.result,
      reason: this.why,
      decidedBy: this.decider,
    };
  }
}
