import type { AccountAccessControl } from '../auth/access-control.js';
import type { Database } from '../db/database.js';
import { InvalidInputError } from '../errors.js';

/** What every resource's routes get: the database, the data folder, the server's access control. */
export interface AdminContext {
  db: Database;
  /** The data folder: needed to create, delete, adopt and read repositories. */
  dataDir?: string;
  access: AccountAccessControl;
}

/** The data folder, for the routes that touch repositories on disk. */
export function requireDataDir(dataDir: string | undefined): string {
  if (!dataDir) throw new InvalidInputError('this server was started without a data folder for the admin API');
  return dataDir;
}
