/**
 * Keys of an authorized_keys file (`serve --authorized-keys FILE`) are not
 * users: the comment at the end of a line names nobody. Such a key pushes as
 * `key:SHA256:…`, which no rule can name; a line maps its key to an account
 * only with `pushgate-user="alice"`, resolved against the accounts when the
 * key authenticates. Rules match accounts (by user id), never a name alone.
 * Real OpenSSH pushes against the SSH server, with rules from the database.
 */
import t from 'tap';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { createAccessControl } from '../src/auth/access-control.js';
import { AuthorizedKeysFile, mappedUser } from '../src/auth/authorized-keys.js';
import { grantAccess } from '../src/auth/permissions.js';
import { addUser } from '../src/auth/users.js';
import { adoptRepositories } from '../src/db/adoption.js';
import { PgAuditSink, queryAuditLog } from '../src/db/audit.js';
import { PgPolicySource, replaceRules } from '../src/db/rule-store.js';
import { identityMatches } from '../src/policy/subjects.js';
import { startSshServer } from '../src/transport/ssh/server.js';
import { backendName, testDatabase } from './db-helpers.js';
import { gitOk, refsOf, run, tempDir, WorkRepo } from './helpers/git.js';

const silent = pino({ level: 'silent' });

async function sshKeygen(
  dir: string,
  name: string,
  comment: string,
): Promise<{ file: string; line: string; fingerprint: string }> {
  const file = path.join(dir, name);
  const r = await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file]);
  if (r.code !== 0) throw new Error(r.stderr);
  const fp = await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${file}.pub`]);
  return { file, line: (await readFile(`${file}.pub`, 'utf8')).trim(), fingerprint: fp.stdout.split(' ')[1]! };
}

function gitSshEnv(port: number, key: string): Record<string, string> {
  const options = [
    '-F /dev/null',
    `-i ${key}`,
    '-o IdentitiesOnly=yes',
    '-o StrictHostKeyChecking=no',
    '-o UserKnownHostsFile=/dev/null',
    '-o LogLevel=ERROR',
    '-o BatchMode=yes',
    `-p ${port}`,
  ];
  return { GIT_SSH_COMMAND: `ssh ${options.join(' ')}` };
}

t.test('subjects match accounts only', async (t) => {
  t.ok(identityMatches({ userId: 7, username: 'Admin' }, ['admin']), 'the account admin (ignoring case)');
  t.ok(identityMatches({ userId: 7, username: 'alice', groups: ['leads'] }, ['@leads']), 'a group of the account');
  t.notOk(identityMatches({ username: 'admin' }, ['admin']), 'a name without an account matches nothing');
  t.notOk(identityMatches({ username: 'admin', groups: ['leads'] }, ['@leads']), 'nor do its groups');
  t.notOk(identityMatches({ userId: 7, username: '' }, ['']), 'an account without a name');
  t.notOk(identityMatches(undefined, ['admin']));
});

t.test('authorized_keys lines: the pushgate-user option', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const a = await sshKeygen(dir, 'a', 'admin');
  const b = await sshKeygen(dir, 'b', 'b@host');
  const c = await sshKeygen(dir, 'c', 'c');
  const d = await sshKeygen(dir, 'd', 'd');
  t.equal(mappedUser(a.line), undefined, 'a plain line maps to nobody, whatever its comment');
  t.equal(mappedUser(`pushgate-user="alice" ${b.line}`), 'alice');
  t.equal(mappedUser(`no-pty,pushgate-user="alice",command="echo a, b" ${b.line}`), 'alice', 'among other options');
  t.throws(() => mappedUser(`pushgate-user="al ice" ${b.line}`), /not a valid username/);
  t.throws(() => mappedUser(`pushgate-user="a",pushgate-user="b" ${b.line}`), /more than once/);
  const file = path.join(dir, 'authorized_keys');
  await writeFile(
    file,
    [a.line, `pushgate-user="alice" ${b.line}`, `pushgate-user="key:x" ${c.line}`, `restrict,pushgate-user=bob ${d.line}`].join(
      '\n',
    ),
  );
  const keys = new AuthorizedKeysFile(file, silent);
  t.equal(await keys.load(), 3, 'the line with a malformed user is skipped');
  const blob = (line: string) => Buffer.from(line.split(' ')[1]!, 'base64');
  t.match(await keys.find(blob(a.line)), { comment: 'admin', user: undefined });
  t.match(await keys.find(blob(b.line)), { user: 'alice' });
  t.equal(await keys.find(blob(c.line)), null);
  t.match(await keys.find(blob(d.line)), { user: 'bob' }, 'an unquoted value too');
});

t.test(`authorized_keys keys over SSH: a comment is no user name (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { dataDir } = td;
  const demo = path.join(dataDir, 'demo.git');
  await gitOk(['init', '-q', '--bare', '-b', 'main', demo]);
  await adoptRepositories(db, dataDir);
  const admin = await addUser(db, { username: 'admin' });
  const alice = await addUser(db, { username: 'alice' });
  await grantAccess(db, 'alice', 'demo', 'write');
  await grantAccess(db, 'admin', 'demo', 'write');
  await replaceRules(db, 'demo.git', [
    { pattern: 'refs/heads/main', restrictPush: ['admin'] },
    { pattern: 'refs/heads/alice/*', restrictPush: ['alice'] },
  ]);
  // A hook that records who it is told pushes.
  const seen = path.join(dir, 'remote-users');
  await writeFile(path.join(demo, 'hooks', 'pre-receive'), `#!/bin/sh\necho "$REMOTE_USER" >> ${JSON.stringify(seen)}\n`);
  await chmod(path.join(demo, 'hooks', 'pre-receive'), 0o755);

  const keys = {
    impostor: await sshKeygen(dir, 'impostor', 'admin'), // comment "admin", no mapping
    alice: await sshKeygen(dir, 'alice', 'admin'), // mapped to alice; the comment still says admin
    admin: await sshKeygen(dir, 'admin', 'whoever'), // mapped to the account admin
    ghost: await sshKeygen(dir, 'ghost', 'ghost'), // mapped to an account that does not exist
  };
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(
    authorizedKeys,
    [
      keys.impostor.line,
      `no-pty,pushgate-user="alice" ${keys.alice.line}`,
      `pushgate-user="admin" ${keys.admin.line}`,
      `pushgate-user="ghost" ${keys.ghost.line}`,
    ].join('\n') + '\n',
  );
  const access = createAccessControl({ db, dataDir, authorizedKeysFile: authorizedKeys, log: silent });
  const server = await startSshServer({
    port: 0,
    dataDir,
    access,
    audit: new PgAuditSink(db),
    policy: new PgPolicySource(db),
    log: silent,
  });
  t.teardown(() => server.close());
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('one');
  const url = 'ssh://git@127.0.0.1/demo.git';
  const push = (key: keyof typeof keys, refspec: string) =>
    work.git(['push', url, refspec], gitSshEnv(server.port, keys[key].file));
  const lastAudit = async () => (await queryAuditLog(db, { repo: 'demo.git', limit: 1 }))[0]!;
  const impostorName = `key:${keys.impostor.fingerprint}`;

  let r = await push('impostor', 'main');
  t.not(r.code, 0, 'the comment "admin" does not pass a rule restricting push to admin');
  t.match(r.stderr, /only admin may push to refs matching refs\/heads\/main, not key:SHA256:/);
  t.notOk((await refsOf(demo))['refs/heads/main'], 'main not created');
  t.match(await lastAudit(), { username: impostorName, userId: null, result: 'rejected' }, 'the audit names the key');

  r = await push('impostor', 'main:refs/heads/free');
  t.equal(r.code, 0, `an unprotected branch: file keys still push everywhere: ${r.stderr}`);
  t.match(await lastAudit(), { username: impostorName, userId: null, result: 'accepted' });

  r = await push('alice', 'main:refs/heads/alice/topic');
  t.equal(r.code, 0, `a mapped key pushes as its user: ${r.stderr}`);
  t.match(await lastAudit(), { username: 'alice', userId: alice.id, result: 'accepted' });
  r = await push('alice', 'main');
  t.not(r.code, 0, 'alice is not admin, whatever her key comment says');
  t.match(r.stderr, /not alice/);

  r = await push('admin', 'main');
  t.equal(r.code, 0, `the key mapped to the account admin passes: ${r.stderr}`);
  t.equal((await refsOf(demo))['refs/heads/main'], c1);
  t.match(await lastAudit(), { username: 'admin', userId: admin.id, result: 'accepted' });

  r = await push('ghost', 'main:refs/heads/ghost');
  t.not(r.code, 0, 'a key mapped to no account is refused at authentication');
  t.match(r.stderr, /Permission denied/);

  t.same(
    (await readFile(seen, 'utf8')).trim().split('\n'),
    [impostorName, 'alice', 'admin'],
    'hooks see the key identity or the mapped user (refused pushes never reach pre-receive)',
  );
});
