/**
 * A kill at any instant of a push leaves nothing that blocks the next push.
 *
 * The first part kills the stdio drop-in (`git push --receive-pack=…`) in
 * many rounds: at the crash points of the lock and transaction code
 * (src/repo/refs/crash-points.ts), on the first owner record of a lock
 * (fs.watch on pushgate-locks/), and at random times; sometimes the recovery
 * that follows is killed as well. After each round: every ref is at its old
 * or its new value (all old or all new for --atomic), the next push of every
 * ref succeeds, nothing is left (locks, owner links, journals) and `git fsck`
 * is clean.
 *
 *   PUSHGATE_CRASH_ROUNDS=300 npx tap test/ref-lock-crash.test.ts   (default 8; PUSHGATE_CRASH_SEED to replay)
 *
 * The second part checks the other side of the promise: a lock a live
 * process holds is never taken over, git's own locks wait for the grace
 * period, and several processes racing for one dead lock get it one at a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, readFileSync, readdirSync, utimesSync, watch, writeFileSync } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { openRepository } from '../src/repo/repository.js';
import { RefLock } from '../src/repo/refs/ref-lock.js';
import { recoverRefJournals } from '../src/repo/refs/recovery.js';
import { git, gitEnv, gitOk, PUSHGATE_BIN, refsOf, run, tempDir, type GitResult } from './helpers/git.js';

const ROUNDS = Number(process.env.PUSHGATE_CRASH_ROUNDS ?? 8);
const SEED = Number(process.env.PUSHGATE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ZERO = '0'.repeat(40);

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
    sample: <T>(items: readonly T[], n: number): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, n);
    },
  };
}

const NAMES = [
  'refs/heads/main',
  ...Array.from({ length: 30 }, (_, i) => `refs/heads/b${String(i).padStart(2, '0')}`),
  ...Array.from({ length: 5 }, (_, i) => `refs/heads/deep/dir/d${i}`),
  ...Array.from({ length: 4 }, (_, i) => `refs/tags/v${i}`),
];

/** Everything a crash can leave behind, relative to the git dir. */
function leftovers(gitDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(gitDir, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.lock')) found.push(rel);
    }
  };
  walk('refs');
  for (const name of readdirSync(gitDir)) {
    if (name === 'packed-refs.lock' || name.startsWith('pushgate-ref-journal')) found.push(name);
  }
  if (existsSync(path.join(gitDir, 'pushgate-locks'))) {
    for (const name of readdirSync(path.join(gitDir, 'pushgate-locks'))) found.push(`pushgate-locks/${name}`);
  }
  return found.sort();
}

class Fixture {
  private counter = 0;
  constructor(
    readonly dir: string,
    readonly gitDir: string,
    readonly work: string,
    /** receive-pack wrapper that records its pid in $PG_PIDFILE, then execs the drop-in. */
    readonly wrapper: string,
  ) {}

  static async create(dir: string): Promise<Fixture> {
    const gitDir = path.join(dir, 'srv.git');
    const work = path.join(dir, 'work');
    await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
    await gitOk(['init', '-q', '-b', 'main', work]);
    const wrapper = path.join(dir, 'receive-pack.sh');
    await writeFile(
      wrapper,
      `#!/bin/sh\n[ -n "$PG_PIDFILE" ] && echo $$ > "$PG_PIDFILE"\nexec node ${JSON.stringify(PUSHGATE_BIN)} receive-pack "$@"\n`,
    );
    await chmod(wrapper, 0o755);
    return new Fixture(dir, gitDir, work, wrapper);
  }

