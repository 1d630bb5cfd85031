/** Branch protection's public surface: rule types, their evaluation, policy files (storage is db/rule-store). */
export type { ProtectionRule, Exemption, CheckName } from '../protection-rule.js';
export type { PolicyIdentity } from './checks.js';
export { CHECK_NAMES } from '../protection-rule.js';
export { CHECK_TITLES, checksOf } from './checks.js';
export { InMemoryPolicySource, type PolicySource } from './policy-source.js';
export { checkUpdates, type CheckUpdatesInput } from './check-updates.js';
export type { Refusal } from './evaluate-rules.js';
export { dryRunUpdate, verdictOf, type DryRunResult, type DryRunVerdict } from './dry-run.js';
export { normalizeRule, parseSize } from './rule-input.js';
export { formatPolicy, parsePolicy, type PolicyDocument, type PolicyFormat } from './policy-file.js';
export { diffRules, describeChanges, type RuleChange } from './policy-diff.js';
export { refPatternMatches } from './ref-pattern.js';
export { resolveUpdateSide } from './dry-run.js';
export { summary } from './policy-diff.js';
export { evaluateNamespaceRules, readerFactSource } from './namespace-facts.js';
