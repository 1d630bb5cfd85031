/**
 * Branch protection from the command line (issue 4): `pushgate protect
 * add|list|remove` and `pushgate check`, a dry run against the repository on
 * disk.
 */
import t from 'tap';
import { listRules } from '../src/db/rule-store.js';
import { cliWorld } from './helpers/protection.js';

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
