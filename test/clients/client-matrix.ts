/**
 * The "every client" matrix: one git client (C git, JGit, dulwich, libgit2,
 * isomorphic-git) pushes, clones and fetches over each transport it has, once
 * against pushgate and once against stock git 2.39 with the same client, and
 * both answers must match: exit status, per-ref results, what the client
 * prints (normalised), the server's refs and `git fsck --strict`.
 *
 * The pieces: running a client (run.ts), what a driver does and answers
 * (driver.ts), the servers and endpoints (servers.ts, stock-bridges.ts), the
 * server and working repositories (repos.ts); this file has the scenarios.
 */
import path from 'node:path';
import type { Test } from 'tap';
import { git, refsOf, tempDir } from '../helpers/git.js';
import type { ClientDriver, ClientOutcome, Endpoint, PushSpec, RunContext, Side, TransportName } from './driver.js';
import { initServerRepo, PROTECTION, refsOfClone, WorkPair } from './repos.js';
import { CLIENT_TIMEOUT_MS, KNOWN_HANG_TIMEOUT_MS } from './run.js';
import { ourEndpoint, startServers, stockEndpoint, type Servers } from './servers.js';

export interface Todo {
  reason: string;
  /** The run is known to hang: use the short limit. */
  hangs?: boolean;
}

export type TodoRule = (scenario: string, transport: TransportName) => Todo | undefined;

/**
 * tap options marking a test todo; CLIENT_MATRIX_NO_TODO=1 runs todo tests as
 * ordinary ones, to see their failures (or that a fix made them pass).
 */
export function todoOption(reason: string | undefined): { todo?: string } {
  return reason && !process.env.CLIENT_MATRIX_NO_TODO ? { todo: reason } : {};
}

/**
 * Lines that carry the server's own words for a refusal: relayed remote
 * messages, `error: …` lines, a reason in parentheses, and the stock side's
 * stand-in hook message (dulwich relays hook output without `remote:`).
 */
const SERVER_WORDING = [/^remote:/, /^error:/, /\(.*\)$/, /^protected: no forced updates$/];

interface CompareOptions {
  /** The refusal's wording is the server's own (branch protection): compare what happened, not why, nor the remote's lines. */
  ownWording?: boolean;
}

/**
 * Runs the whole matrix for one client: for each of its transports a fresh
 * pair of server repositories and working repositories, then every scenario
 * that applies, each compared with stock git.
 */
export function clientMatrix(t: Test, driver: ClientDriver, options: { todo?: TodoRule; only?: TransportName[] } = {}): void {
  // The transports run side by side: each has its own repositories and working trees.
  t.test(`${driver.name}: push, clone and fetch against pushgate and stock git`, { jobs: 3 }, async (t) => {
    const started = Date.now();
    const { dir, cleanup } = await tempDir(`pushgate-${driver.name}-`);
    t.teardown(cleanup);
    const servers = await startServers(t, dir, {
      stockSshBridge: driver.stockSsh === 'bridge' && driver.transports.includes('ssh'),
    });
    await driver.prepare?.(dir, servers.home);
    const runs = driver.transports
      .filter((transport) => !options.only || options.only.includes(transport))
      .map((transport) =>
        t.test(`${driver.name} over ${transport}`, (t) => transportMatrix(t, driver, transport, servers, dir, options.todo)),
      );
    await Promise.all(runs);
    t.comment(`${driver.name}: ${Date.now() - started} ms`);
  });
}

