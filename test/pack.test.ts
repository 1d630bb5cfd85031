import t, { type Test } from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { LimitError, PackError } from '../src/errors.js';
import type { ObjectReader } from '../src/objects/object-reader.js';
import type { GitObject, ObjectType } from '../src/objects/object-type.js';
import { hashObject, type HashAlgorithm } from '../src/objects/oid.js';
import {
  PACK_ERROR,
  PackIndex,
  PackReader,
  applyDelta,
  buildIdx,
  decodeEntryHeader,
  decodeOfsDistance,
  encodeEntryHeader,
  encodeOfsDistance,
  encodePackHeader,
  indexPack,
  parsePackHeader,
  readDeltaSizes,
  writePack,
  type IndexPackResult,
  type PackWriterEntry,
  type Progress,
} from '../src/pack/index.js';
import { BaseCache } from '../src/pack/base-cache.js';
import { PackBuilder, makeDelta } from './helpers/pack-builder.js';

// ---------------------------------------------------------------- git fixtures

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

function git(cwd: string, args: string[], input?: string | Buffer): Buffer {
  return execFileSync('git', args, { cwd, env: gitEnv, input, maxBuffer: 1 << 28, stdio: ['pipe', 'pipe', 'pipe'] });
}

function gitText(cwd: string, args: string[], input?: string | Buffer): string {
  return git(cwd, args, input).toString('utf8').trim();
}

/** Deterministic text that changes a little from commit to commit, so git stores deltas. */
function fileText(seed: number, lines: number): string {
  const out: string[] = [];
  for (let i = 0; i < lines; i++) out.push(`line ${i} ${(i * 7919 + (i % 13 === 0 ? seed : 0)) % 100003} ${'x'.repeat(i % 40)}`);
  return out.join('\n') + '\n';
}

