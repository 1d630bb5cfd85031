import type { RefUpdateInput } from './namespace-rules.js';
import { firstMatchingPathPattern } from './path-pattern.js';
import { formatSize, kindOf, shortOid, subjectOf, type Problem } from './problem.js';
import type { ContentCheck, ProtectionRule } from '../protection-rule.js';
import type { PushAnalysis } from './push-analysis.js';
import type { ChangedFile } from './tree-changes.js';

export interface ContentCheckContext {
  rule: ProtectionRule;
  update: RefUpdateInput;
  analysis: PushAnalysis;
}

type Check = (ctx: ContentCheckContext) => Promise<Problem | null>;

/**
 * Checks about what an update brings: the commits it adds to what the rule
 * covers (reachable from the new tip, not from the old tip nor from a ref
 * the rule's pattern matches; PushAnalysis.addedCommits) and the files they
 * add or modify, wherever their objects came from. Deletions bring nothing.
 */
export const contentChecks: Record<ContentCheck, Check> = {
  async linearHistory({ rule, update, analysis }) {
    for (const commit of await addedCommitsOf(rule, update, analysis)) {
      if (commit.parents.length < 2) continue;
      return {
        reason: 'merge commit not allowed',
        detail: `${shortOid(commit.oid)} "${subjectOf(commit.message)}" is a merge commit; refs matching ${rule.pattern} keep a linear history`,
        advice: `rebase onto ${update.refName} instead of merging (git pull --rebase, or git rebase), and push again`,
      };
    }
    return null;
  },

  async commitMessagePattern({ rule, update, analysis }) {
    const pattern = compiledRegex(rule.commitMessagePattern!);
    for (const commit of await addedCommitsOf(rule, update, analysis)) {
      if (pattern.test(commit.message)) continue;
      return {
        reason: 'commit message rejected',
        detail: `${shortOid(commit.oid)} "${subjectOf(commit.message)}" does not match /${rule.commitMessagePattern}/, which refs matching ${rule.pattern} require`,
        advice: 'reword the message (git commit --amend, or git rebase -i for older commits) and push again',
      };
    }
    return null;
  },

  async forbiddenPaths({ rule, update, analysis }) {
    const found = await firstFile(
      rule,
      update,
      analysis,
      async (file) => firstMatchingPathPattern(rule.forbiddenPaths!, file.path) !== undefined,
    );
    if (!found) return null;
    const pattern = firstMatchingPathPattern(rule.forbiddenPaths!, found.file.path)!;
    return {
      reason: 'forbidden path',
      detail: `${found.where} adds or changes ${found.file.path}, which matches the forbidden path ${pattern} on refs matching ${rule.pattern}`,
      advice: 'take that file out of the new commits (git rebase -i, git filter-repo) and push again',
    };
  },

  async maxBlobSize({ rule, update, analysis }) {
    const limit = rule.maxBlobSize!;
    let size = 0;
    // An added commit's file is judged even if the blob is older: it is new to these refs.
    const found = await firstFile(rule, update, analysis, async (file) => {
      if (file.kind !== 'blob') return false;
      size = (await analysis.blobSize(file.oid)) ?? 0;
      return size > limit;
    });
    if (!found) return null;
    return {
      reason: 'file too large',
      detail: `${found.where} adds ${found.file.path || 'a blob'} (${formatSize(size)}); refs matching ${rule.pattern} accept files up to ${formatSize(limit)}`,
      advice:
        'take that file out of the new commits (git rebase -i, git filter-repo) or keep it outside git (e.g. Git LFS), and push again',
    };
  },
};

async function addedCommitsOf(rule: ProtectionRule, update: RefUpdateInput, analysis: PushAnalysis) {
  return kindOf(update) === 'delete' ? [] : analysis.addedCommits(update, [rule.pattern]);
}

/** The first file (of the added commits, or of a tip that is a tree or blob) for which `test` holds. */
async function firstFile(
  rule: ProtectionRule,
  update: RefUpdateInput,
  analysis: PushAnalysis,
  test: (file: ChangedFile) => Promise<boolean>,
): Promise<{ file: ChangedFile; where: string } | null> {
  if (kindOf(update) === 'delete') return null;
  for (const commit of await analysis.addedCommits(update, [rule.pattern])) {
    for (const file of await analysis.changes(commit)) {
      if (await test(file)) return { file, where: `commit ${shortOid(commit.oid)}` };
    }
  }
  for (const file of await analysis.tipFiles(update, [rule.pattern])) {
    if (await test(file)) return { file, where: `the object ${update.refName} points at` };
  }
  return null;
}

const regexes = new Map<string, RegExp>();

function compiledRegex(source: string): RegExp {
  let regex = regexes.get(source);
  if (!regex) {
    if (regexes.size > 1000) regexes.clear();
    regex = new RegExp(source);
    regexes.set(source, regex);
  }
  return regex;
}
