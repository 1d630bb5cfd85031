import { contentChecks } from './content-checks.js';
import type { RefUpdateInput } from './namespace-rules.js';
import { CHECK_TITLES, type PolicyIdentity } from './checks.js';
import { CONTENT_CHECKS, REF_CHECKS, type CheckName, type ProtectionRule } from '../protection-rule.js';
import type { PushAnalysis } from './push-analysis.js';
import { refChecks } from './ref-checks.js';
import { refPatternMatches } from './ref-pattern.js';

/** The verdict on one ref update: the rule and check that refused it, and what to tell the pusher. */
export interface Refusal {
  /** 1-based position of the rule in the repository's list. */
  ruleNumber: number;
  rule: ProtectionRule;
  check: CheckName;
  /** The `ng` reason. */
  reason: string;
  /** `remote:` lines: which rule and pattern, what is wrong, what to do instead. */
  lines: string[];
  /** For logs and the audit record: `policy:rule-2:blockForcePush`. */
  decidedBy: `policy:rule-${number}:${CheckName}`;
}

/**
 * Precedence: every rule whose pattern matches the ref applies (a rule can
 * only add restrictions; exemptions are per check, in its allow list).
 * Checks run in two phases: first the ref checks of every matching rule
 * (who may push, create, delete, move, force), in rule order; then the
 * content checks (linear history, messages, paths, blob size), in rule
 * order. Within a rule, checks run in the order of REF_CHECKS and
 * CONTENT_CHECKS. The first check that refuses decides, and is reported.
 * Ref checks go first because they are cheap and say the most useful thing
 * (you may not push here at all) before any commit is read.
 */
export async function evaluateRules(
  update: RefUpdateInput,
  rules: readonly ProtectionRule[],
  identity: PolicyIdentity | undefined,
  analysis: PushAnalysis,
): Promise<Refusal | null> {
  if (update.oldOid === update.newOid) return null; // moves nothing
  const matching = rules
    .map((rule, i) => ({ rule, number: i + 1 }))
    .filter(({ rule }) => refPatternMatches(rule.pattern, update.refName));
  for (const { rule, number } of matching) {
    for (const check of REF_CHECKS) {
      if (!isOn(rule, check)) continue;
      const problem = await refChecks[check]({ rule, update, identity, analysis });
      if (problem) return refusal(update, rule, number, check, problem);
    }
  }
  for (const { rule, number } of matching) {
    for (const check of CONTENT_CHECKS) {
      if (!isOn(rule, check)) continue;
      const problem = await contentChecks[check]({ rule, update, analysis });
      if (problem) return refusal(update, rule, number, check, problem);
    }
  }
  return null;
}

function isOn(rule: ProtectionRule, check: CheckName): boolean {
  const value = rule[check];
  return value !== undefined && value !== false;
}

function refusal(
  update: RefUpdateInput,
  rule: ProtectionRule,
  number: number,
  check: CheckName,
  problem: { reason: string; detail: string; advice: string },
): Refusal {
  const label = rule.description ? `${rule.pattern}, "${rule.description}"` : rule.pattern;
  return {
    ruleNumber: number,
    rule,
    check,
    reason: `${problem.reason} [rule ${number}: ${rule.pattern}]`,
    lines: [
      `${update.refName}: refused by policy rule ${number} (${label}): ${CHECK_TITLES[check]}`,
      problem.detail,
      `to do instead: ${problem.advice}`,
    ],
    decidedBy: `policy:rule-${number}:${check}`,
  };
}
