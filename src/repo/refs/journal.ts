import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, isErrno } from '../fs-durable.js';
import { currentProcess, hostTag, type ProcessIdentity } from './process-identity.js';

/**
 * The journal of one atomic ref transaction, `<gitdir>/pushgate-ref-journal.<id>`.
 *
 * It is always replaced whole (temp file, fsync, rename, fsync dir), so on
 * disk it is either absent, a "prepare" record (written before any lock is
 * taken) or a "commit" record (written once every lock holds its new value).
 * Both list every update, so whoever recovers knows which locks were the
 * transaction's and what they must contain. The commit record's rename is
 * the transaction's commit point.
 */
export const JOURNAL_PREFIX = 'pushgate-ref-journal.';
const MAGIC = 'pushgate-ref-journal v1';

export interface JournalUpdate {
  name: string;
  oldOid: string;
  /** Zero id = delete. */
  newOid: string;
}

export interface JournalRecord {
  id: string;
  owner: ProcessIdentity;
  state: 'prepare' | 'commit';
  /** Every update; `<name>.lock` is taken for each. */
  updates: JournalUpdate[];
  /** Whether it also takes `packed-refs.lock`. */
  packedRefs: boolean;
  /** Committed: sha256 of the packed-refs.lock content to install. */
  packedRefsDigest?: string;
}

export function newJournalId(): string {
  return `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
}

export function journalPath(gitDir: string, id: string): string {
  return join(gitDir, JOURNAL_PREFIX + id);
}

function serialize(record: JournalRecord): string {
  const lines = [
    MAGIC,
    `owner ${record.owner.host} ${record.owner.pid} ${record.owner.started}`,
    `state ${record.state}`,
    `packed-refs ${record.packedRefs ? 'yes' : 'no'} ${record.packedRefsDigest ?? '-'}`,
    ...record.updates.map((u) => `update ${u.oldOid} ${u.newOid} ${u.name}`),
  ];
  const body = lines.join('\n') + '\n';
  return `${body}end ${createHash('sha256').update(body).digest('hex')}\n`;
}

/** Parse a journal; undefined when it is torn or not ours (no valid end line). */
export function parseJournal(id: string, text: string): JournalRecord | undefined {
  const endAt = text.lastIndexOf('end ');
  if (endAt < 0) return undefined;
  const body = text.slice(0, endAt);
  if (text.slice(endAt) !== `end ${createHash('sha256').update(body).digest('hex')}\n`) return undefined;
  const lines = body.split('\n').filter(Boolean);
  if (lines[0] !== MAGIC) return undefined;
  const record: JournalRecord = {
    id,
    owner: { host: '', pid: 0, started: '-' },
    state: 'prepare',
    packedRefs: false,
    updates: [],
  };
  for (const line of lines.slice(1)) {
    const [keyword, ...rest] = line.split(' ');
    if (keyword === 'owner') record.owner = { host: rest[0]!, pid: Number(rest[1]), started: rest[2] ?? '-' };
    else if (keyword === 'state') record.state = rest[0] === 'commit' ? 'commit' : 'prepare';
    else if (keyword === 'packed-refs') {
      record.packedRefs = rest[0] === 'yes';
      if (rest[1] && rest[1] !== '-') record.packedRefsDigest = rest[1];
    } else if (keyword === 'update') record.updates.push({ oldOid: rest[0]!, newOid: rest[1]!, name: rest.slice(2).join(' ') });
  }
  return record;
}

/**
 * The temp file a journal is rewritten through. Its name carries the writer
 * (host tag, pid, start time), so that one left empty by a kill right after
 * its creation is known to be dead without reading it.
 */
function journalTempPath(target: string): string {
  const me = currentProcess();
  return `${target}.${hostTag(me.host)}.${me.pid}.${me.started}.tmp`;
}

/** The writer a journal temp file's name gives, if it has one (older pushgates wrote `<journal>.tmp`). */
export function journalTempWriter(name: string): { hostTag: string; pid: number; started: string } | undefined {
  const m = /\.([0-9a-f]{12})\.(\d+)\.([^.]+)\.tmp$/.exec(name);
  return m ? { hostTag: m[1]!, pid: Number(m[2]), started: m[3]! } : undefined;
}

/** Durably (re)write the journal: temp file, fsync, rename over, fsync the git dir. */
export async function writeJournal(gitDir: string, record: JournalRecord): Promise<void> {
  const target = journalPath(gitDir, record.id);
  const temp = journalTempPath(target);
  const handle = await open(temp, 'w', 0o644);
  try {
    await handle.writeFile(serialize(record));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, target);
  await fsyncDirectory(gitDir);
}

export async function removeJournal(gitDir: string, id: string): Promise<void> {
  await unlink(journalPath(gitDir, id)).catch((error) => {
    if (!isErrno(error, 'ENOENT')) throw error;
  });
  await fsyncDirectory(gitDir);
}

export async function readJournal(gitDir: string, id: string): Promise<JournalRecord | undefined> {
  try {
    return parseJournal(id, await readFile(journalPath(gitDir, id), 'utf8'));
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
}

export function prepareRecord(id: string, updates: JournalUpdate[], packedRefs: boolean): JournalRecord {
  return { id, owner: currentProcess(), state: 'prepare', updates, packedRefs };
}

/** What our lock for a deletion holds, so that recovery can tell it from anyone else's lock. */
export function deleteMarker(id: string): string {
  return `pushgate-delete ${id}\n`;
}
