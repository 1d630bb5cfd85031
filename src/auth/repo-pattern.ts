import { InvalidInputError } from '../errors.js';
import { globToRegExp } from '../glob.js';

/**
 * Repository patterns in grants: a name (`team/app`, `team/app.git`) or a
 * glob where `*` and `?` stay within one path segment and `**` crosses them
 * (`team/*`, `**`). A pattern without a `.git` suffix names repositories
 * as clients do, so `team/app` matches the folder `team/app` and the folder
 * `team/app.git`; a pattern with one names exactly such folders, so a grant
 * on `pub.git` never applies to a folder `pub` made beside it or after it.
 */
export function normalizeRepoPattern(raw: string): string {
  const pattern = raw.trim().replace(/^\/+/, '').replace(/\/+$/, '');
  if (!pattern || pattern.length > 1024)
    throw new InvalidInputError(`'${raw}' is not a repository name or pattern`, { pattern: raw });
  for (const part of pattern.split('/')) {
    if (part === '' || part === '.' || part === '..' || (part.startsWith('.') && !part.startsWith('.*'))) {
      throw new InvalidInputError(`'${raw}' is not a repository name or pattern`, { pattern: raw });
    }
    if (!/^[A-Za-z0-9._@+*?-]+$/.test(part))
      throw new InvalidInputError(`'${raw}' has characters a repository name cannot have`, { pattern: raw });
  }
  return pattern;
}

export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

const compiled = new Map<string, RegExp>();

export function repoPatternMatches(pattern: string, repoName: string): boolean {
  let regex = compiled.get(pattern);
  if (!regex) {
    regex = globToRegExp(stripGitSuffix(pattern));
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, regex);
  }
  if (pattern.endsWith('.git') && !repoName.endsWith('.git')) return false;
  return regex.test(stripGitSuffix(repoName));
}

function stripGitSuffix(name: string): string {
  return name.endsWith('.git') ? name.slice(0, -4) : name;
}
