import t from 'tap';
import Fastify from 'fastify';
import pino from 'pino';
import { spawn } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { createAccessControl, type AccountIdentity } from '../src/auth/access-control.js';
import { openAccounts } from '../src/auth/accounts.js';
import { addGroup, addGroupMember } from '../src/auth/groups.js';
import { grantAccess, listGrants, revokeAccess } from '../src/auth/permissions.js';
import { repoPatternMatches } from '../src/auth/repo-pattern.js';
import { addSshKey, listSshKeys, removeSshKey } from '../src/auth/ssh-keys.js';
import { parsePublicKeyLine } from '../src/auth/ssh-public-key.js';
import { createToken, revokeToken, verifyToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { main } from '../src/cli/main.js';
import { serveCommand } from '../src/cli/commands/serve.js';
import { repoAdminActions } from '../src/cli/commands/repo-admin.js';
import { adoptRepositories } from '../src/db/adoption.js';
import { PgAuditSink, queryAuditLog, reconcileAudit } from '../src/db/audit.js';
import { listRepositories, registerRepository, updateRepository } from '../src/db/repositories.js';
import type { PushRecord } from '../src/audit-record.js';
import { createServer } from '../src/server.js';
import { adminApi } from '../src/transport/http/admin-api.js';
import { backendName, testDatabase, usingPostgres } from './db-helpers.js';
import { gitOk, PROJECT_ROOT, refsOf, run, tempDir, WorkRepo } from './helpers/git.js';

const ZERO = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

/** Runs `pushgate <args>` in-process, as the binary would. */
async function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(args, { stdin: Readable.from([stdin]), stdout, stderr, env });
  process.exitCode = undefined; // main() sets it for the binary; a failing command here is expected
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

async function sshKeygen(
  dir: string,
  name: string,
  type: string,
  bits?: number,
): Promise<{ file: string; line: string; fingerprint: string; bits: number }> {
  const file = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `${name}@test`, '-f', file]);
  const listed = await run('ssh-keygen', ['-lf', `${file}.pub`]);
  const [size, fingerprint] = listed.stdout.trim().split(' ');
  return { file, line: (await readFile(`${file}.pub`, 'utf8')).trim(), fingerprint: fingerprint!, bits: Number(size) };
}

function record(intent: { repo: string; username?: string; userId?: number }, overrides: Partial<PushRecord> = {}): PushRecord {
  return {
    repo: intent.repo,
    transport: 'ssh',
    identity: { username: intent.username, userId: intent.userId },
    remoteAddress: '127.0.0.1',
    startedAt: new Date(),
    agent: 'git/2.39.5',
    capabilities: ['report-status', 'side-band-64k'],
    pushOptions: ['ci.skip'],
    commands: [
      {
        refName: 'refs/heads/main',
        oldOid: ZERO,
        newOid: A,
        type: 'create',
        status: 'ok',
        reason: undefined,
        decidedBy: undefined,
      },
    ],
    result: 'accepted',
    packBytes: 1234,
    packObjects: 3,
    durationMs: 42,
    ...overrides,
  };
}

