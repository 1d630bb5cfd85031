import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RepositoryError } from '../errors.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { initialBareConfig } from './config-writer.js';
import { fsyncDirectory } from './fs-durable.js';
import { isGitDir } from './git-dir.js';
import { isValidRefName } from './refs/refname.js';
import { GitRepository } from './repository.js';
import { REPO_ERROR } from './repo-errors.js';

export interface InitOptions {
  algo: HashAlgorithm;
  /** Branch HEAD points at; git's default name is "master", pushgate's is "main". */
  defaultBranch?: string;
}

const DESCRIPTION = "Unnamed repository; edit this file 'description' to name the repository.\n";
const INFO_EXCLUDE = [
  '# git ls-files --others --exclude-from=.git/info/exclude',
  "# Lines that start with '#' are comments.",
  '# For a project mostly in C, the following would be a good set of',
  '# exclude patterns (uncomment them if you want to use them):',
  '# *.[oa]',
  '# *~',
  '',
].join('\n');

/**
 * Create a bare repository with what `git init --bare` (2.39) writes, minus
 * the sample hooks, then open it. Refuses a directory that already is one.
 */
export async function initRepository(gitDir: string, options: InitOptions): Promise<GitRepository> {
  const dir = resolve(gitDir);
  const branch = options.defaultBranch ?? 'main';
  if (!isValidRefName(`refs/heads/${branch}`)) {
    throw new RepositoryError(REPO_ERROR.badBranchName, `invalid initial branch name: '${branch}'`);
  }
  if (await isGitDir(dir)) {
    throw new RepositoryError(REPO_ERROR.repositoryExists, `'${gitDir}' is already a git repository`, { gitDir });
  }
  for (const sub of ['branches', 'hooks', 'info', 'objects/info', 'objects/pack', 'refs/heads', 'refs/tags']) {
    await mkdir(join(dir, sub), { recursive: true });
  }
  await writeFile(join(dir, 'description'), DESCRIPTION);
  await writeFile(join(dir, 'info', 'exclude'), INFO_EXCLUDE);
  await writeFile(join(dir, 'config'), initialBareConfig(options.algo));
  // HEAD last: it is what makes the directory a repository to git and to us.
  await writeFile(join(dir, 'HEAD'), `ref: refs/heads/${branch}\n`);
  await fsyncDirectory(dir);
  return GitRepository.open(dir);
}
