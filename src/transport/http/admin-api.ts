import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { createAccessControl, type AccountAccessControl } from '../../auth/access-control.js';
import { parseDuration, parsePointInTime } from '../../auth/duration.js';
import { addGroup, addGroupMember, getGroup, listGroups, removeGroup, removeGroupMember } from '../../auth/groups.js';
import { grantAccess, listGrants, removeGrantById } from '../../auth/permissions.js';
import { addSshKey, listSshKeys, removeSshKey } from '../../auth/ssh-keys.js';
import { createToken, listTokens, revokeToken, type TokenScope } from '../../auth/tokens.js';
import { addUser, getUser, listUsers, removeUser, updateUser } from '../../auth/users.js';
import { adoptRepositories } from '../../db/adoption.js';
import { queryAuditLog } from '../../db/audit.js';
import type { Database } from '../../db/database.js';
import { InvalidInputError } from '../../errors.js';
import {
  getRepository,
  listRepositories,
  registerRepository,
  unregisterRepository,
  updateRepository,
} from '../../db/repositories.js';
import { deleteRepositoryFiles } from '../../db/repository-files.js';
import type { HashAlgorithm } from '../../objects/oid.js';
import { initRepository } from '../../repo/init-repository.js';
import { normalizeRepoName } from '../repo-path.js';
import { adminAuthHook, adminErrorHandler } from './admin-api-auth.js';
import { responds, schemas, sharedSchemas } from './admin-api-schemas.js';

export interface AdminApiOptions {
  db: Database;
  /** The data folder: needed to create, delete and adopt repositories. */
  dataDir?: string;
  /** Defaults to one made over db (pass the server's, to share its authorized_keys setting). */
  access?: AccountAccessControl;
}

/**
 * The admin HTTP API (JSON, admin tokens only): users, groups, SSH keys,
 * tokens, repositories, grants and the push audit log. A fastify plugin;
 * register it with a prefix: `app.register(adminApi, { prefix: '/api/v1', db, dataDir, access })`.
 */
