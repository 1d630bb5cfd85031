import type { TimeSlicer } from '../time-slice.js';
import type { CommitNode, CommitStore } from './commit-store.js';
import type { UploadObjects } from './object-access.js';

/**
 * What the client has in common with us, learned from its `have` lines
 * (upload-pack.c do_got_oid / ok_to_give_up). A commit it has also tells us
 * it has the commit's parents.
 */
export class CommonObjects {
  /** Objects the client has that we have, in the order they were first named (git's have_obj). */
  readonly haves: string[] = [];
  private readonly theyHave = new Set<string>();
  private oldestHave = 0;
  /**
   * Commits known to reach something the client has (git's COMMON_KNOWN,
   * for wants and everything between them and the common commits). Stays
   * true: theyHave only grows and oldestHave only gets older.
   */
  private readonly reaching = new Set<string>();
  /** Commits known not to reach it while theyHave has this size (reset when it grows). */
  private notReaching = new Set<string>();
  private notReachingAt = -1;
  /** theyHave's size when okToGiveUp last said no: nothing new, same answer. */
  private lastNo = -1;

  constructor(
    private readonly objects: UploadObjects,
    private readonly commits: CommitStore,
    private readonly wants: readonly string[],
    private readonly slicer: TimeSlicer,
  ) {}

  /**
   * Records a `have`: 'missing' when we do not have the object, 'new' when
   * it adds to what we knew, 'known' when it was implied already.
   */
  async add(oid: string): Promise<'missing' | 'new' | 'known'> {
    await this.slicer.tick();
    if (!(await this.objects.has(oid))) return 'missing';
    const commit = await this.commits.get(oid);
    let known = false;
    if (commit) {
      known = this.theyHave.has(oid);
      this.theyHave.add(oid);
      if (this.oldestHave === 0 || commit.date < this.oldestHave) this.oldestHave = commit.date;
      for (const parent of commit.parents) this.theyHave.add(parent);
    }
    if (known) return 'known';
    this.haves.push(oid);
    return 'new';
  }

  /**
   * Whether every want reaches a commit the client has, looking only at
   * commits no older than its oldest have: then more haves would not make
   * the pack smaller, and the server can say "ready".
   */
  async okToGiveUp(): Promise<boolean> {
    if (this.haves.length === 0) return false;
    if (this.lastNo === this.theyHave.size) return false;
    if (this.notReachingAt !== this.theyHave.size) {
      this.notReaching = new Set();
      this.notReachingAt = this.theyHave.size;
    }
    for (const want of this.wants) {
      await this.slicer.tick();
      if (this.reaching.has(want)) continue;
      const start = await this.commits.get(want);
      // Not a commit: its ancestry cannot tell, so it does not hold us up.
      if (start && !(await this.reachesCommon(start))) {
        this.lastNo = this.theyHave.size;
        return false;
      }
      this.reaching.add(want);
    }
    return true;
  }

  /**
   * Depth first from `start` through commits no older than the oldest have,
   * remembering the answer for every commit it settles, so that each commit
   * is looked at once per state however many wants share its history (a
   * walk per want would be quadratic in the wants).
   */
  private async reachesCommon(start: CommitNode): Promise<boolean> {
    const stack: { node: CommitNode; next: number }[] = [{ node: start, next: 0 }];
    const onStack = new Set<string>([start.oid]);
    let found = this.theyHave.has(start.oid);
    while (stack.length > 0 && !found) {
      await this.slicer.tick();
      const frame = stack[stack.length - 1]!;
      const parent = frame.node.parents[frame.next++];
      if (parent === undefined) {
        // Every parent said no.
        stack.pop();
        onStack.delete(frame.node.oid);
        this.notReaching.add(frame.node.oid);
        continue;
      }
      if (this.theyHave.has(parent) || this.reaching.has(parent)) {
        found = true;
        break;
      }
      if (this.notReaching.has(parent) || onStack.has(parent)) continue;
      const next = await this.commits.get(parent);
      if (!next || next.date < this.oldestHave) continue;
      stack.push({ node: next, next: 0 });
      onStack.add(next.oid);
    }
    // Everything still on the stack leads to what was found.
    if (found) for (const frame of stack) this.reaching.add(frame.node.oid);
    return found;
  }
}
