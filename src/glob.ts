/**
 * Globs over slash-separated names (refs, paths): `*` and `?` stay within one
 * component, `**` crosses components, and `**` followed by `/` also matches
 * no component at all (`refs/heads/**\/wip` matches `refs/heads/wip`).
 * Everything else is literal.
 */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === '*' && glob[i + 1] === '*') {
      if (glob[i + 2] === '/') {
        source += '(?:.*/)?';
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (ch === '*') {
      source += '[^/]*';
    } else if (ch === '?') {
      source += '[^/]';
    } else {
      source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

export function isGlob(pattern: string): boolean {
  return /[*?]/.test(pattern);
}

/** A small cache of compiled globs: rules are few and matched on every ref of every push. */
export class GlobCache {
  private readonly compiled = new Map<string, RegExp>();

  get(glob: string): RegExp {
    let regex = this.compiled.get(glob);
    if (!regex) {
      if (this.compiled.size > 5_000) this.compiled.clear();
      regex = globToRegExp(glob);
      this.compiled.set(glob, regex);
    }
    return regex;
  }
}