/** Runs a small TypeScript program in a child process (tsx), for what must happen in another process. */
function spawnScript(source: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

const src = (file: string) => JSON.stringify(pathToFileURL(path.join(PROJECT_ROOT, 'src', file)).href);

t.comment(`database backend: ${backendName}`);

t.test('public keys: parsed and fingerprinted exactly as ssh-keygen -lf prints them', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const kinds: [string, string, number?][] = [
    ['ed', 'ed25519'],
    ['rsa', 'rsa', 2048],
    ['p256', 'ecdsa', 256],
    ['p384', 'ecdsa', 384],
    ['p521', 'ecdsa', 521],
  ];
  for (const [name, type, bits] of kinds) {
    const key = await sshKeygen(dir, name, type, bits);
    const parsed = parsePublicKeyLine(key.line);
    t.equal(parsed.fingerprint, key.fingerprint, `${name} fingerprint`);
    t.equal(parsed.bits, key.bits, `${name} size`);
    t.equal(parsed.comment, `${name}@test`);
    // authorized_keys lines may carry options before the key
    t.equal(
      parsePublicKeyLine(`no-pty,command="echo hi there" ${key.line}`).fingerprint,
      key.fingerprint,
      `${name} with options`,
    );
  }
  const ed = await readFile(path.join(dir, 'ed.pub'), 'utf8');
  const [type, data] = ed.split(' ');
  t.throws(() => parsePublicKeyLine(privateKeyText(dir)), { code: 'E_INVALID', message: /private key/ });
  t.throws(() => parsePublicKeyLine('sk-ssh-ed25519@openssh.com AAAA x'), { code: 'E_INVALID', message: /security-key/ });
  t.throws(() => parsePublicKeyLine('ssh-dss AAAA x'), { code: 'E_INVALID', message: /DSA/ });
  t.throws(
    () => parsePublicKeyLine(`ssh-rsa ${data}`),
    { code: 'E_INVALID', message: /says ssh-ed25519/ },
    'type and data disagree',
  );
  t.throws(() => parsePublicKeyLine(`${type} ${data!.slice(0, 30)}`), { code: 'E_INVALID' }, 'truncated');
  t.throws(() => parsePublicKeyLine('hello world'), { code: 'E_INVALID' });
  const weak = await sshKeygen(dir, 'weak', 'rsa', 1024);
  t.throws(() => parsePublicKeyLine(weak.line), { code: 'E_INVALID', message: /at least 2048 bits/ });
});

