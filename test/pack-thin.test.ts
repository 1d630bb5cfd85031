/**
 * Thin packs: completed from the objects the receiver already has (a
 * self-contained pack, idx identical to git's, fsck clean), refused without
 * them, and refused when a base reads back with the wrong content.
 */
import t from 'tap';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { PackError } from '../src/errors.js';
import type { ObjectReader } from '../src/objects/object-reader.js';
import { PACK_ERROR, PackReader, indexPack, type Progress } from '../src/pack/index.js';
import {
  bareRepoWith,
  catAll,
  chunked,
  git,
  gitText,
  listDir,
  makeRepo,
  once,
  readerOver,
  verifyPackRows,
} from './helpers/pack-fixtures.js';

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
