import { parseArgs } from 'node:util';
import { migrate } from '../../db/migrate.js';
import { openDatabase } from '../../db/open.js';
import type { CliCommand } from '../command.js';
import { COMMON_OPTIONS, DATA_USAGE, databaseTarget, expectPositionals, printJson } from './account-cli.js';

/** Applies pending schema migrations (serve also does this at start). */
export const migrateCommand: CliCommand = {
  name: 'migrate',
  summary: 'Apply pending database migrations (serve does it at start too)',
  usage: `pushgate migrate ${DATA_USAGE}   (DATABASE_URL selects a PostgreSQL server; otherwise the embedded database in <dir>)`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON_OPTIONS });
    expectPositionals(positionals, 0, 0, 'no arguments');
    const target = databaseTarget(values.data, io);
    const db = await openDatabase({ dataDir: target.dataDir ?? process.cwd(), databaseUrl: target.databaseUrl, mustExist: true });
    try {
      const applied = await migrate(db);
      if (values.json) printJson(io, { database: db.location, applied });
      else if (applied.length) io.stdout.write(`Applied to ${db.location}:\n${applied.map((m) => `  ${m}\n`).join('')}`);
      else io.stdout.write(`${db.location} is up to date\n`);
      return 0;
    } finally {
      await db.close();
    }
  },
};
