/**
 * The sample hooks in hooks/, run by stock git receive-pack on real pushes:
 * pre-receive.commit-message, pre-receive.max-file-size and
 * pre-receive.chain.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { git, gitOk, type TapTest } from './helpers/hooks.js';

const SAMPLE_HOOKS = resolve(fileURLToPath(import.meta.url), '../../hooks');

// ---- sample hooks, run by stock git receive-pack on real pushes ----

interface PushSetup {
  dir: string;
  home: string;
  srv: string;
  work: string;
  commit(message: string, files?: Record<string, string | Buffer>): string;
  push(...args: string[]): { status: number | null; stderr: string };
  serverRef(ref: string): string | null;
}

function pushSetup(t: TapTest): PushSetup {
  const dir = realpathSync(t.testdir());
  const home = join(dir, 'home');
  mkdirSync(home);
  const srv = join(dir, 'srv.git');
  const work = join(dir, 'work');
  gitOk(dir, home, ['init', '-q', '--bare', srv]);
  gitOk(dir, home, ['init', '-q', '-b', 'main', work]);
  let n = 0;
  return {
    dir,
    home,
    srv,
    work,
    commit(message, files = { [`file${++n}.txt`]: `content ${n}\n` }) {
      for (const [name, content] of Object.entries(files)) writeFileSync(join(work, name), content);
      gitOk(work, home, ['add', '-A']);
      gitOk(work, home, ['commit', '-q', '--allow-empty', '--allow-empty-message', '--cleanup=verbatim', '-F', '-'], message);
      return gitOk(work, home, ['rev-parse', 'HEAD']);
    },
    push(...args) {
      const r = git(work, home, ['push', srv, ...args]);
      return { status: r.status, stderr: r.stderr };
    },
    serverRef(ref) {
      const r = git(srv, home, ['rev-parse', '-q', '--verify', ref]);
      return r.status === 0 ? r.stdout.trim() : null;
    },
  };
}

function installSample(srv: string, sample: string, as = 'pre-receive'): void {
  const target = join(srv, 'hooks', as);
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(SAMPLE_HOOKS, sample), target);
  chmodSync(target, 0o755);
}

t.test('sample hooks are executable and say how to install them', async (t) => {
  for (const name of ['pre-receive.commit-message', 'pre-receive.max-file-size', 'pre-receive.chain']) {
    const path = join(SAMPLE_HOOKS, name);
    t.ok(existsSync(path), name);
    const mode = spawnSync('sh', ['-c', `[ -x "${path}" ]`]).status;
    t.equal(mode, 0, `${name} is executable`);
    t.match(readFileSync(path, 'utf8'), /Install[\s\S]*hooks\/pre-receive/, `${name} has install notes`);
    t.equal(spawnSync('sh', ['-n', path]).status, 0, `${name} parses as sh`);
  }
});

t.test('sample pre-receive.commit-message', async (t) => {
  const s = pushSetup(t);
  installSample(s.srv, 'pre-receive.commit-message');

  const good = s.commit(
    'Add the first file\n\nWith a body that may be as long as it likes, the rule only looks at the subject line.\n',
  );
  const accepted = s.push('main');
  t.equal(accepted.status, 0, 'accepted', { stderr: accepted.stderr });
  t.equal(s.serverRef('refs/heads/main'), good);

  s.commit('A fine subject');
  const longSubject = 'x'.repeat(73);
  const bad = s.commit(`${longSubject}\n`);
  const empty = s.commit('');
  const rejected = s.push('main');
  t.not(rejected.status, 0);
  t.match(
    rejected.stderr,
    'remote: *** commit message rule: 2 commit(s) refused: subject must be non-empty, start with a non-blank and be at most 72 characters',
  );
  t.match(rejected.stderr, `remote: ***   ${bad} "${longSubject}"`);
  t.match(rejected.stderr, `remote: ***   ${empty} ""`);
  t.notMatch(rejected.stderr, 'A fine subject', 'good commits are not listed');
  t.match(rejected.stderr, '! [remote rejected] main -> main (pre-receive hook declined)');
  t.equal(s.serverRef('refs/heads/main'), good, 'ref unchanged');

  // Deleting a ref and tagging a commit the server already has bring no new commits.
  gitOk(s.work, s.home, ['reset', '-q', '--hard', good]);
  t.equal(s.push('main:refs/heads/topic').status, 0);
  t.equal(s.push(':refs/heads/topic').status, 0, 'deletion (zero new oid) passes');
  gitOk(s.work, s.home, ['tag', '-a', '-m', 'Release one', 'v1', good]);
  t.equal(s.push('refs/tags/v1').status, 0, 'annotated tag of an existing commit passes');

  // A configured pattern (Conventional Commits).
  gitOk(s.srv, s.home, ['config', 'hooks.commitMessagePattern', '^(feat|fix|docs|chore)(\\([^)]+\\))?!?: .+']);
  const feat = s.commit('feat(api): add the thing');
  t.equal(s.push('main').status, 0);
  t.equal(s.serverRef('refs/heads/main'), feat);
  const plain = s.commit('add another thing');
  const refused = s.push('main');
  t.not(refused.status, 0);
  t.match(refused.stderr, "subject does not match hooks.commitMessagePattern '^(feat|fix|docs|chore)");
  t.match(refused.stderr, `remote: ***   ${plain} "add another thing"`);
  t.match(refused.stderr, '(pre-receive hook declined)');
});

t.test('sample pre-receive.max-file-size', async (t) => {
  const s = pushSetup(t);
  // A big file already on the server before the hook exists: old history never blocks.
  const early = s.commit('Add a big file early', { 'early.bin': Buffer.alloc(3000, 1) });
  t.equal(s.push('main').status, 0);
  installSample(s.srv, 'pre-receive.max-file-size');
  gitOk(s.srv, s.home, ['config', 'hooks.maxFileSize', '2k']);

  const small = s.commit('Add a small file', { 'small.txt': 'small\n', 'early.bin': Buffer.alloc(3000, 1) });
  const accepted = s.push('main');
  t.equal(accepted.status, 0, 'accepted', { stderr: accepted.stderr });
  t.equal(s.serverRef('refs/heads/main'), small);
  t.not(early, small);

  mkdirSync(join(s.work, 'assets'));
  s.commit('Add a big asset', { 'assets/big image.png': Buffer.alloc(4096, 2) });
  const rejected = s.push('main');
  t.not(rejected.status, 0);
  t.match(rejected.stderr, 'remote: *** max file size rule: 1 file(s) bigger than hooks.maxFileSize (2.0 KiB)');
  t.match(rejected.stderr, /remote: \*\*\*   assets\/big image\.png: 4\.0 KiB \(4096 bytes, blob [0-9a-f]{40}\)/);
  t.match(rejected.stderr, '! [remote rejected] main -> main (pre-receive hook declined)');
  t.equal(s.serverRef('refs/heads/main'), small, 'ref unchanged');

  // A blob pushed directly to a ref has no path; the default limit is 5 MiB.
  gitOk(s.srv, s.home, ['config', '--unset', 'hooks.maxFileSize']);
  const blob = gitOk(s.work, s.home, ['hash-object', '-w', '--stdin'], 'x'.repeat(6 * 1024 * 1024));
  const direct = s.push(`${blob}:refs/blobs/huge`);
  t.not(direct.status, 0);
  t.match(direct.stderr, '(5.0 MiB)');
  t.match(direct.stderr, `(pushed directly, no path): 6.0 MiB (6291456 bytes, blob ${blob})`);
  t.equal(s.push(':refs/heads/main').status, 0, 'deletions pass');
});

t.test('sample pre-receive.chain runs each hook in pre-receive.d', async (t) => {
  const s = pushSetup(t);
  installSample(s.srv, 'pre-receive.chain');
  installSample(s.srv, 'pre-receive.commit-message', 'pre-receive.d/10-commit-message');
  installSample(s.srv, 'pre-receive.max-file-size', 'pre-receive.d/20-max-file-size');
  gitOk(s.srv, s.home, ['config', 'hooks.maxFileSize', '1k']);

  const ok = s.commit('Small and well described');
  t.equal(s.push('main').status, 0);
  t.equal(s.serverRef('refs/heads/main'), ok);

  s.commit('Big file', { 'big.bin': Buffer.alloc(2048, 3) });
  const big = s.push('main');
  t.match(big.stderr, 'remote: *** max file size rule');
  t.match(big.stderr, '(pre-receive hook declined)');

  gitOk(s.work, s.home, ['reset', '-q', '--hard', ok]);
  s.commit('y'.repeat(80));
  const msg = s.push('main');
  t.match(msg.stderr, 'remote: *** commit message rule');
  t.notMatch(msg.stderr, 'max file size rule', 'stops at the first refusal');
  t.equal(s.serverRef('refs/heads/main'), ok);
});
