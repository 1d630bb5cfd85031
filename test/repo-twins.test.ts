import t from 'tap';
import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { repoPatternMatches } from '../src/auth/repo-pattern.js';
import { createToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { createServer } from '../src/server.js';
import { cli } from './helpers/accounts.js';
import { git, gitOk, run, tempDir, WorkRepo } from './helpers/git.js';

/**
 * `x` and `x.git` are one name for clients (git's enter_repo tries both) but
 * two folders on disk. One canonical name per folder; a name that means two
 * folders is refused everywhere, never guessed, and grants never pass from
 * one twin to the other.
 */
t.test('grant patterns: without .git a client name, with .git exactly such folders', async (t) => {
  t.ok(repoPatternMatches('pub', 'pub'));
  t.ok(repoPatternMatches('pub', 'pub.git'));
  t.ok(repoPatternMatches('pub.git', 'pub.git'));
  t.notOk(repoPatternMatches('pub.git', 'pub'), 'a grant on pub.git is not a grant on pub');
  t.ok(repoPatternMatches('team/*.git', 'team/app.git'));
  t.notOk(repoPatternMatches('team/*.git', 'team/app'));
  t.ok(repoPatternMatches('team/*', 'team/app'));
});

t.test('pub beside pub.git: refused over HTTP and SSH, reported by the API and at start, no grant borrowed', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'pub.git')]);
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'clash')]);
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'clash.git')]);

  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  const server = await createServer({
    dataDir,
    database: 'embedded',
    httpPort: 0,
    sshPort: 0,
    logger: pino({ level: 'warn' }, logStream),
  });
  t.teardown(() => server.close());
  await server.listen();
  const startWarning = logLines.map((l) => JSON.parse(l)).find((l) => l.name === 'clash');
  t.match(startWarning, { folders: ['clash', 'clash.git'], msg: /means two folders/ }, 'the conflict found at start is logged');

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
  t.equal((await api('POST', '/users', { username: 'alice' })).status, 201);
  const token = (await api('POST', '/users/alice/tokens', { name: 'push' })).json.secret as string;
  const keyFile = path.join(dir, 'alice');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@test', '-f', keyFile]);
  t.equal((await api('POST', '/users/alice/keys', { key: (await readFile(`${keyFile}.pub`, 'utf8')).trim() })).status, 201);
  t.equal((await api('POST', '/grants', { subject: 'alice', pattern: 'pub.git', level: 'write' })).status, 201);
  t.equal((await api('PATCH', '/repos/pub.git', { anonymousRead: true })).status, 200);

  const work = await WorkRepo.create(path.join(dir, 'work'));
  await work.commit('first');
  const http = (name: string) => `http://alice:${token}@127.0.0.1:${server.httpPort}/${name}`;
  const ssh = (name: string) => `ssh://git@127.0.0.1:${server.ssh!.port}/${name}`;
  const sshEnv = {
    GIT_SSH_COMMAND: `ssh -F /dev/null -i ${keyFile} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes`,
  };
  t.equal((await work.git(['push', http('pub.git'), 'main'])).code, 0, 'pub.git alone: alice pushes');
  t.equal((await work.git(['ls-remote', http('pub')])).code, 0, 'and `pub` is the same name');

  // Someone makes a bare `pub` beside it.
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'pub')]);
  for (const name of ['pub', 'pub.git']) {
    const overHttp = await work.git(['push', http(name), 'main']);
    t.not(overHttp.code, 0, `HTTP push to ${name} refused`);
    t.match(overHttp.stderr, /remote: repository name 'pub' is ambiguous: the data folder has both pub and pub\.git/);
    t.match(overHttp.stderr, /error: 409/);
    const anonymous = await git(['ls-remote', `${server.url}/${name}`]);
    t.not(anonymous.code, 0, `anonymous read of ${name} refused (pub.git's anonymous read is not borrowed)`);
    t.match(anonymous.stderr, /ambiguous/);
    const overSsh = await work.git(['push', ssh(name), 'main'], sshEnv);
    t.not(overSsh.code, 0, `SSH push to ${name} refused`);
    t.match(overSsh.stderr, /fatal: repository name 'pub' is ambiguous/);
    const fetchSsh = await work.git(['ls-remote', ssh(name)], sshEnv);
    t.match(fetchSsh.stderr, /ambiguous/, `SSH read of ${name} refused`);
  }
  t.same(await gitOk(['for-each-ref'], { cwd: path.join(dataDir, 'pub') }), '', 'nothing reached the new folder');

  // The admin API reports the conflict and keeps the two apart.
  const listed = (await api('GET', '/repos')).json as any[];
  t.match(
    listed.filter((r) => r.name.startsWith('pub')),
    [
      { name: 'pub', ambiguousWith: 'pub.git', anonymousRead: false },
      { name: 'pub.git', ambiguousWith: 'pub', anonymousRead: true },
    ],
  );
  t.match((await api('GET', '/repos/pub')).json, { name: 'pub', ambiguousWith: 'pub.git', anonymousRead: false });
  const policies = await api('GET', '/policies/pub.git');
  t.equal(policies.status, 409);
  t.match(policies.json, { error: 'E_REPO_AMBIGUOUS', message: /ambiguous/ });
  t.same(
    ((await api('GET', '/grants?repo=pub')).json as any[]).map((g) => g.pattern),
    [],
    "alice's grant on pub.git does not apply to pub",
  );

  // pushgate itself never makes a twin.
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'solo')]);
  t.match(await api('POST', '/repos', { name: 'solo' }), {
    status: 409,
    json: { message: 'repository solo.git already exists as solo' },
  });
  const created = await cli(['repo', 'create', 'solo', '--data', dataDir], { DATABASE_URL: '' });
  t.equal(created.code, 128);
  t.match(created.stderr, /repository 'solo\.git' already exists as 'solo'/);

  // Removing the newcomer by its exact name resolves the conflict; pub.git keeps its grants.
  const removed = await api('DELETE', '/repos/pub');
  t.match(removed, { status: 200, json: { name: 'pub' } });
  const again = await work.git(['push', http('pub'), 'main']);
  t.equal(again.code, 0, 'pub means pub.git again: ' + again.stderr);
  t.equal((await work.git(['ls-remote', ssh('pub.git')], sshEnv)).code, 0);

  // pub.git removed by hand and a new bare pub made: nothing of pub.git's passes to it.
  await rm(path.join(dataDir, 'pub.git'), { recursive: true, force: true });
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'pub')]);
  const denied = await work.git(['push', http('pub'), 'main']);
  t.not(denied.code, 0, 'the grant on pub.git is not a grant on the new pub');
  t.match(denied.stderr, /repository '.*\/pub\/' not found/, 'alice may not even see it');
  const anonymousAfter = await git(['ls-remote', `${server.url}/pub`]);
  t.not(anonymousAfter.code, 0, 'nor is its anonymous read');
});
