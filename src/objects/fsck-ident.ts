import type { FsckReporter } from './fsck-reporter.js';

const IDENT = 'invalid author/committer line - ';
// Largest timestamp git accepts (its time_t is a signed 64-bit integer).
const MAX_TIMESTAMP = (1n << 63n) - 1n;

/**
 * Check one ident line (text after "author "/"committer "/"tagger ",
 * including its LF when present) with git's rules and message ids.
 * Returns true when an error was reported and checking must stop.
 */
export function fsckIdentLine(line: string, reporter: FsckReporter): boolean {
  if (line.startsWith('<')) return reporter.report('missingNameBeforeEmail', IDENT + 'missing space before email');
  let p = indexOfAny(line, '<>\n', 0);
  if (line[p] === '>') return reporter.report('badName', IDENT + 'bad name');
  if (line[p] !== '<') return reporter.report('missingEmail', IDENT + 'missing email');
  if (line[p - 1] !== ' ') return reporter.report('missingSpaceBeforeEmail', IDENT + 'missing space before email');
  p = indexOfAny(line, '<>\n', p + 1);
  if (line[p] !== '>') return reporter.report('badEmail', IDENT + 'bad email');
  p++;
  if (line[p] !== ' ') return reporter.report('missingSpaceBeforeDate', IDENT + 'missing space before date');
  p++;
  if (line[p] === '0' && line[p + 1] !== ' ') return reporter.report('zeroPaddedDate', IDENT + 'zero-padded date');
  const date = parseTimestamp(line, p);
  if (date.overflow) return reporter.report('badDateOverflow', IDENT + 'date causes integer overflow');
  if (date.end === p || line[date.end] !== ' ') return reporter.report('badDate', IDENT + 'bad date');
  p = date.end + 1;
  if (!/^[+-]\d{4}\n/.test(line.slice(p, p + 6))) return reporter.report('badTimezone', IDENT + 'bad time zone');
  return false;
}

function indexOfAny(text: string, chars: string, from: number): number {
  for (let i = from; i < text.length; i++) if (chars.includes(text[i]!)) return i;
  return text.length;
}

/** strtoumax-like: optional whitespace and sign, then digits. */
function parseTimestamp(text: string, start: number): { end: number; overflow: boolean } {
  let i = start;
  while (text[i] === ' ' || text[i] === '\t') i++;
  let negative = false;
  if (text[i] === '+' || text[i] === '-') negative = text[i++] === '-';
  const digitsStart = i;
  while (i < text.length && text[i]! >= '0' && text[i]! <= '9') i++;
  if (i === digitsStart) return { end: start, overflow: false };
  const value = BigInt(text.slice(digitsStart, i));
  return { end: i, overflow: (negative && value !== 0n) || value > MAX_TIMESTAMP };
}
