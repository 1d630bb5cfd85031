import { resolve, join } from 'node:path';
import { RepositoryError } from '../errors.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { FileConfig } from './config.js';
import { isGitDir } from './git-dir.js';
import { openObjectDatabase, type LayeredObjectDatabase } from './object-database.js';
import { openPackSource } from './pack-opener.js';
import type { PackOpener } from './pack-source.js';
import { DirectoryQuarantine } from './quarantine.js';
import { FileRefStore } from './refs/file-ref-store.js';
import type { GitConfig, Repository } from './types.js';
import { REPO_ERROR } from './repo-errors.js';

/** A bare repository on disk. */
export class GitRepository implements Repository {
  private currentConfig: FileConfig;

  private constructor(
    readonly gitDir: string,
    readonly algo: HashAlgorithm,
    config: FileConfig,
    readonly objects: LayeredObjectDatabase,
    readonly refs: FileRefStore,
    private readonly openPack: PackOpener,
    private readonly closeObjects: () => Promise<void>,
  ) {
    this.currentConfig = config;
  }

  get config(): GitConfig {
    return this.currentConfig;
  }

  static async open(gitDir: string, openPack: PackOpener = openPackSource): Promise<GitRepository> {
    const dir = resolve(gitDir);
    if (!(await isGitDir(dir))) {
      throw new RepositoryError(REPO_ERROR.notARepository, `'${gitDir}' does not appear to be a git repository`, { gitDir });
    }
    const config = await FileConfig.load(join(dir, 'config'));
    const algo = repositoryAlgorithm(config, gitDir);
    const { database, close } = await openObjectDatabase(join(dir, 'objects'), algo, openPack);
    let repository: GitRepository | undefined;
    const refs = await FileRefStore.open({
      gitDir: dir,
      algo,
      objects: database,
      config: () => repository?.config ?? config,
    });
    repository = new GitRepository(dir, algo, config, database, refs, openPack, close);
    return repository;
  }

  createQuarantine(): Promise<DirectoryQuarantine> {
    return DirectoryQuarantine.create(this.objects, this.openPack);
  }

  async reloadConfig(): Promise<void> {
    this.currentConfig = await FileConfig.load(join(this.gitDir, 'config'));
  }

  /** Release open pack files. The repository must not be used afterwards. */
  close(): Promise<void> {
    return this.closeObjects();
  }
}

/**
 * The object format, from core.repositoryformatversion and
 * extensions.objectformat, refusing what git would refuse.
 */
function repositoryAlgorithm(config: FileConfig, gitDir: string): HashAlgorithm {
  const version = config.getInt('core.repositoryformatversion', 0);
  if (version > 1) {
    throw new RepositoryError(REPO_ERROR.repositoryFormat, `Expected git repo version <= 1, found ${version}`, { gitDir });
  }
  const format = config.get('extensions.objectformat')?.toLowerCase();
  if (format === undefined || format === 'sha1') return 'sha1';
  if (format === 'sha256') {
    if (version < 1) {
      throw new RepositoryError(REPO_ERROR.repositoryFormat, 'repo version is 0, but v1-only extension found:\n\tobjectformat', {
        gitDir,
      });
    }
    return 'sha256';
  }
  throw new RepositoryError(REPO_ERROR.repositoryFormat, `invalid value for 'extensions.objectformat': '${format}'`, { gitDir });
}

/** Open the bare repository at gitDir (HEAD, objects/ and refs/ must be there). */
export function openRepository(gitDir: string): Promise<GitRepository> {
  return GitRepository.open(gitDir);
}
