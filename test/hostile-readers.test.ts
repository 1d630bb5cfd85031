import t, { type Test } from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { FLUSH_PKT, pktLine } from '../src/protocol/pkt-line.js';
import { initRepository } from '../src/repo/init-repository.js';
import { git, gitOk, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';
import { demuxSideband, reportLines, updateRequestBody } from './helpers/wire.js';

/**
 * Hostile readers and pushers (issue 10, item 1): a request of any size
 * must not hold the event loop (other users keep being served), and the
 * counts of wants, haves, shallows, commands and push options are limited,
 * with a message naming the limit.
 */

const ZERO = '0'.repeat(40);
const DELIM_PKT = Buffer.from('0001');
const WANTS = 40_000;
const EMPTY_PACK = (() => {
  const header = Buffer.from('5041434b0000000200000000', 'hex');
  return Buffer.concat([header, createHash('sha1').update(header).digest()]);
})();

async function setup(t: Test, config: Record<string, string> = {}) {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const gitDir = path.join(dataDir, 'demo.git');
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  for (const [key, value] of Object.entries(config)) await gitOk(['--git-dir', gitDir, 'config', key, value]);
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true });
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const url = `${server.url}/demo.git`;
  await work.gitOk(['remote', 'add', 'origin', url]);
  const tips = [await work.commit('one'), await work.commit('two'), await work.commit('three')];
  await work.gitOk(['push', '-q', 'origin', 'main']);
  return { dir, gitDir, url, work, tips };
}

function randomOids(n: number): string[] {
  const bytes = randomBytes(20 * n);
  return Array.from({ length: n }, (_, i) => bytes.toString('hex', i * 20, i * 20 + 20));
}

/** A v0 upload request: wants (capabilities on the first), flush, then haves and done. */
function v0Body(wants: string[], options: { haves?: string[]; shallows?: string[]; caps?: string } = {}): Buffer {
  const caps = options.caps ?? 'multi_ack_detailed side-band-64k thin-pack ofs-delta agent=test';
  const parts = wants.map((oid, i) => pktLine(i === 0 ? `want ${oid} ${caps}\n` : `want ${oid}\n`));
  for (const oid of options.shallows ?? []) parts.push(pktLine(`shallow ${oid}\n`));
  parts.push(FLUSH_PKT);
  for (const oid of options.haves ?? []) parts.push(pktLine(`have ${oid}\n`));
  parts.push(pktLine('done\n'));
  return Buffer.concat(parts);
}

/** A v2 `fetch` request. */
function v2Body(wants: string[], options: { haves?: string[]; shallows?: string[] } = {}): Buffer {
  const parts = [pktLine('command=fetch\n'), pktLine('agent=test\n'), pktLine('object-format=sha1\n'), DELIM_PKT];
  for (const oid of wants) parts.push(pktLine(`want ${oid}\n`));
  for (const oid of options.shallows ?? []) parts.push(pktLine(`shallow ${oid}\n`));
  for (const oid of options.haves ?? []) parts.push(pktLine(`have ${oid}\n`));
  parts.push(pktLine('done\n'), FLUSH_PKT);
  return Buffer.concat(parts);
}

async function postUpload(url: string, body: Buffer, v2 = false): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(`${url}/git-upload-pack`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-git-upload-pack-request', ...(v2 ? { 'git-protocol': 'version=2' } : {}) },
    body: new Uint8Array(body),
  });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

/** The message of an `ERR` pkt-line or a band-3 packet in a response, if any. */
function errorOf(body: Buffer): string {
  const text = body.toString('latin1');
  const err = /ERR ([^\n]*)/.exec(text);
  if (err) return err[1]!;
  return demuxSideband(body).error;
}

interface LoadResult {
  /** monitorEventLoopDelay's p99 and max, ms. */
  p99: number;
  max: number;
  /**
   * p99 of the same delays counted in the main thread's CPU time (a gap in
   * which the thread ran for less than the wall time was the machine's
   * scheduler, not a request holding the loop).
   */
  cpuP99: number;
  normal: number;
}

