import { parseCommit, commitDate } from '../objects/commit.js';
import type { ObjectReader } from '../objects/object-reader.js';
import { parseTag } from '../objects/tag.js';
import { entryKind, parseTree } from '../objects/tree.js';
import { DateQueue } from './date-queue.js';

// git's limit when peeling tag chains.
const MAX_TAG_DEPTH = 64;

/** Follow annotated tags to what they finally point at; null if an object is missing. */
export async function peel(reader: ObjectReader, oid: string): Promise<{ oid: string; type: string } | null> {
  let current = oid;
  for (let depth = 0; depth < MAX_TAG_DEPTH; depth++) {
    // The type first: what a ref points to may be a blob of any size, never to be read whole.
    const info = await reader.info(current);
    if (!info) return null;
    if (info.type !== 'tag') return { oid: current, type: info.type };
    const object = await reader.read(current);
    if (!object) return null;
    current = parseTag(object.data, reader.algo).object;
  }
  return null;
}

interface CommitNode {
  oid: string;
  date: number;
  parents: string[];
}

async function loadCommit(reader: ObjectReader, oid: string): Promise<CommitNode | null> {
  const object = await reader.read(oid);
  if (!object || object.type !== 'commit') return null;
  const commit = parseCommit(object.data, reader.algo);
  return { oid, date: commitDate(commit), parents: commit.parents };
}

/**
 * Whether `ancestor` is reachable from `descendant` (both peeled through
 * tags, as git's ref_newer does). Walks newest-first by committer date and
 * stops as soon as it meets the ancestor; without generation numbers a
 * negative answer needs the whole history below the descendant, which is
 * what git does too when there is no commit-graph.
 */
export async function isAncestor(reader: ObjectReader, ancestor: string, descendant: string): Promise<boolean> {
  const target = await peel(reader, ancestor);
  const start = await peel(reader, descendant);
  if (!target || !start || target.type !== 'commit' || start.type !== 'commit') return false;
  if (target.oid === start.oid) return true;
  const first = await loadCommit(reader, start.oid);
  if (!first) return false;
  const queue = new DateQueue<CommitNode>();
  const seen = new Set<string>([first.oid]);
  queue.push(first);
  for (let node = queue.pop(); node; node = queue.pop()) {
    for (const parent of node.parents) {
      if (parent === target.oid) return true;
      if (seen.has(parent)) continue;
      seen.add(parent);
      const commit = await loadCommit(reader, parent);
      if (commit) queue.push(commit);
    }
  }
  return false;
}

export interface ConnectivityOptions {
  /**
   * Whether an object arrived with the push (is in the quarantine). Only new
   * objects are walked; an old one only has to exist, because the repository
   * was complete before the push. Without it every object from the tips
   * down is walked (stopping at the haves).
   */
  isNew?: (oid: string) => Promise<boolean>;
}

type Expected = 'commit' | 'tree' | 'blob' | 'any';

/**
 * Which tips are not fully connected: some object reachable from them (and
 * not from the haves) is missing or is not of the type that points to it.
 * One walk over all tips; if that finds a hole, each tip is checked alone
 * to say which ones are incomplete (as git re-runs rev-list per command).
 */
export async function checkConnectivity(
  reader: ObjectReader,
  tips: string[],
  haves: string[],
  options: ConnectivityOptions = {},
): Promise<string[]> {
  const unique = [...new Set(tips)];
  if (await isConnected(reader, unique, haves, options)) return [];
  const incomplete: string[] = [];
  for (const tip of unique) if (!(await isConnected(reader, [tip], haves, options))) incomplete.push(tip);
  return incomplete;
}

async function isConnected(
  reader: ObjectReader,
  tips: string[],
  haves: string[],
  options: ConnectivityOptions,
): Promise<boolean> {
  const done = new Set<string>(haves);
  const stack: { oid: string; expected: Expected }[] = tips.map((oid) => ({ oid, expected: 'any' }));
  while (stack.length > 0) {
    const { oid, expected } = stack.pop()!;
    if (done.has(oid)) continue;
    done.add(oid);
    if (options.isNew && !(await options.isNew(oid))) {
      const info = await reader.info(oid);
      if (!info || (expected !== 'any' && info.type !== expected)) return false;
      continue;
    }
    // The type first, so that a blob (of any size, where a tip or a pointer may name one) is never read.
    const info = await reader.info(oid);
    if (!info || (expected !== 'any' && info.type !== expected)) return false;
    if (info.type === 'blob') continue;
    const object = await reader.read(oid);
    if (!object || object.type !== info.type) return false;
    try {
      if (object.type === 'commit') {
        const commit = parseCommit(object.data, reader.algo);
        stack.push({ oid: commit.tree, expected: 'tree' });
        for (const parent of commit.parents) stack.push({ oid: parent, expected: 'commit' });
      } else if (object.type === 'tree') {
        for (const entry of parseTree(object.data, reader.algo)) {
          const kind = entryKind(entry.mode);
          if (kind === 'tree' || kind === 'blob') stack.push({ oid: entry.oid, expected: kind });
        }
      } else if (object.type === 'tag') {
        stack.push({ oid: parseTag(object.data, reader.algo).object, expected: 'any' });
      }
    } catch {
      return false; // an object that does not parse cannot be walked
    }
  }
  return true;
}

/**
 * Commits reachable from `tip` that are new (e.g. in the quarantine), newest
 * first; the walk stops at commits that are not new. For policies that look
 * at every pushed commit.
 */
export async function newCommits(
  reader: ObjectReader,
  isNew: (oid: string) => Promise<boolean>,
  tip: string,
  limit = Infinity,
): Promise<string[]> {
  const result: string[] = [];
  const start = await peel(reader, tip);
  if (!start || start.type !== 'commit' || !(await isNew(start.oid))) return result;
  const first = await loadCommit(reader, start.oid);
  if (!first) return result;
  const queue = new DateQueue<CommitNode>();
  const seen = new Set<string>([first.oid]);
  queue.push(first);
  for (let node = queue.pop(); node && result.length < limit; node = queue.pop()) {
    result.push(node.oid);
    for (const parent of node.parents) {
      if (seen.has(parent)) continue;
      seen.add(parent);
      if (!(await isNew(parent))) continue;
      const commit = await loadCommit(reader, parent);
      if (commit) queue.push(commit);
    }
  }
  return result;
}
