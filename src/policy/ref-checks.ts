import { readerFactSource, evaluateNamespaceRules } from './namespace-facts.js';
import type { RefUpdateInput } from './namespace-rules.js';
import { kindOf, shortOid, type Problem } from './problem.js';
import type { Exemption, ProtectionRule, RefCheck } from '../protection-rule.js';
import type { PolicyIdentity } from './checks.js';
import type { PushAnalysis } from './push-analysis.js';
import { describeIdentity, describeSubjects, identityMatches } from './subjects.js';

export interface RefCheckContext {
  rule: ProtectionRule;
  update: RefUpdateInput;
  identity?: PolicyIdentity;
  analysis: PushAnalysis;
}

type Check = (ctx: RefCheckContext) => Promise<Problem | null> | Problem | null;

/**
 * Checks about who may do what to a ref. They look at the update itself
 * (and, for force pushes and namespace rules, the ancestry of its two ends),
 * never at the content, so they run before the content checks.
 */
export const refChecks: Record<RefCheck, Check> = {
  restrictPush({ rule, identity }) {
    if (identityMatches(identity, rule.restrictPush!)) return null;
    return {
      reason: 'push not allowed',
      detail: `only ${describeSubjects(rule.restrictPush!)} may push to refs matching ${rule.pattern}, not ${describeIdentity(identity)}`,
      advice: identity?.username
        ? 'push to a branch of your own and ask one of them to merge it'
        : 'authenticate (a username and token over HTTP, or an SSH key) and push again',
    };
  },

  blockCreation({ rule, update, identity }) {
    if (kindOf(update) !== 'create' || exempt(rule.blockCreation!, identity)) return null;
    return {
      reason: 'creation not allowed',
      detail: `refs matching ${rule.pattern} may be created only by ${describeSubjects(rule.blockCreation!.allow)}`,
      advice: askOrElse(rule.blockCreation!, 'to create it', 'push to an existing ref or another name instead'),
    };
  },

  blockDeletion({ rule, update, identity }) {
    if (kindOf(update) !== 'delete' || exempt(rule.blockDeletion!, identity)) return null;
    return {
      reason: 'deletion not allowed',
      detail: `refs matching ${rule.pattern} may be deleted only by ${describeSubjects(rule.blockDeletion!.allow)}`,
      advice: askOrElse(rule.blockDeletion!, 'to delete it', 'leave it in place'),
    };
  },

  immutable({ rule, update, identity }) {
    const kind = kindOf(update);
    if (kind === 'create' || exempt(rule.immutable!, identity)) return null;
    const what = update.refName.startsWith('refs/tags/') ? 'tag' : 'ref';
    return {
      reason: kind === 'delete' ? `${what} cannot be deleted` : `${what} cannot be moved`,
      detail: `${update.refName} already points at ${shortOid(update.oldOid)}, and refs matching ${rule.pattern} never change once created (except by ${describeSubjects(rule.immutable!.allow)})`,
      advice:
        kind === 'delete'
          ? askOrElse(rule.immutable!, 'to delete it', 'leave it in place')
          : `push under a new name instead (e.g. the next version tag), or fetch ${update.refName} to get what it points at`,
    };
  },

  async blockForcePush({ rule, update, identity, analysis }) {
    if (kindOf(update) !== 'update' || exempt(rule.blockForcePush!, identity)) return null;
    if (await analysis.fastForward(update.oldOid, update.newOid)) return null;
    return {
      reason: 'force push not allowed',
      detail: `${shortOid(update.newOid)} does not contain ${shortOid(update.oldOid)}, the current ${update.refName}; refs matching ${rule.pattern} only fast-forward (except for ${describeSubjects(rule.blockForcePush!.allow)})`,
      advice: `fetch, merge or rebase onto ${update.refName} (git pull --rebase), and push again without --force`,
    };
  },

  async namespaceRules({ update, analysis }) {
    const source = readerFactSource(analysis.history.objects, (ancestor, descendant) =>
      analysis.fastForward(ancestor, descendant),
    );
    const rejection = await evaluateNamespaceRules(update, source);
    if (!rejection) return null;
    return { reason: rejection.reason, detail: `namespace rule '${rejection.rule}'`, advice: rejection.explanation };
  },
};

function exempt(exemption: Exemption, identity: PolicyIdentity | undefined): boolean {
  return identityMatches(identity, exemption.allow);
}

function askOrElse(exemption: Exemption, task: string, otherwise: string): string {
  return exemption.allow.length ? `ask ${describeSubjects(exemption.allow)} ${task}, or ${otherwise}` : otherwise;
}
