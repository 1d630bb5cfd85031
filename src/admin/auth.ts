import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AccountAccessControl, AccountIdentity } from '../auth/access-control.js';
import { ADMIN_ERROR } from './admin-errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The admin calling the admin API (set by its auth hook). */
    admin?: AccountIdentity;
  }
}

/**
 * The admin API's gate: a token as `Authorization: Bearer <token>` or as the
 * password of Basic auth (`user:token`), belonging to an admin user (and,
 * for a scoped token, carrying the admin scope).
 */
export function adminAuthHook(access: AccountAccessControl, realm = 'pushgate') {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const identity = await identify(access, request.headers.authorization);
    if (!identity) {
      reply
        .code(401)
        .header('www-authenticate', `Bearer realm="${realm}", Basic realm="${realm}", charset="UTF-8"`)
        .send({ error: ADMIN_ERROR.unauthorized, message: 'an admin token is needed: Authorization: Bearer <token>' });
      return reply;
    }
    if (!(await access.isAdmin(identity))) {
      reply.code(403).send({
        error: ADMIN_ERROR.forbidden,
        message: `${identity.username} is not an admin, or the token lacks the admin scope`,
      });
      return reply;
    }
    request.admin = identity;
  };
}

async function identify(access: AccountAccessControl, header: string | undefined): Promise<AccountIdentity | null> {
  if (!header) return null;
  const [scheme, value = ''] = header.split(/\s+/, 2);
  if (/^bearer$/i.test(scheme ?? '')) return access.authenticateToken(value.trim());
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return null;
    return access.authenticatePassword(decoded.slice(0, colon), decoded.slice(colon + 1));
  }
  return null;
}
