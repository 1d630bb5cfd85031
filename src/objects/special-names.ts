/**
 * Names that a checkout on HFS+ or NTFS would treat as `.git` (or
 * `.gitmodules`, …) although the bytes differ: HFS+ ignores some Unicode
 * code points and case, NTFS ignores trailing spaces/dots, stream suffixes and
 * accepts 8.3 short names. git refuses such entries; fsck flags them.
 */

// Code points HFS+ drops when comparing names.
function isHfsIgnorable(codePoint: number): boolean {
  return (
    (codePoint >= 0x200c && codePoint <= 0x200f) ||
    (codePoint >= 0x202a && codePoint <= 0x202e) ||
    (codePoint >= 0x206a && codePoint <= 0x206f) ||
    codePoint === 0xfeff
  );
}

function hfsMatches(name: string, target: string): boolean {
  let folded = '';
  for (const char of name) {
    const codePoint = char.codePointAt(0)!;
    if (isHfsIgnorable(codePoint)) continue;
    folded += char;
  }
  return folded.toLowerCase() === target;
}

/** The part of a name before the first path separator NTFS would honour. */
function ntfsSegment(name: string): string {
  const cut = name.search(/[\\/]/);
  return cut < 0 ? name : name.slice(0, cut);
}

// One pattern per special name, built once: trees have many entries and every one is asked.
const ntfsPatterns = new Map<string, RegExp>();

function ntfsMatches(name: string, longName: string, shortPrefixes: string[]): boolean {
  let pattern = ntfsPatterns.get(longName);
  if (!pattern) {
    const tail = '[ .]*(:.*)?$';
    pattern = new RegExp(`^(\\.${longName}|(${shortPrefixes.join('|')})~[1-4])${tail}`);
    ntfsPatterns.set(longName, pattern);
  }
  return pattern.test(ntfsSegment(name).toLowerCase());
}

/**
 * Whether a name can be any of the names below at all: each starts with
 * `.`, `g` or `m` (8.3 short names: `git~1`, `gitmod~1`, `mailma~1`) unless
 * HFS+-ignorable code points (non-ASCII) come first, and a backslash starts
 * another NTFS segment. Lets a tree check skip ordinary names, nearly all.
 */
export function mayBeSpecialName(name: string): boolean {
  return /^[.gGmM]|[\\\u0080-\uffff]/.test(name);
}

export function isHfsDotgit(name: string): boolean {
  return hfsMatches(name, '.git');
}

export function isNtfsDotgit(name: string): boolean {
  return /^(\.git|git~1)[ .]*$/i.test(ntfsSegment(name));
}

export function isDotgitmodules(name: string): boolean {
  return hfsMatches(name, '.gitmodules') || ntfsMatches(name, 'gitmodules', ['gitmod', 'gi7eba']);
}

export function isDotgitattributes(name: string): boolean {
  return hfsMatches(name, '.gitattributes') || ntfsMatches(name, 'gitattributes', ['gitatt', 'gi7d29']);
}

export function isDotgitignore(name: string): boolean {
  return hfsMatches(name, '.gitignore') || ntfsMatches(name, 'gitignore', ['gitign', 'gi250a']);
}

export function isDotmailmap(name: string): boolean {
  return hfsMatches(name, '.mailmap') || ntfsMatches(name, 'mailmap', ['mailma', 'maba30']);
}
