/**
 * The client matrix with the C git client (2.39) itself: stdio, smart HTTP
 * and SSH, against pushgate and stock git. Plus the two pushes where the
 * client gives up before sending commands, which end the connection early.
 */
import t from 'tap';
import path from 'node:path';
import { gitOk, refsOf, tempDir } from '../helpers/git.js';
import { clientMatrix } from './client-matrix.js';
import {
  type ClientDriver,
  type ClientOutcome,
  type Endpoint,
  normaliseOutput,
  type PushSpec,
  type RefOutcome,
} from './driver.js';
import { initServerRepo, WorkPair } from './repos.js';
import { CLIENT_TIMEOUT_MS, runBounded, type RunResult } from './run.js';
import { ourEndpoint, startServers, stockEndpoint } from './servers.js';

function transportArgs(ep: Endpoint, service: 'receive' | 'upload'): { args: string[]; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const args: string[] = [];
  if (ep.transport === 'stdio')
    args.push(service === 'receive' ? `--receive-pack=${ep.receivePack}` : `--upload-pack=${ep.uploadPack}`);
  if (ep.ssh) env.GIT_SSH_COMMAND = ep.ssh.command;
  return { args, env };
}

/** `git push --porcelain` lines: flag, from:to, summary (reason). */
function porcelainRefs(stdout: string): Record<string, RefOutcome> {
  const refs: Record<string, RefOutcome> = {};
  for (const line of stdout.split('\n')) {
    const m = /^([ +\-*=!])\t([^\t]*):([^\t]*)\t(.*)$/.exec(line);
    if (m) refs[m[3]!] = { status: m[1]!, reason: m[4]! };
  }
  return refs;
}

function outcome(run: RunResult, ep: Endpoint): ClientOutcome {
  return { run, refs: porcelainRefs(run.stdout), lines: normaliseOutput(run.stdout + run.stderr, ep) };
}

const cgit: ClientDriver = {
  name: 'c-git',
  transports: ['stdio', 'http', 'ssh'],
  features: { atomic: true, pushOptions: true },
  stockSsh: 'stdio',
  async push(ep, workDir, spec, ctx) {
    const { args, env } = transportArgs(ep, 'receive');
    const run = await runBounded(
      'git',
      [
        'push',
        '--porcelain',
        ...(spec.atomic ? ['--atomic'] : []),
        ...(spec.pushOptions ?? []).flatMap((o) => ['-o', o]),
        ...args,
        ep.url,
        ...spec.refs.map((r) => `${r.force ? '+' : ''}${r.src ?? ''}:${r.dst}`),
      ],
      { cwd: workDir, env: { ...env, HOME: ctx.home }, timeoutMs: ctx.timeoutMs },
    );
    return outcome(run, ep);
  },
  async clone(ep, dest, ctx) {
    const { args, env } = transportArgs(ep, 'upload');
    const run = await runBounded('git', ['clone', '--bare', ...args, ep.url, dest], {
      env: { ...env, HOME: ctx.home },
      timeoutMs: ctx.timeoutMs,
    });
    return { run, refs: null, lines: normaliseOutput(run.stdout + run.stderr, ep, [/^Cloning into/]) };
  },
  async fetch(ep, cloneDir, ctx) {
    const { args, env } = transportArgs(ep, 'upload');
    const run = await runBounded(
      'git',
      ['fetch', '--prune', ...args, ep.url, '+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'],
      { cwd: cloneDir, env: { ...env, HOME: ctx.home }, timeoutMs: ctx.timeoutMs },
    );
    return { run, refs: null, lines: normaliseOutput(run.stdout + run.stderr, ep) };
  },
};

clientMatrix(t, cgit);

/**
 * Two pushes the C client gives up on after the advertisement, sending no
 * command at all: `--atomic` with a ref it refuses itself (send_pack returns
 * before writing anything), and `-o` to a repository that does not advertise
 * push-options (the client dies: "the receiving end does not support push
 * options"). Either way it closes its end. Stock receive-pack then reads EOF
 * where the command list should start and dies in packet_read: "fatal: the
 * remote end hung up unexpectedly" on its stderr (which the client shares
 * over stdio and sees over SSH), exit 128. Over HTTP nothing is posted.
 */
t.test('c-git: pushes the client abandons before sending commands', async (t) => {
  const { dir, cleanup } = await tempDir('pushgate-c-git-eoc-');
  t.teardown(cleanup);
  const servers = await startServers(t, dir);
  for (const transport of ['stdio', 'ssh', 'http'] as const) {
    const name = `eoc-${transport}.git`;
    const stockDir = path.join(servers.stockRoot, name);
    const ourDir = path.join(servers.dataDir, name);
    await initServerRepo(stockDir, 'stock', { pushOptions: false });
    await initServerRepo(ourDir, 'pushgate', { pushOptions: false });
    const endpoints = {
      stock: stockEndpoint(cgit, transport, servers, stockDir, name),
      pushgate: ourEndpoint(transport, servers, ourDir, name),
    };
    const work = await WorkPair.create(path.join(dir, `eoc-${transport}`));
    const c1 = await work.commit('one');
    await work.git(['branch', 'first', c1]);
    await work.commit('two');
    for (const d of [stockDir, ourDir]) await gitOk(['push', '-q', d, 'main'], { cwd: work.stock.dir });
    const cases: [string, PushSpec][] = [
      [
        'atomic push with a ref the client refuses (non-fast-forward)',
        {
          atomic: true,
          refs: [
            { src: 'first', dst: 'refs/heads/main' },
            { src: 'main', dst: 'refs/heads/other' },
          ],
        },
      ],
      [
        'push option to a repository without push-options',
        { pushOptions: ['x'], refs: [{ src: 'main', dst: 'refs/heads/opt' }] },
      ],
    ];
    for (const [what, spec] of cases) {
      await t.test(`${transport}: ${what}`, async (t) => {
        const label = `c-git ${transport} ${what}`;
        const ctx = { label, home: servers.home, timeoutMs: CLIENT_TIMEOUT_MS };
        const [stock, ours] = await Promise.all(
          (['stock', 'pushgate'] as const).map((side) => cgit.push(endpoints[side], work.of(side).dir, spec, ctx)),
        );
        t.notOk(stock.run.timedOut || ours.run.timedOut, `${label}: no hang`);
        t.equal(ours.run.code, stock.run.code, `${label}: exit status`);
        t.same(ours.refs, stock.refs, `${label}: per-ref results`);
        t.same(ours.lines, stock.lines, `${label}: what the client prints\n${ours.run.stderr}\n--- stock:\n${stock.run.stderr}`);
        t.same(await refsOf(ourDir), await refsOf(stockDir), `${label}: refs`);
      });
    }
  }
});
