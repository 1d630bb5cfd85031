/**
 * JSON schemas of the admin API. They validate every request body and query
 * and serialise every response, so they are also its documentation.
 */

const timestamp = { type: 'string', format: 'date-time' } as const;
const nullableTimestamp = { type: ['string', 'null'], format: 'date-time' } as const;
const nullableString = { type: ['string', 'null'] } as const;
const level = { type: 'string', enum: ['read', 'write', 'admin'] } as const;
const scope = { type: 'string', enum: ['read', 'write', 'admin'] } as const;

const tokenProperties = {
  id: { type: 'integer' },
  username: { type: 'string' },
  name: { type: 'string' },
  prefix: { type: 'string', description: 'First characters of the secret, to recognise it' },
  scopes: { type: ['array', 'null'], items: scope, description: 'null: everything the user may do' },
  expiresAt: nullableTimestamp,
  revokedAt: nullableTimestamp,
  lastUsedAt: nullableTimestamp,
  createdAt: timestamp,
  state: { type: 'string', enum: ['active', 'revoked', 'expired'] },
} as const;

export const sharedSchemas = [
  {
    $id: 'Error',
    type: 'object',
    description:
      'Every failure: a stable code (E_NOT_FOUND, E_CONFLICT, E_INVALID, E_UNAUTHORIZED, E_FORBIDDEN, …) and a message.',
    properties: { error: { type: 'string' }, message: { type: 'string' } },
    required: ['error', 'message'],
  },
  {
    $id: 'User',
    type: 'object',
    properties: {
      id: { type: 'integer' },
      username: { type: 'string' },
      displayName: nullableString,
      admin: { type: 'boolean' },
      createdAt: timestamp,
    },
    required: ['id', 'username', 'displayName', 'admin', 'createdAt'],
  },
  {
    $id: 'SshKey',
    type: 'object',
    properties: {
      id: { type: 'integer' },
      username: { type: 'string' },
      algorithm: { type: 'string', description: 'ssh-ed25519, ssh-rsa, ecdsa-sha2-nistp256/384/521' },
      fingerprint: { type: 'string', description: 'As ssh-keygen -lf prints it: SHA256:…' },
      bits: { type: ['integer', 'null'] },
      comment: nullableString,
      createdAt: timestamp,
      lastUsedAt: nullableTimestamp,
    },
    required: ['id', 'username', 'algorithm', 'fingerprint', 'createdAt'],
  },
  {
    $id: 'Token',
    type: 'object',
    properties: tokenProperties,
    required: ['id', 'username', 'name', 'prefix', 'scopes', 'state', 'createdAt'],
  },
  {
    $id: 'Group',
    type: 'object',
    properties: {
      id: { type: 'integer' },
      name: { type: 'string' },
      members: { type: 'array', items: { type: 'string' } },
      createdAt: timestamp,
    },
    required: ['id', 'name', 'members', 'createdAt'],
  },
  {
    $id: 'Repository',
    type: 'object',
    properties: {
      id: { type: 'integer' },
      name: { type: 'string', description: 'Path below the data folder, e.g. team/app.git' },
      path: { type: 'string' },
      owner: nullableString,
      anonymousRead: { type: 'boolean' },
      anonymousPush: { type: 'boolean' },
      createdAt: timestamp,
    },
    required: ['id', 'name', 'owner', 'anonymousRead', 'anonymousPush', 'createdAt'],
  },
  {
    $id: 'Grant',
    type: 'object',
    properties: {
      id: { type: 'integer' },
      subject: { type: 'string', description: 'A username, or @group' },
      pattern: {
        type: 'string',
        description: "A repository name or glob: team/app, team/*, ** ('*' within a segment, '**' across)",
      },
      level,
      createdAt: timestamp,
    },
    required: ['id', 'subject', 'pattern', 'level', 'createdAt'],
  },
  {
    $id: 'AuditEntry',
    type: 'object',
    properties: {
      id: { type: 'string' },
      state: { type: 'string', enum: ['intent', 'complete', 'interrupted'] },
      result: { type: ['string', 'null'], enum: ['accepted', 'partial', 'rejected', 'failed', 'interrupted', null] },
      repo: { type: 'string' },
      userId: { type: ['integer', 'null'] },
      username: nullableString,
      transport: { type: 'string' },
      remoteAddress: nullableString,
      agent: nullableString,
      capabilities: { type: 'array', items: { type: 'string' } },
      pushOptions: { type: 'array', items: { type: 'string' } },
      commands: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            refName: { type: 'string' },
            oldOid: { type: 'string' },
            newOid: { type: 'string' },
            type: { type: 'string' },
            status: { type: 'string' },
            reason: { type: 'string' },
            decidedBy: { type: 'string' },
          },
        },
      },
      refsAfter: {
        type: ['array', 'null'],
        description: 'Interrupted pushes: the refs found at the next start',
        items: { type: 'object', properties: { name: { type: 'string' }, oid: { type: 'string' } } },
      },
      packBytes: { type: 'integer' },
      packObjects: { type: 'integer' },
      durationMs: { type: ['integer', 'null'] },
      error: nullableString,
      startedAt: timestamp,
      finishedAt: nullableTimestamp,
    },
    required: ['id', 'state', 'repo', 'transport', 'commands', 'startedAt'],
  },
];

