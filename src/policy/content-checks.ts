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
 * Checks about what an update brings: its new commits (reachable from the
 * new tip and new to the repository) and the files they add or modify.
 * Deletions bring nothing.
 */
export const contentChecks: Record<ContentCheck, Check> = {
  async linearHistory({ rule, update, analysis }) {
    for (const commit of await newCommitsOf(update, analysis)) {
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
    for (const commit of await newCommitsOf(update, analysis)) {
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
    const found = await firstFile(update, analysis, async (file) => {
      if (file.kind !== 'blob' || !(await analysis.isNew(file.oid))) return false;
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

async function newCommitsOf(update: RefUpdateInput, analysis: PushAnalysis) {
  return kindOf(update) === 'delete' ? [] : analysis.newCommits(update.newOid);
}

/** The first file (of the new commits, or of a tip that is a tree or blob) for which `test` holds. */
async function firstFile(
  update: RefUpdateInput,
  analysis: PushAnalysis,
  test: (file: ChangedFile) => Promise<boolean>,
): Promise<{ file: ChangedFile; where: string } | null> {
  if (kindOf(update) === 'delete') return null;
  for (const commit of await analysis.newCommits(update.newOid)) {
    for (const file of await analysis.changes(commit)) {
      if (await test(file)) return { file, where: `commit ${shortOid(commit.oid)}` };
    }
  }
  for (const file of await analysis.tipFiles(update.newOid)) {
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
