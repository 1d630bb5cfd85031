import { parseArgs } from 'node:util';
import { checksOf, CHECK_TITLES } from '../../policy/index.js';
import { type Exemption, type ProtectionRule } from '../../protection-rule.js';
import { addRule, listRules, removeRule } from '../../db/rule-store.js';
import { normalizeRule } from '../../policy/index.js';
import { summary } from '../../policy/index.js';
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
import { repositoryFor, subjectList } from './policy-cli.js';

const USAGE = [
  `pushgate protect add <repo> <ref-pattern> [checks] [--description <text>] [--position <n>] ${DATA_USAGE}`,
  `       pushgate protect list <repo> ${DATA_USAGE}`,
  `       pushgate protect remove <repo> <n> ${DATA_USAGE}`,
  `  patterns: refs/heads/main, refs/heads/release/* ('*' within a component), refs/heads/** (across), refs/tags/v*`,
  `  checks (people: user or @group, comma-separated or repeated):`,
  `    --restrict-push <people>          only they may push to matching refs`,
  `    --block-force-push                 updates must fast-forward;  --allow-force-push <people> exempts some`,
  `    --block-deletion                   no deleting;                --allow-deletion <people>`,
  `    --block-creation                   no creating;                --allow-creation <people>`,
  `    --immutable                        never moved or deleted once created (tags); --allow-immutable-change <people>`,
  `    --namespace-rules                  git push's rules: branches fast-forward and hold commits, tags never move`,
  `    --linear-history                   no merge commits among the new commits`,
  `    --commit-message <regex>           every new commit message must match`,
  `    --forbid-path <glob>               new commits may not add or change matching paths (repeatable)`,
  `    --max-blob-size <size>             largest new file (bytes, or 512k, 10m, 1g)`,
  `  All rules whose pattern matches a ref apply; the first refusal (rule order) decides.`,
].join('\n');

const EXEMPTIONS = [
  ['blockForcePush', 'block-force-push', 'allow-force-push'],
  ['blockDeletion', 'block-deletion', 'allow-deletion'],
  ['blockCreation', 'block-creation', 'allow-creation'],
  ['immutable', 'immutable', 'allow-immutable-change'],
] as const;

/** `pushgate protect add|list|remove`: edit a repository's protection rules one at a time. */
export const protectCommand: CliCommand = {
  name: 'protect',
  summary: "Add, list or remove a repository's branch protection rules",
  usage: USAGE,
  async run(args, io) {
    const [action, ...rest] = args;
    if (action === 'add') return add(rest, io);
    if (action === 'list') return list(rest, io);
    if (action === 'remove') return remove(rest, io);
    throw new UsageError(action ? `unknown action '${action}' (add, list or remove)` : 'add, list or remove?');
  },
};

async function add(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...COMMON_OPTIONS,
      description: { type: 'string' },
      position: { type: 'string' },
      'restrict-push': { type: 'string', multiple: true },
      'block-force-push': { type: 'boolean' },
      'allow-force-push': { type: 'string', multiple: true },
      'block-deletion': { type: 'boolean' },
      'allow-deletion': { type: 'string', multiple: true },
      'block-creation': { type: 'boolean' },
      'allow-creation': { type: 'string', multiple: true },
      immutable: { type: 'boolean' },
      'allow-immutable-change': { type: 'string', multiple: true },
      'namespace-rules': { type: 'boolean' },
      'linear-history': { type: 'boolean' },
      'commit-message': { type: 'string' },
      'forbid-path': { type: 'string', multiple: true },
      'max-blob-size': { type: 'string' },
    },
  });
  expectPositionals(positionals, 2, 2, 'a repository and a ref pattern');
  const input: Record<string, unknown> = { pattern: positionals[1], description: values.description };
  input.restrictPush = subjectList(values['restrict-push']);
  for (const [key, block, allow] of EXEMPTIONS) {
    const allowed = subjectList(values[allow]);
    if (values[block] || allowed) input[key] = { allow: allowed ?? [] } satisfies Exemption;
  }
  input.namespaceRules = values['namespace-rules'];
  input.linearHistory = values['linear-history'];
  input.commitMessagePattern = values['commit-message'];
  input.forbiddenPaths = values['forbid-path'];
  input.maxBlobSize = values['max-blob-size'];
  const position = values.position === undefined ? undefined : Number(values.position);
  if (position !== undefined && !Number.isInteger(position))
    throw new UsageError(`--position takes a number, not '${values.position}'`);
  const rule = normalizeRule(input);
  const target = databaseTarget(values.data, io);
  const rules = await withDatabase(target, async (db) =>
    addRule(db, (await repositoryFor(db, target, positionals[0]!)).name, rule, position),
  );
  if (values.json) printJson(io, rules);
  else io.stdout.write(`Added rule ${position ?? rules.length}: ${summary(rule)}\n`);
  return 0;
}

async function list(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON_OPTIONS });
  expectPositionals(positionals, 1, 1, 'a repository');
  const target = databaseTarget(values.data, io);
  const rules = await withDatabase(target, async (db) => listRules(db, (await repositoryFor(db, target, positionals[0]!)).name));
  if (values.json) printJson(io, rules);
  else if (rules.length === 0) io.stdout.write(`${positionals[0]} has no protection rules\n`);
  else
    printTable(
      io,
      ['#', 'PATTERN', 'CHECKS', 'DESCRIPTION'],
      rules.map((r, i) => [i + 1, r.pattern, describeChecks(r), r.description]),
    );
  return 0;
}

async function remove(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: COMMON_OPTIONS });
  expectPositionals(positionals, 2, 2, 'a repository and a rule number (see protect list)');
  const position = Number(positionals[1]);
  if (!Number.isInteger(position) || position < 1) throw new UsageError(`'${positionals[1]}' is not a rule number`);
  const target = databaseTarget(values.data, io);
  const rule = await withDatabase(target, async (db) =>
    removeRule(db, (await repositoryFor(db, target, positionals[0]!)).name, position),
  );
  if (values.json) printJson(io, rule);
  else io.stdout.write(`Removed rule ${position}: ${summary(rule)}\n`);
  return 0;
}

/** `block force pushes (except alice), maximum blob size 1048576`. */
function describeChecks(rule: ProtectionRule): string {
  return checksOf(rule)
    .map((check) => {
      const value = rule[check];
      if (Array.isArray(value)) return `${CHECK_TITLES[check]} (${value.join(', ') || 'nobody'})`;
      if (value && typeof value === 'object')
        return value.allow.length ? `${CHECK_TITLES[check]} (except ${value.allow.join(', ')})` : CHECK_TITLES[check];
      if (value === true) return CHECK_TITLES[check];
      return `${CHECK_TITLES[check]} ${check === 'commitMessagePattern' ? `/${value}/` : String(value)}`;
    })
    .join(', ');
}
