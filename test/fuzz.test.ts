import t from 'tap';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * A short run of the fuzz harness (bench/fuzz.mjs, on dist/): every parser
 * it covers returns or throws a PushgateError on a few thousand generated
 * and mutated inputs. Then the harness's own checks: it does catch a crash,
 * a synchronous hang, a promise that never settles and a memory overrun, and
 * it does not take a case that was slow once (a starved worker) for a hang.
 */
const FUZZ = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bench', 'fuzz.mjs');

function fuzz(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [FUZZ, '--quiet', ...args], { maxBuffer: 16 << 20 }, (error, stdout) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout });
    });
  });
}

function figures(stdout: string) {
  const number = (label: string) => Number(new RegExp(`^${label}: (\\d+)`, 'm').exec(stdout)?.[1]);
  return { cases: number('cases run'), crashes: number('crashes'), hangs: number('hangs') };
}

t.test('every target, 4,000 cases: no crash, no hang, bounded memory', async (t) => {
  const dir = t.testdir();
  const { code, stdout } = await fuzz(['--cases', '4000', '--seed', '20261203', '--tmp', dir, '--max-rss-mb', '512']);
  t.equal(code, 0, stdout);
  t.same(figures(stdout), { cases: 4000, crashes: 0, hangs: 0 });
  t.match(stdout, /targets pkt-line update-request push-options upload-request-v0 upload-request-v2 pack delta tree commit tag/);
  t.match(stdout, /^peak RSS: \d+ MiB/m);
});

t.test('the harness catches crashes, hangs and memory growth', async (t) => {
  const dir = t.testdir();
  const run = (target: string, extra: string[] = []) =>
    fuzz(['--cases', '2', '--seed', '1', '--targets', target, '--tmp', dir, '--timeout-ms', '500', ...extra]);
  const crash = await run('selftest-crash');
  t.equal(crash.code, 1);
  t.same(figures(crash.stdout), { cases: 2, crashes: 2, hangs: 0 });
  t.match(crash.stdout, /CRASH case \d \(selftest-crash, --seed 1 --case \d\): TypeError/);
  const loop = await run('selftest-loop');
  t.equal(loop.code, 1);
  t.same(figures(loop.stdout), { cases: 2, crashes: 0, hangs: 2 }, 'a synchronous loop is stopped and the run goes on');
  const never = await run('selftest-never');
  t.equal(never.code, 1);
  t.equal(figures(never.stdout).hangs, 2, 'a promise that never settles is a hang');
  const slow = await run('selftest-slow', ['--timeout-ms', '300', '--jobs', '1']);
  t.equal(slow.code, 0, 'over the time once but not alone in a fresh worker: starved, not hung');
  t.match(slow.stdout, /^slow, not reproduced alone: 1$/m);
  t.same(figures(slow.stdout), { cases: 2, crashes: 0, hangs: 0 });
  const memory = await fuzz([
    '--cases',
    '12',
    '--seed',
    '1',
    '--targets',
    'selftest-memory',
    '--tmp',
    dir,
    '--max-rss-mb',
    '300',
  ]);
  t.equal(memory.code, 1);
  t.match(memory.stdout, /EXCEEDED/);
});
