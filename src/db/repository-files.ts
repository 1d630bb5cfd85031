import { lstat, realpath, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '../errors.js';
import { AmbiguousRepositoryError } from './errors.js';
import { isRepoName, logicalRepoName } from './repo-name.js';

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

/** A repository folder under the data folder: its canonical name (the path relative to it) and where it is. */
export interface RepositoryLocation {
  name: string;
  gitDir: string;
}

/**
 * The one folder a name (`team/app` or `team/app.git`, already checked with
 * isRepoName) means: `<name>` or `<name>.git`, like git's enter_repo, after
 * symlinks, strictly inside the data folder. Null when there is none; when
 * both exist the name is ambiguous and AmbiguousRepositoryError is thrown:
 * one canonical name per folder, and a client's name never picks one of two.
 */
export async function locateRepository(dataDir: string, name: string): Promise<RepositoryLocation | null> {
  const root = await realpath(dataDir);
  const logical = logicalRepoName(name);
  const found: RepositoryLocation[] = [];
  for (const candidate of [logical, `${logical}.git`]) {
    if (!isRepoName(candidate)) continue;
    const real = await realpath(path.join(root, candidate)).catch(() => null);
    if (!real || !isInside(root, real) || !(await isBareRepository(real))) continue;
    const canonical = path.relative(root, real).split(path.sep).join('/');
    if (isRepoName(canonical) && !found.some((f) => f.gitDir === real)) found.push({ name: canonical, gitDir: real });
  }
  if (found.length > 1)
    throw new AmbiguousRepositoryError(
      logical,
      found.map((f) => f.name),
    );
  return found[0] ?? null;
}

/**
 * The folder already holding the repository a new `name` would be (`x` for
 * `x.git` and the reverse: one name), or null; a missing data folder holds
 * none. Creating beside it would make the name ambiguous.
 */
export async function existingRepositoryFor(dataDir: string, name: string): Promise<string | null> {
  if (!(await stat(dataDir).catch(() => null))) return null;
  try {
    return (await locateRepository(dataDir, name))?.name ?? null;
  } catch (err) {
    if (err instanceof AmbiguousRepositoryError) return (err.data.folders as string[])[0]!;
    throw err;
  }
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
