import { parseArgs } from 'node:util';
import { parseDuration } from '../../auth/duration.js';
import { createToken, listTokens, parseScopes, revokeToken } from '../../auth/tokens.js';
import { UsageError, type CliCommand } from '../command.js';
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

const ACTIONS = ['create', 'list', 'revoke'];

const USAGE = [
  `pushgate token create <username> [--name <name>] [--expires 30d|<date>] [--scope read,write,admin] ${DATA_USAGE}`,
  `       pushgate token list [<username>] ${DATA_USAGE}`,
  `       pushgate token revoke <id> | <username> <name> ${DATA_USAGE}`,
].join('\n');

/** Access tokens: the password for HTTP pushes (`https://alice:<token>@host/repo.git`) and the admin API. */
export const tokenCommand: CliCommand = {
  name: 'token',
  summary: 'Create, list and revoke access tokens (HTTP passwords, admin API)',
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    if (!ACTIONS.includes(action ?? '')) throw new UsageError(`unknown action '${action ?? ''}' (${ACTIONS.join(', ')})`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        name: { type: 'string' },
        expires: { type: 'string' },
        scope: { type: 'string', multiple: true },
      },
    });
    const target = databaseTarget(values.data, io);
    if (action === 'create') {
      expectPositionals(positionals, 1, 1, 'one username');
      const expiresAt = values.expires ? parseExpiry(values.expires) : null;
      const scopes = values.scope ? parseScopes(values.scope) : null;
      const { token, secret } = await withDatabase(target, (db) =>
        createToken(db, { username: positionals[0]!, name: values.name, expiresAt, scopes }),
      );
      if (values.json) {
        printJson(io, { ...token, secret });
      } else {
        io.stdout.write(
          `Created token ${token.name} (id ${token.id}) for ${token.username}` +
            `${token.expiresAt ? `, expires ${token.expiresAt.toISOString()}` : ''}${token.scopes ? `, scopes ${token.scopes.join(',')}` : ''}.\n` +
            `It is shown only this once; store it now:\n\n  ${secret}\n\n`,
        );
      }
      return 0;
    }
    if (action === 'list') {
      expectPositionals(positionals, 0, 1, 'at most one username');
      const tokens = await withDatabase(target, (db) => listTokens(db, positionals[0]));
      if (values.json) printJson(io, tokens);
      else {
        printTable(
          io,
          ['ID', 'USER', 'NAME', 'PREFIX', 'SCOPES', 'STATE', 'EXPIRES', 'LAST USED'],
          tokens.map((t) => [
            t.id,
            t.username,
            t.name,
            `${t.prefix}…`,
            t.scopes?.join(',') ?? 'all',
            t.state,
            shortDate(t.expiresAt),
            shortDate(t.lastUsedAt),
          ]),
        );
      }
      return 0;
    }
    expectPositionals(positionals, 1, 2, 'a token id, or a username and a token name');
    const revoked = await withDatabase(target, (db) =>
      positionals.length === 2 ? revokeToken(db, positionals[1]!, positionals[0]) : revokeToken(db, positionals[0]!),
    );
    if (values.json) printJson(io, revoked);
    else io.stdout.write(`Revoked token ${revoked.name} (id ${revoked.id}) of ${revoked.username}\n`);
    return 0;
  },
};

/** `30d`-style durations from now, or a date. */
function parseExpiry(text: string): Date {
  if (/^\d+\s*[smhdwy]$/.test(text.trim())) return new Date(Date.now() + parseDuration(text));
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new UsageError(`--expires takes a duration like 30d or a date, not '${text}'`);
  return date;
}
