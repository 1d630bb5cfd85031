import t, { type Test } from 'tap';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  git,
  gitOk,
  porcelainRefLines,
  PUSHGATE_BIN,
  PUSHGATE_RECEIVE_PACK,
  refsOf,
  run,
  tempDir,
  WorkRepo,
} from './helpers/git.js';

interface Remote {
  label: 'git' | 'pushgate';
  gitDir: string;
  receivePack: string;
}

/**
 * The same pushes against stock `git receive-pack` and the pushgate drop-in,
 * each into its own bare repository made the same way: `git push --porcelain`
 * output, exit status and resulting refs must be identical.
 */
async function differential(
  t: Test,
  name: string,
  options: {
    config?: Record<string, string>;
    hooks?: Record<string, string>;
    objectFormat?: 'sha1' | 'sha256';
    nonBare?: boolean;
  },
  steps: (push: (args: string[]) => Promise<void>, work: WorkRepo) => Promise<void>,
) {
  t.test(name, async (t) => {
    const { dir, cleanup } = await tempDir();
    t.teardown(cleanup);
    const remotes: Remote[] = [];
    for (const label of ['git', 'pushgate'] as const) {
      const repoDir = path.join(dir, `${label}.git`);
      const init = [
        'init',
        '-q',
        ...(options.nonBare ? [] : ['--bare']),
        '-b',
        'main',
        `--object-format=${options.objectFormat ?? 'sha1'}`,
      ];
      await gitOk([...init, repoDir]);
      const gitDir = options.nonBare ? path.join(repoDir, '.git') : repoDir;
      for (const [key, value] of Object.entries(options.config ?? {})) await gitOk(['--git-dir', gitDir, 'config', key, value]);
      for (const [hook, script] of Object.entries(options.hooks ?? {})) {
        await writeFile(path.join(gitDir, 'hooks', hook), `#!/bin/sh\n${script}\n`);
        await chmod(path.join(gitDir, 'hooks', hook), 0o755);
      }
      remotes.push({ label, gitDir, receivePack: label === 'git' ? 'git-receive-pack' : PUSHGATE_RECEIVE_PACK });
    }
    const work = await WorkRepo.create(path.join(dir, 'work'), { objectFormat: options.objectFormat });
    let step = 0;
    const push = async (args: string[]) => {
      step++;
      const results = [];
      for (const remote of remotes) {
        const r = await git(['push', '--porcelain', `--receive-pack=${remote.receivePack}`, remote.gitDir, ...args], {
          cwd: work.dir,
        });
        results.push({ code: r.code, lines: porcelainRefLines(r.stdout), stderr: r.stderr });
      }
      t.same(results[1].lines, results[0].lines, `step ${step} (${args.join(' ')}): porcelain output\n${results[1].stderr}`);
      t.equal(results[1].code, results[0].code, `step ${step}: exit status`);
      t.same(await refsOf(remotes[1].gitDir), await refsOf(remotes[0].gitDir), `step ${step}: refs`);
    };
    await steps(push, work);
    const [theirs, ours] = await Promise.all(
      remotes.map((r) => git(['--git-dir', r.gitDir, 'fsck', '--strict', '--no-dangling'])),
    );
    // Exit codes differ between loose (git's unpack-objects) and packed storage; what matters is pass or fail.
    t.equal(ours.code === 0, theirs.code === 0, `git fsck --strict passes or fails for both repositories\n${ours.stderr}`);
  });
}

const test = t as unknown as Test;

differential(test, 'create, fast-forward, rejected and forced non-ff, tags, deletes', {}, async (push, work) => {
  const c1 = await work.commit('one');
  await push(['main']);
  await work.commit('two');
  await work.gitOk(['tag', '-a', 'v1', '-m', 'v1']);
  await work.gitOk(['tag', 'light', c1]);
  await push(['main', 'v1', 'light', 'main:refs/heads/dev']);
  await push([`${c1}:refs/heads/main`]);
  await push(['--force', `${c1}:refs/heads/main`]);
  await push([':refs/heads/dev', ':refs/tags/light']);
  await push(['--force', 'main:refs/tags/v1']);
  await push([':refs/heads/main']);
  const blob = await work.gitOk(['rev-parse', 'HEAD:file-1.txt']);
  const tree = await work.gitOk(['rev-parse', 'HEAD^{tree}']);
  await push([`${blob}:refs/heads/blob`, `${tree}:refs/other/tree`, `${blob}:refs/tags/blob`]);
  await push(['main:refs/funny', 'main:refs/heads/ok']);
  await push(['v1:refs/heads/from-tag']);
});

