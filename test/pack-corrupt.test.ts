/**
 * Corrupt and oversized packs fail with their own codes and messages (git's
 * where git has one) and leave no file behind; a failing input stream, the
 * same pack twice and a big object across many chunks.
 */
import t, { type Test } from 'tap';
import zlib from 'node:zlib';
import { LimitError, PackError } from '../src/errors.js';
import { hashObject } from '../src/objects/oid.js';
import { PACK_ERROR, PackReader, indexPack } from '../src/pack/index.js';
import { PackBuilder, makeDelta } from './helpers/pack-builder.js';
import { chunked, listDir, once } from './helpers/pack-fixtures.js';

/** Indexes `bytes` and expects this error, with nothing left in the pack folder. */
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
