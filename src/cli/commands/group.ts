import { parseArgs } from 'node:util';
import { addGroup, addGroupMember, listGroups, removeGroup, removeGroupMember, type Group } from '../../auth/groups.js';
import { UsageError, type CliCommand, type CliIO } from '../command.js';
import {
  COMMON_OPTIONS,
  DATA_USAGE,
  databaseTarget,
  expectPositionals,
  printJson,
  printTable,
  withDatabase,
} from './account-cli.js';

const ACTIONS = ['add', 'list', 'remove', 'add-member', 'remove-member'];

const USAGE = [
  `pushgate group add <group> ${DATA_USAGE}`,
  `       pushgate group list ${DATA_USAGE}`,
  `       pushgate group remove <group> ${DATA_USAGE}`,
  `       pushgate group add-member <group> <username>... ${DATA_USAGE}`,
  `       pushgate group remove-member <group> <username> ${DATA_USAGE}`,
].join('\n');

/** Groups of users; grants name them as `@group`. */
export const groupCommand: CliCommand = {
  name: 'group',
  summary: 'Manage groups of users (granted access as @group)',
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    if (!ACTIONS.includes(action ?? '')) throw new UsageError(`unknown action '${action ?? ''}' (${ACTIONS.join(', ')})`);
    const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: COMMON_OPTIONS });
    const target = databaseTarget(values.data, io);
    const name = positionals[0]?.replace(/^@/, '');
    switch (action) {
      case 'add':
        expectPositionals(positionals, 1, 1, 'one group name');
        return show(io, values.json, await withDatabase(target, (db) => addGroup(db, name!)), `Added group @${name}`);
      case 'list': {
        expectPositionals(positionals, 0, 0, 'no arguments');
        const groups = await withDatabase(target, (db) => listGroups(db));
        if (values.json) printJson(io, groups);
        else
          printTable(
            io,
            ['GROUP', 'MEMBERS'],
            groups.map((g) => [`@${g.name}`, g.members.join(', ')]),
          );
        return 0;
      }
      case 'remove':
        expectPositionals(positionals, 1, 1, 'one group name');
        return show(
          io,
          values.json,
          await withDatabase(target, (db) => removeGroup(db, name!)),
          `Removed group @${name} and its grants`,
        );
      case 'add-member': {
        expectPositionals(positionals, 2, Infinity, 'a group and one or more usernames');
        const group = await withDatabase(target, (db) =>
          db.withTransaction(async () => {
            let last: Group | undefined;
            for (const user of positionals.slice(1)) last = await addGroupMember(db, name!, user);
            return last!;
          }),
        );
        return show(io, values.json, group, `@${group.name}: ${group.members.join(', ')}`);
      }
      default: {
        expectPositionals(positionals, 2, 2, 'a group and a username');
        const group = await withDatabase(target, (db) => removeGroupMember(db, name!, positionals[1]!));
        return show(io, values.json, group, `@${group.name}: ${group.members.join(', ') || '(no members)'}`);
      }
    }
  },
};

function show(io: CliIO, json: boolean | undefined, group: Group, text: string): number {
  if (json) printJson(io, group);
  else io.stdout.write(text + '\n');
  return 0;
}
