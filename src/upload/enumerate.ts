import { ObjectError } from '../errors.js';
import { hashLength } from '../objects/oid.js';
import { parseTag } from '../objects/tag.js';
import type { CommitStore } from './commit-store.js';
import { walkCommits } from './commit-walk.js';
import type { UploadObjects } from './object-access.js';
import { CLIENT_HAS, ObjectMarks, SENT, type ObjectId } from './object-marks.js';
import type { Pacer } from './pacer.js';
import { ENTRY_GITLINK, ENTRY_TREE, nameHash, scanTree } from './tree-scan.js';
import { OBJECT_ERROR } from '../objects/object-errors.js';

export interface EnumerateInput {
  /** What the client asked for (any object type). */
  wants: readonly string[];
  /** What the client has: the common objects of the negotiation, plus unshallowed commits. */
  haves: readonly string[];
  /** Commits walked as if they had no parents (the shallow boundary). */
  grafts: ReadonlySet<string>;
  /** Annotated tags to add when what they point at is sent (include-tag): the refs/tags values. */
  tagCandidates?: readonly string[];
}

export interface Enumeration {
  /** Objects to send: commits newest first, then tags, then trees and blobs in walk order. */
  objects: ObjectId[];
  /** SENT and CLIENT_HAS flags (the latter: possible bases of a thin pack), and names. */
  marks: ObjectMarks;
  /** Objects the client has, by name key (see ObjectMarks.nameKey): delta bases for new versions of them. */
  clientByName: Map<number, ObjectId[]>;
}

/**
 * Counts the objects to send, as `git pack-objects --revs` does with
 * `wants --not haves`: the commits the client lacks, then every tree and
 * blob they reach that the client does not have. What the client has is
 * known from the trees of the boundary commits (git's edges), not from its
 * whole history, so a file that reappears from long ago may be sent again.
 */
export async function enumerateObjects(
  objects: UploadObjects,
  commits: CommitStore,
  input: EnumerateInput,
  options: { pacer?: Pacer; counter?: { count: number } } = {},
): Promise<Enumeration> {
  const hl = hashLength(objects.algo);
  const marks = new ObjectMarks(objects);
  const clientByName = new Map<number, ObjectId[]>();
  const list: ObjectId[] = [];
  const add = (id: ObjectId) => {
    if (marks.get(id) & (SENT | CLIENT_HAS)) return false;
    marks.mark(id, SENT);
    list.push(id);
    if (options.counter) options.counter.count = list.length;
    return true;
  };

  const includeCommits: string[] = [];
  const excludeCommits: string[] = [];
  const wantedOthers: string[] = [];
  const haveTrees: ObjectId[] = [];
  const tags: string[] = [];
  for (const oid of input.haves) {
    for (const { oid: id, type } of await peelChain(objects, oid)) {
      if (type === 'commit') excludeCommits.push(id);
      else if (type === 'tree') haveTrees.push(marks.idOf(id));
      else marks.mark(marks.idOf(id), CLIENT_HAS);
    }
  }
  for (const oid of input.wants) {
    for (const { oid: id, type } of await peelChain(objects, oid)) {
      if (type === 'commit') includeCommits.push(id);
      else if (type === 'tag') tags.push(id);
      else wantedOthers.push(id);
    }
  }

  const walk = await walkCommits(commits, includeCommits, excludeCommits, input.grafts, options.pacer);
  for (const edge of walk.edges) {
    marks.mark(marks.idOf(edge.oid), CLIENT_HAS);
    haveTrees.push(marks.idOf(edge.tree));
  }
  for (const tree of haveTrees) await markTreeKnown(tree);

  for (const commit of walk.commits) add(marks.idOf(commit.oid));
  for (const tag of tags) add(marks.idOf(tag));
  for (const commit of walk.commits) await addTree(marks.idOf(commit.tree));
  for (const oid of wantedOthers) {
    if ((await objects.type(oid)) === 'tree') await addTree(marks.idOf(oid));
    else add(marks.idOf(oid));
  }
  if (input.tagCandidates) {
    for (const tag of input.tagCandidates) {
      // A broken tag is not worth failing the fetch for: it is simply not included.
      const chain = await peelChain(objects, tag).catch(() => []);
      const target = chain[chain.length - 1];
      if (chain.length > 1 && target && marks.get(marks.idOf(target.oid)) & SENT) {
        for (const link of chain.slice(0, -1)) add(marks.idOf(link.oid));
      }
    }
  }
  return { objects: list, marks, clientByName };

  async function markTreeKnown(root: ObjectId): Promise<void> {
    rememberClientName(ROOT_KEY, root);
    const stack = [root];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (!marks.mark(id, CLIENT_HAS)) continue;
      const tree = await marks.read(id);
      if (!tree) continue; // the client's, not ours: nothing below it to mark
      scanTree(tree.data, hl, (kind, data, at, nameAt) => {
        if (kind === ENTRY_GITLINK) return;
        const child = marks.idOfRaw(data, at, hl * 2);
        rememberClientName(nameHash(data, nameAt, at - 1) * 2 + (kind === ENTRY_TREE ? 1 : 0), child);
        if (kind === ENTRY_TREE) stack.push(child);
        else marks.mark(child, CLIENT_HAS);
      });
      await options.pacer?.step();
    }
  }

  function rememberClientName(key: number, id: ObjectId): void {
    const same = clientByName.get(key);
    if (!same) clientByName.set(key, [id]);
    else if (same.length < 4 && !same.includes(id)) same.push(id);
  }

  async function addTree(root: ObjectId): Promise<void> {
    if (!(marks.get(root) & (SENT | CLIENT_HAS))) marks.setName(root, 0, true);
    const stack = [root];
    const subtrees: ObjectId[] = [];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (!add(id)) continue;
      const tree = await marks.read(id);
      if (!tree || tree.type !== 'tree') throw new ObjectError(OBJECT_ERROR.missingObject, `missing tree ${marks.hexOf(id)}`);
      subtrees.length = 0;
      scanTree(tree.data, hl, (kind, data, at, nameAt) => {
        if (kind === ENTRY_GITLINK) return;
        const child = marks.idOfRaw(data, at, hl * 2);
        if (kind === ENTRY_TREE) {
          subtrees.push(child);
          if (!(marks.get(child) & (SENT | CLIENT_HAS))) marks.setName(child, nameHash(data, nameAt, at - 1), true);
        } else if (add(child)) {
          marks.setName(child, nameHash(data, nameAt, at - 1), false);
        }
      });
      // Depth-first in entry order, like git's traversal.
      for (let k = subtrees.length - 1; k >= 0; k--) stack.push(subtrees[k]!);
      await options.pacer?.step();
    }
  }
}

/** The name key of root trees (an empty name). */
const ROOT_KEY = 1;

/** `oid` and, through annotated tags, what it points at: [{tag}, …, {final object}]. */
async function peelChain(objects: UploadObjects, oid: string): Promise<{ oid: string; type: string }[]> {
  const chain: { oid: string; type: string }[] = [];
  let current = oid;
  for (let depth = 0; depth < 64; depth++) {
    const type = await objects.type(current);
    if (!type) throw new ObjectError(OBJECT_ERROR.missingObject, `missing object ${current}`);
    chain.push({ oid: current, type });
    if (type !== 'tag') return chain;
    const tag = await objects.read(current);
    current = parseTag(tag!.data, objects.algo).object;
  }
  throw new ObjectError(OBJECT_ERROR.badTag, `tag chain from ${oid} is too long`);
}
