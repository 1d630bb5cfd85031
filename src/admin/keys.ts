import type { FastifyInstance } from 'fastify';
import { addSshKey, listSshKeys, removeSshKey } from '../auth/ssh-keys.js';
import type { AdminContext } from './context.js';
import { LIMIT, listOf, nullableString, nullableTimestamp, params, ref, responds, text, timestamp } from './schemas.js';

const sshKeySchema = {
  $id: 'SshKey',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    algorithm: { type: 'string', description: 'ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521' },
    fingerprint: { type: 'string', description: 'As ssh-keygen -lf prints it: SHA256:…' },
    bits: { type: ['integer', 'null'] },
    comment: nullableString,
    createdAt: timestamp,
    lastUsedAt: nullableTimestamp,
  },
  required: ['id', 'username', 'algorithm', 'fingerprint', 'createdAt'],
};

const keyParams = {
  type: 'object',
  properties: {
    username: text(LIMIT.name),
    // An id beyond PostgreSQL's integer would be a database error: ids have at most 9 digits here.
    key: text(90, { pattern: '^(?:[0-9]{1,9}|[^0-9].*)$', description: 'SHA256:… fingerprint or id' }),
  },
  required: ['username', 'key'],
} as const;

const newKey = {
  type: 'object',
  additionalProperties: false,
  properties: {
    key: text(LIMIT.keyText, { minLength: 1, description: 'One OpenSSH public key line' }),
    comment: text(LIMIT.comment),
  },
  required: ['key'],
} as const;

/** GET /keys, GET/POST /users/:username/keys, DELETE /users/:username/keys/:key. */
export async function keyRoutes(app: FastifyInstance, { db }: AdminContext): Promise<void> {
  app.addSchema(sshKeySchema);
  const keys = listOf('SshKey');

  app.get('/keys', { schema: { response: responds(keys) } }, () => listSshKeys(db));
  app.get<{ Params: { username: string } }>(
    '/users/:username/keys',
    { schema: { params: params.username, response: responds(keys) } },
    (request) => listSshKeys(db, request.params.username),
  );
  app.post<{ Params: { username: string }; Body: { key: string; comment?: string } }>(
    '/users/:username/keys',
    { schema: { params: params.username, body: newKey, response: responds(ref('SshKey'), 201) } },
    async (request, reply) =>
      reply.code(201).send(await addSshKey(db, request.params.username, request.body.key, request.body.comment)),
  );
  app.delete<{ Params: { username: string; key: string } }>(
    '/users/:username/keys/:key',
    { schema: { params: keyParams, response: responds(ref('SshKey')) } },
    (request) => removeSshKey(db, request.params.key, request.params.username),
  );
}
