import { parseConfig } from './config-syntax.js';
import { FsckReporter, type FsckFinding, type FsckOptions } from './fsck-reporter.js';
import { fsckObject } from './fsck.js';
import type { ObjectReader } from './object-reader.js';
import type { ObjectType } from './object-type.js';
import type { HashAlgorithm } from './oid.js';
import { fsckTreeEntries, type SpecialBlobs } from './fsck-tree.js';

/**
 * `.gitmodules` and `.gitattributes` blobs bigger than this are not read but
 * reported as too large (git does the same above core.bigFileThreshold;
 * our bound is the size above which the indexer streams blobs). Both
 * findings are errors by default.
 */
const MAX_SPECIAL_BLOB_SIZE = 16 * 1024 * 1024;
// git's limits for .gitattributes (attr.c); a bigger file than we hold counts as too large too.
const ATTR_MAX_FILE_SIZE = Math.min(100 * 1024 * 1024, MAX_SPECIAL_BLOB_SIZE);
const ATTR_MAX_LINE_LENGTH = 2048;

/**
 * fsck over a set of objects (a received pack), like index-pack --strict:
 * each object is checked as it comes (check()), and finish() then checks the
 * blobs that trees name `.gitmodules` / `.gitattributes`, reading any not
 * seen yet from the given reader (git's fsck_finish).
 */
export class FsckSession {
  private readonly special: SpecialBlobs = { gitmodules: new Set(), gitattributes: new Set() };
  private readonly done = new Set<string>();

  constructor(
    readonly algo: HashAlgorithm,
    readonly options: FsckOptions = {},
    /**
     * Leave every special blob to finish(), as unpack-objects does (it checks
     * objects only once all are in); index-pack checks a blob as it comes
     * when a tree already named it.
     */
    private readonly deferSpecialBlobs = false,
  ) {}

  /**
   * Checks one object. `data` is null only for a blob too big to hold
   * (see MAX_SPECIAL_BLOB_SIZE): blobs need no check unless a tree names
   * them `.gitmodules` or `.gitattributes`, and those are small or refused.
   */
  check(oid: string, type: ObjectType, data: Buffer | null, size = data?.length ?? 0): FsckFinding[] {
    if (type === 'blob') return this.deferSpecialBlobs ? [] : this.checkSpecialBlob(oid, data, size);
    if (!data) return [];
    if (type === 'tree') {
      const reporter = new FsckReporter(this.options, oid);
      fsckTreeEntries(data, this.algo, reporter, this.options.strict === true, this.special);
      return reporter.findings;
    }
    // No checkout-safety class is about commits or tags: skip parsing them.
    if (this.options.safeTreesOnly) return [];
    return fsckObject(type, data, this.algo, this.options, oid);
  }

  private checkSpecialBlob(oid: string, data: Buffer | null, size: number): FsckFinding[] {
    const isModules = this.special.gitmodules.has(oid);
    const isAttributes = this.special.gitattributes.has(oid);
    if (!isModules && !isAttributes) return [];
    this.done.add(oid);
    const reporter = new FsckReporter(this.options, oid);
    if (isModules) checkGitmodules(data, size, reporter);
    if (isAttributes) checkGitattributes(data, size, reporter);
    return reporter.findings;
  }

  /** Check the special blobs not checked yet; they may be in the pack or already in the repository. */
  async finish(reader: ObjectReader): Promise<FsckFinding[]> {
    const findings: FsckFinding[] = [];
    const pending = [
      ...[...this.special.gitmodules].map((oid) => ({ oid, name: '.gitmodules', kind: 'gitmodules' as const })),
      ...[...this.special.gitattributes].map((oid) => ({ oid, name: '.gitattributes', kind: 'gitattributes' as const })),
    ];
    for (const { oid, name, kind } of pending) {
      if (this.done.has(oid)) continue;
      const reporter = new FsckReporter(this.options, oid);
      // Read only what is small enough to hold: a bigger one is reported by its size alone.
      const info = await reader.info(oid);
      const tooBig = info !== null && info.type === 'blob' && info.size > MAX_SPECIAL_BLOB_SIZE;
      const object = tooBig ? null : await reader.read(oid);
      const type = object?.type ?? info?.type;
      const size = object?.data.length ?? info?.size ?? 0;
      if (!type) reporter.report(`${kind}Missing`, `unable to read ${name} blob`);
      else if (type !== 'blob') reporter.report(`${kind}Blob`, `non-blob found at ${name}`);
      else if (kind === 'gitmodules') checkGitmodules(object?.data ?? null, size, reporter);
      else checkGitattributes(object?.data ?? null, size, reporter);
      findings.push(...reporter.findings);
    }
    for (const oid of [...this.special.gitmodules, ...this.special.gitattributes]) this.done.add(oid);
    return findings;
  }
}

function looksLikeOption(value: string): boolean {
  return value.startsWith('-');
}

/** A submodule name may not be empty nor contain a ".." path component (it becomes a path under .git/modules). */
function isSafeSubmoduleName(name: string): boolean {
  return name !== '' && !name.split(/[\\/]/).includes('..');
}

function checkGitmodules(data: Buffer | null, size: number, reporter: FsckReporter): void {
  if (!data || size > MAX_SPECIAL_BLOB_SIZE) {
    reporter.report('gitmodulesLarge', '.gitmodules too large to parse');
    return;
  }
  let entries;
  try {
    entries = parseConfig(data.toString('utf8'), '.gitmodules');
  } catch {
    reporter.report('gitmodulesParse', 'could not parse gitmodules blob');
    return;
  }
  for (const { key, value } of entries) {
    const first = key.indexOf('.');
    const last = key.lastIndexOf('.');
    if (key.slice(0, first) !== 'submodule' || first === last) continue;
    const name = key.slice(first + 1, last);
    const variable = key.slice(last + 1);
    if (!isSafeSubmoduleName(name)) reporter.report('gitmodulesName', `disallowed submodule name: ${name}`);
    if (value === null) continue;
    if (variable === 'url' && (looksLikeOption(value) || value.includes('\n'))) {
      reporter.report('gitmodulesUrl', `disallowed submodule url: ${value}`);
    }
    if (variable === 'path' && looksLikeOption(value)) reporter.report('gitmodulesPath', `disallowed submodule path: ${value}`);
    if (variable === 'update' && value.startsWith('!')) {
      reporter.report('gitmodulesUpdate', `disallowed submodule update setting: ${value}`);
    }
  }
}

function checkGitattributes(data: Buffer | null, size: number, reporter: FsckReporter): void {
  if (!data || size > ATTR_MAX_FILE_SIZE) {
    reporter.report('gitattributesLarge', '.gitattributes too large to parse');
    return;
  }
  let start = 0;
  while (start < data.length) {
    const eol = data.indexOf(0x0a, start);
    const end = eol < 0 ? data.length : eol;
    if (end - start > ATTR_MAX_LINE_LENGTH) {
      reporter.report('gitattributesLineLength', '.gitattributes has too long lines to parse');
      return;
    }
    start = end + 1;
  }
}