/** Private key text, to check it is refused with a helpful message. */
function privateKeyText(dir: string): string {
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${dir}\n-----END OPENSSH PRIVATE KEY-----`;
}

t.test('repository patterns', async (t) => {
  t.ok(repoPatternMatches('team/app', 'team/app.git'));
  t.ok(repoPatternMatches('team/app.git', 'team/app.git'));
  t.ok(repoPatternMatches('team/*', 'team/app.git'));
  t.notOk(repoPatternMatches('team/*', 'team/sub/app.git'), '* stays in its segment');
  t.ok(repoPatternMatches('team/**', 'team/sub/app.git'));
  t.ok(repoPatternMatches('**', 'x.git'));
  t.ok(repoPatternMatches('team/**/app', 'team/app.git'));
  t.ok(repoPatternMatches('app-?', 'app-1.git'));
  t.notOk(repoPatternMatches('team/app', 'team/app2.git'));
  t.notOk(repoPatternMatches('team.app', 'teamxapp.git'), 'dots are literal');
});

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

t.test(`permission matrix (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  const repos = ['alice/private.git', 'team/app.git', 'team/other.git', 'public.git', 'open.git'];
  for (const name of repos) await gitOk(['init', '-q', '--bare', path.join(td.dataDir, name)]);
  // Not adopted: hidden folders, symlinks, and what is not a repository.
  await gitOk(['init', '-q', '--bare', path.join(td.dataDir, '.hidden', 'x.git')]);
  await symlink(path.join(td.dataDir, 'public.git'), path.join(td.dataDir, 'link.git'));
  await mkdir(path.join(td.dataDir, 'empty-folder'));
  t.same((await adoptRepositories(db, td.dataDir)).sort(), [...repos].sort(), 'bare repositories are adopted, nested ones too');
  t.same(await adoptRepositories(db, td.dataDir), [], 'adopting again adds nothing');

  const alice = await addUser(db, { username: 'alice' });
  const bob = await addUser(db, { username: 'bob' });
  const carol = await addUser(db, { username: 'carol' });
  const root = await addUser(db, { username: 'root', admin: true });
  await updateRepository(db, 'alice/private', { owner: 'alice' });
  await updateRepository(db, 'public.git', { anonymousRead: true });
  await updateRepository(db, 'open.git', { anonymousPush: true });
  await grantAccess(db, 'bob', 'team/app', 'read');
  await addGroup(db, 'devs');
  await addGroupMember(db, 'devs', 'carol');
  await grantAccess(db, '@devs', 'team/*', 'write');

  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const outsider = await sshKeygen(dir, 'outsider', 'ed25519');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, `# test remote\n${outsider.line}\nnot a key line\n`);
  const access = createAccessControl({ db, dataDir: td.dataDir, authorizedKeysFile: authorizedKeys });
  t.equal(await access.loadAuthorizedKeys(), 1, 'bad lines are skipped');

  const id = (u: { id: number; username: string }): AccountIdentity => ({ userId: u.id, username: u.username });
  const rootReadToken = await createToken(db, { username: 'root', scopes: ['read'] });
  const rootViaReadToken = await access.authenticatePassword('root', rootReadToken.secret);
  const keyOnly = await access.authenticatePublicKey('ssh-ed25519', parsePublicKeyLine(outsider.line).blob);
  t.match(keyOnly, { username: 'outsider@test', userId: undefined }, 'authorized_keys identity');

  const matrix: [string, AccountIdentity | undefined, string, 'read' | 'write' | 'admin', string][] = [
    ['anonymous', undefined, 'alice/private.git', 'read', 'not-found'],
    ['anonymous', undefined, 'public.git', 'read', 'allow'],
    ['anonymous', undefined, 'public.git', 'write', 'deny'],
    ['anonymous', undefined, 'open.git', 'write', 'allow'],
    ['anonymous', undefined, 'open.git', 'admin', 'deny'],
    ['anonymous', undefined, 'nothing-here.git', 'read', 'not-found'],
    ['alice (owner)', id(alice), 'alice/private.git', 'admin', 'allow'],
    ['bob', id(bob), 'alice/private.git', 'read', 'not-found'],
    ['bob (read grant)', id(bob), 'team/app.git', 'read', 'allow'],
    ['bob (read grant)', id(bob), 'team/app.git', 'write', 'deny'],
    ['bob', id(bob), 'team/other.git', 'read', 'not-found'],
    ['bob', id(bob), 'public.git', 'read', 'allow'],
    ['carol via @devs team/*', id(carol), 'team/other.git', 'write', 'allow'],
    ['carol via @devs team/*', id(carol), 'team/app.git', 'admin', 'deny'],
    ['carol', id(carol), 'alice/private.git', 'write', 'not-found'],
    ['root (admin)', id(root), 'alice/private.git', 'admin', 'allow'],
    ['root with a read-scoped token', rootViaReadToken!, 'team/app.git', 'write', 'deny'],
    ['root with a read-scoped token', rootViaReadToken!, 'team/app.git', 'read', 'allow'],
    ['authorized_keys', keyOnly!, 'team/app.git', 'write', 'allow'],
    ['authorized_keys', keyOnly!, 'alice/private.git', 'write', 'allow'],
    ['authorized_keys', keyOnly!, 'alice/private.git', 'admin', 'deny'],
    ['authorized_keys', keyOnly!, 'missing.git', 'write', 'not-found'],
  ];
  for (const [who, identity, repo, level, expected] of matrix) {
    t.equal(await access.check(identity, repo, level), expected, `${who}: ${level} on ${repo} → ${expected}`);
  }
  t.equal(await access.check(id(bob), 'team/app', 'read'), 'allow', 'the name without .git finds it too');

  // A repository copied in while running is adopted on first access.
  await gitOk(['init', '-q', '--bare', path.join(td.dataDir, 'late.git')]);
  t.equal(await access.check(id(root), 'late.git', 'write'), 'allow');
  t.ok(
    (await listRepositories(db)).some((r) => r.name === 'late.git'),
    'registered on access',
  );
  t.equal(await access.check(id(root), 'link.git', 'read'), 'allow', 'a symlink inside the folder finds its target');
  t.notOk(
    (await listRepositories(db)).some((r) => r.name === 'link.git'),
    'registered under the real name only',
  );

  t.match(access.refusal(id(bob), 'team/app.git', 'write'), 'Permission to team/app.git denied to bob: write access is needed.');
  t.match(access.refusal(undefined, 'public.git', 'write'), 'Pushing to public.git needs authentication');
  t.match(access.refusal(rootViaReadToken!, 'team/app.git', 'write'), 'limited to: read');
  t.equal(await access.isAdmin(id(root)), true);
  t.equal(await access.isAdmin(rootViaReadToken!), false, 'a read-scoped token is no admin token');
  t.equal(await access.isAdmin(id(bob)), false);

  t.same(
    (await listGrants(db, { repo: 'team/other.git' })).map((g) => g.subject),
    ['@devs'],
  );
  await t.rejects(grantAccess(db, 'nobody', 'x', 'read'), { code: 'E_NOT_FOUND', message: 'no user named nobody' });
  await t.rejects(grantAccess(db, '@nobody', 'x', 'read'), { code: 'E_NOT_FOUND', message: 'no group named nobody' });
  await t.rejects(grantAccess(db, 'bob', '../etc', 'read'), { code: 'E_INVALID', message: /not a repository name or pattern/ });
  await t.rejects(revokeAccess(db, '@devs', 'team/*', 'read'), {
    code: 'E_NOT_FOUND',
    message: '@devs has no read grant on team/*',
  });
  await revokeAccess(db, '@devs', 'team/*');
  t.equal(await access.check(id(carol), 'team/other.git', 'write'), 'not-found', 'revoked');
  await t.rejects(registerRepository(db, { name: 'team/app.git' }), { code: 'E_CONFLICT' });
  await t.rejects(registerRepository(db, { name: '../x.git' }), { code: 'E_INVALID' });
});

