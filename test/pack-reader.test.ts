/**
 * PackReader: every object of a git-made pack read like git cat-file (deltas,
 * the base cache, callers' copies), and an idx of another pack refused.
 */
import t from 'tap';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PACK_ERROR, PackReader, indexPack } from '../src/pack/index.js';
import { catAll, makeRepo, once, packAll } from './helpers/pack-fixtures.js';

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
