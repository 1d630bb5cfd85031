import { parseArgs } from 'node:util';
import { grantAccess, listGrants, parseLevel, revokeAccess, type Grant } from '../../auth/permissions.js';
import { UsageError, type CliCommand, type CliIO } from '../command.js';
import {
  COMMON_OPTIONS,
  DATA_USAGE,
  databaseTarget,
  expectPositionals,
  printJson,
  printTable,
  shortDate,
  withDatabase,
} from './account-cli.js';

const GRANT_USAGE = [
  `pushgate grant <user | @group> <repository | pattern> <read | write | admin> ${DATA_USAGE}`,
  `       pushgate grant --list [--subject <user | @group>] [--repo <repository>] ${DATA_USAGE}`,
  `  patterns: team/app, team/*, team/**, ** ('*' stays within a path segment, '**' crosses them)`,
].join('\n');

/** Grants a user or group a level on a repository or a repository pattern; `--list` shows grants. */
export const grantCommand: CliCommand = {
  name: 'grant',
  summary: 'Give a user or @group read, write or admin access to repositories',
  usage: GRANT_USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, list: { type: 'boolean' }, subject: { type: 'string' }, repo: { type: 'string' } },
    });
    const target = databaseTarget(values.data, io);
    if (values.list) {
      expectPositionals(positionals, 0, 0, 'no arguments with --list');
      const grants = await withDatabase(target, (db) => listGrants(db, { subject: values.subject, repo: values.repo }));
      if (values.json) printJson(io, grants);
      else
        printTable(
          io,
          ['ID', 'SUBJECT', 'REPOSITORY', 'LEVEL', 'GRANTED'],
          grants.map((g) => [g.id, g.subject, g.pattern, g.level, shortDate(g.createdAt)]),
        );
      return 0;
    }
    if (values.subject || values.repo) throw new UsageError('--subject and --repo go with --list');
    expectPositionals(positionals, 3, 3, 'a user or @group, a repository or pattern, and a level');
    const level = parseLevel(positionals[2]!);
    const grant = await withDatabase(target, (db) => grantAccess(db, positionals[0]!, positionals[1]!, level));
    return show(io, values.json, grant, `Granted ${grant.level} on ${grant.pattern} to ${grant.subject}`);
  },
};

/** Takes a grant away. */
export const revokeCommand: CliCommand = {
  name: 'revoke',
  summary: 'Take a grant away from a user or @group',
  usage: `pushgate revoke <user | @group> <repository | pattern> [<level>] ${DATA_USAGE}`,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON_OPTIONS });
    expectPositionals(positionals, 2, 3, 'a user or @group, a repository or pattern, and optionally a level');
    const target = databaseTarget(values.data, io);
    const level = positionals[2] ? parseLevel(positionals[2]) : undefined;
    const grant = await withDatabase(target, (db) => revokeAccess(db, positionals[0]!, positionals[1]!, level));
    return show(io, values.json, grant, `Revoked ${grant.level} on ${grant.pattern} from ${grant.subject}`);
  },
};

function show(io: CliIO, json: boolean | undefined, grant: Grant, text: string): number {
  if (json) printJson(io, grant);
  else io.stdout.write(text + '\n');
  return 0;
}
