import { ObjectError } from '../errors.js';
import { OBJECT_ERROR } from './object-errors.js';

/**
 * git's fsck message ids (2.39) with their default levels. 'fatal' cannot be
 * demoted; 'info' is reported as a warning and never fails a push.
 */
export type FsckLevel = 'fatal' | 'error' | 'warn' | 'info' | 'ignore';

export const FSCK_MESSAGE_LEVELS = {
  nulInHeader: 'fatal',
  unterminatedHeader: 'fatal',
  badDate: 'error',
  badDateOverflow: 'error',
  badEmail: 'error',
  badName: 'error',
  badObjectSha1: 'error',
  badParentSha1: 'error',
  badTimezone: 'error',
  badTree: 'error',
  badTreeSha1: 'error',
  badType: 'error',
  duplicateEntries: 'error',
  missingAuthor: 'error',
  missingCommitter: 'error',
  missingEmail: 'error',
  missingNameBeforeEmail: 'error',
  missingObject: 'error',
  missingSpaceBeforeDate: 'error',
  missingSpaceBeforeEmail: 'error',
  missingTag: 'error',
  missingTagEntry: 'error',
  missingTree: 'error',
  missingType: 'error',
  missingTypeEntry: 'error',
  multipleAuthors: 'error',
  treeNotSorted: 'error',
  unknownType: 'error',
  zeroPaddedDate: 'error',
  gitmodulesMissing: 'error',
  gitmodulesBlob: 'error',
  gitmodulesLarge: 'error',
  gitmodulesName: 'error',
  gitmodulesSymlink: 'error',
  gitmodulesUrl: 'error',
  gitmodulesPath: 'error',
  gitmodulesUpdate: 'error',
  gitattributesMissing: 'error',
  gitattributesLarge: 'error',
  gitattributesLineLength: 'error',
  gitattributesBlob: 'error',
  emptyName: 'warn',
  fullPathname: 'warn',
  hasDot: 'warn',
  hasDotdot: 'warn',
  hasDotgit: 'warn',
  nullSha1: 'warn',
  zeroPaddedFilemode: 'warn',
  nulInCommit: 'warn',
  badFilemode: 'info',
  gitmodulesParse: 'info',
  gitignoreSymlink: 'info',
  gitattributesSymlink: 'info',
  mailmapSymlink: 'info',
  badTagName: 'info',
  missingTaggerEntry: 'info',
  extraHeaderEntry: 'ignore',
} as const satisfies Record<string, FsckLevel>;

export type FsckMessageId = keyof typeof FSCK_MESSAGE_LEVELS;

export type FsckOverride = 'error' | 'warn' | 'ignore';

/**
 * The classes that protect a checkout rather than the object format:
 * names a checkout would write into `.git` or outside the work tree (case,
 * NTFS and HFS+ variants included), `.gitmodules` that would run commands
 * or escape `.git/modules` (CVE-2018-11235, -17456, 2019-19604), in-tree
 * config files that are symlinks, and `.gitattributes` that overflow older
 * parsers (CVE-2022-23521). pushgate refuses them by default even with
 * receive.fsckObjects off (pushgate.safeTrees), as hosting services do.
 * gitmodulesParse is left out on purpose: a blob git cannot parse is not
 * used by its submodule code either, and git itself only reports it.
 */
export const CHECKOUT_SAFETY_IDS: ReadonlySet<FsckMessageId> = new Set<FsckMessageId>([
  'hasDot',
  'hasDotdot',
  'hasDotgit',
  'gitmodulesSymlink',
  'gitmodulesName',
  'gitmodulesUrl',
  'gitmodulesPath',
  'gitmodulesUpdate',
  'gitmodulesBlob',
  'gitmodulesLarge',
  'gitmodulesMissing',
  'gitattributesSymlink',
  'gitattributesBlob',
  'gitattributesLarge',
  'gitattributesLineLength',
  'gitattributesMissing',
  'gitignoreSymlink',
  'mailmapSymlink',
]);

const BY_LOWERCASE = new Map<string, FsckMessageId>(
  (Object.keys(FSCK_MESSAGE_LEVELS) as FsckMessageId[]).map((id) => [id.toLowerCase(), id]),
);

/** Config keys are case-insensitive: `receive.fsck.zeropaddedfilemode` names zeroPaddedFilemode. */
export function lookupFsckMessageId(name: string): FsckMessageId | undefined {
  return BY_LOWERCASE.get(name.toLowerCase().replace(/_/g, ''));
}

export interface FsckConfigResult {
  overrides: Partial<Record<FsckMessageId, FsckOverride>>;
  /** Lines git would print as warnings, e.g. "skipping unknown msg id 'foo'". */
  warnings: string[];
}

/**
 * Read `<prefix><msg-id> = error|warn|ignore` entries (e.g. prefix
 * "receive.fsck."). Unknown ids are skipped with git's warning; an unknown
 * level or demoting a fatal id is an error, as in git.
 */
export function fsckOverridesFromEntries(entries: Iterable<[string, string]>): FsckConfigResult {
  const result: FsckConfigResult = { overrides: {}, warnings: [] };
  for (const [name, rawLevel] of entries) {
    if (name.toLowerCase() === 'skiplist') continue;
    const id = lookupFsckMessageId(name);
    if (!id) {
      result.warnings.push(`skipping unknown msg id '${name}'`);
      continue;
    }
    const level = rawLevel.toLowerCase();
    if (level !== 'error' && level !== 'warn' && level !== 'ignore') {
      throw new ObjectError(OBJECT_ERROR.fsckConfig, `Unknown fsck message type: '${rawLevel}'`);
    }
    if (level !== 'error' && FSCK_MESSAGE_LEVELS[id] === 'fatal') {
      throw new ObjectError(OBJECT_ERROR.fsckConfig, `Cannot demote ${name.toLowerCase()} to ${level}`);
    }
    result.overrides[id] = level;
  }
  return result;
}
