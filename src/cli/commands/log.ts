import { parseArgs } from 'node:util';
import { parsePointInTime } from '../../auth/duration.js';
import { queryAuditLog, type AuditEntry } from '../../db/audit.js';
import { UsageError, type CliCommand, type CliIO } from '../command.js';
import { COMMON_OPTIONS, DATA_USAGE, databaseTarget, expectPositionals, printJson, withDatabase } from './account-cli.js';

/** The push audit log, newest first. */
export const logCommand: CliCommand = {
  name: 'log',
  summary: 'Show the push audit log',
  usage: `pushgate log [--repo <name>] [--user <username>] [--since <date | 2h | 7d>] [--until <date>] [--limit 50] ${DATA_USAGE}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        repo: { type: 'string' },
        user: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        limit: { type: 'string', default: '50' },
      },
    });
    expectPositionals(positionals, 0, 0, 'no arguments');
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new UsageError('--limit takes a number from 1 to 1000');
    const since = values.since ? parsePointInTime(values.since) : undefined;
    const until = values.until ? parsePointInTime(values.until) : undefined;
    const target = databaseTarget(values.data, io);
    const entries = await withDatabase(target, (db) =>
      queryAuditLog(db, { repo: values.repo, username: values.user, since, until, limit }),
    );
    if (values.json) printJson(io, entries);
    else for (const entry of entries) printEntry(io, entry);
    return 0;
  },
};

/** Two kinds of lines: the push, then one per ref as git reports them (ok / ng). */
function printEntry(io: CliIO, e: AuditEntry): void {
  const who = e.username ?? 'anonymous';
  const from = e.remoteAddress ? ` from ${e.remoteAddress}` : '';
  const outcome = e.result ?? 'in progress';
  const stats =
    e.state === 'complete'
      ? ` (${e.commands.length} ref${e.commands.length === 1 ? '' : 's'}, ${formatBytes(e.packBytes)}, ${e.durationMs ?? 0} ms)`
      : '';
  io.stdout.write(`${e.startedAt.toISOString()}  #${e.id}  ${who} → ${e.repo} over ${e.transport}${from}: ${outcome}${stats}\n`);
  for (const c of e.commands) {
    const range = `${c.oldOid.slice(0, 7)}..${c.newOid.slice(0, 7)}`;
    io.stdout.write(
      `    ${c.status === 'ok' ? 'ok' : c.status === 'rejected' ? 'ng' : '--'} ${c.refName} ${range}${c.reason ? ` (${c.reason})` : ''}\n`,
    );
  }
  if (e.error) io.stdout.write(`    error: ${e.error}\n`);
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
