import type { Access } from './access.js';
import type { Queryable } from '../db/database.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { getGroup } from './groups.js';
import { normalizeRepoPattern, repoPatternMatches } from './repo-pattern.js';
import { getUser } from './users.js';

export const ACCESS_LEVELS: readonly Access[] = ['read', 'write', 'admin'];

/** read < write < admin. */
export function levelRank(level: Access | null | undefined): number {
  return level ? ACCESS_LEVELS.indexOf(level) + 1 : 0;
}

export function higherLevel(a: Access | null, b: Access | null): Access | null {
  return levelRank(a) >= levelRank(b) ? a : b;
}

export function parseLevel(text: string): Access {
  if ((ACCESS_LEVELS as readonly string[]).includes(text)) return text as Access;
  throw new InvalidInputError(`'${text}' is not an access level (read, write or admin)`, { level: text });
}

/** A user (`alice`) or a group (`@team`) as grants name them. */
export type Subject = { kind: 'user'; name: string } | { kind: 'group'; name: string };

export function parseSubject(text: string): Subject {
  return text.startsWith('@') ? { kind: 'group', name: text.slice(1) } : { kind: 'user', name: text };
}

export function formatSubject(subject: Subject): string {
  return subject.kind === 'group' ? `@${subject.name}` : subject.name;
}

export interface Grant {
  id: number;
  /** `alice` or `@team`. */
  subject: string;
  pattern: string;
  level: Access;
  createdAt: Date;
}

interface GrantRow {
  id: number;
  username: string | null;
  group_name: string | null;
  repo_pattern: string;
  level: Access;
  created_at: Date;
}

const SELECT_GRANT = `
  SELECT p.id, u.username, g.name AS group_name, p.repo_pattern, p.level, p.created_at
  FROM permissions p LEFT JOIN users u ON u.id = p.user_id LEFT JOIN groups g ON g.id = p.group_id`;

function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    subject: row.group_name !== null ? `@${row.group_name}` : row.username!,
    pattern: row.repo_pattern,
    level: row.level,
    createdAt: row.created_at,
  };
}

async function subjectColumn(db: Queryable, subject: Subject): Promise<{ column: 'user_id' | 'group_id'; id: number }> {
  if (subject.kind === 'group') return { column: 'group_id', id: (await getGroup(db, subject.name)).id };
  return { column: 'user_id', id: (await getUser(db, subject.name)).id };
}

/** Gives a user or group a level on a repository or pattern; granting again changes the level. */
export async function grantAccess(db: Queryable, subjectText: string, patternText: string, level: Access): Promise<Grant> {
  const subject = parseSubject(subjectText);
  const pattern = normalizeRepoPattern(patternText);
  const { column, id } = await subjectColumn(db, subject);
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO permissions (${column}, repo_pattern, level) VALUES ($1, $2, $3)
     ON CONFLICT (${column}, repo_pattern) WHERE ${column} IS NOT NULL DO UPDATE SET level = EXCLUDED.level
     RETURNING id`,
    [id, pattern, level],
  );
  const grant = await db.query<GrantRow>(`${SELECT_GRANT} WHERE p.id = $1`, [rows[0]!.id]);
  return toGrant(grant.rows[0]!);
}

/** Takes a grant away; with a level, only if the grant has that level. */
export async function revokeAccess(db: Queryable, subjectText: string, patternText: string, level?: Access): Promise<Grant> {
  const subject = parseSubject(subjectText);
  const pattern = normalizeRepoPattern(patternText);
  const { column, id } = await subjectColumn(db, subject);
  const { rows } = await db.query<GrantRow>(
    `${SELECT_GRANT} WHERE p.${column} = $1 AND p.repo_pattern = $2 AND ($3::text IS NULL OR p.level = $3)`,
    [id, pattern, level ?? null],
  );
  if (!rows[0])
    throw new NotFoundError(`${formatSubject(subject)} has no ${level ? `${level} ` : ''}grant on ${pattern}`, {
      subject: subjectText,
      pattern,
    });
  await db.query('DELETE FROM permissions WHERE id = $1', [rows[0].id]);
  return toGrant(rows[0]);
}

export async function removeGrantById(db: Queryable, id: number): Promise<Grant> {
  const { rows } = await db.query<GrantRow>(`${SELECT_GRANT} WHERE p.id = $1`, [id]);
  if (!rows[0]) throw new NotFoundError(`no grant ${id}`, { grant: id });
  await db.query('DELETE FROM permissions WHERE id = $1', [id]);
  return toGrant(rows[0]);
}

/** Grants, optionally of one subject and/or applying to one repository (patterns included). */
export async function listGrants(db: Queryable, filter: { subject?: string; repo?: string } = {}): Promise<Grant[]> {
  let rows: GrantRow[];
  if (filter.subject) {
    const { column, id } = await subjectColumn(db, parseSubject(filter.subject));
    rows = (await db.query<GrantRow>(`${SELECT_GRANT} WHERE p.${column} = $1 ORDER BY p.repo_pattern, p.id`, [id])).rows;
  } else {
    rows = (await db.query<GrantRow>(`${SELECT_GRANT} ORDER BY p.repo_pattern, p.id`)).rows;
  }
  const grants = rows.map(toGrant);
  return filter.repo ? grants.filter((g) => repoPatternMatches(g.pattern, filter.repo!)) : grants;
}

/** The highest level the user's own grants and their groups' grants give on a repository. */
export async function grantedLevel(db: Queryable, userId: number, repoName: string): Promise<Access | null> {
  const { rows } = await db.query<{ repo_pattern: string; level: Access }>(
    `SELECT repo_pattern, level FROM permissions
     WHERE user_id = $1 OR group_id IN (SELECT group_id FROM group_members WHERE user_id = $1)`,
    [userId],
  );
  let best: Access | null = null;
  for (const row of rows) {
    if (repoPatternMatches(row.repo_pattern, repoName)) best = higherLevel(best, row.level);
  }
  return best;
}
