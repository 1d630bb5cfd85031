import type { CheckName, ProtectionRule } from '../protection-rule.js';
import { CHECK_NAMES } from '../protection-rule.js';

/** Human names of the checks, for listings and refusals. */
export const CHECK_TITLES: Record<CheckName, string> = {
  restrictPush: 'restrict who may push',
  blockCreation: 'block creation',
  blockDeletion: 'block deletion',
  immutable: 'immutable once created',
  blockForcePush: 'block force pushes',
  namespaceRules: 'namespace rules',
  linearHistory: 'require linear history',
  commitMessagePattern: 'commit message pattern',
  forbiddenPaths: 'forbidden paths',
  maxBlobSize: 'maximum blob size',
};

/** The checks a rule switches on, in evaluation order. */
export function checksOf(rule: ProtectionRule): CheckName[] {
  return CHECK_NAMES.filter((name) => {
    const value = rule[name];
    return value !== undefined && value !== false;
  });
}

/** Who is pushing, as the rules see it (the receive service's Identity fits). */
export interface PolicyIdentity {
  /** The account, when the pusher is one; rules name accounts only (subjects.ts). */
  userId?: number;
  username?: string;
  groups?: string[];
}