t.test(`tokens and keys authenticate; revoked, expired and removed ones do not (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  await addUser(db, { username: 'alice' });
  await addUser(db, { username: 'bob' });
  await t.rejects(
    addUser(db, { username: 'Bob' }),
    { code: 'E_CONFLICT', message: 'a user named Bob already exists' },
    'unique ignoring case',
  );
  await t.rejects(addUser(db, { username: '-bob' }), { code: 'E_INVALID' });
  const access = createAccessControl({ db });
  const { token, secret } = await createToken(db, { username: 'alice', name: 'cli' });
  t.match(await access.authenticatePassword('alice', secret), { username: 'alice', via: 'token', tokenId: token.id });
  t.match(await access.authenticatePassword('ALICE', secret), { username: 'alice' }, 'usernames ignore case');
  t.equal(await access.authenticatePassword('bob', secret), null, "another user's name");
  t.equal(
    await access.authenticatePassword('alice', secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')),
    null,
    'one character off',
  );
  t.equal(await access.authenticatePassword('alice', 'hunter2'), null);
  t.match(await access.authenticateToken(secret), { username: 'alice' }, 'bearer, no username');
  t.ok((await verifyToken(db, secret)) !== null);
  const { rows } = await db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM tokens WHERE id = $1', [token.id]);
  t.ok(rows[0]!.last_used_at, 'last use recorded');

  await revokeToken(db, token.id);
  t.equal(await access.authenticatePassword('alice', secret), null, 'revoked');
  await t.rejects(revokeToken(db, token.id), { code: 'E_CONFLICT', message: /already revoked/ });
  await t.rejects(revokeToken(db, 'cli'), { code: 'E_INVALID' }, 'a name needs its user');
  const expiring = await createToken(db, { username: 'alice', name: 'short', expiresAt: new Date(Date.now() + 60_000) });
  t.ok(await access.authenticatePassword('alice', expiring.secret));
  await db.query("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [expiring.token.id]);
  t.equal(await access.authenticatePassword('alice', expiring.secret), null, 'expired');
  await t.rejects(createToken(db, { username: 'alice', expiresAt: new Date(Date.now() - 1000) }), { code: 'E_INVALID' });

  const key = await sshKeygen(dir, 'k', 'rsa', 2048);
  const stored = await addSshKey(db, 'bob', key.line);
  const blob = parsePublicKeyLine(key.line).blob;
  t.match(await access.authenticatePublicKey('ssh-rsa', blob), {
    username: 'bob',
    via: 'ssh-key',
    keyFingerprint: key.fingerprint,
  });
  const tampered = Buffer.from(blob);
  tampered[tampered.length - 1]! ^= 1;
  t.equal(await access.authenticatePublicKey('ssh-rsa', tampered), null, 'a different key');
  await t.rejects(removeSshKey(db, key.fingerprint, 'alice'), { code: 'E_NOT_FOUND' }, "not alice's key");
  await removeSshKey(db, String(stored.id), 'bob');
  t.equal(await access.authenticatePublicKey('ssh-rsa', blob), null, 'removed');
  await t.rejects(removeSshKey(db, key.fingerprint), { code: 'E_NOT_FOUND' });
});

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

t.test(`audit: intent, complete, and reconcile after a kill (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  // A child process writes an intent and is killed before completing it.
  const child = spawnScript(
    `import { openDatabase } from ${src('db/open.ts')};
     import { PgAuditSink } from ${src('db/audit.ts')};
     const db = await openDatabase({ dataDir: process.env.DATA_DIR, databaseUrl: process.env.DATABASE_URL || undefined });
     const id = await new PgAuditSink(db).begin({ repo: 'demo.git', transport: 'ssh', identity: { username: 'alice' }, remoteAddress: '10.0.0.1', startedAt: new Date() });
     process.stdout.write('intent ' + id + '\\n');
     setInterval(() => {}, 1000);`,
    { ...td.env, DATA_DIR: td.dataDir },
  );
  const id = await new Promise<string>((resolve, reject) => {
    child.child.stdout.on('data', () => {
      const m = /intent (\d+)/.exec(child.output().stdout);
      if (m) resolve(m[1]!);
    });
    child.exited.then(() => reject(new Error(`child ended early: ${child.output().stderr}`)));
  });
  child.child.kill('SIGKILL');
  await child.exited;

  // The next start (the embedded database's lock is stale now) reconciles.
  const db = await td.open();
  const sink = new PgAuditSink(db);
  const done = await sink.begin({ repo: 'demo.git', transport: 'http', startedAt: new Date() });
  await sink.complete(done, record({ repo: 'demo.git' }));
  let [entry] = await queryAuditLog(db, { repo: 'demo.git', username: 'alice' });
  t.match(entry, { id, state: 'intent', result: null, remoteAddress: '10.0.0.1' }, 'the intent was committed before the kill');

  const reads: string[] = [];
  const marked = await reconcileAudit(db, {
    readRefs: async (repo) => {
      reads.push(repo);
      return [{ name: 'refs/heads/main', oid: A }];
    },
  });
  t.same(marked, [id], 'only the unfinished push');
  t.same(reads, ['demo.git']);
  [entry] = await queryAuditLog(db, { repo: 'demo.git', username: 'alice' });
  t.match(entry, {
    state: 'interrupted',
    result: 'interrupted',
    refsAfter: [{ name: 'refs/heads/main', oid: A }],
    error: /stopped before this push finished/,
  });
  t.same(await reconcileAudit(db), [], 'reconciling twice changes nothing');
  const [completed] = await queryAuditLog(db, { repo: 'demo.git', limit: 1 });
  t.match(completed, { id: done, state: 'complete', result: 'accepted' }, 'completed pushes are untouched');

  t.equal((await queryAuditLog(db, { username: 'ALICE' })).length, 1, 'usernames ignore case');
  t.equal((await queryAuditLog(db, { since: new Date(Date.now() + 60_000) })).length, 0);
  t.equal((await queryAuditLog(db, { until: new Date(Date.now() + 60_000), limit: 1 })).length, 1);
  t.same(
    (await queryAuditLog(db, { beforeId: done })).map((e) => e.id),
    [id],
    'paging by id',
  );

  // A user removed between authenticating and pushing still gets a record.
  const ghost = await sink.begin({
    repo: 'demo.git',
    transport: 'ssh',
    identity: { userId: 99999, username: 'ghost' },
    startedAt: new Date(),
  });
  await sink.complete(ghost, record({ repo: 'demo.git', username: 'ghost', userId: 99999 }));
  t.match(await queryAuditLog(db, { username: 'ghost' }), [{ userId: 99999, state: 'complete' }]);

  // complete() for an intent that never got written still keeps the record
  await sink.complete('999999', record({ repo: 'ghost.git' }));
  t.match(await queryAuditLog(db, { repo: 'ghost.git' }), [{ state: 'complete', repo: 'ghost.git' }]);
});

