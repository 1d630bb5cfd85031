import { FsckReporter, type FsckFinding, type FsckOptions } from './fsck-reporter.js';
import { fsckIdentLine } from './fsck-ident.js';
import { fsckTreeEntries } from './fsck-tree.js';
import { isObjectType, type ObjectType } from './object-type.js';
import { isOid, type HashAlgorithm } from './oid.js';
import { isValidRefName } from './refname.js';

/**
 * Check one object's content as git's fsck_object does (without looking at
 * other objects). Returns findings; nothing is printed.
 */
export function fsckObject(
  type: ObjectType,
  data: Buffer,
  algo: HashAlgorithm,
  options: FsckOptions = {},
  oid?: string,
): FsckFinding[] {
  const reporter = new FsckReporter(options, oid);
  switch (type) {
    case 'commit':
      fsckCommit(data, algo, reporter);
      break;
    case 'tag':
      fsckTag(data, algo, reporter);
      break;
    case 'tree':
      fsckTreeEntries(data, algo, reporter, options.strict === true);
      break;
    case 'blob':
      break;
  }
  return reporter.findings;
}

/** The header block must end in LF and contain no NUL before the blank line. */
function verifyHeaders(data: Buffer, reporter: FsckReporter): boolean {
  for (let i = 0; i < data.length; i++) {
    if (data[i] === 0) return reporter.report('nulInHeader', `unterminated header: NUL at offset ${i}`);
    if (data[i] === 0x0a && data[i + 1] === 0x0a) return false;
  }
  if (data.length > 0 && data[data.length - 1] === 0x0a) return false;
  return reporter.report('unterminatedHeader', 'unterminated header');
}

/** A cursor over the header lines of a commit or tag. */
class LineCursor {
  pos = 0;
  constructor(readonly text: string) {}
  /** Consume "<keyword> " and return the rest of the line, or undefined. */
  take(keyword: string): string | undefined {
    if (!this.text.startsWith(keyword + ' ', this.pos)) return undefined;
    const start = this.pos + keyword.length + 1;
    const eol = this.text.indexOf('\n', start);
    this.pos = eol < 0 ? this.text.length : eol + 1;
    return this.text.slice(start, eol < 0 ? this.text.length : eol);
  }
  /** The rest of the current line including its LF, for ident checks. */
  takeLineWithEnd(keyword: string): string | undefined {
    if (!this.text.startsWith(keyword + ' ', this.pos)) return undefined;
    const start = this.pos + keyword.length + 1;
    const eol = this.text.indexOf('\n', start);
    this.pos = eol < 0 ? this.text.length : eol + 1;
    return this.text.slice(start, this.pos);
  }
  hasLineEnd(keyword: string): boolean {
    return this.text.indexOf('\n', this.pos + keyword.length + 1) >= 0;
  }
}

function fsckCommit(data: Buffer, algo: HashAlgorithm, reporter: FsckReporter): void {
  if (verifyHeaders(data, reporter)) return;
  const cursor = new LineCursor(data.toString('latin1'));
  const tree = cursor.take('tree');
  if (tree === undefined) {
    reporter.report('missingTree', "invalid format - expected 'tree' line");
    return;
  }
  if (!isOid(tree, algo) && reporter.report('badTreeSha1', "invalid 'tree' line format - bad sha1")) return;
  for (let parent = cursor.take('parent'); parent !== undefined; parent = cursor.take('parent')) {
    if (!isOid(parent, algo) && reporter.report('badParentSha1', "invalid 'parent' line format - bad sha1")) return;
  }
  let authors = 0;
  for (let author = cursor.takeLineWithEnd('author'); author !== undefined; author = cursor.takeLineWithEnd('author')) {
    authors++;
    if (fsckIdentLine(author, reporter)) return;
  }
  if (authors < 1 && reporter.report('missingAuthor', "invalid format - expected 'author' line")) return;
  if (authors > 1 && reporter.report('multipleAuthors', "invalid format - multiple 'author' lines")) return;
  const committer = cursor.takeLineWithEnd('committer');
  if (committer === undefined) {
    reporter.report('missingCommitter', "invalid format - expected 'committer' line");
    return;
  }
  if (fsckIdentLine(committer, reporter)) return;
  if (data.includes(0)) reporter.report('nulInCommit', 'NUL byte in the commit object body');
}

function fsckTag(data: Buffer, algo: HashAlgorithm, reporter: FsckReporter): void {
  if (verifyHeaders(data, reporter)) return;
  const cursor = new LineCursor(data.toString('latin1'));
  const object = cursor.take('object');
  if (object === undefined) {
    reporter.report('missingObject', "invalid format - expected 'object' line");
    return;
  }
  if (!isOid(object, algo) && reporter.report('badObjectSha1', "invalid 'object' line format - bad sha1")) return;
  if (!cursor.text.startsWith('type ', cursor.pos)) {
    reporter.report('missingTypeEntry', "invalid format - expected 'type' line");
    return;
  }
  if (!cursor.hasLineEnd('type')) {
    reporter.report('missingType', "invalid format - unexpected end after 'type' line");
    return;
  }
  const type = cursor.take('type')!;
  if (!isObjectType(type) && reporter.report('badType', "invalid 'type' value")) return;
  if (!cursor.text.startsWith('tag ', cursor.pos)) {
    reporter.report('missingTagEntry', "invalid format - expected 'tag' line");
    return;
  }
  if (!cursor.hasLineEnd('tag')) {
    reporter.report('missingTag', "invalid format - unexpected end after 'type' line");
    return;
  }
  const name = cursor.take('tag')!;
  if (!isValidRefName(`refs/tags/${name}`) && reporter.report('badTagName', `invalid 'tag' name: ${name}`)) return;
  const tagger = cursor.takeLineWithEnd('tagger');
  if (tagger === undefined) {
    if (reporter.report('missingTaggerEntry', "invalid format - expected 'tagger' line")) return;
  } else if (fsckIdentLine(tagger, reporter)) {
    return;
  }
  const rest = cursor.text.slice(cursor.pos);
  if (rest !== '' && !rest.startsWith('\n')) {
    reporter.report('extraHeaderEntry', "invalid format - extra header(s) after 'tagger'");
  }
}
