import { ObjectError } from '../errors.js';
import { OBJECT_ERROR } from '../objects/object-errors.js';

export const ENTRY_BLOB = 0;
export const ENTRY_TREE = 1;
export const ENTRY_GITLINK = 2;

/**
 * Calls `visit` with the kind of every entry of a tree, where its name starts
 * and where its raw id starts in `data` (the name ends one byte before),
 * without building entry objects, decoding names or making hex strings: the
 * object walk of a clone scans every tree of the history.
 */
export function scanTree(
  data: Buffer,
  hashLength: number,
  visit: (kind: number, data: Buffer, idAt: number, nameAt: number) => void,
): void {
  let pos = 0;
  while (pos < data.length) {
    let mode = 0;
    let c = data[pos]!;
    while (c !== 0x20) {
      if (c < 0x30 || c > 0x37 || pos + 1 >= data.length)
        throw new ObjectError(OBJECT_ERROR.badTree, 'malformed mode in tree entry');
      mode = mode * 8 + (c - 0x30);
      c = data[++pos]!;
    }
    const nul = data.indexOf(0, pos + 1);
    if (nul < 0 || nul + 1 + hashLength > data.length) throw new ObjectError(OBJECT_ERROR.badTree, 'truncated tree entry');
    const kind = (mode & 0o170000) === 0o040000 ? ENTRY_TREE : (mode & 0o170000) === 0o160000 ? ENTRY_GITLINK : ENTRY_BLOB;
    visit(kind, data, nul + 1, pos + 1);
    pos = nul + 1 + hashLength;
  }
}

/**
 * git's pack_name_hash of an entry name (bytes [start, end)): weighted to
 * the last characters, so versions of one file, and files of one kind, meet.
 */
export function nameHash(data: Buffer, start: number, end: number): number {
  let hash = 0;
  for (let k = start; k < end; k++) {
    const c = data[k]!;
    if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) continue;
    hash = ((hash >>> 2) + (c << 24)) >>> 0;
  }
  return hash;
}
