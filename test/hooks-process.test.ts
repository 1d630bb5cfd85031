/**
 * Hooks as processes: output order and partial lines, a hook that ignores a
 * large stdin, exit statuses and signals, scripts without #!, missing and
 * non-executable hooks, timeouts that kill the whole process group (even one
 * a grandchild left), hooks that cannot start, aborting, and an output
 * consumer that throttles the hook.
 */
import t from 'tap';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ReceiveCommand } from '../src/receive/command.js';
import { HookRunner } from '../src/receive/hooks/index.js';
import { A, B, config, gitEnv, isAlive, setup, writeHook } from './helpers/hooks.js';

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
