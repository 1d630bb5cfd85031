import type { Queryable } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { getUser } from './users.js';

export interface Group {
  id: number;
  name: string;
  members: string[];
  createdAt: Date;
}

/** Same rules as usernames; written `@name` where a user or a group may be meant (grants). */
export function isValidGroupName(name: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name);
}

export async function addGroup(db: Queryable, name: string): Promise<Group> {
  if (!isValidGroupName(name)) throw new InvalidInputError(`'${name}' is not a valid group name`, { group: name });
  try {
    await db.query('INSERT INTO groups (name) VALUES ($1)', [name]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`a group named ${name} already exists`, { group: name });
    throw err;
  }
  return getGroup(db, name);
}

export async function findGroup(db: Queryable, name: string): Promise<Group | null> {
  const { rows } = await db.query<{ id: number; name: string; created_at: Date; members: string[] }>(
    `SELECT g.id, g.name, g.created_at,
            COALESCE(array_agg(u.username ORDER BY lower(u.username)) FILTER (WHERE u.id IS NOT NULL), '{}') AS members
     FROM groups g
     LEFT JOIN group_members m ON m.group_id = g.id
     LEFT JOIN users u ON u.id = m.user_id
     WHERE lower(g.name) = lower($1)
     GROUP BY g.id`,
    [name],
  );
  const row = rows[0];
  return row ? { id: row.id, name: row.name, members: row.members, createdAt: row.created_at } : null;
}

export async function getGroup(db: Queryable, name: string): Promise<Group> {
  const group = await findGroup(db, name);
  if (!group) throw new NotFoundError(`no group named ${name}`, { group: name });
  return group;
}

export async function listGroups(db: Queryable): Promise<Group[]> {
  const { rows } = await db.query<{ name: string }>('SELECT name FROM groups ORDER BY lower(name)');
  return Promise.all(rows.map((r) => getGroup(db, r.name)));
}

export async function removeGroup(db: Queryable, name: string): Promise<Group> {
  const group = await getGroup(db, name);
  await db.query('DELETE FROM groups WHERE id = $1', [group.id]);
  return group;
}

export async function addGroupMember(db: Queryable, groupName: string, username: string): Promise<Group> {
  const group = await getGroup(db, groupName);
  const user = await getUser(db, username);
  await db.query('INSERT INTO group_members (group_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [group.id, user.id]);
  return getGroup(db, groupName);
}

export async function removeGroupMember(db: Queryable, groupName: string, username: string): Promise<Group> {
  const group = await getGroup(db, groupName);
  const user = await getUser(db, username);
  const { rowCount } = await db.query('DELETE FROM group_members WHERE group_id = $1 AND user_id = $2', [group.id, user.id]);
  if (!rowCount)
    throw new NotFoundError(`${user.username} is not a member of ${group.name}`, { group: group.name, username: user.username });
  return getGroup(db, groupName);
}

/** Names of the groups a user belongs to. */
export async function groupsOfUser(db: Queryable, userId: number): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    'SELECT g.name FROM groups g JOIN group_members m ON m.group_id = g.id WHERE m.user_id = $1 ORDER BY lower(g.name)',
    [userId],
  );
  return rows.map((r) => r.name);
}
