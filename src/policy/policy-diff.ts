import { CHECK_NAMES, type ProtectionRule } from '../protection-rule.js';
import { checksOf, CHECK_TITLES } from './checks.js';
import { compactRule } from './policy-file.js';

/** One difference between a repository's rules and a policy file. Positions are 1-based. */
export type RuleChange =
  | { kind: 'add'; position: number; rule: ProtectionRule }
  | { kind: 'remove'; position: number; rule: ProtectionRule }
  | { kind: 'move'; from: number; to: number; rule: ProtectionRule }
  | { kind: 'change'; from: number; to: number; before: ProtectionRule; after: ProtectionRule; fields: string[] };

/**
 * What applying `after` over `before` changes: rules kept in the same
 * relative order are unchanged (a longest common subsequence); identical
 * rules elsewhere moved; a removed and an added rule with the same pattern
 * are shown as one changed rule with the fields that differ.
 */
export function diffRules(before: readonly ProtectionRule[], after: readonly ProtectionRule[]): RuleChange[] {
  const beforeKeys = before.map(keyOf);
  const afterKeys = after.map(keyOf);
  const kept = commonSubsequence(beforeKeys, afterKeys);
  const removed = before.map((_, i) => i).filter((i) => !kept.before.has(i));
  const added = after.map((_, i) => i).filter((i) => !kept.after.has(i));
  const changes: RuleChange[] = [];

  for (const a of [...added]) {
    const r = removed.find((i) => beforeKeys[i] === afterKeys[a]);
    if (r === undefined) continue;
    changes.push({ kind: 'move', from: r + 1, to: a + 1, rule: after[a]! });
    removed.splice(removed.indexOf(r), 1);
    added.splice(added.indexOf(a), 1);
  }
  for (const a of [...added]) {
    const r = removed.find((i) => before[i]!.pattern === after[a]!.pattern);
    if (r === undefined) continue;
    changes.push({
      kind: 'change',
      from: r + 1,
      to: a + 1,
      before: before[r]!,
      after: after[a]!,
      fields: changedFields(before[r]!, after[a]!),
    });
    removed.splice(removed.indexOf(r), 1);
    added.splice(added.indexOf(a), 1);
  }
  for (const r of removed) changes.push({ kind: 'remove', position: r + 1, rule: before[r]! });
  for (const a of added) changes.push({ kind: 'add', position: a + 1, rule: after[a]! });
  // Removals first, by their old place; then the rest by their new place.
  return changes.sort((x, y) => (x.kind === 'remove' ? 0 : 1) - (y.kind === 'remove' ? 0 : 1) || positionOf(x) - positionOf(y));
}

/** One line per change, for `policy apply --dry-run`. */
export function describeChanges(changes: readonly RuleChange[]): string[] {
  return changes.map((change) => {
    switch (change.kind) {
      case 'add':
        return `+ rule ${change.position}: ${summary(change.rule)}`;
      case 'remove':
        return `- rule ${change.position}: ${summary(change.rule)}`;
      case 'move':
        return `> rule ${change.from} -> ${change.to}: ${change.rule.pattern}`;
      case 'change': {
        const before = compactRule(change.before);
        const after = compactRule(change.after);
        const fields = change.fields.map((f) => `${f}: ${show(before[f])} -> ${show(after[f])}`).join('; ');
        const place = change.from === change.to ? `rule ${change.to}` : `rule ${change.from} -> ${change.to}`;
        return `~ ${place}: ${change.after.pattern}: ${fields}`;
      }
    }
  });
}

/** `refs/heads/main (block deletion, block force pushes)`. */
export function summary(rule: ProtectionRule): string {
  return `${rule.pattern} (${checksOf(rule)
    .map((c) => CHECK_TITLES[c])
    .join(', ')})`;
}

function positionOf(change: RuleChange): number {
  return change.kind === 'add' || change.kind === 'remove' ? change.position : change.to;
}

function keyOf(rule: ProtectionRule): string {
  return JSON.stringify(compactRule(rule));
}

function changedFields(before: ProtectionRule, after: ProtectionRule): string[] {
  const a = compactRule(before);
  const b = compactRule(after);
  return ['description', ...CHECK_NAMES].filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : JSON.stringify(value);
}

/** Indices of a longest common subsequence of two lists (they are short: a repository's rules). */
function commonSubsequence(a: readonly string[], b: readonly string[]): { before: Set<number>; after: Set<number> } {
  const lengths = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i]![j] = a[i] === b[j] ? lengths[i + 1]![j + 1]! + 1 : Math.max(lengths[i + 1]![j]!, lengths[i]![j + 1]!);
    }
  }
  const before = new Set<number>();
  const after = new Set<number>();
  for (let i = 0, j = 0; i < a.length && j < b.length;) {
    if (a[i] === b[j]) {
      before.add(i++);
      after.add(j++);
    } else if (lengths[i + 1]![j]! >= lengths[i]![j + 1]!) i++;
    else j++;
  }
  return { before, after };
}
