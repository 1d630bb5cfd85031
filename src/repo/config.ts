import { readFile } from 'node:fs/promises';
import { RepositoryError } from '../errors.js';
import { parseConfig, type ConfigEntry } from '../objects/config-syntax.js';
import { ObjectError } from '../errors.js';
import type { GitConfig } from './types.js';
import { REPO_ERROR } from './repo-errors.js';

/**
 * "Section.Sub.Name" → "section.Sub.name": git compares section and variable
 * names case-insensitively and subsections exactly.
 */
export function canonicalConfigKey(key: string): string {
  const first = key.indexOf('.');
  const last = key.lastIndexOf('.');
  if (first < 0) return key.toLowerCase();
  const section = key.slice(0, first).toLowerCase();
  const name = key.slice(last + 1).toLowerCase();
  return first === last ? `${section}.${name}` : `${section}.${key.slice(first + 1, last)}.${name}`;
}

/** git_parse_maybe_bool: undefined when the text is not a boolean. */
export function parseConfigBool(value: string | null): boolean | undefined {
  if (value === null) return true;
  const lower = value.toLowerCase();
  if (lower === '') return false;
  if (lower === 'true' || lower === 'yes' || lower === 'on') return true;
  if (lower === 'false' || lower === 'no' || lower === 'off') return false;
  const number = parseConfigInt(value);
  return number === undefined ? undefined : number !== 0;
}

const UNIT: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** git_parse_signed: decimal (or 0x/0 prefixed, as strtoimax) with an optional k/m/g suffix. */
export function parseConfigInt(value: string): number | undefined {
  const match = /^\s*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)([kmg]?)$/i.exec(value);
  if (!match) return undefined;
  const digits = match[2]!;
  const magnitude = /^0x/i.test(digits)
    ? parseInt(digits, 16)
    : digits.length > 1 && digits.startsWith('0')
      ? parseInt(digits, 8)
      : Number(digits);
  const result = magnitude * UNIT[match[3]!.toLowerCase()]! * (match[1] === '-' ? -1 : 1);
  return Number.isSafeInteger(result) ? result : undefined;
}

/** A repository's config, read from one file (includes are not followed). */
export class FileConfig implements GitConfig {
  private readonly values = new Map<string, (string | null)[]>();

  constructor(readonly entries: readonly ConfigEntry[] = []) {
    for (const entry of entries) {
      const list = this.values.get(entry.key) ?? [];
      list.push(entry.value);
      this.values.set(entry.key, list);
    }
  }

  static parse(text: string, origin?: string): FileConfig {
    try {
      return new FileConfig(parseConfig(text, origin));
    } catch (error) {
      if (error instanceof ObjectError) throw new RepositoryError(error.code, error.message, error.data);
      throw error;
    }
  }

  /** A missing file is an empty config, as for git. */
  static async load(path: string): Promise<FileConfig> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new FileConfig();
      throw new RepositoryError(REPO_ERROR.configRead, `unable to read config file '${path}'`, { cause: String(error) });
    }
    return FileConfig.parse(text, path);
  }

  private raw(key: string): (string | null)[] {
    return this.values.get(canonicalConfigKey(key)) ?? [];
  }

  /** A bare `key` (no `=`) reads as the empty string here; getBool treats it as true. */
  get(key: string): string | undefined {
    const list = this.raw(key);
    if (list.length === 0) return undefined;
    return list[list.length - 1] ?? '';
  }

  getAll(key: string): string[] {
    return this.raw(key).map((value) => value ?? '');
  }

  getBool(key: string, fallback: boolean): boolean {
    const list = this.raw(key);
    if (list.length === 0) return fallback;
    const value = list[list.length - 1]!;
    const parsed = parseConfigBool(value);
    if (parsed === undefined) {
      throw new RepositoryError(REPO_ERROR.configValue, `bad boolean config value '${value}' for '${key.toLowerCase()}'`);
    }
    return parsed;
  }

  getInt(key: string, fallback: number): number {
    const list = this.raw(key);
    if (list.length === 0) return fallback;
    const value = list[list.length - 1]!;
    if (value === null) throw new RepositoryError(REPO_ERROR.configValue, `missing value for '${key.toLowerCase()}'`);
    const parsed = parseConfigInt(value);
    if (parsed === undefined) {
      throw new RepositoryError(
        REPO_ERROR.configValue,
        `bad numeric config value '${value}' for '${key.toLowerCase()}': invalid unit`,
      );
    }
    return parsed;
  }

  /** Every key set in the file, canonical form, in order of first appearance. */
  keys(): string[] {
    return [...this.values.keys()];
  }

  /** Entries whose canonical key starts with `prefix` (e.g. "receive.fsck."), with the rest of the key. */
  withPrefix(prefix: string): [string, string | null][] {
    const wanted = prefix.toLowerCase();
    return this.entries
      .filter((entry) => entry.key.toLowerCase().startsWith(wanted))
      .map((entry) => [entry.key.slice(prefix.length), entry.value]);
  }
}
