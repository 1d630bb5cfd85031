import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno } from '../fs-durable.js';

export interface PackedRef {
  oid: string;
  /** The `^<oid>` line: what an annotated tag peels to. */
  peeled?: string;
}

export interface PackedRefs {
  /** Traits from the "# pack-refs with: …" header (peeled, fully-peeled, sorted). */
  traits: string[];
  refs: Map<string, PackedRef>;
}

export const PACKED_REFS_FILE = 'packed-refs';

export function parsePackedRefs(text: string): PackedRefs {
  const result: PackedRefs = { traits: [], refs: new Map() };
  let last: PackedRef | undefined;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# pack-refs with:')) {
      result.traits = line.slice('# pack-refs with:'.length).trim().split(/\s+/).filter(Boolean);
      continue;
    }
    if (line.startsWith('#')) continue;
    if (line.startsWith('^')) {
      if (last) last.peeled = line.slice(1).trim();
      continue;
    }
    const space = line.indexOf(' ');
    if (space < 0) continue;
    last = { oid: line.slice(0, space) };
    result.refs.set(line.slice(space + 1), last);
  }
  return result;
}

/**
 * Serialize with git's header. We only ever remove entries from a file git
 * (or we) wrote, so its peel traits stay true; entries are always sorted.
 */
export function formatPackedRefs(packed: PackedRefs): string {
  const traits = packed.traits.filter((trait) => trait !== 'sorted');
  traits.push('sorted');
  let text = `# pack-refs with: ${traits.join(' ')} \n`;
  const names = [...packed.refs.keys()].sort(compareRefNames);
  for (const name of names) {
    const ref = packed.refs.get(name)!;
    text += `${ref.oid} ${name}\n`;
    if (ref.peeled) text += `^${ref.peeled}\n`;
  }
  return text;
}

/** Byte order, as git sorts refs (C locale). */
export function compareRefNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Reads packed-refs, re-parsing only when the file changed (stat identity). */
export class PackedRefsReader {
  private cached: { stamp: string; packed: PackedRefs } | undefined;

  constructor(private readonly gitDir: string) {}

  get path(): string {
    return join(this.gitDir, PACKED_REFS_FILE);
  }

  async read(): Promise<PackedRefs> {
    let stamp: string;
    try {
      const info = await stat(this.path, { bigint: true });
      stamp = `${info.ino}:${info.size}:${info.mtimeNs}:${info.ctimeNs}`;
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return { traits: [], refs: new Map() };
      throw error;
    }
    if (this.cached?.stamp === stamp) return this.cached.packed;
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return { traits: [], refs: new Map() };
      throw error;
    }
    const packed = parsePackedRefs(text);
    this.cached = { stamp, packed };
    return packed;
  }
}
