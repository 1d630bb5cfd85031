import { RepositoryError } from '../errors.js';
import type { GitRepository } from '../repo/repository.js';
import { openRepository } from '../repo/repository.js';
import type { CliIO } from './command.js';

/**
 * Opens the repository a stdio drop-in (receive-pack, upload-pack) was given,
 * runs the service and closes it; a path that is not a repository ends with
 * git's message and exit status 128.
 */
export async function withRepository(
  gitDir: string | null,
  given: string,
  io: CliIO,
  run: (repo: GitRepository, gitDir: string) => Promise<number>,
): Promise<number> {
  if (!gitDir) {
    io.stderr.write(`fatal: '${given}' does not appear to be a git repository\n`);
    return 128;
  }
  let repo: GitRepository;
  try {
    repo = await openRepository(gitDir);
  } catch (err) {
    if (err instanceof RepositoryError) {
      io.stderr.write(`fatal: ${err.message}\n`);
      return 128;
    }
    throw err;
  }
  try {
    return await run(repo, gitDir);
  } finally {
    await repo.close();
  }
}
