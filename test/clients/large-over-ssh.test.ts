/**
 * Flow control over SSH: a push and a clone of several megabytes, more than
 * an SSH channel's window, so that both sides must wait for the other to
 * read (pushgate pauses the channel while the pack is indexed, and waits
 * for drain when it sends). A mistake there is a hang that small pushes
 * never show. With OpenSSH (C git) and with libssh2 (libgit2 via pygit2).
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { git, gitOk, refsOf, tempDir, WorkRepo } from '../helpers/git.js';
import { initServerRepo } from './repos.js';
import { runBounded, SYSTEM_PYTHON } from './run.js';
import { startServers } from './servers.js';

const PYGIT2_DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pygit2_driver.py');
/** Several SSH windows (ssh2's is 2 MiB) of incompressible data. */
const MEGABYTES = 8;
const LIMIT_MS = 60_000;

t.test(`${MEGABYTES} MB pushed and cloned over SSH`, async (t) => {
  const { dir, cleanup } = await tempDir('pushgate-large-ssh-');
  t.teardown(cleanup);
  const servers = await startServers(t, dir);
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const tip = await work.commit('large', { 'large.bin': randomBytes(MEGABYTES * 1024 * 1024) });
  const env = { HOME: servers.home, GIT_SSH_COMMAND: servers.ssh.command };

  for (const client of ['c-git', 'pygit2'] as const) {
    await t.test(client, async (t) => {
      const name = `large-${client}.git`;
      const gitDir = path.join(servers.dataDir, name);
      await initServerRepo(gitDir, 'pushgate');
      const url = `ssh://git@127.0.0.1:${servers.pushgateSshPort}/${name}`;
      const clone = path.join(dir, `clone-${client}`);
      const pygit2 = (op: Record<string, unknown>) =>
        runBounded(SYSTEM_PYTHON, [PYGIT2_DRIVER, JSON.stringify({ ...op, url, sshKey: servers.ssh.key })], {
          env: { HOME: servers.home },
          timeoutMs: LIMIT_MS,
        });

      const push =
        client === 'c-git'
          ? await runBounded('git', ['push', url, 'main:refs/heads/main'], { cwd: work.dir, env, timeoutMs: LIMIT_MS })
          : await pygit2({ op: 'push', work: work.dir, refs: [{ src: 'main', dst: 'refs/heads/main' }] });
      t.notOk(push.timedOut, `the push finished within ${LIMIT_MS} ms`);
      t.equal(push.code, 0, `the push succeeded\n${push.stdout}${push.stderr}`);
      t.same(await refsOf(gitDir), { 'refs/heads/main': tip }, 'the ref arrived');

      const fetch =
        client === 'c-git'
          ? await runBounded('git', ['clone', '--bare', url, clone], { env, timeoutMs: LIMIT_MS })
          : await pygit2({ op: 'clone', dest: clone });
      t.notOk(fetch.timedOut, `the clone finished within ${LIMIT_MS} ms`);
      t.equal(fetch.code, 0, `the clone succeeded\n${fetch.stdout}${fetch.stderr}`);
      t.equal(await gitOk(['-C', clone, 'rev-parse', 'refs/heads/main']), tip, 'the clone has the commit');
      const fsck = await git(['-C', clone, 'fsck', '--strict', '--no-dangling']);
      t.equal(fsck.code, 0, `the clone passes git fsck --strict\n${fsck.stderr}`);
    });
  }
});
