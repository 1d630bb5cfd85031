/** Branch protection: rules, their evaluation, storage and policy files. */
export type { ProtectionRule, Exemption, PolicyIdentity, CheckName } from './protection-rule.js';
export { CHECK_NAMES, CHECK_TITLES, checksOf } from './protection-rule.js';
export { InMemoryPolicySource, type PolicySource } from './policy-source.js';
export { PgPolicySource, listRules, replaceRules, addRule, removeRule } from './rule-store.js';
export { checkUpdates, type CheckUpdatesInput } from './check-updates.js';
export type { Refusal } from './evaluate-rules.js';
export { dryRunUpdate, verdictOf, type DryRunResult, type DryRunVerdict } from './dry-run.js';
export { normalizeRule, parseSize } from './rule-input.js';
export { formatPolicy, parsePolicy, type PolicyDocument, type PolicyFormat } from './policy-file.js';
export { diffRules, describeChanges, type RuleChange } from './policy-diff.js';
export { refPatternMatches } from './ref-pattern.js';
