/**
 * The pack's wire formats: entry headers and OFS distances (varints as git
 * writes them) and the pack header.
 */
import t from 'tap';
import {
  decodeEntryHeader,
  decodeOfsDistance,
  encodeEntryHeader,
  encodeOfsDistance,
  encodePackHeader,
  parsePackHeader,
} from '../src/pack/index.js';

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
