/**
 * The "every client" matrix: one git client (C git, JGit, dulwich, libgit2,
 * isomorphic-git) pushes, clones and fetches over each transport it has, once
 * against pushgate and once against stock git 2.39 with the same client, and
 * both answers must match: exit status, per-ref results, what the client
 * prints (normalised), the server's refs and `git fsck --strict`.
 *
 * Stock git's side: stdio → git-receive-pack/git-upload-pack; HTTP → `git
 * http-backend` (CGI) behind a small Node bridge (below); SSH → stock git
 * over stdio for the same client, or, for a client without a stdio transport
 * (libgit2), stock git behind a small ssh2 bridge.
 *
 * Every client run has a hard time limit and runs in its own process group,
 * killed when it is over: a hang is a failing assertion that names the
 * client, the transport and the scenario, never a wait.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import type { Test } from 'tap';
import pino from 'pino';
import ssh2 from 'ssh2';
import { createServer, InMemoryPolicySource, startSshServer, type AccessControl, type ProtectionRule } from '../../src/index.js';
import { git, gitEnv, gitOk, PUSHGATE_BIN, refsOf, tempDir, WorkRepo } from '../helpers/git.js';

export type TransportName = 'stdio' | 'http' | 'ssh';
export type Side = 'stock' | 'pushgate';

export const ZERO = '0'.repeat(40);
/** Hard limit for one client run; a run that takes longer is killed and fails. */
export const CLIENT_TIMEOUT_MS = 20_000;
/** For runs a todo already says hang: kill them sooner, the suite need not wait. */
export const KNOWN_HANG_TIMEOUT_MS = 4_000;
/** How long a client's children may outlive it before the group is killed. */
const EXIT_GRACE_MS = 2_000;
export const GIT_EXEC_PATH = (await gitOk(['--exec-path'])).trim();
export const PUSHGATE_UPLOAD_PACK = `node ${PUSHGATE_BIN} upload-pack`;
export const PUSHGATE_RECEIVE_PACK = `node ${PUSHGATE_BIN} receive-pack`;
/** Debian's python3 has dulwich and pygit2; a `python3` earlier on PATH may not. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

// ---------------------------------------------------------------------------
// Running a client

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Runs a command in a new process group with a hard time limit. When the
 * limit passes, or the command exits and its children (a server side) are
 * still there a moment later, the whole group is killed.
 */
