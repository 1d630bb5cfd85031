import type { Queryable } from './database.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { isUniqueViolation } from './errors.js';
import { isRepoName, logicalRepoName, repoNameVariants } from './repo-name.js';

/** A row of the repositories registry. */
export interface RepositoryRecord {
  id: number;
  /** Canonical name, the git dir relative to the data folder: `team/app.git`. */
  name: string;
  /** The git dir relative to the data folder. */
  path: string;
  /** Username of the owner (admin on it), or null. */
  owner: string | null;
  anonymousRead: boolean;
  anonymousPush: boolean;
  createdAt: Date;
}

export interface RegisterRepositoryInput {
  name: string;
  /** Defaults to the name. */
  path?: string;
  owner?: string | null;
  anonymousRead?: boolean;
  anonymousPush?: boolean;
}

interface RepositoryRow {
  id: number;
  name: string;
  path: string;
  owner: string | null;
  anonymous_read: boolean;
  anonymous_push: boolean;
  created_at: Date;
}

const SELECT_REPOSITORY = `
  SELECT r.id, r.name, r.path, u.username AS owner, r.anonymous_read, r.anonymous_push, r.created_at
  FROM repositories r LEFT JOIN users u ON u.id = r.owner_id`;

function toRecord(row: RepositoryRow): RepositoryRecord {
  return {
    id: row.id,
    name: row.name,
    path: row.path,
    owner: row.owner,
    anonymousRead: row.anonymous_read,
    anonymousPush: row.anonymous_push,
    createdAt: row.created_at,
  };
}

/**
 * Adds a repository to the registry (what `pushgate repo create` calls after
 * making the bare repository on disk). Throws ConflictError if the name is taken.
 */
export async function registerRepository(db: Queryable, input: RegisterRepositoryInput): Promise<RepositoryRecord> {
  if (!isRepoName(input.name))
    throw new InvalidInputError(`'${input.name}' is not a valid repository name`, { name: input.name });
  const ownerId = input.owner ? await userIdOf(db, input.owner) : null;
  try {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO repositories (name, path, owner_id, anonymous_read, anonymous_push)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [input.name, input.path ?? input.name, ownerId, input.anonymousRead ?? false, input.anonymousPush ?? false],
    );
    return (await findRepositoryById(db, rows[0]!.id))!;
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`repository ${input.name} is already registered`, { name: input.name });
    throw err;
  }
}

/** Registers a repository unless one of that name exists; returns whether it was added. */
export async function registerRepositoryIfMissing(db: Queryable, name: string, path = name): Promise<boolean> {
  const { rowCount } = await db.query(`INSERT INTO repositories (name, path) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, [
    name,
    path,
  ]);
  return (rowCount ?? 0) > 0;
}

/**
 * The repository by its name as an admin types it, also without or with a
 * `.git` suffix: the exact name first (it names one folder), else the other
 * form; null if unknown. The transports use findRepositoryExactly with the
 * canonical name of the folder they found, so a folder never borrows the
 * registry entry of its `.git` twin.
 */
export async function findRepository(db: Queryable, name: string): Promise<RepositoryRecord | null> {
  const variants = repoNameVariants(name);
  const { rows } = await db.query<RepositoryRow>(
    `${SELECT_REPOSITORY} WHERE r.name = ANY($1::text[]) ORDER BY r.name = $2 DESC LIMIT 1`,
    [variants, name],
  );
  return rows[0] ? toRecord(rows[0]) : null;
}

/** The registry entry of exactly this canonical name (the folder's path below the data folder). */
export async function findRepositoryExactly(db: Queryable, name: string): Promise<RepositoryRecord | null> {
  const { rows } = await db.query<RepositoryRow>(`${SELECT_REPOSITORY} WHERE r.name = $1`, [name]);
  return rows[0] ? toRecord(rows[0]) : null;
}

async function findRepositoryById(db: Queryable, id: number): Promise<RepositoryRecord | null> {
  const { rows } = await db.query<RepositoryRow>(`${SELECT_REPOSITORY} WHERE r.id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function getRepository(db: Queryable, name: string): Promise<RepositoryRecord> {
  const record = await findRepository(db, name);
  if (!record) throw new NotFoundError(`no repository named ${name}`, { name });
  return record;
}

export async function listRepositories(db: Queryable): Promise<RepositoryRecord[]> {
  const { rows } = await db.query<RepositoryRow>(`${SELECT_REPOSITORY} ORDER BY r.name`);
  return rows.map(toRecord);
}

export interface RepositoryChanges {
  anonymousRead?: boolean;
  anonymousPush?: boolean;
  /** A username, or null to clear the owner. */
  owner?: string | null;
}

export async function updateRepository(db: Queryable, name: string, changes: RepositoryChanges): Promise<RepositoryRecord> {
  const current = await getRepository(db, name);
  const ownerId = changes.owner === undefined ? undefined : changes.owner === null ? null : await userIdOf(db, changes.owner);
  await db.query(
    `UPDATE repositories SET
       anonymous_read = COALESCE($2, anonymous_read),
       anonymous_push = COALESCE($3, anonymous_push),
       owner_id = CASE WHEN $4 THEN $5 ELSE owner_id END
     WHERE id = $1`,
    [current.id, changes.anonymousRead ?? null, changes.anonymousPush ?? null, ownerId !== undefined, ownerId ?? null],
  );
  return (await findRepositoryById(db, current.id))!;
}

/**
 * Removes the registry entry and the grants naming exactly this repository
 * (a later repository of the same name must not inherit them): its folder
 * name (`pub.git`), and the client name (`pub`) unless that still names its
 * twin folder (`pub` beside `pub.git`), which keeps its grants. Pattern
 * grants stay. Deleting the files is the caller's business.
 */
export async function unregisterRepository(db: Queryable, name: string): Promise<RepositoryRecord> {
  const record = await getRepository(db, name);
  const logical = logicalRepoName(record.name);
  const twin = record.name === logical ? `${logical}.git` : logical;
  const patterns = (await findRepositoryExactly(db, twin)) ? [record.name].filter((p) => p !== logical) : [record.name, logical];
  await db.query(`DELETE FROM permissions WHERE repo_pattern = ANY($1::text[])`, [patterns]);
  await db.query(`DELETE FROM repositories WHERE id = $1`, [record.id]);
  return record;
}

async function userIdOf(db: Queryable, username: string): Promise<number> {
  const { rows } = await db.query<{ id: number }>(`SELECT id FROM users WHERE lower(username) = lower($1)`, [username]);
  if (!rows[0]) throw new NotFoundError(`no user named ${username}`, { username });
  return rows[0].id;
}
