import type { FastifyInstance } from 'fastify';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { adoptRepositories } from '../db/adoption.js';
import {
  getRepository,
  listRepositories,
  registerRepository,
  unregisterRepository,
  updateRepository,
} from '../db/repositories.js';
import { deleteRepositoryFiles } from '../db/repository-files.js';
import { InvalidInputError } from '../errors.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { initRepository } from '../repo/init-repository.js';
import { normalizeRepoName } from '../transport/repo-path.js';
import { requireDataDir, type AdminContext } from './context.js';
import { listOf, nullableString, params, ref, responds, timestamp } from './schemas.js';

const repositorySchema = {
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
};

const newRepository = {
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
} as const;

const repositoryChanges = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { anonymousRead: { type: 'boolean' }, anonymousPush: { type: 'boolean' }, owner: nullableString },
} as const;

interface NewRepository {
  name: string;
  owner?: string;
  anonymousRead?: boolean;
  anonymousPush?: boolean;
  objectFormat?: HashAlgorithm;
  defaultBranch?: string;
}

/** GET/POST /repos, GET/PATCH/DELETE /repos/<name> (names contain slashes: the rest of the path is the name). */
export async function repositoryRoutes(app: FastifyInstance, { db, dataDir }: AdminContext): Promise<void> {
  app.addSchema(repositorySchema);
  const repository = ref('Repository');

  app.get('/repos', { schema: { response: responds(listOf('Repository')) } }, async () => {
    if (dataDir) await adoptRepositories(db, dataDir);
    return listRepositories(db);
  });
  app.post<{ Body: NewRepository }>(
    '/repos',
    { schema: { body: newRepository, response: responds(repository, 201) } },
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
    { schema: { params: params.repo, response: responds(repository) } },
    (request) => getRepository(db, request.params['*']),
  );
  app.patch<{ Params: { '*': string }; Body: { anonymousRead?: boolean; anonymousPush?: boolean; owner?: string | null } }>(
    '/repos/*',
    { schema: { params: params.repo, body: repositoryChanges, response: responds(repository) } },
    (request) => updateRepository(db, request.params['*'], request.body),
  );
  app.delete<{ Params: { '*': string } }>(
    '/repos/*',
    { schema: { params: params.repo, response: responds(repository) } },
    (request) => {
      const folder = requireDataDir(dataDir);
      return db.withTransaction(async () => {
        const record = await unregisterRepository(db, request.params['*']);
        await deleteRepositoryFiles(folder, record.path);
        return record;
      });
    },
  );
}
