import { isZeroOid } from '../objects/oid.js';

export type CommandType = 'create' | 'update' | 'delete';

/**
 * One ref update of a push (JGit's ReceiveCommand). Rules, policies and hooks
 * set its status; report-status and the audit record are both written from
 * the same list.
 */
export class ReceiveCommand {
  readonly refName: string;
  readonly oldOid: string;
  readonly newOid: string;
  readonly type: CommandType;
  /** 'pending' until something decides; 'ok' when applied; 'rejected' with a reason. */
  status: 'pending' | 'ok' | 'rejected' = 'pending';
  /** The `ng` reason, verbatim as git would send it. */
  reason?: string;
  /** Which rule, hook or check decided, for logs and the audit record. */
  decidedBy?: string;
  /** Deleting a ref that did not exist: reported ok, but left out of post hooks (as git). */
  didNotExist = false;

  constructor(refName: string, oldOid: string, newOid: string) {
    this.refName = refName;
    this.oldOid = oldOid;
    this.newOid = newOid;
    this.type = isZeroOid(oldOid) ? 'create' : isZeroOid(newOid) ? 'delete' : 'update';
  }

  get pending(): boolean {
    return this.status === 'pending';
  }

  reject(reason: string, decidedBy?: string): void {
    this.status = 'rejected';
    this.reason = reason;
    if (decidedBy) this.decidedBy = decidedBy;
  }

  toJSON() {
    return {
      refName: this.refName,
      oldOid: this.oldOid,
      newOid: this.newOid,
      type: this.type,
      status: this.status,
      reason: this.reason,
      decidedBy: this.decidedBy,
    };
  }
}
