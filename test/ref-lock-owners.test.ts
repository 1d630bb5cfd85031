/**
 * The other side of "a kill never blocks the next push" (ref-lock-crash.test.ts):
 * a lock a live process holds is never taken over, a dead owner's lock is
 * taken over by the next acquire (rolling a dead atomic transaction forward
 * first), git's own locks wait for the grace period, forged owners are judged
 * by pid and start time, and several processes racing for one dead lock get
 * it one at a time.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, linkSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { RefLock } from '../src/repo/refs/ref-lock.js';
import { recoverRefJournals } from '../src/repo/refs/recovery.js';
import { Fixture, leftovers } from './helpers/crash-fixture.js';
import { refsOf, tempDir } from './helpers/git.js';
import { tsxChildEnv } from './helpers/tsx-child.js';

const REF_LOCK_URL = pathToFileURL(path.resolve('src/repo/refs/ref-lock.ts')).href;
const REPOSITORY_URL = pathToFileURL(path.resolve('src/repo/repository.ts')).href;

/**
 * A child process (tsx) that takes `<name>.lock` with pushgate's RefLock,
 * prints "locked <ok>" and then holds it until its stdin closes (or it is
 * killed). With PUSHGATE_TEST_REF_CRASH it can die while taking it.
 */
function lockHolder(
  gitDir: string,
  name: string,
  env: Record<string, string> = {},
): { child: ChildProcess; locked: Promise<string> } {
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
    env: tsxChildEnv({ ...process.env, CHILD_GIT_DIR: gitDir, CHILD_NAME: name, ...env }),
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
  return new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null ? resolve() : child.on('close', () => resolve()),
  );
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
  const link = path.join(
    gitDir,
    'pushgate-locks',
    ownerLinkName(name, owner.pid, owner.started, owner.host ?? hostname(), 'sforged'),
  );
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
    env: tsxChildEnv({
      ...process.env,
      CHILD_GIT_DIR: f.gitDir,
      CHILD_UPDATES: JSON.stringify(updates),
      PUSHGATE_TEST_REF_CRASH: 'after-commit',
    }),
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

t.test(
  "git's own locks (no owner record) wait for the grace period; forged owners are judged by pid and start time",
  async (t) => {
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
  },
);