export async function adminApi(app: FastifyInstance, options: AdminApiOptions): Promise<void> {
  const { db, dataDir } = options;
  const access = options.access ?? createAccessControl({ db, dataDir });
  for (const schema of sharedSchemas) app.addSchema(schema);
  app.addHook('onRequest', adminAuthHook(access));
  app.addHook('preValidation', refuseUnknownBodyProperties);
  app.setErrorHandler(adminErrorHandler);

  // Users
  app.get('/users', { schema: { response: responds(schemas.users) } }, () => listUsers(db));
  app.post<{ Body: { username: string; displayName?: string | null; admin?: boolean } }>(
    '/users',
    { schema: { body: schemas.newUser, response: responds(schemas.user, 201) } },
    async (request, reply) => reply.code(201).send(await addUser(db, request.body)),
  );
  app.get<{ Params: { username: string } }>(
    '/users/:username',
    { schema: { params: schemas.usernameParams, response: responds(schemas.user) } },
    (request) => getUser(db, request.params.username),
  );
  app.patch<{ Params: { username: string }; Body: { displayName?: string | null; admin?: boolean } }>(
    '/users/:username',
    { schema: { params: schemas.usernameParams, body: schemas.userChanges, response: responds(schemas.user) } },
    (request) => updateUser(db, request.params.username, request.body),
  );
  app.delete<{ Params: { username: string } }>(
    '/users/:username',
    { schema: { params: schemas.usernameParams, response: responds(schemas.user) } },
    (request) => removeUser(db, request.params.username),
  );

  // SSH keys
  app.get('/keys', { schema: { response: responds(schemas.keys) } }, () => listSshKeys(db));
  app.get<{ Params: { username: string } }>(
    '/users/:username/keys',
    { schema: { params: schemas.usernameParams, response: responds(schemas.keys) } },
    (request) => listSshKeys(db, request.params.username),
  );
  app.post<{ Params: { username: string }; Body: { key: string; comment?: string } }>(
    '/users/:username/keys',
    { schema: { params: schemas.usernameParams, body: schemas.newKey, response: responds(schemas.key, 201) } },
    async (request, reply) =>
      reply.code(201).send(await addSshKey(db, request.params.username, request.body.key, request.body.comment)),
  );
  app.delete<{ Params: { username: string; key: string } }>(
    '/users/:username/keys/:key',
    { schema: { params: schemas.keyParams, response: responds(schemas.key) } },
    (request) => removeSshKey(db, request.params.key, request.params.username),
  );

  // Tokens
  app.get('/tokens', { schema: { response: responds(schemas.tokens) } }, () => listTokens(db));
  app.get<{ Params: { username: string } }>(
    '/users/:username/tokens',
    { schema: { params: schemas.usernameParams, response: responds(schemas.tokens) } },
    (request) => listTokens(db, request.params.username),
  );
  app.post<{
    Params: { username: string };
    Body: { name?: string; expiresIn?: string; expiresAt?: string; scopes?: TokenScope[] };
  }>(
    '/users/:username/tokens',
    { schema: { params: schemas.usernameParams, body: schemas.newToken, response: responds(schemas.createdToken, 201) } },
    async (request, reply) => {
      const { name, expiresIn, expiresAt, scopes } = request.body;
      if (expiresIn && expiresAt) throw new InvalidInputError('give expiresIn or expiresAt, not both');
      const expiry = expiresIn ? new Date(Date.now() + parseDuration(expiresIn)) : expiresAt ? new Date(expiresAt) : null;
      const { token, secret } = await createToken(db, { username: request.params.username, name, expiresAt: expiry, scopes });
      return reply.code(201).send({ ...token, secret });
    },
  );
  app.delete<{ Params: { id: number } }>(
    '/tokens/:id',
    { schema: { params: schemas.idParams, response: responds(schemas.token) } },
    (request) => revokeToken(db, request.params.id),
  );

  // Groups
  app.get('/groups', { schema: { response: responds(schemas.groups) } }, () => listGroups(db));
  app.post<{ Body: { name: string } }>(
    '/groups',
    { schema: { body: schemas.newGroup, response: responds(schemas.group, 201) } },
    async (request, reply) => reply.code(201).send(await addGroup(db, request.body.name)),
  );
  app.get<{ Params: { name: string } }>(
    '/groups/:name',
    { schema: { params: schemas.groupParams, response: responds(schemas.group) } },
    (request) => getGroup(db, request.params.name),
  );
  app.delete<{ Params: { name: string } }>(
    '/groups/:name',
    { schema: { params: schemas.groupParams, response: responds(schemas.group) } },
    (request) => removeGroup(db, request.params.name),
  );
  app.put<{ Params: { name: string; username: string } }>(
    '/groups/:name/members/:username',
    { schema: { params: schemas.memberParams, response: responds(schemas.group) } },
    (request) => addGroupMember(db, request.params.name, request.params.username),
  );
  app.delete<{ Params: { name: string; username: string } }>(
    '/groups/:name/members/:username',
    { schema: { params: schemas.memberParams, response: responds(schemas.group) } },
    (request) => removeGroupMember(db, request.params.name, request.params.username),
  );

  // Repositories (names contain slashes: the rest of the path is the name)
  app.get('/repos', { schema: { response: responds(schemas.repositories) } }, async () => {
    if (dataDir) await adoptRepositories(db, dataDir);
    return listRepositories(db);
  });
  app.post<{
    Body: {
      name: string;
      owner?: string;
      anonymousRead?: boolean;
      anonymousPush?: boolean;
      objectFormat?: HashAlgorithm;
      defaultBranch?: string;
    };
  }>(
    '/repos',
    { schema: { body: schemas.newRepository, response: responds(schemas.repository, 201) } },
    async (request, reply) => {
      const folder = requireDataDir(dataDir);
      const name = normalizeRepoName(request.body.name);
      if (!name) throw new InvalidInputError(`'${request.body.name}' is not a valid repository name`);
      const relative = name.endsWith('.git') ? name : `${name}.git`;
      const { owner, anonymousRead, anonymousPush } = request.body;
      const record = await db.withTransaction(async () => {
        // Registered first: a taken name fails before anything is written to disk.
        const registered = await registerRepository(db, { name: relative, owner, anonymousRead, anonymousPush });
        const gitDir = path.join(folder, relative);
        await mkdir(path.dirname(gitDir), { recursive: true });
        await initRepository(gitDir, { algo: request.body.objectFormat ?? 'sha1', defaultBranch: request.body.defaultBranch });
        return registered;
      });
      return reply.code(201).send(record);
    },
  );
  app.get<{ Params: { '*': string } }>(
    '/repos/*',
    { schema: { params: schemas.repoParams, response: responds(schemas.repository) } },
    (request) => getRepository(db, request.params['*']),
  );
  app.patch<{ Params: { '*': string }; Body: { anonymousRead?: boolean; anonymousPush?: boolean; owner?: string | null } }>(
    '/repos/*',
    { schema: { params: schemas.repoParams, body: schemas.repositoryChanges, response: responds(schemas.repository) } },
    (request) => updateRepository(db, request.params['*'], request.body),
  );
  app.delete<{ Params: { '*': string } }>(
    '/repos/*',
    { schema: { params: schemas.repoParams, response: responds(schemas.repository) } },
    (request) => {
      const folder = requireDataDir(dataDir);
      return db.withTransaction(async () => {
        const record = await unregisterRepository(db, request.params['*']);
        await deleteRepositoryFiles(folder, record.path);
        return record;
      });
    },
  );

  // Grants
  app.get<{ Querystring: { subject?: string; repo?: string } }>(
    '/grants',
    { schema: { querystring: schemas.grantQuery, response: responds(schemas.grants) } },
    (request) => listGrants(db, request.query),
  );
  app.post<{ Body: { subject: string; pattern: string; level: 'read' | 'write' | 'admin' } }>(
    '/grants',
    { schema: { body: schemas.newGrant, response: responds(schemas.grant, 201) } },
    async (request, reply) =>
      reply.code(201).send(await grantAccess(db, request.body.subject, request.body.pattern, request.body.level)),
  );
  app.delete<{ Params: { id: number } }>(
    '/grants/:id',
    { schema: { params: schemas.idParams, response: responds(schemas.grant) } },
    (request) => removeGrantById(db, request.params.id),
  );

  // Push audit log, newest first
  app.get<{ Querystring: { repo?: string; user?: string; since?: string; until?: string; before?: string; limit?: number } }>(
    '/audit',
    { schema: { querystring: schemas.auditQuery, response: responds(schemas.auditEntries) } },
    (request) =>
      queryAuditLog(db, {
        repo: request.query.repo,
        username: request.query.user,
        since: request.query.since ? parsePointInTime(request.query.since) : undefined,
        until: request.query.until ? parsePointInTime(request.query.until) : undefined,
        beforeId: request.query.before,
        limit: request.query.limit,
      }),
  );
}

/**
 * Fastify's validator drops properties a schema does not list; for an admin
 * API a typo (`anonymous_read`) silently ignored is worse than a 400.
 */
async function refuseUnknownBodyProperties(request: FastifyRequest): Promise<void> {
  const schema = request.routeOptions.schema?.body as
    { properties?: Record<string, unknown>; additionalProperties?: boolean } | undefined;
  const body = request.body;
  if (!schema?.properties || schema.additionalProperties !== false || !body || typeof body !== 'object' || Array.isArray(body))
    return;
  const unknown = Object.keys(body).filter((key) => !(key in schema.properties!));
  if (unknown.length)
    throw new InvalidInputError(`unknown field${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')}`, { fields: unknown });
}

function requireDataDir(dataDir: string | undefined): string {
  if (!dataDir) throw new InvalidInputError('this server was started without a data folder for the admin API');
  return dataDir;
}
