import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { isErrno } from './fs-durable.js';

// git's limit on alternates of alternates.
const MAX_ALTERNATE_DEPTH = 5;

/** Entries of `<objectsDir>/info/alternates`: one path per line, relative to objectsDir, `#` comments. */
export async function readAlternatesFile(objectsDir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(join(objectsDir, 'info', 'alternates'), 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT', 'ENOTDIR')) return [];
    throw error;
  }
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => unquoteAlternate(line))
    .map((line) => (isAbsolute(line) ? line : resolve(objectsDir, line)));
}

// A path starting with '"' is C-quoted (git writes that for paths with odd characters).
function unquoteAlternate(line: string): string {
  if (!line.startsWith('"') || !line.endsWith('"')) return line;
  return line
    .slice(1, -1)
    .replace(/\\(["\\])/g, '$1')
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t');
}

/**
 * Every alternate objects directory reachable from objectsDir, breadth-first,
 * without repeats or cycles, at most MAX_ALTERNATE_DEPTH levels deep. Missing
 * directories are skipped, as git does (it warns).
 */
export async function collectAlternates(objectsDir: string): Promise<string[]> {
  const seen = new Set<string>([await realpath(objectsDir).catch(() => resolve(objectsDir))]);
  const result: string[] = [];
  let level = [objectsDir];
  for (let depth = 0; depth < MAX_ALTERNATE_DEPTH && level.length > 0; depth++) {
    const next: string[] = [];
    for (const dir of level) {
      for (const alternate of await readAlternatesFile(dir)) {
        let real: string;
        try {
          real = await realpath(alternate);
        } catch {
          continue;
        }
        if (seen.has(real)) continue;
        seen.add(real);
        result.push(alternate);
        next.push(alternate);
      }
    }
    level = next;
  }
  return result;
}
