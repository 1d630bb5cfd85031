import { lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { HashAlgorithm } from '../../objects/oid.js';
import { isErrno } from '../fs-durable.js';
import { isValidRefName } from './refname.js';

export type LooseRefValue = { kind: 'oid'; oid: string } | { kind: 'symbolic'; target: string };

/**
 * Read one loose ref file: "<hex>\n" or "ref: <target>\n". Null when there is
 * no such file (or a directory is in the way); undefined when the file
 * exists but does not hold a ref (git ignores such "broken" refs).
 */
export async function readLooseRef(gitDir: string, name: string, algo: HashAlgorithm): Promise<LooseRefValue | null | undefined> {
  let text: string;
  try {
    text = await readFile(join(gitDir, name), 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR', 'ENAMETOOLONG')) return null;
    throw error;
  }
  return parseLooseRef(text, algo);
}

export function parseLooseRef(text: string, algo: HashAlgorithm): LooseRefValue | undefined {
  if (text.startsWith('ref:')) {
    const target = text.slice(4).trim();
    return target === '' ? undefined : { kind: 'symbolic', target };
  }
  const length = algo === 'sha1' ? 40 : 64;
  const oid = text.slice(0, length);
  if (!/^[0-9a-f]+$/.test(oid) || oid.length !== length) return undefined;
  const rest = text.slice(length);
  if (rest !== '' && !/^\s/.test(rest)) return undefined;
  return { kind: 'oid', oid };
}

/** Names of loose ref files under `<gitDir>/<prefix>` (e.g. "refs/"), skipping locks and invalid names. */
export async function listLooseRefNames(gitDir: string, prefix = 'refs/'): Promise<string[]> {
  const names: string[] = [];
  async function walk(relative: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(gitDir, relative), { withFileTypes: true });
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR', 'ENAMETOOLONG')) return;
      throw error;
    }
    for (const entry of entries) {
      const name = relative + entry.name;
      if (entry.isDirectory()) await walk(name + '/');
      else if (entry.isFile() && isValidRefName(name)) names.push(name);
      else if (entry.isSymbolicLink() && isValidRefName(name)) {
        const info = await lstat(join(gitDir, name)).catch(() => undefined);
        if (info) names.push(name);
      }
    }
  }
  await walk(prefix.endsWith('/') ? prefix : prefix + '/');
  return names;
}
