/**
 * git's ref_is_hidden, for receive.hideRefs, uploadpack.hideRefs and
 * transfer.hideRefs: prefixes matched on ref-name component boundaries, `!`
 * negates, the last matching entry wins; `^` marks a full (un-namespaced)
 * name, the same thing here as pushgate has no namespaces.
 */
export function isHiddenRef(refName: string, patterns: readonly string[]): boolean {
  for (let i = patterns.length - 1; i >= 0; i--) {
    let pattern = patterns[i]!;
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