t.test(
  'embedded database: a second process gets a clear lock error',
  { skip: usingPostgres && 'PostgreSQL has no data folder lock' },
  async (t) => {
    const td = await testDatabase(t);
    const db = await td.open();
    const child = spawnScript(
      `import { main } from ${src('cli/main.ts')};
     const code = await main(['user', 'list', '--data', process.env.DATA_DIR], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
     process.exit(code);`,
      { ...td.env, DATA_DIR: td.dataDir },
    );
    const code = await child.exited;
    t.equal(code, 128);
    t.match(child.output().stderr, `is in use by another process (pid ${process.pid}`);
    t.match(child.output().stderr, 'set DATABASE_URL');
    await t.rejects(
      openAccounts({ dataDir: td.dataDir }),
      { code: 'E_DB_LOCKED', message: /this process/ },
      'a second open in one process too',
    );
    await db.close();
    const accounts = await openAccounts({ dataDir: td.dataDir });
    t.equal(accounts.db.kind, 'embedded', 'free again after close');
    await accounts.close();
  },
);

t.test('openAccounts: migrate, reconcile, adopt, authorized keys', async (t) => {
  const td = await testDatabase(t);
  await gitOk(['init', '-q', '--bare', path.join(td.dataDir, 'demo.git')]);
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const keyFile = path.join(dir, 'authorized_keys');
  await writeFile(keyFile, (await sshKeygen(dir, 'k', 'ed25519')).line + '\n');
  const accounts = await openAccounts({ dataDir: td.dataDir, databaseUrl: td.databaseUrl, authorizedKeysFile: keyFile });
  t.teardown(() => accounts.close());
  t.same(
    (await listRepositories(accounts.db)).map((r) => r.name),
    ['demo.git'],
  );
  t.equal(await accounts.access.loadAuthorizedKeys(), 1);
  const missing = createAccessControl({ db: accounts.db, authorizedKeysFile: path.join(dir, 'missing') });
  await t.rejects(missing.loadAuthorizedKeys(), { code: 'ENOENT' }, 'a wrong path fails at start');
});

