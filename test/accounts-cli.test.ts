import t from 'tap';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { listSshKeys } from '../src/auth/ssh-keys.js';
import { repoAdminActions } from '../src/cli/commands/repo-admin.js';
import { PgAuditSink } from '../src/db/audit.js';
import { backendName, testDatabase, usingPostgres } from './db-helpers.js';
import { A, B, cli, record, sshKeygen } from './helpers/accounts.js';
import { gitOk, run, tempDir } from './helpers/git.js';

/** The account commands as the binary runs them: users, groups, keys, tokens, grants, repos and the log. */
t.comment(`database backend: ${backendName}`);

t.test(`CLI: users, groups, keys, tokens, grants, repos and the log (${backendName})`, async (t) => {
  // Every call opens the database like the binary does (about half a second on the embedded one): keep them few.
  const td = await testDatabase(t);
  const env = td.env;
  const data = ['--data', td.dataDir];
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);

  let r = await cli(['migrate', '--json', ...data], env);
  t.equal(r.code, 0, r.stderr);
  t.match(JSON.parse(r.stdout), { applied: [] }, 'migrated already');

  r = await cli(['user', 'add', 'alice', '--admin', '--name', 'Alice A.', ...data], env);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, 'Added user alice (admin)');
  t.equal((await cli(['user', 'add', 'bob', ...data], env)).code, 0);
  r = await cli(['user', 'set', 'bob', '--admin', '--no-admin', ...data], env);
  t.equal(r.code, 129, 'usage errors exit 129 as git, before opening anything');
  t.match(r.stderr, 'contradict');
  r = await cli(['user', 'list', '--json', ...data], env);
  t.match(JSON.parse(r.stdout), [
    { username: 'alice', admin: true, displayName: 'Alice A.' },
    { username: 'bob', admin: false },
  ]);

  // keys: from a file and from stdin; ssh-keygen's fingerprint
  const ed = await sshKeygen(dir, 'bob-ed', 'ed25519');
  const ec = await sshKeygen(dir, 'bob-ec', 'ecdsa', 384);
  r = await cli(['key', 'add', 'bob', `${ed.file}.pub`, ...data], env);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, `Added 256 ${ed.fingerprint} bob-ed@test (ED25519) for bob`);
  r = await cli(['key', 'add', 'bob', '--json', ...data], env, ec.line + '\n');
  t.match(JSON.parse(r.stdout), { fingerprint: ec.fingerprint, algorithm: 'ecdsa-sha2-nistp384', bits: 384 });
  r = await cli(['key', 'add', 'alice', `${ed.file}.pub`, ...data], env);
  t.equal(r.code, 128, 'one key, one user');
  t.match(r.stderr, `the key ${ed.fingerprint} is already registered`);
  r = await cli(['key', 'add', 'alice', ed.file, ...data], env);
  t.match(r.stderr, /private key/, 'a private key file is refused');
  r = await cli(['key', 'remove', ec.fingerprint, ...data], env);
  t.match(r.stdout, `Removed 384 ${ec.fingerprint}`);
  // tokens: shown once, stored hashed, revocable
  r = await cli(['token', 'create', 'bob', '--name', 'laptop', '--expires', '30d', ...data], env);
  t.equal(r.code, 0, r.stderr);
  const secret = /\n {2}(pg_\S+)\n/.exec(r.stdout)?.[1];
  t.ok(secret, 'the secret is printed');
  t.match(r.stdout, 'shown only this once');
  r = await cli(['token', 'create', 'bob', '--name', 'ci', '--scope', 'read', '--json', ...data], env);
  const ciToken = JSON.parse(r.stdout);
  t.match(ciToken, { name: 'ci', scopes: ['read'], state: 'active', secret: /^pg_/ });
  r = await cli(['token', 'create', 'bob', '--scope', 'push', ...data], env);
  t.match(r.stderr, "unknown token scope 'push'");
  r = await cli(['token', 'revoke', 'bob', 'ci', ...data], env);
  t.match(r.stdout, `Revoked token ci (id ${ciToken.id}) of bob`);
  r = await cli(['token', 'list', 'bob', '--json', ...data], env);
  t.match(JSON.parse(r.stdout), [
    { name: 'laptop', state: 'active', prefix: secret!.slice(0, 11) },
    { name: 'ci', state: 'revoked' },
  ]);
  t.notOk(r.stdout.includes(secret!), 'listings never show the secret');

  // groups and grants
  t.equal((await cli(['group', 'add', 'devs', ...data], env)).code, 0);
  r = await cli(['group', 'add-member', '@devs', 'alice', 'bob', '--json', ...data], env);
  t.match(JSON.parse(r.stdout), { name: 'devs', members: ['alice', 'bob'] });
  r = await cli(['grant', 'bob', 'team/app', 'write', ...data], env);
  t.match(r.stdout, 'Granted write on team/app to bob');
  r = await cli(['grant', '@devs', 'team/*', 'read', ...data], env);
  t.match(r.stdout, 'Granted read on team/* to @devs');
  r = await cli(['grant', 'bob', 'team/app', 'sudo', ...data], env);
  t.equal(r.code, 128);
  t.match(r.stderr, "'sudo' is not an access level");
  r = await cli(['grant', '--list', '--repo', 'team/app.git', '--json', ...data], env);
  t.match(JSON.parse(r.stdout), [
    { subject: '@devs', pattern: 'team/*', level: 'read' },
    { subject: 'bob', pattern: 'team/app', level: 'write' },
  ]);
  r = await cli(['revoke', 'bob', 'team/app', ...data], env);
  t.match(r.stdout, 'Revoked write on team/app from bob');

  // repositories: adopted from the folder, anonymous flags, removal deletes files.
  // `pushgate repo` is the lead's command; its registry actions (list, set, remove) are these.
  await gitOk(['init', '-q', '--bare', path.join(td.dataDir, 'team', 'app.git')]);
  const listOut = await runRepoAction('list', ['--json', ...data], env);
  t.match(JSON.parse(listOut.stdout), [{ name: 'team/app.git', anonymousRead: false, anonymousPush: false, owner: null }]);
  const setOut = await runRepoAction('set', ['team/app', '--anonymous-read', 'on', '--owner', 'bob', ...data], env);
  t.match(setOut.stdout, 'team/app.git: owner bob, anonymous read');
  const refused = await runRepoAction('remove', ['team/app.git', ...data], env);
  t.equal(refused.code, 129);
  t.match(refused.stderr, 'add --yes');
  const removed = await runRepoAction('remove', ['team/app.git', '--yes', ...data], env);
  t.equal(removed.code, 0, removed.stderr);
  t.equal((await run('test', ['-e', path.join(td.dataDir, 'team', 'app.git')])).code, 1, 'files deleted');

  // the audit log, and the token hashed at rest
  const db = await td.open();
  const sink = new PgAuditSink(db);
  const id1 = await sink.begin({
    repo: 'demo.git',
    transport: 'http',
    identity: { username: 'bob', userId: 2 },
    startedAt: new Date(Date.now() - 3_600_000 * 3),
  });
  await sink.complete(id1, record({ repo: 'demo.git', username: 'bob', userId: 2 }, { transport: 'http' }));
  const id2 = await sink.begin({
    repo: 'other.git',
    transport: 'ssh',
    identity: { username: 'alice', userId: 1 },
    remoteAddress: '127.0.0.1',
    startedAt: new Date(),
  });
  await sink.complete(
    id2,
    record(
      { repo: 'other.git', username: 'alice', userId: 1 },
      {
        result: 'rejected',
        commands: [
          {
            refName: 'refs/heads/main',
            oldOid: A,
            newOid: B,
            type: 'update',
            status: 'rejected',
            reason: 'non-fast-forward',
            decidedBy: 'receive.denyNonFastForwards',
          },
        ],
      },
    ),
  );
  t.same(
    (await listSshKeys(db, 'bob')).map((k) => k.fingerprint),
    [ed.fingerprint],
    'the removed key is gone',
  );
  const { rows } = await db.query<{ dump: string }>("SELECT string_agg(t::text, '|') AS dump FROM tokens t");
  t.notOk(rows[0]!.dump.includes(secret!), 'the secret is not stored');
  t.ok(rows[0]!.dump.includes(secret!.slice(0, 11)), 'its prefix is');
  await db.close();

  r = await cli(['log', '--json', ...data], env);
  t.match(JSON.parse(r.stdout), [
    { id: id2, repo: 'other.git', username: 'alice', result: 'rejected' },
    { id: id1, repo: 'demo.git', username: 'bob', result: 'accepted', packBytes: 1234, pushOptions: ['ci.skip'] },
  ]);
  r = await cli(['log', '--user', 'ALICE', ...data], env);
  t.match(r.stdout, /#\d+\s+alice → other\.git over ssh from 127\.0\.0\.1: rejected \(1 ref, 1\.2 KiB, 42 ms\)/);
  t.match(r.stdout, /ng refs\/heads\/main aaaaaaa\.\.bbbbbbb \(non-fast-forward\)/);
  t.notMatch(r.stdout, 'bob');
  r = await cli(['log', '--since', 'yesterday-ish', ...data], env);
  t.equal(r.code, 128);
  t.match(r.stderr, 'neither a date nor a duration');

  r = await cli(['user', 'remove', 'bob', ...data], env);
  t.match(r.stdout, 'Removed user bob');
  r = await cli(['log', '--user', 'bob', '--json', ...data], env);
  t.equal(JSON.parse(r.stdout).length, 1, "a removed user's pushes stay in the log");
  if (!usingPostgres) {
    r = await cli(['user', 'list', '--json'], env);
    t.match(r.stderr, '--data <dir> is required', 'no data folder, no DATABASE_URL');
  }
});

async function runRepoAction(action: 'list' | 'set' | 'remove', args: string[], env: NodeJS.ProcessEnv) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c));
  stderr.on('data', (c: Buffer) => (err += c));
  let code: number;
  try {
    code = await repoAdminActions[action](args, { stdin: Readable.from([]), stdout, stderr, env });
  } catch (e) {
    err += (e as Error).message;
    code = (e as Error).name === 'UsageError' ? 129 : 128;
  }
  return { code, stdout: out, stderr: err };
}
