import type { FastifyInstance } from 'fastify';
import { parsePointInTime } from '../auth/duration.js';
import { queryAuditLog } from '../db/audit.js';
import type { AdminContext } from './context.js';
import { LIMIT, listOf, nullableString, nullableTimestamp, responds, text, timestamp } from './schemas.js';

const auditEntrySchema = {
  $id: 'AuditEntry',
  type: 'object',
  properties: {
    id: { type: 'string' },
    state: { type: 'string', enum: ['intent', 'complete', 'interrupted'] },
    result: { type: ['string', 'null'], enum: ['accepted', 'partial', 'rejected', 'failed', 'interrupted', null] },
    repo: { type: 'string' },
    userId: { type: ['integer', 'null'] },
    username: nullableString,
    transport: { type: 'string' },
    remoteAddress: nullableString,
    agent: nullableString,
    capabilities: { type: 'array', items: { type: 'string' } },
    pushOptions: { type: 'array', items: { type: 'string' } },
    commands: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          refName: { type: 'string' },
          oldOid: { type: 'string' },
          newOid: { type: 'string' },
          type: { type: 'string' },
          status: { type: 'string' },
          reason: { type: 'string' },
          decidedBy: { type: 'string' },
        },
      },
    },
    refsAfter: {
      type: ['array', 'null'],
      description: 'Interrupted pushes: the refs found at the next start',
      items: { type: 'object', properties: { name: { type: 'string' }, oid: { type: 'string' } } },
    },
    packBytes: { type: 'integer' },
    packObjects: { type: 'integer' },
    durationMs: { type: ['integer', 'null'] },
    error: nullableString,
    startedAt: timestamp,
    finishedAt: nullableTimestamp,
  },
  required: ['id', 'state', 'repo', 'transport', 'commands', 'startedAt'],
};

const auditQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    repo: text(LIMIT.repoName),
    user: text(LIMIT.name),
    since: text(LIMIT.time, { description: 'ISO date, or a duration back from now: 2h, 7d (at most 100y)' }),
    until: text(LIMIT.time),
    // Ids are PostgreSQL bigints: 18 digits always fit.
    before: text(18, { pattern: '^[0-9]+$', description: 'Only entries with a smaller id (paging)' }),
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
  },
} as const;

interface AuditQuery {
  repo?: string;
  user?: string;
  since?: string;
  until?: string;
  before?: string;
  limit?: number;
}

/** GET /audit: the push audit log, newest first. */
export async function auditRoutes(app: FastifyInstance, { db }: AdminContext): Promise<void> {
  app.addSchema(auditEntrySchema);

  app.get<{ Querystring: AuditQuery }>(
    '/audit',
    { schema: { querystring: auditQuery, response: responds(listOf('AuditEntry')) } },
    (request) =>
      queryAuditLog(db, {
        repo: request.query.repo,
        username: request.query.user,
        since: request.query.since ? parsePointInTime(request.query.since) : undefined,
        until: request.query.until ? parsePointInTime(request.query.until) : undefined,
        beforeId: request.query.before,
        limit: request.query.limit,
      }),
  );
}
