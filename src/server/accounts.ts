import type { Logger } from 'pino';
import { openAccounts, type Accounts } from '../auth/accounts.js';
import { InvalidInputError } from '../errors.js';
import { openRepository } from '../repo/repository.js';
import { resolveRepoPath } from '../transport/repo-path.js';
import type { ServerOptions } from './options.js';

/** The server's accounts: none, the caller's, or opened here (then `owned`: close() closes them). */
export interface ServerAccounts {
  accounts?: Accounts;
  owned: boolean;
}

/**
 * Opens the accounts the options ask for, with the start-up work of
 * openAccounts: migrations, reconciliation of the audit log (reading each
 * interrupted push's repository refs as they are now) and adoption of the
 * repositories already in the data folder.
 */
export async function serverAccounts(options: ServerOptions, log: Logger): Promise<ServerAccounts> {
  if (options.accounts && options.database)
    throw new InvalidInputError('give createServer either accounts or database, not both');
  if (options.authorizedKeys && !options.database)
    throw new InvalidInputError('authorizedKeys needs accounts opened by the server (the database option)');
  if (options.accounts) return { accounts: options.accounts, owned: false };
  if (!options.database) return { owned: false };
  const { dataDir } = options;
  const accounts = await openAccounts({
    dataDir,
    databaseUrl: options.database === 'embedded' ? undefined : options.database.url,
    authorizedKeysFile: options.authorizedKeys,
    log,
    readRefs: async (name) => {
      const found = await resolveRepoPath(dataDir, name);
      if (!found) return null;
      const repo = await openRepository(found.gitDir);
      try {
        return await repo.refs.list();
      } finally {
        await repo.close();
      }
    },
  });
  return { accounts, owned: true };
}
