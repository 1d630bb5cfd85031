import { InvalidInputError } from '../errors.js';
import { isOid, isZeroOid, zeroOid } from '../objects/oid.js';
import type { Repository } from '../repo/types.js';
import { evaluateRules, type Refusal } from './evaluate-rules.js';
import { HistoryReader, type ReadStats } from './history-reader.js';
import { evaluateNamespaceRules, readerFactSource } from './namespace-facts.js';
import type { NamespaceRejection, RefUpdateInput } from './namespace-rules.js';
import type { PolicyIdentity } from './checks.js';
import type { ProtectionRule } from '../protection-rule.js';
import { PushAnalysis } from './push-analysis.js';
import { refPatternMatches } from './ref-pattern.js';

export interface DryRunResult {
  /** The repository's own `pushgate.namespaceRules` switch refused it (checked before the rules, as in a push). */
  namespace: NamespaceRejection | null;
  /** The protection rule that refused it. */
  refusal: Refusal | null;
  /**
   * How many commits the update adds to the ref: reachable from the new tip,
   * not from the old tip nor from a ref that a rule matching this ref covers.
   */
  newCommits: number;
  stats: ReadStats;
}

/**
 * What a push of `update` would meet, without pushing: the objects must
 * already be in the repository (fetched there, or left by an earlier push,
 * e.g. to a scratch ref). The rules judge what they would in a push: the
 * commits the update adds to the refs each rule covers, wherever they are.
 */
export async function dryRunUpdate(input: {
  repo: Repository;
  rules: readonly ProtectionRule[];
  update: RefUpdateInput;
  identity?: PolicyIdentity;
}): Promise<DryRunResult> {
  const { repo, update } = input;
  if (!isZeroOid(update.newOid) && !(await repo.objects.has(update.newOid))) {
    throw new InvalidInputError(
      `${update.newOid} is not in the repository; push or fetch it there first (e.g. to a scratch ref)`,
      { oid: update.newOid },
    );
  }
  const history = new HistoryReader(repo.objects);
  // Nothing arrives with a dry run: every commit is asked about against the refs.
  const analysis = new PushAnalysis(history, async () => false, undefined, await repo.refs.list());
  let namespace: NamespaceRejection | null = null;
  if (repo.config.getBool('pushgate.namespaceRules', false)) {
    namespace = await evaluateNamespaceRules(
      update,
      readerFactSource(repo.objects, (a, d) => analysis.fastForward(a, d)),
    );
  }
  const refusal = namespace ? null : await evaluateRules(update, input.rules, input.identity, analysis);
  const patterns = input.rules.map((rule) => rule.pattern).filter((pattern) => refPatternMatches(pattern, update.refName));
  const newCommits = isZeroOid(update.newOid) ? 0 : (await analysis.addedCommits(update, patterns)).length;
  return { namespace, refusal, newCommits, stats: history.stats };
}

/** A dry run's outcome as plain data (the CLI's --json and the admin API). */
export interface DryRunVerdict {
  allowed: boolean;
  reason?: string;
  decidedBy?: string;
  rule?: number;
  pattern?: string;
  check?: string;
  lines?: string[];
  newCommits: number;
}

export function verdictOf(result: DryRunResult): DryRunVerdict {
  const { namespace, refusal, newCommits } = result;
  if (namespace) {
    return {
      allowed: false,
      reason: namespace.reason,
      decidedBy: `namespace:${namespace.rule}`,
      lines: [namespace.explanation],
      newCommits,
    };
  }
  if (refusal) {
    return {
      allowed: false,
      reason: refusal.reason,
      decidedBy: refusal.decidedBy,
      rule: refusal.ruleNumber,
      pattern: refusal.rule.pattern,
      check: refusal.check,
      lines: refusal.lines,
      newCommits,
    };
  }
  return { allowed: true, newCommits };
}

/** One side of an update as people write it: an object id, a ref of the repository (`main`, `refs/tags/v1`), or 0 for none. */
export async function resolveUpdateSide(repo: Repository, text: string): Promise<string> {
  if (/^0+$/.test(text) || text === '-') return zeroOid(repo.algo);
  if (isOid(text.toLowerCase(), repo.algo)) return text.toLowerCase();
  for (const candidate of [text, `refs/heads/${text}`, `refs/tags/${text}`]) {
    const oid = await repo.refs.resolve(candidate);
    if (oid) return oid;
  }
  throw new InvalidInputError(`'${text}' is neither an object id nor a ref of the repository`, { value: text });
}
