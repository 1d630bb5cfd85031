import type { Database, Queryable } from './database.js';
import { InvalidInputError, NotFoundError } from '../errors.js';
import { findRepository, getRepository } from './repositories.js';
import { orderedRule, type Exemption, type ProtectionRule } from '../protection-rule.js';

/**
 * The protection rules in PostgreSQL (table protection_rules): one row per
 * rule, ordered by position within its repository. Writers lock the
 * repository's registry row, so concurrent edits of one list take turns.
 * Rules arrive here already normalized (policy/rule-input's normalizeRule,
 * called by the CLI and the admin API): the store keeps data, it does not judge it.
 */

interface RuleRow {
  pattern: string;
  description: string | null;
  restrict_push: string[] | null;
  block_creation: string[] | null;
  block_deletion: string[] | null;
  block_force_push: string[] | null;
  immutable: string[] | null;
  namespace_rules: boolean;
  linear_history: boolean;
  commit_message_pattern: string | null;
  forbidden_paths: string[] | null;
  max_blob_size: string | number | null;
}

const COLUMNS = `pattern, description, restrict_push, block_creation, block_deletion, block_force_push, immutable,
  namespace_rules, linear_history, commit_message_pattern, forbidden_paths, max_blob_size`;

/** A repository's rules in order; [] when it has none or is not registered. */
export async function listRules(db: Queryable, repoName: string): Promise<ProtectionRule[]> {
  const repo = await findRepository(db, repoName);
  return repo ? rulesOfRepository(db, repo.id) : [];
}

async function rulesOfRepository(db: Queryable, repositoryId: number): Promise<ProtectionRule[]> {
  const { rows } = await db.query<RuleRow>(`SELECT ${COLUMNS} FROM protection_rules WHERE repository_id = $1 ORDER BY position`, [
    repositoryId,
  ]);
  return rows.map(toRule);
}

/** Replaces a repository's whole list (what `policy apply` does); returns the stored list. */
export async function replaceRules(db: Database, repoName: string, rules: readonly ProtectionRule[]): Promise<ProtectionRule[]> {
  const normalized = rules.map(orderedRule);
  return db.withTransaction(async (tx) => {
    const repositoryId = await lockRepository(tx, repoName);
    await requireKnownSubjects(tx, normalized);
    await tx.query('DELETE FROM protection_rules WHERE repository_id = $1', [repositoryId]);
    for (const [i, rule] of normalized.entries()) await insertRule(tx, repositoryId, i + 1, rule);
    return rulesOfRepository(tx, repositoryId);
  });
}

/** Inserts a rule at a 1-based position (default: last); returns the stored list. */
export async function addRule(
  db: Database,
  repoName: string,
  rule: ProtectionRule,
  position?: number,
): Promise<ProtectionRule[]> {
  const normalized = orderedRule(rule);
  return db.withTransaction(async (tx) => {
    const repositoryId = await lockRepository(tx, repoName);
    await requireKnownSubjects(tx, [normalized]);
    const count = await countRules(tx, repositoryId);
    const at = position ?? count + 1;
    if (!Number.isInteger(at) || at < 1 || at > count + 1) {
      throw new InvalidInputError(`position must be between 1 and ${count + 1}`, { position });
    }
    await tx.query('UPDATE protection_rules SET position = position + 1 WHERE repository_id = $1 AND position >= $2', [
      repositoryId,
      at,
    ]);
    await insertRule(tx, repositoryId, at, normalized);
    return rulesOfRepository(tx, repositoryId);
  });
}

/** Removes the rule at a 1-based position; returns it. */
export async function removeRule(db: Database, repoName: string, position: number): Promise<ProtectionRule> {
  return db.withTransaction(async (tx) => {
    const repositoryId = await lockRepository(tx, repoName);
    const { rows } = await tx.query<RuleRow>(
      `DELETE FROM protection_rules WHERE repository_id = $1 AND position = $2 RETURNING ${COLUMNS}`,
      [repositoryId, position],
    );
    if (!rows[0]) throw new NotFoundError(`${repoName} has no rule ${position}`, { repo: repoName, position });
    await tx.query('UPDATE protection_rules SET position = position - 1 WHERE repository_id = $1 AND position > $2', [
      repositoryId,
      position,
    ]);
    return toRule(rows[0]);
  });
}

