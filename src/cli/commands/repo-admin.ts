import { parseArgs } from 'node:util';
import { adoptRepositories } from '../../db/adoption.js';
import { DatabaseLockedError } from '../../db/errors.js';
import {
  listRepositories,
  registerRepository,
  unregisterRepository,
  updateRepository,
  type RepositoryRecord,
} from '../../db/repositories.js';
import { deleteRepositoryFiles } from '../../db/repository-files.js';
import { UsageError, type CliIO } from '../command.js';
import {
  COMMON_OPTIONS,
  DATA_USAGE,
  databaseTarget,
  expectPositionals,
  parseSwitch,
  printJson,
  printTable,
  shortDate,
  withDatabase,
} from './account-cli.js';

/**
 * The registry half of `pushgate repo`: list, set and remove. The lead's
 * repo command (which owns `create`) dispatches these actions here.
 */
export const REPO_ADMIN_USAGE = [
  `pushgate repo list ${DATA_USAGE}`,
  `       pushgate repo set <name> [--anonymous-read on|off] [--anonymous-push on|off] [--owner <username> | --no-owner] ${DATA_USAGE}`,
  `       pushgate repo remove <name> --yes ${DATA_USAGE}   (deletes the repository's files)`,
].join('\n');

export type RepoAdminAction = (args: string[], io: CliIO) => Promise<number>;

export const repoAdminActions: Record<'list' | 'set' | 'remove', RepoAdminAction> = {
  async list(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON_OPTIONS });
    expectPositionals(positionals, 0, 0, 'no arguments');
    const target = databaseTarget(values.data, io);
    const repos = await withDatabase(target, async (db) => {
      // Repositories copied into the folder since the server last looked show up too.
      if (target.dataDir) await adoptRepositories(db, target.dataDir);
      return listRepositories(db);
    });
    if (values.json) printJson(io, repos);
    else
      printTable(
        io,
        ['NAME', 'OWNER', 'ANONYMOUS', 'CREATED'],
        repos.map((r) => [r.name, r.owner, anonymousLabel(r), shortDate(r.createdAt)]),
      );
    return 0;
  },

  async set(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        'anonymous-read': { type: 'string' },
        'anonymous-push': { type: 'string' },
        owner: { type: 'string' },
        'no-owner': { type: 'boolean' },
      },
    });
    expectPositionals(positionals, 1, 1, 'one repository name');
    if (values.owner && values['no-owner']) throw new UsageError('--owner and --no-owner contradict each other');
    const changes = {
      anonymousRead:
        values['anonymous-read'] === undefined ? undefined : parseSwitch(values['anonymous-read'], '--anonymous-read'),
      anonymousPush:
        values['anonymous-push'] === undefined ? undefined : parseSwitch(values['anonymous-push'], '--anonymous-push'),
      owner: values['no-owner'] ? null : values.owner,
    };
    if (Object.values(changes).every((v) => v === undefined)) throw new UsageError('nothing to change');
    const target = databaseTarget(values.data, io);
    const repo = await withDatabase(target, async (db) => {
      // Adopted first: an exact name then picks exactly its folder, never its `.git` twin.
      if (target.dataDir) await adoptRepositories(db, target.dataDir);
      return updateRepository(db, positionals[0]!, changes);
    });
    if (values.json) printJson(io, repo);
    else io.stdout.write(`${repo.name}: owner ${repo.owner ?? '-'}, anonymous ${anonymousLabel(repo)}\n`);
    return 0;
  },

  async remove(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, yes: { type: 'boolean' } },
    });
    expectPositionals(positionals, 1, 1, 'one repository name');
    const target = databaseTarget(values.data, io);
    if (!target.dataDir) throw new UsageError('--data <dir> is needed to delete the repository files');
    if (!values.yes) throw new UsageError(`this deletes ${positionals[0]} and all its history; add --yes to confirm`);
    const removed = await withDatabase(target, (db) =>
      db.withTransaction(async () => {
        await adoptRepositories(db, target.dataDir!);
        const record = await unregisterRepository(db, positionals[0]!);
        // Files go inside the transaction: if deleting fails, the registry keeps the entry.
        await deleteRepositoryFiles(target.dataDir!, record.path);
        return record;
      }),
    );
    if (values.json) printJson(io, removed);
    else io.stdout.write(`Removed ${removed.name}\n`);
    return 0;
  },
};

function anonymousLabel(repo: RepositoryRecord): string {
  return repo.anonymousPush ? 'read+push' : repo.anonymousRead ? 'read' : 'no';
}

/**
 * For `pushgate repo create`: registers the new repository. When the
 * embedded database is held by a running server, registration is left to it
 * (it adopts the repository on first access) and 'deferred' is returned.
 */
export async function registerCreatedRepository(options: {
  dataDir: string;
  databaseUrl?: string;
  name: string;
  owner?: string;
}): Promise<'registered' | 'deferred'> {
  try {
    await withDatabase({ dataDir: options.dataDir, databaseUrl: options.databaseUrl }, (db) =>
      registerRepository(db, { name: options.name, owner: options.owner }),
    );
    return 'registered';
  } catch (err) {
    if (err instanceof DatabaseLockedError) return 'deferred';
    throw err;
  }
}
