import { parseArgs } from 'node:util';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { existingRepositoryFor } from '../../db/repository-files.js';
import { initRepository } from '../../repo/init-repository.js';
import { isGitDir } from '../../repo/git-dir.js';
import { normalizeRepoName } from '../../transport/repo-path.js';
import { UsageError, type CliCommand } from '../command.js';
import { REPO_ADMIN_USAGE, registerCreatedRepository, repoAdminActions } from './repo-admin.js';

/** `pushgate repo create`: a bare repository written by pushgate itself. */
export const repoCommand: CliCommand = {
  name: 'repo',
  summary: 'Create, list, configure and remove repositories',
  usage: `pushgate repo create <name> --data <dir> [--object-format sha1|sha256] [--default-branch main]\n       ${REPO_ADMIN_USAGE}`,
  async run(args, io) {
    const [action, ...rest] = args;
    if (action === 'list' || action === 'set' || action === 'remove') return repoAdminActions[action](rest, io);
    if (action !== 'create') throw new UsageError(`unknown action '${action ?? ''}'`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        'object-format': { type: 'string', default: 'sha1' },
        'default-branch': { type: 'string', default: 'main' },
      },
    });
    if (!values.data) throw new UsageError('--data <dir> is required');
    if (positionals.length !== 1) throw new UsageError('expected one repository name');
    const algo = values['object-format'];
    if (algo !== 'sha1' && algo !== 'sha256') throw new UsageError(`unknown object format '${algo}'`);
    const name = normalizeRepoName(positionals[0]);
    if (!name) throw new UsageError(`'${positionals[0]}' is not a valid repository name`);
    const relative = name.endsWith('.git') ? name : `${name}.git`;
    const gitDir = path.join(path.resolve(values.data), relative);
    if (await isGitDir(gitDir)) {
      io.stderr.write(`fatal: repository '${relative}' already exists\n`);
      return 128;
    }
    // `x` and `x.git` are one name: a new folder beside the other would make it ambiguous.
    const twin = await existingRepositoryFor(path.resolve(values.data), relative);
    if (twin) {
      io.stderr.write(`fatal: repository '${relative}' already exists as '${twin}'\n`);
      return 128;
    }
    await mkdir(path.dirname(gitDir), { recursive: true });
    const repo = await initRepository(gitDir, { algo, defaultBranch: values['default-branch'] });
    await repo.close();
    const registry = await registerCreatedRepository({
      dataDir: path.resolve(values.data),
      databaseUrl: io.env.DATABASE_URL || undefined,
      name: relative,
    });
    io.stdout.write(`Created ${relative} (${algo}) in ${gitDir}\n`);
    if (registry === 'deferred') io.stdout.write('The running server will register it on first access.\n');
    return 0;
  },
};
