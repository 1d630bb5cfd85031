import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { isRepoName } from '../db/repo-name.js';
import { isGitDir } from '../repo/git-dir.js';

/**
 * Turns a repository name from a URL or an SSH command (`team/app.git`,
 * `/team/app`, `app`) into the bare repository's path under the data folder,
 * or null when the name is malformed, escapes the folder (`..`, symlinks) or
 * names no repository. Tries `<name>`, then `<name>.git`, like git's enter_repo.
 */
export async function resolveRepoPath(dataDir: string, rawName: string): Promise<{ name: string; gitDir: string } | null> {
  const name = normalizeRepoName(rawName);
  if (!name) return null;
  const root = await realpath(dataDir);
  const candidates = name.endsWith('.git') ? [name] : [name, `${name}.git`];
  for (const candidate of candidates) {
    const joined = path.join(root, candidate);
    let real: string;
    try {
      real = await realpath(joined);
    } catch {
      continue;
    }
    if (!isInside(root, real)) return null;
    if (await isGitDir(real)) return { name: path.relative(root, real).split(path.sep).join('/'), gitDir: real };
  }
  return null;
}

/** Canonical repository name or null when it is not acceptable. */
export function normalizeRepoName(rawName: string): string | null {
  let name = rawName.trim();
  if (name.includes('\0') || name.includes('\\')) return null;
  name = name.replace(/^\/+/, '').replace(/\/+$/, '');
  return isRepoName(name) ? name : null;
}

function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
