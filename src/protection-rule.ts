/**
 * Branch-protection rules as pushgate stores, exports and evaluates them.
 * A repository has an ordered list; every rule whose pattern matches a ref
 * applies to updates of that ref (see evaluate-rules.ts for precedence).
 *
 * People are named as grants name them: `alice` is a user, `@team` a group.
 */

/** A check that blocks something except for the people listed. */
export interface Exemption {
  /** Users (`alice`) and groups (`@team`) the block does not apply to; empty = nobody. */
  allow: string[];
}

export interface ProtectionRule {
  /** Ref pattern: `refs/heads/main`, `refs/heads/release/*` (`*` within a component), `refs/heads/**` (across). */
  pattern: string;
  /** Shown in refusals and listings. */
  description?: string;
  /** Only these users and groups may create, update or delete matching refs. */
  restrictPush?: string[];
  /** Matching refs may not be created, except by the people listed. */
  blockCreation?: Exemption;
  /** Matching refs may not be deleted, except by the people listed. */
  blockDeletion?: Exemption;
  /** Updates must fast-forward, except for the people listed. */
  blockForcePush?: Exemption;
  /** Once created, matching refs (usually tags) never move and are never deleted, except by the people listed. */
  immutable?: Exemption;
  /** `git push`'s namespace rules (branches hold commits and fast-forward, tags never move), enforced here. */
  namespaceRules?: boolean;
  /** No merge commits among the new commits. */
  linearHistory?: boolean;
  /** Every new commit's message must match this regular expression (JavaScript syntax, unanchored). */
  commitMessagePattern?: string;
  /** Paths the new commits may not add or modify (globs: `*.pem`, `secrets/**`, `config/*.env`). */
  forbiddenPaths?: string[];
  /** Largest blob, in bytes, the push may bring for matching refs. */
  maxBlobSize?: number;
}

/** Every check a rule can carry, in the order they are evaluated within a phase. */
export const REF_CHECKS = [
  'restrictPush',
  'blockCreation',
  'blockDeletion',
  'immutable',
  'blockForcePush',
  'namespaceRules',
] as const;
export const CONTENT_CHECKS = ['linearHistory', 'commitMessagePattern', 'forbiddenPaths', 'maxBlobSize'] as const;

export type RefCheck = (typeof REF_CHECKS)[number];
export type ContentCheck = (typeof CONTENT_CHECKS)[number];
export type CheckName = RefCheck | ContentCheck;

export const CHECK_NAMES: readonly CheckName[] = [...REF_CHECKS, ...CONTENT_CHECKS];

/** The same rule with its keys in canonical order (pattern, description, checks in CHECK_NAMES order). */
export function orderedRule(rule: ProtectionRule): ProtectionRule {
  const ordered: Record<string, unknown> = { pattern: rule.pattern };
  if (rule.description !== undefined) ordered.description = rule.description;
  for (const name of CHECK_NAMES) if (rule[name] !== undefined) ordered[name] = rule[name];
  return ordered as unknown as ProtectionRule;
}
