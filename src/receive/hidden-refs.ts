/**
 * receive.hideRefs / transfer.hideRefs: prefixes matched on ref-name component
 * boundaries, `!` negates, the last matching entry wins (git's ref_is_hidden).
 * `^` (un-namespaced full name) is the same as plain without GIT_NAMESPACE.
 */
export function isHiddenRef(refName: string, patterns: string[]): boolean {
  for (let i = patterns.length - 1; i >= 0; i--) {
    let pattern = patterns[i];
    let negated = false;
    if (pattern.startsWith('!')) {
      negated = true;
      pattern = pattern.slice(1);
    }
    if (pattern.startsWith('^')) pattern = pattern.slice(1);
    pattern = pattern.replace(/\/+$/, '');
    if (refName === pattern || (refName.startsWith(pattern) && refName[pattern.length] === '/')) return !negated;
  }
  return false;
}
