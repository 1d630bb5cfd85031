import type { Logger } from 'pino';
import { adoptRepositories } from '../db/adoption.js';
import { PgAuditSink, reconcileAudit, type ReconcileOptions } from '../db/audit.js';
import type { Database } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/open.js';
import { createAccessControl, type AccountAccessControl } from './access-control.js';

export interface OpenAccountsOptions {
  dataDir: string;
  /** DATABASE_URL; absent: the embedded database in the data folder. */
  databaseUrl?: string;
  /** `--authorized-keys FILE`: its keys may push to every repository. */
  authorizedKeysFile?: string;
  /** How reconcile reads a repository's refs now (see reconcileAudit). */
  readRefs?: ReconcileOptions['readRefs'];
  log?: Logger;
}

export interface Accounts {
  db: Database;
  access: AccountAccessControl;
  audit: PgAuditSink;
  close(): Promise<void>;
}

/**
 * Everything `serve` needs from the hosting layer, in the order it must
 * happen at start: open the database, apply pending migrations, mark pushes
 * a crash interrupted, adopt repositories already in the data folder, then
 * the access control (announcing an authorized_keys file) and the audit sink.
 */
export async function openAccounts(options: OpenAccountsOptions): Promise<Accounts> {
  const { log } = options;
  const db = await openDatabase({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, log });
  try {
    log?.info({ database: db.location, kind: db.kind }, 'database opened');
    await migrate(db, { log });
    const interrupted = await reconcileAudit(db, { readRefs: options.readRefs });
    if (interrupted.length)
      log?.warn({ pushes: interrupted }, 'pushes interrupted by a previous stop were marked in the audit log');
    const adopted = await adoptRepositories(db, options.dataDir, {
      onConflict: (conflict) =>
        log?.warn(
          conflict,
          `repository name '${conflict.name}' means two folders (${conflict.folders.join(', ')}): git requests for either are refused until one is renamed or removed`,
        ),
    });
    if (adopted.length) log?.info({ repositories: adopted }, 'adopted repositories found in the data folder');
    const access = createAccessControl({ db, dataDir: options.dataDir, authorizedKeysFile: options.authorizedKeysFile, log });
    if (options.authorizedKeysFile) {
      const keys = await access.loadAuthorizedKeys();
      log?.warn({ file: options.authorizedKeysFile, keys }, 'keys of the authorized_keys file may push to every repository');
    }
    return { db, access, audit: new PgAuditSink(db), close: () => db.close() };
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
}
