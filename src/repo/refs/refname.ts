import { isValidRefName, type RefnameFormatOptions } from '../../objects/refname.js';

export { isValidRefName, type RefnameFormatOptions };

/** Names the ref store will write: "HEAD", or a valid name under refs/. */
export function isWritableRefName(name: string): boolean {
  return name === 'HEAD' || (name.startsWith('refs/') && isValidRefName(name));
}
