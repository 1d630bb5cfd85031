import type { ObjectReader } from '../objects/object-reader.js';
import { evaluateRules, type Refusal } from './evaluate-rules.js';
import { HistoryReader, type ReadStats } from './history-reader.js';
import type { RefUpdateInput } from './namespace-rules.js';
import type { PolicyIdentity } from './checks.js';
import type { ProtectionRule } from '../protection-rule.js';
import { PushAnalysis } from './push-analysis.js';

export interface CheckUpdatesInput {
  updates: readonly RefUpdateInput[];
  rules: readonly ProtectionRule[];
  identity?: PolicyIdentity;
  /** Every object the push can reach: the quarantine layered over the repository. */
  objects: ObjectReader;
  /** Whether an object is new (arrived with the push); the walks stop at the first one that is not. */
  isNew(oid: string): Promise<boolean>;
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
  const analysis = new PushAnalysis(history, input.isNew, input.knownSize?.bind(input));
  const verdicts: (Refusal | null)[] = [];
  for (const update of input.updates) verdicts.push(await evaluateRules(update, input.rules, input.identity, analysis));
  return { verdicts, stats: history.stats };
}
