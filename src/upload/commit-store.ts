import { ObjectError } from '../errors.js';
import { oidHexLength } from '../objects/oid.js';
import type { UploadObjects } from './object-access.js';
import { OBJECT_ERROR } from '../objects/object-errors.js';

export interface CommitNode {
  oid: string;
  tree: string;
  /** As stored; walks apply shallow grafts themselves. */
  parents: string[];
  /** Committer time in seconds (0 when absent): git's walk order. */
  date: number;
}

/**
 * Commits read once per session and kept: negotiation, shallow computation
 * and the object walk all look at the same ones. Only the header fields a
 * walk needs are parsed, which is most of the cost of a clone's walk.
 */
export class CommitStore {
  private readonly nodes = new Map<string, CommitNode | null>();

  constructor(readonly objects: UploadObjects) {}

  /** The commit, or null when `oid` is missing or not a commit. */
  async get(oid: string): Promise<CommitNode | null> {
    const known = this.nodes.get(oid);
    if (known !== undefined) return known;
    // The type first: a want or a ref may name a blob of any size, never to be read whole here.
    const object = (await this.objects.type(oid)) === 'commit' ? await this.objects.read(oid) : null;
    const node = object && object.type === 'commit' ? parseCommitNode(oid, object.data, oidHexLength(this.objects.algo)) : null;
    this.nodes.set(oid, node);
    return node;
  }

  /** Already loaded (no I/O); undefined when not read yet. */
  peek(oid: string): CommitNode | null | undefined {
    return this.nodes.get(oid);
  }
}

const TREE = Buffer.from('tree ');
const PARENT = Buffer.from('parent ');
const COMMITTER = Buffer.from('committer ');

/** tree, parents and committer date from a commit's header lines. */
export function parseCommitNode(oid: string, data: Buffer, hexLength: number): CommitNode {
  if (!startsWith(data, 0, TREE) || data[TREE.length + hexLength] !== 0x0a) {
    throw new ObjectError(OBJECT_ERROR.badCommit, `bad tree pointer in commit ${oid}`);
  }
  const tree = data.toString('latin1', TREE.length, TREE.length + hexLength);
  const parents: string[] = [];
  let pos = TREE.length + hexLength + 1;
  while (startsWith(data, pos, PARENT)) {
    if (data[pos + PARENT.length + hexLength] !== 0x0a)
      throw new ObjectError(OBJECT_ERROR.badCommit, `bad parents in commit ${oid}`);
    parents.push(data.toString('latin1', pos + PARENT.length, pos + PARENT.length + hexLength));
    pos += PARENT.length + hexLength + 1;
  }
  let date = 0;
  while (pos < data.length && data[pos] !== 0x0a) {
    const eol = data.indexOf(0x0a, pos);
    const end = eol < 0 ? data.length : eol;
    if (startsWith(data, pos, COMMITTER)) {
      date = identTimestamp(data.toString('utf8', pos, end));
      break;
    }
    pos = end + 1;
  }
  return { oid, tree, parents, date };
}

/** "Name <email> 1700000000 +0000" → 1700000000; like git, the number after the first '>' (0 if none). */
function identTimestamp(line: string): number {
  const close = line.indexOf('>');
  if (close < 0) return 0;
  const match = /^\s*(\d+)/.exec(line.slice(close + 1));
  return match ? Number(match[1]) : 0;
}

function startsWith(data: Buffer, pos: number, prefix: Buffer): boolean {
  return data.length >= pos + prefix.length && data.compare(prefix, 0, prefix.length, pos, pos + prefix.length) === 0;
}
