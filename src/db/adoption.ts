import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from './database.js';
import { isRepoName } from './repo-name.js';
import { findRepository, registerRepositoryIfMissing, type RepositoryRecord } from './repositories.js';
import { isBareRepository, isInside } from './repository-files.js';

/** How deep below the data folder bare repositories are looked for (`org/team/app.git` is 3). */
const MAX_DEPTH = 6;

/**
 * Adds every bare repository found in the data folder (made by `git init
 * --bare` or copied in, nested like `team/app.git`) to the registry, so an
 * existing folder of repositories is served as it is. Symlinks and dot
 * folders are not followed. Returns the names it added.
 */
export async function adoptRepositories(db: Queryable, dataDir: string): Promise<string[]> {
  const root = await realpath(dataDir);
  const found: string[] = [];
  await walk(root, [], found);
  const added: string[] = [];
  for (const name of found) {
    if (await registerRepositoryIfMissing(db, name)) added.push(name);
  }
  return added;
}

/**
 * Registers one repository on first access, when the name resolves to a
 * bare repository inside the data folder. Returns the registry entry, or
 * null when there is no such repository.
 */
export async function adoptRepository(db: Queryable, dataDir: string, name: string): Promise<RepositoryRecord | null> {
  const existing = await findRepository(db, name);
  if (existing) return existing;
  if (!isRepoName(name)) return null;
  const root = await realpath(dataDir);
  const real = await realpath(path.join(root, name)).catch(() => null);
  if (!real || !isInside(root, real) || !(await isBareRepository(real))) return null;
  // Register under the canonical name (the real path), as the transports resolve it.
  const canonical = path.relative(root, real).split(path.sep).join('/');
  if (!isRepoName(canonical)) return null;
  await registerRepositoryIfMissing(db, canonical);
  return findRepository(db, canonical);
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
