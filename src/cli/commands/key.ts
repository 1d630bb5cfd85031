import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { addSshKey, listSshKeys, removeSshKey, type SshKeyRecord } from '../../auth/ssh-keys.js';
import { parsePublicKeyLine } from '../../auth/ssh-public-key.js';
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

const ACTIONS = ['add', 'list', 'remove'];

const USAGE = [
  `pushgate key add <username> [<public-key-file> | -] [--comment <text>] ${DATA_USAGE}   (no file: read stdin)`,
  `       pushgate key list [<username>] ${DATA_USAGE}`,
  `       pushgate key remove <SHA256:fingerprint | id> [--user <username>] ${DATA_USAGE}`,
].join('\n');

/** SSH public keys of users (ed25519, RSA, ECDSA), one or more per file. */
export const keyCommand: CliCommand = {
  name: 'key',
  summary: "Add, list and remove users' SSH public keys",
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    if (!ACTIONS.includes(action ?? '')) throw new UsageError(`unknown action '${action ?? ''}' (${ACTIONS.join(', ')})`);
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, comment: { type: 'string' }, user: { type: 'string' } },
    });
    const target = databaseTarget(values.data, io);
    if (action === 'add') {
      expectPositionals(positionals, 1, 2, 'a username and optionally a public key file');
      const source = positionals[1] ?? '-';
      const text = source === '-' ? await readAll(io.stdin) : await readFile(source, 'utf8');
      const lines = text.split(/\r?\n/).filter((l) => l.trim() && !l.trimStart().startsWith('#'));
      if (!lines.length) throw new UsageError(`no public key in ${source === '-' ? 'standard input' : source}`);
      lines.forEach((line) => parsePublicKeyLine(line)); // a bad key fails before the database is opened
      const added = await withDatabase(target, (db) =>
        db.withTransaction(async () => {
          const keys: SshKeyRecord[] = [];
          for (const line of lines) keys.push(await addSshKey(db, positionals[0]!, line, values.comment));
          return keys;
        }),
      );
      if (values.json) printJson(io, added.length === 1 ? added[0] : added);
      else for (const k of added) io.stdout.write(`Added ${describe(k)} for ${k.username}\n`);
      return 0;
    }
    if (action === 'list') {
      expectPositionals(positionals, 0, 1, 'at most one username');
      const keys = await withDatabase(target, (db) => listSshKeys(db, positionals[0]));
      if (values.json) printJson(io, keys);
      else {
        printTable(
          io,
          ['ID', 'USER', 'KEY', 'COMMENT', 'ADDED', 'LAST USED'],
          keys.map((k) => [
            k.id,
            k.username,
            `${k.bits ?? ''} ${k.fingerprint} (${typeLabel(k.algorithm)})`,
            k.comment,
            shortDate(k.createdAt),
            shortDate(k.lastUsedAt),
          ]),
        );
      }
      return 0;
    }
    expectPositionals(positionals, 1, 1, 'a key fingerprint or id');
    const removed = await withDatabase(target, (db) => removeSshKey(db, positionals[0]!, values.user));
    if (values.json) printJson(io, removed);
    else io.stdout.write(`Removed ${describe(removed)} of ${removed.username}\n`);
    return 0;
  },
};

/** Like `ssh-keygen -l`: `256 SHA256:… comment (ED25519)`. */
function describe(key: SshKeyRecord): string {
  return `${key.bits ?? ''} ${key.fingerprint}${key.comment ? ` ${key.comment}` : ''} (${typeLabel(key.algorithm)})`.trim();
}

function typeLabel(algorithm: string): string {
  if (algorithm === 'ssh-ed25519') return 'ED25519';
  if (algorithm === 'ssh-rsa') return 'RSA';
  return 'ECDSA';
}

async function readAll(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
