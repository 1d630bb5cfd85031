import { timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, NotFoundError } from '../errors.js';
import { parsePublicKeyLine, sshFingerprint } from './ssh-public-key.js';
import { getUser } from './users.js';

export interface SshKeyRecord {
  id: number;
  username: string;
  algorithm: string;
  fingerprint: string;
  bits: number | null;
  comment: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
}

interface KeyRow {
  id: number;
  username: string;
  algorithm: string;
  fingerprint: string;
  bits: number | null;
  comment: string | null;
  created_at: Date;
  last_used_at: Date | null;
}

const SELECT_KEY = `
  SELECT k.id, u.username, k.algorithm, k.fingerprint, k.bits, k.comment, k.created_at, k.last_used_at
  FROM ssh_keys k JOIN users u ON u.id = k.user_id`;

function toRecord(row: KeyRow): SshKeyRecord {
  return {
    id: row.id,
    username: row.username,
    algorithm: row.algorithm,
    fingerprint: row.fingerprint,
    bits: row.bits,
    comment: row.comment,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  };
}

/** Registers a public key line for a user. A key belongs to one user only (fingerprints are unique). */
export async function addSshKey(db: Queryable, username: string, keyLine: string, comment?: string): Promise<SshKeyRecord> {
  const key = parsePublicKeyLine(keyLine);
  const user = await getUser(db, username);
  try {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO ssh_keys (user_id, algorithm, key_blob, fingerprint, bits, comment)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [user.id, key.algorithm, key.blob, key.fingerprint, key.bits, comment ?? (key.comment || null)],
    );
    return (await findKeyById(db, rows[0]!.id))!;
  } catch (err) {
    if (isUniqueViolation(err))
      throw new ConflictError(`the key ${key.fingerprint} is already registered`, { fingerprint: key.fingerprint });
    throw err;
  }
}

async function findKeyById(db: Queryable, id: number): Promise<SshKeyRecord | null> {
  const { rows } = await db.query<KeyRow>(`${SELECT_KEY} WHERE k.id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

/** Every key, or a user's keys. */
export async function listSshKeys(db: Queryable, username?: string): Promise<SshKeyRecord[]> {
  if (username) {
    const user = await getUser(db, username);
    const { rows } = await db.query<KeyRow>(`${SELECT_KEY} WHERE k.user_id = $1 ORDER BY k.id`, [user.id]);
    return rows.map(toRecord);
  }
  const { rows } = await db.query<KeyRow>(`${SELECT_KEY} ORDER BY lower(u.username), k.id`);
  return rows.map(toRecord);
}

/** Removes a key given by its fingerprint (`SHA256:…`) or id; with a username, only one of theirs. */
export async function removeSshKey(db: Queryable, keyRef: string, username?: string): Promise<SshKeyRecord> {
  const byId = /^\d+$/.test(keyRef);
  const { rows } = await db.query<KeyRow>(
    `${SELECT_KEY} WHERE ${byId ? 'k.id = $1::integer' : 'k.fingerprint = $1'} AND ($2::text IS NULL OR lower(u.username) = lower($2))`,
    [keyRef, username ?? null],
  );
  const row = rows[0];
  if (!row) throw new NotFoundError(`no SSH key ${keyRef}${username ? ` for ${username}` : ''}`, { key: keyRef });
  await db.query('DELETE FROM ssh_keys WHERE id = $1', [row.id]);
  return toRecord(row);
}

/**
 * The user owning exactly this key blob (as the SSH client offered it), or
 * null. The blob is compared in full, not only its fingerprint.
 */
export async function findKeyOwner(
  db: Queryable,
  keyBlob: Buffer,
): Promise<{ userId: number; username: string; keyId: number; fingerprint: string } | null> {
  const fingerprint = sshFingerprint(keyBlob);
  const { rows } = await db.query<{ id: number; user_id: number; username: string; key_blob: Buffer }>(
    'SELECT k.id, k.user_id, u.username, k.key_blob FROM ssh_keys k JOIN users u ON u.id = k.user_id WHERE k.fingerprint = $1',
    [fingerprint],
  );
  const row = rows[0];
  if (!row || row.key_blob.length !== keyBlob.length || !timingSafeEqual(row.key_blob, keyBlob)) return null;
  return { userId: row.user_id, username: row.username, keyId: row.id, fingerprint };
}

export async function touchSshKey(db: Queryable, keyId: number): Promise<void> {
  await db.query('UPDATE ssh_keys SET last_used_at = now() WHERE id = $1', [keyId]);
}
