/**
 * The ref store: reads match git for-each-ref, rev-parse and pack-refs,
 * updates are seen by git and fail with git's messages, deleting a packed
 * ref rewrites packed-refs for git, and reflogs follow core.logAllRefUpdates.
 */
import t from 'tap';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parsePackedRefs } from '../src/repo/refs/packed-refs.js';
import { ZERO, git, gitFixture, gitStatus, lockFiles, open, updateOne } from './helpers/repo.js';

t.test('refs: reads match git for-each-ref, rev-parse and pack-refs', async (t) => {
  const { bare, work, commits } = gitFixture(t, { commits: 3 });
  git(work, ['tag', '-a', '-m', 'annotated', 'v1', commits[0]!]);
  git(work, ['tag', 'light', commits[1]!]);
  git(work, ['push', '-q', bare, 'refs/tags/*:refs/tags/*', `${commits[1]}:refs/heads/feature/x`, `${commits[0]}:refs/other/y`]);
  git(bare, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/main']);
  const repo = await open(t, bare);
  const expected = () =>
    git(bare, ['for-each-ref', '--format=%(refname) %(objectname)'])
      .split('\n')
      .map((line) => {
        const [name, oid] = line.split(' ');
        return { name: name!, oid: oid! };
      });
  t.same(await repo.refs.list(), expected(), 'loose refs');
  t.equal(await repo.refs.resolve('HEAD'), commits[2]);
  t.equal(await repo.refs.resolve('refs/heads/alias'), commits[2]);
  t.equal(await repo.refs.readSymbolic('HEAD'), 'refs/heads/main');
  t.equal(await repo.refs.readSymbolic('refs/heads/main'), null);
  t.equal(await repo.refs.resolve('refs/heads/nope'), null);

  git(bare, ['pack-refs', '--all']);
  const packed = parsePackedRefs(readFileSync(path.join(bare, 'packed-refs'), 'utf8'));
  t.same(packed.traits, ['peeled', 'fully-peeled', 'sorted']);
  t.equal(packed.refs.get('refs/tags/v1')?.peeled, commits[0], 'peeled line of the annotated tag');
  t.same(await repo.refs.list(), expected(), 'packed refs');
  t.equal(await repo.refs.resolve('refs/tags/v1'), git(bare, ['rev-parse', 'refs/tags/v1']));

  // A loose ref overrides its packed value.
  git(bare, ['update-ref', 'refs/heads/feature/x', commits[2]!]);
  t.same(await repo.refs.list(), expected(), 'loose over packed');
});

t.test('refs: updates are seen by git and fail with git messages', async (t) => {
  const { bare, commits } = gitFixture(t, { commits: 3 });
  const [c0, c1, c2] = commits as [string, string, string];
  const repo = await open(t, bare);
  const blob = git(bare, ['hash-object', '-w', '--stdin'], 'a blob\n');

  t.equal(await updateOne(repo, 'refs/heads/new', ZERO, c0), null, 'create');
  t.equal(git(bare, ['rev-parse', 'refs/heads/new']), c0);
  t.equal(await updateOne(repo, 'refs/heads/new', c0, c1), null, 'update');
  t.equal(git(bare, ['rev-parse', 'refs/heads/new']), c1);
  t.equal(await updateOne(repo, 'refs/heads/deep/er/ref', ZERO, c1), null, 'create nested');
  t.equal(await updateOne(repo, 'refs/heads/deep/er/ref', c1, ZERO), null, 'delete nested');
  t.notOk(existsSync(path.join(bare, 'refs/heads/deep')), 'empty directories pruned');
  t.ok(existsSync(path.join(bare, 'refs/heads')), 'refs/heads kept');
  t.equal(await updateOne(repo, 'refs/other/blob', ZERO, blob), null, 'a blob outside refs/heads is fine');

  t.same(await updateOne(repo, 'refs/heads/new', c0, c2), {
    kind: 'stale',
    message: `cannot lock ref 'refs/heads/new': is at ${c1} but expected ${c0}`,
  });
  t.same(await updateOne(repo, 'refs/heads/new', ZERO, c2), {
    kind: 'exists',
    message: "cannot lock ref 'refs/heads/new': reference already exists",
  });
  t.same(await updateOne(repo, 'refs/heads/nope', c0, c2), {
    kind: 'missing',
    message: "cannot lock ref 'refs/heads/nope': unable to resolve reference 'refs/heads/nope'",
  });
  t.same(await updateOne(repo, 'refs/heads/new/sub', ZERO, c0), {
    kind: 'conflict',
    message: "cannot lock ref 'refs/heads/new/sub': 'refs/heads/new' exists; cannot create 'refs/heads/new/sub'",
  });
  await updateOne(repo, 'refs/heads/dir/leaf', ZERO, c0);
  t.same(await updateOne(repo, 'refs/heads/dir', ZERO, c0), {
    kind: 'conflict',
    message: "cannot lock ref 'refs/heads/dir': 'refs/heads/dir/leaf' exists; cannot create 'refs/heads/dir'",
  });
  t.same(await updateOne(repo, 'refs/heads/blob', ZERO, blob), {
    kind: 'non-commit',
    message: `cannot update ref 'refs/heads/blob': trying to write non-commit object ${blob} to branch 'refs/heads/blob'`,
  });
  const ghost = '1234567890123456789012345678901234567890';
  t.same(await updateOne(repo, 'refs/tags/ghost', ZERO, ghost), {
    kind: 'missing-object',
    message: `cannot update ref 'refs/tags/ghost': trying to write ref 'refs/tags/ghost' with nonexistent object ${ghost}`,
  });
  t.equal((await updateOne(repo, 'refs/heads/bad..name', ZERO, c0))?.kind, 'bad-name');

  // A stale lock blocks the ref, as with git.
  writeFileSync(path.join(bare, 'refs/heads/new.lock'), '');
  const locked = await updateOne(repo, 'refs/heads/new', c1, c2);
  t.equal(locked?.kind, 'lock');
  t.equal(
    locked?.message.split('\n')[0],
    `cannot lock ref 'refs/heads/new': Unable to create 'refs/heads/new.lock': File exists.`,
  );
  const gitSays = gitStatus(bare, ['update-ref', 'refs/heads/new', c2, c1]).output;
  t.ok(gitSays.includes(locked!.message.split('\n').slice(1).join('\n')), 'same advice text as git');
  rmSync(path.join(bare, 'refs/heads/new.lock'));

  // The same failures through git itself, to keep the wording honest.
  t.match(
    gitStatus(bare, ['update-ref', 'refs/heads/new', c2, c0]).output,
    `cannot lock ref 'refs/heads/new': is at ${c1} but expected ${c0}`,
  );

  // Symbolic refs are written through.
  git(bare, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/new']);
  t.equal(await updateOne(repo, 'refs/heads/alias', c1, c2), null);
  t.equal(git(bare, ['rev-parse', 'refs/heads/new']), c2);
  t.equal(git(bare, ['symbolic-ref', 'refs/heads/alias']), 'refs/heads/new');
  t.same(lockFiles(bare), [], 'no lock files left');
  t.equal(gitStatus(bare, ['fsck', '--strict']).code, 0);
});

t.test('refs: deleting a packed ref rewrites packed-refs for git', async (t) => {
  const { bare, work, commits } = gitFixture(t, { commits: 2 });
  git(work, ['tag', '-a', '-m', 'annotated', 'v1', commits[0]!]);
  git(work, ['push', '-q', bare, 'refs/tags/v1', `${commits[0]}:refs/heads/old`, `${commits[1]}:refs/heads/both`]);
  git(bare, ['pack-refs', '--all']);
  git(bare, ['update-ref', 'refs/heads/both', commits[0]!]); // loose over packed
  const repo = await open(t, bare);
  t.equal(await updateOne(repo, 'refs/heads/old', commits[0]!, ZERO), null, 'delete packed-only ref');
  t.equal(await updateOne(repo, 'refs/heads/both', commits[0]!, ZERO), null, 'delete loose+packed ref');
  t.equal(gitStatus(bare, ['rev-parse', '--verify', '-q', 'refs/heads/old']).code, 1);
  t.equal(gitStatus(bare, ['rev-parse', '--verify', '-q', 'refs/heads/both']).code, 1, 'packed value does not resurface');
  const text = readFileSync(path.join(bare, 'packed-refs'), 'utf8');
  t.match(text, /^# pack-refs with: peeled fully-peeled sorted \n/);
  t.notMatch(text, /refs\/heads\/old/);
  t.equal(git(bare, ['rev-parse', 'refs/tags/v1^{}']), commits[0], 'peeled tag still readable by git');
  t.equal(git(bare, ['for-each-ref', '--format=%(refname)']), 'refs/heads/main\nrefs/tags/v1');
  t.same(lockFiles(bare), []);

  // packed-refs.lock held by someone else: the deletion fails after git's one-second wait.
  git(work, ['push', '-q', bare, `${commits[0]}:refs/heads/old2`]);
  git(bare, ['pack-refs', '--all']);
  writeFileSync(path.join(bare, 'packed-refs.lock'), '');
  const failure = await updateOne(repo, 'refs/heads/old2', commits[0]!, ZERO);
  t.equal(failure?.kind, 'lock');
  t.match(failure?.message ?? '', `Unable to create 'packed-refs.lock': File exists.`);
  rmSync(path.join(bare, 'packed-refs.lock'));
  t.equal(git(bare, ['rev-parse', 'refs/heads/old2']), commits[0], 'nothing deleted');
});

t.test('refs: reflogs are written when core.logAllRefUpdates asks', async (t) => {
  const { bare, commits } = gitFixture(t, { commits: 2 });
  git(bare, ['config', 'core.logAllRefUpdates', 'true']);
  const repo = await open(t, bare);
  await repo.refs.update([{ name: 'refs/heads/main', oldOid: commits[1]!, newOid: commits[0]! }], {
    atomic: false,
    reflogMessage: 'push',
  });
  t.equal(git(bare, ['reflog', 'show', '--format=%H %gs', 'refs/heads/main']).split('\n')[0], `${commits[0]} push`);
  await repo.refs.update([{ name: 'refs/heads/main', oldOid: commits[0]!, newOid: ZERO }], { atomic: false });
  t.notOk(existsSync(path.join(bare, 'logs/refs/heads/main')), 'reflog removed with the ref');
});
