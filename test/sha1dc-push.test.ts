/**
 * A push whose object the SHA-1 hasher reports as a collision is refused as
 * git refuses it, over stdio, smart HTTP and SSH with the real git client,
 * and leaves nothing behind. Real collisions cannot be made at test time (and
 * the SHAttered PDF is none once it is a blob), so the hasher is told which id
 * to report through its test hook, PUSHGATE_TEST_SHA1_COLLISION: it reaches
 * the in-process HTTP and SSH servers and the stdio child alike.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';

const CONTENT = 'a blob the hasher reports as one half of a collision\n';
const VICTIM = createHash('sha1')
  .update(`blob ${Buffer.byteLength(CONTENT)}\0${CONTENT}`)
  .digest('hex');
// Set before the server's modules hash anything (the hook is read at the first digest).
process.env.PUSHGATE_TEST_SHA1_COLLISION = VICTIM;
const { ourEndpoint, startServers } = await import('./clients/servers.js');
const { runBounded, CLIENT_TIMEOUT_MS } = await import('./clients/run.js');

/** Every file under objects/: a refused push must not add one. */
async function objectFiles(gitDir: string): Promise<string[]> {
  const entries = await readdir(path.join(gitDir, 'objects'), { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath ?? e.path, e.name))
    .sort();
}

t.test('a reported collision fails the push over every transport, as git words it', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const servers = await startServers(t, dir);
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('innocent', { 'a.txt': 'fine\n' });
  const c2 = await work.commit('the colliding blob', { 'evil.bin': CONTENT });
  t.equal(await gitOk(['-C', work.dir, 'rev-parse', 'HEAD:evil.bin']), VICTIM);

  for (const transport of ['stdio', 'http', 'ssh'] as const) {
    await t.test(transport, async (t) => {
      const name = `${transport}.git`;
      const gitDir = path.join(servers.dataDir, name);
      await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
      await gitOk(['--git-dir', gitDir, 'config', 'http.receivepack', 'true']);
      // index-pack, as git uses for any pack at or above the limit; below it the status names unpack-objects.
      await gitOk(['--git-dir', gitDir, 'config', 'receive.unpackLimit', '1']);
      const ep = ourEndpoint(transport, servers, gitDir, name);
      const push = (ref: string) =>
        runBounded('git', ['push', ...(ep.receivePack ? [`--receive-pack=${ep.receivePack}`] : []), ep.url, ref], {
          cwd: work.dir,
          // The stdio child gets the hook through the client's environment.
          env: {
            HOME: servers.home,
            PUSHGATE_TEST_SHA1_COLLISION: VICTIM,
            ...(ep.ssh ? { GIT_SSH_COMMAND: ep.ssh.command } : {}),
          },
          timeoutMs: CLIENT_TIMEOUT_MS,
        });

      const first = await push(`${c1}:refs/heads/main`);
      t.equal(first.code, 0, first.stderr);
      const before = await objectFiles(gitDir);

      const refused = await push('HEAD:refs/heads/main');
      t.not(refused.code, 0);
      t.match(refused.stderr, `remote: fatal: SHA-1 appears to be part of a collision attack: ${VICTIM}`);
      t.match(refused.stderr, 'error: remote unpack failed: index-pack abnormal exit');
      t.match(refused.stderr, /! \[remote rejected\] HEAD -> main \(unpacker error\)/);
      t.same(await refsOf(gitDir), { 'refs/heads/main': c1 }, 'the ref did not move');
      t.same(await objectFiles(gitDir), before, 'no pack, no quarantine, nothing new under objects/');

      // The documented opt-out: a trusted import hashes without detection (and without the hook).
      await gitOk(['--git-dir', gitDir, 'config', 'pushgate.sha1CollisionDetection', 'false']);
      const trusted = await push('HEAD:refs/heads/main');
      t.equal(trusted.code, 0, trusted.stderr);
      t.same(await refsOf(gitDir), { 'refs/heads/main': c2 });
      await gitOk(['--git-dir', gitDir, 'fsck', '--strict']);
    });
  }
});