/** The rules as the receive service reads them: a PolicySource (policy/policy-source.ts) over PostgreSQL. */
export class PgPolicySource {
  constructor(private readonly db: Queryable) {}

  rulesFor(repoName: string): Promise<ProtectionRule[]> {
    return listRules(this.db, repoName);
  }
}

async function lockRepository(tx: Queryable, repoName: string): Promise<number> {
  const repo = await getRepository(tx, repoName);
  await tx.query('SELECT id FROM repositories WHERE id = $1 FOR UPDATE', [repo.id]);
  return repo.id;
}

async function countRules(tx: Queryable, repositoryId: number): Promise<number> {
  const { rows } = await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM protection_rules WHERE repository_id = $1', [
    repositoryId,
  ]);
  return rows[0]!.n;
}

async function insertRule(tx: Queryable, repositoryId: number, position: number, rule: ProtectionRule): Promise<void> {
  await tx.query(
    `INSERT INTO protection_rules (repository_id, position, ${COLUMNS})
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
    [
      repositoryId,
      position,
      rule.pattern,
      rule.description ?? null,
      rule.restrictPush ?? null,
      rule.blockCreation?.allow ?? null,
      rule.blockDeletion?.allow ?? null,
      rule.blockForcePush?.allow ?? null,
      rule.immutable?.allow ?? null,
      rule.namespaceRules ?? false,
      rule.linearHistory ?? false,
      rule.commitMessagePattern ?? null,
      rule.forbiddenPaths ?? null,
      rule.maxBlobSize ?? null,
    ],
  );
}

/** Names in rules must be users and groups that exist: a typo must not silently exempt nobody. */
export async function requireKnownSubjects(tx: Queryable, rules: readonly ProtectionRule[]): Promise<void> {
  const subjects = new Set<string>();
  for (const rule of rules) {
    for (const list of [
      rule.restrictPush,
      rule.blockCreation?.allow,
      rule.blockDeletion?.allow,
      rule.blockForcePush?.allow,
      rule.immutable?.allow,
    ]) {
      for (const subject of list ?? []) subjects.add(subject.toLowerCase());
    }
  }
  const users = [...subjects].filter((s) => !s.startsWith('@'));
  const groups = [...subjects].filter((s) => s.startsWith('@')).map((s) => s.slice(1));
  const known = await tx.query<{ name: string }>(
    `SELECT lower(username) AS name FROM users WHERE lower(username) = ANY($1::text[])
     UNION ALL SELECT '@' || lower(name) FROM groups WHERE lower(name) = ANY($2::text[])`,
    [users, groups],
  );
  const found = new Set(known.rows.map((r) => r.name));
  const unknown = [...subjects].filter((s) => !found.has(s));
  if (unknown.length) {
    throw new InvalidInputError(`unknown ${unknown.length === 1 ? 'user or group' : 'users or groups'}: ${unknown.join(', ')}`, {
      unknown,
    });
  }
}

function toRule(row: RuleRow): ProtectionRule {
  const rule: ProtectionRule = { pattern: row.pattern };
  if (row.description !== null) rule.description = row.description;
  if (row.restrict_push !== null) rule.restrictPush = row.restrict_push;
  setExemption(rule, 'blockCreation', row.block_creation);
  setExemption(rule, 'blockDeletion', row.block_deletion);
  setExemption(rule, 'immutable', row.immutable);
  setExemption(rule, 'blockForcePush', row.block_force_push);
  if (row.namespace_rules) rule.namespaceRules = true;
  if (row.linear_history) rule.linearHistory = true;
  if (row.commit_message_pattern !== null) rule.commitMessagePattern = row.commit_message_pattern;
  if (row.forbidden_paths !== null) rule.forbiddenPaths = row.forbidden_paths;
  if (row.max_blob_size !== null) rule.maxBlobSize = Number(row.max_blob_size);
  return orderedRule(rule);
}

function setExemption(
  rule: ProtectionRule,
  key: 'blockCreation' | 'blockDeletion' | 'blockForcePush' | 'immutable',
  allow: string[] | null,
): void {
  if (allow !== null) rule[key] = { allow } satisfies Exemption;
}
