/**
 * Indexing packs: idx v2 (64-bit offsets) read back and read by git, packs
 * made by git indexed exactly like git index-pack (in any chunking, with any
 * base budget), REF_DELTA packs, and SHA-256 repositories; each checked with
 * git verify-pack and git fsck.
 */
import t from 'tap';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hashObject } from '../src/objects/oid.js';
import { PACK_ERROR, PackIndex, PackReader, buildIdx, indexPack, type Progress } from '../src/pack/index.js';
import {
  bareRepoWith,
  catAll,
  chunked,
  git,
  gitText,
  listDir,
  makeRepo,
  once,
  packAll,
  readerOver,
  verifyPackRows,
} from './helpers/pack-fixtures.js';

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
