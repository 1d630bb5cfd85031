import { delimiter } from 'node:path';

/**
 * The three variables git gives pre-receive while objects are quarantined:
 * new objects are read (and any the hook writes land) in the quarantine,
 * with the repository's own object directory as an alternate.
 */
export function quarantineEnvironment(
  quarantineDir: string,
  objectsDir: string,
  inheritedAlternates: string | undefined = process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES,
): Record<string, string> {
  const main = quoteAlternate(objectsDir);
  return {
    GIT_QUARANTINE_PATH: quarantineDir,
    GIT_OBJECT_DIRECTORY: quarantineDir,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: inheritedAlternates ? `${inheritedAlternates}${delimiter}${main}` : main,
  };
}

const LETTER_ESCAPES: Record<number, string> = {
  0x07: 'a',
  0x08: 'b',
  0x09: 't',
  0x0a: 'n',
  0x0b: 'v',
  0x0c: 'f',
  0x0d: 'r',
  0x22: '"',
  0x5c: '\\',
};

/**
 * An alternates entry is C-quoted only when it has to be (starts with `"` or
 * contains the path separator), so that older readers still understand it.
 */
export function quoteAlternate(path: string): string {
  if (!path.startsWith('"') && !path.includes(delimiter)) return path;
  let out = '"';
  for (const byte of Buffer.from(path, 'utf8')) {
    const letter = LETTER_ESCAPES[byte];
    if (letter !== undefined) out += `\\${letter}`;
    else if (byte < 0x20 || byte >= 0x7f) out += `\\${byte.toString(8).padStart(3, '0')}`;
    else out += String.fromCharCode(byte);
  }
  return `${out}"`;
}
