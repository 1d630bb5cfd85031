import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { createToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { embeddedDatabaseLock } from '../src/db/data-paths.js';
import { createServer } from '../src/server.js';
import { gitOk, refsOf, run, tempDir, WorkRepo } from './helpers/git.js';

/**
 * An embedder gets the whole server from createServer alone: accounts on the
 * embedded database of a fresh data folder, the admin API, git over HTTP with
 * a token and git over SSH with a key, and one close() that stops it all.
 */
t.test('createServer alone: embedded accounts, admin API, HTTP and SSH pushes, one close', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'team', 'old.git')]);

  const server = await createServer({
    dataDir,
    database: 'embedded',
    httpPort: 0,
    sshPort: 0,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  let closed = false;
  t.teardown(() => (closed ? undefined : server.close()));
  t.equal(server.ssh, undefined, 'SSH starts with listen()');
  await server.listen();
  t.equal(server.accounts?.db.kind, 'embedded');
  t.ok(existsSync(embeddedDatabaseLock(dataDir)), 'the embedded database lives in the data folder');
  t.ok(server.ssh && server.ssh.port > 0, 'SSH listens on a port of its own');
  t.match(server.ssh?.hostKeyFingerprint, /^SHA256:/);

  // The first admin comes from the accounts the server opened; everything else goes through the admin API.
  const db = server.accounts!.db;
  await addUser(db, { username: 'root', admin: true });
  const root = (await createToken(db, { username: 'root', name: 'api' })).secret;
  const api = async (method: string, url: string, body?: object) => {
    const response = await fetch(`${server.url}/api/v1${url}`, {
      method,
      headers: { authorization: `Bearer ${root}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return { status: response.status, json: (await response.json()) as any };
  };
  t.equal((await fetch(`${server.url}/api/v1/users`)).status, 401, 'the admin API is mounted, behind its gate');
  let r = await api('GET', '/repos');
  t.equal(r.status, 200);
  t.match(r.json, [{ name: 'team/old.git' }], 'a repository already in the folder was adopted at start');
  t.equal((await api('POST', '/users', { username: 'alice' })).status, 201);
  r = await api('POST', '/users/alice/tokens', { name: 'push' });
  t.equal(r.status, 201);
  const token = r.json.secret as string;
  const keyFile = path.join(dir, 'alice');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@test', '-f', keyFile]);
  r = await api('POST', '/users/alice/keys', { key: (await readFile(`${keyFile}.pub`, 'utf8')).trim() });
  t.equal(r.status, 201);
  t.equal((await api('POST', '/repos', { name: 'team/app' })).status, 201);
  t.equal((await api('POST', '/grants', { subject: 'alice', pattern: 'team/*', level: 'write' })).status, 201);

  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('first');
  const gitDir = path.join(dataDir, 'team', 'app.git');
  const anonymous = await work.git(['push', `${server.url}/team/app.git`, 'main']);
  t.not(anonymous.code, 0, 'no anonymous push with accounts');
  const http = await work.git(['push', `http://alice:${token}@127.0.0.1:${server.httpPort}/team/app.git`, 'main']);
  t.equal(http.code, 0, http.stderr);
  t.equal((await refsOf(gitDir))['refs/heads/main'], c1, 'pushed over HTTP with a token');

  const c2 = await work.commit('second');
  const sshCommand = [
    'ssh -F /dev/null',
    `-i ${keyFile} -o IdentitiesOnly=yes`,
    '-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes',
    `-p ${server.ssh!.port}`,
  ].join(' ');
  const ssh = await work.git(['push', 'ssh://git@127.0.0.1/team/app.git', 'main'], { GIT_SSH_COMMAND: sshCommand });
  t.equal(ssh.code, 0, ssh.stderr);
  t.equal((await refsOf(gitDir))['refs/heads/main'], c2, 'pushed over SSH with a key');

  r = await api('GET', '/audit?repo=team/app');
  t.match(
    (r.json as { transport: string; username: string; result: string }[]).filter((e) => e.result === 'accepted'),
    [
      { transport: 'ssh', username: 'alice' },
      { transport: 'http', username: 'alice' },
    ],
    'both pushes are in the audit log',
  );
  const { rules } = (await api('GET', '/policies/team/app')).json as { rules: unknown[] };
  t.same(rules, [], 'the policy routes are part of the same API');

  const sshPort = server.ssh!.port;
  await server.close();
  closed = true;
  await server.close(); // twice is harmless
  t.notOk(existsSync(embeddedDatabaseLock(dataDir)), 'close() released the embedded database');
  await t.rejects(fetch(`${server.url}/api/v1/users`), 'HTTP stopped');
  const refused = await new Promise<boolean>((resolve) => {
    const socket = net.connect(sshPort, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
  t.ok(refused, 'SSH stopped');
});

t.test('createServer without a database: no accounts, no admin API, anonymous push only when allowed', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'demo.git')]);
  const server = await createServer({ dataDir, httpPort: 0, logger: pino({ level: 'silent' }) });
  t.teardown(() => server.close());
  await server.listen();
  t.equal(server.accounts, undefined);
  t.equal(server.ssh, undefined, 'no sshPort, no SSH');
  t.equal((await fetch(`${server.url}/api/v1/users`)).status, 404, 'no admin API without accounts');
  const work = await WorkRepo.create(path.join(dir, 'work'));
  await work.commit('first');
  const r = await work.git(['push', `${server.url}/demo.git`, 'main']);
  t.not(r.code, 0);
  t.match(r.stderr, /no accounts and was not started with --allow-anonymous-push/);
  t.notOk(existsSync(path.join(dataDir, '.pushgate', 'pg')), 'no database was made');

  await t.rejects(createServer({ dataDir, authorizedKeys: path.join(dir, 'keys'), logger: pino({ level: 'silent' }) }), {
    code: 'E_INVALID',
    message: /authorizedKeys needs/,
  });
});