export function runBounded(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: gitEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs ?? CLIENT_TIMEOUT_MS);
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // A server side the client leaves behind gets a moment to finish its last words (git's own fatal: lines), then goes.
    let grace: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      grace = setTimeout(killGroup, EXIT_GRACE_MS);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(grace);
      killGroup();
      resolve({
        code: code ?? (signal ? 128 + 9 : 128),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        timedOut,
        ms: Date.now() - started,
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

// ---------------------------------------------------------------------------
// What a client is asked to do, and what it answers

export interface PushRef {
  /** A local ref name (`main`, `refs/tags/v1`), or null to delete `dst`. */
  src: string | null;
  dst: string;
  force?: boolean;
}

export interface PushSpec {
  refs: PushRef[];
  atomic?: boolean;
  pushOptions?: string[];
}

export interface RefOutcome {
  /** The client's own word for what happened to the ref (`ok`, `ng`, `*`, `!`, `new branch`, …). */
  status: string;
  /** Why, as the client shows it (the server's `ng` reason, or the client's own refusal). */
  reason?: string;
}

export interface ClientOutcome {
  run: RunResult;
  /** Per-ref results where the client reports them; null where it does not. */
  refs: Record<string, RefOutcome> | null;
  /** What the client printed, normalised (no progress, no URLs, no paths). */
  lines: string[];
}

/** Where a client is pointed at one server repository. */
export interface Endpoint {
  side: Side;
  transport: TransportName;
  /** The server's repository (bare), for for-each-ref and fsck. */
  gitDir: string;
  /** What the client is given: a path (stdio), an http:// or ssh:// URL. */
  url: string;
  /** stdio: the command that runs the service (the client appends the path). */
  receivePack?: string;
  uploadPack?: string;
  ssh?: SshClientSetup;
}

export interface SshClientSetup {
  port: number;
  /** Private key file (public key at `${key}.pub`). */
  key: string;
  /** `ssh …` with the test options, as GIT_SSH_COMMAND takes it. */
  command: string;
  /** A script taking ssh's arguments, for clients that want GIT_SSH to be a program. */
  wrapper: string;
}

export interface RunContext {
  /** `client transport scenario`, for messages. */
  label: string;
  timeoutMs: number;
  /** A per-file HOME, so no client reads a user's configuration. */
  home: string;
}

export interface ClientDriver {
  name: string;
  transports: TransportName[];
  features: { atomic: boolean; pushOptions: boolean };
  /** SSH against stock git: over stdio with the same client, or (no stdio transport) behind the ssh2 bridge. */
  stockSsh: 'stdio' | 'bridge';
  push(ep: Endpoint, workDir: string, spec: PushSpec, ctx: RunContext): Promise<ClientOutcome>;
  /** A new clone in `dest` (which does not exist yet). */
  clone(ep: Endpoint, dest: string, ctx: RunContext): Promise<ClientOutcome>;
  /** Fetch into an earlier clone. */
  fetch(ep: Endpoint, cloneDir: string, ctx: RunContext): Promise<ClientOutcome>;
  /** The refs of a clone worth comparing (default: `git for-each-ref` in it). */
  cloneRefs?(dir: string): Promise<Record<string, string>>;
  /** Once per file, before the matrix (e.g. warm a cache in `dir`). */
  prepare?(dir: string, home: string): Promise<void>;
}

/** Lines of output without progress meters, blank lines, the remote's location, or ANSI noise. */
export function normaliseOutput(text: string, ep: Endpoint, drop: RegExp[] = []): string[] {
  // The remote as clients show it: with or without `.git`, the ssh user, a trailing slash.
  const forms = new Set<string>();
  for (const base of [ep.url, ep.url.replace('//git@', '//'), ep.gitDir]) {
    forms.add(base);
    forms.add(base.replace(/\.git$/, ''));
  }
  const replacements: [string, string][] = [...forms].sort((a, b) => b.length - a.length).map((f) => [f, '<remote>']);
  replacements.push([path.basename(ep.gitDir), '<repo>']);
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    // A progress meter rewrites its line with \r: keep what is left at the end.
    const parts = raw.split('\r').filter((p) => p.trim() !== '');
    let line = (parts.at(-1) ?? '').replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').trimEnd();
    if (!line.trim()) continue;
    for (const [from, to] of replacements) line = line.split(from).join(to);
    if (line === 'done.') continue; // after a clone from a local path only
    if (PROGRESS.some((re) => re.test(line)) || drop.some((re) => re.test(line))) continue;
    lines.push(line);
  }
  return lines;
}

const PROGRESS = [
  /^(remote: )?(Enumerating|Counting|Compressing|Writing|Total|Delta compression|Resolving deltas|Receiving objects|Unpacking objects|Finding sources|Getting sizes|Checking connectivity|Indexing objects|Updating references)\b/i,
  /^(remote: )?\s*$/,
];

// ---------------------------------------------------------------------------
// The servers: pushgate (HTTP + SSH) and stock git (http-backend bridge, ssh2 bridge)

export interface Servers {
  dataDir: string;
  stockRoot: string;
  policy: InMemoryPolicySource;
  pushgateHttp: string;
  pushgateSshPort: number;
  stockHttp: string;
  stockSshPort?: number;
  ssh: SshClientSetup;
  sshFor(port: number): SshClientSetup;
  home: string;
}

export async function startServers(t: Test, root: string, options: { stockSshBridge?: boolean } = {}): Promise<Servers> {
  const dataDir = path.join(root, 'pushgate');
  const stockRoot = path.join(root, 'stock');
  const home = path.join(root, 'home');
  await mkdir(stockRoot, { recursive: true });
  await mkdir(home, { recursive: true });
  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const policy = new InMemoryPolicySource();

  const server = await createServer({ dataDir, host: '127.0.0.1', httpPort: 0, allowAnonymousPush: true, policy, logger: log });
  await server.listen();
  t.teardown(() => server.close());

  const keyFile = path.join(root, 'client_key');
  const keygen = await runBounded('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'client@test', '-f', keyFile]);
  if (keygen.code !== 0) throw new Error(`ssh-keygen: ${keygen.stderr}`);
  const sshd = await startSshServer({ host: '127.0.0.1', port: 0, dataDir, access: anyKey, policy, log });
  t.teardown(() => sshd.close());

  const stockHttp = await startStockHttpBridge(t, stockRoot);
  let stockSshPort: number | undefined;
  if (options.stockSshBridge) stockSshPort = await startStockSshBridge(t, root, stockRoot);

  const setups = new Map<number, SshClientSetup>();
  const sshFor = (port: number): SshClientSetup => setups.get(port)!;
  for (const port of [sshd.port, ...(stockSshPort ? [stockSshPort] : [])]) {
    const opts = sshOptions(port, keyFile);
    const wrapper = path.join(root, `ssh-${port}.sh`);
    await writeFile(wrapper, `#!/bin/sh\nexec ssh ${opts.join(' ')} "$@"\n`);
    await chmod(wrapper, 0o755);
    setups.set(port, { port, key: keyFile, command: `ssh ${opts.join(' ')}`, wrapper });
  }
  return {
    dataDir,
    stockRoot,
    policy,
    pushgateHttp: server.url,
    pushgateSshPort: sshd.port,
    stockHttp,
    stockSshPort,
    ssh: sshFor(sshd.port),
    sshFor,
    home,
  };
}

/** Every key is welcome and may push anywhere: the matrix is about the protocol, not about access. */
const anyKey: AccessControl = {
  acceptsCredentials: true,
  authenticatePassword: async () => null,
  authenticatePublicKey: async () => ({ username: 'tester' }),
  check: async () => 'allow',
  refusal: () => '',
};

/** OpenSSH client options as git would run it: the test key only, no host key checks, no prompts. */
function sshOptions(port: number, key: string): string[] {
  return [
    '-F',
    '/dev/null',
    '-i',
    key,
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'StrictHostKeyChecking=no',
    '-o',
    'UserKnownHostsFile=/dev/null',
    '-o',
    'LogLevel=ERROR',
    '-o',
    'BatchMode=yes',
    '-o',
    'ConnectTimeout=5',
    '-p',
    String(port),
  ];
}

/**
 * Stock git's smart HTTP: `git http-backend` run as a CGI for each request,
 * with the variables a web server would set, the body piped to it and its
 * CGI headers turned into the response's status and headers.
 */
export async function startStockHttpBridge(t: Test, projectRoot: string): Promise<string> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const env: Record<string, string> = {
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: 'tester',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      GATEWAY_INTERFACE: 'CGI/1.1',
      SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    };
    if (req.headers['content-length'] !== undefined) env.CONTENT_LENGTH = req.headers['content-length'];
    if (req.headers['content-encoding']) env.HTTP_CONTENT_ENCODING = req.headers['content-encoding'];
    if (req.headers['git-protocol']) env.HTTP_GIT_PROTOCOL = String(req.headers['git-protocol']);
    const cgi = spawn('git', ['http-backend'], { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => undefined);
    cgi.stderr.on('data', () => undefined);
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        res.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.statusCode = status;
      const body = head.subarray(end + 4);
      if (body.length) res.write(body);
    });
    cgi.on('close', () => {
      if (!headersDone) res.statusCode = 500;
      res.end();
    });
    req.on('aborted', () => cgi.kill('SIGKILL'));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())).then(() => undefined));
  t.teardown(() => server.closeAllConnections());
  const port = (server.address() as net.AddressInfo).port;
  return `http://127.0.0.1:${port}`;
}

