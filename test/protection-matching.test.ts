/**
 * Which branch-protection rules apply to a ref (issue 4): ref and path
 * patterns, all matching rules with ref checks before content checks and then
 * rule order, and namespace rules as a rule kind beside the repository switch.
 */
import t from 'tap';
import { pathPatternMatches } from '../src/policy/path-pattern.js';
import { refPatternMatches } from '../src/policy/ref-pattern.js';
import { gitOk } from './helpers/git.js';
import { protectionServer, refLine } from './helpers/protection.js';

const { scenario } = await protectionServer(t);

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