  /** A new commit in the work repository (parentless when `parent` is undefined). */
  async commit(parent: string | undefined, bigBytes = 0): Promise<string> {
    this.counter++;
    const data = Buffer.concat([Buffer.from(`commit ${this.counter} ${randomBytes(8).toString('hex')}\n`), randomBytes(bigBytes)]);
    const blob = await gitOk(['hash-object', '-w', '--stdin'], { cwd: this.work, input: data });
    const tree = await gitOk(['mktree'], { cwd: this.work, input: `100644 blob ${blob}\tf${this.counter}.bin\n` });
    return gitOk(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `c${this.counter}`], { cwd: this.work });
  }

  /** `git push` through the wrapper; `kill` may SIGKILL the drop-in while it runs. */
  push(
    refspecs: string[],
    options: { atomic?: boolean; env?: Record<string, string>; killAfterMs?: number; killOnLock?: number } = {},
  ): Promise<GitResult & { killed: boolean }> {
    const pidFile = path.join(this.dir, `pid-${process.hrtime.bigint()}`);
    const args = ['push', '--porcelain', ...(options.atomic ? ['--atomic'] : []), `--receive-pack=${this.wrapper}`, this.gitDir, ...refspecs];
    return new Promise((resolve, reject) => {
      const child = spawn('git', args, { cwd: this.work, env: gitEnv({ PG_PIDFILE: pidFile, ...options.env }) });
      let killed = false;
      const kill = () => {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
          killed = true;
        } catch {
          // not started yet, or finished already
        }
      };
      const timers: NodeJS.Timeout[] = [];
      if (options.killAfterMs !== undefined) timers.push(setTimeout(kill, options.killAfterMs));
      const watcher =
        options.killOnLock !== undefined
          ? watch(path.join(this.gitDir, 'pushgate-locks'), () => {
              watcher?.close();
              timers.push(setTimeout(kill, options.killOnLock));
            })
          : undefined;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c) => out.push(c));
      child.stderr.on('data', (c) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) => {
        for (const timer of timers) clearTimeout(timer);
        watcher?.close();
        resolve({ code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), killed });
      });
    });
  }
}

interface Scenario {
  kind: 'small' | 'many' | 'big' | 'force' | 'delete';
  atomic: boolean;
  /** name -> new oid (ZERO = delete) */
  updates: Map<string, string>;
}

async function makeScenario(f: Fixture, r: ReturnType<typeof rng>, current: Record<string, string>): Promise<Scenario> {
  const kind = r.pick(['small', 'many', 'many', 'big', 'force', 'delete'] as const);
  const atomic = r.chance(0.5);
  const updates = new Map<string, string>();
  if (kind === 'small' || kind === 'big') {
    const name = r.pick(NAMES);
    updates.set(name, await f.commit(current[name], kind === 'big' ? 2 << 20 : 0));
  } else if (kind === 'many') {
    const tips = [await f.commit(current['refs/heads/main']), await f.commit(undefined)];
    for (const name of r.sample(NAMES, r.int(20, NAMES.length))) updates.set(name, r.pick(tips));
  } else if (kind === 'force') {
    const tip = await f.commit(undefined); // unrelated history: not a fast-forward of anything
    for (const name of r.sample(NAMES, r.int(1, 5))) updates.set(name, tip);
  } else {
    const present = NAMES.filter((name) => current[name] && name !== 'refs/heads/main');
    for (const name of r.sample(present, r.int(1, 8))) updates.set(name, ZERO);
    const tip = await f.commit(current['refs/heads/main']);
    for (const name of r.sample(NAMES.filter((n) => !updates.has(n)), r.int(0, 2))) updates.set(name, tip);
  }
  return { kind, atomic, updates };
}

function refspecs(updates: Map<string, string>): string[] {
  return [...updates].map(([name, oid]) => (oid === ZERO ? `:${name}` : `+${oid}:${name}`));
}

const PUSH_POINTS = [
  'lock-owner-created',
  'lock-linked',
  'lock-written',
  'lock-renamed',
  'lock-unlinked',
  'after-prepare',
  'after-locks',
  'after-commit',
  'after-first-apply',
];
const RECOVERY_POINTS = ['lock-taken-over', 'lock-unlinked', 'lock-renamed', 'lock-written'];