/**
 * Stock git over SSH for clients that have no stdio transport: an ssh2
 * server that takes any key and runs `git-receive-pack`/`git-upload-pack` on
 * the repository named in the exec request, with the channel as its stdio.
 */
async function startStockSshBridge(t: Test, root: string, projectRoot: string): Promise<number> {
  const hostKeyFile = path.join(root, 'stock_host_key');
  const r = await runBounded('ssh-keygen', ['-q', '-t', 'ecdsa', '-b', '256', '-N', '', '-f', hostKeyFile]);
  if (r.code !== 0) throw new Error(r.stderr);
  const hostKey = await readFile(hostKeyFile);
  const sockets = new Set<net.Socket>();
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => (ctx.method === 'publickey' ? ctx.accept() : ctx.reject(['publickey'])));
    client.on('session', (acceptSession) => {
      const session = acceptSession();
      const env: Record<string, string> = {};
      session.on('env', (accept, _reject, info) => {
        env[info.key] = info.val;
        accept?.();
      });
      session.on('exec', (accept, reject, info) => {
        const m = /^(git-receive-pack|git-upload-pack) '\/?([^']+)'$/.exec(info.command);
        if (!m) return reject?.();
        const channel = accept();
        const child = spawn('git', [m[1]!.slice(4), path.join(projectRoot, m[2]!)], {
          env: gitEnv(env.GIT_PROTOCOL ? { GIT_PROTOCOL: env.GIT_PROTOCOL } : {}),
          stdio: ['pipe', 'pipe', 'pipe'],
        });
        channel.pipe(child.stdin);
        child.stdin.on('error', () => undefined);
        child.stdout.pipe(channel, { end: false });
        child.stderr.pipe(channel.stderr, { end: false });
        child.on('close', (code) => {
          channel.exit(code ?? 128);
          channel.end();
        });
        channel.on('close', () => child.kill('SIGKILL'));
      });
    });
  });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as net.AddressInfo).port;
}

