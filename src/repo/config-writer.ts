import { readFile } from 'node:fs/promises';
import type { HashAlgorithm } from '../objects/oid.js';
import { canonicalConfigKey } from './config.js';
import { writeFileAtomically } from './fs-durable.js';

/** The config `git init --bare` writes (2.39, Linux). */
export function initialBareConfig(algo: HashAlgorithm): string {
  const lines = ['[core]', `\trepositoryformatversion = ${algo === 'sha256' ? 1 : 0}`, '\tfilemode = true', '\tbare = true'];
  if (algo === 'sha256') lines.push('[extensions]', '\tobjectformat = sha256');
  return lines.join('\n') + '\n';
}

/** Quote a value the way git writes it, so that it reads back unchanged. */
export function quoteConfigValue(value: string): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n')
    .replace(/\t/g, '\\t')
    .replace(/\x08/g, '\\b');
  const needsQuotes = /^\s|\s$|[#;]/.test(value);
  return needsQuotes ? `"${escaped}"` : escaped;
}

function sectionHeader(section: string, subsection: string | undefined): string {
  if (subsection === undefined) return `[${section}]`;
  return `[${section} "${subsection.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"]`;
}

function splitKey(key: string): { section: string; subsection?: string; name: string } {
  const canonical = canonicalConfigKey(key);
  const first = canonical.indexOf('.');
  const last = canonical.lastIndexOf('.');
  if (first < 0 || last === canonical.length - 1) throw new Error(`key does not contain a section: ${key}`);
  const section = canonical.slice(0, first);
  const name = canonical.slice(last + 1);
  return first === last ? { section, name } : { section, subsection: canonical.slice(first + 1, last), name };
}

/**
 * Set `key` to `value` in config text: replaces the last `name = …` line of
 * the last matching section, else appends to that section, else appends a new
 * section. Simple line-based editing, sufficient for files git or we wrote.
 */
export function setConfigValueInText(text: string, key: string, value: string): string {
  const { section, subsection, name } = splitKey(key);
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  const wanted = `${section}\0${subsection ?? ''}`;
  let sectionEnd = -1;
  let existing = -1;
  let inSection = false;
  lines.forEach((line, index) => {
    const header = /^\s*\[([^\]]*)\]/.exec(line);
    if (header) {
      inSection = headerIdentity(header[0]) === wanted;
      if (inSection) sectionEnd = index;
      return;
    }
    if (!inSection) return;
    sectionEnd = index;
    const assignment = /^\s*([A-Za-z][A-Za-z0-9-]*)\s*(=|$)/.exec(line);
    if (assignment && assignment[1]!.toLowerCase() === name) existing = index;
  });
  const entry = `\t${name} = ${quoteConfigValue(value)}`;
  if (existing >= 0) lines[existing] = entry;
  else if (sectionEnd >= 0) lines.splice(sectionEnd + 1, 0, entry);
  else lines.push(sectionHeader(section, subsection), entry);
  return lines.join('\n') + '\n';
}

// "section\0subsection": section names compare case-insensitively, subsections exactly.
function headerIdentity(header: string): string {
  const trimmed = header.trim();
  const quoted = /^\[([A-Za-z0-9.-]+)\s+"((?:[^"\\]|\\.)*)"\]$/.exec(trimmed);
  if (quoted) return `${quoted[1]!.toLowerCase()}\0${quoted[2]!.replace(/\\(.)/g, '$1')}`;
  const plain = /^\[([A-Za-z0-9-]+)(?:\.([A-Za-z0-9.-]+))?\]$/.exec(trimmed);
  if (plain) return `${plain[1]!.toLowerCase()}\0${(plain[2] ?? '').toLowerCase()}`;
  return trimmed;
}

/** `git config <key> <value>` on a file: edit under `config.lock`, then rename. */
export async function setConfigValue(configPath: string, key: string, value: string): Promise<void> {
  let text = '';
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await writeFileAtomically(configPath, setConfigValueInText(text, key, value));
}
