import t from 'tap';
import pino from 'pino';
import path from 'node:path';
import { adminApi } from '../src/admin/index.js';
import { createAccessControl } from '../src/auth/access-control.js';
import { grantAccess } from '../src/auth/permissions.js';
import { createToken, revokeToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { adoptRepositories } from '../src/db/adoption.js';
import { PgAuditSink, queryAuditLog } from '../src/db/audit.js';
import { updateRepository } from '../src/db/repositories.js';
import { createServer } from '../src/server.js';
import { backendName, testDatabase } from './db-helpers.js';
import { gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';

/** git over HTTP with accounts: tokens as passwords, every refusal, and the audit of refused attempts. */
t.comment(`database backend: ${backendName}`);

t.test(`HTTP: tokens as git passwords through the server, admin API beside it (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  const { dataDir } = td;
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'demo.git')]);
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'private.git')]);
  await adoptRepositories(db, dataDir);
  await addUser(db, { username: 'root', admin: true });
  await addUser(db, { username: 'alice' });
  await addUser(db, { username: 'bob' });
  await updateRepository(db, 'private.git', { owner: 'root' });
  await grantAccess(db, 'alice', 'demo', 'write');
  await grantAccess(db, 'bob', 'demo', 'read');
  const alice = (await createToken(db, { username: 'alice', name: 'push' })).secret;
  const bob = (await createToken(db, { username: 'bob', name: 'push' })).secret;
  const revoked = await createToken(db, { username: 'alice', name: 'old' });
  await revokeToken(db, revoked.token.id);
  const expired = await createToken(db, { username: 'alice', name: 'short', expiresAt: new Date(Date.now() + 60_000) });
  await db.query("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [expired.token.id]);
  const root = (await createToken(db, { username: 'root', name: 'admin' })).secret;

  const access = createAccessControl({ db, dataDir });
  const server = await createServer({
    dataDir,
    host: '127.0.0.1',
    httpPort: 0,
    access,
    audit: new PgAuditSink(db),
    logger: pino({ level: 'silent' }),
    configure: async (app) => {
      await app.register(adminApi, { prefix: '/api/v1', db, dataDir, access });
    },
  });
  await server.listen();
  t.teardown(() => server.close());
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('first');
  const url = (user: string, secret: string, repo = 'demo.git') =>
    `http://${user}:${secret}@127.0.0.1:${server.httpPort}/${repo}`;

  let r = await work.git(['push', url('alice', alice), 'main']);
  t.equal(r.code, 0, r.stderr);
  t.equal((await refsOf(path.join(dataDir, 'demo.git')))['refs/heads/main'], c1);
  t.match(await queryAuditLog(db, { repo: 'demo.git' }), [{ transport: 'http', username: 'alice', result: 'accepted' }]);
  await work.commit('second');
  const cases: [string, string, RegExp][] = [
    ['read-only user', url('bob', bob), /Permission to demo\.git denied to bob: write access is needed/],
    ['revoked token', url('alice', revoked.secret), /Authentication failed/],
    ['expired token', url('alice', expired.secret), /Authentication failed/],
    ["a token under another user's name", url('bob', alice), /Authentication failed/],
    ['anonymous', `http://127.0.0.1:${server.httpPort}/demo.git`, /could not read Username|Authentication failed/],
    ["another user's repository", url('alice', alice, 'private.git'), /not found/],
    ['a repository that does not exist', url('alice', alice, 'nope.git'), /not found/],
  ];
  for (const [what, remote, message] of cases) {
    r = await work.git(['push', remote, 'main']);
    t.not(r.code, 0, `${what}: refused`);
    t.match(r.stderr, message, what);
  }
  t.equal((await refsOf(path.join(dataDir, 'demo.git')))['refs/heads/main'], c1, 'nothing changed');
  t.same(await refsOf(path.join(dataDir, 'private.git')), {});

  const api = await fetch(`${server.url}/api/v1/audit?repo=demo`, { headers: { authorization: `Bearer ${root}` } });
  t.equal(api.status, 200);
  const entries = (await api.json()) as { username?: string; result: string; error?: string }[];
  t.match(entries.at(-1), { username: 'alice', transport: 'http', result: 'accepted' });
  // Refused attempts are recorded too: bob without write access, three bad credentials (no user known).
  t.same(
    entries
      .filter((e) => e.result === 'rejected')
      .map((e) => `${e.username ?? '-'}: ${e.error}`)
      .sort(),
    ['-: authentication failed', '-: authentication failed', '-: authentication failed', 'bob: permission denied'],
  );
  const missing = await queryAuditLog(db, { repo: 'nope.git' });
  t.match(missing, [{ username: 'alice', result: 'rejected', error: 'repository not found' }]);
  t.equal((await fetch(`${server.url}/api/v1/users`, { headers: { authorization: `Bearer ${alice}` } })).status, 403);
});
