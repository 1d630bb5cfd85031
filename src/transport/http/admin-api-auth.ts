import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PushgateError } from '../../errors.js';
import type { AccountAccessControl, AccountIdentity } from '../../auth/access-control.js';
import { ERROR_CODE } from '../../errors.js';
import { TRANSPORT_ERROR } from '../transport-errors.js';

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
        .send({ error: TRANSPORT_ERROR.unauthorized, message: 'an admin token is needed: Authorization: Bearer <token>' });
      return reply;
    }
    if (!(await access.isAdmin(identity))) {
      reply
        .code(403)
        .send({
          error: TRANSPORT_ERROR.forbidden,
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

/** Stable error codes → HTTP status, for every admin API route. */
const STATUS_BY_CODE: Record<string, number> = {
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_REPOSITORY_EXISTS: 409,
  E_INVALID: 400,
  E_BAD_BRANCH_NAME: 400,
};

/** JSON errors with stable codes: schema failures 400, known codes mapped, the rest 500 (details only in the log). */
export function adminErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err.validation) return reply.code(400).send({ error: ERROR_CODE.invalid, message: err.message });
  if (err instanceof PushgateError && STATUS_BY_CODE[err.code]) {
    return reply.code(STATUS_BY_CODE[err.code]!).send({ error: err.code, message: err.message });
  }
  if (err.statusCode && err.statusCode < 500)
    return reply.code(err.statusCode).send({ error: err.code ?? TRANSPORT_ERROR.badRequest, message: err.message });
  request.log.error({ err }, 'admin API error');
  return reply.code(500).send({ error: TRANSPORT_ERROR.internal, message: 'internal error; the server log has the details' });
}
