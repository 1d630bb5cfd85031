import path from 'node:path';
import { parseArgs } from 'node:util';
import { userIdentity } from '../../auth/access-control.js';
import { dryRunUpdate, resolveUpdateSide, verdictOf, type DryRunResult } from '../../policy/index.js';
import type { PolicyIdentity } from '../../policy/index.js';
import { listRules } from '../../db/rule-store.js';
import { openRepository } from '../../repo/repository.js';
import { resolveRepoPath } from '../../transport/repo-path.js';
import { UsageError, type CliCommand, type CliIO } from '../command.js';
import { COMMON_OPTIONS, databaseTarget, expectPositionals, printJson, withDatabase } from './account-cli.js';
import { repositoryFor } from './policy-cli.js';

const USAGE = [
  'pushgate check <repo> <ref> <old> <new> [--user <name>] --data <dir> [--json]',
  '  Would a push moving <ref> from <old> to <new> pass the protection rules? Prints the verdict',
  '  and the rule that decided; exit status 0 when allowed, 1 when refused. <old>/<new>: an object',
  '  id, a ref name in the repository, or 0 (none: a creation or a deletion). The objects must',
  '  already be in the repository. Without --user the push is anonymous.',
].join('\n');

/** `pushgate check`: a dry run of one ref update against a repository's rules. */
export const checkCommand: CliCommand = {
  name: 'check',
  summary: 'Dry-run a ref update against the protection rules and show the deciding rule',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...COMMON_OPTIONS, user: { type: 'string' } },
    });
    expectPositionals(positionals, 4, 4, 'a repository, a ref, the old and the new object');
    if (!values.data) throw new UsageError('--data <dir> is required: the check reads the repository on disk');
    const [repoArg, refName, oldArg, newArg] = positionals as [string, string, string, string];
    if (!refName.startsWith('refs/')) throw new UsageError(`'${refName}' is not a full ref name (refs/heads/…, refs/tags/…)`);
    const target = databaseTarget(values.data, io);
    const { name, rules, identity } = await withDatabase(target, async (db) => {
      const record = await repositoryFor(db, target, repoArg);
      const identity: PolicyIdentity | undefined = values.user ? await userIdentity(db, values.user) : undefined;
      return { name: record.name, rules: await listRules(db, record.name), identity };
    });
    const resolved = await resolveRepoPath(path.resolve(values.data), name);
    if (!resolved) throw new UsageError(`${name} is not a repository in ${values.data}`);
    const repo = await openRepository(resolved.gitDir);
    try {
      const update = { refName, oldOid: await resolveUpdateSide(repo, oldArg), newOid: await resolveUpdateSide(repo, newArg) };
      const result = await dryRunUpdate({ repo, rules, update, identity });
      if (values.json) printJson(io, { repository: name, ...update, user: identity?.username ?? null, ...verdictOf(result) });
      else printVerdict(io, refName, identity, rules.length, result);
      return result.refusal || result.namespace ? 1 : 0;
    } finally {
      await repo.close();
    }
  },
};

function printVerdict(
  io: CliIO,
  refName: string,
  identity: PolicyIdentity | undefined,
  ruleCount: number,
  result: DryRunResult,
): void {
  const who = identity?.username ?? 'anonymous';
  if (result.namespace) {
    io.stdout.write(`refused: ${refName} (${who}): ${result.namespace.reason}\n`);
    io.stdout.write(`  decided by: the repository's pushgate.namespaceRules setting, rule '${result.namespace.rule}'\n`);
    io.stdout.write(`  ${result.namespace.explanation}\n`);
    return;
  }
  if (result.refusal) {
    const r = result.refusal;
    io.stdout.write(`refused: ${refName} (${who}): ${r.reason}\n`);
    io.stdout.write(`  decided by: rule ${r.ruleNumber} (${r.rule.pattern}), check ${r.check}\n`);
    for (const line of r.lines) io.stdout.write(`  ${line}\n`);
    return;
  }
  io.stdout.write(
    `allowed: ${refName} (${who}): ${ruleCount} rule${ruleCount === 1 ? '' : 's'} checked, ${result.newCommits} new commit${result.newCommits === 1 ? '' : 's'}\n`,
  );
}
