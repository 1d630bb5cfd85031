/**
 * Branch protection through the admin API (issue 4): rules per repository,
 * dry run and the policy check, for admin tokens only.
 */
import t from 'tap';
import Fastify from 'fastify';
import { adminPolicyApi } from '../src/admin/index.js';
import { listRules } from '../src/db/rule-store.js';
import type { ProtectionRule } from '../src/protection-rule.js';
import { protectionServer } from './helpers/protection.js';

const { td, db, access, secrets, scenario } = await protectionServer(t);

t.test('admin API: rules per repository, dry run, check; admin tokens only', async (t) => {
  const s = await scenario(t);
  const app = Fastify();
  await app.register(adminPolicyApi, { prefix: '/api/v1', db, dataDir: td.dataDir, access });
  t.teardown(() => app.close());
  const as = (user: 'root' | 'bob') => ({ authorization: `Bearer ${secrets[user]}` });
  const url = `/api/v1/policies/${s.name}`;

  let res = await app.inject({ method: 'GET', url, headers: as('bob') });
  t.equal(res.statusCode, 403, 'bob is no admin');
  res = await app.inject({ method: 'GET', url });
  t.equal(res.statusCode, 401);

  res = await app.inject({
    method: 'POST',
    url,
    headers: as('root'),
    payload: { rule: { pattern: 'refs/heads/main', blockForcePush: true } },
  });
  t.equal(res.statusCode, 201, res.body);
  t.same(res.json(), { repository: s.name, rules: [{ pattern: 'refs/heads/main', blockForcePush: { allow: [] } }] });
  res = await app.inject({
    method: 'POST',
    url,
    headers: as('root'),
    payload: { rule: { pattern: 'refs/tags/*', immutable: ['@leads'] }, position: 1 },
  });
  t.same(
    res.json().rules.map((r: ProtectionRule) => r.pattern),
    ['refs/tags/*', 'refs/heads/main'],
  );
  res = await app.inject({
    method: 'POST',
    url,
    headers: as('root'),
    payload: { rule: { pattern: 'refs/heads/x', linearHistory: true, color: 'red' } },
  });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { error: 'E_INVALID', message: "rule has an unknown key 'color'" });
  res = await app.inject({
    method: 'POST',
    url,
    headers: as('root'),
    payload: { rule: { pattern: 'refs/heads/x', linearHistory: true }, extra: 1 },
  });
  t.equal(res.statusCode, 400, 'unknown top-level fields are refused');

  const rules = [{ pattern: 'refs/heads/main', blockForcePush: true, linearHistory: true }];
  res = await app.inject({ method: 'PUT', url: `${url}?dryRun=true`, headers: as('root'), payload: { rules } });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), {
    dryRun: true,
    applied: false,
    summary: ['- rule 1: refs/tags/* (immutable once created)', '~ rule 2 -> 1: refs/heads/main: linearHistory: (none) -> true'],
  });
  t.equal((await listRules(db, s.name)).length, 2);
  res = await app.inject({ method: 'PUT', url, headers: as('root'), payload: { rules } });
  t.match(res.json(), { dryRun: false, applied: true, rules: [{ pattern: 'refs/heads/main', linearHistory: true }] });

  await s.work.commit('one');
  await s.push('bob', ['main']);
  res = await app.inject({
    method: 'POST',
    url: '/api/v1/policy-check',
    headers: as('root'),
    payload: { repository: s.name, ref: 'refs/heads/main', old: 'main', new: '0', user: 'bob' },
  });
  t.same(res.json(), { allowed: true, newCommits: 0 }, 'deleting is not blocked by these rules');

  res = await app.inject({ method: 'DELETE', url: `${url}?position=1`, headers: as('root') });
  t.match(res.json(), { position: 1, removed: { pattern: 'refs/heads/main' }, rules: [] });
  res = await app.inject({ method: 'DELETE', url: `${url}?position=1`, headers: as('root') });
  t.equal(res.statusCode, 404);
  res = await app.inject({ method: 'GET', url: '/api/v1/policies/no-such-repo', headers: as('root') });
  t.equal(res.statusCode, 404);
});