/**
 * CPU time of this (the main) thread, in ms: Linux's schedstat for the
 * calling thread; elsewhere the whole process's (GC and pool threads too).
 */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1e6;
  } catch {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * Runs `hostile` while a second client keeps doing ordinary requests, with
 * the server's event loop watched.
 */
async function underLoad(url: string, hostile: () => Promise<void>): Promise<LoadResult> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  const cpuDelays: number[] = [];
  let lastWall = performance.now();
  let lastCpu = mainThreadCpuMs();
  const sampler = setInterval(() => {
    const now = performance.now();
    const cpu = mainThreadCpuMs();
    cpuDelays.push(Math.max(0, Math.min(now - lastWall, cpu - lastCpu) - 10));
    lastWall = now;
    lastCpu = cpu;
  }, 10);
  let done = false;
  let normal = 0;
  histogram.enable();
  const ordinary = (async () => {
    while (!done) {
      const r = await fetch(`${url}/info/refs?service=git-upload-pack`);
      await r.arrayBuffer();
      if (r.status === 200) normal++;
    }
  })();
  try {
    await hostile();
  } finally {
    done = true;
    histogram.disable();
    clearInterval(sampler);
    await ordinary;
  }
  return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, cpuP99: percentile(cpuDelays, 99), normal };
}

/**
 * The delay this machine itself imposes right now: the p99 seen by a task
 * that is busy in perfect 5 ms slices. About the timer's jitter on a quiet
 * machine; on a shared, overloaded one the scheduler alone makes it large.
 */
async function machineFloor(): Promise<number> {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const end = performance.now() + 1000;
  while (performance.now() < end) {
    const slice = performance.now();
    while (performance.now() - slice < 5);
    await nextTurn();
  }
  histogram.disable();
  return histogram.percentile(99) / 1e6;
}

/**
 * The bound: p99 ≤ 50 ms. It is asserted on the event loop's delay
 * as monitorEventLoopDelay sees it, less the machine's own floor, when the
 * machine is quiet enough to tell (floor ≤ 20 ms); on an overloaded machine that figure is the
 * scheduler's, and the bound is asserted on the delay in CPU time only.
 */
async function checkDelay(t: Test, what: string, run: () => Promise<LoadResult>): Promise<void> {
  const floor = await machineFloor();
  const load = await run();
  t.comment(
    `${what}: event loop p99 ${load.p99.toFixed(1)} ms (max ${load.max.toFixed(1)} ms), in CPU time ${load.cpuP99.toFixed(1)} ms;` +
      ` machine floor ${floor.toFixed(1)} ms; ${load.normal} other requests served`,
  );
  t.ok(load.cpuP99 <= 50, `${what}: p99 delay in CPU time ${load.cpuP99.toFixed(1)} ms ≤ 50 ms`);
  // The floor is what the machine itself adds (other test files run beside this one): it is not ours to count.
  if (floor <= 20) t.ok(load.p99 - floor <= 50, `${what}: event loop p99 ${load.p99.toFixed(1)} ms, less the floor, ≤ 50 ms`);
  else t.comment(`${what}: the machine is overloaded (floor ${floor.toFixed(1)} ms): wall-clock p99 not asserted`);
  t.ok(load.normal > 0, `${what}: other requests were served meanwhile`);
}

/** First requests load code (fetch, the services): not what is measured. */
async function warmUp(url: string): Promise<void> {
  await (await fetch(`${url}/info/refs?service=git-upload-pack`)).arrayBuffer();
  await postUpload(url, v0Body(randomOids(1)));
  await postUpload(url, v2Body(randomOids(1)), true);
}

