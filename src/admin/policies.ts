import type { FastifyInstance } from 'fastify';
import { userIdentity } from '../auth/access-control.js';
import { adoptRepository } from '../db/adoption.js';
import { getRepository, type RepositoryRecord } from '../db/repositories.js';
import { addRule, listRules, removeRule, replaceRules, requireKnownSubjects } from '../db/rule-store.js';
import { InvalidInputError } from '../errors.js';
import { describeChanges, diffRules, dryRunUpdate, normalizeRule, resolveUpdateSide, verdictOf } from '../policy/index.js';
import { openRepository } from '../repo/repository.js';
import { resolveRepoPath } from '../transport/repo-path.js';
import { requireDataDir, type AdminContext } from './context.js';
import { policySchemas as s } from './policies-schemas.js';
import { params, responds } from './schemas.js';

/**
 * The branch-protection routes:
 *
 *   GET    /policies/<repo>                   the rules, in order
 *   PUT    /policies/<repo>[?dryRun=true]     replace them all ({ rules }); the changes
 *   POST   /policies/<repo>                   add one ({ rule, position? })
 *   DELETE /policies/<repo>?position=<n>      remove rule n
 *   POST   /policy-check                      dry-run one ref update ({ repository, ref, old, new, user? })
 */
export async function policyRoutes(app: FastifyInstance, { db, dataDir }: AdminContext): Promise<void> {
  const repository = async (name: string): Promise<RepositoryRecord> =>
    (dataDir ? await adoptRepository(db, dataDir, name) : null) ?? getRepository(db, name);

  app.get<{ Params: { '*': string } }>(
    '/policies/*',
    { schema: { params: params.repo, response: responds(s.policy) } },
    async (request) => {
      const repo = await repository(request.params['*']);
      return { repository: repo.name, rules: await listRules(db, repo.name) };
    },
  );

  app.put<{ Params: { '*': string }; Querystring: { dryRun: boolean }; Body: { rules: unknown[] } }>(
    '/policies/*',
    { schema: { params: params.repo, querystring: s.replaceQuery, body: s.replaceBody, response: responds(s.applied) } },
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
    { schema: { params: params.repo, body: s.addBody, response: responds(s.policy, 201) } },
    async (request, reply) => {
      const repo = await repository(request.params['*']);
      const rules = await addRule(db, repo.name, normalizeRule(request.body.rule), request.body.position);
      return reply.code(201).send({ repository: repo.name, rules });
    },
  );

  app.delete<{ Params: { '*': string }; Querystring: { position: number } }>(
    '/policies/*',
    { schema: { params: params.repo, querystring: s.removeQuery, response: responds(s.removed) } },
    async (request) => {
      const repo = await repository(request.params['*']);
      const removed = await removeRule(db, repo.name, request.query.position);
      return { repository: repo.name, position: request.query.position, removed, rules: await listRules(db, repo.name) };
    },
  );

  app.post<{ Body: { repository: string; ref: string; old: string; new: string; user?: string } }>(
    '/policy-check',
    { schema: { body: s.checkBody, response: responds(s.verdict) } },
    async (request) => {
      const folder = requireDataDir(dataDir);
      const { ref, user } = request.body;
      if (!ref.startsWith('refs/')) throw new InvalidInputError(`'${ref}' is not a full ref name`);
      const record = await repository(request.body.repository);
      const resolved = await resolveRepoPath(folder, record.name);
      if (!resolved) throw new InvalidInputError(`${record.name} is not a repository in the data folder`);
      const identity = user ? await userIdentity(db, user) : undefined;
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
