import type { AccessControl } from './access.js';

/**
 * `--allow-anonymous-push` over an access control with accounts: anyone may
 * read and push every repository it can see; everything else (admin, the
 * refusal texts, authentication) is the wrapped control's.
 */
export function allowAnonymousPush(inner: AccessControl): AccessControl {
  return {
    acceptsCredentials: inner.acceptsCredentials,
    authenticatePassword: (user, secret) => inner.authenticatePassword(user, secret),
    authenticatePublicKey: (algorithm, blob) => inner.authenticatePublicKey(algorithm, blob),
    async check(identity, repo, access) {
      return access === 'admin' ? inner.check(identity, repo, access) : 'allow';
    },
    refusal: (identity, repo, access) => inner.refusal(identity, repo, access),
  };
}
