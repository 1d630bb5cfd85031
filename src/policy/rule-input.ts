import { InvalidInputError } from '../errors.js';
import { isValidPathPattern } from './path-pattern.js';
import { CHECK_NAMES, orderedRule, type Exemption, type ProtectionRule } from '../protection-rule.js';
import { checksOf } from './checks.js';
import { isValidRefPattern } from './ref-pattern.js';
import { isValidSubject } from './subjects.js';

const EXEMPTION_CHECKS = ['blockCreation', 'blockDeletion', 'blockForcePush', 'immutable'] as const;
const KNOWN_KEYS = new Set<string>(['pattern', 'description', ...CHECK_NAMES]);

/**
 * A rule from a policy file, the admin API or the CLI, checked and put in
 * canonical form. Strict on purpose: a misspelt key in a policy file must
 * fail loudly rather than leave a branch unprotected. `where` prefixes
 * messages (`rule 2`).
 */
export function normalizeRule(input: unknown, where = 'rule'): ProtectionRule {
  if (!isPlainObject(input)) throw invalid(where, 'must be an object');
  for (const key of Object.keys(input)) {
    if (!KNOWN_KEYS.has(key)) throw invalid(where, `has an unknown key '${key}' (known: ${[...KNOWN_KEYS].join(', ')})`);
  }
  const pattern = input.pattern;
  if (typeof pattern !== 'string' || !isValidRefPattern(pattern)) {
    throw invalid(where, `needs a pattern: a ref name under refs/ with optional * and ** (got ${JSON.stringify(pattern)})`);
  }
  const rule: ProtectionRule = { pattern };
  if (input.description !== undefined && input.description !== null) {
    if (typeof input.description !== 'string') throw invalid(where, 'description must be a string');
    if (input.description.trim()) rule.description = input.description.trim();
  }
  if (input.restrictPush !== undefined && input.restrictPush !== null) {
    rule.restrictPush = subjects(input.restrictPush, `${where} restrictPush`);
  }
  for (const check of EXEMPTION_CHECKS) {
    const exemption = toExemption(input[check], `${where} ${check}`);
    if (exemption) rule[check] = exemption;
  }
  if (flag(input.namespaceRules, `${where} namespaceRules`)) rule.namespaceRules = true;
  if (flag(input.linearHistory, `${where} linearHistory`)) rule.linearHistory = true;
  if (input.commitMessagePattern !== undefined && input.commitMessagePattern !== null) {
    rule.commitMessagePattern = regexSource(input.commitMessagePattern, `${where} commitMessagePattern`);
  }
  if (input.forbiddenPaths !== undefined && input.forbiddenPaths !== null) {
    rule.forbiddenPaths = pathPatterns(input.forbiddenPaths, `${where} forbiddenPaths`);
  }
  if (input.maxBlobSize !== undefined && input.maxBlobSize !== null) {
    rule.maxBlobSize = parseSize(input.maxBlobSize, `${where} maxBlobSize`);
  }
  if (checksOf(rule).length === 0) throw invalid(where, `for ${pattern} switches on no check, so it would do nothing`);
  return orderedRule(rule);
}

/** `true` (block for everyone), `{ allow: [...] }`, a list (the allow list), or false/absent (off). */
function toExemption(value: unknown, where: string): Exemption | undefined {
  if (value === undefined || value === null || value === false) return undefined;
  if (value === true) return { allow: [] };
  if (Array.isArray(value)) return { allow: subjects(value, where) };
  if (isPlainObject(value)) {
    const extra = Object.keys(value).filter((k) => k !== 'allow');
    if (extra.length) throw invalid(where, `has an unknown key '${extra[0]}' (only 'allow')`);
    return { allow: value.allow === undefined ? [] : subjects(value.allow, `${where}.allow`) };
  }
  throw invalid(where, 'must be true, false, or { allow: [users, @groups] }');
}

function subjects(value: unknown, where: string): string[] {
  if (!Array.isArray(value)) throw invalid(where, 'must be a list of users and @groups');
  const result: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || !isValidSubject(item.trim())) {
      throw invalid(where, `${JSON.stringify(item)} is not a user or @group`);
    }
    const subject = item.trim();
    if (!result.some((s) => s.toLowerCase() === subject.toLowerCase())) result.push(subject);
  }
  return result;
}

function flag(value: unknown, where: string): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') throw invalid(where, 'must be true or false');
  return value;
}

function regexSource(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(where, 'must be a regular expression');
  try {
    new RegExp(value);
  } catch (err) {
    throw invalid(where, `is not a valid regular expression: ${(err as Error).message}`);
  }
  return value;
}

function pathPatterns(value: unknown, where: string): string[] {
  if (!Array.isArray(value) || value.length === 0) throw invalid(where, 'must be a non-empty list of path globs');
  const result: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string' || !isValidPathPattern(item)) throw invalid(where, `${JSON.stringify(item)} is not a path glob`);
    if (!result.includes(item)) result.push(item);
  }
  return result;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** Bytes, or git's size syntax (`512k`, `10m`, `1g`; binary units, an optional `b`/`ib`). */
export function parseSize(value: unknown, where = 'size'): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value > 0) return value;
    throw invalid(where, 'must be a positive whole number of bytes');
  }
  if (typeof value === 'string') {
    const match = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(value);
    if (match) {
      const bytes = Number(match[1]) * UNITS[match[2]!.toLowerCase()]!;
      if (Number.isSafeInteger(bytes) && bytes > 0) return bytes;
    }
  }
  throw invalid(where, `must be a size such as 1048576, 512k, 10m or 1g (got ${JSON.stringify(value)})`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(where: string, message: string): InvalidInputError {
  return new InvalidInputError(`${where} ${message}`, { where });
}