differential(
  test,
  'receive.denyNonFastForwards and receive.denyDeletes',
  { config: { 'receive.denyNonFastForwards': 'true', 'receive.denyDeletes': 'true' } },
  async (push, work) => {
    const c1 = await work.commit('one');
    await work.commit('two');
    await push(['main', 'main:refs/heads/x', 'main:refs/other/y', 'main:refs/tags/t']);
    await push(['--force', `${c1}:refs/heads/x`, `${c1}:refs/other/y`]);
    await push([':refs/heads/x', ':refs/tags/t', ':refs/other/y']);
  },
);

differential(
  test,
  'hooks decline: pre-receive, update, atomic',
  {
    hooks: {
      'pre-receive':
        'while read o n r; do case "$r" in refs/heads/blocked*) echo "blocked by pre-receive"; exit 1;; esac; done; exit 0',
      update: 'case "$1" in refs/heads/veto*) echo "veto $1" >&2; exit 1;; esac; exit 0',
    },
  },
  async (push, work) => {
    await work.commit('one');
    await push(['main']);
    await work.commit('two');
    await push(['main', 'main:refs/heads/blocked']);
    await push(['main', 'main:refs/heads/veto']);
    await push(['--atomic', 'main:refs/heads/a1', 'main:refs/heads/veto2']);
    await push(['--atomic', 'main:refs/heads/a1', 'main:refs/heads/a2']);
  },
);

differential(test, 'sha256 repositories', { objectFormat: 'sha256' }, async (push, work) => {
  const c1 = await work.commit('one');
  await work.commit('two');
  await push([`${c1}:refs/heads/main`]);
  await push(['main']);
  await push(['--force', `${c1}:refs/heads/main`]);
});

t.test('pushgate receive-pack: advertisement matches git byte for byte (but the agent)', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const gitDir = path.join(dir, 'r.git');
  await gitOk(['init', '-q', '--bare', gitDir]);
  const normalize = (s: string) => s.replace(/agent=[^\n]*\n/, 'agent=X\n').replace(/^[0-9a-f]{4}/gm, '');
  for (const env of [{}, { GIT_PROTOCOL: 'version=1' }] as Record<string, string>[]) {
    const ours = await run('node', [PUSHGATE_BIN, 'receive-pack', '--advertise-refs', gitDir], { env });
    const theirs = await git(['receive-pack', '--advertise-refs', gitDir], { env });
    t.equal(ours.code, 0, ours.stderr);
    t.equal(normalize(ours.stdout), normalize(theirs.stdout), 'empty repository');
  }
  const work = await WorkRepo.create(path.join(dir, 'w'));
  await work.commit('x');
  await work.gitOk(['push', gitDir, 'main', 'main:refs/tags/t', 'main:refs/hidden/h']);
  await gitOk(['--git-dir', gitDir, 'config', 'receive.hideRefs', 'refs/hidden']);
  await gitOk(['--git-dir', gitDir, 'config', 'receive.advertisePushOptions', 'true']);
  const ours = await run('node', [PUSHGATE_BIN, 'receive-pack', '--advertise-refs', gitDir]);
  const theirs = await git(['receive-pack', '--advertise-refs', gitDir]);
  t.equal(normalize(ours.stdout), normalize(theirs.stdout), 'refs, hidden refs, push-options');

  const missing = await run('node', [PUSHGATE_BIN, 'receive-pack', path.join(dir, 'nope')]);
  t.equal(missing.code, 128);
  t.match(missing.stderr, `fatal: '${path.join(dir, 'nope')}' does not appear to be a git repository`);
  const usage = await run('node', [PUSHGATE_BIN, 'receive-pack']);
  t.equal(usage.code, 129);
});

