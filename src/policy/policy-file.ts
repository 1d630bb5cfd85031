import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { InvalidInputError } from '../errors.js';
import { CHECK_NAMES, orderedRule, type Exemption, type ProtectionRule } from '../protection-rule.js';
import { normalizeRule } from './rule-input.js';

/**
 * A repository's rules as a file to keep in version control:
 *
 *   repository: team/app.git
 *   rules:
 *     - pattern: refs/heads/main
 *       blockForcePush: { allow: [alice, "@leads"] }
 *       blockDeletion: true
 *
 * YAML or JSON (JSON is YAML, so one parser reads both). A block with no one
 * exempt is written `true`; `{ allow: [] }` reads the same.
 */
export type PolicyFormat = 'yaml' | 'json';

export interface PolicyDocument {
  /** The repository the file was exported from; informational when applying. */
  repository?: string;
  rules: ProtectionRule[];
}

export function formatPolicy(document: PolicyDocument, format: PolicyFormat): string {
  const body: Record<string, unknown> = {};
  if (document.repository) body.repository = document.repository;
  body.rules = document.rules.map(compactRule);
  if (format === 'json') return JSON.stringify(body, null, 2) + '\n';
  const header = `# pushgate protection rules${document.repository ? ` for ${document.repository}` : ''}.\n# Apply with: pushgate policy apply <repo> --file <this file> [--dry-run]\n`;
  return header + stringifyYaml(body, { lineWidth: 0 });
}

/** Parses and checks a policy file; throws InvalidInputError naming the rule at fault. */
export function parsePolicy(text: string): PolicyDocument {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new InvalidInputError(`the policy file is not valid YAML or JSON: ${(err as Error).message}`);
  }
  if (value === null || value === undefined) return { rules: [] };
  // A bare list of rules is accepted too.
  const body = Array.isArray(value) ? { rules: value } : value;
  if (typeof body !== 'object') throw new InvalidInputError('the policy file must hold an object with a rules list');
  const { repository, rules, ...rest } = body as Record<string, unknown>;
  const extra = Object.keys(rest);
  if (extra.length) throw new InvalidInputError(`the policy file has an unknown key '${extra[0]}' (known: repository, rules)`);
  if (repository !== undefined && typeof repository !== 'string') throw new InvalidInputError('repository must be a string');
  if (rules !== undefined && rules !== null && !Array.isArray(rules)) throw new InvalidInputError('rules must be a list');
  const list = (rules ?? []) as unknown[];
  return { repository, rules: list.map((rule, i) => normalizeRule(rule, `rule ${i + 1}`)) };
}

/** The form files use: blocks without exemptions become `true`. */
export function compactRule(rule: ProtectionRule): Record<string, unknown> {
  const compact: Record<string, unknown> = { ...orderedRule(rule) };
  for (const name of CHECK_NAMES) {
    const value = compact[name] as Exemption | undefined;
    if (value && typeof value === 'object' && !Array.isArray(value) && value.allow.length === 0) compact[name] = true;
  }
  return compact;
}
