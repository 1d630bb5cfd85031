/**
 * Pushes over smart HTTP with the real git client: create, update, force and
 * delete (git fsck and clone agree), git's rules and reasons, atomic and
 * non-atomic pushes, namespace rules, SHA-256 repositories and a push from a
 * shallow clone.
 */
import t from 'tap';
import path from 'node:path';
import { initRepository } from '../src/repo/init-repository.js';
import { git, gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { quarantineLeftovers, setup, writeHook } from './helpers/receive-http.js';
import { startTestServer } from './helpers/server.js';

t.test('push, update, force, delete over HTTP; git fsck and clone agree', async (t) => {
  const { gitDir, work, dir } = await setup(t);
  const c1 = await work.commit('first');
  const c2 = await work.commit('second');
  let r = await work.git(['push', '--porcelain', 'origin', 'main']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, `*\trefs/heads/main:refs/heads/main\t[new branch]`);
  t.same(await refsOf(gitDir), { 'refs/heads/main': c2 });

  const c3 = await work.commit('third');
  await work.gitOk(['tag', '-a', 'v1', '-m', 'release one']);
  r = await work.git(['push', '--porcelain', 'origin', 'main', 'v1', 'HEAD:refs/heads/topic']);
  t.equal(r.code, 0, r.stderr);
  const refs = await refsOf(gitDir);
  t.equal(refs['refs/heads/main'], c3);
  t.equal(refs['refs/heads/topic'], c3);
  t.equal(refs['refs/tags/v1'], await work.rev('v1'));

  r = await work.git(['push', '--porcelain', '--force', 'origin', `${c1}:refs/heads/main`]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, `+\t${c1}:refs/heads/main\t`);
  t.equal((await refsOf(gitDir))['refs/heads/main'], c1);

  r = await work.git(['push', '--porcelain', 'origin', ':refs/heads/topic']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, '-\t:refs/heads/topic\t[deleted]');
  t.notOk((await refsOf(gitDir))['refs/heads/topic']);

  const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling']);
  t.equal(fsck.code, 0, fsck.stderr);
  const clone = path.join(dir, 'clone');
  await gitOk(['clone', '-q', '--mirror', gitDir, clone]);
  t.same(await refsOf(clone), await refsOf(gitDir));
  t.same(await quarantineLeftovers(gitDir), []);
});

t.test('git rules and reasons: denyNonFastForwards, denyDeletes, denyDeleteCurrent, funny refs, non-commits', async (t) => {
  const { gitDir, work } = await setup(t, { config: { 'receive.denyNonFastForwards': 'true', 'receive.denyDeletes': 'true' } });
  const c1 = await work.commit('one');
  await work.commit('two');
  await work.gitOk(['push', 'origin', 'main', 'main:refs/heads/side', 'main:refs/other/x']);

  let r = await work.git(['push', '--porcelain', '--force', 'origin', `${c1}:refs/heads/main`]);
  t.equal(r.code, 1);
  t.match(r.stdout, `!\t${c1}:refs/heads/main\t[remote rejected] (non-fast-forward)`);
  t.match(r.stderr, 'remote: error: denying non-fast-forward refs/heads/main (you should pull first)');

  r = await work.git(['push', '--porcelain', '--force', 'origin', `${c1}:refs/other/x`]);
  t.equal(r.code, 0, 'denyNonFastForwards is for refs/heads/* only');

  r = await work.git(['push', '--porcelain', 'origin', ':refs/heads/side']);
  t.match(r.stdout, '[remote rejected] (deletion prohibited)');
  t.match(r.stderr, 'denying ref deletion for refs/heads/side');

  await gitOk(['--git-dir', gitDir, 'config', 'receive.denyDeletes', 'false']);
  r = await work.git(['push', '--porcelain', 'origin', ':refs/heads/main']);
  t.match(r.stdout, '[remote rejected] (deletion of the current branch prohibited)');
  t.match(r.stderr, 'remote: error: By default, deleting the current branch is denied, because the next');
  t.match(r.stderr, 'refusing to delete the current branch: refs/heads/main');

  r = await work.git(['push', '--porcelain', 'origin', 'main:refs/funny']);
  t.match(r.stdout, '[remote rejected] (funny refname)');

  const blob = await work.gitOk(['hash-object', '-w', '--stdin'], undefined);
  r = await work.git(['push', '--porcelain', 'origin', `${blob}:refs/heads/blob`]);
  t.match(r.stdout, '[remote rejected] (failed to update ref)');
  t.match(r.stderr, `trying to write non-commit object ${blob} to branch 'refs/heads/blob'`);
  r = await work.git(['push', '--porcelain', 'origin', `${blob}:refs/other/blob`]);
  t.equal(r.code, 0, 'any object elsewhere');
  t.same(await quarantineLeftovers(gitDir), []);
});

t.test('atomic pushes are all-or-nothing; non-atomic ones per ref', async (t) => {
  const { gitDir, work } = await setup(t, { config: { 'receive.denyNonFastForwards': 'true' } });
  const c1 = await work.commit('one');
  const c2 = await work.commit('two');
  await work.gitOk(['push', 'origin', 'main', 'main:refs/heads/b']);
  await writeHook(gitDir, 'update', 'test "$1" = refs/heads/veto && { echo "no veto branch" >&2; exit 1; }; exit 0');

  let r = await work.git(['push', '--porcelain', '--atomic', 'origin', `${c1}:refs/heads/new`, `main:refs/heads/veto`]);
  t.equal(r.code, 1);
  t.match(r.stdout, 'refs/heads/new\t[remote rejected] (atomic push failure)');
  t.match(r.stdout, 'refs/heads/veto\t[remote rejected] (hook declined)');
  t.match(r.stderr, 'remote: no veto branch');
  t.notOk((await refsOf(gitDir))['refs/heads/new'], 'nothing moved');

  r = await work.git(['push', '--porcelain', 'origin', `${c1}:refs/heads/new`, `main:refs/heads/veto`]);
  t.match(r.stdout, `*\t${c1}:refs/heads/new`);
  t.match(r.stdout, 'refs/heads/veto\t[remote rejected] (hook declined)');
  t.equal((await refsOf(gitDir))['refs/heads/new'], c1);
  t.equal((await refsOf(gitDir))['refs/heads/b'], c2);
});

t.test('namespace rules (pushgate.namespaceRules)', async (t) => {
  const { work } = await setup(t, { config: { 'pushgate.namespaceRules': 'true' } });
  const c1 = await work.commit('one');
  await work.commit('two');
  await work.gitOk(['tag', 'v1', c1]);
  await work.gitOk(['push', 'origin', 'main', 'v1']);
  let r = await work.git(['push', '--porcelain', '--force', 'origin', `${c1}:refs/heads/main`]);
  t.match(r.stdout, /\[remote rejected\] \(non-fast-forward \(namespace rule/);
  r = await work.git(['push', '--porcelain', '--force', 'origin', `main:refs/tags/v1`]);
  t.match(r.stdout, /refs\/tags\/v1\t\[remote rejected\] \(.*namespace rule/);
  r = await work.git(['push', '--porcelain', 'origin', ':refs/tags/v1']);
  t.equal(r.code, 0, 'tags may be deleted');
});

t.test('sha256 repositories', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const gitDir = path.join(dataDir, 'x256.git');
  await initRepository(gitDir, { algo: 'sha256', defaultBranch: 'main' });
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true });
  const work = await WorkRepo.create(path.join(dir, 'w'), { objectFormat: 'sha256' });
  const c1 = await work.commit('one');
  const c2 = await work.commit('two');
  t.equal(c1.length, 64);
  let r = await work.git(['push', '--porcelain', `${server.url}/x256.git`, `${c1}:refs/heads/main`]);
  t.equal(r.code, 0, r.stderr);
  r = await work.git(['push', '--porcelain', `${server.url}/x256.git`, 'main']);
  t.equal(r.code, 0, r.stderr);
  t.same(await refsOf(gitDir), { 'refs/heads/main': c2 });
  const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict']);
  t.equal(fsck.code, 0, fsck.stderr);
  const info = await (await fetch(`${server.url}/x256.git/info/refs?service=git-receive-pack`)).text();
  t.match(info, 'object-format=sha256');
});

t.test('a push from a shallow clone (shallow lines) lands', async (t) => {
  const { gitDir, work, url, dir } = await setup(t);
  await work.commit('one');
  await work.commit('two');
  await work.gitOk(['push', 'origin', 'main']);
  const shallow = path.join(dir, 'shallow');
  await gitOk(['clone', '-q', '--depth', '1', url, shallow]);
  const clone = new WorkRepo(shallow);
  const c3 = await clone.commit('three, from a shallow clone');
  const r = await clone.git(['push', '--porcelain', 'origin', 'main']);
  t.equal(r.code, 0, r.stderr);
  t.equal((await refsOf(gitDir))['refs/heads/main'], c3);
  const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict']);
  t.equal(fsck.code, 0, fsck.stderr);
});
