import { isZeroOid } from '../objects/oid.js';
import { collectAddedCommits } from './added-commits.js';
import { isFastForward } from './fast-forward.js';
import type { CommitInfo, HistoryReader } from './history-reader.js';
import { refPatternMatches } from './ref-pattern.js';
import { changedFiles, type ChangedFile } from './tree-changes.js';

/** A ref as it was before the push. */
export interface RefState {
  name: string;
  oid: string;
}

/** The part of an update the content facts depend on. */
export interface UpdateSides {
  oldOid: string;
  newOid: string;
}

/**
 * What the rules need to know about one push, each fact computed on first
 * use and shared by every rule and ref: whether an update fast-forwards,
 * which commits it adds to what a rule covers, which files each of those
 * adds or modifies, and blob sizes. `isNew` says whether an object arrived
 * with the push (the quarantine's isIncoming): a shortcut, never the
 * definition; `refs` are the repository's refs before the push.
 */
export class PushAnalysis {
  private readonly fastForwards = new Map<string, Promise<boolean>>();
  private readonly addedByKey = new Map<string, Promise<CommitInfo[]>>();
  private readonly refsByPatterns = new Map<string, string[]>();
  private readonly peeledCommits = new Map<string, Promise<string | null>>();
  private readonly changesByCommit = new Map<string, Promise<ChangedFile[]>>();
  private readonly blobSizes = new Map<string, Promise<number | null>>();

  constructor(
    readonly history: HistoryReader,
    readonly isNew: (oid: string) => Promise<boolean>,
    /** Sizes already known (the indexer saw every pushed object); others are looked up. */
    private readonly knownSize?: (oid: string) => number | undefined,
    private readonly refs: readonly RefState[] = [],
  ) {}

  fastForward(oldOid: string, newOid: string): Promise<boolean> {
    return memo(this.fastForwards, `${oldOid} ${newOid}`, () => isFastForward(this.history, oldOid, newOid));
  }

  /**
   * The commits the update adds to the refs `patterns` cover: reachable
   * from the new tip, not from the old tip nor from any ref (before the
   * push) that a pattern matches. Newest first, by discovery.
   */
  addedCommits(update: UpdateSides, patterns: readonly string[]): Promise<CommitInfo[]> {
    const key = `${update.newOid} ${update.oldOid} ${patterns.join('\n')}`;
    return memo(this.addedByKey, key, () => {
      const boundary = this.boundary(update, patterns);
      return collectAddedCommits(this.history, this.isNew, update.newOid, boundary, () => this.commitsOf(boundary));
    });
  }

  /** The oids of the refs the patterns cover, and the old tip. */
  private boundary(update: UpdateSides, patterns: readonly string[]): string[] {
    const key = patterns.join('\n');
    let oids = this.refsByPatterns.get(key);
    if (!oids) {
      const matching = this.refs.filter((ref) => patterns.some((pattern) => refPatternMatches(pattern, ref.name)));
      oids = [...new Set(matching.map((ref) => ref.oid))];
      this.refsByPatterns.set(key, oids);
    }
    return isZeroOid(update.oldOid) ? oids : [...oids, update.oldOid];
  }

  /** The commits the boundary's refs point at, through tags; what is not a commit bounds nothing. */
  private async commitsOf(oids: readonly string[]): Promise<string[]> {
    const commits: string[] = [];
    for (const oid of oids) {
      const peeled = await memo(this.peeledCommits, oid, async () => {
        const object = await this.history.peel(oid);
        return object?.type === 'commit' ? object.oid : null;
      });
      if (peeled) commits.push(peeled);
    }
    return commits;
  }

  /** Files the commit adds or modifies relative to all its parents. */
  changes(commit: CommitInfo): Promise<ChangedFile[]> {
    return memo(this.changesByCommit, commit.oid, async () => {
      const parentTrees: string[] = [];
      for (const parent of commit.parents) {
        const info = await this.history.commit(parent);
        if (info) parentTrees.push(info.tree);
      }
      return changedFiles(this.history, commit.tree, parentTrees);
    });
  }

  /**
   * What a tip that is not a commit brings (a ref or tag pointing straight
   * at a tree or blob): the whole tree, or the blob, unless the old tip or
   * a covered ref already points at it.
   */
  async tipFiles(update: UpdateSides, patterns: readonly string[]): Promise<ChangedFile[]> {
    const peeled = await this.history.peel(update.newOid);
    if (!peeled || peeled.type === 'commit') return [];
    for (const oid of this.boundary(update, patterns)) {
      if (oid === update.newOid || oid === peeled.oid || (await this.history.peel(oid))?.oid === peeled.oid) return [];
    }
    if (peeled.type === 'blob') return [{ path: '', oid: peeled.oid, mode: 0o100644, kind: 'blob' }];
    if (peeled.type === 'tree') return changedFiles(this.history, peeled.oid, []);
    return [];
  }

  blobSize(oid: string): Promise<number | null> {
    const known = this.knownSize?.(oid);
    if (known !== undefined) return Promise.resolve(known);
    return memo(this.blobSizes, oid, async () => (await this.history.objects.info(oid))?.size ?? null);
  }
}

function memo<T>(cache: Map<string, Promise<T>>, key: string, compute: () => Promise<T>): Promise<T> {
  let value = cache.get(key);
  if (!value) {
    value = compute();
    cache.set(key, value);
  }
  return value;
}
