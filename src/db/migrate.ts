import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';
import type { Database } from './database.js';
import { DatabaseError } from './errors.js';
import { DB_ERROR } from './db-errors.js';

/**
 * The package's migrations folder, found from this module rather than the
 * working directory: src/db/ and dist/db/ are both two levels below it.
 */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

export const MIGRATIONS_TABLE = 'pgmigrations';

/** Applies pending migrations; returns the names of those it ran (empty when up to date). */
export async function migrate(db: Database, options: { log?: Logger; dir?: string } = {}): Promise<string[]> {
  const log = options.log;
  try {
    return await db.withClient(async (client) => {
      // Honour a search_path given in DATABASE_URL (…?options=-c search_path=x) instead of forcing public.
      const { rows } = await client.query<{ schema: string | null }>('SELECT current_schema() AS schema');
      const applied = await runner({
        dbClient: client,
        dir: options.dir ?? MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: MIGRATIONS_TABLE,
        schema: rows[0]?.schema ?? 'public',
        checkOrder: true,
        // Two servers starting on one database: the second waits instead of failing.
        advisoryLockMode: 'wait',
        log: (message: string) => log?.debug({ migration: message }, 'migrate'),
      });
      const names = applied.map((m) => m.name);
      if (names.length) log?.info({ migrations: names }, 'database migrated');
      return names;
    });
  } catch (err) {
    throw new DatabaseError(DB_ERROR.migrate, `database migration failed on ${db.location}: ${(err as Error).message}`, {
      location: db.location,
    });
  }
}
