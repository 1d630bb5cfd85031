import t from 'tap';
import Fastify from 'fastify';
import path from 'node:path';
import { adminApi } from '../src/admin/index.js';
import { createToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { PgAuditSink } from '../src/db/audit.js';
import { backendName, testDatabase } from './db-helpers.js';
import { record, sshKeygen } from './helpers/accounts.js';
import { gitOk, run, tempDir } from './helpers/git.js';

/** The admin HTTP API on its own: every resource, its status codes and its gate. */
t.comment(`database backend: ${backendName}`);

t.test(`admin HTTP API (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  await addUser(db, { username: 'root', admin: true });
  await addUser(db, { username: 'bob' });
  const admin = await createToken(db, { username: 'root', name: 'api' });
  const notAdmin = await createToken(db, { username: 'bob', name: 'api' });
  const app = Fastify();
  await app.register(adminApi, { prefix: '/api/v1', db, dataDir: td.dataDir });
  t.teardown(() => app.close());
  const call = (
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
    url: string,
    payload?: object,
    auth = `Bearer ${admin.secret}`,
  ) => app.inject({ method, url: `/api/v1${url}`, payload, headers: auth ? { authorization: auth } : {} });

  let r = await call('GET', '/users', undefined, '');
  t.equal(r.statusCode, 401);
  t.match(r.headers['www-authenticate'], /Bearer realm="pushgate", Basic realm="pushgate"/);
  t.equal((await call('GET', '/users', undefined, 'Bearer pg_nonsense')).statusCode, 401);
  r = await call('GET', '/users', undefined, `Bearer ${notAdmin.secret}`);
  t.equal(r.statusCode, 403);
  t.match(r.json(), { error: 'E_FORBIDDEN' });
  r = await call('GET', '/users', undefined, `Basic ${Buffer.from(`root:${admin.secret}`).toString('base64')}`);
  t.equal(r.statusCode, 200, 'Basic user:token works too');

  r = await call('POST', '/users', { username: 'carol', displayName: 'Carol' });
  t.equal(r.statusCode, 201);
  t.match(r.json(), { username: 'carol', displayName: 'Carol', admin: false, createdAt: /^\d{4}-/ });
  t.equal((await call('POST', '/users', { username: 'carol' })).statusCode, 409);
  r = await call('POST', '/users', { username: 'dave', role: 'boss' });
  t.equal(r.statusCode, 400, 'unknown properties are refused');
  t.match(r.json(), { error: 'E_INVALID' });
  t.equal((await call('POST', '/users', {})).statusCode, 400);
  t.equal((await call('PATCH', '/users/carol', { admin: true })).json().admin, true);
  t.equal((await call('GET', '/users/nobody')).statusCode, 404);

  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const key = await sshKeygen(dir, 'carol', 'ecdsa', 256);
  r = await call('POST', '/users/carol/keys', { key: key.line });
  t.equal(r.statusCode, 201);
  t.match(r.json(), { fingerprint: key.fingerprint, algorithm: 'ecdsa-sha2-nistp256', username: 'carol' });
  t.equal((await call('POST', '/users/carol/keys', { key: 'ssh-ed25519 nope' })).statusCode, 400);
  t.equal((await call('GET', '/users/carol/keys')).json().length, 1);
  r = await call('DELETE', `/users/carol/keys/${encodeURIComponent(key.fingerprint)}`);
  t.equal(r.statusCode, 200);
  t.equal((await call('GET', '/keys')).json().length, 0);

  r = await call('POST', '/users/carol/tokens', { name: 'ci', expiresIn: '7d', scopes: ['write'] });
  t.equal(r.statusCode, 201);
  const created = r.json();
  t.match(created, { name: 'ci', scopes: ['write'], state: 'active', secret: /^pg_/ });
  t.ok(new Date(created.expiresAt).getTime() > Date.now() + 6 * 86_400_000);
  r = await call('GET', '/users/carol/tokens');
  t.notOk(r.body.includes(created.secret), 'listings never show secrets');
  t.equal((await call('POST', '/users/carol/tokens', { expiresIn: 'soon' })).statusCode, 400);
  t.equal((await call('DELETE', `/tokens/${created.id}`)).json().state, 'revoked');
  t.equal((await call('DELETE', `/tokens/${created.id}`)).statusCode, 409);

  r = await call('POST', '/repos', { name: 'team/app', owner: 'carol' });
  t.equal(r.statusCode, 201, r.body);
  t.match(r.json(), { name: 'team/app.git', owner: 'carol', anonymousRead: false });
  t.equal(
    await gitOk(['--git-dir', path.join(td.dataDir, 'team/app.git'), 'rev-parse', '--is-bare-repository']),
    'true',
    'a real bare repository',
  );
  t.equal((await call('POST', '/repos', { name: 'team/app.git' })).statusCode, 409);
  t.equal((await call('POST', '/repos', { name: '../escape' })).statusCode, 400);
  t.equal((await call('PATCH', '/repos/team/app.git', { anonymousRead: true })).json().anonymousRead, true);
  t.match((await call('GET', '/repos/team/app')).json(), { name: 'team/app.git' });
  t.equal((await call('GET', '/repos')).json().length, 1);

  t.equal((await call('POST', '/groups', { name: 'devs' })).statusCode, 201);
  t.match((await call('PUT', '/groups/devs/members/carol')).json(), { members: ['carol'] });
  r = await call('POST', '/grants', { subject: '@devs', pattern: 'team/*', level: 'write' });
  t.equal(r.statusCode, 201);
  const grant = r.json();
  t.equal((await call('POST', '/grants', { subject: 'bob', pattern: 'x', level: 'owner' })).statusCode, 400);
  t.match((await call('GET', '/grants?repo=team/app.git')).json(), [{ subject: '@devs', level: 'write' }]);
  t.equal((await call('DELETE', `/grants/${grant.id}`)).statusCode, 200);
  t.equal((await call('DELETE', `/grants/${grant.id}`)).statusCode, 404);

  const sink = new PgAuditSink(db);
  const auditId = await sink.begin({
    repo: 'team/app.git',
    transport: 'http',
    identity: { username: 'carol' },
    startedAt: new Date(),
  });
  await sink.complete(auditId, record({ repo: 'team/app.git', username: 'carol' }));
  r = await call('GET', '/audit?repo=team/app&limit=5');
  t.equal(r.statusCode, 200);
  t.match(r.json(), [
    {
      id: auditId,
      repo: 'team/app.git',
      result: 'accepted',
      commands: [{ refName: 'refs/heads/main', status: 'ok' }],
      packBytes: 1234,
    },
  ]);
  t.equal((await call('GET', '/audit?user=nobody')).json().length, 0);
  t.equal((await call('GET', '/audit?limit=0')).statusCode, 400);

  r = await call('DELETE', '/repos/team/app.git');
  t.equal(r.statusCode, 200);
  t.equal((await run('test', ['-e', path.join(td.dataDir, 'team/app.git')])).code, 1, 'deleted from disk');
  t.equal((await call('DELETE', '/users/carol')).statusCode, 200);
});
