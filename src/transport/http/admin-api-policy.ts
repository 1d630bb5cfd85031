import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createAccessControl, type AccountAccessControl } from '../../auth/access-control.js';
import { groupsOfUser } from '../../auth/groups.js';
import { getUser } from '../../auth/users.js';
import { adoptRepository } from '../../db/adoption.js';
import type { Database } from '../../db/database.js';
import { InvalidInputError } from '../../errors.js';
import { getRepository, type RepositoryRecord } from '../../db/repositories.js';
import { dryRunUpdate, resolveUpdateSide, verdictOf } from '../../policy/index.js';
import { describeChanges, diffRules } from '../../policy/index.js';
import { normalizeRule } from '../../policy/index.js';
import { addRule, listRules, removeRule, replaceRules, requireKnownSubjects } from '../../db/rule-store.js';
import { openRepository } from '../../repo/repository.js';
import { resolveRepoPath } from '../repo-path.js';
import { adminAuthHook, adminErrorHandler } from './admin-api-auth.js';
import { policySchemas as s, respondsWith } from './admin-api-policy-schemas.js';

export interface AdminPolicyApiOptions {
  db: Database;
  /** The data folder: repositories not yet registered are adopted, and /policy-check reads them. */
  dataDir?: string;
  /** Defaults to one made over db (pass the server's). */
  access?: AccountAccessControl;
}

/**
 * The admin API's branch-protection routes (JSON, admin tokens only), a
 * fastify plugin beside adminApi. Register it with the same prefix:
 * `app.register(adminPolicyApi, { prefix: '/api/v1', db, dataDir, access })`.
 *
 *   GET    /policies/<repo>                   the rules, in order
 *   PUT    /policies/<repo>[?dryRun=true]     replace them all ({ rules }); the changes
 *   POST   /policies/<repo>                   add one ({ rule, position? })
 *   DELETE /policies/<repo>?position=<n>      remove rule n
 *   POST   /policy-check                      dry-run one ref update ({ repository, ref, old, new, user? })
 */
export async function adminPolicyApi(app: FastifyInstance, options: AdminPolicyApiOptions): Promise<void> {
  const { db, dataDir } = options;
  const access = options.access ?? createAccessControl({ db, dataDir });
  app.addHook('onRequest', adminAuthHook(access));
  app.addHook('preValidation', refuseUnknownTopLevelFields);
  app.setErrorHandler(adminErrorHandler);

  const repository = async (name: string): Promise<RepositoryRecord> =>
    (dataDir ? await adoptRepository(db, dataDir, name) : null) ?? getRepository(db, name);

  app.get<{ Params: { '*': string } }>(
    '/policies/*',
    { schema: { params: s.repoParams, response: respondsWith(s.policy) } },
    async (request) => {
      const repo = await repository(request.params['*']);
      return { repository: repo.name, rules: await listRules(db, repo.name) };
    },
  );

  app.put<{ Params: { '*': string }; Querystring: { dryRun: boolean }; Body: { rules: unknown[] } }>(
    '/policies/*',
    { schema: { params: s.repoParams, querystring: s.replaceQuery, body: s.replaceBody, response: respondsWith(s.applied) } },
    async (request) => {
      const repo = await repository(request.params['*']);
      const rules = request.body.rules.map((rule, i) => normalizeRule(rule, `rule ${i + 1}`));
      await requireKnownSubjects(db, rules);
      const current = await listRules(db, repo.name);
      const changes = diffRules(current, rules);
      const dryRun = request.query.dryRun;
      const stored = !dryRun && changes.length ? await replaceRules(db, repo.name, rules) : current;
      return {
        repository: repo.name,
        dryRun,
        applied: !dryRun && changes.length > 0,
        changes,
        summary: describeChanges(changes),
        rules: stored,
      };
    },
  );

  app.post<{ Params: { '*': string }; Body: { rule: unknown; position?: number } }>(
    '/policies/*',
    { schema: { params: s.repoParams, body: s.addBody, response: respondsWith(s.policy, 201) } },
    async (request, reply) => {
      const repo = await repository(request.params['*']);
      const rules = await addRule(db, repo.name, normalizeRule(request.body.rule), request.body.position);
      return reply.code(201).send({ repository: repo.name, rules });
    },
  );

  app.delete<{ Params: { '*': string }; Querystring: { position: number } }>(
    '/policies/*',
    { schema: { params: s.repoParams, querystring: s.removeQuery, response: respondsWith(s.removed) } },
    async (request) => {
      const repo = await repository(request.params['*']);
      const removed = await removeRule(db, repo.name, request.query.position);
      return { repository: repo.name, position: request.query.position, removed, rules: await listRules(db, repo.name) };
    },
  );

  app.post<{ Body: { repository: string; ref: string; old: string; new: string; user?: string } }>(
    '/policy-check',
    { schema: { body: s.checkBody, response: respondsWith(s.verdict) } },
    async (request) => {
      if (!dataDir) throw new InvalidInputError('this server was started without a data folder for the admin API');
      const { ref, user } = request.body;
      if (!ref.startsWith('refs/')) throw new InvalidInputError(`'${ref}' is not a full ref name`);
      const record = await repository(request.body.repository);
      const resolved = await resolveRepoPath(dataDir, record.name);
      if (!resolved) throw new InvalidInputError(`${record.name} is not a repository in the data folder`);
      const identity = user
        ? await getUser(db, user).then(async (u) => ({ username: u.username, groups: await groupsOfUser(db, u.id) }))
        : undefined;
      const rules = await listRules(db, record.name);
      const repo = await openRepository(resolved.gitDir);
      try {
        const update = {
          refName: ref,
          oldOid: await resolveUpdateSide(repo, request.body.old),
          newOid: await resolveUpdateSide(repo, request.body.new),
        };
        return verdictOf(await dryRunUpdate({ repo, rules, update, identity }));
      } finally {
        await repo.close();
      }
    },
  );
}

/** Fastify drops unknown fields silently; a typo in an admin request must fail instead. */
async function refuseUnknownTopLevelFields(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema?.body as
    { properties?: Record<string, unknown>; additionalProperties?: boolean } | undefined;
  const body = request.body;
  if (!schema?.properties || schema.additionalProperties !== false || !body || typeof body !== 'object' || Array.isArray(body))
    return;
  const unknown = Object.keys(body).filter((key) => !(key in schema.properties!));
  if (unknown.length)
    throw new InvalidInputError(`unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, { fields: unknown });
}
