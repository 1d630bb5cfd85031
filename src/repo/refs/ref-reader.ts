import { lstat, readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HashAlgorithm } from '../../objects/oid.js';
import type { RefEntry } from '../types.js';
import { isErrno } from '../fs-durable.js';
import { listLooseRefNames, readLooseRef } from './loose-refs.js';
import { PackedRefsReader, compareRefNames } from './packed-refs.js';

// git's limit on symref chains.
const MAX_SYMREF_DEPTH = 5;

export type RawRef = { kind: 'oid'; oid: string } | { kind: 'symbolic'; target: string };

/** Reads refs the way git's files backend does: a loose file wins over packed-refs. */
export class RefReader {
  readonly packed: PackedRefsReader;

  constructor(
    readonly gitDir: string,
    readonly algo: HashAlgorithm,
  ) {
    this.packed = new PackedRefsReader(gitDir);
  }

  async readRaw(name: string): Promise<RawRef | null> {
    const loose = await readLooseRef(this.gitDir, name, this.algo);
    if (loose) return loose;
    if (loose === undefined) return null; // a broken loose file hides the packed value, as in git
    const packed = (await this.packed.read()).refs.get(name);
    return packed ? { kind: 'oid', oid: packed.oid } : null;
  }

  /** Follow symrefs: the name that finally holds (or would hold) an oid; undefined for a loop. */
  async resolveName(name: string): Promise<string | undefined> {
    let current = name;
    for (let depth = 0; depth <= MAX_SYMREF_DEPTH; depth++) {
      const raw = await this.readRaw(current);
      if (raw?.kind !== 'symbolic') return current;
      current = raw.target;
    }
    return undefined;
  }

  async resolve(name: string): Promise<string | null> {
    const target = await this.resolveName(name);
    if (target === undefined) return null;
    const raw = await this.readRaw(target);
    return raw?.kind === 'oid' ? raw.oid : null;
  }

  async list(): Promise<RefEntry[]> {
    const packed = (await this.packed.read()).refs;
    const loose = new Set(await listLooseRefNames(this.gitDir));
    const names = new Set<string>(loose);
    for (const name of packed.keys()) if (name.startsWith('refs/')) names.add(name);
    const entries: RefEntry[] = [];
    for (const name of [...names].sort(compareRefNames)) {
      // Packed-only refs need no file system access; loose ones may be symrefs.
      const oid = loose.has(name) ? await this.resolve(name) : packed.get(name)!.oid;
      if (oid) entries.push({ name, oid });
    }
    return entries;
  }

  /**
   * Another ref that makes `name` impossible to create (git's
   * refs_verify_refname_available): a ref named like one of its parent
   * directories, or a ref inside a directory named like it.
   */
  async findConflict(name: string): Promise<string | undefined> {
    const packed = (await this.packed.read()).refs;
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('/');
      if (packed.has(prefix) || (await this.isLooseFile(prefix))) return prefix;
    }
    const inside = await listLooseRefNames(this.gitDir, name + '/');
    for (const key of packed.keys()) if (key.startsWith(name + '/')) inside.push(key);
    inside.sort(compareRefNames);
    if (inside.length > 0) return inside[0];
    await removeEmptyDirectoryTree(join(this.gitDir, name));
    return undefined;
  }

  private async isLooseFile(name: string): Promise<boolean> {
    try {
      return (await lstat(join(this.gitDir, name))).isFile();
    } catch {
      return false;
    }
  }
}

/** A directory left where a ref is to be created is removed if it holds nothing at all, as git does. */
async function removeEmptyDirectoryTree(path: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(path, { withFileTypes: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG')) return;
    throw error;
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) return;
    await removeEmptyDirectoryTree(join(path, entry.name));
  }
  await rmdir(path).catch(() => undefined);
}
