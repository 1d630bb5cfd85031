/**
 * Graph queries over a repository: ancestry, new commits and connectivity.
 */
import t from 'tap';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { checkConnectivity, isAncestor, newCommits } from '../src/repo/graph.js';
import { isValidRefName } from '../src/repo/refs/refname.js';
import { git, gitFixture, gitStatus, open } from './helpers/repo.js';

t.test('graph: ancestry and connectivity', async (t) => {
  const { bare, work, commits } = gitFixture(t, { commits: 4 });
  const [c0, c1, , c3] = commits as [string, string, string, string];
  git(work, ['checkout', '-q', '-b', 'side', c1]);
  writeFileSync(path.join(work, 'side.txt'), 'side\n');
  git(work, ['add', 'side.txt']);
  git(work, ['commit', '-q', '-m', 'side']);
  const side = git(work, ['rev-parse', 'HEAD']);
  git(work, ['checkout', '-q', 'main']);
  git(work, ['merge', '-q', '--no-edit', 'side']);
  const merge = git(work, ['rev-parse', 'HEAD']);
  git(work, ['tag', '-a', '-m', 'tag', 'vside', side]);
  const lonely = git(work, ['commit-tree', '-m', 'unrelated', git(work, ['mktree'], '')]);
  git(work, ['push', '-q', bare, 'main', 'side', `${lonely}:refs/heads/lonely`, 'refs/tags/vside']);
  const repo = await open(t, bare);
  const tag = git(bare, ['rev-parse', 'refs/tags/vside']);

  const cases: [string, string][] = [
    [c0, c3],
    [c3, c0],
    [side, merge],
    [c0, merge],
    [merge, side],
    [lonely, merge],
    [c1, c1],
    [tag, merge],
    [c1, tag],
  ];
  for (const [a, b] of cases) {
    const expected = gitStatus(bare, ['merge-base', '--is-ancestor', a, b]).code === 0;
    t.equal(await isAncestor(repo.objects, a, b), expected, `isAncestor ${a.slice(0, 7)} ${b.slice(0, 7)}`);
  }
  const blob = git(bare, ['hash-object', '-w', '--stdin'], 'x\n');
  t.equal(await isAncestor(repo.objects, blob, merge), false, 'a blob is nobody’s ancestor');

  t.same(await checkConnectivity(repo.objects, [merge, lonely, tag], []), [], 'complete repository');
  // Break the repository: remove one blob the merge needs.
  const sideBlob = git(bare, ['rev-parse', `${side}:side.txt`]);
  t.ok(existsSync(path.join(bare, 'objects', sideBlob.slice(0, 2), sideBlob.slice(2))), 'pushed objects are loose');
  rmSync(path.join(bare, 'objects', sideBlob.slice(0, 2), sideBlob.slice(2)));
  const fresh = await open(t, bare);
  t.same(await checkConnectivity(fresh.objects, [merge, lonely, c3], []), [merge], 'only the tip needing the blob is incomplete');
  const mergeTree = git(bare, ['rev-parse', `${merge}^{tree}`]);
  t.same(await checkConnectivity(fresh.objects, [merge], [mergeTree, side]), [], 'stops at haves');
  t.same(await checkConnectivity(fresh.objects, ['1'.repeat(40)], []), ['1'.repeat(40)], 'missing tip');

  // New commits of a push: those not yet in the repository.
  const isNew = async (oid: string) => ![c0, c1].includes(oid);
  t.same(await newCommits(repo.objects, isNew, c3), [c3, commits[2]], 'stops at old commits');
  t.same(await newCommits(repo.objects, async () => false, c3), []);
  t.same(await newCommits(repo.objects, isNew, merge, 2), [merge, c3], 'limit');
  t.ok(isValidRefName('refs/heads/main'));
});
