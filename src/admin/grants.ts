import type { FastifyInstance } from 'fastify';
import { grantAccess, listGrants, removeGrantById } from '../auth/permissions.js';
import type { AdminContext } from './context.js';
import { LIMIT, listOf, params, ref, responds, text, timestamp } from './schemas.js';

const level = { type: 'string', enum: ['read', 'write', 'admin'] } as const;

const grantSchema = {
  $id: 'Grant',
  type: 'object',
  properties: {
    id: { type: 'integer' },
    subject: { type: 'string', description: 'A username, or @group' },
    pattern: {
      type: 'string',
      description: "A repository name or glob: team/app, team/*, ** ('*' within a segment, '**' across)",
    },
    level,
    createdAt: timestamp,
  },
  required: ['id', 'subject', 'pattern', 'level', 'createdAt'],
};

const newGrant = {
  type: 'object',
  additionalProperties: false,
  properties: {
    subject: text(LIMIT.name + 1, { minLength: 1 }),
    pattern: text(LIMIT.repoName, { minLength: 1 }),
    level,
  },
  required: ['subject', 'pattern', 'level'],
} as const;

const grantQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { subject: text(LIMIT.name + 1), repo: text(LIMIT.repoName) },
} as const;

/** GET/POST /grants, DELETE /grants/:id: who may read, write or administer which repositories. */
export async function grantRoutes(app: FastifyInstance, { db }: AdminContext): Promise<void> {
  app.addSchema(grantSchema);

  app.get<{ Querystring: { subject?: string; repo?: string } }>(
    '/grants',
    { schema: { querystring: grantQuery, response: responds(listOf('Grant')) } },
    (request) => listGrants(db, request.query),
  );
  app.post<{ Body: { subject: string; pattern: string; level: 'read' | 'write' | 'admin' } }>(
    '/grants',
    { schema: { body: newGrant, response: responds(ref('Grant'), 201) } },
    async (request, reply) =>
      reply.code(201).send(await grantAccess(db, request.body.subject, request.body.pattern, request.body.level)),
  );
  app.delete<{ Params: { id: number } }>(
    '/grants/:id',
    { schema: { params: params.id, response: responds(ref('Grant')) } },
    (request) => removeGrantById(db, request.params.id),
  );
}