// ---------------------------------------------------------------------------
// Server repositories and the working repositories that push to them

/** Both server repositories get these hooks; pushgate runs executable hooks as git does. */
const PRE_RECEIVE = `#!/bin/sh
i=0
while [ "$i" -lt "\${GIT_PUSH_OPTION_COUNT:-0}" ]; do
  eval "echo \\"push option: \\$GIT_PUSH_OPTION_$i\\""
  i=$((i + 1))
done
while read old new ref; do
  case "$ref" in refs/heads/declined*) echo "declined by pre-receive: $ref"; exit 1;; esac
done
exit 0
`;

const UPDATE = `#!/bin/sh
case "$1" in refs/heads/veto*) echo "update hook vetoes $1" >&2; exit 1;; esac
exit 0
`;

/**
 * Stock git's stand-in for pushgate's branch protection: the same refusal
 * (no forced update of refs/heads/protected) from an update hook.
 */
const STOCK_UPDATE = `#!/bin/sh
case "$1" in refs/heads/veto*) echo "update hook vetoes $1" >&2; exit 1;; esac
if [ "$1" = refs/heads/protected ] && [ "$2" != ${ZERO} ] && [ "$3" != ${ZERO} ] && ! git merge-base --is-ancestor "$2" "$3"; then
  echo "protected: no forced updates" >&2
  exit 1
fi
exit 0
`;

export const PROTECTION: ProtectionRule[] = [{ pattern: 'refs/heads/protected', blockForcePush: { allow: [] } }];

