import { ObjectError } from '../errors.js';
import type { CommitNode, CommitStore } from './commit-store.js';
import { DateQueue } from '../repo/date-queue.js';
import type { Pacer } from './pacer.js';
import { OBJECT_ERROR } from '../objects/object-errors.js';

const UNINTERESTING = 1;
const IN_QUEUE = 2;
const SEEN = 4;

/** How many more commits to look at once only uninteresting ones are queued (git's SLOP, for clock skew). */
const SLOP = 5;

export interface CommitWalkResult {
  /** Commits to send, newest first. */
  commits: CommitNode[];
  /** Commits the client has that are parents of commits to send, plus the uninteresting tips. */
  edges: CommitNode[];
}

/**
 * git's limited revision walk (`rev-list wants --not haves`): commits
 * reachable from `include` but not from `exclude`, walked newest first;
 * stops once only commits the client has are left (with git's slop for
 * skewed clocks). Commits in `grafts` are walked as if they had no parents
 * (the shallow boundary).
 */
export async function walkCommits(
  store: CommitStore,
  include: readonly string[],
  exclude: readonly string[],
  grafts: ReadonlySet<string>,
  pacer?: Pacer,
): Promise<CommitWalkResult> {
  const flags = new Map<string, number>();
  const queue = new DateQueue<CommitNode>();
  let interestingQueued = 0;
  const parentsOf = (node: CommitNode) => (grafts.has(node.oid) ? [] : node.parents);

  const enqueue = (node: CommitNode, extra: number) => {
    const f = (flags.get(node.oid) ?? 0) | extra | IN_QUEUE | SEEN;
    flags.set(node.oid, f);
    if (!(f & UNINTERESTING)) interestingQueued++;
    queue.push(node);
  };
  /** Marks `oid` and everything already loaded below it as uninteresting. */
  const markUninteresting = (oid: string) => {
    const stack = [oid];
    while (stack.length > 0) {
      const current = stack.pop()!;
      const f = flags.get(current) ?? 0;
      if (f & UNINTERESTING) continue;
      flags.set(current, f | UNINTERESTING);
      if (f & IN_QUEUE) interestingQueued--;
      const node = f & SEEN ? store.peek(current) : undefined;
      if (node) stack.push(...parentsOf(node));
    }
  };

  const tips = new Set<string>();
  for (const oid of exclude) {
    const node = await store.get(oid);
    if (!node || (flags.get(oid) ?? 0) & SEEN) continue;
    tips.add(oid);
    enqueue(node, UNINTERESTING);
  }
  for (const oid of include) {
    if ((flags.get(oid) ?? 0) & SEEN) continue;
    const node = await store.get(oid);
    if (!node) throw new ObjectError(OBJECT_ERROR.missingObject, `missing commit ${oid}`);
    enqueue(node, 0);
  }

  const popped: CommitNode[] = [];
  let slop = SLOP;
  let lastInterestingDate = Infinity;
  while (queue.size > 0) {
    const node = queue.pop()!;
    const f = flags.get(node.oid)! & ~IN_QUEUE;
    flags.set(node.oid, f);
    const uninteresting = (f & UNINTERESTING) !== 0;
    if (!uninteresting) interestingQueued--;
    for (const parent of parentsOf(node)) {
      if (uninteresting) markUninteresting(parent);
      const pf = flags.get(parent) ?? 0;
      if (pf & SEEN) continue;
      const parentNode = await store.get(parent);
      if (!parentNode) {
        if (pf & UNINTERESTING) continue; // below the client's side: a shallow or damaged history
        throw new ObjectError(OBJECT_ERROR.missingObject, `missing commit ${parent} (parent of ${node.oid})`);
      }
      enqueue(parentNode, 0);
    }
    await pacer?.step();
    if (uninteresting) {
      // git's still_interesting(): keep going while something interesting is
      // queued or the queue holds commits newer than the last one kept.
      const next = queue.peek();
      if (!next) break;
      if (lastInterestingDate <= next.date || interestingQueued > 0) slop = SLOP;
      else if (--slop === 0) break;
      continue;
    }
    lastInterestingDate = node.date;
    popped.push(node);
  }

  const commits = popped.filter((node) => !(flags.get(node.oid)! & UNINTERESTING));
  const edges = new Map<string, CommitNode>();
  for (const node of commits) {
    for (const parent of parentsOf(node)) {
      const parentNode = store.peek(parent);
      if (parentNode && flags.get(parent)! & UNINTERESTING) edges.set(parent, parentNode);
    }
  }
  for (const oid of tips) edges.set(oid, store.peek(oid)!);
  return { commits, edges: [...edges.values()] };
}
