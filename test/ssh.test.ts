import t from 'tap';
import net from 'node:net';
import { readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pino from 'pino';
import { createAccessControl } from '../src/auth/access-control.js';
import { grantAccess } from '../src/auth/permissions.js';
import { addSshKey, removeSshKey } from '../src/auth/ssh-keys.js';
import { addUser } from '../src/auth/users.js';
import { adoptRepositories } from '../src/db/adoption.js';
import { PgAuditSink, queryAuditLog } from '../src/db/audit.js';
import { defaultSshHostKeyPath } from '../src/db/data-paths.js';
import { updateRepository } from '../src/db/repositories.js';
import { parseExecCommand } from '../src/transport/ssh/exec-command.js';
import { startSshServer } from '../src/transport/ssh/server.js';
import { backendName, testDatabase } from './db-helpers.js';
import { git, gitOk, refsOf, run, tempDir, WorkRepo } from './helpers/git.js';

const silent = pino({ level: 'silent' });

async function sshKeygen(dir: string, name: string, type: string, extra: string[] = []): Promise<{ file: string; line: string }> {
  const file = path.join(dir, name);
  const r = await run('ssh-keygen', ['-q', '-t', type, '-N', '', '-C', `${name}@test`, ...extra, '-f', file]);
  if (r.code !== 0) throw new Error(r.stderr);
  return { file, line: (await readFile(`${file}.pub`, 'utf8')).trim() };
}

/** The OpenSSH client as git runs it, with a test key (or none) and no host key checking. */
function sshOptions(port: number, key: string | null): string[] {
  const auth = key ? ['-i', key, '-o', 'IdentitiesOnly=yes'] : ['-o', 'PubkeyAuthentication=no'];
  return [
    '-F',
    '/dev/null',
    ...auth,
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'BatchMode=yes',
    '-o',
    'PasswordAuthentication=no',
    '-o',
    'KbdInteractiveAuthentication=no',
    '-p',
    String(port),
  ];
}

function gitSshEnv(port: number, key: string | null): Record<string, string> {
  return { GIT_SSH_COMMAND: `ssh ${sshOptions(port, key).join(' ')}` };
}

t.test('exec strings as git and people send them', async (t) => {
  t.same(parseExecCommand("git-receive-pack '/demo.git'"), { kind: 'git', service: 'git-receive-pack', path: '/demo.git' });
  t.same(parseExecCommand("git receive-pack 'team/app.git'"), { kind: 'git', service: 'git-receive-pack', path: 'team/app.git' });
  t.same(parseExecCommand("git-receive-pack 'it'\\''s.git'"), { kind: 'git', service: 'git-receive-pack', path: "it's.git" });
  t.same(parseExecCommand("git-receive-pack 'wow'\\!'.git'"), { kind: 'git', service: 'git-receive-pack', path: 'wow!.git' });
  t.same(parseExecCommand('git-receive-pack demo.git'), { kind: 'git', service: 'git-receive-pack', path: 'demo.git' });
  t.same(parseExecCommand("git-upload-pack '/demo.git'"), { kind: 'git', service: 'git-upload-pack', path: '/demo.git' });
  t.match(parseExecCommand("git-receive-pack '~alice/x.git'"), { kind: 'invalid', message: /home-relative/ });
  t.match(parseExecCommand("git-receive-pack '--help'"), { kind: 'invalid', message: /bad argument/ });
  t.match(parseExecCommand("git-receive-pack 'unterminated"), { kind: 'invalid' });
  t.match(parseExecCommand("git-receive-pack 'a' 'b'"), { kind: 'invalid' });
  t.match(parseExecCommand('git-receive-pack x.git; rm -rf /'), { kind: 'invalid' });
  t.match(parseExecCommand('git-receive-pack'), { kind: 'invalid', message: /needs a repository path/ });
  t.same(parseExecCommand('ls -la'), { kind: 'not-git' });
});

t.test(`git over SSH with the real OpenSSH client (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { dataDir } = td;

  // Repositories: two served, one outside the folder, a symlink pointing out of it.
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'demo.git')]);
  await gitOk(['init', '-q', '--bare', '-b', 'main', path.join(dataDir, 'team', 'app.git')]);
  const outside = path.join(dir, 'outside.git');
  await gitOk(['init', '-q', '--bare', '-b', 'main', outside]);
  await symlink(outside, path.join(dataDir, 'escape.git'));
  await adoptRepositories(db, dataDir);

  // People: alice writes, bob reads, carol sees nothing, dave's key was removed.
  const keys = {
    alice: await sshKeygen(dir, 'alice', 'ed25519'),
    bob: await sshKeygen(dir, 'bob', 'rsa', ['-b', '2048']), // RSA: the client signs with rsa-sha2-*
    carol: await sshKeygen(dir, 'carol', 'ecdsa', ['-b', '256']),
    dave: await sshKeygen(dir, 'dave', 'ed25519'),
    stranger: await sshKeygen(dir, 'stranger', 'ed25519'),
    listed: await sshKeygen(dir, 'listed', 'ed25519'),
  };
  for (const name of ['alice', 'bob', 'carol', 'dave'] as const) {
    await addUser(db, { username: name });
    await addSshKey(db, name, keys[name].line);
  }
  const daveKey = (
    await db.query<{ fingerprint: string }>(
      "SELECT fingerprint FROM ssh_keys k JOIN users u ON u.id = k.user_id WHERE u.username = 'dave'",
    )
  ).rows[0]!;
  await removeSshKey(db, daveKey.fingerprint);
  await grantAccess(db, 'alice', 'demo', 'write');
  await grantAccess(db, 'alice', 'team/*', 'write');
  await grantAccess(db, 'bob', 'demo', 'read');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, keys.listed.line + '\n');

  const access = createAccessControl({ db, dataDir, authorizedKeysFile: authorizedKeys });
  const audit = new PgAuditSink(db);
  const server = await startSshServer({ port: 0, dataDir, access, audit, log: silent, handshakeTimeoutMs: 1500 });
  t.teardown(() => server.close());
  const port = server.port;
  const demo = path.join(dataDir, 'demo.git');
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('first');

  await t.test('pushes land: ssh:// and scp-style paths, nested names, protocol v1', async (t) => {
    const env = gitSshEnv(port, keys.alice.file);
    let r = await work.git(['push', 'ssh://git@127.0.0.1/demo.git', 'main'], env);
    t.equal(r.code, 0, r.stderr);
    t.equal((await refsOf(demo))['refs/heads/main'], c1);
    r = await work.git(['push', 'git@127.0.0.1:demo.git', 'main:refs/heads/topic'], env);
    t.equal(r.code, 0, r.stderr);
    const c2 = await work.commit('second');
    r = await work.git(['-c', 'protocol.version=1', 'push', 'ssh://git@127.0.0.1/demo', 'main'], env);
    t.equal(r.code, 0, `GIT_PROTOCOL=version=1 and a name without .git: ${r.stderr}`);
    t.same(await refsOf(demo), { 'refs/heads/main': c2, 'refs/heads/topic': c1 });
    r = await work.git(['push', 'git@127.0.0.1:team/app.git', 'main'], env);
    t.equal(r.code, 0, r.stderr);
    t.equal((await refsOf(path.join(dataDir, 'team/app.git')))['refs/heads/main'], c2);
    t.equal((await git(['--git-dir', demo, 'fsck', '--strict'])).code, 0, 'git fsck --strict');

    const log = await queryAuditLog(db, { repo: 'demo.git' });
    t.equal(log.length, 3, 'one record per push');
    t.match(log[0], {
      state: 'complete',
      result: 'accepted',
      transport: 'ssh',
      username: 'alice',
      remoteAddress: '127.0.0.1',
      commands: [{ refName: 'refs/heads/main', oldOid: c1, newOid: c2, status: 'ok' }],
    });
  });

  await t.test('audit records for rejected and failed pushes', async (t) => {
    const env = gitSshEnv(port, keys.alice.file);
    const before = await refsOf(demo);
    await gitOk(['--git-dir', demo, 'config', 'receive.denyNonFastForwards', 'true']);
    let r = await work.git(['push', '--force', 'ssh://git@127.0.0.1/demo.git', `${c1}:refs/heads/main`], env);
    t.not(r.code, 0, 'non-fast-forward refused by the server');
    await gitOk(['--git-dir', demo, 'config', '--unset', 'receive.denyNonFastForwards']);
    let [entry] = await queryAuditLog(db, { repo: 'demo.git', limit: 1 });
    t.match(entry, {
      result: 'rejected',
      username: 'alice',
      commands: [{ refName: 'refs/heads/main', status: 'rejected', reason: /non-fast-forward/ }],
    });

    const app = path.join(dataDir, 'team/app.git');
    await gitOk(['--git-dir', app, 'config', 'receive.maxInputSize', '10']);
    await work.commit('too big for the limit');
    r = await work.git(['push', 'ssh://git@127.0.0.1/team/app.git', 'main'], env);
    t.not(r.code, 0, 'unpack failed');
    [entry] = await queryAuditLog(db, { repo: 'team/app.git', limit: 1 });
    t.match(entry, { result: 'failed', state: 'complete', error: /unpack/ });
    await gitOk(['--git-dir', app, 'config', '--unset', 'receive.maxInputSize']);
    t.same(await refsOf(demo), before);
  });

  await t.test('refusals: the right message each time, and nothing changes', async (t) => {
    const refsBefore = await refsOf(demo);
    const outsideBefore = await refsOf(outside);
    const auditBefore = (await queryAuditLog(db, { limit: 1000 })).length;
    await work.commit('not to be accepted');
    const push = (key: string | null, url: string) => work.git(['push', url, 'main:refs/heads/refused'], gitSshEnv(port, key));
    const cases: [string, string | null, string, RegExp][] = [
      ['no key', null, 'ssh://git@127.0.0.1/demo.git', /Permission denied \(publickey\)/],
      ['unknown key', keys.stranger.file, 'ssh://git@127.0.0.1/demo.git', /Permission denied \(publickey\)/],
      ['removed key', keys.dave.file, 'ssh://git@127.0.0.1/demo.git', /Permission denied \(publickey\)/],
      [
        'read-only user',
        keys.bob.file,
        'ssh://git@127.0.0.1/demo.git',
        /fatal: Permission to demo\.git denied to bob: write access is needed\./,
      ],
      [
        'no access at all',
        keys.carol.file,
        'ssh://git@127.0.0.1/demo.git',
        /fatal: '\/demo\.git' does not appear to be a git repository/,
      ],
      [
        'a repository that does not exist',
        keys.alice.file,
        'ssh://git@127.0.0.1/nope.git',
        /fatal: '\/nope\.git' does not appear to be a git repository/,
      ],
      [
        '../ out of the folder',
        keys.alice.file,
        'git@127.0.0.1:../outside.git',
        /fatal: '\.\.\/outside\.git' does not appear to be a git repository/,
      ],
      ['%2e%2e is just a name', keys.alice.file, 'git@127.0.0.1:%2e%2e/outside.git', /does not appear to be a git repository/],
      ['an absolute path', keys.alice.file, `ssh://git@127.0.0.1${outside}`, /does not appear to be a git repository/],
      [
        'a symlink out of the folder',
        keys.alice.file,
        'ssh://git@127.0.0.1/escape.git',
        /fatal: '\/escape\.git' does not appear to be a git repository/,
      ],
      [
        'a home-relative path',
        keys.alice.file,
        'ssh://git@127.0.0.1/~alice/demo.git',
        /home-relative paths \(~\) are not supported/,
      ],
    ];
    for (const [what, key, url, message] of cases) {
      const r = await push(key, url);
      t.not(r.code, 0, `${what}: refused`);
      t.match(r.stderr, message, what);
    }
    t.same(await refsOf(demo), refsBefore, 'the repository did not change');
    t.same(await refsOf(outside), outsideBefore, 'nothing outside the folder changed');
    // Authenticated attempts refused before receive-pack are recorded too (not the unauthenticated ones).
    const refused = (await queryAuditLog(db, { limit: 1000 })).slice(0, -auditBefore || undefined);
    t.equal(refused.length, 7, 'one record per authenticated refused attempt');
    t.ok(refused.every((e) => e.result === 'rejected' && e.transport === 'ssh'));
    t.match(refused.map((e) => e.error).sort(), ['permission denied', ...Array(6).fill('repository not found')]);
  });

  await t.test('shell, pty, other commands, fetch, exit status, GIT_PROTOCOL', async (t) => {
    const ssh = (args: string[], key = keys.alice.file) => run('ssh', [...sshOptions(port, key), ...args]);
    let r = await ssh(['-T', 'git@127.0.0.1']);
    t.equal(r.code, 1);
    t.equal(r.stderr.trim(), "Hi alice! You've successfully authenticated, but pushgate does not provide shell access.");
    r = await ssh(['-tt', 'git@127.0.0.1']);
    t.equal(r.code, 1);
    t.match(
      r.stdout + r.stderr,
      /Hi alice! You've successfully authenticated, but pushgate does not provide shell access\.\r\n/,
      'with a pty too',
    );
    r = await ssh(['git@127.0.0.1', 'ls', '-la']);
    t.equal(r.code, 1);
    t.match(r.stderr, "pushgate only runs git commands (git-receive-pack, git-upload-pack), not 'ls -la'");
    r = await ssh(['git@127.0.0.1', "git-receive-pack 'nope.git'"]);
    t.equal(r.code, 128, 'exit status passed back');
    r = await ssh(['git@127.0.0.1', "git-upload-archive 'demo.git'"]);
    t.equal(r.code, 128);
    t.match(r.stderr, 'git-upload-archive is not available on this pushgate server');
    // Fetch needs read access: bob may clone demo.git, carol may not even see it.
    r = await git(['clone', '-q', 'ssh://git@127.0.0.1/demo.git', path.join(dir, 'clone-bob')], {
      env: gitSshEnv(port, keys.bob.file),
    });
    t.equal(r.code, 0, `clone over SSH: ${r.stderr}`);
    t.equal(await gitOk(['-C', path.join(dir, 'clone-bob'), 'rev-parse', 'HEAD']), (await refsOf(demo))['refs/heads/main']);
    r = await git(['clone', 'ssh://git@127.0.0.1/demo.git', path.join(dir, 'clone-carol')], {
      env: gitSshEnv(port, keys.carol.file),
    });
    t.not(r.code, 0);
    t.match(r.stderr, "fatal: '/demo.git' does not appear to be a git repository");
    r = await ssh(['-o', 'SetEnv=GIT_PROTOCOL=version=1', 'git@127.0.0.1', "git-receive-pack '/demo.git'"]);
    t.match(r.stdout, /^000eversion 1\n/, 'GIT_PROTOCOL reached receive-pack');
    r = await ssh(['git@127.0.0.1', "git-receive-pack '/demo.git'"]);
    t.match(r.stdout, /^[0-9a-f]{4}[0-9a-f]{40} refs\/heads\/main\0/, 'version 0 without it');
    // Stock git-receive-pack dies so when its input ends before the first packet.
    t.equal(r.code, 128, 'a client that hangs up after the advertisement: exit 128, as git');
    t.match(r.stderr, 'fatal: the remote end hung up unexpectedly');
    r = await ssh(['git@127.0.0.1', "git-receive-pack '/demo.git'"], keys.stranger.file);
    t.equal(r.code, 255, 'unknown key: ssh fails');
  });

  await t.test('a server without upload-pack refuses fetches with a message', async (t) => {
    const pushOnly = await startSshServer({ port: 0, dataDir, access, log: silent, services: { uploadPack: null } });
    t.teardown(() => pushOnly.close());
    const r = await git(['clone', 'ssh://git@127.0.0.1/demo.git', path.join(dir, 'clone-none')], {
      env: gitSshEnv(pushOnly.port, keys.alice.file),
    });
    t.not(r.code, 0);
    t.match(r.stderr, 'fatal: git-upload-pack is not available on this pushgate server');
  });

  await t.test('anonymous push flag and the authorized_keys file', async (t) => {
    const env = gitSshEnv(port, keys.listed.file);
    const r = await work.git(['push', 'ssh://git@127.0.0.1/team/app.git', 'main:refs/heads/from-listed'], env);
    t.equal(r.code, 0, `a key from the authorized_keys file pushes anywhere: ${r.stderr}`);
    const [entry] = await queryAuditLog(db, { repo: 'team/app.git', limit: 1 });
    // Not a user: named by fingerprint, never by the key's comment (listed@test).
    t.match(entry, { username: /^key:SHA256:[A-Za-z0-9+/]{43}$/, userId: null, result: 'accepted' });
    // carol may not see demo.git; anonymous push on the repository opens it to every authenticated key
    await updateRepository(db, 'demo.git', { anonymousPush: true });
    const pushed = await work.git(
      ['push', 'ssh://git@127.0.0.1/demo.git', 'main:refs/heads/carol'],
      gitSshEnv(port, keys.carol.file),
    );
    t.equal(pushed.code, 0, pushed.stderr);
    await updateRepository(db, 'demo.git', { anonymousPush: false });
  });

  await t.test('an authenticated connection left idle is closed', async (t) => {
    const idle = await startSshServer({ port: 0, dataDir, access, log: silent, idleTimeoutMs: 1000 });
    t.teardown(() => idle.close());
    const started = Date.now();
    const r = await run('ssh', [...sshOptions(idle.port, keys.alice.file), '-N', 'git@127.0.0.1']);
    const elapsed = Date.now() - started;
    t.not(r.code, 0);
    t.ok(elapsed >= 900 && elapsed < 10_000, `closed after the idle timeout (${elapsed} ms)`);
  });

  await t.test('a connection that never authenticates is closed', async (t) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    socket.on('data', () => undefined);
    await new Promise((resolve) => socket.on('close', resolve));
    const elapsed = Date.now() - started;
    t.ok(elapsed >= 1000 && elapsed < 10_000, `closed after the handshake timeout (${elapsed} ms)`);
  });
});

