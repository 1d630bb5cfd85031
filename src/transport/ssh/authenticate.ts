import ssh2 from 'ssh2';
import type { AuthContext } from 'ssh2';
import type { Logger } from 'pino';
import type { Identity } from '../../identity.js';
import type { AccessControl } from '../../auth/access.js';

/** After this many refused attempts on one connection it is closed (OpenSSH's MaxAuthTries is 6). */
export const MAX_AUTH_ATTEMPTS = 10;

/**
 * Public-key authentication against the AccessControl. The client first may
 * ask whether a key would do (no signature): only known keys get a yes. Then
 * it signs; the signature is verified with the key it offered (which matched
 * a stored key byte for byte). For RSA the client names the hash (rsa-sha2-256/512).
 */
export function authenticator(
  access: AccessControl,
  log: Logger,
  onIdentity: (identity: Identity) => void,
  onTooMany: () => void,
) {
  let refused = 0;
  const refuse = (ctx: AuthContext) => {
    refused++;
    ctx.reject(['publickey']);
    if (refused >= MAX_AUTH_ATTEMPTS) onTooMany();
  };
  return async (ctx: AuthContext): Promise<void> => {
    // 'none' is how every client starts: the answer lists the methods we take.
    if (ctx.method !== 'publickey') return refuse(ctx);
    try {
      const identity = await access.authenticatePublicKey(ctx.key.algo, ctx.key.data);
      if (!identity) {
        log.debug({ keyType: ctx.key.algo }, 'ssh key not known');
        return refuse(ctx);
      }
      if (!ctx.signature || !ctx.blob) return ctx.accept(); // "would this key do?" — yes
      const key = ssh2.utils.parseKey(ctx.key.data);
      const parsed = Array.isArray(key) ? key[0] : key;
      if (!parsed || parsed instanceof Error || !parsed.verify(ctx.blob, ctx.signature, ctx.hashAlgo)) {
        log.warn({ user: identity.username }, 'ssh signature did not verify');
        return refuse(ctx);
      }
      onIdentity(identity);
      ctx.accept();
    } catch (err) {
      log.error({ err }, 'ssh authentication failed with an error');
      refuse(ctx);
    }
  };
}
