/**
 * JSON schemas of the admin API's policy routes (policies.ts). Rules are checked
 * again, strictly, by normalizeRule (unknown keys, patterns, regular
 * expressions); the schemas document the shape and turn away the wrong types
 * and every string, number or list beyond its limit.
 */
import { LIMIT, nullableText, text } from './schemas.js';

const people = {
  type: 'array',
  items: text(LIMIT.name + 1),
  maxItems: LIMIT.items,
  description: 'Users (alice) and groups (@team)',
} as const;

const exemption = {
  description: 'true: blocked for everyone; { allow: [...] } or a list: blocked except for those people; false or absent: off',
  anyOf: [{ type: 'boolean' }, people, { type: 'object', properties: { allow: people }, required: ['allow'] }],
} as const;

export const ruleSchema = {
  type: 'object',
  description:
    'A protection rule. Every rule whose pattern matches a ref applies; the first refusal (in rule order, ref checks before content checks) decides.',
  properties: {
    pattern: {
      ...text(LIMIT.refName),
      description: 'refs/heads/main, refs/heads/release/* (* within a component), refs/heads/** (across), refs/tags/v*',
    },
    description: nullableText(LIMIT.description),
    restrictPush: { ...people, description: 'Only these users and @groups may push to matching refs' },
    blockCreation: exemption,
    blockDeletion: exemption,
    blockForcePush: exemption,
    immutable: { ...exemption, description: 'Never moved or deleted once created (tags). ' + exemption.description },
    namespaceRules: { type: 'boolean', description: "git push's rules: branches hold commits and fast-forward, tags never move" },
    linearHistory: { type: 'boolean', description: 'No merge commits among the new commits' },
    commitMessagePattern: {
      ...text(LIMIT.expression),
      description: 'JavaScript regular expression every new commit message must match',
    },
    forbiddenPaths: {
      type: 'array',
      items: text(LIMIT.expression),
      maxItems: LIMIT.items,
      description: 'Globs of paths new commits may not add or modify',
    },
    maxBlobSize: {
      anyOf: [{ type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER }, text(32)],
      description: 'Bytes, or 512k / 10m / 1g',
    },
  },
  required: ['pattern'],
} as const;

/** Responses give rules in canonical form: blocks are always { allow: [...] }. */
const storedRule = { type: 'object', additionalProperties: true } as const;

export const policySchemas = {
  policy: {
    type: 'object',
    properties: { repository: { type: 'string' }, rules: { type: 'array', items: storedRule } },
    required: ['repository', 'rules'],
  },
  replaceBody: {
    type: 'object',
    additionalProperties: false,
    properties: {
      repository: { ...text(LIMIT.repoName), description: 'Ignored: the path names the repository' },
      rules: { type: 'array', items: ruleSchema, maxItems: LIMIT.rules },
    },
    required: ['rules'],
  },
  replaceQuery: {
    type: 'object',
    properties: { dryRun: { type: 'boolean', default: false, description: 'Show the differences without applying them' } },
  },
  applied: {
    type: 'object',
    properties: {
      repository: { type: 'string' },
      dryRun: { type: 'boolean' },
      applied: { type: 'boolean' },
      changes: { type: 'array', items: { type: 'object', additionalProperties: true } },
      summary: {
        type: 'array',
        items: { type: 'string' },
        description: 'One line per change, as policy apply --dry-run prints them',
      },
      rules: { type: 'array', items: storedRule },
    },
    required: ['repository', 'dryRun', 'applied', 'changes', 'summary', 'rules'],
  },
  addBody: {
    type: 'object',
    additionalProperties: false,
    properties: {
      rule: ruleSchema,
      position: { type: 'integer', minimum: 1, maximum: LIMIT.rules, description: '1-based; default: last' },
    },
    required: ['rule'],
  },
  removeQuery: {
    type: 'object',
    properties: { position: { type: 'integer', minimum: 1, maximum: LIMIT.rules } },
    required: ['position'],
  },
  removed: {
    type: 'object',
    properties: {
      repository: { type: 'string' },
      position: { type: 'integer' },
      removed: storedRule,
      rules: { type: 'array', items: storedRule },
    },
    required: ['repository', 'position', 'removed', 'rules'],
  },
  checkBody: {
    type: 'object',
    additionalProperties: false,
    properties: {
      repository: text(LIMIT.repoName),
      ref: { ...text(LIMIT.refName), description: 'Full ref name' },
      old: { ...text(LIMIT.revision), description: 'Object id, or 0 for a creation' },
      new: { ...text(LIMIT.revision), description: 'Object id (already in the repository), or 0 for a deletion' },
      user: { ...text(LIMIT.name), description: 'Who would push; absent: anonymous' },
    },
    required: ['repository', 'ref', 'old', 'new'],
  },
  verdict: {
    type: 'object',
    properties: {
      allowed: { type: 'boolean' },
      reason: { type: 'string' },
      decidedBy: { type: 'string' },
      rule: { type: 'integer' },
      pattern: { type: 'string' },
      check: { type: 'string' },
      lines: { type: 'array', items: { type: 'string' } },
      newCommits: { type: 'integer' },
    },
    required: ['allowed'],
  },
};
