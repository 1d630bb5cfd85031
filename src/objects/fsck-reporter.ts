import { CHECKOUT_SAFETY_IDS, FSCK_MESSAGE_LEVELS, type FsckMessageId, type FsckOverride } from './fsck-messages.js';

export interface FsckOptions {
  /** git's --strict: warnings count as errors (receive.fsckObjects runs strict). */
  strict?: boolean;
  /** Per-id levels, e.g. from `receive.fsck.<msg-id>`. */
  overrides?: Partial<Record<FsckMessageId, FsckOverride>>;
  /** Objects not to report on (`receive.fsck.skipList`). */
  skip?: ReadonlySet<string>;
  /** The checkout-safety classes (CHECKOUT_SAFETY_IDS) are errors unless an override says otherwise. */
  safeTrees?: boolean;
  /** Only the checkout-safety classes are checked (receive.fsckObjects off); commits and tags are not read. */
  safeTreesOnly?: boolean;
}

export interface FsckFinding {
  id: FsckMessageId;
  /** error fails the check; warn is only shown. */
  level: 'error' | 'warn';
  /** git's text after the id, e.g. "contains zero-padded file modes". */
  detail: string;
  oid?: string;
}

/** "<msgId>: <detail>", the text git prints after "object <oid>: ". */
export function formatFsckFinding(finding: FsckFinding): string {
  return `${finding.id}: ${finding.detail}`;
}

/** Collects findings at their effective level; report() answers "stop here?" like git's report(). */
export class FsckReporter {
  readonly findings: FsckFinding[] = [];
  constructor(
    private readonly options: FsckOptions,
    private readonly oid?: string,
  ) {}

  levelOf(id: FsckMessageId): 'error' | 'warn' | 'ignore' {
    const override = this.options.overrides?.[id];
    const safety = CHECKOUT_SAFETY_IDS.has(id);
    if (this.options.safeTreesOnly && !safety) return 'ignore';
    if (override) return override;
    if (this.options.safeTrees && safety) return 'error';
    const level = FSCK_MESSAGE_LEVELS[id];
    if (level === 'fatal' || level === 'error') return 'error';
    if (level === 'warn') return this.options.strict ? 'error' : 'warn';
    if (level === 'info') return 'warn';
    return 'ignore';
  }

  report(id: FsckMessageId, detail: string): boolean {
    const level = this.levelOf(id);
    if (level === 'ignore') return false;
    if (this.oid && this.options.skip?.has(this.oid)) return false;
    const finding: FsckFinding = { id, level, detail };
    if (this.oid) finding.oid = this.oid;
    this.findings.push(finding);
    return level === 'error';
  }
}
