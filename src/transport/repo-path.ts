import { isRepoName } from '../db/repo-name.js';
import { locateRepository } from '../db/repository-files.js';

/**
 * Turns a repository name from a URL or an SSH command (`team/app.git`,
 * `/team/app`, `app`) into the bare repository's canonical name and path
 * under the data folder, or null when the name is malformed, escapes the
 * folder (`..`, symlinks) or names no repository. `<name>` and `<name>.git`
 * are one name, like git's enter_repo; when both folders exist the name is
 * refused (AmbiguousRepositoryError), never resolved to either.
 */
export async function resolveRepoPath(dataDir: string, rawName: string): Promise<{ name: string; gitDir: string } | null> {
  const name = normalizeRepoName(rawName);
  if (!name) return null;
  return locateRepository(dataDir, name);
}

/** Canonical repository name or null when it is not acceptable. */
export function normalizeRepoName(rawName: string): string | null {
  let name = rawName.trim();
  if (name.includes('\0') || name.includes('\\')) return null;
  name = name.replace(/^\/+/, '').replace(/\/+$/, '');
  return isRepoName(name) ? name : null;
}