t.test('a fatal protocol error over stdio exits 128 with a message', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const gitDir = path.join(dir, 'r.git');
  await gitOk(['init', '-q', '--bare', gitDir]);
  const r = await run('node', [PUSHGATE_BIN, 'receive-pack', '--stateless-rpc', gitDir], { input: '0012not a command\n0000' });
  t.equal(r.code, 128);
  t.match(r.stderr, "fatal: protocol error: expected old/new/ref, got 'not a command'");
  t.match(r.stdout, 'ERR protocol error');
  const probe = await run('node', [PUSHGATE_BIN, 'receive-pack', '--stateless-rpc', gitDir], { input: '0000' });
  t.equal(probe.code, 0);
  t.equal(probe.stdout, '', 'a flush alone gets nothing back');
});

t.test('an atomic push killed in the middle of its ref transaction is all-or-nothing', async (t) => {
  for (const [point, expectMoved] of [
    ['after-locks', false],
    ['after-commit', true],
    ['after-first-apply', true],
  ] as const) {
    const { dir, cleanup } = await tempDir();
    const gitDir = path.join(dir, 'r.git');
    await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
    const work = await WorkRepo.create(path.join(dir, 'w'));
    const c1 = await work.commit('one');
    await work.gitOk([
      'push',
      `--receive-pack=${PUSHGATE_RECEIVE_PACK}`,
      gitDir,
      'main',
      'main:refs/heads/b',
      'main:refs/heads/c',
    ]);
    const c2 = await work.commit('two');
    const r = await work.git(
      ['push', '--atomic', `--receive-pack=${PUSHGATE_RECEIVE_PACK}`, gitDir, 'main', 'main:refs/heads/b', 'main:refs/heads/c'],
      { PUSHGATE_TEST_REF_CRASH: point },
    );
    t.not(r.code, 0, `${point}: the client sees the push fail`);
    // The next pushgate process to open the repository finishes or undoes the transaction.
    const adv = await run('node', [PUSHGATE_BIN, 'receive-pack', '--advertise-refs', gitDir]);
    t.equal(adv.code, 0, adv.stderr);
    const refs = await refsOf(gitDir);
    const expected = expectMoved ? c2 : c1;
    t.same(refs, { 'refs/heads/main': expected, 'refs/heads/b': expected, 'refs/heads/c': expected }, `${point}: all or nothing`);
    const leftovers = await git(['--git-dir', gitDir, 'for-each-ref']);
    t.equal(leftovers.code, 0);
    const { readdir } = await import('node:fs/promises');
    t.same(
      (await readdir(path.join(gitDir, 'refs/heads'))).filter((f) => f.endsWith('.lock')),
      [],
      `${point}: no locks left`,
    );
    t.same(
      (await readdir(gitDir)).filter((f) => f.startsWith('pushgate-ref-journal')),
      [],
      `${point}: no journal left`,
    );
    const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict']);
    t.equal(fsck.code, 0, fsck.stderr);
    await cleanup();
  }
});

for (const mode of [undefined, 'refuse', 'warn', 'ignore']) {
  differential(
    test,
    `non-bare repository, receive.denyCurrentBranch=${mode ?? 'unset'}`,
    { nonBare: true, config: mode ? { 'receive.denyCurrentBranch': mode } : {} },
    async (push, work) => {
      await work.commit('one');
      await push(['main', 'main:refs/heads/side']);
      await work.commit('two');
      await push(['main', 'main:refs/heads/side']);
    },
  );
}

for (const level of [undefined, 'warn', 'ignore']) {
  differential(
    test,
    `receive.fsckObjects with a malformed commit, receive.fsck.missingSpaceBeforeDate=${level ?? 'unset'}`,
    { config: { 'receive.fsckObjects': 'true', ...(level ? { 'receive.fsck.missingSpaceBeforeDate': level } : {}) } },
    async (push, work) => {
      await work.commit('one');
      await push(['main']);
      const tree = await work.gitOk(['rev-parse', 'HEAD^{tree}']);
      const parent = await work.rev('HEAD');
      const text = `tree ${tree}\nparent ${parent}\nauthor A U Thor <a@example.com> 1700000000 +0000\ncommitter C O Mitter <c@example.com>1700000000 +0000\n\nbad date\n`;
      const { git: runGit } = await import('./helpers/git.js');
      const bad = (
        await runGit(['hash-object', '--literally', '-t', 'commit', '-w', '--stdin'], { cwd: work.dir, input: text })
      ).stdout.trim();
      await push([`${bad}:refs/heads/main`]);
    },
  );
}
