import type { ObjectType } from '../objects/object-type.js';
import { isZeroOid } from '../objects/oid.js';

/**
 * The push rules `git push` documents ("PUSH RULES"), enforced by the server
 * when a repository sets `pushgate.namespaceRules = true`. Stock git checks
 * them only in the client, where `--force` overrides them; here nothing does.
 */

/** One ref update as the rules see it (zero oid = create or delete). */
export interface RefUpdateInput {
  refName: string;
  oldOid: string;
  newOid: string;
}

/** What is known about the object on one side of an update. */
export interface ObjectFact {
  type: ObjectType;
  /** Type after peeling annotated tags; absent when a tag's target is missing. */
  peeledType?: Exclude<ObjectType, 'tag'>;
}

/**
 * Facts the caller looked up (see namespace-facts.ts). An absent fact counts
 * against the update: a missing object is not a commit and not an ancestor.
 */
export interface NamespaceFacts {
  /** Needed for updates. */
  old?: ObjectFact;
  /** Needed for creations and updates. */
  new?: ObjectFact;
  /** Old, peeled to a commit, is new (peeled) or one of its ancestors. Needed for updates between commit-ish objects. */
  fastForward?: boolean;
}

export type NamespaceRuleId =
  'branch-holds-commits' | 'branch-fast-forward' | 'tag-never-moves' | 'update-needs-commits' | 'update-fast-forward';

export interface NamespaceRejection {
  rule: NamespaceRuleId;
  /** The `ng` reason: short, and names the rule. */
  reason: string;
  /** One line for `remote:` saying what to do instead. */
  explanation: string;
}

export type Namespace = 'branch' | 'tag' | 'other';

export function namespaceOf(refName: string): Namespace {
  if (refName.startsWith('refs/heads/')) return 'branch';
  if (refName.startsWith('refs/tags/')) return 'tag';
  return 'other';
}

/**
 * null when the update is allowed. Creations and deletions are always allowed,
 * except that a branch must be created on a commit; an update that changes
 * nothing (old = new) moves nothing and is allowed too.
 */
export function checkNamespaceRules(update: RefUpdateInput, facts: NamespaceFacts): NamespaceRejection | null {
  const { refName, oldOid, newOid } = update;
  if (isZeroOid(newOid) || oldOid === newOid) return null;
  const namespace = namespaceOf(refName);

  if (namespace === 'branch' && facts.new?.type !== 'commit') {
    return {
      rule: 'branch-holds-commits',
      reason: 'not a commit (namespace rule: refs/heads/* hold commits only)',
      explanation: `${refName}: ${short(newOid)} is ${describe(facts.new)}, not a commit; push a commit to a branch, or put other objects under refs/tags/*.`,
    };
  }
  if (isZeroOid(oldOid)) return null;

  if (namespace === 'tag') {
    return {
      rule: 'tag-never-moves',
      reason: 'tag already exists (namespace rule: refs/tags/* are never moved)',
      explanation: `${refName} already points at ${short(oldOid)}; push under a new tag name, or delete the tag (git push <remote> :${refName}) and push it again.`,
    };
  }
  if (!peelsToCommit(facts.old) || !peelsToCommit(facts.new)) {
    return {
      rule: 'update-needs-commits',
      reason: 'not a commit-to-commit update (namespace rule: only commits and tags of commits are updated)',
      explanation: `${refName}: ${short(oldOid)} (${describe(facts.old)}) -> ${short(newOid)} (${describe(facts.new)}) cannot fast-forward; delete the ref and create it again instead.`,
    };
  }
  if (facts.fastForward !== true) {
    return namespace === 'branch'
      ? {
          rule: 'branch-fast-forward',
          reason: 'non-fast-forward (namespace rule: refs/heads/* only fast-forwards)',
          explanation: `${refName}: ${short(newOid)} does not contain ${short(oldOid)}; fetch, merge or rebase onto it, and push again (forcing is not allowed here).`,
        }
      : {
          rule: 'update-fast-forward',
          reason: 'non-fast-forward (namespace rule: updates only fast-forward)',
          explanation: `${refName}: ${short(newOid)} does not contain ${short(oldOid)} (tags peeled to commits); fetch, merge or rebase, and push again, or delete the ref and create it again.`,
        };
  }
  return null;
}

function peelsToCommit(fact: ObjectFact | undefined): boolean {
  return fact?.peeledType === 'commit';
}

function describe(fact: ObjectFact | undefined): string {
  if (!fact) return 'a missing object';
  if (fact.type !== 'tag') return `a ${fact.type}`;
  return fact.peeledType ? `a tag of a ${fact.peeledType}` : 'a tag of a missing object';
}

function short(oid: string): string {
  return oid.slice(0, 7);
}
