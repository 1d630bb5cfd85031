/**
 * C git's large smart-HTTP requests, which the matrix's small pushes never
 * make: a push body over http.postBuffer goes chunked, after a probe POST of
 * a lone flush; a fetch request over 1 KiB (many wants) goes gzipped. Both
 * against pushgate and stock git's http-backend, with the same answers.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gitOk, refsOf, tempDir } from '../helpers/git.js';
import { normaliseOutput, type Endpoint, type Side } from './driver.js';
import { initServerRepo, refsOfClone, WorkPair } from './repos.js';
import { runBounded } from './run.js';
import { startServers } from './servers.js';

t.test('c-git over HTTP: a chunked push after the probe, and a gzipped fetch request', async (t) => {
  const { dir, cleanup } = await tempDir('pushgate-c-git-bodies-');
  t.teardown(cleanup);
  const servers = await startServers(t, dir);
  const name = 'bodies.git';
  const gitDirs: Record<Side, string> = { stock: path.join(servers.stockRoot, name), pushgate: path.join(servers.dataDir, name) };
  const urls: Record<Side, string> = { stock: `${servers.stockHttp}/${name}`, pushgate: `${servers.pushgateHttp}/${name}` };
  for (const side of ['stock', 'pushgate'] as const) await initServerRepo(gitDirs[side], side);
  const work = await WorkPair.create(path.join(dir, 'work'));
  // Forty branches on forty commits: forty distinct wants, well over 1 KiB of request.
  for (let i = 0; i < 40; i++) {
    await work.commit(`commit ${i}`);
    await work.git(['branch', `b${i}`]);
  }
  let traces = 0;
  /** Runs the same git command against both servers; returns the headers git sent to pushgate (GIT_TRACE_CURL). */
  const both = async (what: string, args: (side: Side) => { args: string[]; cwd?: string }): Promise<string> => {
    const trace = path.join(dir, `curl-${++traces}.trace`);
    const runs = await Promise.all(
      (['stock', 'pushgate'] as const).map(async (side) => {
        const { args: a, cwd } = args(side);
        const env = {
          HOME: servers.home,
          ...(side === 'pushgate' ? { GIT_TRACE_CURL: trace, GIT_TRACE_CURL_NO_DATA: '1' } : {}),
        };
        const run = await runBounded('git', a, { cwd, env });
        const ep: Endpoint = { side, transport: 'http', gitDir: gitDirs[side], url: urls[side] };
        return { run, lines: normaliseOutput(run.stdout + run.stderr, ep, [/^Cloning into/]) };
      }),
    );
    const [stock, ours] = runs as [(typeof runs)[0], (typeof runs)[0]];
    t.notOk(ours.run.timedOut, `${what}: pushgate answered in time\n${ours.run.stderr}`);
    t.equal(ours.run.code, stock.run.code, `${what}: exit status\n${ours.run.stderr}\n--- stock:\n${stock.run.stderr}`);
    t.same(ours.lines, stock.lines, `${what}: what the client prints`);
    return readFile(trace, 'utf8').catch(() => '');
  };

  const pushed = await both('push over http.postBuffer (chunked, after a probe)', (side) => ({
    cwd: work.of(side).dir,
    args: ['-c', 'http.postBuffer=1024', 'push', '--porcelain', urls[side], 'refs/heads/*:refs/heads/*'],
  }));
  t.match(pushed, /Transfer-Encoding: chunked/i, 'the push body went chunked');
  t.same(await refsOf(gitDirs.pushgate), await refsOf(gitDirs.stock), 'refs after the push');
  t.equal(Object.keys(await refsOf(gitDirs.pushgate)).length, 41, 'every branch arrived');

  const clones: Record<Side, string> = { stock: path.join(dir, 'clone-stock'), pushgate: path.join(dir, 'clone-pushgate') };
  const cloned = await both('clone with forty wants (a gzipped request)', (side) => ({
    args: ['-c', 'protocol.version=0', 'clone', '--bare', urls[side], clones[side]],
  }));
  const clonedV2 = await both('clone in protocol v2 with forty wants (a gzipped request)', (side) => ({
    args: ['-c', 'protocol.version=2', 'clone', '--bare', urls[side], `${clones[side]}-v2`],
  }));
  t.match(cloned, /Content-Encoding: gzip/i, 'the v0 fetch request went gzipped');
  t.match(clonedV2, /Content-Encoding: gzip/i, 'the v2 fetch request went gzipped');
  t.same(await refsOfClone(clones.pushgate), await refsOfClone(clones.stock), 'refs of the clones');
  t.same(await refsOfClone(`${clones.pushgate}-v2`), await refsOfClone(`${clones.stock}-v2`), 'refs of the v2 clones');
  const fsck = await gitOk(['-C', clones.pushgate, 'fsck', '--strict', '--no-dangling']).then(
    () => 0,
    () => 1,
  );
  t.equal(fsck, 0, 'the clone from pushgate passes git fsck --strict');
});
