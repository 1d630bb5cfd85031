import { ObjectError } from '../errors.js';
import { hashLength, type HashAlgorithm } from './oid.js';
import { OBJECT_ERROR } from './object-errors.js';

export interface TreeEntry {
  /** Mode as a number (0o100644, 0o40000, …). */
  mode: number;
  /** Mode exactly as written (fsck cares about "040000" vs "40000"). */
  modeText: string;
  /** The name's bytes: git names are bytes, not necessarily UTF-8. */
  nameBytes: Buffer;
  /** The name decoded as UTF-8, for display and matching. */
  name: string;
  oid: string;
}

export type TreeEntryKind = 'blob' | 'tree' | 'commit';

export const TREE_MODE = {
  file: 0o100644,
  executable: 0o100755,
  symlink: 0o120000,
  tree: 0o40000,
  gitlink: 0o160000,
} as const;

/** What kind of object an entry points at, from the mode's file-type bits. */
export function entryKind(mode: number): TreeEntryKind | undefined {
  switch (mode & 0o170000) {
    case 0o040000:
      return 'tree';
    case 0o160000:
      return 'commit';
    case 0o100000:
    case 0o120000:
      return 'blob';
    default:
      return undefined;
  }
}

/** Parse a tree: repeated "<octal mode> <name>\0<binary oid>". Throws on a malformed entry. */
export function parseTree(data: Buffer, algo: HashAlgorithm): TreeEntry[] {
  const entries: TreeEntry[] = [];
  const oidLength = hashLength(algo);
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) throw new ObjectError(OBJECT_ERROR.badTree, 'malformed tree entry: no mode');
    const modeText = data.toString('latin1', pos, space);
    if (!/^[0-7]+$/.test(modeText)) throw new ObjectError(OBJECT_ERROR.badTree, `malformed mode in tree entry: ${modeText}`);
    const nul = data.indexOf(0, space + 1);
    if (nul < 0 || nul + 1 + oidLength > data.length) {
      throw new ObjectError(OBJECT_ERROR.badTree, 'truncated tree entry');
    }
    const nameBytes = data.subarray(space + 1, nul);
    entries.push({
      mode: parseInt(modeText, 8),
      modeText,
      nameBytes,
      name: nameBytes.toString('utf8'),
      oid: data.toString('hex', nul + 1, nul + 1 + oidLength),
    });
    pos = nul + 1 + oidLength;
  }
  return entries;
}

/** Serialize entries as given (the caller sorts); used to build trees in tests and tools. */
export function formatTree(entries: readonly Pick<TreeEntry, 'mode' | 'name' | 'oid'>[]): Buffer {
  const parts: Buffer[] = [];
  for (const entry of entries) {
    parts.push(Buffer.from(`${entry.mode.toString(8)} ${entry.name}\0`, 'utf8'), Buffer.from(entry.oid, 'hex'));
  }
  return Buffer.concat(parts);
}
