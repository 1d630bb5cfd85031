import { parseArgs } from 'node:util';
import { addUser, listUsers, removeUser, updateUser, type User } from '../../auth/users.js';
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

const USAGE = [
  `pushgate user add <username> [--admin] [--name <display name>] ${DATA_USAGE}`,
  `       pushgate user list ${DATA_USAGE}`,
  `       pushgate user set <username> [--admin | --no-admin] [--name <display name>] ${DATA_USAGE}`,
  `       pushgate user remove <username> ${DATA_USAGE}`,
].join('\n');

export const userCommand: CliCommand = {
  name: 'user',
  summary: 'Add, list, change and remove user accounts',
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    if (!['add', 'list', 'set', 'remove'].includes(action ?? ''))
      throw new UsageError(`unknown action '${action ?? ''}' (add, list, set, remove)`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, admin: { type: 'boolean' }, 'no-admin': { type: 'boolean' }, name: { type: 'string' } },
    });
    const target = databaseTarget(values.data, io);
    switch (action) {
      case 'add': {
        expectPositionals(positionals, 1, 1, 'one username');
        const user = await withDatabase(target, (db) =>
          addUser(db, { username: positionals[0]!, displayName: values.name, admin: values.admin }),
        );
        return show(io, values.json, user, `Added user ${user.username}${user.admin ? ' (admin)' : ''}`);
      }
      case 'list': {
        expectPositionals(positionals, 0, 0, 'no arguments');
        const users = await withDatabase(target, (db) => listUsers(db));
        if (values.json) printJson(io, users);
        else
          printTable(
            io,
            ['USERNAME', 'ADMIN', 'NAME', 'CREATED'],
            users.map((u) => [u.username, u.admin ? 'yes' : 'no', u.displayName, shortDate(u.createdAt)]),
          );
        return 0;
      }
      case 'set': {
        expectPositionals(positionals, 1, 1, 'one username');
        if (values.admin && values['no-admin']) throw new UsageError('--admin and --no-admin contradict each other');
        const admin = values.admin ? true : values['no-admin'] ? false : undefined;
        if (admin === undefined && values.name === undefined)
          throw new UsageError('nothing to change: give --admin, --no-admin or --name');
        const user = await withDatabase(target, (db) => updateUser(db, positionals[0]!, { admin, displayName: values.name }));
        return show(io, values.json, user, `Updated user ${user.username}${user.admin ? ' (admin)' : ''}`);
      }
      case 'remove': {
        expectPositionals(positionals, 1, 1, 'one username');
        const user = await withDatabase(target, (db) => removeUser(db, positionals[0]!));
        return show(io, values.json, user, `Removed user ${user.username} with their keys, tokens and grants`);
      }
      default:
        return 129;
    }
  },
};

function show(io: CliIO, json: boolean | undefined, user: User, text: string): number {
  if (json) printJson(io, user);
  else io.stdout.write(text + '\n');
  return 0;
}
