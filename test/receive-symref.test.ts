import t, { type Test } from 'tap';
import path from 'node:path';
import { InMemoryPolicySource } from '../src/index.js';
import { initRepository } from '../src/repo/init-repository.js';
import { gitOk, PUSHGATE_RECEIVE_PACK, porcelainRefLines, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';

/**
 * Pushing to a symref writes its target, as stock git does; every rule,
 * setting and hidden-ref check guards both names, so a symref is no way
 * around branch protection.
 */
async function setup(t: Test, config: Record<string, string> = {}) {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const gitDir = path.join(dataDir, 'demo.git');
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  for (const [key, value] of Object.entries(config)) await gitOk(['--git-dir', gitDir, 'config', key, value]);
  const policy = new InMemoryPolicySource({
    demo: [{ pattern: 'refs/heads/main', blockForcePush: { allow: [] }, blockDeletion: { allow: [] } }],
  });
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true, policy });
  const work = await WorkRepo.create(path.join(dir, 'work'));
  await work.gitOk(['remote', 'add', 'origin', `${server.url}/demo.git`]);
  const first = await work.commit('first');
  const second = await work.commit('second');
  await work.gitOk(['push', '-q', 'origin', 'main']);
  await gitOk(['--git-dir', gitDir, 'symbolic-ref', 'refs/heads/alias', 'refs/heads/main']);
  return { dir, gitDir, work, first, second };
}

t.test('a protected branch cannot be forced or deleted through a symref', async (t) => {
  const s = await setup(t);
  let r = await s.work.git(['push', '--porcelain', '-f', 'origin', `${s.first}:refs/heads/alias`]);
  t.not(r.code, 0);
  t.match(r.stdout, /!\t\S+:refs\/heads\/alias\t\[remote rejected\] \(force push not allowed \[rule 1: refs\/heads\/main\]\)/);
  r = await s.work.git(['push', '--porcelain', 'origin', ':refs/heads/alias']);
  t.not(r.code, 0);
  t.match(r.stdout, /\(deletion not allowed \[rule 1: refs\/heads\/main\]\)/);
  t.equal((await refsOf(s.gitDir))['refs/heads/main'], s.second, 'main did not move');
  t.equal(
    await gitOk(['--git-dir', s.gitDir, 'symbolic-ref', 'refs/heads/alias']),
    'refs/heads/main',
    'the symref is still there',
  );

  // What the rules allow goes through the symref to its target, as in stock git.
  const third = await s.work.commit('third');
  r = await s.work.git(['push', '--porcelain', 'origin', `${third}:refs/heads/alias`]);
  t.equal(r.code, 0, r.stderr);
  t.equal((await refsOf(s.gitDir))['refs/heads/main'], third, 'a fast-forward through the symref moved main');
});

t.test('hidden refs and deny settings apply to the ref a symref points at', async (t) => {
  const s = await setup(t, { 'receive.hideRefs': 'refs/heads/secret', 'receive.denyNonFastForwards': 'true' });
  await gitOk(['--git-dir', s.gitDir, 'update-ref', 'refs/heads/secret', s.second]);
  await gitOk(['--git-dir', s.gitDir, 'symbolic-ref', 'refs/heads/door', 'refs/heads/secret']);
  await gitOk(['--git-dir', s.gitDir, 'update-ref', 'refs/heads/free', s.second]);
  await gitOk(['--git-dir', s.gitDir, 'symbolic-ref', 'refs/heads/free-alias', 'refs/heads/free']);
  const third = await s.work.commit('third');
  let r = await s.work.git(['push', '--porcelain', 'origin', `${third}:refs/heads/door`]);
  t.match(r.stdout, /\[remote rejected\] \(deny updating a hidden ref\)/);
  r = await s.work.git(['push', '--porcelain', '-f', 'origin', `${s.first}:refs/heads/free-alias`]);
  t.match(r.stdout, /\[remote rejected\] \(non-fast-forward\)/);
  const refs = await refsOf(s.gitDir);
  t.equal(refs['refs/heads/secret'], s.second);
  t.equal(refs['refs/heads/free'], s.second);
});

t.test(
  'a symref and its target in one push: consistent updates both succeed, inconsistent ones both fail, as in git',
  async (t) => {
    const { dir, cleanup } = await tempDir();
    t.teardown(cleanup);
    const work = await WorkRepo.create(path.join(dir, 'work'));
    const first = await work.commit('first');
    const second = await work.commit('second');
    const third = await work.commit('third');
    const outcomes: Record<string, { code: number; lines: string[]; refs: Record<string, string> }[]> = {};
    for (const label of ['git', 'pushgate']) {
      const gitDir = path.join(dir, `${label}.git`);
      await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
      await work.gitOk(['push', '-q', gitDir, `${first}:refs/heads/main`, `${first}:refs/heads/other`]);
      await gitOk(['--git-dir', gitDir, 'symbolic-ref', 'refs/heads/alias', 'refs/heads/main']);
      await gitOk(['--git-dir', gitDir, 'symbolic-ref', 'refs/heads/other-alias', 'refs/heads/other']);
      const receivePack = label === 'git' ? 'git-receive-pack' : PUSHGATE_RECEIVE_PACK;
      const results = [];
      for (const specs of [
        [`${second}:refs/heads/main`, `${second}:refs/heads/alias`],
        [`${second}:refs/heads/other`, `${third}:refs/heads/other-alias`],
      ]) {
        const r = await work.git(['push', '--porcelain', `--receive-pack=${receivePack}`, gitDir, ...specs]);
        results.push({ code: r.code, lines: porcelainRefLines(r.stdout), refs: await refsOf(gitDir) });
      }
      outcomes[label] = results;
    }
    t.same(outcomes.pushgate, outcomes.git, 'same porcelain, exit status and refs as stock git');
    t.match(outcomes.pushgate![1]!.lines.join('\n'), /inconsistent aliased update/);
  },
);
