import { GlobCache } from '../glob.js';

const cache = new GlobCache();

/**
 * Whether a file path (`src/keys/id.pem`) is covered by a forbidden-path
 * glob, .gitignore style: a pattern without a slash matches a name in any
 * directory (`*.pem`, `secrets`); one with a slash is anchored at the root
 * (`config/*.env`, `/build`, `vendor/**`). A pattern that matches a directory
 * covers everything below it.
 */
export function pathPatternMatches(pattern: string, filePath: string): boolean {
  const anchored = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  const regex = cache.get(anchored);
  const parts = filePath.split('/');
  if (!pattern.replace(/\/+$/, '').includes('/')) return parts.some((part) => regex.test(part));
  for (let end = parts.length; end > 0; end--) {
    if (regex.test(parts.slice(0, end).join('/'))) return true;
  }
  return false;
}

/** The first pattern covering the path, or undefined. */
export function firstMatchingPathPattern(patterns: readonly string[], filePath: string): string | undefined {
  return patterns.find((pattern) => pathPatternMatches(pattern, filePath));
}

export function isValidPathPattern(pattern: string): boolean {
  const trimmed = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed.length > 0 && pattern.length <= 1024 && !/[\x00\n]/.test(pattern);
}