t.test('host key: created once with mode 0600 and kept; --ssh-host-key used as given', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const access = {
    acceptsCredentials: true,
    authenticatePassword: async () => null,
    authenticatePublicKey: async () => null,
    check: async () => 'not-found' as const,
    refusal: () => '',
  };
  const first = await startSshServer({ port: 0, dataDir: dir, access, log: silent });
  await first.close();
  const keyFile = defaultSshHostKeyPath(dir);
  t.equal((await stat(keyFile)).mode & 0o777, 0o600);
  const listed = await run('ssh-keygen', ['-lf', keyFile]);
  t.equal(listed.stdout.split(' ')[1], first.hostKeyFingerprint, 'the fingerprint ssh-keygen shows');
  const second = await startSshServer({ port: 0, dataDir: dir, access, log: silent });
  t.teardown(() => second.close());
  t.equal(second.hostKeyFingerprint, first.hostKeyFingerprint, 'same key after a restart');
  const scanned = await run('sh', ['-c', `ssh-keyscan -p ${second.port} -t ed25519 127.0.0.1 2>/dev/null | ssh-keygen -lf -`]);
  t.match(scanned.stdout, first.hostKeyFingerprint, 'and that is the key clients see');

  const own = await sshKeygen(dir, 'own_host_key', 'ecdsa', ['-b', '384']);
  const third = await startSshServer({ port: 0, dataDir: dir, hostKey: own.file, access, log: silent });
  t.teardown(() => third.close());
  const ownListed = await run('ssh-keygen', ['-lf', own.file]);
  t.equal(third.hostKeyFingerprint, ownListed.stdout.split(' ')[1], '--ssh-host-key');
  const scannedOwn = await run('sh', ['-c', `ssh-keyscan -p ${third.port} -t ecdsa 127.0.0.1 2>/dev/null | ssh-keygen -lf -`]);
  t.match(scannedOwn.stdout, third.hostKeyFingerprint);

  const locked = path.join(dir, 'locked_key');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', locked]);
  await t.rejects(startSshServer({ port: 0, dataDir: dir, hostKey: locked, access, log: silent }), {
    code: 'E_SSH_HOST_KEY',
    message: /encrypted/,
  });
  await t.rejects(startSshServer({ port: 0, dataDir: dir, hostKey: path.join(dir, 'missing'), access, log: silent }), {
    code: 'E_SSH_HOST_KEY',
  });
});
