import path from 'node:path';
import type { Database } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import { openDatabase } from '../../db/open.js';
import { UsageError, type CliIO } from '../command.js';

/**
 * Shared by the account commands (user, group, key, token, repo, grant, log,
 * migrate): the `--data` / `--json` options, opening the database the same
 * way `serve` does, and printing tables or JSON.
 */
export const COMMON_OPTIONS = {
  data: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const DATA_USAGE = '[--data <dir>] [--json]';

export interface DatabaseTarget {
  /** Absolute data folder, when given. */
  dataDir?: string;
  databaseUrl?: string;
}

/** `--data` is needed for the embedded database; with DATABASE_URL it is optional. */
export function databaseTarget(data: string | undefined, io: CliIO): DatabaseTarget {
  const databaseUrl = io.env.DATABASE_URL || undefined;
  if (!data && !databaseUrl) throw new UsageError('--data <dir> is required (or set DATABASE_URL)');
  return { dataDir: data ? path.resolve(data) : undefined, databaseUrl };
}

/** Opens the database (applying pending migrations, as serve does), runs fn, closes it. */
export async function withDatabase<T>(target: DatabaseTarget, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ dataDir: target.dataDir ?? process.cwd(), databaseUrl: target.databaseUrl, mustExist: true });
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

export function printJson(io: CliIO, value: unknown): void {
  io.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** Left-aligned columns with a header; empty cells shown as `-`. */
export function printTable(io: CliIO, headers: string[], rows: (string | number | null | undefined)[][]): void {
  const cells = [headers, ...rows.map((row) => row.map((c) => (c === null || c === undefined || c === '' ? '-' : String(c))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  for (const row of cells)
    io.stdout.write(row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join('  ') + '\n');
}

/** Dates in listings: minutes are enough for people; --json has the full ISO time. */
export function shortDate(date: Date | null | undefined): string {
  return date ? date.toISOString().slice(0, 16).replace('T', ' ') : '-';
}

export function expectPositionals(positionals: string[], min: number, max: number, what: string): void {
  if (positionals.length < min || positionals.length > max) throw new UsageError(`expected ${what}`);
}

/** on/off style switches (`--anonymous-read on`). */
export function parseSwitch(value: string, option: string): boolean {
  if (/^(on|yes|true|1)$/i.test(value)) return true;
  if (/^(off|no|false|0)$/i.test(value)) return false;
  throw new UsageError(`${option} takes on or off, not '${value}'`);
}
