/**
 * Atomic ref updates: all or nothing, and an update killed mid-way (in a
 * child process, at each step) rolled forward or back on the next open.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ZERO, git, gitFixture, gitStatus, lockFiles, open, updateOne } from './helpers/repo.js';
import { tsxChildEnv } from './helpers/tsx-child.js';

/**
 * Run an atomic update in a child process that SIGKILLs itself at `crashAt`,
 * as a power cut or OOM kill would.
 */
function crashChild(gitDir: string, updates: { name: string; oldOid: string; newOid: string }[], crashAt: string) {
  const moduleUrl = pathToFileURL(path.resolve('src/repo/repository.ts')).href;
  const script = `
    const { openRepository } = await import(${JSON.stringify(moduleUrl)});
    const repo = await openRepository(process.env.CHILD_GIT_DIR);
    await repo.refs.update(JSON.parse(process.env.CHILD_UPDATES), { atomic: true });
    process.exit(0);
  `;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: tsxChildEnv({
      ...process.env,
      CHILD_GIT_DIR: gitDir,
      CHILD_UPDATES: JSON.stringify(updates),
      PUSHGATE_TEST_REF_CRASH: crashAt,
    }),
    encoding: 'utf8',
  });
}

t.test('refs: atomic updates are all or nothing', async (t) => {
  const { bare, commits } = gitFixture(t, { commits: 3 });
  const [c0, c1, c2] = commits as [string, string, string];
  const repo = await open(t, bare);
  await updateOne(repo, 'refs/heads/a', ZERO, c0);
  await updateOne(repo, 'refs/heads/b', ZERO, c0);
  git(bare, ['pack-refs', '--all']);
  const before = git(bare, ['for-each-ref']);

  const failed = await repo.refs.update(
    [
      { name: 'refs/heads/a', oldOid: c0, newOid: c1 },
      { name: 'refs/heads/b', oldOid: c1, newOid: c2 }, // stale
      { name: 'refs/heads/c', oldOid: ZERO, newOid: c2 },
      { name: 'refs/heads/main', oldOid: c2, newOid: ZERO },
    ],
    { atomic: true },
  );
  t.same(
    failed.map((f) => f?.kind),
    ['aborted', 'stale', 'aborted', 'aborted'],
  );
  t.equal(failed[1]?.message, `cannot lock ref 'refs/heads/b': is at ${c0} but expected ${c1}`);
  t.equal(git(bare, ['for-each-ref']), before, 'nothing moved');
  t.same(lockFiles(bare), [], 'no locks or journal left');

  const ok = await repo.refs.update(
    [
      { name: 'refs/heads/a', oldOid: c0, newOid: c1 },
      { name: 'refs/heads/b', oldOid: c0, newOid: ZERO },
      { name: 'refs/heads/c', oldOid: ZERO, newOid: c2 },
    ],
    { atomic: true, reflogMessage: 'push' },
  );
  t.same(ok, [null, null, null]);
  t.equal(
    git(bare, ['for-each-ref', '--format=%(refname) %(objectname)']),
    `refs/heads/a ${c1}\nrefs/heads/c ${c2}\nrefs/heads/main ${c2}`,
  );
  t.same(lockFiles(bare), []);

  const dup = await repo.refs.update(
    [
      { name: 'refs/heads/q', oldOid: ZERO, newOid: c0 },
      { name: 'refs/heads/q/r', oldOid: ZERO, newOid: c0 },
    ],
    { atomic: true },
  );
  t.equal(dup[0]?.message, "cannot lock ref 'refs/heads/q': cannot process 'refs/heads/q' and 'refs/heads/q/r' at the same time");
  const twice = await repo.refs.update(
    [
      { name: 'refs/heads/q', oldOid: ZERO, newOid: c0 },
      { name: 'refs/heads/q', oldOid: ZERO, newOid: c1 },
    ],
    { atomic: true },
  );
  t.equal(twice[1]?.message, "multiple updates for ref 'refs/heads/q' not allowed");
  t.equal(gitStatus(bare, ['rev-parse', '--verify', '-q', 'refs/heads/q']).code, 1);
  t.equal(gitStatus(bare, ['fsck', '--strict']).code, 0);
});

t.test('refs: an atomic update killed mid-way is rolled forward or back on next open', async (t) => {
  for (const [crashAt, expectMoved] of [
    ['after-prepare', false],
    ['after-locks', false],
    ['after-commit', true],
    ['after-first-apply', true],
  ] as const) {
    const { bare, commits } = gitFixture(t, { commits: 3 });
    const [c0, c1, c2] = commits as [string, string, string];
    git(bare, ['update-ref', 'refs/heads/a', c0]);
    git(bare, ['update-ref', 'refs/heads/gone', c0]);
    git(bare, ['pack-refs', '--all']);
    git(bare, ['update-ref', 'refs/heads/b', c0]);
    const before = git(bare, ['for-each-ref']);
    const updates = [
      { name: 'refs/heads/a', oldOid: c0, newOid: c1 },
      { name: 'refs/heads/b', oldOid: c0, newOid: c2 },
      { name: 'refs/heads/new/branch', oldOid: ZERO, newOid: c1 },
      { name: 'refs/heads/gone', oldOid: c0, newOid: ZERO },
    ];
    const child = crashChild(bare, updates, crashAt);
    t.equal(child.signal, 'SIGKILL', `${crashAt}: child was killed (${child.stderr})`);
    t.not(lockFiles(bare).length, 0, `${crashAt}: the crash left locks or a journal behind`);

    const repo = await open(t, bare);
    const after = git(bare, ['for-each-ref', '--format=%(refname) %(objectname)']);
    if (expectMoved) {
      t.equal(
        after,
        [`refs/heads/a ${c1}`, `refs/heads/b ${c2}`, `refs/heads/main ${c2}`, `refs/heads/new/branch ${c1}`].join('\n'),
        `${crashAt}: all moved`,
      );
    } else {
      t.equal(git(bare, ['for-each-ref']), before, `${crashAt}: none moved`);
    }
    t.same(lockFiles(bare), [], `${crashAt}: no lock or journal remains`);
    t.same((await repo.refs.list()).map((r) => `${r.name} ${r.oid}`).join('\n'), after, `${crashAt}: pushgate and git agree`);
    // The refs are usable again.
    const [retry] = await repo.refs.update([{ name: 'refs/heads/b', oldOid: expectMoved ? c2 : c0, newOid: c1 }], {
      atomic: true,
    });
    t.equal(retry, null, `${crashAt}: refs can be updated afterwards`);
    t.equal(gitStatus(bare, ['fsck', '--strict']).code, 0);
  }
});
