/**
 * Issue 10 item 12: content rules judge the commits an update adds to what
 * the rule covers, wherever their objects came from. Commits staged first on
 * a ref no rule covers (a scratch ref, a tag) are judged when they reach a
 * covered ref, by real git pushes to a real server and by `pushgate check`;
 * history a covered ref already holds is not judged again, and the walk
 * costs the added commits, not the history below them.
 */
import t, { type Test } from 'tap';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { main } from '../src/cli/main.js';
import { adoptRepository } from '../src/db/adoption.js';
import { replaceRules } from '../src/db/rule-store.js';
import { checkUpdates } from '../src/policy/check-updates.js';
import { InMemoryPolicySource } from '../src/policy/policy-source.js';
import { normalizeRule } from '../src/policy/rule-input.js';
import { initRepository } from '../src/repo/init-repository.js';
import { openRepository } from '../src/repo/repository.js';
import { testDatabase } from './db-helpers.js';
import { refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';

const ZERO = '0'.repeat(40);
const { dir, cleanup } = await tempDir();
t.teardown(cleanup);
const dataDir = path.join(dir, 'data');
const policy = new InMemoryPolicySource();
const server = await startTestServer(t, { dataDir, allowAnonymousPush: true, policy });

let counter = 0;
async function scenario(t: Test, rules: unknown[]) {
  const name = `repo${++counter}`;
  const gitDir = path.join(dataDir, `${name}.git`);
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  const work = await WorkRepo.create(path.join(dir, `work${counter}`));
  await work.gitOk(['remote', 'add', 'origin', `${server.url}/${name}.git`]);
  const setRules = (list: unknown[]) =>
    policy.set(
      name,
      list.map((r, i) => normalizeRule(r, `rule ${i + 1}`)),
    );
  setRules(rules);
  t.teardown(() => policy.set(name, []));
  return {
    gitDir,
    work,
    setRules,
    push: (args: string[]) => work.git(['push', '--porcelain', 'origin', ...args]),
    refs: () => refsOf(gitDir),
  };
}

function refLine(stdout: string, ref: string): string {
  return stdout.split('\n').find((l) => l.split('\t')[1]?.endsWith(`:${ref}`)) ?? `(no line for ${ref})`;
}

const MESSAGE_RULE = { pattern: 'refs/heads/**', commitMessagePattern: '^[A-Z]' };

t.test('a commit message rule: commits staged on a scratch ref are judged when they reach a branch', async (t) => {
  const s = await scenario(t, [MESSAGE_RULE]);
  await s.work.commit('First');
  let r = await s.push(['main']);
  t.equal(r.code, 0, r.stderr);
  const mainBefore = (await s.refs())['refs/heads/main'];

  const bad = await s.work.commit('lowercase message');
  await s.work.commit('Fine on top');
  r = await s.push(['HEAD:refs/scratch/tmp']);
  t.equal(r.code, 0, `no rule covers refs/scratch: ${r.stderr}`);

  r = await s.push(['HEAD:main']);
  t.equal(r.code, 1, 'the second push brings no object, and is refused all the same');
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (commit message rejected [rule 1: refs/heads/**])');
  t.match(r.stderr, `${bad.slice(0, 7)} "lowercase message" does not match /^[A-Z]/`);
  t.equal((await s.refs())['refs/heads/main'], mainBefore, 'main did not move');

  r = await s.push(['HEAD:refs/heads/feature']);
  t.match(
    refLine(r.stdout, 'refs/heads/feature'),
    '[remote rejected] (commit message rejected',
    'nor may a new branch take them',
  );

  // The ordinary push still works, and one on top of the scratch commits once they are fixed.
  await s.work.gitOk(['reset', '-q', '--hard', 'HEAD~2']);
  await s.work.commit('Second');
  r = await s.push(['main']);
  t.equal(r.code, 0, r.stderr);
});

t.test('the same through a tag, lightweight or annotated', async (t) => {
  const s = await scenario(t, [MESSAGE_RULE]);
  await s.work.commit('First');
  let r = await s.push(['main']);
  t.equal(r.code, 0, r.stderr);
  const bad = await s.work.commit('no capital');
  r = await s.push(['HEAD:refs/tags/stage']);
  t.equal(r.code, 0, r.stderr);
  r = await s.push(['HEAD:main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (commit message rejected [rule 1: refs/heads/**])');
  t.match(r.stderr, bad.slice(0, 7));

  await s.work.gitOk(['tag', '-a', '-m', 'annotated', 'v1', bad]);
  r = await s.push(['refs/tags/v1']);
  t.equal(r.code, 0, r.stderr);
  r = await s.push([':refs/tags/stage']);
  t.equal(r.code, 0, r.stderr);
  r = await s.push(['v1^{commit}:refs/heads/main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (commit message rejected', 'an annotated tag is no way round');
  t.equal(r.code, 1);
});

t.test('history a covered ref already holds is not judged again', async (t) => {
  const s = await scenario(t, []);
  await s.work.commit('First');
  const legacy = await s.work.commit('old style message');
  let r = await s.push(['main', 'main:refs/heads/legacy']);
  t.equal(r.code, 0, r.stderr);
  s.setRules([MESSAGE_RULE]);
  await s.work.gitOk(['checkout', '-q', '-b', 'topic', `${legacy}~1`]);
  await s.work.commit('Topic work');
  r = await s.push(['topic']);
  t.equal(r.code, 0, `only the new commit is judged: ${r.stderr}`);
  r = await s.push([`${legacy}:refs/heads/copy`]);
  t.equal(r.code, 0, `legacy's commits are on a covered ref already: ${r.stderr}`);
  // A rule on main alone does not count what other branches hold.
  s.setRules([{ pattern: 'refs/heads/release', commitMessagePattern: '^[A-Z]' }]);
  r = await s.push([`${legacy}:refs/heads/release`]);
  t.match(refLine(r.stdout, 'refs/heads/release'), '[remote rejected] (commit message rejected [rule 1: refs/heads/release])');
});

t.test('a maximum blob size: a big file staged elsewhere is refused on main', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', maxBlobSize: '2k' }]);
  await s.work.commit('small', { 'small.txt': 'x'.repeat(100) });
  let r = await s.push(['main']);
  t.equal(r.code, 0, r.stderr);
  const big = await s.work.commit('big', { 'assets/big.bin': Buffer.alloc(5000, 7) });
  for (const staging of ['refs/heads/scratch', 'refs/tags/big']) {
    r = await s.push([`HEAD:${staging}`]);
    t.equal(r.code, 0, `${staging}: ${r.stderr}`);
    r = await s.push(['main']);
    t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (file too large [rule 1: refs/heads/main])', staging);
    t.match(
      r.stderr,
      `commit ${big.slice(0, 7)} adds assets/big.bin (4.9 KiB); refs matching refs/heads/main accept files up to 2 KiB`,
    );
    r = await s.push([`:${staging}`]);
    t.equal(r.code, 0);
  }
});

t.test('linear history and forbidden paths, staged the same way', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', linearHistory: true, forbiddenPaths: ['*.pem'] }]);
  await s.work.commit('base');
  let r = await s.push(['main']);
  t.equal(r.code, 0, r.stderr);
  await s.work.gitOk(['checkout', '-q', '-b', 'side']);
  await s.work.commit('side');
  await s.work.gitOk(['checkout', '-q', 'main']);
  await s.work.commit('main');
  await s.work.gitOk(['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);
  r = await s.push(['main:refs/heads/side-merge']);
  t.equal(r.code, 0, r.stderr);
  r = await s.push(['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (merge commit not allowed');
  await s.work.gitOk(['reset', '-q', '--hard', 'HEAD~1']);
  await s.work.commit('key', { 'deploy/key.pem': 'KEY\n' });
  r = await s.push(['HEAD:refs/scratch/key']);
  t.equal(r.code, 0, r.stderr);
  r = await s.push(['-f', 'main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (forbidden path');
});

t.test('pushgate check counts and judges the commits the update adds to the ref', async (t) => {
  const td = await testDatabase(t);
  const gitDir = path.join(td.dataDir, 'app.git');
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  const db = await td.open();
  await adoptRepository(db, td.dataDir, 'app.git');
  await replaceRules(db, 'app.git', [normalizeRule(MESSAGE_RULE)]);
  await db.close();
  const run = async (args: string[]) => {
    const stdout = new PassThrough();
    const out: Buffer[] = [];
    stdout.on('data', (c: Buffer) => out.push(c));
    const code = await main([...args, '--data', td.dataDir], {
      stdin: Readable.from(['']),
      stdout,
      stderr: new PassThrough(),
      env: td.env,
    });
    process.exitCode = undefined;
    return { code, stdout: Buffer.concat(out).toString() };
  };
  const work = await WorkRepo.create(path.join(dir, 'cli-work'));
  await work.commit('First');
  await work.gitOk(['push', '-q', gitDir, 'main']);
  const bad = await work.commit('lowercase');
  await work.commit('Fine');
  await work.gitOk(['push', '-q', gitDir, 'HEAD:refs/scratch/tmp']);

  let r = await run(['check', 'app', 'refs/heads/main', 'main', 'refs/scratch/tmp']);
  t.equal(r.code, 1, r.stdout);
  t.match(r.stdout, 'refused: refs/heads/main (anonymous): commit message rejected [rule 1: refs/heads/**]');
  t.match(r.stdout, `${bad.slice(0, 7)} "lowercase" does not match`);
  r = await run(['check', 'app', 'refs/heads/x', '0', 'refs/scratch/tmp', '--json']);
  t.match(JSON.parse(r.stdout), { allowed: false, check: 'commitMessagePattern', newCommits: 2 });

  await work.gitOk(['reset', '-q', '--hard', 'HEAD~2']);
  await work.commit('Good one');
  await work.commit('Good two');
  await work.gitOk(['push', '-q', gitDir, 'HEAD:refs/tags/staged']);
  r = await run(['check', 'app', 'refs/heads/main', 'main', 'refs/tags/staged']);
  t.equal(r.code, 0, r.stdout);
  t.match(r.stdout, 'allowed: refs/heads/main (anonymous): 1 rule checked, 2 new commits');
});

t.test('engine: the walk costs the added commits, not the history below them', async (t) => {
  const { dir: wdir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const work = await WorkRepo.create(wdir);
  const oids: string[] = [];
  for (let i = 0; i < 60; i++) oids.push(await work.commit(`C${i}`));
  const repo = await openRepository(path.join(wdir, '.git'));
  t.teardown(() => repo.close());
  const rules = [normalizeRule(MESSAGE_RULE)];
  // main at C49, the last ten staged on a scratch ref: nothing is "new" (all objects are in).
  const refs = [
    { name: 'refs/heads/main', oid: oids[49]! },
    { name: 'refs/scratch/tmp', oid: oids[59]! },
  ];
  const staged = await checkUpdates({
    updates: [{ refName: 'refs/heads/main', oldOid: oids[49]!, newOid: oids[59]! }],
    rules,
    objects: repo.objects,
    isNew: async () => false,
    refs,
  });
  t.same(staged.verdicts, [null]);
  t.ok(staged.stats.commitsRead <= 10 + 1 + 5, `ten added commits, the old tip, a little slop: ${staged.stats.commitsRead}`);

  // A branch created from another covered branch adds nothing.
  const created = await checkUpdates({
    updates: [{ refName: 'refs/heads/topic', oldOid: ZERO, newOid: oids[40]! }],
    rules,
    objects: repo.objects,
    isNew: async () => false,
    refs,
  });
  t.same(created.verdicts, [null]);
  t.ok(
    created.stats.commitsRead <= 9 + 1 + 5 + 1,
    `main's nine commits above C40 and a little slop: ${created.stats.commitsRead}`,
  );

  // With no covered ref at all, everything the tip reaches is added.
  const first = await checkUpdates({
    updates: [{ refName: 'refs/heads/topic', oldOid: ZERO, newOid: oids[59]! }],
    rules: [normalizeRule({ pattern: 'refs/heads/**', commitMessagePattern: '^C5' })],
    objects: repo.objects,
    isNew: async () => false,
    refs: [{ name: 'refs/scratch/tmp', oid: oids[59]! }],
  });
  t.match(first.verdicts[0], { check: 'commitMessagePattern', lines: [/./, /"C49" does not match/, /./] });
});
