import type { CommitStore } from './commit-store.js';
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
  /** Wants already known to reach something the client has (git's COMMON_KNOWN). */
  private readonly settled = new Set<string>();
  /** theyHave's size when okToGiveUp last said no: nothing new, same answer. */
  private lastNo = -1;

  constructor(
    private readonly objects: UploadObjects,
    private readonly commits: CommitStore,
    private readonly wants: readonly string[],
  ) {}

  /**
   * Records a `have`: 'missing' when we do not have the object, 'new' when
   * it adds to what we knew, 'known' when it was implied already.
   */
  async add(oid: string): Promise<'missing' | 'new' | 'known'> {
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
    for (const want of this.wants) {
      if (this.settled.has(want)) continue;
      if (!(await this.reachesCommon(want))) {
        this.lastNo = this.theyHave.size;
        return false;
      }
      this.settled.add(want);
    }
    return true;
  }

  private async reachesCommon(want: string): Promise<boolean> {
    const start = await this.commits.get(want);
    if (!start) return true; // not a commit: its ancestry cannot tell, so it does not hold us up
    const seen = new Set<string>([want]);
    const stack = [start];
    while (stack.length > 0) {
      const node = stack.pop()!;
      if (this.theyHave.has(node.oid)) return true;
      for (const parent of node.parents) {
        if (seen.has(parent)) continue;
        seen.add(parent);
        if (this.theyHave.has(parent)) return true;
        const next = await this.commits.get(parent);
        if (next && next.date >= this.oldestHave) stack.push(next);
      }
    }
    return false;
  }
}
