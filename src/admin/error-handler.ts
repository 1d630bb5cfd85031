import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ERROR_CODE, PushgateError } from '../errors.js';
import { DB_ERROR } from '../db/db-errors.js';
import { REPO_ERROR } from '../repo/repo-errors.js';
import { ADMIN_ERROR } from './admin-errors.js';

/** Stable error codes → HTTP status, for every admin API route. */
const STATUS_BY_CODE: Record<string, number> = {
  [ERROR_CODE.notFound]: 404,
  [ERROR_CODE.conflict]: 409,
  [REPO_ERROR.repositoryExists]: 409,
  [DB_ERROR.ambiguousRepository]: 409,
  [ERROR_CODE.invalid]: 400,
  [REPO_ERROR.badBranchName]: 400,
};

/** JSON errors with stable codes: schema failures 400, known codes mapped, the rest 500 (details only in the log). */
export function adminErrorHandler(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err.validation) return reply.code(400).send({ error: ERROR_CODE.invalid, message: err.message });
  if (err instanceof PushgateError && STATUS_BY_CODE[err.code]) {
    return reply.code(STATUS_BY_CODE[err.code]!).send({ error: err.code, message: err.message });
  }
  if (err.statusCode && err.statusCode < 500)
    return reply.code(err.statusCode).send({ error: err.code ?? ADMIN_ERROR.request, message: err.message });
  request.log.error({ err }, 'admin API error');
  return reply.code(500).send({ error: ADMIN_ERROR.internal, message: 'internal error; the server log has the details' });
}
