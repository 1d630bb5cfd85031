/**
 * The JSON-schema pieces every admin route shares. Each resource keeps its
 * own schemas beside its routes; they validate every request body and query
 * and serialise every response, so they are also the API's documentation.
 */

export const timestamp = { type: 'string', format: 'date-time' } as const;
export const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;
export const nullableString = { type: ['string', 'null'] } as const;

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
  username: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] },
  id: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
  /** Repository names contain slashes: the rest of the path is the name. */
  repo: { type: 'object', properties: { '*': { type: 'string', minLength: 1 } }, required: ['*'] },
} as const;
