/**
 * The JSON-schema pieces every admin route shares. Each resource keeps its
 * own schemas beside its routes; they validate every request body and query
 * and serialise every response, so they are also the API's documentation.
 */

export const timestamp = { type: 'string', format: 'date-time' } as const;
export const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;
export const nullableString = { type: ['string', 'null'] } as const;

/**
 * The length or range every input is held to: out of range is a 400 with a
 * message (schema validation), never a 500 from the layers below nor a
 * 100,000-character name stored. test/admin-limits.test.ts checks that every
 * string, number and list in every route's input has one.
 */
export const LIMIT = {
  /** Usernames and group names (as created: 64). */
  name: 64,
  displayName: 200,
  tokenName: 100,
  /** Repository names and grant patterns (isRepoName's 1024). */
  repoName: 1024,
  /** Ref names and ref patterns. */
  refName: 1024,
  /** Key comments, rule descriptions. */
  comment: 256,
  description: 1000,
  /** One OpenSSH public key line (16 Kib covers 16384-bit RSA). */
  keyText: 16384,
  /** A regular expression or a glob in a rule. */
  expression: 1024,
  /** Object ids (sha256: 64 hex) or a revision in a dry run. */
  revision: 256,
  /** ISO dates and durations (`7d`). */
  time: 64,
  /** Entries in a list (people, paths). */
  items: 100,
  /** Rules of one repository. */
  rules: 500,
  /** Row ids: PostgreSQL's integer. */
  id: 2147483647,
} as const;

/** A string input of at most `maxLength` characters. */
export function text(maxLength: number, extra: Record<string, unknown> = {}) {
  return { type: 'string', maxLength, ...extra } as const;
}

/** A string or null input of at most `maxLength` characters. */
export function nullableText(maxLength: number) {
  return { type: ['string', 'null'], maxLength } as const;
}

/** Every failure has this shape; registered once for the whole API. */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  description: 'Every failure: a stable code (E_NOT_FOUND, E_CONFLICT, E_INVALID, E_UNAUTHORIZED, E_FORBIDDEN, …) and a message.',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
};

/** A reference to a schema registered with `$id`. */
export const ref = (id: string) => ({ $ref: `${id}#` });
/** A list of a schema registered with `$id`. */
export const listOf = (id: string) => ({ type: 'array', items: ref(id) });

const errors = {
  400: ref('Error'),
  401: ref('Error'),
  403: ref('Error'),
  404: ref('Error'),
  409: ref('Error'),
  500: ref('Error'),
};

/** Response map: `200` (or `code`) with the given schema, plus the error shapes. */
export function responds(schema: object, code = 200) {
  return { [code]: schema, ...errors };
}

/** Path parameters several resources share. */
export const params = {
  username: { type: 'object', properties: { username: text(LIMIT.name) }, required: ['username'] },
  id: { type: 'object', properties: { id: { type: 'integer', minimum: 1, maximum: LIMIT.id } }, required: ['id'] },
  /** Repository names contain slashes: the rest of the path is the name. */
  repo: { type: 'object', properties: { '*': text(LIMIT.repoName, { minLength: 1 }) }, required: ['*'] },
} as const;
