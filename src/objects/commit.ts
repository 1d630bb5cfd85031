import { ObjectError } from '../errors.js';
import { parseHeaderBlock, headerValue, type ObjectHeader } from './headers.js';
import { parseIdent, type Ident } from './ident.js';
import { isOid, type HashAlgorithm } from './oid.js';
import { OBJECT_ERROR } from './object-errors.js';

export interface Commit {
  tree: string;
  parents: string[];
  author?: Ident;
  committer?: Ident;
  /** The `encoding` header, when the message is not UTF-8. */
  encoding?: string;
  /** Every header in order, including gpgsig/mergetag and unknown ones. */
  headers: ObjectHeader[];
  message: string;
}

/**
 * Parse a commit's content. Like git's parse_commit_buffer it insists on a
 * valid tree and parent ids (a walk cannot go on without them) and is lenient
 * about the rest.
 */
export function parseCommit(data: Buffer, algo: HashAlgorithm): Commit {
  const block = parseHeaderBlock(data);
  const first = block.headers[0];
  if (!first || first.key !== 'tree' || !isOid(first.value, algo)) {
    throw new ObjectError(OBJECT_ERROR.badCommit, 'bad tree pointer in commit');
  }
  const parents: string[] = [];
  for (const header of block.headers.slice(1)) {
    if (header.key !== 'parent') break;
    if (!isOid(header.value, algo)) throw new ObjectError(OBJECT_ERROR.badCommit, 'bad parents in commit');
    parents.push(header.value);
  }
  const commit: Commit = { tree: first.value, parents, headers: block.headers, message: block.message };
  const author = headerValue(block, 'author');
  const committer = headerValue(block, 'committer');
  const encoding = headerValue(block, 'encoding');
  if (author !== undefined) commit.author = parseIdent(author);
  if (committer !== undefined) commit.committer = parseIdent(committer);
  if (encoding !== undefined) commit.encoding = encoding;
  return commit;
}

/** Committer date in seconds (0 when absent), the walk order git uses without generation numbers. */
export function commitDate(commit: Commit): number {
  return commit.committer?.timestamp ?? 0;
}