/** A small repository with history: edited files (deltas), a subdirectory, a big file, an annotated tag. */
function makeRepo(dir: string, algo: HashAlgorithm = 'sha1', commits = 12): string {
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
function packAll(repo: string, ofs = true): Buffer {
  return git(repo, ['pack-objects', '--revs', '--all', '--stdout', '-q', ...(ofs ? ['--delta-base-offset'] : [])], '');
}

async function* chunked(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

/** `git verify-pack -v` rows: oid -> {type, size, offset}. */
function verifyPackRows(repo: string, idxPath: string): Map<string, { type: string; size: number; offset: number }> {
  const rows = new Map<string, { type: string; size: number; offset: number }>();
  for (const line of gitText(repo, ['verify-pack', '-v', idxPath]).split('\n')) {
    const m = /^([0-9a-f]{40,64}) (\w+)\s+(\d+) (\d+) (\d+)/.exec(line);
    if (m) rows.set(m[1]!, { type: m[2]!, size: Number(m[3]), offset: Number(m[5]) });
  }
  return rows;
}

/** Every object of a repository via `git cat-file --batch-all-objects --batch`. */
function catAll(repo: string): Map<string, GitObject> {
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
function readerOver(pack: PackReader): ObjectReader {
  return {
    algo: pack.algo,
    has: async (oid) => pack.has(oid),
    read: (oid) => pack.read(oid),
    info: (oid) => pack.info(oid),
  };
}

function listDir(dir: string): string[] {
  return readdirSync(dir).sort();
}

/** A bare repository whose only pack is `result`'s, with main pointing at `tip`. */
function bareRepoWith(dir: string, result: IndexPackResult, tip: string, algo: HashAlgorithm): string {
  git(path.dirname(dir), ['init', '-q', '--bare', `--object-format=${algo}`, dir]);
  for (const file of [result.packPath, result.idxPath])
    copyFileSync(file, path.join(dir, 'objects', 'pack', path.basename(file)));
  git(dir, ['update-ref', 'refs/heads/main', tip]);
  return dir;
}

async function expectPackError(
  t: Test,
  bytes: Buffer | AsyncIterable<Buffer>,
  code: string,
  options: {
    message?: string | RegExp;
    maxInputSize?: number;
    maxObjectSize?: number;
    errorClass?: typeof PackError | typeof LimitError;
  } = {},
): Promise<void> {
  const packDir = t.testdir();
  const input = Buffer.isBuffer(bytes) ? chunked(bytes, 7) : bytes;
  const error = await indexPack({
    input,
    packDir,
    algo: 'sha1',
    maxInputSize: options.maxInputSize,
    maxObjectSize: options.maxObjectSize,
  }).then(
    () => null,
    (err: unknown) => err,
  );
  t.ok(error instanceof (options.errorClass ?? PackError), `fails with ${options.errorClass?.name ?? 'PackError'}`);
  t.equal((error as PackError).code, code, `code ${code}`);
  if (options.message !== undefined) {
    if (typeof options.message === 'string') t.equal((error as Error).message, options.message);
    else t.match((error as Error).message, options.message);
  }
  t.same(listDir(packDir), [], 'no temp files are left');
}

// ---------------------------------------------------------------- primitives

t.test('entry header and OFS distance varints round-trip', async (t) => {
  for (const [type, size] of [
    [1, 0],
    [3, 15],
    [3, 16],
    [2, 1000],
    [6, 2 ** 32 + 5],
    [7, 2 ** 40],
  ] as const) {
    const bytes = encodeEntryHeader(type, size);
    t.same(decodeEntryHeader(bytes, 0), { typeCode: type, size, length: bytes.length });
    t.equal(decodeEntryHeader(bytes.subarray(0, bytes.length - 1), 0), null, 'incomplete header');
  }
  t.same([...encodeEntryHeader(3, 100)], [0xb4, 0x06], 'blob of 100 bytes as git writes it');
  for (const distance of [1, 127, 128, 16511, 16512, 2 ** 31, 2 ** 40]) {
    const bytes = encodeOfsDistance(distance);
    t.same(decodeOfsDistance(bytes, 0), { distance, length: bytes.length });
  }
  t.same([...encodeOfsDistance(128)], [0x80, 0x00], 'git offset encoding adds one per continuation');
  t.throws(() => decodeEntryHeader(Buffer.alloc(12, 0xff), 0), /too long/);
});

t.test('pack header', async (t) => {
  t.same(parsePackHeader(encodePackHeader(7)), { version: 2, objectCount: 7 });
  t.same(parsePackHeader(encodePackHeader(1, 3)), { version: 3, objectCount: 1 });
  t.throws(() => parsePackHeader(Buffer.from('PACK')), {
    code: 'E_PACK_HEADER',
    message: 'eof before pack header was fully read',
  });
  t.throws(() => parsePackHeader(Buffer.from('JUNKJUNKJUNK')), { message: 'protocol error (pack signature mismatch detected)' });
  t.throws(() => parsePackHeader(encodePackHeader(1, 4)), { message: 'protocol error (pack version unsupported)' });
});

t.test('delta application', async (t) => {
  const base = Buffer.from('hello, world: the quick brown fox');
  const delta = makeDelta(base.length, [{ copy: [0, 5] }, { insert: ' there' }, { copy: [12, 21] }]);
  t.same(readDeltaSizes(delta), { baseSize: base.length, resultSize: 32, opsStart: 2 });
  t.equal(applyDelta(base, delta).toString(), 'hello there: the quick brown fox');
  const big = Buffer.alloc(0x20000, 'a');
  t.equal(applyDelta(big, makeDelta(big.length, [{ copy: [0x100, 0x10000] }])).length, 0x10000, 'copy size 0 means 0x10000');
  const bad = (d: Buffer, b: Buffer = base) => t.throws(() => applyDelta(b, d), { code: PACK_ERROR.delta });
  bad(makeDelta(base.length + 1, [{ copy: [0, 5] }]));
  bad(makeDelta(base.length, [{ copy: [30, 10] }]));
  bad(makeDelta(base.length, [{ insert: 'abc' }], 2));
  bad(makeDelta(base.length, [{ insert: 'abc' }], 4));
  bad(Buffer.from([base.length, 1, 0]), base);
  bad(Buffer.from([base.length, 4, 3, 0x61]), base);
  bad(Buffer.from([base.length, 4, 0x91]), base);
  bad(Buffer.from([0x80]));
  bad(Buffer.from([base.length, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), base);
});

t.test('base cache evicts least recently used by bytes', async (t) => {
  const cache = new BaseCache(100, 60);
  cache.set(1, { typeCode: 3, data: Buffer.alloc(40) });
  cache.set(2, { typeCode: 3, data: Buffer.alloc(40) });
  t.ok(cache.get(1));
  cache.set(3, { typeCode: 3, data: Buffer.alloc(40) });
  t.equal(cache.get(2), undefined, 'oldest went');
  t.ok(cache.get(1));
  cache.set(4, { typeCode: 3, data: Buffer.alloc(70) });
  t.equal(cache.get(4), undefined, 'too big to cache');
  cache.set(1, { typeCode: 3, data: Buffer.alloc(10) });
  t.equal(cache.totalBytes, 50);
  t.equal(cache.size, 2);
});

t.test('idx v2 with 64-bit offsets is read back and accepted by git show-index', async (t) => {
  const dir = t.testdir();
  const algo = 'sha1';
  const oids = Buffer.concat([0, 1, 2, 3].map((i) => Buffer.from(hashObject(algo, 'blob', Buffer.from(`o${i}`)), 'hex')));
  const offsets = [12, 2 ** 31 - 1, 2 ** 31, 5 * 2 ** 32 + 7];
  const crcs = [1, 2, 3, 0xffffffff];
  const packHash = Buffer.alloc(20, 0xab);
  const idx = buildIdx({ count: 4, oids, offsets, crcs }, packHash, algo);
  const index = new PackIndex(idx, algo);
  t.ok(index.verifyChecksum());
  t.same(index.packHash, packHash);
  for (let i = 0; i < 4; i++) {
    const oid = oids.toString('hex', i * 20, i * 20 + 20);
    const position = index.find(oid);
    t.equal(index.offsetAt(position), offsets[i]);
    t.equal(index.crcAt(position), crcs[i]);
  }
  t.equal(index.find('0'.repeat(40)), -1);
  t.equal(index.find('zz'), -1);
  t.same([...index.oids()], [...index.oids()].sort());
  writeFileSync(path.join(dir, 'x.idx'), idx);
  const shown = gitText(dir, ['show-index'], idx)
    .split('\n')
    .map((line) => Number(line.split(' ')[0]))
    .sort((a, b) => a - b);
  t.same(
    shown,
    [...offsets].sort((a, b) => a - b),
    'git reads the same offsets',
  );
  t.throws(() => new PackIndex(idx.subarray(0, 100), algo), { code: PACK_ERROR.idx });
  const badMagic = Buffer.from(idx);
  badMagic[0] = 0;
  t.throws(() => new PackIndex(badMagic, algo), { code: PACK_ERROR.idx });
});

// ---------------------------------------------------------------- packs made by git

t.test('indexes a git-made pack exactly like git index-pack', async (t) => {
  const root = t.testdir();
  const repo = makeRepo(path.join(root, 'src'));
  const pack = packAll(repo);
  for (const [label, input] of [
    ['one chunk', () => once(pack)],
    ['tiny chunks', () => chunked(pack, 997)],
    ['tiny base budget', () => once(pack)],
  ] as const) {
    const packDir = path.join(root, `out-${label.replaceAll(' ', '-')}`);
    mkdirSync(packDir);
    const progress: Progress[] = [];
    // A budget of one byte forces dropping bases and rebuilding them from their chains.
    const deltaBaseBudget = label === 'tiny base budget' ? 1 : undefined;
    const result = await indexPack({
      input: input(),
      packDir,
      algo: 'sha1',
      onProgress: (p) => progress.push(p),
      deltaBaseBudget,
    });
    t.equal(result.bytes, pack.length, `${label}: every byte read`);
    t.equal(result.thinBasesAdded, 0);
    t.equal(result.objectCount, result.receivedObjects);
    t.same(readFileSync(result.packPath), pack, 'stored pack is the received pack');
    t.same(listDir(packDir), [`pack-${result.packHash}.idx`, `pack-${result.packHash}.pack`], 'only the pack and its idx');

    // git's own idx for the same pack must be byte-identical to ours.
    const gitCopy = path.join(root, `git-${label.replaceAll(' ', '-')}.pack`);
    writeFileSync(gitCopy, pack);
    git(root, ['index-pack', '-o', gitCopy.replace(/\.pack$/, '.idx'), gitCopy]);
    t.same(readFileSync(result.idxPath), readFileSync(gitCopy.replace(/\.pack$/, '.idx')), `${label}: idx identical to git's`);
    gitText(repo, ['verify-pack', result.idxPath]);

    t.ok(progress.some((p) => p.phase === 'receiving' && p.done === p.total));
    t.ok(progress.length < 250, 'progress is throttled');
    t.ok(
      progress.some((p) => p.phase === 'resolving' && p.done === p.total && p.total > 0),
      'the pack has deltas',
    );
  }
});

t.test('REF_DELTA packs, fsck of a repository using our pack', async (t) => {
  const root = t.testdir();
  const repo = makeRepo(path.join(root, 'src'));
  const pack = packAll(repo, false);
  const packDir = path.join(root, 'out');
  mkdirSync(packDir);
  const result = await indexPack({ input: chunked(pack, 4096), packDir, algo: 'sha1' });
  const rows = verifyPackRows(repo, result.idxPath);
  t.equal(rows.size, result.objectCount);
  const reader = await PackReader.open(result.packPath, 'sha1');
  t.teardown(() => reader.close());
  for (const [oid, row] of rows) t.equal(reader.offsetOf(oid), row.offset, `offset of ${oid}`);
  const bare = bareRepoWith(path.join(root, 'bare.git'), result, gitText(repo, ['rev-parse', 'main']), 'sha1');
  git(bare, ['update-ref', 'refs/tags/v1', gitText(repo, ['rev-parse', 'v1'])]);
  gitText(bare, ['fsck', '--strict', '--no-dangling']);
  t.pass('git fsck --strict accepts the repository');
});

t.test('PackReader reads every object like git cat-file', async (t) => {
  const root = t.testdir();
  const repo = makeRepo(path.join(root, 'src'));
  const packDir = path.join(root, 'out');
  mkdirSync(packDir);
  const result = await indexPack({ input: once(packAll(repo)), packDir, algo: 'sha1' });
  const expected = catAll(repo);
  const reader = await PackReader.open(result.packPath, 'sha1', { cacheBytes: 256 * 1024 });
  t.teardown(() => reader.close());
  t.equal(reader.objectCount, expected.size);
  t.equal(reader.packHash, result.packHash);
  t.same(new Set(reader.oids()), new Set(expected.keys()));
  let deltas = 0;
  for (const [oid, object] of expected) {
    const got = await reader.read(oid);
    t.equal(got?.type, object.type);
    t.ok(got?.data.equals(object.data), `content of ${oid}`);
    t.same(await reader.info(oid), { type: object.type, size: object.data.length });
    const raw = await reader.rawEntry(oid);
    if (raw && raw.packType >= 6) {
      deltas++;
      t.ok(raw.baseOid && expected.has(raw.baseOid), 'delta base is known by id');
    }
  }
  t.ok(deltas > 10, `exercised ${deltas} deltas`);
  t.equal(await reader.read('0'.repeat(40)), null);
  t.equal(await reader.info('0'.repeat(40)), null);
  t.equal(await reader.rawEntry('0'.repeat(40)), null);
  t.notOk(reader.has('0'.repeat(40)));

  // A second pass hits the delta base cache and must give the same bytes.
  for (const [oid, object] of expected) t.ok((await reader.read(oid))?.data.equals(object.data));
  // Changing what read() returned must not reach the cache.
  let baseOid: string | undefined;
  for (const oid of expected.keys()) {
    const raw = await reader.rawEntry(oid);
    if (raw?.baseOid) baseOid = raw.baseOid;
  }
  const first = (await reader.read(baseOid!))!;
  first.data.fill(0);
  t.ok((await reader.read(baseOid!))?.data.equals(expected.get(baseOid!)!.data), 'cache is not shared with callers');
});

t.test('PackReader refuses an idx that belongs to another pack', async (t) => {
  const root = t.testdir();
  const repo = makeRepo(path.join(root, 'src'), 'sha1', 3);
  const packDir = path.join(root, 'out');
  mkdirSync(packDir);
  const result = await indexPack({ input: once(packAll(repo)), packDir, algo: 'sha1' });
  const other = path.join(root, 'other.pack');
  const bytes = readFileSync(result.packPath);
  bytes[bytes.length - 1]! ^= 1;
  writeFileSync(other, bytes);
  copyFileSync(result.idxPath, path.join(root, 'other.idx'));
  await t.rejects(PackReader.open(other, 'sha1'), { code: PACK_ERROR.packMismatch });
});

t.test('thin packs are completed from base objects', async (t) => {
  const root = t.testdir();
  const repo = makeRepo(path.join(root, 'src'));
  // What the server already has: everything up to main~4.
  const basePack = git(repo, ['pack-objects', '--revs', '--stdout', '-q', '--delta-base-offset'], 'main~4\n');
  const baseDir = path.join(root, 'base');
  mkdirSync(baseDir);
  const base = await indexPack({ input: once(basePack), packDir: baseDir, algo: 'sha1' });
  const baseReader = await PackReader.open(base.packPath, 'sha1');
  t.teardown(() => baseReader.close());

  const thin = git(repo, ['pack-objects', '--revs', '--thin', '--stdout', '-q'], 'main\n^main~4\n');
  const withoutBases = path.join(root, 'no-bases');
  mkdirSync(withoutBases);
  const error = await indexPack({ input: once(thin), packDir: withoutBases, algo: 'sha1' }).catch((e: unknown) => e);
  t.equal((error as PackError).code, PACK_ERROR.unresolvedDelta);
  t.match((error as Error).message, /^pack has \d+ unresolved deltas?$/);
  t.same(listDir(withoutBases), []);

  const packDir = path.join(root, 'out');
  mkdirSync(packDir);
  const progress: Progress[] = [];
  const result = await indexPack({
    input: chunked(thin, 1000),
    packDir,
    algo: 'sha1',
    baseObjects: readerOver(baseReader),
    onProgress: (p) => progress.push(p),
  });
  t.ok(result.thinBasesAdded > 0, `appended ${result.thinBasesAdded} bases`);
  t.equal(result.objectCount, result.receivedObjects + result.thinBasesAdded);
  t.equal(result.bytes, thin.length);
  const stored = readFileSync(result.packPath);
  t.equal(stored.readUInt32BE(8), result.objectCount, 'header count rewritten');
  t.not(result.packHash, thin.subarray(thin.length - 20).toString('hex'), 'new trailer');
  // verify-pack checks the pack alone, so it proves the pack is self-contained.
  const rows = verifyPackRows(repo, result.idxPath);
  t.equal(rows.size, result.objectCount);
  const gitCopy = path.join(root, 'git.pack');
  writeFileSync(gitCopy, stored);
  git(root, ['index-pack', '-o', path.join(root, 'git.idx'), gitCopy]);
  t.same(readFileSync(result.idxPath), readFileSync(path.join(root, 'git.idx')), "idx identical to git's for the completed pack");

  // A repository with both packs is complete and consistent.
  const bare = bareRepoWith(path.join(root, 'bare.git'), result, gitText(repo, ['rev-parse', 'main']), 'sha1');
  for (const file of [base.packPath, base.idxPath]) copyFileSync(file, path.join(bare, 'objects', 'pack', path.basename(file)));
  gitText(bare, ['fsck', '--strict', '--no-dangling']);

  // The completed pack reads back through PackReader too.
  const reader = await PackReader.open(result.packPath, 'sha1');
  t.teardown(() => reader.close());
  const expected = catAll(repo);
  for (const oid of reader.oids()) t.ok((await reader.read(oid))?.data.equals(expected.get(oid)!.data));
});

t.test('a thin base read back with the wrong content is refused', async (t) => {
  const root = t.testdir();
  const repo = makeRepo(path.join(root, 'src'), 'sha1', 6);
  const thin = git(repo, ['pack-objects', '--revs', '--thin', '--stdout', '-q'], 'main\n^main~2\n');
  const liar: ObjectReader = {
    algo: 'sha1',
    has: async () => true,
    read: async () => ({ type: 'blob', data: Buffer.from('not it') }),
    info: async () => ({ type: 'blob', size: 6 }),
  };
  const packDir = path.join(root, 'out');
  mkdirSync(packDir);
  await t.rejects(indexPack({ input: once(thin), packDir, algo: 'sha1', baseObjects: liar }), { code: PACK_ERROR.thinBase });
  t.same(listDir(packDir), []);
});

t.test('SHA-256 repositories', async (t) => {
  const root = t.testdir();
  const repo = makeRepo(path.join(root, 'src'), 'sha256', 8);
  const pack = packAll(repo);
  const packDir = path.join(root, 'out');
  mkdirSync(packDir);
  const result = await indexPack({ input: chunked(pack, 3000), packDir, algo: 'sha256' });
  t.equal(result.packHash.length, 64);
  const gitCopy = path.join(root, 'git.pack');
  writeFileSync(gitCopy, pack);
  git(repo, ['index-pack', '-o', path.join(root, 'git.idx'), gitCopy]);
  t.same(readFileSync(result.idxPath), readFileSync(path.join(root, 'git.idx')), "idx identical to git's");
  gitText(repo, ['verify-pack', result.idxPath]);
  const bare = bareRepoWith(path.join(root, 'bare.git'), result, gitText(repo, ['rev-parse', 'main']), 'sha256');
  gitText(bare, ['fsck', '--strict', '--no-dangling']);

  const reader = await PackReader.open(result.packPath, 'sha256');
  t.teardown(() => reader.close());
  const expected = catAll(repo);
  t.equal(reader.objectCount, expected.size);
  for (const [oid, object] of expected) t.ok((await reader.read(oid))?.data.equals(object.data), oid);

  // Thin completion with 32-byte REF bases.
  const baseDir = path.join(root, 'base');
  mkdirSync(baseDir);
  const thin = git(repo, ['pack-objects', '--revs', '--thin', '--stdout', '-q'], 'main\n^main~3\n');
  const completed = await indexPack({ input: once(thin), packDir: baseDir, algo: 'sha256', baseObjects: readerOver(reader) });
  t.ok(completed.thinBasesAdded > 0);
  gitText(repo, ['verify-pack', completed.idxPath]);
});

// ---------------------------------------------------------------- pack writer

t.test('writePack builds packs git accepts, reusing stored deltas', async (t) => {
  const root = t.testdir();
  const repo = makeRepo(path.join(root, 'src'), 'sha1', 8);
  const packDir = path.join(root, 'src-pack');
  mkdirSync(packDir);
  const source = await indexPack({ input: once(packAll(repo)), packDir, algo: 'sha1' });
  const reader = await PackReader.open(source.packPath, 'sha1');
  t.teardown(() => reader.close());

  // Entries in pack order, so every OFS base comes before its delta.
  const raws = await Promise.all([...reader.oids()].map((oid) => reader.rawEntry(oid)));
  raws.sort((a, b) => a!.offset - b!.offset);
  const entries: PackWriterEntry[] = [];
  for (const raw of raws) entries.push({ kind: 'stored', entry: raw!, stored: await reader.readStoredData(raw!) });
  entries.push({ kind: 'object', type: 'blob', data: Buffer.from('a new blob\n') });
  const chunks: Buffer[] = [];
  for await (const chunk of writePack(entries, { algo: 'sha1', objectCount: entries.length })) chunks.push(chunk);
  const written = Buffer.concat(chunks);

  const outDir = path.join(root, 'out');
  mkdirSync(outDir);
  const result = await indexPack({ input: once(written), packDir: outDir, algo: 'sha1' });
  t.equal(result.objectCount, source.objectCount + 1);
  const rows = verifyPackRows(repo, result.idxPath);
  t.ok([...rows.values()].some((r) => r.type === 'blob'));
  const delta = raws.find((r) => r!.packType === 6);
  if (!delta) throw new Error('the source pack has no OFS delta');
  const copy = await PackReader.open(result.packPath, 'sha1');
  t.teardown(() => copy.close());
  t.equal((await copy.rawEntry(delta.oid))?.packType, 6, 'delta stayed a delta');
  t.ok((await copy.read(delta.oid))?.data.equals((await reader.read(delta.oid))!.data));

  // A stored delta whose base is not in the output goes out as REF_DELTA (thin).
  const thinChunks: Buffer[] = [];
  for await (const chunk of writePack([{ kind: 'stored', entry: delta!, stored: await reader.readStoredData(delta!) }], {
    algo: 'sha1',
    objectCount: 1,
  })) {
    thinChunks.push(chunk);
  }
  const thinDir = path.join(root, 'thin');
  mkdirSync(thinDir);
  const thin = await indexPack({
    input: once(Buffer.concat(thinChunks)),
    packDir: thinDir,
    algo: 'sha1',
    baseObjects: readerOver(reader),
  });
  t.equal(thin.thinBasesAdded, 1);

  await t.rejects(
    (async () => {
      for await (const _ of writePack([], { algo: 'sha1', objectCount: 1 })) void _;
    })(),
    { code: PACK_ERROR.objectCount },
  );
});

// ---------------------------------------------------------------- hand-made and corrupt packs

t.test('hand-made pack with OFS and REF deltas and an empty pack', async (t) => {
  const b = new PackBuilder();
  const baseText = 'the base text of a small blob\n';
  b.header(4);
  const baseAt = b.object('blob', baseText);
  const ofsAt = b.ofsDelta(baseAt, makeDelta(baseText.length, [{ copy: [0, 4] }, { insert: 'changed text\n' }]));
  b.refDelta(b.oid('blob', 'the changed text\n'), makeDelta(17, [{ copy: [4, 13] }, { insert: '!' }]));
  b.object('commit', 'tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\nauthor A <a@b> 1 +0000\ncommitter A <a@b> 1 +0000\n\nm\n');
  const packDir = t.testdir();
  const result = await indexPack({ input: once(b.digest().build()), packDir, algo: 'sha1' });
  t.equal(result.objectCount, 4);
  const reader = await PackReader.open(result.packPath, 'sha1');
  t.teardown(() => reader.close());
  t.equal((await reader.read(b.oid('blob', 'the changed text\n')))?.data.toString(), 'the changed text\n');
  t.equal(reader.offsetOf(b.oid('blob', 'the changed text\n')), ofsAt);
  t.equal((await reader.read(b.oid('blob', 'changed text\n!')))?.data.toString(), 'changed text\n!');
  t.same(await reader.info(b.oid('blob', 'changed text\n!')), { type: 'blob', size: 14 });

  const emptyDir = t.testdir();
  const empty = await indexPack({ input: once(new PackBuilder().header(0).digest().build()), packDir: emptyDir, algo: 'sha1' });
  t.equal(empty.objectCount, 0);
  gitText(emptyDir, ['verify-pack', empty.idxPath]);

  const v3 = new PackBuilder().header(1, 3);
  v3.object('blob', 'v3');
  t.equal((await indexPack({ input: once(v3.digest().build()), packDir: t.testdir(), algo: 'sha1' })).objectCount, 1);
});

t.test('bases dropped over budget are rebuilt along their chain', async (t) => {
  // R -> A (A is R's only child) -> B and C, B -> D: with no budget, A is dropped
  // while B's subtree is walked and must be rebuilt from R for C.
  const R = 'root object content, long enough to copy from\n';
  const A = 'A: ' + R;
  const B = A + 'B\n';
  const C = A + 'C\n';
  const D = 'D: ' + B;
  const b = new PackBuilder().header(5);
  const rAt = b.object('blob', R);
  const aAt = b.ofsDelta(rAt, makeDelta(R.length, [{ insert: 'A: ' }, { copy: [0, R.length] }]));
  const bAt = b.ofsDelta(aAt, makeDelta(A.length, [{ copy: [0, A.length] }, { insert: 'B\n' }]));
  b.ofsDelta(aAt, makeDelta(A.length, [{ copy: [0, A.length] }, { insert: 'C\n' }]));
  b.ofsDelta(bAt, makeDelta(B.length, [{ insert: 'D: ' }, { copy: [0, B.length] }]));
  const pack = b.digest().build();
  for (const deltaBaseBudget of [1, undefined]) {
    const packDir = t.testdir();
    const result = await indexPack({ input: once(pack), packDir, algo: 'sha1', deltaBaseBudget });
    const reader = await PackReader.open(result.packPath, 'sha1');
    for (const text of [R, A, B, C, D]) t.equal((await reader.read(b.oid('blob', text)))?.data.toString(), text);
    await reader.close();
  }
});

t.test('corrupt packs fail with their own codes and leave nothing behind', async (t) => {
  const good = () => {
    const b = new PackBuilder().header(2);
    const at = b.object('blob', 'first object\n');
    b.ofsDelta(at, makeDelta(13, [{ copy: [0, 6] }, { insert: 'second\n' }]));
    return b.digest().build();
  };
  const valid = good();

  t.test('header: eof', (t) =>
    expectPackError(t, Buffer.from('PACK\0\0'), PACK_ERROR.header, { message: 'eof before pack header was fully read' }),
  );
  t.test('header: signature', (t) =>
    expectPackError(t, Buffer.from('0000PACK\0\0\0\x02\0\0\0\0'), PACK_ERROR.header, {
      message: 'protocol error (pack signature mismatch detected)',
    }),
  );
  t.test('header: version', (t) =>
    expectPackError(t, new PackBuilder().header(0, 5).digest().build(), PACK_ERROR.header, {
      message: 'protocol error (pack version unsupported)',
    }),
  );
  t.test('truncated', (t) => expectPackError(t, valid.subarray(0, 30), PACK_ERROR.truncated, { message: 'early EOF' }));
  t.test('truncated trailer', (t) => expectPackError(t, valid.subarray(0, valid.length - 5), PACK_ERROR.truncated));
  t.test('empty input', (t) => expectPackError(t, Buffer.alloc(0), PACK_ERROR.header));
  t.test('bad trailer', (t) => {
    const bytes = Buffer.from(valid);
    bytes[bytes.length - 1]! ^= 0xff;
    return expectPackError(t, bytes, PACK_ERROR.trailer, { message: 'pack is corrupted (SHA1 mismatch)' });
  });
  t.test('bad zlib', (t) => {
    const b = new PackBuilder().header(1);
    b.object('blob', 'abc', { compressed: Buffer.from('this is not zlib at all') });
    return expectPackError(t, b.digest().build(), PACK_ERROR.zlib, {
      message: /^pack has bad object at offset 12: inflate returned/,
    });
  });
  t.test('inflated size mismatch (shorter)', (t) => {
    const b = new PackBuilder().header(1);
    b.object('blob', 'abcdef', { declaredSize: 10 });
    return expectPackError(t, b.digest().build(), PACK_ERROR.inflatedSize);
  });
  t.test('inflated size mismatch (longer)', (t) => {
    const b = new PackBuilder().header(1);
    b.object('blob', 'abcdef', { declaredSize: 3 });
    return expectPackError(t, b.digest().build(), PACK_ERROR.inflatedSize);
  });
  t.test('a huge declared size is not allocated up front', (t) => {
    const b = new PackBuilder().header(1);
    b.object('blob', 'abcdef', { declaredSize: 3_000_000_000 });
    return expectPackError(t, b.digest().build(), PACK_ERROR.inflatedSize);
  });
  t.test('a size no buffer can hold is streamed, and its data must match it', (t) => {
    const b = new PackBuilder().header(1);
    b.object('blob', 'abcdef', { declaredSize: 2 ** 40 });
    return expectPackError(t, b.digest().build(), PACK_ERROR.inflatedSize);
  });
  t.test('unknown object type', (t) => {
    const b = new PackBuilder().header(1);
    b.object(5, 'abc');
    return expectPackError(t, b.digest().build(), PACK_ERROR.objectType, {
      message: 'pack has bad object at offset 12: unknown object type 5',
    });
  });
  t.test('overlong size varint', (t) => {
    const b = new PackBuilder().header(1).raw(Buffer.alloc(12, 0xff));
    return expectPackError(t, b.digest().build(), PACK_ERROR.objectHeader);
  });
  t.test('bad delta', (t) => {
    const b = new PackBuilder().header(2);
    const at = b.object('blob', 'first object\n');
    b.ofsDelta(at, makeDelta(13, [{ copy: [10, 20] }]));
    return expectPackError(t, b.digest().build(), PACK_ERROR.delta, {
      message: /^pack has bad object at offset \d+: failed to apply delta/,
    });
  });
  t.test('delta base missing', (t) => {
    const b = new PackBuilder().header(1);
    b.refDelta('1'.repeat(40), makeDelta(3, [{ insert: 'x' }]));
    return expectPackError(t, b.digest().build(), PACK_ERROR.unresolvedDelta, { message: 'pack has 1 unresolved delta' });
  });
  t.test('OFS base not at an entry', (t) => {
    const b = new PackBuilder().header(2);
    const at = b.object('blob', 'first object\n');
    b.ofsDelta(at + 1, makeDelta(13, [{ insert: 'x' }]));
    return expectPackError(t, b.digest().build(), PACK_ERROR.unresolvedDelta);
  });
  t.test('OFS base offset out of range', (t) => {
    const b = new PackBuilder().header(2);
    b.object('blob', 'first object\n');
    b.ofsDelta(-100, makeDelta(13, [{ insert: 'x' }]));
    return expectPackError(t, b.digest().build(), PACK_ERROR.ofsOutOfRange, { message: /delta base offset is out of bound$/ });
  });
  t.test('fewer objects than the header says', (t) => {
    const b = new PackBuilder().header(3);
    b.object('blob', 'one');
    b.object('blob', 'two');
    return expectPackError(t, b.digest().build(), PACK_ERROR.objectCount, { message: /fewer objects \(2\)/ });
  });
  t.test('more objects than the header says', (t) => {
    const b = new PackBuilder().header(1);
    b.object('blob', 'one');
    b.object('blob', 'two');
    return expectPackError(t, b.digest().build(), PACK_ERROR.objectCount, { message: /more objects/ });
  });
  t.test('trailing garbage', (t) =>
    expectPackError(t, Buffer.concat([valid, Buffer.from('extra')]), PACK_ERROR.trailingGarbage, {
      message: 'pack has junk at the end',
    }),
  );
  t.test('pack too large', (t) =>
    expectPackError(t, valid, PACK_ERROR.tooLarge, {
      maxInputSize: 40,
      errorClass: LimitError,
      message: 'pack exceeds maximum allowed size',
    }),
  );
  t.test('object too large', (t) =>
    expectPackError(t, valid, PACK_ERROR.objectTooLarge, { maxObjectSize: 10, errorClass: LimitError }),
  );
  t.test('delta result too large', (t) => {
    const b = new PackBuilder().header(2);
    const at = b.object('blob', 'small');
    b.ofsDelta(at, makeDelta(5, [{ insert: 'x'.repeat(30) }]));
    return expectPackError(t, b.digest().build(), PACK_ERROR.objectTooLarge, { maxObjectSize: 20, errorClass: LimitError });
  });
  t.test('a failing input stream', async (t) => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield valid.subarray(0, 20);
      throw new Error('connection reset');
    }
    const packDir = t.testdir();
    await t.rejects(indexPack({ input: broken(), packDir, algo: 'sha1' }), { message: 'connection reset' });
    t.same(listDir(packDir), []);
  });
  t.test('the same pack twice is fine', async (t) => {
    const packDir = t.testdir();
    const a = await indexPack({ input: once(valid), packDir, algo: 'sha1' });
    const b = await indexPack({ input: once(valid), packDir, algo: 'sha1' });
    t.equal(a.packPath, b.packPath);
    t.same(listDir(packDir).length, 2);
  });
  t.test('a big object across many chunks', async (t) => {
    const b = new PackBuilder().header(1);
    const data = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 2654435761) >>> 24));
    b.object('blob', data);
    const packDir = t.testdir();
    const result = await indexPack({ input: chunked(b.digest().build(), 1500), packDir, algo: 'sha1' });
    const reader = await PackReader.open(result.packPath, 'sha1');
    t.ok((await reader.read(hashObject('sha1', 'blob', data)))?.data.equals(data));
    await reader.close();
    t.equal(zlib.crc32(Buffer.alloc(0)), 0);
  });
  t.end();
});
