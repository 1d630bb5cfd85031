import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from './database.js';
import { isRepoName, logicalRepoName } from './repo-name.js';
import { findRepositoryExactly, registerRepositoryIfMissing, type RepositoryRecord } from './repositories.js';
import { isBareRepository, locateRepository } from './repository-files.js';

/** Two folders that one name means (`pub` and `pub.git`): git requests for either are refused until one goes. */
export interface RepositoryConflict {
  name: string;
  folders: string[];
}

export interface AdoptOptions {
  /** Told of every pair of folders one name means (both are registered, neither is served). */
  onConflict?: (conflict: RepositoryConflict) => void;
}

/** How deep below the data folder bare repositories are looked for (`org/team/app.git` is 3). */
const MAX_DEPTH = 6;

/**
 * Adds every bare repository found in the data folder (made by `git init
 * --bare` or copied in, nested like `team/app.git`) to the registry, so an
 * existing folder of repositories is served as it is. Symlinks and dot
 * folders are not followed. Returns the names it added.
 */
export async function adoptRepositories(db: Queryable, dataDir: string, options: AdoptOptions = {}): Promise<string[]> {
  const found = await scanRepositories(dataDir);
  for (const conflict of repositoryConflicts(found)) options.onConflict?.(conflict);
  const added: string[] = [];
  for (const name of found) {
    if (await registerRepositoryIfMissing(db, name)) added.push(name);
  }
  return added;
}

/** The canonical names of the bare repositories in the data folder, sorted. */
export async function scanRepositories(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  await walk(await realpath(dataDir), [], found);
  return found;
}

/** The names that mean two of these folders (`x` and `x.git`). */
export function repositoryConflicts(names: readonly string[]): RepositoryConflict[] {
  const byName = new Map<string, string[]>();
  for (const name of names) {
    const logical = logicalRepoName(name);
    byName.set(logical, [...(byName.get(logical) ?? []), name]);
  }
  return [...byName].filter(([, folders]) => folders.length > 1).map(([name, folders]) => ({ name, folders: folders.sort() }));
}

/**
 * Registers one repository on first access, given its canonical name (the
 * folder the transports found). Returns its own registry entry, never its
 * `.git` twin's, or null when there is no such folder; throws
 * AmbiguousRepositoryError when the name means two folders.
 */
export async function adoptRepository(db: Queryable, dataDir: string, name: string): Promise<RepositoryRecord | null> {
  if (!isRepoName(name)) return null;
  const location = await locateRepository(dataDir, name);
  if (!location) return null;
  const existing = await findRepositoryExactly(db, location.name);
  if (existing) return existing;
  await registerRepositoryIfMissing(db, location.name);
  return findRepositoryExactly(db, location.name);
}

async function walk(dir: string, parts: string[], found: string[]): Promise<void> {
  if (parts.length > 0 && (await isBareRepository(dir))) {
    const name = parts.join('/');
    if (isRepoName(name)) found.push(name);
    return;
  }
  if (parts.length >= MAX_DEPTH) return;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
    await walk(path.join(dir, entry.name), [...parts, entry.name], found);
  }
}