t.test('40,000 random wants (v0 over HTTP, and v2 fetch) do not hold the event loop; clones work during and after', async (t) => {
  const { dir, url, tips } = await setup(t);
  const wants = randomOids(WANTS);
  await warmUp(url);
  for (const v2 of [false, true]) {
    const body = v2 ? v2Body(wants) : v0Body(wants);
    let clone: Promise<{ code: number; stderr: string }> | undefined;
    await checkDelay(t, v2 ? 'v2 fetch' : 'v0', () =>
      underLoad(url, async () => {
        const hostile = postUpload(url, body, v2);
        clone = git(['clone', '-q', url, path.join(dir, `during-${v2 ? 2 : 0}`)]);
        const answer = await hostile;
        t.equal(answer.status, 200, 'the hostile request is answered');
        t.match(errorOf(answer.body), /not our ref [0-9a-f]{40}/, 'with a clear error');
      }),
    );
    const during = await clone!;
    t.equal(during.code, 0, `a clone during the attack works: ${during.stderr}`);
  }
  // The same want 40,000 times is one want: a correct answer.
  const repeated = Array.from({ length: WANTS }, () => tips[2]!);
  await checkDelay(t, 'repeated wants', () =>
    underLoad(url, async () => {
      const answer = await postUpload(url, v0Body(repeated, { caps: 'side-band-64k ofs-delta agent=test' }));
      t.equal(answer.status, 200);
      t.equal(errorOf(answer.body), '', 'no error');
      t.match(answer.body.toString('latin1'), /PACK/, 'a pack is sent');
    }),
  );
  const after = await git(['clone', '-q', url, path.join(dir, 'after')]);
  t.equal(after.code, 0, after.stderr);
});

t.test('fetch limits: wants, haves, shallows (v0 and v2), each refused with a message naming its setting', async (t) => {
  const { url, tips } = await setup(t, { 'pushgate.maxWants': '2', 'pushgate.maxHaves': '3', 'pushgate.maxShallows': '1' });
  const missing = randomOids(4);
  for (const v2 of [false, true]) {
    const body = v2 ? v2Body : v0Body;
    let r = await postUpload(url, body(tips), v2);
    t.equal(r.status, 200);
    t.match(errorOf(r.body), "git upload-pack: too many want lines (more than 2; the server's pushgate.maxWants)");
    r = await postUpload(url, body([tips[2]!, tips[2]!, tips[2]!, tips[1]!]), v2);
    t.equal(errorOf(r.body), '', 'a repeated want counts once');
    r = await postUpload(url, body([tips[2]!], { haves: [...missing] }), v2);
    t.match(errorOf(r.body), "git upload-pack: too many have lines (more than 3; the server's pushgate.maxHaves)");
    r = await postUpload(url, body([tips[2]!], { haves: missing.slice(0, 3) }), v2);
    t.equal(errorOf(r.body), '', 'three haves are fine');
    r = await postUpload(url, body([tips[2]!], { shallows: [tips[0]!, tips[1]!] }), v2);
    t.match(
      errorOf(r.body),
      "git upload-pack: too many shallow and deepen-not lines (more than 1; the server's pushgate.maxShallows)",
    );
  }
});

t.test('push limits: ref updates and push options, refused with a message naming the setting', async (t) => {
  const { url, tips } = await setup(t, {
    'pushgate.maxCommands': '2',
    'pushgate.maxPushOptions': '1',
    'receive.advertisePushOptions': 'true',
  });
  const post = async (body: Buffer) => {
    const response = await fetch(`${url}/git-receive-pack`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-git-receive-pack-request' },
      body: new Uint8Array(body),
    });
    return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
  };
  const updates = ['a', 'b', 'c'].map((name) => ({ oldOid: ZERO, newOid: tips[2]!, ref: `refs/heads/${name}` }));
  let r = await post(updateRequestBody(updates, null));
  t.equal(r.status, 200);
  t.match(r.body.toString(), "ERR protocol error: too many ref updates (more than 2; the server's pushgate.maxCommands)");

  const withOptions = (options: string[]) =>
    Buffer.concat([
      updateRequestBody(updates.slice(0, 1), null, 'report-status push-options object-format=sha1 agent=test').subarray(0, -4),
      FLUSH_PKT,
      ...options.map((o) => pktLine(o)),
      FLUSH_PKT,
      EMPTY_PACK,
    ]);
  r = await post(withOptions(['one', 'two']));
  t.match(r.body.toString(), "ERR protocol error: too many push options (more than 1; the server's pushgate.maxPushOptions)");
  r = await post(withOptions(['one']));
  t.same(reportLines(r.body.toString('latin1')), ['unpack ok', 'ok refs/heads/a'], 'within the limits the push goes through');
  const ls = await git(['ls-remote', url, 'refs/heads/*']);
  t.match(ls.stdout, `${tips[2]}\trefs/heads/a`);
  t.notMatch(ls.stdout, 'refs/heads/b');
});
