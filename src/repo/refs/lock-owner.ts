import { createHash, randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { link, lstat, mkdir, open, readFile, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { isErrno } from '../fs-durable.js';
import { crashPoint } from './crash-points.js';
import { journalPath } from './journal.js';
import { currentProcess, hostTag, localProcessState } from './process-identity.js';

/**
 * Who holds a `<name>.lock`, recorded so that a lock whose owner died can be
 * told from one a running process holds.
 *
 * The record is a hard link to the lock file itself, in
 * `<gitdir>/pushgate-locks/`, named after the lock and its owner:
 * `<key>.<pid>.<start time>.<host tag>.<tx>`, where key is a hash of the lock's
 * name and tx the transaction (an atomic push's journal id, or a one-off id).
 * It exists before the lock does: the owner link is created first and the
 * lock is made with link(2), so that there is no instant at which a lock of
 * pushgate's exists without its owner, and every reader sees the lock file
 * and its owner link as the same inode.
 *
 * Taking over the lock of a dead owner is a rename of its owner link to one's
 * own name: rename succeeds for exactly one contender (the others get
 * ENOENT), so two processes never both believe they hold a lock, and a lock a
 * live process holds is never touched, because a live owner is never renamed
 * away. A lock with no owner link (git's own, or a pushgate from before owner
 * links) is claimed the same way, through a link named after its inode and
 * mtime, but only once nobody has touched it for the grace period.
 */
export const LOCK_OWNERS_DIR = 'pushgate-locks';

/** A lock whose owner cannot be proven dead (git's, another host's) is taken over after this long untouched. */
export const STALE_LOCK_GRACE_MS = 10 * 60 * 1000;

/** A transaction id for a lock taken outside an atomic transaction. */
export function newLockTx(): string {
  return `s${randomBytes(6).toString('hex')}`;
}

function lockKey(name: string): string {
  return createHash('sha256').update(name).digest('hex').slice(0, 32);
}

function ownerLinkName(key: string, tx: string): string {
  const me = currentProcess();
  return `${key}.${me.pid}.${me.started}.${hostTag(me.host)}.${tx}`;
}

interface OwnerLink {
  /** File name in LOCK_OWNERS_DIR. */
  file: string;
  key: string;
  /** Absent for a claim on a lock that had no owner link. */
  owner?: { pid: number; started: string; hostTag: string; tx: string };
}

function parseOwnerLink(file: string): OwnerLink | undefined {
  const parts = file.split('.');
  if (parts.length !== 5 || !/^[0-9a-f]{32}$/.test(parts[0]!)) return undefined;
  const key = parts[0]!;
  if (parts[1] === 'claim') return { file, key };
  if (!/^\d+$/.test(parts[1]!)) return undefined;
  return { file, key, owner: { pid: Number(parts[1]), started: parts[2]!, hostTag: parts[3]!, tx: parts[4]! } };
}

type OwnerState = 'alive' | 'dead' | 'unknown';

function stateOf(link: OwnerLink): OwnerState {
  if (!link.owner) return 'unknown';
  if (link.owner.hostTag !== hostTag(currentProcess().host)) return 'unknown';
  return localProcessState(link.owner.pid, link.owner.started);
}

/** How long since the lock was last written (git writes its lock as soon as it has created it). */
function idleMs(st: BigIntStats): number {
  return Date.now() - Number(st.mtimeNs / 1_000_000n);
}

async function lstatOrUndefined(path: string): Promise<BigIntStats | undefined> {
  try {
    return await lstat(path, { bigint: true });
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
}

function ignoreMissing(error: unknown): void {
  if (!isErrno(error, 'ENOENT')) throw error;
}

/** Errors by which a file system says it has no hard links. */
const NO_HARD_LINKS = ['EPERM', 'EXDEV', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS'];

/** A lock this process holds: `<gitdir>/<name>.lock` and, normally, its owner link. */
export class OwnedLock {
  constructor(
    readonly gitDir: string,
    /** "refs/heads/main", or "packed-refs". */
    readonly name: string,
    /** null on a file system without hard links: the lock then carries no owner, as git's. */
    private readonly ownerPath: string | null,
    private readonly id: { dev: bigint; ino: bigint } | null,
  ) {}

  get refPath(): string {
    return join(this.gitDir, this.name);
  }

  get lockPath(): string {
    return `${this.refPath}.lock`;
  }

  /** Whether `<name>.lock` is still this lock's file. */
  async holds(): Promise<boolean> {
    if (!this.id) return true;
    const st = await lstatOrUndefined(this.lockPath);
    return st !== undefined && st.ino === this.id.ino && st.dev === this.id.dev;
  }

  async read(): Promise<string> {
    return readFile(this.ownerPath ?? this.lockPath, 'utf8');
  }

  /** Replace the lock's content durably (fsync before the rename that publishes it). */
  async write(content: string | Buffer): Promise<void> {
    // Through the owner link: the same inode, and surely ours.
    const handle = await open(this.ownerPath ?? this.lockPath, 'w', 0o644);
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    crashPoint('lock-written');
  }

  /** Publish: rename the lock over the ref, then drop the owner link. */
  async commit(): Promise<void> {
    if (!(await this.holds())) throw new Error(`${this.name}.lock is no longer ours`);
    await rename(this.lockPath, this.refPath);
    crashPoint('lock-renamed');
    await this.dropOwnerLink();
  }

  /** Remove the lock (if it is still ours), then the owner link. */
  async release(): Promise<void> {
    if (await this.holds()) await unlink(this.lockPath).catch(ignoreMissing);
    crashPoint('lock-unlinked');
    await this.dropOwnerLink();
  }

  private async dropOwnerLink(): Promise<void> {
    if (this.ownerPath) await unlink(this.ownerPath).catch(ignoreMissing);
  }
}

/**
 * Create `<name>.lock` for transaction `tx`, owner link first. 'exists' when
 * the lock is there already. Other errors (a file where a directory should
 * be, …) are thrown.
 */
export async function createLock(gitDir: string, name: string, tx: string): Promise<OwnedLock | 'exists'> {
  const lockPath = join(gitDir, `${name}.lock`);
  await mkdir(dirname(lockPath), { recursive: true });
  const ownersDir = join(gitDir, LOCK_OWNERS_DIR);
  const ownerPath = join(ownersDir, ownerLinkName(lockKey(name), tx));
  let handle;
  try {
    handle = await open(ownerPath, 'wx', 0o644);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
    await mkdir(ownersDir, { recursive: true });
    handle = await open(ownerPath, 'wx', 0o644);
  }
  let id: { dev: bigint; ino: bigint };
  try {
    const st = await handle.stat({ bigint: true });
    id = { dev: st.dev, ino: st.ino };
  } finally {
    await handle.close();
  }
  crashPoint('lock-owner-created');
  try {
    await link(ownerPath, lockPath);
  } catch (error) {
    await unlink(ownerPath).catch(() => undefined);
    if (isErrno(error, 'EEXIST')) return 'exists';
    if (isErrno(error, ...NO_HARD_LINKS)) return createUnrecordedLock(gitDir, name);
    throw error;
  }
  crashPoint('lock-linked');
  return new OwnedLock(gitDir, name, ownerPath, id);
}

/** git's way (O_EXCL), for file systems without hard links. */
async function createUnrecordedLock(gitDir: string, name: string): Promise<OwnedLock | 'exists'> {
  try {
    const handle = await open(join(gitDir, `${name}.lock`), 'wx', 0o644);
    await handle.close();
  } catch (error) {
    if (isErrno(error, 'EEXIST')) return 'exists';
    throw error;
  }
  return new OwnedLock(gitDir, name, null, null);
}

/** The owner link of the lock file `st` (same inode), if it has one. */
async function findOwnerLink(gitDir: string, key: string, st: BigIntStats): Promise<OwnerLink | undefined> {
  const ownersDir = join(gitDir, LOCK_OWNERS_DIR);
  let files: string[];
  try {
    files = await readdir(ownersDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
    throw error;
  }
  for (const file of files) {
    if (!file.startsWith(`${key}.`)) continue;
    const parsed = parseOwnerLink(file);
    if (!parsed) continue;
    const linked = await lstatOrUndefined(join(ownersDir, file));
    if (linked && linked.ino === st.ino && linked.dev === st.dev) return parsed;
  }
  return undefined;
}

async function journalExists(gitDir: string, tx: string): Promise<boolean> {
  try {
    await stat(journalPath(gitDir, tx));
    return true;
  } catch {
    return false;
  }
}

/** Become the owner of the lock `st` by renaming its owner link `from` to ours; 'retry' if someone else did first. */
async function takeOver(
  gitDir: string,
  name: string,
  from: OwnerLink,
  st: BigIntStats,
  tx: string,
): Promise<OwnedLock | 'retry'> {
  const ownersDir = join(gitDir, LOCK_OWNERS_DIR);
  const to = join(ownersDir, ownerLinkName(from.key, tx));
  try {
    await rename(join(ownersDir, from.file), to);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return 'retry';
    throw error;
  }
  crashPoint('lock-taken-over');
  const lock = new OwnedLock(gitDir, name, to, { dev: st.dev, ino: st.ino });
  if (!(await lock.holds())) {
    // The lock we saw is gone (published by the one we thought dead?): our link holds nothing.
    await unlink(to).catch(ignoreMissing);
    return 'retry';
  }
  return lock;
}

/**
 * `<name>.lock` exists: decide whether it can be taken over for `tx`.
 * - owner alive: 'busy' (as git: the ref is locked);
 * - owner dead, and its transaction has a journal: `{ settle: tx }`, for the
 *   caller to recover that journal first (a committed one must be rolled forward, not stolen from);
 * - owner dead: taken over;
 * - owner unknown (another host, no start time) or no owner at all (git's lock):
 *   'busy' until untouched for `graceMs`, then taken over;
 * - 'retry' when it changed while we looked.
 */
export async function examineLock(
  gitDir: string,
  name: string,
  tx: string,
  graceMs = STALE_LOCK_GRACE_MS,
): Promise<OwnedLock | 'busy' | 'retry' | { settle: string }> {
  const lockPath = join(gitDir, `${name}.lock`);
  const st = await lstatOrUndefined(lockPath);
  if (!st) return 'retry';
  if (!st.isFile()) return 'busy';
  const key = lockKey(name);
  const owner = st.nlink > 1n ? await findOwnerLink(gitDir, key, st) : undefined;
  if (owner) {
    const state = stateOf(owner);
    if (state === 'alive') return 'busy';
    if (state === 'unknown' && idleMs(st) < graceMs) return 'busy';
    if (state === 'dead' && owner.owner && (await journalExists(gitDir, owner.owner.tx))) return { settle: owner.owner.tx };
    return takeOver(gitDir, name, owner, st, tx);
  }
  if (idleMs(st) < graceMs) return 'busy';
  // Nobody recorded this lock, and nobody has touched it for the grace period: claim it.
  const ownersDir = join(gitDir, LOCK_OWNERS_DIR);
  await mkdir(ownersDir, { recursive: true });
  const claim: OwnerLink = { file: `${key}.claim.${st.ino}.${st.mtimeNs}`, key };
  const claimPath = join(ownersDir, claim.file);
  try {
    await link(lockPath, claimPath);
  } catch (error) {
    if (isErrno(error, 'EEXIST', 'ENOENT')) return 'retry';
    if (isErrno(error, ...NO_HARD_LINKS)) return 'busy';
    throw error;
  }
  const claimed = await lstatOrUndefined(claimPath);
  if (!claimed || claimed.ino !== st.ino || claimed.mtimeNs !== st.mtimeNs) {
    // The lock was replaced between our look and our link: leave the new one alone.
    if (claimed) await unlink(claimPath).catch(ignoreMissing);
    return 'retry';
  }
  return takeOver(gitDir, name, claim, st, tx);
}

/**
 * The lock `<name>.lock` if transaction `tx` holds it (its owner link names
 * tx), taken over by this process for the same tx, so that whoever recovers
 * after us finds it under the same transaction. For journal recovery: the
 * journal has decided that its owner is gone. 'busy' when another live
 * process holds it under that tx (it is recovering the same journal).
 */
export async function takeOverTransactionLock(gitDir: string, name: string, tx: string): Promise<OwnedLock | 'busy' | undefined> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const st = await lstatOrUndefined(join(gitDir, `${name}.lock`));
    if (!st || !st.isFile() || st.nlink < 2n) return undefined;
    const owner = await findOwnerLink(gitDir, lockKey(name), st);
    if (!owner?.owner || owner.owner.tx !== tx) return undefined;
    const me = currentProcess();
    const mine = owner.owner.pid === me.pid && owner.owner.started === me.started && owner.owner.hostTag === hostTag(me.host);
    if (!mine && stateOf(owner) === 'alive') return 'busy';
    const lock = await takeOver(gitDir, name, owner, st, tx);
    if (lock !== 'retry') return lock;
  }
  return 'busy';
}

/**
 * Locks outside refs/ that take owner links: packed-refs, and the maintenance
 * run's (maintenance/maintenance-lock.ts). The sweep must know them, or it
 * would take their owner links for those of published refs and drop them,
 * leaving the lock ownerless, blocked for the grace period.
 */
export const MAINTENANCE_LOCK_NAME = 'pushgate-maintenance';
const TOP_LEVEL_LOCKS = ['packed-refs', MAINTENANCE_LOCK_NAME];

/** Names of the `.lock` files of the repository's refs (and the top-level ones), without ".lock". */
async function listLockNames(gitDir: string): Promise<string[]> {
  const names: string[] = [];
  async function walk(relative: string): Promise<void> {
    let entries;
    try {
      entries = await readdir(join(gitDir, relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const name = relative + entry.name;
      if (entry.isDirectory()) await walk(`${name}/`);
      else if (entry.isFile() && name.endsWith('.lock')) names.push(name.slice(0, -'.lock'.length));
    }
  }
  await walk('refs/');
  for (const name of TOP_LEVEL_LOCKS) if (await lstatOrUndefined(join(gitDir, `${name}.lock`))) names.push(name);
  return names;
}

/**
 * Clear what dead owners left: their locks (taken over and removed, leaving
 * the refs as they were, which is what a transaction that never published
 * means) and owner links that no longer hold a lock (the owner died between
 * publishing and dropping its link). Locks whose transaction has a journal
 * are left to journal recovery; locks of live or unknown owners are kept.
 * Cheap when nothing is stale: one readdir of pushgate-locks/.
 */
export async function sweepStaleLocks(gitDir: string, graceMs = STALE_LOCK_GRACE_MS): Promise<void> {
  const ownersDir = join(gitDir, LOCK_OWNERS_DIR);
  let files: string[];
  try {
    files = await readdir(ownersDir);
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return;
    throw error;
  }
  const stale: { owner: OwnerLink; st: BigIntStats }[] = [];
  const states = new Map<string, OwnerState>(); // a big transaction has many links, one owner
  for (const file of files) {
    const owner = parseOwnerLink(file);
    if (!owner) continue;
    const who = owner.owner ? `${owner.owner.pid}.${owner.owner.started}.${owner.owner.hostTag}` : '';
    const state = states.get(who) ?? stateOf(owner);
    states.set(who, state);
    if (state === 'alive') continue;
    const st = await lstatOrUndefined(join(ownersDir, file));
    if (!st) continue;
    if (state === 'unknown' && idleMs(st) < graceMs) continue;
    if (st.nlink === 1n) {
      // Neither a lock nor a ref shares it any more; no link can be added to it.
      await unlink(join(ownersDir, file)).catch(ignoreMissing);
      continue;
    }
    if (owner.owner && (await journalExists(gitDir, owner.owner.tx))) continue;
    stale.push({ owner, st });
  }
  if (stale.length === 0) return;
  // Which lock is each? Only the lock files' names tell (a walk, but only after a crash).
  const byKey = new Map((await listLockNames(gitDir)).map((name) => [lockKey(name), name]));
  for (const { owner, st } of stale) {
    const name = byKey.get(owner.key);
    const lockSt = name === undefined ? undefined : await lstatOrUndefined(join(gitDir, `${name}.lock`));
    if (name === undefined || !lockSt || lockSt.ino !== st.ino || lockSt.dev !== st.dev) {
      // Not a lock: it links a published ref. Unlinking it leaves the ref alone.
      await unlink(join(ownersDir, owner.file)).catch(ignoreMissing);
      continue;
    }
    const lock = await takeOver(gitDir, name, owner, lockSt, newLockTx());
    if (lock === 'retry') continue;
    await lock.release();
    await pruneEmptyParents(gitDir, name);
  }
}

/**
 * After deleting a ref, remove directories it leaves empty, as git does,
 * sparing `refs/` and its immediate subdirectories (refs/heads, refs/tags).
 */
export async function pruneEmptyParents(gitDir: string, name: string): Promise<void> {
  const parts = name.split('/');
  for (let depth = parts.length - 1; depth > 2; depth--) {
    try {
      await rmdir(join(gitDir, ...parts.slice(0, depth)));
    } catch {
      return;
    }
  }
}
