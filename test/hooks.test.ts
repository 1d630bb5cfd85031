import t from 'tap';
import { quarantineEnvironment, quoteAlternate } from '../src/repo/quarantine-env.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync, existsSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { ReceiveCommand } from '../src/receive/command.js';
import {
  HookRunner,
  PRE_RECEIVE_DECLINED,
  UPDATE_HOOK_DECLINED,
  hookEnvironment,
  hooksDirectory,
  updateHookDeclinedMessage,
  type HookRunnerOptions,
} from '../src/receive/hooks/index.js';

/** What the helpers need from a (sub)test. */
type TapTest = Pick<typeof t, 'testdir'>;

const SAMPLE_HOOKS = resolve(fileURLToPath(import.meta.url), '../../hooks');
const ZERO = '0'.repeat(40);
const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);

/** Git with a fixed identity and no user or system config. */
function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'A U Thor',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_NAME: 'C O Mitter',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
    GIT_COMMITTER_DATE: '1700000000 +0000',
    LC_ALL: 'C',
  };
}

function git(cwd: string, home: string, args: string[], input?: string) {
  const r = spawnSync('git', args, { cwd, env: gitEnv(home), input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function gitOk(cwd: string, home: string, args: string[], input?: string): string {
  const r = git(cwd, home, args, input);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A GitConfig over a plain map, enough for the runner. */
function config(values: Record<string, string> = {}): HookRunnerOptions['config'] {
  return {
    get: (key) => values[key],
    getBool: (key, fallback) => {
      const v = values[key];
      if (v === undefined) return fallback;
      return ['true', 'yes', 'on', '1'].includes(v.toLowerCase());
    },
    getInt: (key, fallback) => (values[key] === undefined ? fallback : Number.parseInt(values[key]!, 10)),
  };
}

function writeHook(dir: string, name: string, body: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

/** A bare repository and a runner whose output is collected. */
function setup(t: TapTest, options: Partial<HookRunnerOptions> & { values?: Record<string, string> } = {}) {
  const dir = t.testdir();
  const home = join(dir, 'home');
  mkdirSync(home);
  const gitDir = realpathSync(dir) + '/repo.git';
  gitOk(dir, home, ['init', '-q', '--bare', gitDir]);
  const chunks: Buffer[] = [];
  const runner = new HookRunner({
    gitDir,
    config: config(options.values),
    output: (chunk) => void chunks.push(chunk),
    inheritedEnv: gitEnv(home),
    ...options,
  });
  return { dir, home, gitDir, hooks: join(gitDir, 'hooks'), runner, chunks, text: () => Buffer.concat(chunks).toString() };
}

function isAlive(pid: number): boolean {
  try {
    // A zombie nobody has reaped yet is dead for our purpose.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

t.test("reasons are git's", async (t) => {
  t.equal(PRE_RECEIVE_DECLINED, 'pre-receive hook declined');
  t.equal(UPDATE_HOOK_DECLINED, 'hook declined');
  t.equal(updateHookDeclinedMessage('refs/heads/main'), 'hook declined to update refs/heads/main');
});

t.test('pre-receive: no args, stdin lines, cwd, GIT_DIR, push option count 0, quarantine env', async (t) => {
  const { gitDir, hooks, runner, text } = setup(t);
  writeHook(
    hooks,
    'pre-receive',
    [
      'echo "args=$#"',
      'echo "pwd=$(pwd -P)"',
      'echo "GIT_DIR=$GIT_DIR"',
      'echo "count=${GIT_PUSH_OPTION_COUNT-unset} opt0=${GIT_PUSH_OPTION_0-unset}"',
      'echo "q=$GIT_QUARANTINE_PATH o=$GIT_OBJECT_DIRECTORY a=$GIT_ALTERNATE_OBJECT_DIRECTORIES"',
      'while read -r old new ref; do echo "line=$old $new $ref"; done',
    ].join('\n'),
  );
  const commands = [new ReceiveCommand('refs/heads/main', A, B), new ReceiveCommand('refs/tags/v1', ZERO, C)];
  commands[0]!.reject('already rejected earlier'); // git still feeds it to pre-receive
  const quarantineEnv = { GIT_QUARANTINE_PATH: '/q', GIT_OBJECT_DIRECTORY: '/q', GIT_ALTERNATE_OBJECT_DIRECTORIES: '/objs' };
  const result = await runner.preReceive(commands, { quarantineEnv });
  t.ok(result.ok);
  t.equal(result.exitCode, 0);
  t.equal(result.path, join(hooks, 'pre-receive'));
  t.equal(
    text(),
    [
      'args=0',
      `pwd=${gitDir}`,
      'GIT_DIR=.',
      'count=0 opt0=unset',
      'q=/q o=/q a=/objs',
      `line=${A} ${B} refs/heads/main`,
      `line=${ZERO} ${C} refs/tags/v1`,
      '',
    ].join('\n'),
  );
});

t.test('pre-receive and post-receive: push options', async (t) => {
  const { hooks, runner, text } = setup(t);
  const body = 'echo "$0 count=$GIT_PUSH_OPTION_COUNT 0=$GIT_PUSH_OPTION_0 1=$GIT_PUSH_OPTION_1 2=${GIT_PUSH_OPTION_2-unset}"';
  writeHook(hooks, 'pre-receive', body);
  writeHook(hooks, 'post-receive', body);
  const cmd = new ReceiveCommand('refs/heads/main', A, B);
  await runner.preReceive([cmd], { pushOptions: ['ci.skip', 'reviewer=me x'] });
  cmd.accept();
  await runner.postReceive([cmd], { pushOptions: ['ci.skip', 'reviewer=me x'] });
  t.equal(
    text(),
    // $0 is the hook relative to the repository, as git runs it.
    'hooks/pre-receive count=2 0=ci.skip 1=reviewer=me x 2=unset\n' +
      'hooks/post-receive count=2 0=ci.skip 1=reviewer=me x 2=unset\n',
  );
});

t.test('environment: inherited, caller extras, repository locators dropped', async (t) => {
  const { home, hooks, gitDir } = setup(t);
  const chunks: Buffer[] = [];
  const runner = new HookRunner({
    gitDir,
    config: config(),
    output: (c) => void chunks.push(c),
    env: { REMOTE_USER: 'alice', GIT_PROTOCOL: 'version=1' },
    inheritedEnv: { ...gitEnv(home), INHERITED: 'yes', GIT_OBJECT_DIRECTORY: '/elsewhere', GIT_DIR: '/elsewhere.git' },
  });
  writeHook(
    hooks,
    'update',
    'echo "user=$REMOTE_USER proto=$GIT_PROTOCOL inh=$INHERITED obj=${GIT_OBJECT_DIRECTORY-unset} dir=$GIT_DIR"',
  );
  await runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.equal(Buffer.concat(chunks).toString(), 'user=alice proto=version=1 inh=yes obj=unset dir=.\n');

  const env = hookEnvironment({ GIT_DIR: '/x', PATH: '/bin' }, { GIT_DIR: '/y', A: '1' }, { A: '2' });
  t.same(env, { PATH: '/bin', A: '2', GIT_DIR: '.' }, 'later layers win, GIT_DIR is always .');
});

t.test('update: <ref> <old> <new>, no stdin, no push options or quarantine', async (t) => {
  const { hooks, runner, text } = setup(t);
  writeHook(
    hooks,
    'update',
    'echo "args=$# $1 $2 $3"; echo "stdin=$(wc -c | tr -d " ")"; echo "count=${GIT_PUSH_OPTION_COUNT-unset} q=${GIT_QUARANTINE_PATH-unset}"; [ "$1" = refs/heads/ok ]',
  );
  const ok = await runner.update(new ReceiveCommand('refs/heads/ok', A, B));
  t.ok(ok.ok);
  const no = await runner.update(new ReceiveCommand('refs/heads/no', ZERO, C));
  t.notOk(no.ok);
  t.equal(no.exitCode, 1);
  t.equal(
    text(),
    `args=3 refs/heads/ok ${A} ${B}\nstdin=0\ncount=unset q=unset\n` +
      `args=3 refs/heads/no ${ZERO} ${C}\nstdin=0\ncount=unset q=unset\n`,
  );
});

t.test('post-receive and post-update: successful commands only, skipped when none', async (t) => {
  const { hooks, runner, text } = setup(t);
  writeHook(hooks, 'post-receive', 'echo post-receive; cat');
  writeHook(hooks, 'post-update', 'echo "post-update $*"');
  const ok = new ReceiveCommand('refs/heads/main', A, B);
  ok.accept();
  const created = new ReceiveCommand('refs/heads/new', ZERO, C);
  created.accept();
  const failed = new ReceiveCommand('refs/heads/bad', A, C);
  failed.reject('hook declined');
  const ghost = new ReceiveCommand('refs/heads/ghost', A, ZERO);
  ghost.accept({ didNotExist: true });
  const all = [ok, failed, ghost, created];
  t.ok((await runner.postReceive(all)).ok);
  t.ok((await runner.postUpdate(all)).ok);
  t.equal(
    text(),
    `post-receive\n${A} ${B} refs/heads/main\n${ZERO} ${C} refs/heads/new\npost-update refs/heads/main refs/heads/new\n`,
  );

  const none = await runner.postReceive([failed, ghost]);
  t.equal(none.path, null, 'post-receive not run without successful commands');
  t.equal((await runner.postUpdate([failed])).path, null, 'post-update neither');
  t.equal((await runner.preReceive([])).path, null, 'pre-receive not run without commands');
});

t.test('stdout and stderr reach the output in order; partial lines are kept', async (t) => {
  const { hooks, runner, chunks, text } = setup(t);
  writeHook(
    hooks,
    'pre-receive',
    'echo out1; echo err1 >&2; echo out2; echo err2 >&2; printf half; sleep 0.2; printf "%s\\n" -line >&2; printf tail',
  );
  const result = await runner.preReceive([new ReceiveCommand('refs/heads/main', A, B)]);
  t.ok(result.ok);
  t.equal(text(), 'out1\nerr1\nout2\nerr2\nhalf-line\ntail');
  t.ok(chunks.length >= 2, 'delivered as it came, in chunks');
});

t.test('a hook that does not read a large stdin does not crash the runner', async (t) => {
  const { hooks, runner } = setup(t);
  const commands = Array.from({ length: 30000 }, (_, i) => new ReceiveCommand(`refs/heads/b${i}`, A, B));
  writeHook(hooks, 'pre-receive', 'exit 0');
  const ok = await runner.preReceive(commands);
  t.ok(ok.ok, 'exit 0 without reading is accepted');
  writeHook(hooks, 'pre-receive', 'echo no >&2; exit 7');
  const no = await runner.preReceive(commands);
  t.notOk(no.ok);
  t.equal(no.exitCode, 7);
  writeHook(hooks, 'pre-receive', 'head -n 1 >/dev/null; exit 0');
  t.ok((await runner.preReceive(commands)).ok, 'reading part of it is fine too');
});

t.test('exit statuses and signals', async (t) => {
  const { hooks, runner } = setup(t);
  writeHook(hooks, 'update', 'exit 3');
  const three = await runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.match(three, { ok: false, exitCode: 3, signal: null, timedOut: false });
  writeHook(hooks, 'update', 'kill -TERM $$');
  const killed = await runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.match(killed, { ok: false, exitCode: null, signal: 'SIGTERM' });
  writeHook(hooks, 'update', 'exit 0');
  t.match(await runner.update(new ReceiveCommand('refs/heads/main', A, B)), { ok: true, exitCode: 0 });
});

t.test('a hook file without #! runs as a shell script, as in git', async (t) => {
  const { hooks, runner, text } = setup(t);
  mkdirSync(hooks, { recursive: true });
  writeFileSync(join(hooks, 'update'), 'echo "plain $1"\n');
  chmodSync(join(hooks, 'update'), 0o755);
  t.ok((await runner.update(new ReceiveCommand('refs/heads/x', A, B))).ok);
  t.equal(text(), 'plain refs/heads/x\n');
});

t.test('missing and non-executable hooks are skipped; the hint is given once', async (t) => {
  const hints: string[] = [];
  const { hooks, runner, text } = setup(t, { onHint: (line) => void hints.push(line) });
  const cmd = new ReceiveCommand('refs/heads/main', A, B);
  t.match(await runner.preReceive([cmd]), { ok: true, path: null }, 'missing');
  const path = writeHook(hooks, 'pre-receive', 'echo ran; exit 1', 0o644);
  t.match(await runner.preReceive([cmd]), { ok: true, path: null }, 'not executable');
  await runner.preReceive([cmd]);
  t.equal(text(), '', 'never ran');
  t.same(hints, [
    `The '${path}' hook was ignored because it's not set as executable.`,
    'You can disable this warning with `git config advice.ignoredHook false`.',
  ]);
  mkdirSync(join(hooks, 'update'));
  t.match(await runner.update(cmd), { ok: true, path: null }, 'a directory is not a hook');

  const quiet: string[] = [];
  const second = setup(t, { values: { 'advice.ignoredHook': 'false' }, onHint: (l) => void quiet.push(l) });
  writeHook(second.hooks, 'pre-receive', 'exit 1', 0o644);
  t.ok((await second.runner.preReceive([cmd])).ok);
  t.same(quiet, [], 'advice.ignoredHook=false silences the hint');
});

t.test('core.hooksPath: relative to the git dir, absolute, ~/', async (t) => {
  const dir = t.testdir();
  t.equal(hooksDirectory('/srv/r.git', config()), '/srv/r.git/hooks');
  t.equal(hooksDirectory('/srv/r.git', config({ 'core.hooksPath': 'custom' })), '/srv/r.git/custom');
  t.equal(hooksDirectory('/srv/r.git', config({ 'core.hooksPath': '../shared-hooks' })), '/srv/shared-hooks');
  t.equal(hooksDirectory('/srv/r.git', config({ 'core.hooksPath': '/etc/hooks' })), '/etc/hooks');
  t.match(hooksDirectory('/srv/r.git', config({ 'core.hooksPath': '~/h' })), /\/h$/);

  const relative = setup(t, { values: { 'core.hooksPath': 'custom-hooks' } });
  writeHook(relative.hooks, 'update', 'echo default');
  writeHook(join(relative.gitDir, 'custom-hooks'), 'update', 'echo custom');
  await relative.runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.equal(relative.text(), 'custom\n');

  const absoluteDir = join(realpathSync(dir), 'abs-hooks');
  const absolute = setup(t, { values: { 'core.hooksPath': absoluteDir } });
  writeHook(absoluteDir, 'update', 'echo "absolute $(pwd -P)"');
  await absolute.runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.equal(absolute.text(), `absolute ${absolute.gitDir}\n`, 'still runs in the git dir');
});

t.test('timeout kills the whole process group and declines', async (t) => {
  const { hooks, gitDir, runner, text } = setup(t, { values: { 'pushgate.hookTimeout': '1' } });
  writeHook(hooks, 'pre-receive', 'sleep 300 & echo $! > child.pid; printf "working"; sleep 300');
  const started = Date.now();
  const result = await runner.preReceive([new ReceiveCommand('refs/heads/main', A, B)]);
  const elapsed = Date.now() - started;
  t.match(result, { ok: false, timedOut: true, exitCode: null, signal: 'SIGKILL' });
  t.ok(elapsed >= 1000 && elapsed < 10000, `stopped after the limit (${elapsed} ms)`);
  t.equal(text(), "working\nerror: hook 'pre-receive' timed out after 1 s\n");
  const child = Number(readFileSync(join(gitDir, 'child.pid'), 'utf8'));
  for (let i = 0; i < 50 && isAlive(child); i++) await sleep(50);
  t.notOk(isAlive(child), 'the sleeping grandchild was killed too');
});

t.test('a timed-out hook whose grandchild left the group still ends', async (t) => {
  const { hooks, gitDir, runner, text } = setup(t, { values: { 'pushgate.hookTimeout': '1' } });
  // The escaped process keeps the output pipe open; it is ours, so we stop it by pid.
  writeHook(hooks, 'update', "setsid sh -c 'echo $$ > escaped.pid; exec sleep 300' & sleep 300");
  const started = Date.now();
  const result = await runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.match(result, { ok: false, timedOut: true });
  t.ok(Date.now() - started < 10000, 'did not wait for the escaped process');
  t.match(text(), "error: hook 'update' timed out after 1 s");
  const escaped = Number(readFileSync(join(gitDir, 'escaped.pid'), 'utf8'));
  t.teardown(() => {
    try {
      process.kill(escaped, 'SIGKILL');
    } catch {
      // already gone
    }
  });
});

t.test('a hook that cannot be started declines with a message', async (t) => {
  const dir = realpathSync(t.testdir());
  const hooksDir = join(dir, 'hooks');
  writeHook(hooksDir, 'update', 'exit 0');
  const chunks: Buffer[] = [];
  const runner = new HookRunner({
    gitDir: join(dir, 'no-such-repo.git'),
    config: config({ 'core.hooksPath': hooksDir }),
    output: (c) => void chunks.push(c),
  });
  const result = await runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.match(result, { ok: false, exitCode: null, error: { code: 'ENOENT' } });
  t.match(Buffer.concat(chunks).toString(), /^error: cannot run hook 'update': /);
});

t.test('no timeout by default; aborting kills the hook', async (t) => {
  const { hooks, runner } = setup(t);
  writeHook(hooks, 'update', 'sleep 1.2; exit 0');
  t.ok((await runner.update(new ReceiveCommand('refs/heads/main', A, B))).ok, 'a slow hook finishes');

  const controller = new AbortController();
  const aborting = setup(t, { signal: controller.signal });
  writeHook(aborting.hooks, 'update', 'sleep 300');
  setTimeout(() => controller.abort(), 200);
  const result = await aborting.runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.match(result, { ok: false, aborted: true, signal: 'SIGKILL' });
  t.match(
    await aborting.runner.update(new ReceiveCommand('refs/heads/main', A, B)),
    { ok: false, aborted: true },
    'later hooks do not start',
  );
});

t.test('an output consumer returning promises throttles the hook without losing bytes', async (t) => {
  const { hooks, gitDir, home } = setup(t);
  writeHook(hooks, 'update', 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done');
  const chunks: Buffer[] = [];
  const runner = new HookRunner({
    gitDir,
    config: config(),
    inheritedEnv: gitEnv(home),
    output: async (c) => {
      chunks.push(c);
      await sleep(1);
    },
  });
  t.ok((await runner.update(new ReceiveCommand('refs/heads/main', A, B))).ok);
  const lines = Buffer.concat(chunks).toString().split('\n');
  t.equal(lines.length, 2001);
  t.equal(lines[1999], 'line 1999');
});

t.test('quarantine environment lets pre-receive read quarantined objects', async (t) => {
  const { gitDir, home, hooks, runner, text } = setup(t);
  const objects = join(gitDir, 'objects');
  const quarantine = join(objects, 'tmp_objdir-incoming-test');
  mkdirSync(quarantine);
  const oid = gitOk(gitDir, home, ['hash-object', '-w', '--stdin'], 'quarantined\n');
  // One object in the main store, one only in the quarantine.
  const env = { ...gitEnv(home), GIT_OBJECT_DIRECTORY: quarantine };
  spawnSync('git', ['hash-object', '-w', '--stdin'], { cwd: gitDir, env, input: 'only-in-quarantine\n' });
  const qOid = spawnSync('git', ['hash-object', '--stdin'], {
    cwd: gitDir,
    env,
    input: 'only-in-quarantine\n',
    encoding: 'utf8',
  }).stdout.trim();
  writeHook(hooks, 'pre-receive', `git cat-file -p ${qOid} && git cat-file -p ${oid} && echo "q=$GIT_QUARANTINE_PATH"`);
  const result = await runner.preReceive([new ReceiveCommand('refs/heads/main', A, B)], {
    quarantineEnv: quarantineEnvironment(quarantine, objects, undefined),
  });
  t.ok(result.ok, 'accepted', { output: text() });
  t.equal(text(), `only-in-quarantine\nquarantined\nq=${quarantine}\n`);
  t.notOk(spawnSync('git', ['cat-file', '-e', qOid], { cwd: gitDir, env: gitEnv(home) }).status === 0, 'not in the main store');

  t.same(quarantineEnvironment('/r/objects/tmp_objdir-incoming-x', '/r/objects', '/alt'), {
    GIT_QUARANTINE_PATH: '/r/objects/tmp_objdir-incoming-x',
    GIT_OBJECT_DIRECTORY: '/r/objects/tmp_objdir-incoming-x',
    GIT_ALTERNATE_OBJECT_DIRECTORIES: '/alt:/r/objects',
  });
  t.equal(quoteAlternate('/plain/objects'), '/plain/objects');
  t.equal(quoteAlternate('/a:b/objects'), '"/a:b/objects"');
  t.equal(quoteAlternate('"q\\\tx'), '"\\"q\\\\\\tx"');
  t.equal(quoteAlternate('/é:x'), '"/\\303\\251:x"');
});

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
