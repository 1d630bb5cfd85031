import { ObjectError } from '../errors.js';
import { hashLength } from '../objects/oid.js';
import { parseTag } from '../objects/tag.js';
import type { CommitStore } from './commit-store.js';
import { walkCommits } from './commit-walk.js';
import type { UploadObjects } from './object-access.js';
import type { Pacer } from './pacer.js';
import { ENTRY_BLOB, ENTRY_TREE, scanTree } from './tree-scan.js';

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
  objects: string[];
  /** Objects the client is known to have: possible bases of a thin pack. */
  clientHas: Set<string>;
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
  const sent = new Set<string>();
  const clientHas = new Set<string>();
  const list: string[] = [];
  const add = (oid: string) => {
    if (sent.has(oid) || clientHas.has(oid)) return false;
    sent.add(oid);
    list.push(oid);
    if (options.counter) options.counter.count = list.length;
    return true;
  };

  const includeCommits: string[] = [];
  const excludeCommits: string[] = [];
  const wantedTrees: string[] = [];
  const haveTrees: string[] = [];
  const tags: string[] = [];
  for (const oid of input.haves) {
    for (const { oid: id, type } of await peelChain(objects, oid)) {
      if (type === 'commit') excludeCommits.push(id);
      else if (type === 'tree') haveTrees.push(id);
      else clientHas.add(id);
    }
  }
  for (const oid of input.wants) {
    for (const { oid: id, type } of await peelChain(objects, oid)) {
      if (type === 'commit') includeCommits.push(id);
      else if (type === 'tree') wantedTrees.push(id);
      else if (type === 'tag') tags.push(id);
      else if (!clientHas.has(id)) wantedTrees.push(id); // a blob: walked below with the trees
    }
  }

  const walk = await walkCommits(commits, includeCommits, excludeCommits, input.grafts, options.pacer);
  for (const edge of walk.edges) {
    clientHas.add(edge.oid);
    haveTrees.push(edge.tree);
  }
  for (const tree of haveTrees) await markTreeKnown(tree);

  for (const commit of walk.commits) add(commit.oid);
  for (const tag of tags) add(tag);
  for (const commit of walk.commits) await addTree(commit.tree);
  for (const oid of wantedTrees) {
    if ((await objects.type(oid)) === 'tree') await addTree(oid);
    else add(oid);
  }
  if (input.tagCandidates) {
    for (const tag of input.tagCandidates) {
      // A broken tag is not worth failing the fetch for: it is simply not included.
      const chain = await peelChain(objects, tag).catch(() => []);
      const target = chain[chain.length - 1];
      if (chain.length > 1 && target && sent.has(target.oid)) for (const link of chain.slice(0, -1)) add(link.oid);
    }
  }
  return { objects: list, clientHas };

  async function markTreeKnown(root: string): Promise<void> {
    const stack = [root];
    while (stack.length > 0) {
      const oid = stack.pop()!;
      if (clientHas.has(oid)) continue;
      clientHas.add(oid);
      const tree = await objects.read(oid);
      if (!tree) continue; // the client's, not ours: nothing below it to mark
      scanTree(tree.data, hl, (kind, child) => {
        if (kind === ENTRY_TREE) stack.push(child);
        else if (kind === ENTRY_BLOB) clientHas.add(child);
      });
      await options.pacer?.step();
    }
  }

  async function addTree(root: string): Promise<void> {
    const stack = [root];
    while (stack.length > 0) {
      const oid = stack.pop()!;
      if (!add(oid)) continue;
      const tree = await objects.read(oid);
      if (!tree || tree.type !== 'tree') throw new ObjectError('E_MISSING_OBJECT', `missing tree ${oid}`);
      const subtrees: string[] = [];
      scanTree(tree.data, hl, (kind, child) => {
        if (kind === ENTRY_TREE) subtrees.push(child);
        else if (kind === ENTRY_BLOB) add(child);
      });
      // Depth-first in entry order, like git's traversal.
      for (let k = subtrees.length - 1; k >= 0; k--) stack.push(subtrees[k]!);
      await options.pacer?.step();
    }
  }
}

/** `oid` and, through annotated tags, what it points at: [{tag}, …, {final object}]. */
async function peelChain(objects: UploadObjects, oid: string): Promise<{ oid: string; type: string }[]> {
  const chain: { oid: string; type: string }[] = [];
  let current = oid;
  for (let depth = 0; depth < 64; depth++) {
    const type = await objects.type(current);
    if (!type) throw new ObjectError('E_MISSING_OBJECT', `missing object ${current}`);
    chain.push({ oid: current, type });
    if (type !== 'tag') return chain;
    const tag = await objects.read(current);
    current = parseTag(tag!.data, objects.algo).object;
  }
  throw new ObjectError('E_BAD_TAG', `tag chain from ${oid} is too long`);
}
