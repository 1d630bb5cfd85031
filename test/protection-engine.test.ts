/**
 * The branch-protection engine (issue 4) with no server or database: its
 * fast-forward answers and changed files agree with git, only new commits
 * are walked, and an in-memory policy source serves rules.
 */
import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { checkUpdates } from '../src/policy/check-updates.js';
import { isFastForward } from '../src/policy/fast-forward.js';
import { HistoryReader } from '../src/policy/history-reader.js';
import { InMemoryPolicySource } from '../src/policy/policy-source.js';
import { normalizeRule } from '../src/policy/rule-input.js';
import { changedFiles } from '../src/policy/tree-changes.js';
import { openRepository } from '../src/repo/repository.js';
import { tempDir, WorkRepo } from './helpers/git.js';
import { ZERO } from './helpers/protection.js';

t.test('engine: fast-forward answers agree with git merge-base --is-ancestor', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const work = await WorkRepo.create(dir);
  const commits: string[] = [await work.commit('root')];
  // A history with branches and merges.
  for (let i = 0; i < 6; i++) {
    await work.gitOk(['checkout', '-q', '-b', `b${i}`, commits[Math.floor(commits.length / 2)]!]);
    commits.push(await work.commit(`b${i} one`), await work.commit(`b${i} two`));
    await work.gitOk(['checkout', '-q', 'main']);
    commits.push(await work.commit(`main ${i}`));
    await work.gitOk(['merge', '-q', '--no-ff', '-m', `merge b${i}`, `b${i}`]);
    commits.push(await work.rev('HEAD'));
  }
  const repo = await openRepository(path.join(dir, '.git'));
  t.teardown(() => repo.close());
  const history = new HistoryReader(repo.objects);
  let checked = 0;
  for (const a of commits) {
    for (const b of commits) {
      const git = (await work.git(['merge-base', '--is-ancestor', a, b])).code === 0;
      if ((await isFastForward(history, a, b)) !== git) t.fail(`${a.slice(0, 7)} -> ${b.slice(0, 7)}: expected ${git}`);
      checked++;
    }
  }
  t.pass(`${checked} pairs agree`);
});

t.test('engine: changed files agree with git diff-tree (combined for merges)', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const work = await WorkRepo.create(dir);
  await work.commit('root', { 'a/b/c.txt': '1', 'a/d.txt': '1', 'e.txt': '1' });
  await work.commit('modify deep', { 'a/b/c.txt': '2', 'a/b/new.txt': 'n' });
  await work.gitOk(['rm', '-q', 'e.txt']);
  await work.commit('delete and add', { 'f/g.txt': 'g' });
  await work.gitOk(['checkout', '-q', '-b', 'side', 'HEAD~1']);
  await work.commit('side', { 'side.txt': 's', 'a/d.txt': 'side' });
  await work.gitOk(['checkout', '-q', 'main']);
  await work.commit('main', { 'main.txt': 'm' });
  await work.gitOk(['merge', '-q', '--no-ff', '-m', 'merge', 'side']);
  await work.gitOk(['checkout', '-q', '-b', 'evil', 'HEAD~1']);
  await work.gitOk(['merge', '-q', '--no-ff', '--no-commit', 'side']);
  await writeFile(path.join(dir, 'evil.txt'), 'only in the merge');
  await writeFile(path.join(dir, 'main.txt'), 'changed in the merge');
  await work.gitOk(['add', '-A']);
  await work.gitOk(['commit', '-q', '-m', 'evil merge']);

  const repo = await openRepository(path.join(dir, '.git'));
  t.teardown(() => repo.close());
  const history = new HistoryReader(repo.objects);
  const all = (await work.gitOk(['rev-list', '--all'])).split('\n');
  for (const oid of all) {
    const commit = (await history.commit(oid))!;
    const parents = await Promise.all(commit.parents.map(async (p) => (await history.commit(p))!.tree));
    const ours = (await changedFiles(history, commit.tree, parents)).map((f) => f.path).sort();
    const args =
      commit.parents.length > 1
        ? ['diff-tree', '-r', '-c', '--no-commit-id', '--name-only', '--diff-filter=AMT', oid]
        : ['diff-tree', '-r', '--root', '--no-commit-id', '--name-only', '--diff-filter=AMT', oid];
    const theirs = (await work.gitOk(args)).split('\n').filter(Boolean).sort();
    t.same(ours, theirs, `${commit.message.trim()}: ${ours.join(', ')}`);
  }
});

t.test('engine: only new commits are walked; an in-memory source needs no database', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const work = await WorkRepo.create(dir);
  const oids: string[] = [];
  for (let i = 0; i < 30; i++) oids.push(await work.commit(`c${i}`));
  const repo = await openRepository(path.join(dir, '.git'));
  t.teardown(() => repo.close());
  const source = new InMemoryPolicySource({
    'app.git': [
      normalizeRule({ pattern: 'refs/heads/**', commitMessagePattern: '^c', linearHistory: true, blockForcePush: true }),
    ],
  });
  const rules = await source.rulesFor('app');
  t.equal(rules.length, 1, 'app and app.git name the same repository');
  const existing = new Set(oids.slice(0, 25));
  const { verdicts, stats } = await checkUpdates({
    updates: [{ refName: 'refs/heads/main', oldOid: oids[24]!, newOid: oids[29]! }],
    rules,
    objects: repo.objects,
    isNew: async (oid) => !existing.has(oid),
  });
  t.same(verdicts, [null]);
  t.equal(stats.commitsRead, 6, 'the five new commits, and the old tip for the fast-forward check');
  const none = await checkUpdates({
    updates: [{ refName: 'refs/heads/main', oldOid: ZERO, newOid: oids[29]! }],
    rules: [],
    objects: repo.objects,
    isNew: async () => true,
  });
  t.same(none, { verdicts: [null], stats: { commitsRead: 0, treesRead: 0 } }, 'no rules, nothing read');
  // Sizes the indexer already knows are used instead of reading the blobs.
  const sized = await checkUpdates({
    updates: [{ refName: 'refs/heads/main', oldOid: oids[24]!, newOid: oids[29]! }],
    rules: [normalizeRule({ pattern: 'refs/heads/main', maxBlobSize: 1000 })],
    objects: repo.objects,
    isNew: async (oid) => !existing.has(oid),
    knownSize: () => 1_000_000,
  });
  t.match(sized.verdicts[0], {
    check: 'maxBlobSize',
    lines: [/./, /adds file-\d+\.txt \(976\.6 KiB\); refs matching refs\/heads\/main accept files up to 1000 bytes/, /./],
  });
});
