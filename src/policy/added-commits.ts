import { DateQueue } from '../repo/date-queue.js';
import type { CommitInfo, HistoryReader } from './history-reader.js';

/**
 * The commits an update adds to what a rule covers: reachable from the new
 * tip and from none of the `boundary` commits (the ref's old tip and every
 * ref the rule already covers, tags peeled). Where their objects came from
 * does not matter: commits first pushed to a ref no rule covers are judged
 * when they reach one that a rule does (issue 10, item 12).
 *
 * Cost follows the added commits. Commits that arrived with this push
 * (`isNew`: in the quarantine) are in no ref's history, so they are taken
 * without asking; only the older commits they lead to (the frontier) need
 * the boundary. A frontier that is all boundary tips (the usual push: on
 * top of the old tip or of another covered branch) ends there. Otherwise a
 * two-sided walk, newest first, paints the frontier's history and the
 * boundary's until nothing still queued is unpainted by the boundary; it
 * visits the added commits and the boundary's commits newer than them, like
 * `git rev-list <tip> --not <boundary>`. A client that re-sends commits the
 * repository has gets them judged again: stricter, never a way around.
 */
export async function collectAddedCommits(
  history: HistoryReader,
  isNew: (oid: string) => Promise<boolean>,
  tip: string,
  boundary: readonly string[],
  boundaryCommits: () => Promise<string[]>,
): Promise<CommitInfo[]> {
  const peeled = await history.peel(tip);
  const tips = new Set(boundary);
  if (peeled?.type !== 'commit' || tips.has(tip) || tips.has(peeled.oid)) return [];
  const added: CommitInfo[] = [];
  const frontier: string[] = [];
  const seen = new Set<string>([peeled.oid]);
  const stack: string[] = [];
  if (await isNew(peeled.oid)) stack.push(peeled.oid);
  else frontier.push(peeled.oid);
  while (stack.length > 0) {
    const commit = await history.commit(stack.pop()!);
    if (!commit) continue;
    added.push(commit);
    for (const parent of commit.parents) {
      if (seen.has(parent) || tips.has(parent)) continue;
      seen.add(parent);
      if (await isNew(parent)) stack.push(parent);
      else frontier.push(parent);
    }
  }
  if (frontier.length === 0) return added;
  added.push(...(await outsideBoundary(history, frontier, await boundaryCommits())));
  return added;
}

const FROM_START = 1;
const FROM_BOUNDARY = 2;
// Commits walked past the point where nothing is left to find: room for
// clock skew (a child dated before its parent), as git's rev-list keeps.
const SLOP = 5;

/** Commits reachable from `starts` and not from `boundary`, newest first by discovery. */
async function outsideBoundary(history: HistoryReader, starts: string[], boundary: string[]): Promise<CommitInfo[]> {
  const flags = new Map<string, number>();
  const queue = new DateQueue<CommitInfo>();
  const queued = new Set<string>();
  const walked = new Map<string, CommitInfo>();
  // Queued commits reached from the starts only: while there are any, the walk goes on.
  let live = 0;

  async function paint(oid: string, flag: number): Promise<void> {
    const pending = [oid];
    while (pending.length > 0) {
      const current = pending.pop()!;
      const before = flags.get(current) ?? 0;
      const after = before | flag;
      if (after === before) continue;
      flags.set(current, after);
      const done = walked.get(current);
      if (done) {
        // Walked already (its date was off): the boundary's paint goes on below it.
        if (flag === FROM_BOUNDARY) pending.push(...done.parents);
        continue;
      }
      if (queued.has(current)) {
        if (before === FROM_START) live--;
        continue;
      }
      const commit = await history.commit(current);
      if (!commit) continue; // missing (shallow history): nothing below it to walk
      queued.add(current);
      queue.push(commit);
      if (after === FROM_START) live++;
    }
  }

  for (const oid of boundary) await paint(oid, FROM_BOUNDARY);
  for (const oid of starts) await paint(oid, FROM_START);
  const reached: CommitInfo[] = [];
  let slop = SLOP;
  while (queue.size > 0) {
    if (live > 0) slop = SLOP;
    else if (--slop < 0) break;
    const commit = queue.pop()!;
    queued.delete(commit.oid);
    walked.set(commit.oid, commit);
    const flag = flags.get(commit.oid)!;
    if (flag === FROM_START) {
      live--;
      reached.push(commit);
    }
    const passOn = flag === FROM_START ? FROM_START : FROM_BOUNDARY;
    for (const parent of commit.parents) await paint(parent, passOn);
  }
  return reached.filter((commit) => flags.get(commit.oid) === FROM_START);
}
