/**
 * git's check_refname_format rules. Lives here, below repo/, because fsck
 * checks tag names with it; repo/refs re-exports it.
 */
export interface RefnameFormatOptions {
  /** Accept a single component such as "HEAD" or "main". */
  allowOneLevel?: boolean;
  /** Accept one "*" in the name (refspec patterns). */
  refspecPattern?: boolean;
}

// Control characters, space and ~^:?*[\ are never allowed in a component.
const FORBIDDEN = /[\x00-\x20\x7f~^:?*[\\]/;

function componentIsValid(component: string, allowStar: { left: boolean }): boolean {
  if (component === '' || component.startsWith('.') || component.endsWith('.lock')) return false;
  if (component.includes('..') || component.includes('@{')) return false;
  for (const char of component) {
    if (char === '*' && allowStar.left) {
      allowStar.left = false;
      continue;
    }
    if (FORBIDDEN.test(char)) return false;
  }
  return true;
}

export function isValidRefName(name: string, options: RefnameFormatOptions = {}): boolean {
  if (name === '@' || name.endsWith('.')) return false;
  const components = name.split('/');
  const allowStar = { left: options.refspecPattern === true };
  for (const component of components) {
    if (!componentIsValid(component, allowStar)) return false;
  }
  return components.length >= 2 || options.allowOneLevel === true;
}
