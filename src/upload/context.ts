import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ProtocolError } from '../errors.js';
import { isOid } from '../objects/oid.js';
import type { LineCounter } from '../protocol/line-limits.js';
import type { PktLineReader } from '../protocol/pkt-line-reader.js';
import type { TimeSlicer } from '../time-slice.js';
import type { Repository } from '../repo/types.js';
import type { SidebandWriter } from '../protocol/sideband-writer.js';
import { CommitStore } from './commit-store.js';
import type { UploadObjects } from './object-access.js';
import type { RefView } from './ref-view.js';
import type { UploadSettings } from './settings.js';
import type { UploadPackSession } from './types.js';

/** Everything one upload-pack session works with. */
export interface UploadContext {
  session: UploadPackSession;
  repo: Repository;
  settings: UploadSettings;
  objects: UploadObjects;
  commits: CommitStore;
  refs: RefView;
  channel: SidebandWriter;
  reader: PktLineReader;
  /** The repository's own shallow boundary (`<gitDir>/shallow`), usually empty. */
  repoShallow: Set<string>;
  stats: { objects: number; packBytes: number; wants: number; haves: number };
  /** The session's counts of wants, haves and shallows against the limits (v0; each v2 request counts its own). */
  counter: LineCounter;
  /** Cuts the session's long loops into slices, so that other requests are not held up. */
  slicer: TimeSlicer;
}

/** Commits listed in `<gitDir>/shallow`: a shallow repository's boundary. */
export async function readRepoShallow(repo: Repository): Promise<Set<string>> {
  let text: string;
  try {
    text = await readFile(join(repo.gitDir, 'shallow'), 'utf8');
  } catch {
    return new Set();
  }
  return new Set(text.split('\n').filter((line) => isOid(line, repo.algo)));
}

/** `oid` peeled through annotated tags to a commit, or null when it ends elsewhere. */
export async function peelToCommit(ctx: Pick<UploadContext, 'objects' | 'refs'>, oid: string): Promise<string | null> {
  const type = await ctx.objects.type(oid);
  if (type === 'commit') return oid;
  if (type !== 'tag') return null;
  const peeled = await ctx.refs.peel(oid);
  return peeled && (await ctx.objects.type(peeled)) === 'commit' ? peeled : null;
}

/** The wants that are commits (tags peeled), for shallow and negotiation. */
export async function wantCommits(
  ctx: Pick<UploadContext, 'objects' | 'refs' | 'slicer'>,
  wants: readonly string[],
): Promise<string[]> {
  const result: string[] = [];
  for (const want of wants) {
    await ctx.slicer.tick();
    const commit = await peelToCommit(ctx, want);
    if (commit) result.push(commit);
  }
  return result;
}

/** deepen-not names a ref as the user wrote it; git expands it with its usual rules and wants exactly one match. */
export async function resolveDeepenNot(ctx: UploadContext, names: readonly string[]): Promise<string[]> {
  const commits: string[] = [];
  for (const name of names) {
    await ctx.slicer.tick();
    const candidates = [
      name,
      `refs/${name}`,
      `refs/tags/${name}`,
      `refs/heads/${name}`,
      `refs/remotes/${name}`,
      `refs/remotes/${name}/HEAD`,
    ];
    const found: string[] = [];
    for (const candidate of candidates) {
      if (candidate !== 'HEAD' && !candidate.startsWith('refs/')) continue;
      const oid = await ctx.repo.refs.resolve(candidate);
      if (oid) found.push(oid);
    }
    if (found.length !== 1) throw new ProtocolError(`git upload-pack: ambiguous deepen-not: deepen-not ${name}`);
    const commit = await peelToCommit(ctx, found[0]!);
    if (commit) commits.push(commit);
  }
  return commits;
}
