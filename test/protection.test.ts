/**
 * Branch protection (issue 4): every rule allowed and refused with the real
 * git client pushing over HTTP to an in-process server with accounts, rule
 * order and pattern precedence, mixed and atomic pushes, the policy file
 * round trip, the CLI, the admin API, and the in-process hook API.
 */
import t, { type Test } from 'tap';
import Fastify from 'fastify';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createAccessControl } from '../src/auth/access-control.js';
import { addGroup, addGroupMember } from '../src/auth/groups.js';
import { grantAccess } from '../src/auth/permissions.js';
import { createToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { main } from '../src/cli/main.js';
import { adoptRepository } from '../src/db/adoption.js';
import { updateRepository } from '../src/db/repositories.js';
import { checkUpdates } from '../src/policy/check-updates.js';
import { isFastForward } from '../src/policy/fast-forward.js';
import { HistoryReader } from '../src/policy/history-reader.js';
import { pathPatternMatches } from '../src/policy/path-pattern.js';
import { InMemoryPolicySource, type PolicySource } from '../src/policy/policy-source.js';
import { parsePolicy, formatPolicy } from '../src/policy/policy-file.js';
import { diffRules, describeChanges } from '../src/policy/policy-diff.js';
import type { ProtectionRule } from '../src/protection-rule.js';
import { refPatternMatches } from '../src/policy/ref-pattern.js';
import { normalizeRule } from '../src/policy/rule-input.js';
import { PgPolicySource, listRules, replaceRules } from '../src/db/rule-store.js';
import { changedFiles } from '../src/policy/tree-changes.js';
import type { ReceiveCommand } from '../src/receive/command.js';
import type { HookContext, ReceiveHooks } from '../src/receive/types.js';
import { initRepository } from '../src/repo/init-repository.js';
import { openRepository } from '../src/repo/repository.js';
import { adminPolicyApi } from '../src/admin/index.js';
import { backendName, testDatabase } from './db-helpers.js';
import { gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';

const ZERO = '0'.repeat(40);
const USERS = ['alice', 'bob', 'carol', 'root'] as const;
type User = (typeof USERS)[number] | 'anonymous';

t.comment(`database backend: ${backendName}`);

// One database, server and set of accounts for the file; a repository per test.
const td = await testDatabase(t);
const db = await td.open();
const { dir: scratch, cleanup } = await tempDir();
t.teardown(cleanup);

const secrets = {} as Record<(typeof USERS)[number], string>;
for (const username of USERS) {
  await addUser(db, { username, admin: username === 'root' });
  secrets[username] = (await createToken(db, { username, name: 'git' })).secret;
}
await addGroup(db, 'leads');
await addGroupMember(db, 'leads', 'alice');
await addGroup(db, 'devs');
for (const username of ['alice', 'bob', 'carol']) await addGroupMember(db, 'devs', username);
await grantAccess(db, '@devs', '**', 'write');

const policy: PolicySource = new PgPolicySource(db);
/** In-process hooks of the current test (the server's hooks delegate to them). */
let currentHooks: ReceiveHooks = {};
const hooks: ReceiveHooks = {
  preReceive: (ctx, commands) => currentHooks.preReceive?.(ctx, commands),
  update: (ctx, command) => currentHooks.update?.(ctx, command),
  postReceive: (ctx, commands) => currentHooks.postReceive?.(ctx, commands),
};
const access = createAccessControl({ db, dataDir: td.dataDir });
const server = await startTestServer(t, {
  dataDir: td.dataDir,
  access,
  hooks,
  policy,
});

interface Scenario {
  name: string;
  gitDir: string;
  work: WorkRepo;
  /** git push --porcelain as a user (remote named after the user). */
  push(user: User, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  refs(): Promise<Record<string, string>>;
  setRules(rules: unknown[]): Promise<ProtectionRule[]>;
}

let counter = 0;
async function scenario(t: Test, rules: unknown[] = []): Promise<Scenario> {
  const name = `repo${++counter}.git`;
  const gitDir = path.join(td.dataDir, name);
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  await adoptRepository(db, td.dataDir, name);
  const work = await WorkRepo.create(path.join(scratch, `work${counter}`));
  const base = new URL(server.url);
  for (const user of [...USERS, 'anonymous'] as User[]) {
    const url = new URL(`/${name}`, base);
    if (user !== 'anonymous') {
      url.username = user;
      url.password = secrets[user];
    }
    await work.gitOk(['remote', 'add', user, url.toString()]);
  }
  const setRules = (list: unknown[]) =>
    replaceRules(
      db,
      name,
      list.map((r, i) => normalizeRule(r, `rule ${i + 1}`)),
    );
  await setRules(rules);
  t.teardown(() => {
    currentHooks = {};
  });
  return {
    name,
    gitDir,
    work,
    push: (user, args) => work.git(['push', '--porcelain', user, ...args]),
    refs: () => refsOf(gitDir),
    setRules,
  };
}

/** The porcelain line of one ref: `!\trefs/heads/x:refs/heads/x\t[remote rejected] (reason)`. */
function refLine(stdout: string, ref: string): string {
  return stdout.split('\n').find((l) => l.split('\t')[1]?.endsWith(`:${ref}`)) ?? `(no line for ${ref})`;
}

/** Runs `pushgate <args>` in-process, as the binary would. */
async function cli(
  env: NodeJS.ProcessEnv,
  args: string[],
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(args, { stdin: Readable.from([stdin]), stdout, stderr, env });
  process.exitCode = undefined;
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/**
 * For the CLI: a database of its own, closed between calls (the embedded
 * database has one owner at a time), with alice (in @leads) and bob, and a
 * repository `app.git` pushed to with plain git.
 */
async function cliWorld(t: Test, rules: unknown[] = []) {
  const own = await testDatabase(t);
  const withDb = async <T>(fn: (d: typeof db) => Promise<T>): Promise<T> => {
    const d = await own.open();
    try {
      return await fn(d);
    } finally {
      await d.close();
    }
  };
  const gitDir = path.join(own.dataDir, 'app.git');
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  await withDb(async (d) => {
    for (const username of ['alice', 'bob']) await addUser(d, { username });
    await addGroup(d, 'leads');
    await addGroupMember(d, 'leads', 'alice');
    await adoptRepository(d, own.dataDir, 'app.git');
    await replaceRules(
      d,
      'app.git',
      rules.map((r, i) => normalizeRule(r, `rule ${i + 1}`)),
    );
  });
  const work = await WorkRepo.create(path.join(scratch, `cli-work${++counter}`));
  const run = (args: string[], stdin = '') => cli(own.env, [...args, '--data', own.dataDir], stdin);
  return { dataDir: own.dataDir, gitDir, work, withDb, run };
}

t.test('block force pushes: refused for bob, allowed for a listed group; fast-forwards pass', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', blockForcePush: { allow: ['@leads'] } }]);
  const c1 = await s.work.commit('one');
  await s.work.commit('two');
  let r = await s.push('bob', ['main']);
  t.equal(r.code, 0, r.stderr);

  await s.work.gitOk(['reset', '-q', '--hard', c1]);
  const rewritten = await s.work.commit('rewritten');
  r = await s.push('bob', ['--force', 'main']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (force push not allowed [rule 1: refs/heads/main])');
  t.match(r.stderr, 'remote: error: refs/heads/main: refused by policy rule 1 (refs/heads/main): block force pushes');
  t.match(
    r.stderr,
    /remote: error: [0-9a-f]{7} does not contain [0-9a-f]{7}, the current refs\/heads\/main; refs matching refs\/heads\/main only fast-forward \(except for @leads\)/,
  );
  t.match(
    r.stderr,
    'remote: error: to do instead: fetch, merge or rebase onto refs/heads/main (git pull --rebase), and push again without --force',
  );
  t.not((await s.refs())['refs/heads/main'], rewritten, 'bob did not move main');

  r = await s.push('alice', ['--force', 'main']);
  t.equal(r.code, 0, `alice is in @leads: ${r.stderr}`);
  t.equal((await s.refs())['refs/heads/main'], rewritten);

  const three = await s.work.commit('three');
  r = await s.push('bob', ['main']);
  t.equal(r.code, 0, `a fast-forward needs no exemption: ${r.stderr}`);
  t.equal((await s.refs())['refs/heads/main'], three);
});

t.test('block deletion and creation, with allow lists', async (t) => {
  const s = await scenario(t, [
    {
      pattern: 'refs/heads/release/*',
      blockCreation: { allow: ['alice'] },
      blockDeletion: { allow: ['@leads'] },
      description: 'release branches',
    },
  ]);
  await s.work.commit('one');
  let r = await s.push('bob', ['main', 'main:refs/heads/release/1.0']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/main'), /^\*\t/, 'main is created: no rule matches it');
  t.match(refLine(r.stdout, 'refs/heads/release/1.0'), '[remote rejected] (creation not allowed [rule 1: refs/heads/release/*])');
  t.match(r.stderr, 'refused by policy rule 1 (refs/heads/release/*, "release branches"): block creation');
  t.match(r.stderr, 'refs matching refs/heads/release/* may be created only by alice');
  t.match(r.stderr, 'to do instead: ask alice to create it, or push to an existing ref or another name instead');

  r = await s.push('alice', ['main:refs/heads/release/1.0']);
  t.equal(r.code, 0, r.stderr);
  r = await s.push('bob', [':refs/heads/release/1.0']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/release/1.0'), '[remote rejected] (deletion not allowed [rule 1: refs/heads/release/*])');
  t.ok((await s.refs())['refs/heads/release/1.0'], 'still there');
  r = await s.push('alice', [':refs/heads/release/1.0']);
  t.equal(r.code, 0, r.stderr);
  t.notOk((await s.refs())['refs/heads/release/1.0']);
});

t.test('restrict who may push: users and groups; anonymous pushers are told to authenticate', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', restrictPush: ['carol', '@leads'] }]);
  await s.work.commit('one');
  let r = await s.push('bob', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (push not allowed [rule 1: refs/heads/main])');
  t.match(r.stderr, 'only carol, @leads may push to refs matching refs/heads/main, not bob');
  t.match(r.stderr, 'to do instead: push to a branch of your own and ask one of them to merge it');
  r = await s.push('bob', ['main:refs/heads/bob/topic']);
  t.equal(r.code, 0, 'other branches are open to bob');
  r = await s.push('carol', ['main']);
  t.equal(r.code, 0, r.stderr);
  await s.work.commit('two');
  r = await s.push('alice', ['main']);
  t.equal(r.code, 0, `alice via @leads: ${r.stderr}`);

  // On a repository open to anonymous pushes git sends no credentials (none are asked for).
  await updateRepository(db, s.name, { anonymousPush: true });
  await s.work.commit('three');
  r = await s.push('anonymous', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (push not allowed');
  t.match(r.stderr, 'not an anonymous push');
  t.match(r.stderr, 'authenticate (a username and token over HTTP, or an SSH key)');
});

t.test('immutable tags: created once, never moved or deleted except by the allowed', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/tags/v*', immutable: { allow: ['root'] } }]);
  await s.work.commit('one');
  await s.work.gitOk(['tag', '-a', 'v1', '-m', 'version 1']);
  let r = await s.push('bob', ['main', 'v1']);
  t.equal(r.code, 0, r.stderr);
  const v1 = (await s.refs())['refs/tags/v1'];

  await s.work.commit('two');
  await s.work.gitOk(['tag', '-f', '-a', 'v1', '-m', 'version 1 again']);
  r = await s.push('bob', ['--force', 'v1']);
  t.match(refLine(r.stdout, 'refs/tags/v1'), '[remote rejected] (tag cannot be moved [rule 1: refs/tags/v*])');
  t.match(
    r.stderr,
    /refs\/tags\/v1 already points at [0-9a-f]{7}, and refs matching refs\/tags\/v\* never change once created \(except by root\)/,
  );
  t.match(r.stderr, 'to do instead: push under a new name instead (e.g. the next version tag)');
  r = await s.push('alice', [':refs/tags/v1']);
  t.match(refLine(r.stdout, 'refs/tags/v1'), '[remote rejected] (tag cannot be deleted [rule 1: refs/tags/v*])');
  t.equal((await s.refs())['refs/tags/v1'], v1, 'the tag has not changed');

  r = await s.push('bob', ['--force', 'v1:refs/tags/x-v1']);
  t.equal(r.code, 0, 'refs/tags/v* does not match refs/tags/x-v1');
  r = await s.push('root', ['--force', 'v1']);
  t.equal(r.code, 0, `root may move it: ${r.stderr}`);
  r = await s.push('root', [':refs/tags/v1']);
  t.equal(r.code, 0, r.stderr);
});

t.test('require linear history: a merge commit among the new commits is refused', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', linearHistory: true }]);
  await s.work.commit('base');
  await s.push('bob', ['main']);
  await s.work.gitOk(['checkout', '-q', '-b', 'side']);
  await s.work.commit('on side');
  await s.work.gitOk(['checkout', '-q', 'main']);
  await s.work.commit('on main');
  await s.work.gitOk(['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);
  const merge = await s.work.rev('HEAD');
  let r = await s.push('bob', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (merge commit not allowed [rule 1: refs/heads/main])');
  t.match(r.stderr, `${merge.slice(0, 7)} "merge side" is a merge commit; refs matching refs/heads/main keep a linear history`);
  t.match(r.stderr, 'to do instead: rebase onto refs/heads/main instead of merging');
  r = await s.push('bob', ['main:refs/heads/feature']);
  t.equal(r.code, 0, 'the rule covers main only');

  await s.work.gitOk(['reset', '-q', '--hard', 'HEAD~1']);
  await s.work.gitOk(['rebase', '-q', 'side']);
  r = await s.push('bob', ['main']);
  t.equal(r.code, 0, `rebased: ${r.stderr}`);
});

t.test('maximum blob size counts the files the added commits bring', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', maxBlobSize: '2k' }]);
  await s.work.commit('small', { 'small.txt': 'x'.repeat(100) });
  let r = await s.push('bob', ['main']);
  t.equal(r.code, 0, r.stderr);
  const big = await s.work.commit('big', { 'assets/big.bin': Buffer.alloc(5000, 7) });
  r = await s.push('bob', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (file too large [rule 1: refs/heads/main])');
  t.match(
    r.stderr,
    `commit ${big.slice(0, 7)} adds assets/big.bin (4.9 KiB); refs matching refs/heads/main accept files up to 2 KiB`,
  );
  t.match(r.stderr, 'Git LFS');

  // Pushed first where no rule applies, the blob is still judged when main takes the commit (issue 10 item 12).
  r = await s.push('bob', ['main:refs/heads/scratch']);
  t.equal(r.code, 0, r.stderr);
  r = await s.push('bob', ['main']);
  t.match(
    refLine(r.stdout, 'refs/heads/main'),
    '[remote rejected] (file too large',
    `nothing arrives, still refused: ${r.stderr}`,
  );
});

t.test('forbidden paths among the new commits; deleting such a file is allowed', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/**', forbiddenPaths: ['*.pem', 'secrets/**', '/build'] }]);
  await s.work.commit('docs', { 'docs/readme.md': 'hello\n', 'src/builder.ts': 'x\n' });
  let r = await s.push('bob', ['main']);
  t.equal(r.code, 0, r.stderr);
  const bad = await s.work.commit('add key', { 'config/deploy/key.pem': 'KEY\n' });
  await s.work.commit('later', { 'docs/later.md': 'later\n' });
  r = await s.push('bob', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (forbidden path [rule 1: refs/heads/**])');
  t.match(r.stderr, `commit ${bad.slice(0, 7)} adds or changes config/deploy/key.pem, which matches the forbidden path *.pem`);
  // Take the key out again in a new commit: the history still has it, so still refused.
  await s.work.gitOk(['rm', '-q', 'config/deploy/key.pem']);
  await s.work.gitOk(['commit', '-q', '-m', 'remove key']);
  r = await s.push('bob', ['main:refs/heads/topic']);
  t.match(refLine(r.stdout, 'refs/heads/topic'), '[remote rejected] (forbidden path');
  await s.work.gitOk(['reset', '-q', '--hard', 'HEAD~3']);
  await s.work.commit('build output', { 'build/out.js': '1\n' });
  r = await s.push('bob', ['main']);
  t.match(r.stderr, 'adds or changes build/out.js, which matches the forbidden path /build');
  await s.work.gitOk(['reset', '-q', '--hard', 'HEAD~1']);
  await s.work.commit('nested build dir', { 'src/build/out.js': '1\n', 'src/secrets.md': 'not a folder called secrets\n' });
  r = await s.push('bob', ['main']);
  t.equal(r.code, 0, `/build is anchored, secrets/** needs the folder: ${r.stderr}`);
});

t.test('commit message pattern: every new commit, not just the tip', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', commitMessagePattern: '^(feat|fix|docs)(\\(.+\\))?: ' }]);
  await s.work.commit('feat: one');
  let r = await s.push('bob', ['main']);
  t.equal(r.code, 0, r.stderr);
  await s.work.commit('fix(core): two');
  const bad = await s.work.commit('wip');
  await s.work.commit('docs: four');
  r = await s.push('bob', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (commit message rejected [rule 1: refs/heads/main])');
  t.match(r.stderr, `${bad.slice(0, 7)} "wip" does not match /^(feat|fix|docs)(\\(.+\\))?: /`);
  t.match(r.stderr, 'to do instead: reword the message');
  await s.work.gitOk(['rebase', '-q', '--exec', 'true', 'HEAD~3']); // keeps the bad one: still refused
  r = await s.push('bob', ['main']);
  t.not(r.code, 0);
  await s.work.gitOk(['reset', '-q', '--hard', 'HEAD~2']);
  await s.work.gitOk(['commit', '-q', '--amend', '-m', 'fix: three']);
  r = await s.push('bob', ['main']);
  t.equal(r.code, 0, r.stderr);
});

t.test('namespace rules as a rule kind, and the repository switch still works', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/tags/**', namespaceRules: true }]);
  const c1 = await s.work.commit('one');
  await s.work.commit('two');
  let r = await s.push('bob', ['main', `${c1}:refs/tags/t1`]);
  t.equal(r.code, 0, r.stderr);
  r = await s.push('bob', ['--force', 'main:refs/tags/t1']);
  t.match(
    refLine(r.stdout, 'refs/tags/t1'),
    '[remote rejected] (tag already exists (namespace rule: refs/tags/* are never moved) [rule 1: refs/tags/**])',
  );
  t.match(r.stderr, 'refused by policy rule 1 (refs/tags/**): namespace rules');
  r = await s.push('bob', ['--force', `${c1}:refs/heads/main`]);
  t.equal(r.code, 0, 'branches are not covered by this rule');

  await gitOk(['--git-dir', s.gitDir, 'config', 'pushgate.namespaceRules', 'true']);
  await s.work.commit('three');
  await s.push('bob', ['main']);
  r = await s.push('bob', ['--force', `${c1}:refs/heads/main`]);
  t.match(refLine(r.stdout, 'refs/heads/main'), 'non-fast-forward (namespace rule: refs/heads/* only fast-forwards)');
  t.match(r.stderr, "refused by namespace rule 'branch-fast-forward' (pushgate.namespaceRules)");
});

t.test('precedence: all matching rules apply, ref checks before content checks, then rule order', async (t) => {
  const s = await scenario(t, [
    { pattern: 'refs/heads/**', commitMessagePattern: '^ok' },
    { pattern: 'refs/heads/main', blockForcePush: true },
    { pattern: 'refs/heads/main', linearHistory: true },
  ]);
  const c1 = await s.work.commit('ok one');
  await s.work.commit('ok two');
  let r = await s.push('bob', ['main']);
  t.equal(r.code, 0, r.stderr);

  await s.work.gitOk(['reset', '-q', '--hard', c1]);
  await s.work.commit('bad message');
  r = await s.push('bob', ['--force', 'main']);
  t.match(
    refLine(r.stdout, 'refs/heads/main'),
    '(force push not allowed [rule 2: refs/heads/main])',
    'a ref check of rule 2 decides before the content check of rule 1',
  );
  r = await s.push('bob', ['--force', 'main:refs/heads/other']);
  t.match(
    refLine(r.stdout, 'refs/heads/other'),
    '(commit message rejected [rule 1: refs/heads/**])',
    'refs/heads/** covers any branch',
  );

  // A merge with a bad message, fast-forward: rules 1 and 3 both refuse; the first listed decides.
  await s.work.gitOk(['reset', '-q', '--hard', 'bob/main']);
  const tip = await s.work.rev('HEAD');
  await s.work.gitOk(['checkout', '-q', '-b', 'side', c1]);
  await s.work.commit('ok side');
  await s.work.gitOk(['checkout', '-q', 'main']);
  await s.work.gitOk(['merge', '-q', '--no-ff', '-m', 'merged', 'side']);
  t.not(await s.work.rev('HEAD'), tip);
  r = await s.push('bob', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '(commit message rejected [rule 1: refs/heads/**])');
  const reordered = await s.setRules([
    { pattern: 'refs/heads/main', linearHistory: true },
    { pattern: 'refs/heads/**', commitMessagePattern: '^ok' },
  ]);
  t.equal(reordered.length, 2);
  r = await s.push('bob', ['main']);
  t.match(
    refLine(r.stdout, 'refs/heads/main'),
    '(merge commit not allowed [rule 1: refs/heads/main])',
    'reordered: the other rule decides',
  );
});

t.test('ref patterns: * stays within a component, ** crosses, exact names match themselves', async (t) => {
  const cases: [string, string, boolean][] = [
    ['refs/heads/main', 'refs/heads/main', true],
    ['refs/heads/main', 'refs/heads/main2', false],
    ['refs/heads/release/*', 'refs/heads/release/1.0', true],
    ['refs/heads/release/*', 'refs/heads/release/1.0/hotfix', false],
    ['refs/heads/release/**', 'refs/heads/release/1.0/hotfix', true],
    ['refs/heads/**', 'refs/heads/a/b/c', true],
    ['refs/heads/**', 'refs/tags/v1', false],
    ['refs/tags/v*', 'refs/tags/v1.2.3', true],
    ['refs/tags/v*', 'refs/tags/x-v1', false],
    ['refs/heads/**/wip', 'refs/heads/wip', true],
    ['refs/heads/**/wip', 'refs/heads/alice/wip', true],
    ['refs/heads/v?', 'refs/heads/v1', true],
    ['refs/heads/a.b', 'refs/heads/aXb', false],
  ];
  for (const [pattern, ref, expected] of cases)
    t.equal(refPatternMatches(pattern, ref), expected, `${pattern} ${expected ? 'matches' : 'does not match'} ${ref}`);

  const s = await scenario(t, [{ pattern: 'refs/heads/release/*', restrictPush: ['alice'] }]);
  await s.work.commit('one');
  const r = await s.push('bob', ['main:refs/heads/release/1.0', 'main:refs/heads/release/1.0-fixes/one']);
  t.match(refLine(r.stdout, 'refs/heads/release/1.0'), '[remote rejected] (push not allowed');
  t.match(refLine(r.stdout, 'refs/heads/release/1.0-fixes/one'), /^\*\t/, 'two levels down is not matched by *');
});

t.test('path patterns', async (t) => {
  const cases: [string, string, boolean][] = [
    ['*.pem', 'key.pem', true],
    ['*.pem', 'a/b/key.pem', true],
    ['*.pem', 'key.pem.txt', false],
    ['secrets', 'secrets/a.txt', true],
    ['secrets', 'app/secrets/a.txt', true],
    ['secrets/**', 'secrets/a/b.txt', true],
    ['secrets/**', 'app/secrets/b.txt', false],
    ['/build', 'build/x.js', true],
    ['/build', 'src/build/x.js', false],
    ['config/*.env', 'config/prod.env', true],
    ['config/*.env', 'config/a/prod.env', false],
    ['**/*.key', 'deep/down/id.key', true],
  ];
  for (const [pattern, file, expected] of cases)
    t.equal(pathPatternMatches(pattern, file), expected, `${pattern} ${expected ? 'covers' : 'does not cover'} ${file}`);
});

t.test('a push mixing allowed and refused refs: non-atomic gets both results, atomic gets none', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/release/*', blockCreation: true }]);
  await s.work.commit('one');
  let r = await s.push('bob', ['main', 'main:refs/heads/release/x']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/main'), /^\*\t/);
  t.match(refLine(r.stdout, 'refs/heads/release/x'), '(creation not allowed [rule 1: refs/heads/release/*])');
  t.match(r.stderr, 'to do instead: push to an existing ref or another name instead');
  t.same(Object.keys(await s.refs()), ['refs/heads/main']);

  await s.work.commit('two');
  const before = await s.refs();
  r = await s.push('bob', ['--atomic', 'main', 'main:refs/heads/release/y']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/release/y'), '(creation not allowed [rule 1: refs/heads/release/*])');
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (atomic push failure)');
  t.same(await s.refs(), before, 'nothing moved');
});

t.test('in-process hooks through a real push; pre-receive is not told about refused updates', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/frozen', restrictPush: [] }]);
  const seen: Record<string, string[]> = { preReceive: [], update: [], postReceive: [] };
  let identitySeen: string | undefined;
  currentHooks = {
    preReceive(ctx: HookContext, commands: ReceiveCommand[]) {
      identitySeen = ctx.identity?.username;
      seen.preReceive!.push(...commands.map((c) => c.refName));
      for (const c of commands) if (c.refName === 'refs/heads/pre-veto') c.reject('vetoed by the pre-receive hook');
      ctx.message('pre-receive ran in-process');
    },
    update(_ctx, command) {
      seen.update!.push(command.refName);
      if (command.refName === 'refs/heads/update-veto') command.reject('vetoed by the update hook');
    },
    postReceive(_ctx, commands) {
      seen.postReceive!.push(...commands.map((c) => `${c.refName} ${c.type}`));
    },
  };
  // The executable pre-receive hook follows the same rule.
  const stdinFile = path.join(scratch, `pre-receive-${s.name}.txt`);
  await writeFile(path.join(s.gitDir, 'hooks', 'pre-receive'), `#!/bin/sh\ncat > '${stdinFile}'\n`);
  await chmod(path.join(s.gitDir, 'hooks', 'pre-receive'), 0o755);

  await s.work.commit('one');
  const r = await s.push('bob', ['main', 'main:refs/heads/frozen', 'main:refs/heads/pre-veto', 'main:refs/heads/update-veto']);
  t.match(refLine(r.stdout, 'refs/heads/main'), /^\*\t/);
  t.match(refLine(r.stdout, 'refs/heads/frozen'), '(push not allowed [rule 1: refs/heads/frozen])');
  t.match(refLine(r.stdout, 'refs/heads/pre-veto'), '[remote rejected] (vetoed by the pre-receive hook)');
  t.match(refLine(r.stdout, 'refs/heads/update-veto'), '[remote rejected] (vetoed by the update hook)');
  t.match(r.stderr, 'remote: pre-receive ran in-process');
  t.match(r.stderr, 'only nobody may push to refs matching refs/heads/frozen');
  t.same(
    seen.preReceive,
    ['refs/heads/main', 'refs/heads/pre-veto', 'refs/heads/update-veto'],
    'not told about refs/heads/frozen',
  );
  t.same(seen.update, ['refs/heads/main', 'refs/heads/update-veto']);
  t.same(seen.postReceive, ['refs/heads/main create']);
  t.equal(identitySeen, 'bob');
  const hookStdin = await readFile(stdinFile, 'utf8');
  t.notMatch(hookStdin, 'refs/heads/frozen', 'the executable pre-receive hook was not told either');
  t.match(hookStdin, 'refs/heads/main');
  t.same(Object.keys(await s.refs()), ['refs/heads/main']);
});

t.test('rules that cannot be read fail closed', async (t) => {
  const s = await scenario(t);
  await s.work.commit('one');
  const failing: PolicySource = {
    rulesFor: async () => {
      throw new Error('database is down');
    },
  };
  const broken = await startTestServer(t, {
    dataDir: td.dataDir,
    allowAnonymousPush: true,
    policy: failing,
  });
  const r = await s.work.git(['push', '--porcelain', `${broken.url}/${s.name}`, 'main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (policy unavailable)');
  t.match(r.stderr, "the repository's protection rules could not be read");
  t.same(await s.refs(), {});
});

t.test('policy file: export, apply, dry run, round trip (YAML and JSON)', async (t) => {
  const w = await cliWorld(t, [
    { pattern: 'refs/heads/main', blockForcePush: true, blockDeletion: { allow: ['@leads'] }, description: 'the trunk' },
    { pattern: 'refs/tags/v*', immutable: true },
  ]);
  const yamlFile = path.join(scratch, `policy${counter}.yaml`);
  let r = await w.run(['policy', 'export', 'app', '--file', yamlFile]);
  t.equal(r.code, 0, r.stderr);
  const exported = await readFile(yamlFile, 'utf8');
  t.match(exported, 'repository: app.git');
  t.match(exported, 'blockForcePush: true');
  t.match(exported, /blockDeletion:\n\s+allow:\n\s+- "@leads"/);

  r = await w.run(['policy', 'apply', 'app.git', '--file', yamlFile]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, 'app.git: no changes', 'applying the export changes nothing');

  const edited = exported
    .replace('blockForcePush: true', 'blockForcePush:\n      allow: [alice]')
    .concat('  - pattern: refs/heads/release/**\n    maxBlobSize: 10m\n    forbiddenPaths: ["*.pem"]\n');
  await writeFile(yamlFile, edited);
  r = await w.run(['policy', 'apply', 'app', '--file', yamlFile, '--dry-run']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, '~ rule 1: refs/heads/main: blockForcePush: true -> {"allow":["alice"]}');
  t.match(r.stdout, '+ rule 3: refs/heads/release/** (forbidden paths, maximum blob size)');
  t.match(r.stdout, '2 changes (dry run: nothing applied)');
  t.equal((await w.withDb((d) => listRules(d, 'app'))).length, 2, 'the dry run changed nothing');

  r = await w.run(['policy', 'apply', 'app', '--file', yamlFile]);
  t.match(r.stdout, '2 changes applied');
  const stored = await w.withDb((d) => listRules(d, 'app'));
  t.same(stored[0]!.blockForcePush, { allow: ['alice'] });
  t.equal(stored[2]!.maxBlobSize, 10 * 1024 * 1024);

  // JSON: export, and applying it back changes nothing; the file forms parse back to the same rules.
  r = await w.run(['policy', 'export', 'app', '--format', 'json']);
  t.same(JSON.parse(r.stdout).rules[0], {
    pattern: 'refs/heads/main',
    description: 'the trunk',
    blockDeletion: { allow: ['@leads'] },
    blockForcePush: { allow: ['alice'] },
  });
  const again = await w.run(['policy', 'apply', 'app'], r.stdout);
  t.match(again.stdout, 'no changes');
  t.same(parsePolicy(formatPolicy({ rules: stored }, 'yaml')).rules, stored);
  t.same(parsePolicy(formatPolicy({ rules: stored }, 'json')).rules, stored);

  // Reordering is a move; mistakes are refused before anything changes; an empty list removes all.
  const reordered = [stored[1]!, stored[0]!, stored[2]!];
  t.same(describeChanges(diffRules(stored, reordered)), ['> rule 1 -> 2: refs/heads/main']);
  r = await w.run(['policy', 'apply', 'app'], 'rules:\n  - pattern: refs/heads/main\n    blockForcePus: true\n');
  t.equal(r.code, 128);
  t.match(r.stderr, "rule 1 has an unknown key 'blockForcePus'");
  r = await w.run(['policy', 'apply', 'app', '--dry-run'], 'rules:\n  - pattern: refs/heads/main\n    restrictPush: [mallory]\n');
  t.match(r.stderr, 'unknown user or group: mallory');
  r = await w.run(['policy', 'apply', 'app'], 'rules: []\n');
  t.match(r.stdout, '3 changes applied');
  t.same(await w.withDb((d) => listRules(d, 'app')), []);
});

t.test('pushgate protect add|list|remove and pushgate check', async (t) => {
  const w = await cliWorld(t);
  let r = await w.run(['protect', 'add', 'app', 'refs/heads/main', '--allow-force-push', 'alice,@leads', '--block-deletion']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, 'Added rule 1: refs/heads/main (block deletion, block force pushes)');
  r = await w.run([
    'protect',
    'add',
    'app',
    'refs/heads/**',
    '--commit-message',
    '^[A-Z]',
    '--max-blob-size',
    '1m',
    '--forbid-path',
    '*.pem',
    '--forbid-path',
    'secrets/**',
    '--position',
    '1',
  ]);
  t.equal(r.code, 0, r.stderr);
  r = await w.run(['protect', 'list', 'app']);
  t.match(
    r.stdout,
    /1\s+refs\/heads\/\*\*\s+commit message pattern \/\^\[A-Z\]\/, forbidden paths \(\*\.pem, secrets\/\*\*\), maximum blob size 1048576/,
  );
  t.match(r.stdout, /2\s+refs\/heads\/main\s+block deletion, block force pushes \(except alice, @leads\)/);
  r = await w.run(['protect', 'add', 'app', 'heads/main', '--block-deletion']);
  t.equal(r.code, 128);
  t.match(r.stderr, 'needs a pattern');
  r = await w.run(['protect', 'add', 'app', 'refs/heads/x']);
  t.match(r.stderr, 'switches on no check');
  r = await w.run(['protect', 'add', 'app', 'refs/heads/x', '--restrict-push', 'mallory']);
  t.match(r.stderr, 'unknown user or group: mallory');

  // check: a dry run against the repository on disk.
  const c1 = await w.work.commit('First');
  await w.work.commit('Second');
  await w.work.gitOk(['push', '-q', w.gitDir, 'main']);
  await w.work.gitOk(['reset', '-q', '--hard', c1]);
  const rewritten = await w.work.commit('lowercase message');
  await w.work.gitOk(['push', '-q', w.gitDir, `${rewritten}:refs/heads/scratch/rewrite`]);
  r = await w.run(['check', 'app', 'refs/heads/main', 'main', rewritten, '--user', 'bob']);
  t.equal(r.code, 1, r.stderr);
  t.match(r.stdout, 'refused: refs/heads/main (bob): force push not allowed [rule 2: refs/heads/main]');
  t.match(r.stdout, 'decided by: rule 2 (refs/heads/main), check blockForcePush');
  t.match(r.stdout, 'to do instead: fetch, merge or rebase');
  r = await w.run(['check', 'app', 'refs/heads/main', 'main', rewritten, '--user', 'alice']);
  t.equal(r.code, 0, 'alice may force-push, and the commit is not new (it is on scratch/rewrite)');
  t.match(r.stdout, 'allowed: refs/heads/main (alice): 2 rules checked, 0 new commits');
  r = await w.run(['check', 'app', 'refs/heads/main', 'main', '0', '--user', 'alice', '--json']);
  t.match(JSON.parse(r.stdout), { allowed: false, rule: 2, check: 'blockDeletion', decidedBy: 'policy:rule-2:blockDeletion' });

  // An object no ref reaches counts as new: the message rule of rule 1 sees it.
  await w.work.gitOk(['push', '-q', w.gitDir, ':refs/heads/scratch/rewrite']);
  r = await w.run(['check', 'app', 'refs/heads/topic', '0', rewritten, '--user', 'bob']);
  t.equal(r.code, 1);
  t.match(r.stdout, 'refused: refs/heads/topic (bob): commit message rejected [rule 1: refs/heads/**]');
  r = await w.run(['check', 'app', 'refs/heads/main', 'main', 'nonsense']);
  t.match(r.stderr, "'nonsense' is neither an object id nor a ref");

  r = await w.run(['protect', 'remove', 'app', '1']);
  t.match(r.stdout, 'Removed rule 1: refs/heads/** (commit message pattern, forbidden paths, maximum blob size)');
  r = await w.run(['protect', 'remove', 'app', '5']);
  t.match(r.stderr, 'app.git has no rule 5');
  t.same(
    (await w.withDb((d) => listRules(d, 'app'))).map((rule) => rule.pattern),
    ['refs/heads/main'],
  );
});

t.test('admin API: rules per repository, dry run, check; admin tokens only', async (t) => {
  const s = await scenario(t);
  const app = Fastify();
  await app.register(adminPolicyApi, { prefix: '/api/v1', db, dataDir: td.dataDir, access });
  t.teardown(() => app.close());
  const as = (user: 'root' | 'bob') => ({ authorization: `Bearer ${secrets[user]}` });
  const url = `/api/v1/policies/${s.name}`;

  let res = await app.inject({ method: 'GET', url, headers: as('bob') });
  t.equal(res.statusCode, 403, 'bob is no admin');
  res = await app.inject({ method: 'GET', url });
  t.equal(res.statusCode, 401);

  res = await app.inject({
    method: 'POST',
    url,
    headers: as('root'),
    payload: { rule: { pattern: 'refs/heads/main', blockForcePush: true } },
  });
  t.equal(res.statusCode, 201, res.body);
  t.same(res.json(), { repository: s.name, rules: [{ pattern: 'refs/heads/main', blockForcePush: { allow: [] } }] });
  res = await app.inject({
    method: 'POST',
    url,
    headers: as('root'),
    payload: { rule: { pattern: 'refs/tags/*', immutable: ['@leads'] }, position: 1 },
  });
  t.same(
    res.json().rules.map((r: ProtectionRule) => r.pattern),
    ['refs/tags/*', 'refs/heads/main'],
  );
  res = await app.inject({
    method: 'POST',
    url,
    headers: as('root'),
    payload: { rule: { pattern: 'refs/heads/x', linearHistory: true, color: 'red' } },
  });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { error: 'E_INVALID', message: "rule has an unknown key 'color'" });
  res = await app.inject({
    method: 'POST',
    url,
    headers: as('root'),
    payload: { rule: { pattern: 'refs/heads/x', linearHistory: true }, extra: 1 },
  });
  t.equal(res.statusCode, 400, 'unknown top-level fields are refused');

  const rules = [{ pattern: 'refs/heads/main', blockForcePush: true, linearHistory: true }];
  res = await app.inject({ method: 'PUT', url: `${url}?dryRun=true`, headers: as('root'), payload: { rules } });
  t.equal(res.statusCode, 200, res.body);
  t.match(res.json(), {
    dryRun: true,
    applied: false,
    summary: ['- rule 1: refs/tags/* (immutable once created)', '~ rule 2 -> 1: refs/heads/main: linearHistory: (none) -> true'],
  });
  t.equal((await listRules(db, s.name)).length, 2);
  res = await app.inject({ method: 'PUT', url, headers: as('root'), payload: { rules } });
  t.match(res.json(), { dryRun: false, applied: true, rules: [{ pattern: 'refs/heads/main', linearHistory: true }] });

  await s.work.commit('one');
  await s.push('bob', ['main']);
  res = await app.inject({
    method: 'POST',
    url: '/api/v1/policy-check',
    headers: as('root'),
    payload: { repository: s.name, ref: 'refs/heads/main', old: 'main', new: '0', user: 'bob' },
  });
  t.same(res.json(), { allowed: true, newCommits: 0 }, 'deleting is not blocked by these rules');

  res = await app.inject({ method: 'DELETE', url: `${url}?position=1`, headers: as('root') });
  t.match(res.json(), { position: 1, removed: { pattern: 'refs/heads/main' }, rules: [] });
  res = await app.inject({ method: 'DELETE', url: `${url}?position=1`, headers: as('root') });
  t.equal(res.statusCode, 404);
  res = await app.inject({ method: 'GET', url: '/api/v1/policies/no-such-repo', headers: as('root') });
  t.equal(res.statusCode, 404);
});

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
