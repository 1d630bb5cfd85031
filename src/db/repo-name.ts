/**
 * Repository names as the registry keeps them: the path relative to the data
 * folder with `/` separators (`team/app.git`): no empty or dot segments, a
 * safe character set. The one rule for names: the transports' repo-path
 * builds on it too.
 */
export function isRepoName(name: string): boolean {
  if (!name || name.length > 1024) return false;
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && /^[A-Za-z0-9._@+-]+$/.test(part));
}

/** `app` and `app.git` name the same repository (git's enter_repo tries both). */
export function repoNameVariants(name: string): string[] {
  return name.endsWith('.git') ? [name, name.slice(0, -4)] : [name, `${name}.git`];
}

/** The name a client means, whichever form it used: `x` for both `x` and `x.git`. */
export function logicalRepoName(name: string): string {
  return name.endsWith('.git') ? name.slice(0, -4) : name;
}
