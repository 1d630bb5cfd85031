import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { isUniqueViolation } from '../db/errors.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors.js';
import { getUser } from './users.js';

/** What a token may be used for; a token without scopes may do all its user may. */
export const TOKEN_SCOPES = ['read', 'write', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

/** Recognisable in logs and secret scanners; never stored. */
const TOKEN_MARK = 'pg_';
/** Characters of the secret kept in clear, to find the row and to show in listings. */
const PREFIX_LENGTH = TOKEN_MARK.length + 8;

export interface TokenRecord {
  id: number;
  username: string;
  name: string;
  /** The first characters of the secret, e.g. `pg_AbCd1234`, to recognise it. */
  prefix: string;
  scopes: TokenScope[] | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  state: 'active' | 'revoked' | 'expired';
}

interface TokenRow {
  id: number;
  username: string;
  name: string;
  prefix: string;
  scopes: TokenScope[] | null;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
}

const SELECT_TOKEN = `
  SELECT t.id, u.username, t.name, t.prefix, t.scopes, t.expires_at, t.revoked_at, t.last_used_at, t.created_at
  FROM tokens t JOIN users u ON u.id = t.user_id`;

function toRecord(row: TokenRow, now = new Date()): TokenRecord {
  const state = row.revoked_at ? 'revoked' : row.expires_at && row.expires_at <= now ? 'expired' : 'active';
  return {
    id: row.id,
    username: row.username,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
    state,
  };
}

export function hashTokenSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function parseScopes(values: readonly string[]): TokenScope[] {
  const scopes = [
    ...new Set(
      values
        .flatMap((v) => v.split(','))
        .map((v) => v.trim())
        .filter(Boolean),
    ),
  ];
  for (const scope of scopes) {
    if (!(TOKEN_SCOPES as readonly string[]).includes(scope))
      throw new InvalidInputError(`unknown token scope '${scope}' (use ${TOKEN_SCOPES.join(', ')})`, { scope });
  }
  return scopes as TokenScope[];
}

export interface CreateTokenInput {
  username: string;
  name?: string;
  expiresAt?: Date | null;
  scopes?: TokenScope[] | null;
}

/**
 * Makes a token for a user. The returned `secret` is the only time it is
 * shown: only its SHA-256 is stored.
 */
export async function createToken(db: Queryable, input: CreateTokenInput): Promise<{ token: TokenRecord; secret: string }> {
  const user = await getUser(db, input.username);
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) throw new InvalidInputError('the expiry date is in the past');
  const secret = TOKEN_MARK + randomBytes(30).toString('base64url');
  const prefix = secret.slice(0, PREFIX_LENGTH);
  const name = input.name ?? `token-${prefix.slice(TOKEN_MARK.length)}`;
  if (!/^[\w.@:-]{1,100}$/.test(name))
    throw new InvalidInputError(`'${name}' is not a valid token name (letters, digits, . _ - @ :)`, { name });
  const scopes = input.scopes?.length ? input.scopes : null;
  try {
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO tokens (user_id, name, token_hash, prefix, scopes, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [user.id, name, hashTokenSecret(secret), prefix, scopes, input.expiresAt ?? null],
    );
    return { token: (await findTokenById(db, rows[0]!.id))!, secret };
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`${user.username} already has a live token named ${name}`, { name });
    throw err;
  }
}

async function findTokenById(db: Queryable, id: number): Promise<TokenRecord | null> {
  const { rows } = await db.query<TokenRow>(`${SELECT_TOKEN} WHERE t.id = $1`, [id]);
  return rows[0] ? toRecord(rows[0]) : null;
}

export async function listTokens(db: Queryable, username?: string): Promise<TokenRecord[]> {
  if (username) {
    const user = await getUser(db, username);
    const { rows } = await db.query<TokenRow>(`${SELECT_TOKEN} WHERE t.user_id = $1 ORDER BY t.id`, [user.id]);
    return rows.map((r) => toRecord(r));
  }
  const { rows } = await db.query<TokenRow>(`${SELECT_TOKEN} ORDER BY lower(u.username), t.id`);
  return rows.map((r) => toRecord(r));
}

/** Revokes a token given by id, or by name together with its user. Revoking twice is an error. */
export async function revokeToken(db: Queryable, tokenRef: string | number, username?: string): Promise<TokenRecord> {
  const byId = typeof tokenRef === 'number' || /^\d+$/.test(tokenRef);
  if (!byId && !username) throw new InvalidInputError('a token given by name needs its user; or give its id');
  const { rows } = await db.query<TokenRow>(
    `${SELECT_TOKEN} WHERE ${byId ? 't.id = $1::integer' : 't.name = $1 AND t.revoked_at IS NULL'}
       AND ($2::text IS NULL OR lower(u.username) = lower($2))`,
    [String(tokenRef), username ?? null],
  );
  const row = rows[0];
  if (!row) throw new NotFoundError(`no token ${tokenRef}${username ? ` for ${username}` : ''}`, { token: tokenRef });
  if (row.revoked_at) throw new ConflictError(`token ${row.id} was already revoked`, { token: row.id });
  await db.query('UPDATE tokens SET revoked_at = now() WHERE id = $1', [row.id]);
  return (await findTokenById(db, row.id))!;
}

export interface VerifiedToken {
  tokenId: number;
  userId: number;
  username: string;
  scopes: TokenScope[] | null;
}

/**
 * The live token matching a secret (and, when given, belonging to that
 * user), or null. Hashes are compared in constant time; last_used_at is set.
 */
export async function verifyToken(db: Queryable, secret: string, username?: string): Promise<VerifiedToken | null> {
  if (!secret.startsWith(TOKEN_MARK) || secret.length < PREFIX_LENGTH + 8 || secret.length > 200) return null;
  const hash = Buffer.from(hashTokenSecret(secret), 'hex');
  const { rows } = await db.query<{
    id: number;
    user_id: number;
    username: string;
    token_hash: string;
    scopes: TokenScope[] | null;
  }>(
    `SELECT t.id, t.user_id, u.username, t.token_hash, t.scopes
     FROM tokens t JOIN users u ON u.id = t.user_id
     WHERE t.prefix = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())`,
    [secret.slice(0, PREFIX_LENGTH)],
  );
  const match = rows.find((row) => timingSafeEqual(Buffer.from(row.token_hash, 'hex'), hash));
  if (!match) return null;
  if (username !== undefined && match.username.toLowerCase() !== username.toLowerCase()) return null;
  await db.query('UPDATE tokens SET last_used_at = now() WHERE id = $1', [match.id]);
  return { tokenId: match.id, userId: match.user_id, username: match.username, scopes: match.scopes };
}
