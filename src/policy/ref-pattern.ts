import { isValidRefName } from '../objects/refname.js';
import { GlobCache, isGlob } from '../glob.js';

const cache = new GlobCache();

/**
 * Whether a rule's ref pattern matches a ref. `refs/heads/main` matches only
 * itself; `refs/heads/release/*` matches `refs/heads/release/1.0` but not
 * `refs/heads/release/1.0/fix`; `refs/heads/**` matches every branch.
 */
export function refPatternMatches(pattern: string, refName: string): boolean {
  if (!isGlob(pattern)) return pattern === refName;
  return cache.get(pattern).test(refName);
}

/** A pattern is a full ref name under refs/ in which `*`, `**` and `?` may stand for parts of components. */
export function isValidRefPattern(pattern: string): boolean {
  if (!pattern.startsWith('refs/') || pattern.length > 1024) return false;
  // `*`/`?` are not ref name characters: check the rest with git's own rules.
  return isValidRefName(pattern.replace(/\*\*|\*|\?/g, 'x'));
}
