/**
 * A fresh, migrated database per test, on whichever backend the run uses:
 * with DATABASE_URL a new PostgreSQL database (dropped afterwards, so runs
 * never collide); without it, the embedded database in a temporary data
 * folder, copied from a migrated template built once per machine (PGlite's
 * initdb costs seconds, a copy a fraction of one).
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { embeddedDatabaseDir } from '../src/db/data-paths.js';
import type { Database } from '../src/db/database.js';
import { MIGRATIONS_DIR, migrate } from '../src/db/migrate.js';
import { openDatabase } from '../src/db/open.js';

export interface TestDatabase {
  /** A temporary data folder (repositories, and the embedded database when no DATABASE_URL). */
  dataDir: string;
  /** The per-test database URL, when the run uses PostgreSQL. */
  databaseUrl?: string;
  /** Environment for CLI calls and child processes: DATABASE_URL set or removed accordingly. */
  env: NodeJS.ProcessEnv;
  /** Opens the database (already migrated). Close it before the test ends (or leave it to teardown). */
  open(): Promise<Database>;
}

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const usingPostgres = !!process.env.DATABASE_URL;
export const backendName = usingPostgres ? 'postgres' : 'embedded';

export async function testDatabase(t: Teardown): Promise<TestDatabase> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'pushgate-test-'));
  const opened: Database[] = [];
  let databaseUrl: string | undefined;
  if (usingPostgres) {
    databaseUrl = await createScratchDatabase(process.env.DATABASE_URL!);
    const db = await openDatabase({ dataDir, databaseUrl });
    await migrate(db).finally(() => db.close());
  } else {
    await mkdir(path.dirname(embeddedDatabaseDir(dataDir)), { recursive: true });
    await cp(await embeddedTemplate(), embeddedDatabaseDir(dataDir), { recursive: true });
  }
  t.teardown(async () => {
    for (const db of opened) await db.close().catch(() => undefined);
    if (databaseUrl) await dropScratchDatabase(process.env.DATABASE_URL!, databaseUrl);
    await rm(dataDir, { recursive: true, force: true });
  });
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (databaseUrl) env.DATABASE_URL = databaseUrl;
  else delete env.DATABASE_URL;
  return {
    dataDir,
    databaseUrl,
    env,
    async open() {
      const db = await openDatabase({ dataDir, databaseUrl });
      opened.push(db);
      await migrate(db);
      return db;
    },
  };
}

async function createScratchDatabase(adminUrl: string): Promise<string> {
  const name = `pushgate_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropScratchDatabase(adminUrl: string, scratchUrl: string): Promise<void> {
  const name = new URL(scratchUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    // FORCE (PostgreSQL 13+) also ends connections a killed child process left behind.
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A migrated embedded database to copy, rebuilt when the migrations or the PGlite version change. */
async function embeddedTemplate(): Promise<string> {
  const key = await templateKey();
  const templateDir = path.join(os.tmpdir(), `pushgate-pglite-template-${key}`);
  if (await exists(path.join(templateDir, 'PG_VERSION'))) return templateDir;
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'pushgate-template-build-'));
  try {
    const db = await openDatabase({ dataDir: scratch });
    try {
      await migrate(db);
    } finally {
      await db.close();
    }
    // Tests run in parallel: whoever renames first wins, the others use theirs.
    await rename(embeddedDatabaseDir(scratch), templateDir).catch(async (err: NodeJS.ErrnoException) => {
      if (!(await exists(path.join(templateDir, 'PG_VERSION')))) throw err;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return templateDir;
}

async function templateKey(): Promise<string> {
  const hash = createHash('sha256');
  const pglitePackage = path.join(path.dirname(MIGRATIONS_DIR), 'node_modules', '@electric-sql', 'pglite', 'package.json');
  hash.update(JSON.parse(await readFile(pglitePackage, 'utf8')).version);
  for (const file of (await readdir(MIGRATIONS_DIR)).sort()) {
    hash.update(file);
    hash.update(await readFile(path.join(MIGRATIONS_DIR, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
