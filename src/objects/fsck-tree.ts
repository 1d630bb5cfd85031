import type { FsckReporter } from './fsck-reporter.js';
import { hashLength, type HashAlgorithm } from './oid.js';
import {
  isDotgitattributes,
  isDotgitignore,
  isDotgitmodules,
  isDotmailmap,
  isHfsDotgit,
  isNtfsDotgit,
  mayBeSpecialName,
} from './special-names.js';

/** Blobs a tree names as .gitmodules / .gitattributes; their content is checked once all objects are known. */
export interface SpecialBlobs {
  gitmodules: Set<string>;
  gitattributes: Set<string>;
}

interface RawEntry {
  modeText: string;
  mode: number;
  name: Buffer;
  oid: string;
}

const STANDARD_MODES = new Set([0o100755, 0o100644, 0o120000, 0o40000, 0o160000]);
const SYMLINK = 0o120000;

/**
 * fsck of a tree: entries must decode, names must be safe, modes standard and
 * canonical, order strict with no duplicates. Each kind of problem is
 * reported once per tree, as git does.
 */
export function fsckTreeEntries(
  data: Buffer,
  algo: HashAlgorithm,
  reporter: FsckReporter,
  strict: boolean,
  special?: SpecialBlobs,
): void {
  const oidLength = hashLength(algo);
  const flags = {
    nullSha1: false,
    fullPathname: false,
    hasDot: false,
    hasDotdot: false,
    hasDotgit: false,
    zeroPaddedFilemode: false,
    badFilemode: false,
    duplicateEntries: false,
    treeNotSorted: false,
  };
  const seen = new Set<string>();
  let previous: RawEntry | undefined;
  let pos = 0;
  if (data.length === 0) return;
  while (pos < data.length) {
    const entry = decodeEntry(data, pos, oidLength);
    if (!entry) {
      reporter.report('badTree', 'cannot be parsed as a tree');
      break;
    }
    pos = entry.next;
    const name = entry.name.toString('latin1');
    const utf8Name = entry.name.toString('utf8');
    flags.nullSha1 ||= /^0+$/.test(entry.oid);
    flags.fullPathname ||= name.includes('/');
    flags.hasDot ||= name === '.';
    flags.hasDotdot ||= name === '..';
    if (mayBeSpecialName(utf8Name)) {
      flags.hasDotgit ||= isHfsDotgit(utf8Name) || name.split('\\').some((part) => isNtfsDotgit(part));
      checkSpecialName(utf8Name, entry, reporter, special);
    }
    flags.zeroPaddedFilemode ||= entry.modeText.startsWith('0');
    if (!STANDARD_MODES.has(entry.mode) && !(entry.mode === 0o100664 && !strict)) flags.badFilemode = true;
    if (seen.has(name)) flags.duplicateEntries = true;
    seen.add(name);
    if (previous && !isOrderedBefore(previous, entry)) flags.treeNotSorted = true;
    previous = entry;
  }
  if (flags.nullSha1) reporter.report('nullSha1', 'contains entries pointing to null sha1');
  if (flags.fullPathname) reporter.report('fullPathname', 'contains full pathnames');
  if (flags.hasDot) reporter.report('hasDot', "contains '.'");
  if (flags.hasDotdot) reporter.report('hasDotdot', "contains '..'");
  if (flags.hasDotgit) reporter.report('hasDotgit', "contains '.git'");
  if (flags.zeroPaddedFilemode) reporter.report('zeroPaddedFilemode', 'contains zero-padded file modes');
  if (flags.badFilemode) reporter.report('badFilemode', 'contains bad file modes');
  if (flags.duplicateEntries) reporter.report('duplicateEntries', 'contains duplicate file entries');
  if (flags.treeNotSorted) reporter.report('treeNotSorted', 'not properly sorted');
}

function checkSpecialName(name: string, entry: RawEntry, reporter: FsckReporter, special?: SpecialBlobs): void {
  const isSymlink = entry.mode === SYMLINK;
  const parts = [name, ...name.split('\\').slice(1)];
  if (parts.some(isDotgitmodules)) {
    if (isSymlink) reporter.report('gitmodulesSymlink', '.gitmodules is a symbolic link');
    else special?.gitmodules.add(entry.oid);
  }
  if (isDotgitattributes(name)) {
    if (isSymlink) reporter.report('gitattributesSymlink', '.gitattributes is a symlink');
    else special?.gitattributes.add(entry.oid);
  }
  if (isSymlink && isDotgitignore(name)) reporter.report('gitignoreSymlink', '.gitignore is a symlink');
  if (isSymlink && isDotmailmap(name)) reporter.report('mailmapSymlink', '.mailmap is a symlink');
}

/** One "<mode> <name>\0<oid>" entry, or undefined where git's tree decoder would refuse it. */
function decodeEntry(data: Buffer, pos: number, oidLength: number): (RawEntry & { next: number }) | undefined {
  const space = data.indexOf(0x20, pos);
  if (space < 0) return undefined;
  const modeText = data.toString('latin1', pos, space);
  if (!/^[0-7]*$/.test(modeText)) return undefined;
  const nul = data.indexOf(0, space + 1);
  if (nul < 0 || nul === space + 1 || nul + 1 + oidLength > data.length) return undefined;
  return {
    modeText,
    mode: modeText === '' ? 0 : parseInt(modeText, 8),
    name: data.subarray(space + 1, nul),
    oid: data.toString('hex', nul + 1, nul + 1 + oidLength),
    next: nul + 1 + oidLength,
  };
}

/** Tree order: bytewise, with a directory compared as if its name ended in "/". */
function isOrderedBefore(a: RawEntry, b: RawEntry): boolean {
  const common = Math.min(a.name.length, b.name.length);
  const cmp = Buffer.compare(a.name.subarray(0, common), b.name.subarray(0, common));
  if (cmp !== 0) return cmp < 0;
  const next = (entry: RawEntry) =>
    entry.name.length > common ? entry.name[common]! : (entry.mode & 0o170000) === 0o40000 ? 0x2f : 0;
  const ca = next(a);
  const cb = next(b);
  if (ca === 0 && cb === 0) return true; // same name: reported as a duplicate instead
  return ca < cb;
}
