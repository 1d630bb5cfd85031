import type { FastifyInstance } from 'fastify';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { adoptRepositories, type RepositoryConflict } from '../db/adoption.js';
import { AmbiguousRepositoryError } from '../db/errors.js';
import {
  getRepository,
  listRepositories,
  registerRepository,
  unregisterRepository,
  updateRepository,
} from '../db/repositories.js';
import { deleteRepositoryFiles, existingRepositoryFor, locateRepository } from '../db/repository-files.js';
import { ConflictError, InvalidInputError } from '../errors.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { initRepository } from '../repo/init-repository.js';
import { normalizeRepoName } from '../transport/repo-path.js';
import { requireDataDir, type AdminContext } from './context.js';
import { LIMIT, listOf, nullableString, nullableText, params, ref, responds, text, timestamp } from './schemas.js';

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
    ambiguousWith: {
      ...nullableString,
      description:
        'The other folder the same name means (team/app beside team/app.git): git requests for both are refused until one is renamed or removed',
    },
  },
  required: ['id', 'name', 'owner', 'anonymousRead', 'anonymousPush', 'createdAt'],
};

const newRepository = {
  type: 'object',
  additionalProperties: false,
  properties: {
    name: text(LIMIT.repoName, { minLength: 1 }),
    owner: text(LIMIT.name),
    anonymousRead: { type: 'boolean' },
    anonymousPush: { type: 'boolean' },
    objectFormat: { type: 'string', enum: ['sha1', 'sha256'] },
    defaultBranch: text(LIMIT.refName),
  },
  required: ['name'],
} as const;

const repositoryChanges = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { anonymousRead: { type: 'boolean' }, anonymousPush: { type: 'boolean' }, owner: nullableText(LIMIT.name) },
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
  /**
   * Folders are adopted first, so that a `pub` made beside a registered
   * `pub.git` is its own entry and an exact name picks exactly its folder
   * (how one of two twins is renamed away or removed), never the other.
   */
  const lookUp = async (name: string) => {
    if (dataDir) await adoptRepositories(db, dataDir);
    return getRepository(db, name);
  };

  app.get('/repos', { schema: { response: responds(listOf('Repository')) } }, async () => {
    const conflicts: RepositoryConflict[] = [];
    if (dataDir) await adoptRepositories(db, dataDir, { onConflict: (c) => conflicts.push(c) });
    const twin = new Map(conflicts.flatMap((c) => c.folders.map((f) => [f, c.folders.find((o) => o !== f)!] as const)));
    return (await listRepositories(db)).map((r) => ({ ...r, ambiguousWith: twin.get(r.name) ?? null }));
  });
  app.post<{ Body: NewRepository }>(
    '/repos',
    { schema: { body: newRepository, response: responds(repository, 201) } },
    async (request, reply) => {
      const folder = requireDataDir(dataDir);
      const name = normalizeRepoName(request.body.name);
      if (!name) throw new InvalidInputError(`'${request.body.name}' is not a valid repository name`);
      const relative = name.endsWith('.git') ? name : `${name}.git`;
      // `x` and `x.git` are one name: a new folder beside the other would make it ambiguous.
      const twin = await existingRepositoryFor(folder, relative);
      if (twin) throw new ConflictError(`repository ${relative} already exists as ${twin}`, { name: relative, existing: twin });
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
    async (request) => {
      const record = await lookUp(request.params['*']);
      return { ...record, ambiguousWith: await twinOf(dataDir, record.name) };
    },
  );
  app.patch<{ Params: { '*': string }; Body: { anonymousRead?: boolean; anonymousPush?: boolean; owner?: string | null } }>(
    '/repos/*',
    { schema: { params: params.repo, body: repositoryChanges, response: responds(repository) } },
    async (request) => updateRepository(db, (await lookUp(request.params['*'])).name, request.body),
  );
  app.delete<{ Params: { '*': string } }>(
    '/repos/*',
    { schema: { params: params.repo, response: responds(repository) } },
    (request) => {
      const folder = requireDataDir(dataDir);
      return db.withTransaction(async () => {
        const record = await unregisterRepository(db, (await lookUp(request.params['*'])).name);
        await deleteRepositoryFiles(folder, record.path);
        return record;
      });
    },
  );
}

/** The other folder that the repository's name also means, or null. */
async function twinOf(dataDir: string | undefined, name: string): Promise<string | null> {
  if (!dataDir) return null;
  try {
    await locateRepository(dataDir, name);
    return null;
  } catch (err) {
    if (!(err instanceof AmbiguousRepositoryError)) throw err;
    return (err.data.folders as string[]).find((f) => f !== name) ?? null;
  }
}
