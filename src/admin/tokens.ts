import type { FastifyInstance } from 'fastify';
import { parseDuration } from '../auth/duration.js';
import { createToken, listTokens, revokeToken, type TokenScope } from '../auth/tokens.js';
import { InvalidInputError } from '../errors.js';
import type { AdminContext } from './context.js';
import { LIMIT, listOf, nullableTimestamp, params, ref, responds, text, timestamp } from './schemas.js';

const scope = { type: 'string', enum: ['read', 'write', 'admin'] } as const;

const tokenProperties = {
  id: { type: 'integer' },
  username: { type: 'string' },
  name: { type: 'string' },
  prefix: { type: 'string', description: 'First characters of the secret, to recognise it' },
  scopes: { type: ['array', 'null'], items: scope, description: 'null: everything the user may do' },
  expiresAt: nullableTimestamp,
  revokedAt: nullableTimestamp,
  lastUsedAt: nullableTimestamp,
  createdAt: timestamp,
  state: { type: 'string', enum: ['active', 'revoked', 'expired'] },
} as const;

const tokenSchema = {
  $id: 'Token',
  type: 'object',
  properties: tokenProperties,
  required: ['id', 'username', 'name', 'prefix', 'scopes', 'state', 'createdAt'],
};

const createdToken = {
  type: 'object',
  description: 'The token with its secret, which is shown this once only',
  properties: { ...tokenProperties, secret: { type: 'string' } },
  required: ['id', 'name', 'prefix', 'secret', 'state'],
} as const;

const newToken = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: text(LIMIT.tokenName, { minLength: 1 }),
    expiresIn: text(LIMIT.time, { pattern: '^\\d+\\s*[smhdwy]$', description: 'e.g. 30d, 12h, 1y (at most 100y)' }),
    expiresAt: { ...timestamp, maxLength: LIMIT.time },
    scopes: { type: 'array', items: scope, uniqueItems: true, maxItems: 3 },
  },
} as const;

/** GET /tokens, GET/POST /users/:username/tokens, DELETE /tokens/:id. */
export async function tokenRoutes(app: FastifyInstance, { db }: AdminContext): Promise<void> {
  app.addSchema(tokenSchema);
  const tokens = listOf('Token');

  app.get('/tokens', { schema: { response: responds(tokens) } }, () => listTokens(db));
  app.get<{ Params: { username: string } }>(
    '/users/:username/tokens',
    { schema: { params: params.username, response: responds(tokens) } },
    (request) => listTokens(db, request.params.username),
  );
  app.post<{
    Params: { username: string };
    Body: { name?: string; expiresIn?: string; expiresAt?: string; scopes?: TokenScope[] };
  }>(
    '/users/:username/tokens',
    { schema: { params: params.username, body: newToken, response: responds(createdToken, 201) } },
    async (request, reply) => {
      const { name, expiresIn, expiresAt, scopes } = request.body;
      if (expiresIn && expiresAt) throw new InvalidInputError('give expiresIn or expiresAt, not both');
      const expiry = expiresIn ? new Date(Date.now() + parseDuration(expiresIn)) : expiresAt ? new Date(expiresAt) : null;
      const { token, secret } = await createToken(db, { username: request.params.username, name, expiresAt: expiry, scopes });
      return reply.code(201).send({ ...token, secret });
    },
  );
  app.delete<{ Params: { id: number } }>(
    '/tokens/:id',
    { schema: { params: params.id, response: responds(ref('Token')) } },
    (request) => revokeToken(db, request.params.id),
  );
}