/** A bare repository with the matrix's hooks (stock git's update hook also stands in for branch protection). */
export async function initServerRepo(gitDir: string, side: Side, options: { pushOptions?: boolean } = {}): Promise<void> {
  const updateHook = side === 'stock' ? STOCK_UPDATE : UPDATE;
  await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
  for (const [key, value] of [
    ['receive.advertisePushOptions', String(options.pushOptions ?? true)],
    ['http.receivepack', 'true'],
  ]) {
    await gitOk(['--git-dir', gitDir, 'config', key, value]);
  }
  for (const [hook, script] of [
    ['pre-receive', PRE_RECEIVE],
    ['update', updateHook],
  ]) {
    await writeFile(path.join(gitDir, 'hooks', hook), script);
    await chmod(path.join(gitDir, 'hooks', hook), 0o755);
  }
}

/** The same commits, tags and branches in two working repositories (one per side), ids checked equal. */
export class WorkPair {
  constructor(
    readonly stock: WorkRepo,
    readonly pushgate: WorkRepo,
  ) {}

  static async create(dir: string): Promise<WorkPair> {
    return new WorkPair(
      await WorkRepo.create(path.join(dir, 'work-stock')),
      await WorkRepo.create(path.join(dir, 'work-pushgate')),
    );
  }

  of(side: Side): WorkRepo {
    return side === 'stock' ? this.stock : this.pushgate;
  }

  async commit(message: string): Promise<string> {
    const a = await this.stock.commit(message);
    const b = await this.pushgate.commit(message);
    if (a !== b) throw new Error(`work repositories diverged: ${a} != ${b}`);
    return a;
  }

  async git(args: string[]): Promise<void> {
    const env = { GIT_COMMITTER_DATE: '1700009999 +0000', GIT_AUTHOR_DATE: '1700009999 +0000' };
    await this.stock.gitOk(args, env);
    await this.pushgate.gitOk(args, env);
  }
}

// ---------------------------------------------------------------------------
// The scenarios

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

export function stockEndpoint(
  driver: ClientDriver,
  transport: TransportName,
  servers: Servers,
  gitDir: string,
  name: string,
): Endpoint {
  if (transport === 'http') return { side: 'stock', transport, gitDir, url: `${servers.stockHttp}/${name}` };
  if (transport === 'ssh' && driver.stockSsh === 'bridge') {
    const ssh = servers.sshFor(servers.stockSshPort!);
    return { side: 'stock', transport, gitDir, url: `ssh://git@127.0.0.1:${ssh.port}/${name}`, ssh };
  }
  // stdio, and SSH compared with stock git over stdio
  return {
    side: 'stock',
    transport: 'stdio',
    gitDir,
    url: gitDir,
    receivePack: 'git-receive-pack',
    uploadPack: 'git-upload-pack',
  };
}

export function ourEndpoint(transport: TransportName, servers: Servers, gitDir: string, name: string): Endpoint {
  if (transport === 'http') return { side: 'pushgate', transport, gitDir, url: `${servers.pushgateHttp}/${name}` };
  if (transport === 'ssh') {
    return {
      side: 'pushgate',
      transport,
      gitDir,
      url: `ssh://git@127.0.0.1:${servers.pushgateSshPort}/${name}`,
      ssh: servers.ssh,
    };
  }
  return {
    side: 'pushgate',
    transport,
    gitDir,
    url: gitDir,
    receivePack: PUSHGATE_RECEIVE_PACK,
    uploadPack: PUSHGATE_UPLOAD_PACK,
  };
}

/** Refs of a clone (bare or not), HEAD's target included. */
export async function refsOfClone(dir: string): Promise<Record<string, string>> {
  const refs: Record<string, string> = {};
  const out = await gitOk(['-C', dir, 'for-each-ref', '--format=%(refname) %(objectname)']);
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, oid] = line.split(' ');
    refs[name!] = oid!;
  }
  const head = await git(['-C', dir, 'symbolic-ref', '-q', 'HEAD']);
  refs.HEAD =
    head.code === 0 ? `-> ${head.stdout.trim()}` : (await git(['-C', dir, 'rev-parse', '-q', '--verify', 'HEAD'])).stdout.trim();
  return refs;
}
