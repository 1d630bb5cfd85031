import { ObjectError } from '../errors.js';

export const ENTRY_BLOB = 0;
export const ENTRY_TREE = 1;
export const ENTRY_GITLINK = 2;

/**
 * Calls `visit` with the kind of every entry of a tree and where its raw id
 * starts in `data`, without building entry objects, decoding names or
 * making hex strings: the object walk of a clone scans every tree of the
 * history.
 */
export function scanTree(data: Buffer, hashLength: number, visit: (kind: number, data: Buffer, idAt: number) => void): void {
  let pos = 0;
  while (pos < data.length) {
    let mode = 0;
    let c = data[pos]!;
    while (c !== 0x20) {
      if (c < 0x30 || c > 0x37 || pos + 1 >= data.length) throw new ObjectError('E_BAD_TREE', 'malformed mode in tree entry');
      mode = mode * 8 + (c - 0x30);
      c = data[++pos]!;
    }
    const nul = data.indexOf(0, pos + 1);
    if (nul < 0 || nul + 1 + hashLength > data.length) throw new ObjectError('E_BAD_TREE', 'truncated tree entry');
    const kind = (mode & 0o170000) === 0o040000 ? ENTRY_TREE : (mode & 0o170000) === 0o160000 ? ENTRY_GITLINK : ENTRY_BLOB;
    visit(kind, data, nul + 1);
    pos = nul + 1 + hashLength;
  }
}
