import type { FastifyInstance } from 'fastify';
import { addUser, getUser, listUsers, removeUser, updateUser } from '../auth/users.js';
import type { AdminContext } from './context.js';
import { LIMIT, listOf, nullableString, nullableText, params, ref, responds, text, timestamp } from './schemas.js';

const userSchema = {
  $id: 'User',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    username: { type: 'string' },
    displayName: nullableString,
    admin: { type: 'boolean' },
    createdAt: timestamp,
  },
  required: ['id', 'username', 'displayName', 'admin', 'createdAt'],
};

const newUser = {
  type: 'object',
  additionalProperties: false,
  properties: {
    username: text(LIMIT.name, { minLength: 1 }),
    displayName: nullableText(LIMIT.displayName),
    admin: { type: 'boolean' },
  },
  required: ['username'],
} as const;

const userChanges = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { displayName: nullableText(LIMIT.displayName), admin: { type: 'boolean' } },
} as const;

/** GET/POST /users, GET/PATCH/DELETE /users/:username. */
export async function userRoutes(app: FastifyInstance, { db }: AdminContext): Promise<void> {
  app.addSchema(userSchema);
  const user = ref('User');

  app.get('/users', { schema: { response: responds(listOf('User')) } }, () => listUsers(db));
  app.post<{ Body: { username: string; displayName?: string | null; admin?: boolean } }>(
    '/users',
    { schema: { body: newUser, response: responds(user, 201) } },
    async (request, reply) => reply.code(201).send(await addUser(db, request.body)),
  );
  app.get<{ Params: { username: string } }>(
    '/users/:username',
    { schema: { params: params.username, response: responds(user) } },
    (request) => getUser(db, request.params.username),
  );
  app.patch<{ Params: { username: string }; Body: { displayName?: string | null; admin?: boolean } }>(
    '/users/:username',
    { schema: { params: params.username, body: userChanges, response: responds(user) } },
    (request) => updateUser(db, request.params.username, request.body),
  );
  app.delete<{ Params: { username: string } }>(
    '/users/:username',
    { schema: { params: params.username, response: responds(user) } },
    (request) => removeUser(db, request.params.username),
  );
}
