/**
 * writePack: packs git accepts, reusing stored deltas, a delta whose base is
 * not sent going out as REF_DELTA (thin), and a wrong object count refused.
 */
import t from 'tap';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PACK_ERROR, PackReader, indexPack, writePack, type PackWriterEntry } from '../src/pack/index.js';
import { makeRepo, once, packAll, readerOver, verifyPackRows } from './helpers/pack-fixtures.js';

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
