import { lstat, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';

/** HEAD file plus objects/ and refs/ folders: what git itself checks (is_git_directory). */
export async function isBareRepository(dir: string): Promise<boolean> {
  try {
    const [head, objects, refs] = await Promise.all([
      lstat(path.join(dir, 'HEAD')),
      stat(path.join(dir, 'objects')),
      stat(path.join(dir, 'refs')),
    ]);
    return (head.isFile() || head.isSymbolicLink()) && objects.isDirectory() && refs.isDirectory();
  } catch {
    return false;
  }
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/**
 * Deletes a bare repository below the data folder. Refuses anything that is
 * not a bare repository strictly inside the folder (after resolving
 * symlinks). Returns false when it was already gone.
 */
export async function deleteRepositoryFiles(dataDir: string, relativePath: string): Promise<boolean> {
  const root = await realpath(dataDir);
  const real = await realpath(path.join(root, relativePath)).catch(() => null);
  if (!real) return false;
  if (!isInside(root, real) || !(await isBareRepository(real))) {
    throw new InvalidInputError(`refusing to delete ${real}: not a bare repository inside ${root}`, { path: real });
  }
  await rm(real, { recursive: true, force: true });
  return true;
}