t.test('docker-compose sets what the server reads; Dockerfile runs serve as non-root', async (t) => {
  const compose = parseYaml(await readFile(path.join(PROJECT_ROOT, 'docker-compose.yml'), 'utf8'));
  const app = compose.services.pushgate;
  const db = compose.services.postgres;
  t.ok(app && db, 'two services');
  t.match(app.depends_on, { postgres: { condition: 'service_healthy' } }, 'pushgate waits for a healthy postgres');
  t.ok(db.healthcheck?.test, 'postgres has a healthcheck');

  const url = new URL(app.environment.DATABASE_URL);
  t.equal(url.protocol, 'postgres:');
  t.equal(url.hostname, 'postgres', 'the service name as host');
  t.equal(url.username, db.environment.POSTGRES_USER);
  t.equal(decodeURIComponent(url.password), db.environment.POSTGRES_PASSWORD);
  t.equal(url.pathname.slice(1), db.environment.POSTGRES_DB);

  // Every variable compose gives pushgate is one the code reads.
  const sources = await sourceTexts(path.join(PROJECT_ROOT, 'src'));
  for (const name of Object.keys(app.environment)) {
    t.ok(
      sources.some((text) => text.includes(`env.${name}`) || text.includes(`env['${name}']`)),
      `${name} is read by the server`,
    );
  }

  // The command's flags are serve's, and the published ports are the ones it listens on.
  const command: string[] = app.command;
  const serveIndex = command.indexOf('serve');
  t.ok(serveIndex >= 0, 'runs pushgate serve');
  const flags = command.filter((a) => a.startsWith('--'));
  for (const flag of flags) t.ok(serveCommand.usage.includes(flag), `serve accepts ${flag}`);
  const flagValue = (flag: string) => command[command.indexOf(flag) + 1];
  const published = (app.ports as string[]).map((p) => p.split(':').at(-1));
  t.ok(published.includes(flagValue('--http-port')), 'HTTP port published');
  t.ok(published.includes(flagValue('--ssh-port')), 'SSH port published');
  t.equal(flagValue('--data'), '/data');
  t.ok(
    (app.volumes as string[]).some((v) => v.endsWith(':/data')),
    'data volume',
  );

  const dockerfile = await readFile(path.join(PROJECT_ROOT, 'Dockerfile'), 'utf8');
  t.match(dockerfile, /^FROM .+ AS build$/m, 'multi-stage');
  t.match(dockerfile, /^USER (?!root)\S+/m, 'non-root user');
  t.match(dockerfile, /^VOLUME \["?\/data"?\]/m);
  t.match(dockerfile, /^CMD \["pushgate", "serve", "--data", "\/data", "--host", "0\.0\.0\.0"/m);
  const dockerignore = await readFile(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8');
  t.match(dockerignore, /node_modules/);
});

async function sourceTexts(dir: string): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.ts'));
  return Promise.all(files.map((f) => readFile(path.join(dir, f), 'utf8')));
}
