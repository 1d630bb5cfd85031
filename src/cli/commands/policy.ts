import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeChanges, diffRules } from '../../policy/index.js';
import { formatPolicy, parsePolicy, type PolicyFormat } from '../../policy/index.js';
import type { ProtectionRule } from '../../protection-rule.js';
import { listRules, replaceRules, requireKnownSubjects } from '../../db/rule-store.js';
import { UsageError, type CliCommand, type CliIO } from '../command.js';
import {
  COMMON_OPTIONS,
  DATA_USAGE,
  databaseTarget,
  expectPositionals,
  printJson,
  withDatabase,
  type DatabaseTarget,
} from './account-cli.js';
import { repositoryFor } from './policy-cli.js';

const USAGE = [
  `pushgate policy export <repo> [--file <f>] [--format yaml|json] ${DATA_USAGE}`,
  `       pushgate policy apply <repo> [--file <f>] [--dry-run] ${DATA_USAGE}`,
  `  A repository's protection rules as a YAML or JSON file (stdout/stdin without --file).`,
  `  apply replaces the whole list; --dry-run shows the differences and changes nothing.`,
].join('\n');

/** `pushgate policy export|apply`: a repository's rules as a file kept in version control. */
export const policyCommand: CliCommand = {
  name: 'policy',
  summary: "Export or apply a repository's protection rules as a YAML/JSON file",
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    const { values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        ...COMMON_OPTIONS,
        file: { type: 'string' },
        format: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
      },
    });
    expectPositionals(positionals, 1, 1, 'a repository');
    const target = databaseTarget(values.data, io);
    const repoName = positionals[0]!;
    if (action === 'export') {
      if (values['dry-run']) throw new UsageError('--dry-run goes with apply');
      const format = formatOf(values.format, values.file);
      const document = await withDatabase(target, async (db) => {
        const repo = await repositoryFor(db, target, repoName);
        return { repository: repo.name, rules: await listRules(db, repo.name) };
      });
      const text = formatPolicy(document, format);
      if (values.file) await writeFile(values.file, text);
      else io.stdout.write(text);
      return 0;
    }
    if (action === 'apply') {
      if (values.format) throw new UsageError('--format goes with export (apply reads YAML and JSON)');
      const document = parsePolicy(values.file ? await readFile(values.file, 'utf8') : await readAll(io));
      return apply(io, target, repoName, document.rules, values['dry-run'], values.json);
    }
    throw new UsageError(action ? `unknown action '${action}' (export or apply)` : 'export or apply?');
  },
};

async function apply(
  io: CliIO,
  target: DatabaseTarget,
  repoName: string,
  rules: ProtectionRule[],
  dryRun: boolean,
  json: boolean | undefined,
): Promise<number> {
  const { name, changes } = await withDatabase(target, async (db) => {
    const repo = await repositoryFor(db, target, repoName);
    await requireKnownSubjects(db, rules); // a dry run fails where the real one would
    const current = await listRules(db, repo.name);
    const changes = diffRules(current, rules);
    if (!dryRun && changes.length) await replaceRules(db, repo.name, rules);
    return { name: repo.name, changes };
  });
  if (json) {
    printJson(io, { repository: name, dryRun, applied: !dryRun && changes.length > 0, changes });
    return 0;
  }
  for (const line of describeChanges(changes)) io.stdout.write(line + '\n');
  const count = `${changes.length} change${changes.length === 1 ? '' : 's'}`;
  if (changes.length === 0) io.stdout.write(`${name}: no changes\n`);
  else if (dryRun) io.stdout.write(`${name}: ${count} (dry run: nothing applied)\n`);
  else io.stdout.write(`${name}: ${count} applied\n`);
  return 0;
}

function formatOf(format: string | undefined, file: string | undefined): PolicyFormat {
  if (format === 'yaml' || format === 'json') return format;
  if (format) throw new UsageError(`--format takes yaml or json, not '${format}'`);
  return file?.toLowerCase().endsWith('.json') ? 'json' : 'yaml';
}

async function readAll(io: CliIO): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
