import { mkdir, stat } from 'node:fs/promises';
import pg from 'pg';
import type { Logger } from 'pino';
import { embeddedDatabaseDir, embeddedDatabaseLock, stateDir } from './data-paths.js';
import { databaseOverPool, type Database } from './database.js';
import { DatabaseError } from './errors.js';
import { acquireFolderLock } from './folder-lock.js';
import { DB_ERROR } from './db-errors.js';

export interface OpenDatabaseOptions {
  /** The data folder. Without databaseUrl the embedded database lives in `<dataDir>/.pushgate/pg`. */
  dataDir: string;
  /** A PostgreSQL URL (DATABASE_URL); when absent, the embedded database is used. */
  databaseUrl?: string;
  /** Refuse to create a missing data folder (the CLI: a typo must not make a new empty database). */
  mustExist?: boolean;
  /** Connections in the pool for a real server (the embedded database always has one). */
  poolSize?: number;
  log?: Logger;
}

/**
 * Opens the database pushgate keeps its accounts and audit log in: the
 * PostgreSQL server at databaseUrl, or else PGlite in the data folder, behind
 * the same `pg` API. Run migrate() next.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openServerDatabase(options.databaseUrl, options);
  return openEmbeddedDatabase(options);
}

async function openServerDatabase(databaseUrl: string, options: OpenDatabaseOptions): Promise<Database> {
  const location = redactUrl(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10 });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', (err) => options.log?.warn({ err }, 'database connection lost'));
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw new DatabaseError(DB_ERROR.connect, `cannot connect to the database at ${location}: ${(err as Error).message}`, {
      location,
    });
  }
  return databaseOverPool(pool, 'postgres', location, async () => undefined);
}

async function openEmbeddedDatabase(options: OpenDatabaseOptions): Promise<Database> {
  const { dataDir } = options;
  if (options.mustExist) await requireFolder(dataDir);
  await mkdir(stateDir(dataDir), { recursive: true });
  const dir = embeddedDatabaseDir(dataDir);
  const lock = await acquireFolderLock(embeddedDatabaseLock(dataDir), `the embedded database in ${dir}`);
  try {
    // Loaded only here: the WASM build is large and not needed with DATABASE_URL.
    const { PGlite } = await import('@electric-sql/pglite');
    const { createPgConfig } = await import('@electric-sql/pglite/node-postgres');
    const pglite = await PGlite.create(dir);
    // createPgConfig fixes the pool at one connection: PGlite has exactly one backend.
    const pool = new pg.Pool(createPgConfig(pglite) as pg.PoolConfig);
    pool.on('error', (err) => options.log?.warn({ err }, 'embedded database connection error'));
    return databaseOverPool(pool, 'embedded', dir, async () => {
      try {
        await pglite.close();
      } finally {
        await lock.release();
      }
    });
  } catch (err) {
    await lock.release();
    throw new DatabaseError(DB_ERROR.open, `cannot open the embedded database in ${dir}: ${(err as Error).message}`, {
      location: dir,
    });
  }
}

async function requireFolder(dataDir: string): Promise<void> {
  const info = await stat(dataDir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new DatabaseError(
      DB_ERROR.dataDirMissing,
      `data folder ${dataDir} does not exist; pass --data <dir> or set DATABASE_URL`,
      { dataDir },
    );
  }
}

/** The URL for messages and logs: never the password. */
export function redactUrl(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'the configured DATABASE_URL';
  }
}
