import type { FastifyInstance } from 'fastify';
import { addGroup, addGroupMember, getGroup, listGroups, removeGroup, removeGroupMember } from '../auth/groups.js';
import type { AdminContext } from './context.js';
import { LIMIT, listOf, ref, responds, text, timestamp } from './schemas.js';

const groupSchema = {
  $id: 'Group',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    members: { type: 'array', items: { type: 'string' } },
    createdAt: timestamp,
  },
  required: ['id', 'name', 'members', 'createdAt'],
};

const groupParams = { type: 'object', properties: { name: text(LIMIT.name) }, required: ['name'] } as const;

const memberParams = {
  type: 'object',
  properties: { name: text(LIMIT.name), username: text(LIMIT.name) },
  required: ['name', 'username'],
} as const;

const newGroup = {
  type: 'object',
  additionalProperties: false,
  properties: { name: text(LIMIT.name, { minLength: 1 }) },
  required: ['name'],
} as const;

/** GET/POST /groups, GET/DELETE /groups/:name, PUT/DELETE /groups/:name/members/:username. */
export async function groupRoutes(app: FastifyInstance, { db }: AdminContext): Promise<void> {
  app.addSchema(groupSchema);
  const group = ref('Group');

  app.get('/groups', { schema: { response: responds(listOf('Group')) } }, () => listGroups(db));
  app.post<{ Body: { name: string } }>(
    '/groups',
    { schema: { body: newGroup, response: responds(group, 201) } },
    async (request, reply) => reply.code(201).send(await addGroup(db, request.body.name)),
  );
  app.get<{ Params: { name: string } }>(
    '/groups/:name',
    { schema: { params: groupParams, response: responds(group) } },
    (request) => getGroup(db, request.params.name),
  );
  app.delete<{ Params: { name: string } }>(
    '/groups/:name',
    { schema: { params: groupParams, response: responds(group) } },
    (request) => removeGroup(db, request.params.name),
  );
  app.put<{ Params: { name: string; username: string } }>(
    '/groups/:name/members/:username',
    { schema: { params: memberParams, response: responds(group) } },
    (request) => addGroupMember(db, request.params.name, request.params.username),
  );
  app.delete<{ Params: { name: string; username: string } }>(
    '/groups/:name/members/:username',
    { schema: { params: memberParams, response: responds(group) } },
    (request) => removeGroupMember(db, request.params.name, request.params.username),
  );
}
