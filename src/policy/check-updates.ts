import type { ObjectReader } from '../objects/object-reader.js';
import { evaluateRules, type Refusal } from './evaluate-rules.js';
import { HistoryReader, type ReadStats } from './history-reader.js';
import type { RefUpdateInput } from './namespace-rules.js';
import type { PolicyIdentity } from './checks.js';
import type { ProtectionRule } from '../protection-rule.js';
import { PushAnalysis, type RefState } from './push-analysis.js';

export interface CheckUpdatesInput {
  updates: readonly RefUpdateInput[];
  rules: readonly ProtectionRule[];
  identity?: PolicyIdentity;
  /** Every object the push can reach: the quarantine layered over the repository. */
  objects: ObjectReader;
  /**
   * Whether an object arrived with the push (is in the quarantine): such a
   * commit is in no ref's history yet, which spares asking the refs about it.
   */
  isNew(oid: string): Promise<boolean>;
  /**
   * The repository's refs before the push. A content rule judges the commits
   * an update adds to what the rule covers: those reachable from no ref the
   * rule's pattern matches (nor from the old tip), however they arrived.
   */
  refs?: readonly RefState[];
  /**
   * Sizes of pushed objects when already known (the indexer has every object
   * in hand); without it blob sizes are read from the object store.
   */
  knownSize?(oid: string): number | undefined;
}

/**
 * The rules' verdict on each update of one push (null = allowed), with what
 * was read to reach it. The facts (new commits, changed files, ancestry) are
 * shared by all updates, so two refs pushed to the same commits cost one walk.
 */
export async function checkUpdates(input: CheckUpdatesInput): Promise<{ verdicts: (Refusal | null)[]; stats: ReadStats }> {
  const history = new HistoryReader(input.objects);
  const analysis = new PushAnalysis(history, input.isNew, input.knownSize?.bind(input), input.refs);
  const verdicts: (Refusal | null)[] = [];
  for (const update of input.updates) verdicts.push(await evaluateRules(update, input.rules, input.identity, analysis));
  return { verdicts, stats: history.stats };
}