t.test('kill -9 during pushes over stdio never blocks the next push', async (t) => {
  const { dir, cleanup } = await tempDir('pushgate-crash-');
  t.teardown(cleanup);
  const f = await Fixture.create(dir);
  const r = rng(SEED);
  t.comment(`seed ${SEED}, ${ROUNDS} rounds (PUSHGATE_CRASH_SEED=${SEED} to replay)`);

  const first = await f.commit(undefined);
  const initial = await f.push(NAMES.map((name) => `+${first}:${name}`));
  t.equal(initial.code, 0, initial.stderr);

  const stats = { killed: 0, completed: 0, leftLocks: 0, recoveryKilled: 0, packed: 0, atomic: 0 };
  const modes: Record<string, number> = {};
  const started = Date.now();
  for (let round = 1; round <= ROUNDS; round++) {
    if (r.chance(0.3)) {
      await gitOk(['--git-dir', f.gitDir, 'pack-refs', '--all']);
      stats.packed++;
    }
    const before = await refsOf(f.gitDir);
    const scenario = await makeScenario(f, r, before);
    if (scenario.atomic) stats.atomic++;
    const mode = r.pick(['point', 'point', 'watch', 'time'] as const);
    const options: Parameters<Fixture['push']>[1] = { atomic: scenario.atomic };
    let label: string = mode;
    if (mode === 'point') {
      const point = r.pick(PUSH_POINTS);
      const at = point.startsWith('after-') ? '' : `:${r.int(1, Math.min(scenario.updates.size + 1, 12))}`;
      options.env = { PUSHGATE_TEST_REF_CRASH: `${point}${at}` };
      label = `${point}${at}`;
    } else if (mode === 'watch') {
      options.killOnLock = r.int(0, 4);
    } else {
      options.killAfterMs = r.int(50, 900);
    }
    modes[mode] = (modes[mode] ?? 0) + 1;
    const where = `round ${round} (${scenario.kind}${scenario.atomic ? ', atomic' : ''}, ${scenario.updates.size} refs, kill ${label})`;

    const pushed = await f.push(refspecs(scenario.updates), options);
    const died = pushed.killed || /hung up|disconnect/.test(pushed.stderr);
    if (died) stats.killed++;
    else stats.completed++;
    if (leftovers(f.gitDir).length > 0) stats.leftLocks++;

    // Sometimes the recovery that follows dies too.
    if (leftovers(f.gitDir).length > 0 && r.chance(0.3)) {
      const point = `${r.pick(RECOVERY_POINTS)}:${r.int(1, 3)}`;
      const adv = await run('node', [PUSHGATE_BIN, 'receive-pack', '--advertise-refs', f.gitDir], {
        env: { PUSHGATE_TEST_REF_CRASH: point },
      });
      if (adv.code !== 0) stats.recoveryKilled++;
    }

    // What a reader sees once the repository is next opened by pushgate.
    if (scenario.atomic) {
      if (r.chance(0.5)) {
        const repo = await openRepository(f.gitDir);
        await repo.refs.list();
        await repo.close();
      } else {
        const adv = await run('node', [PUSHGATE_BIN, 'receive-pack', '--advertise-refs', f.gitDir]);
        if (adv.code !== 0) t.fail(`${where}: advertisement failed: ${adv.stderr}`);
      }
    }
    const after = await refsOf(f.gitDir);
    let moved = 0;
    let kept = 0;
    for (const name of NAMES) {
      const target = scenario.updates.get(name);
      const now = after[name] ?? ZERO;
      const old = before[name] ?? ZERO;
      if (target === undefined) {
        if (now !== old) t.fail(`${where}: ${name} moved although not pushed`);
      } else if (now === target && target !== old) moved++;
      else if (now === old && target !== old) kept++;
      else if (target !== old) t.fail(`${where}: ${name} is at ${now}, neither old ${old} nor new ${target}`);
    }
    if (scenario.atomic && moved > 0 && kept > 0) t.fail(`${where}: atomic push half applied (${moved} moved, ${kept} kept)`);
    if (!died && (kept > 0 || pushed.code !== 0)) t.fail(`${where}: push was not killed yet did not apply: ${pushed.stderr}`);

    // The next push of every ref succeeds, and leaves nothing behind.
    const tip = await f.commit(after['refs/heads/main']);
    const next = await f.push(NAMES.map((name) => `+${tip}:${name}`));
    if (next.code !== 0) {
      t.fail(`${where}: next push failed: ${next.stdout}${next.stderr}`);
      break;
    }
    const all = await refsOf(f.gitDir);
    if (!NAMES.every((name) => all[name] === tip)) t.fail(`${where}: next push did not move every ref`);
    const left = leftovers(f.gitDir);
    if (left.length > 0) t.fail(`${where}: left behind after the next push: ${left.join(' ')}`);
    const fsck = await git(['--git-dir', f.gitDir, 'fsck', '--strict', '--no-dangling']);
    if (fsck.code !== 0) t.fail(`${where}: git fsck: ${fsck.stdout}${fsck.stderr}`);
  }
  t.comment(
    `${ROUNDS} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s: drop-in killed in ${stats.killed}, ` +
      `finished before the kill in ${stats.completed}; ${stats.leftLocks} left locks/journals/owner links behind; ` +
      `recovery killed too in ${stats.recoveryKilled}; ${stats.atomic} atomic; packed-refs before ${stats.packed}; ` +
      `kill modes ${JSON.stringify(modes)}`,
  );
  t.pass(`${ROUNDS} rounds, every next push succeeded`);
});

