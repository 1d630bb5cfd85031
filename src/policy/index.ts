/** Branch protection: rules, their evaluation, storage and policy files. */
export type { ProtectionRule, Exemption, PolicyIdentity, CheckName } from './protection-rule.js';
export { CHECK_NAMES, CHECK_TITLES, checksOf } from './protection-rule.js';
export type { PolicySource } from './policy-source.js';
export { InMemoryPolicySource } from './policy-source.js';
export { checkUpdates, type CheckUpdatesInput } from './check-updates.js';
export type { Refusal } from './evaluate-rules.js';
export { normalizeRule, parseSize } from './rule-input.js';
export { refPatternMatches } from './ref-pattern.js';