const ref = (id: string) => ({ $ref: `${id}#` });
const listOf = (id: string) => ({ type: 'array', items: ref(id) });
const errors = { 400: ref('Error'), 401: ref('Error'), 403: ref('Error'), 404: ref('Error'), 409: ref('Error') };

/** Response map: `200` (or `code`) with the given schema, plus the error shapes. */
export function responds(schema: object, code = 200) {
  return { [code]: schema, ...errors };
}

export const schemas = {
  user: ref('User'),
  users: listOf('User'),
  key: ref('SshKey'),
  keys: listOf('SshKey'),
  token: ref('Token'),
  tokens: listOf('Token'),
  createdToken: {
    type: 'object',
    description: 'The token with its secret, which is shown this once only',
    properties: { ...tokenProperties, secret: { type: 'string' } },
    required: ['id', 'name', 'prefix', 'secret', 'state'],
  },
  group: ref('Group'),
  groups: listOf('Group'),
  repository: ref('Repository'),
  repositories: listOf('Repository'),
  grant: ref('Grant'),
  grants: listOf('Grant'),
  auditEntries: listOf('AuditEntry'),

  usernameParams: { type: 'object', properties: { username: { type: 'string' } }, required: ['username'] },
  idParams: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } }, required: ['id'] },
  groupParams: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
  memberParams: {
    type: 'object',
    properties: { name: { type: 'string' }, username: { type: 'string' } },
    required: ['name', 'username'],
  },
  keyParams: {
    type: 'object',
    properties: { username: { type: 'string' }, key: { type: 'string', description: 'SHA256:… fingerprint or id' } },
    required: ['username', 'key'],
  },
  repoParams: { type: 'object', properties: { '*': { type: 'string', minLength: 1 } }, required: ['*'] },

  newUser: {
    type: 'object',
    additionalProperties: false,
    properties: {
      username: { type: 'string', minLength: 1, maxLength: 64 },
      displayName: nullableString,
      admin: { type: 'boolean' },
    },
    required: ['username'],
  },
  userChanges: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { displayName: nullableString, admin: { type: 'boolean' } },
  },
  newKey: {
    type: 'object',
    additionalProperties: false,
    properties: {
      key: { type: 'string', minLength: 1, maxLength: 16384, description: 'One OpenSSH public key line' },
      comment: { type: 'string' },
    },
    required: ['key'],
  },
  newToken: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 100 },
      expiresIn: { type: 'string', pattern: '^\\d+\\s*[smhdwy]$', description: 'e.g. 30d, 12h, 1y' },
      expiresAt: timestamp,
      scopes: { type: 'array', items: scope, uniqueItems: true },
    },
  },
  newGroup: {
    type: 'object',
    additionalProperties: false,
    properties: { name: { type: 'string', minLength: 1, maxLength: 64 } },
    required: ['name'],
  },
  newRepository: {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', minLength: 1, maxLength: 1024 },
      owner: { type: 'string' },
      anonymousRead: { type: 'boolean' },
      anonymousPush: { type: 'boolean' },
      objectFormat: { type: 'string', enum: ['sha1', 'sha256'] },
      defaultBranch: { type: 'string' },
    },
    required: ['name'],
  },
  repositoryChanges: {
    type: 'object',
    additionalProperties: false,
    minProperties: 1,
    properties: { anonymousRead: { type: 'boolean' }, anonymousPush: { type: 'boolean' }, owner: nullableString },
  },
  newGrant: {
    type: 'object',
    additionalProperties: false,
    properties: { subject: { type: 'string', minLength: 1 }, pattern: { type: 'string', minLength: 1 }, level },
    required: ['subject', 'pattern', 'level'],
  },
  grantQuery: {
    type: 'object',
    additionalProperties: false,
    properties: { subject: { type: 'string' }, repo: { type: 'string' } },
  },
  auditQuery: {
    type: 'object',
    additionalProperties: false,
    properties: {
      repo: { type: 'string' },
      user: { type: 'string' },
      since: { type: 'string', description: 'ISO date, or a duration back from now: 2h, 7d' },
      until: { type: 'string' },
      before: { type: 'string', pattern: '^\\d+$', description: 'Only entries with a smaller id (paging)' },
      limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 },
    },
  },
} as const;