// ---------------------------------------------------------------------------
// Live owners are never robbed; git's locks wait for the grace period.

const REF_LOCK_URL = pathToFileURL(path.resolve('src/repo/refs/ref-lock.ts')).href;
const REPOSITORY_URL = pathToFileURL(path.resolve('src/repo/repository.ts')).href;

/**
 * A child process (tsx) that takes `<name>.lock` with pushgate's RefLock,
 * prints "locked <ok>" and then holds it until its stdin closes (or it is
 * killed). With PUSHGATE_TEST_REF_CRASH it can die while taking it.
 */
function lockHolder(gitDir: string, name: string, env: Record<string, string> = {}): { child: ChildProcess; locked: Promise<string> } {
  const script = `
    const { RefLock } = await import(${JSON.stringify(REF_LOCK_URL)});
    const lock = await RefLock.acquire(process.env.CHILD_GIT_DIR, process.env.CHILD_NAME);
    const ok = lock instanceof RefLock;
    if (ok) await lock.write('0123456789012345678901234567890123456789\\n');
    process.stdout.write('locked ' + ok + '\\n');
    process.stdin.resume();
    process.stdin.on('end', async () => { if (ok) await lock.release(); process.exit(0); });
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, CHILD_GIT_DIR: gitDir, CHILD_NAME: name, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const locked = new Promise<string>((resolve) => {
    let text = '';
    child.stdout!.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.trim());
    });
    child.on('close', () => resolve(text.trim() || 'died'));
  });
  return { child, locked };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('close', () => resolve())));
}

async function smallRepo(t: Test) {
  const { dir, cleanup } = await tempDir('pushgate-lock-');
  t.teardown(cleanup);
  const f = await Fixture.create(dir);
  const c1 = await f.commit(undefined);
  const c2 = await f.commit(c1);
  const first = await f.push([`${c1}:refs/heads/main`, `${c1}:refs/heads/other`, `${c2}:refs/heads/carrier`]);
  t.equal(first.code, 0, first.stderr);
  return { f, c1, c2 };
}

/** The owner link name lock-owner.ts gives (its format, restated here to forge owners). */
function ownerLinkName(lockName: string, pid: number, started: string, host: string, tx: string): string {
  const key = createHash('sha256').update(lockName).digest('hex').slice(0, 32);
  const tag = createHash('sha256').update(host).digest('hex').slice(0, 12);
  return `${key}.${pid}.${started}.${tag}.${tx}`;
}

function startTimeOf(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]!;
}

/** A lock file with a forged owner link, as a crashed (or running) pushgate would leave it. */
function forgeLock(gitDir: string, name: string, owner: { pid: number; started: string; host?: string }, ageMs = 0) {
  const lockPath = path.join(gitDir, `${name}.lock`);
  writeFileSync(lockPath, '');
  const link = path.join(gitDir, 'pushgate-locks', ownerLinkName(name, owner.pid, owner.started, owner.host ?? hostname(), 'sforged'));
  linkSync(lockPath, link);
  if (ageMs) {
    const then = new Date(Date.now() - ageMs);
    utimesSync(lockPath, then, then);
  }
  return { lockPath, link };
}

t.test('a lock held by a running process is never taken over; once it dies, the next push takes it', async (t) => {
  const { f, c2 } = await smallRepo(t);
  const holder = lockHolder(f.gitDir, 'refs/heads/main');
  t.equal(await holder.locked, 'locked true');
  const owners = readdirSync(path.join(f.gitDir, 'pushgate-locks'));
  t.equal(owners.length, 1, 'the lock has its owner link');

  await recoverRefJournals(f.gitDir);
  const blocked = await f.push([`${c2}:refs/heads/main`]);
  t.not(blocked.code, 0, 'push to the locked ref fails');
  t.match(blocked.stderr, /cannot lock ref 'refs\/heads\/main': Unable to create '[^']*refs\/heads\/main\.lock': File exists/);
  t.same(readdirSync(path.join(f.gitDir, 'pushgate-locks')), owners, 'the live owner keeps its lock');
  t.ok(existsSync(path.join(f.gitDir, 'refs/heads/main.lock')));
  const direct = await RefLock.acquire(f.gitDir, 'refs/heads/main');
  t.equal((direct as { kind?: string }).kind, 'lock', 'nor does an in-process acquire take it');

  holder.child.kill('SIGKILL');
  await exited(holder.child);
  const next = await f.push([`${c2}:refs/heads/main`]);
  t.equal(next.code, 0, next.stderr);
  t.equal((await refsOf(f.gitDir))['refs/heads/main'], c2);
  t.same(leftovers(f.gitDir), []);
});

t.test("a dead owner's lock is taken over by the next acquire, not only by the sweep", async (t) => {
  const { f } = await smallRepo(t);
  for (const point of ['lock-linked', 'lock-written']) {
    const dead = lockHolder(f.gitDir, 'refs/heads/other', { PUSHGATE_TEST_REF_CRASH: point });
    t.equal(await dead.locked, 'died', `${point}: the holder died holding the lock`);
    t.ok(existsSync(path.join(f.gitDir, 'refs/heads/other.lock')), `${point}: lock left`);
    const lock = await RefLock.acquire(f.gitDir, 'refs/heads/other');
    t.ok(lock instanceof RefLock, `${point}: taken over`);
    if (lock instanceof RefLock) await lock.release();
    t.same(leftovers(f.gitDir), [], `${point}: nothing left`);
  }
});

t.test('an atomic transaction found dead by a lock taker is rolled forward first', async (t) => {
  const { f, c1, c2 } = await smallRepo(t);
  const script = `
    const { openRepository } = await import(${JSON.stringify(REPOSITORY_URL)});
    const repo = await openRepository(process.env.CHILD_GIT_DIR);
    await repo.refs.update(JSON.parse(process.env.CHILD_UPDATES), { atomic: true });
  `;
  const updates = [
    { name: 'refs/heads/main', oldOid: c1, newOid: c2 },
    { name: 'refs/heads/other', oldOid: c1, newOid: c2 },
  ];
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, CHILD_GIT_DIR: f.gitDir, CHILD_UPDATES: JSON.stringify(updates), PUSHGATE_TEST_REF_CRASH: 'after-commit' },
    stdio: 'inherit',
  });
  await exited(child);
  t.equal(child.signalCode, 'SIGKILL');
  // No recovery pass: the lock taker itself finds the dead owner's journal.
  const lock = await RefLock.acquire(f.gitDir, 'refs/heads/other');
  t.ok(lock instanceof RefLock, 'lock taken');
  if (lock instanceof RefLock) await lock.release();
  const refs = await refsOf(f.gitDir);
  t.same([refs['refs/heads/main'], refs['refs/heads/other']], [c2, c2], 'the committed transaction was finished, not robbed');
  t.same(leftovers(f.gitDir), []);
});

t.test('processes racing for one dead lock get it one at a time', async (t) => {
  const { f } = await smallRepo(t);
  const dead = lockHolder(f.gitDir, 'refs/heads/other', { PUSHGATE_TEST_REF_CRASH: 'lock-linked' });
  t.equal(await dead.locked, 'died');
  const racers = Array.from({ length: 4 }, () => lockHolder(f.gitDir, 'refs/heads/other'));
  const results = await Promise.all(racers.map((racer) => racer.locked));
  t.equal(results.filter((r) => r === 'locked true').length, 1, `exactly one racer holds the lock (${results.join(', ')})`);
  for (const racer of racers) racer.child.stdin!.end();
  await Promise.all(racers.map((racer) => exited(racer.child)));
  t.same(leftovers(f.gitDir), []);
});

t.test("git's own locks (no owner record) wait for the grace period; forged owners are judged by pid and start time", async (t) => {
  const { f, c2 } = await smallRepo(t);
  const lockPath = path.join(f.gitDir, 'refs/heads/main.lock');

  writeFileSync(lockPath, `${c2}\n`);
  const fresh = await f.push([`${c2}:refs/heads/main`]);
  t.not(fresh.code, 0, 'a fresh lock without an owner blocks the ref, as with git');
  t.ok(existsSync(lockPath));
  const old = new Date(Date.now() - 11 * 60_000);
  utimesSync(lockPath, old, old);
  await recoverRefJournals(f.gitDir);
  t.ok(existsSync(lockPath), 'the sweep leaves ownerless locks to git');
  const later = await f.push([`${c2}:refs/heads/main`]);
  t.equal(later.code, 0, `an ownerless lock untouched for the grace period is taken over: ${later.stderr}`);
  t.same(leftovers(f.gitDir), []);

  const c3 = await f.commit(c2);
  const tryPush = async () => (await f.push([`+${c3}:refs/heads/other`])).code;
  const { mkdirSync, rmSync } = await import('node:fs');
  mkdirSync(path.join(f.gitDir, 'pushgate-locks'), { recursive: true });
  const cleanupLock = (forged: { lockPath: string; link: string }) => {
    rmSync(forged.lockPath, { force: true });
    rmSync(forged.link, { force: true });
  };

  // The owner runs (this test process, with its true start time): busy.
  let forged = forgeLock(f.gitDir, 'refs/heads/other', { pid: process.pid, started: startTimeOf(process.pid) });
  t.not(await tryPush(), 0, 'live owner: blocked');
  cleanupLock(forged);

  // The pid runs, but it is another process now (start time differs): the owner is dead.
  forged = forgeLock(f.gitDir, 'refs/heads/other', { pid: process.pid, started: '1' });
  t.equal(await tryPush(), 0, 'reused pid: taken over');
  t.same(leftovers(f.gitDir), []);

  // Another host's owner cannot be checked: grace period.
  const c4 = await f.commit(c3);
  forged = forgeLock(f.gitDir, 'refs/heads/other', { pid: 1, started: '1', host: 'elsewhere' });
  t.not((await f.push([`+${c4}:refs/heads/other`])).code, 0, "another host's fresh lock: blocked");
  const older = new Date(Date.now() - 11 * 60_000);
  utimesSync(forged.lockPath, older, older);
  t.equal((await f.push([`+${c4}:refs/heads/other`])).code, 0, "another host's lock past the grace period: taken over");
  t.same(leftovers(f.gitDir), []);
});
