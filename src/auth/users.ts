import type { Queryable } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';

export interface User {
  id: number;
  username: string;
  displayName: string | null;
  admin: boolean;
  createdAt: Date;
}

interface UserRow {
  id: number;
  username: string;
  display_name: string | null;
  is_admin: boolean;
  created_at: Date;
}

const SELECT_USER = 'SELECT id, username, display_name, is_admin, created_at FROM users';

function toUser(row: UserRow): User {
  return { id: row.id, username: row.username, displayName: row.display_name, admin: row.is_admin, createdAt: row.created_at };
}

/** Letters, digits, `.`, `_`, `-`; starts with a letter or digit; at most 64 characters. */
export function isValidUsername(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name);
}

export async function addUser(
  db: Queryable,
  input: { username: string; displayName?: string | null; admin?: boolean },
): Promise<User> {
  if (!isValidUsername(input.username)) {
    throw new InvalidInputError(
      `'${input.username}' is not a valid username (letters, digits, '.', '_', '-'; starting with a letter or digit)`,
      { username: input.username },
    );
  }
  try {
    const { rows } = await db.query<UserRow>(
      `INSERT INTO users (username, display_name, is_admin) VALUES ($1, $2, $3)
       RETURNING id, username, display_name, is_admin, created_at`,
      [input.username, input.displayName ?? null, input.admin ?? false],
    );
    return toUser(rows[0]!);
  } catch (err) {
    if (isUniqueViolation(err))
      throw new ConflictError(`a user named ${input.username} already exists`, { username: input.username });
    throw err;
  }
}

export async function findUser(db: Queryable, username: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>(`${SELECT_USER} WHERE lower(username) = lower($1)`, [username]);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserById(db: Queryable, id: number): Promise<User | null> {
  const { rows } = await db.query<UserRow>(`${SELECT_USER} WHERE id = $1`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function getUser(db: Queryable, username: string): Promise<User> {
  const user = await findUser(db, username);
  if (!user) throw new NotFoundError(`no user named ${username}`, { username });
  return user;
}

export async function listUsers(db: Queryable): Promise<User[]> {
  const { rows } = await db.query<UserRow>(`${SELECT_USER} ORDER BY lower(username)`);
  return rows.map(toUser);
}

export async function updateUser(
  db: Queryable,
  username: string,
  changes: { displayName?: string | null; admin?: boolean },
): Promise<User> {
  const user = await getUser(db, username);
  const { rows } = await db.query<UserRow>(
    `UPDATE users SET
       display_name = CASE WHEN $2 THEN $3 ELSE display_name END,
       is_admin = COALESCE($4, is_admin)
     WHERE id = $1 RETURNING id, username, display_name, is_admin, created_at`,
    [user.id, changes.displayName !== undefined, changes.displayName ?? null, changes.admin ?? null],
  );
  return toUser(rows[0]!);
}

/** Removes the user with their keys, tokens, memberships and grants; their audit records stay. */
export async function removeUser(db: Queryable, username: string): Promise<User> {
  const user = await getUser(db, username);
  await db.query('DELETE FROM users WHERE id = $1', [user.id]);
  return user;
}
