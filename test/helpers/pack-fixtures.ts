/**
 * Shared fixtures of the pack tests (pack-*.test.ts): repositories with
 * history made by the real git (deltas, a subdirectory, a big file, an
 * annotated tag) and their packs, git's own view of a pack (`verify-pack`,
 * `cat-file`), input in chunks, and a bare repository around an indexed pack.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ObjectReader } from '../../src/objects/object-reader.js';
import type { GitObject, ObjectType } from '../../src/objects/object-type.js';
import type { HashAlgorithm } from '../../src/objects/oid.js';
import type { IndexPackResult, PackReader } from '../../src/pack/index.js';

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Pack Tester',
  GIT_AUTHOR_EMAIL: 'pack@example.com',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_NAME: 'Pack Tester',
  GIT_COMMITTER_EMAIL: 'pack@example.com',
  GIT_COMMITTER_DATE: '1700000000 +0000',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(cwd: string, args: string[], input?: string | Buffer): Buffer {
  return execFileSync('git', args, { cwd, env: gitEnv, input, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });
}

export function gitText(cwd: string, args: string[], input?: string | Buffer): string {
  return git(cwd, args, input).toString('utf8').trim();
}

/** Deterministic text that changes a little from commit to commit, so git stores deltas. */
export function fileText(seed: number, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`line ${i} ${(i * 7919 + (i % 13 === 0 ? seed : 0)) % 100003} ${'x'.repeat(i % 40)}`);
  return out.join('\n') + '\n';
}

/** A small repository with history: edited files (deltas), a subdirectory, a big file, an annotated tag. */
export function makeRepo(dir: string, algo: HashAlgorithm = 'sha1', commits = 12): string {
  mkdirSync(dir, { recursive: true });
  git(dir, ['init', '-q', `--object-format=${algo}`, '-b', 'main']);
  mkdirSync(path.join(dir, 'lib'), { recursive: true });
  for (let c = 1; c <= commits; c++) {
    writeFileSync(path.join(dir, 'README.md'), fileText(c, 50 + c * 5));
    writeFileSync(path.join(dir, 'lib', 'code.js'), fileText(c * 3, 400));
    if (c % 4 === 1) writeFileSync(path.join(dir, 'lib', `module${c}.js`), fileText(c, 30));
    if (c === 3) writeFileSync(path.join(dir, 'big.txt'), fileText(1, 6000)); // ~300 KB, spans many input chunks
    if (c === 9) writeFileSync(path.join(dir, 'big.txt'), fileText(9, 6000));
    git(dir, ['add', '-A']);
    git(dir, ['commit', '-q', '-m', `commit ${c}`]);
    if (c === 6) git(dir, ['tag', '-a', 'v1', '-m', 'release v1']);
  }
  return dir;
}

/** Like a clone's pack: OFS deltas unless `ofs` is false (pack-objects' default is REF). */
export function packAll(repo: string, ofs = true): Buffer {
  return git(repo, ['pack-objects', '--revs', '--all', '--stdout', '-q', ...(ofs ? ['--delta-base-offset'] : [])], '');
}

export async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

export async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** `git verify-pack -v` rows: oid -> {type, size, offset}. */
export function verifyPackRows(repo: string, idxPath: string): Map<string, { type: string; size: number; offset: number }> {
  const rows = new Map<string, { type: string; size: number; offset: number }>();
  for (const line of gitText(repo, ['verify-pack', '-v', idxPath]).split('\n')) {
    const m = /^([0-9a-f]{40,64}) (\w+)\s+(\d+) (\d+) (\d+)/.exec(line);
    if (m) rows.set(m[1]!, { type: m[2]!, size: Number(m[3]), offset: Number(m[5]) });
  }
  return rows;
}

/** Every object of a repository via `git cat-file --batch-all-objects --batch`. */
export function catAll(repo: string): Map<string, GitObject> {
  const out = git(repo, ['cat-file', '--batch-all-objects', '--batch']);
  const objects = new Map<string, GitObject>();
  let at = 0;
  while (at < out.length) {
    const eol = out.indexOf(10, at);
    const [oid, type, size] = out.toString('latin1', at, eol).split(' ');
    const start = eol + 1;
    const end = start + Number(size);
    objects.set(oid!, { type: type as ObjectType, data: Buffer.from(out.subarray(start, end)) });
    at = end + 1;
  }
  return objects;
}

/** Test-only ObjectReader over a PackReader (what repo/ will provide for real). */
export function readerOver(pack: PackReader): ObjectReader {
  return {
    algo: pack.algo,
    has: async (oid) => pack.has(oid),
    read: (oid) => pack.read(oid),
    info: (oid) => pack.info(oid),
  };
}

export function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** A bare repository whose only pack is `result`'s, with main pointing at `tip`. */
export function bareRepoWith(dir: string, result: IndexPackResult, tip: string, algo: HashAlgorithm): string {
  git(path.dirname(dir), ['init', '-q', '--bare', `--object-format=${algo}`, dir]);
  for (const file of [result.packPath, result.idxPath])
    copyFileSync(file, path.join(dir, 'objects', 'pack', path.basename(file)));
  git(dir, ['update-ref', 'refs/heads/main', tip]);
  return dir;
}