async function transportMatrix(
  t: Test,
  driver: ClientDriver,
  transport: TransportName,
  servers: Servers,
  root: string,
  todoRule: TodoRule = () => undefined,
): Promise<void> {
  const name = `${driver.name}-${transport}.git`;
  const stockDir = path.join(servers.stockRoot, name);
  const ourDir = path.join(servers.dataDir, name);
  await initServerRepo(stockDir, 'stock');
  await initServerRepo(ourDir, 'pushgate');
  servers.policy.set(name, PROTECTION);
  const endpoints = {
    stock: stockEndpoint(driver, transport, servers, stockDir, name),
    pushgate: ourEndpoint(transport, servers, ourDir, name),
  };
  const dir = path.join(root, `${driver.name}-${transport}`);
  const work = await WorkPair.create(dir);

  /** Runs one action on both sides at once and compares. */
  const both = async (
    t: Test,
    scenario: string,
    what: string,
    action: (ep: Endpoint, ctx: RunContext) => Promise<ClientOutcome>,
    compare: CompareOptions = {},
  ): Promise<Record<Side, ClientOutcome>> => {
    const todo = todoRule(scenario, transport);
    const label = `${driver.name} ${transport} ${scenario}`;
    const ctx: RunContext = { label, home: servers.home, timeoutMs: todo?.hangs ? KNOWN_HANG_TIMEOUT_MS : CLIENT_TIMEOUT_MS };
    const [stock, ours] = await Promise.all([action(endpoints.stock, ctx), action(endpoints.pushgate, ctx)]);
    const stockHung = stock.run.timedOut;
    t.notOk(stockHung, `${label}: ${what}: stock git answered within ${ctx.timeoutMs} ms`);
    t.notOk(
      ours.run.timedOut,
      `${label}: ${what}: pushgate answered within ${ctx.timeoutMs} ms (the client hung and was killed)\n${ours.run.stderr}`,
    );
    if (stockHung || ours.run.timedOut) return { stock, pushgate: ours };
    t.equal(
      ours.run.code,
      stock.run.code,
      `${label}: ${what}: exit status\n--- pushgate:\n${ours.run.stdout}${ours.run.stderr}\n--- stock:\n${stock.run.stdout}${stock.run.stderr}`,
    );
    const strip = (o: ClientOutcome) =>
      compare.ownWording
        ? {
            refs: o.refs && Object.fromEntries(Object.entries(o.refs).map(([k, v]) => [k, { status: v.status }])),
            lines: o.lines
              .filter((l) => !SERVER_WORDING.some((re) => re.test(l)))
              .map((l) => l.replace(/ failed: .*$/, ' failed')),
          }
        : { refs: o.refs, lines: o.lines };
    t.same(strip(ours).refs, strip(stock).refs, `${label}: ${what}: per-ref results`);
    t.same(strip(ours).lines, strip(stock).lines, `${label}: ${what}: what the client prints`);
    return { stock, pushgate: ours };
  };

  const push = (t: Test, scenario: string, spec: PushSpec, compare?: CompareOptions) =>
    both(t, scenario, `push ${describe(spec)}`, (ep, ctx) => driver.push(ep, work.of(ep.side).dir, spec, ctx), compare);

  const sameServerState = async (t: Test, scenario: string) => {
    const label = `${driver.name} ${transport} ${scenario}`;
    t.same(await refsOf(ourDir), await refsOf(stockDir), `${label}: refs on the server (git for-each-ref)`);
    const [theirs, ours] = await Promise.all(
      [stockDir, ourDir].map((d) => git(['--git-dir', d, 'fsck', '--strict', '--no-dangling'])),
    );
    t.equal(ours.code === 0, theirs.code === 0, `${label}: git fsck --strict on the server repository\n${ours.stderr}`);
    t.equal(ours.code, 0, `${label}: pushgate's repository passes git fsck --strict\n${ours.stderr}`);
  };

  const scenario = (title: string, body: (t: Test) => Promise<void>, applies = true) => {
    if (!applies) return;
    const todo = todoRule(title, transport);
    return t.test(title, todoOption(todo?.reason), async (t) => {
      await body(t);
      await sameServerState(t, title);
    });
  };

  // Few client runs (a JVM start is not free): refs a later scenario needs are created by an earlier push.
  const c1 = await work.commit('one');
  await work.git(['branch', 'first', c1]);
  await scenario('new branch', async (t) => {
    await push(t, 'new branch', {
      refs: [
        { src: 'main', dst: 'refs/heads/main' },
        { src: 'main', dst: 'refs/heads/doomed' },
      ],
    });
  });
  await scenario('fast-forward', async (t) => {
    await work.commit('two');
    await push(t, 'fast-forward', {
      refs: [
        { src: 'main', dst: 'refs/heads/main' },
        { src: 'main', dst: 'refs/heads/protected' },
      ],
    });
  });
  // Nothing to send: C git and JGit say so and send a flush (or nothing), isomorphic-git sends old = new and an empty pack.
  await scenario('push of an unchanged ref', async (t) => {
    await push(t, 'push of an unchanged ref', { refs: [{ src: 'main', dst: 'refs/heads/main' }] });
  });
  await scenario('forced update', async (t) => {
    await push(t, 'forced update', { refs: [{ src: 'first', dst: 'refs/heads/main', force: true }] });
  });
  await scenario('delete a branch', async (t) => {
    await push(t, 'delete a branch', { refs: [{ src: null, dst: 'refs/heads/doomed' }] });
  });
  await scenario('delete a branch that does not exist', async (t) => {
    await push(t, 'delete a branch that does not exist', { refs: [{ src: null, dst: 'refs/heads/never-was' }] });
  });
  await scenario('lightweight and annotated tag', async (t) => {
    await work.git(['tag', 'light', c1]);
    await work.git(['tag', '-a', 'v1', '-m', 'version one', 'main']);
    await push(t, 'lightweight and annotated tag', {
      refs: [
        { src: 'refs/tags/light', dst: 'refs/tags/light' },
        { src: 'refs/tags/v1', dst: 'refs/tags/v1' },
      ],
    });
  });
  await scenario('pre-receive hook declines', async (t) => {
    await push(t, 'pre-receive hook declines', { refs: [{ src: 'main', dst: 'refs/heads/declined' }] });
  });
  await scenario('update hook refuses one of two refs', async (t) => {
    await push(t, 'update hook refuses one of two refs', {
      refs: [
        { src: 'main', dst: 'refs/heads/allowed' },
        { src: 'main', dst: 'refs/heads/veto' },
      ],
    });
  });
  // The stdio drop-in has no branch protection (it has no policy source), so neither has this row.
  await scenario(
    'branch protection refuses a forced update',
    async (t) => {
      await push(
        t,
        'branch protection refuses a forced update',
        { refs: [{ src: 'first', dst: 'refs/heads/protected', force: true }] },
        { ownWording: true },
      );
    },
    transport !== 'stdio',
  );
  await scenario(
    'atomic push',
    async (t) => {
      await push(t, 'atomic push', {
        atomic: true,
        refs: [
          { src: 'main', dst: 'refs/heads/atomic-a' },
          { src: 'main', dst: 'refs/heads/veto-atomic' },
        ],
      });
      await push(t, 'atomic push', {
        atomic: true,
        refs: [
          { src: 'main', dst: 'refs/heads/atomic-a' },
          { src: 'main', dst: 'refs/heads/atomic-b' },
        ],
      });
    },
    driver.features.atomic,
  );
  await scenario(
    'push options',
    async (t) => {
      await push(t, 'push options', {
        pushOptions: ['ci.skip', 'reviewer=alice bob'],
        refs: [{ src: 'main', dst: 'refs/heads/with-options' }],
      });
    },
    driver.features.pushOptions,
  );

  const clones: Record<Side, string> = { stock: path.join(dir, 'clone-stock'), pushgate: path.join(dir, 'clone-pushgate') };
  const cloneRefs = (d: string) => (driver.cloneRefs ? driver.cloneRefs(d) : refsOfClone(d));
  const sameClones = async (t: Test, what: string) => {
    const label = `${driver.name} ${transport} ${what}`;
    t.same(await cloneRefs(clones.pushgate), await cloneRefs(clones.stock), `${label}: refs of the clones`);
    const fsck = await git(['-C', clones.pushgate, 'fsck', '--strict', '--no-dangling']);
    t.equal(fsck.code, 0, `${label}: the clone from pushgate passes git fsck --strict\n${fsck.stderr}`);
  };
  await scenario('clone', async (t) => {
    await both(t, 'clone', 'clone', (ep, ctx) => driver.clone(ep, clones[ep.side], ctx));
    await sameClones(t, 'clone');
  });
  await scenario('fetch after new pushes', async (t) => {
    await work.commit('three');
    await work.git(['tag', '-a', 'v2', '-m', 'version two', 'main']);
    await push(t, 'fetch after new pushes', {
      refs: [
        { src: 'main', dst: 'refs/heads/main', force: true },
        { src: 'refs/tags/v2', dst: 'refs/tags/v2' },
        { src: 'main', dst: 'refs/heads/later' },
      ],
    });
    await both(t, 'fetch after new pushes', 'fetch', (ep, ctx) => driver.fetch(ep, clones[ep.side], ctx));
    await sameClones(t, 'fetch after new pushes');
  });
}

function describe(spec: PushSpec): string {
  const refs = spec.refs.map((r) => `${r.force ? '+' : ''}${r.src ?? ''}:${r.dst}`).join(' ');
  return `${spec.atomic ? '--atomic ' : ''}${(spec.pushOptions ?? []).map((o) => `-o '${o}' `).join('')}${refs}`;
}
