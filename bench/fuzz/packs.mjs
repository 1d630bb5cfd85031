// Pack and delta generators for the fuzz harness. Packs are built from a
// generated list of entries (whole objects, OFS and REF deltas against
// earlier entries or against objects the receiver already has, i.e. thin
// packs), properly compressed and with a correct trailer most of the time,
// so that the parser gets past the checksum to the delta resolver; then some
// are mutated, with or without fixing the trailer again.
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { blobData, commitData, mutate, mutated, tagData, treeData } from './inputs.mjs';

const TYPE_NAMES = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

function sizeVarint(n) {
  const out = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

function entryHeader(typeCode, size) {
  const bytes = [];
  let rest = Math.floor(size / 16);
  let byte = ((typeCode & 7) << 4) | (size % 16);
  while (rest > 0) {
    bytes.push(byte | 0x80);
    byte = rest % 128;
    rest = Math.floor(rest / 128);
  }
  bytes.push(byte);
  return Buffer.from(bytes);
}

function ofsDistance(distance) {
  const bytes = [distance % 128];
  let rest = Math.floor(distance / 128);
  while (rest > 0) {
    rest -= 1;
    bytes.unshift(0x80 | (rest % 128));
    rest = Math.floor(rest / 128);
  }
  return Buffer.from(bytes);
}

export function objectId(type, data) {
  return createHash('sha1').update(`${type} ${data.length}\0`).update(data).digest();
}

// ---- deltas -----------------------------------------------------------------

const deltaOp = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      copy: fc.constant(true),
      from: fc.nat(),
      length: fc.oneof(fc.nat(300), fc.constantFrom(0x10000, 0xffffff)),
    }),
  },
  { weight: 2, arbitrary: fc.record({ copy: fc.constant(false), bytes: fc.uint8Array({ minLength: 1, maxLength: 127 }) }) },
  { weight: 1, arbitrary: fc.record({ raw: fc.uint8Array({ minLength: 1, maxLength: 8 }) }) },
);
/** A delta against some base: ops, and how wrong its two size headers are. */
export const deltaSpec = fc.record({
  ops: fc.array(deltaOp, { maxLength: 8 }),
  baseSkew: fc.oneof(
    { weight: 8, arbitrary: fc.constant(0) },
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(2 ** 32, 2 ** 53),
  ),
  resultSkew: fc.oneof(
    { weight: 8, arbitrary: fc.constant(0) },
    fc.integer({ min: -3, max: 3 }),
    fc.constantFrom(2 ** 31, 2 ** 32 - 1),
  ),
});

/** Encodes a delta spec against `base`; `result` is what it produces when every op is in range. */
export function buildDelta(base, spec) {
  const ops = [];
  const result = [];
  for (const op of spec.ops) {
    if (op.raw) {
      ops.push(Buffer.from(op.raw));
    } else if (op.copy) {
      const offset = base.length === 0 ? op.from % 4 : op.from % base.length;
      const length = op.length;
      let code = 0x80;
      const args = [];
      for (let i = 0; i < 4; i++) {
        const byte = (offset >>> (8 * i)) & 0xff;
        if (byte) {
          code |= 1 << i;
          args.push(byte);
        }
      }
      const encoded = length === 0x10000 ? 0 : length;
      for (let i = 0; i < 3; i++) {
        const byte = (encoded >>> (8 * i)) & 0xff;
        if (byte) {
          code |= 0x10 << i;
          args.push(byte);
        }
      }
      ops.push(Buffer.from([code, ...args]));
      result.push(base.subarray(offset, offset + (length === 0 ? 0x10000 : length)));
    } else {
      ops.push(Buffer.from([op.bytes.length]), Buffer.from(op.bytes));
      result.push(Buffer.from(op.bytes));
    }
  }
  const out = Buffer.concat(result);
  const baseSize = Math.max(0, base.length + spec.baseSkew);
  const resultSize = Math.max(0, out.length + spec.resultSkew);
  return { delta: Buffer.concat([sizeVarint(baseSize), sizeVarint(resultSize), ...ops]), result: out };
}

/** applyDelta's input: a base and a delta for it, structured or mutated or random. */
export const deltaCase = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.uint8Array({ maxLength: 2048 }), deltaSpec)
      .map(([b, s]) => ({ base: Buffer.from(b), delta: buildDelta(Buffer.from(b), s).delta })),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.uint8Array({ maxLength: 512 }),
        deltaSpec,
        fc.array(fc.record({ op: fc.constant('flip'), at: fc.nat(), bit: fc.nat(7) }), { minLength: 1, maxLength: 4 }),
      )
      .map(([b, s, ops]) => ({ base: Buffer.from(b), delta: mutate(buildDelta(Buffer.from(b), s).delta, ops) })),
  },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }))
      .map(([b, d]) => ({ base: Buffer.from(b), delta: Buffer.from(d) })),
  },
);

// ---- packs ------------------------------------------------------------------

const contentFor = { 1: commitData, 2: treeData, 3: blobData, 4: tagData };
const sizeSkew = fc.oneof(
  { weight: 12, arbitrary: fc.constant(0) },
  fc.integer({ min: -2, max: 2 }),
  fc.constantFrom(2 ** 40, 2 ** 53),
);
const wholeEntry = fc
  .oneof({ weight: 12, arbitrary: fc.integer({ min: 1, max: 4 }) }, fc.constantFrom(0, 5))
  .chain((type) =>
    fc.record({ kind: fc.constant('whole'), type: fc.constant(type), data: contentFor[type] ?? blobData, sizeSkew }),
  );
const deltaEntry = fc.record({
  kind: fc.constantFrom('ofs', 'ref'),
  back: fc.nat(6),
  external: fc.boolean(),
  spec: deltaSpec,
  sizeSkew,
});
const packSpec = fc.record({
  entries: fc.array(fc.oneof({ weight: 3, arbitrary: wholeEntry }, { weight: 2, arbitrary: deltaEntry }), { maxLength: 8 }),
  version: fc.oneof({ weight: 12, arbitrary: fc.constant(2) }, fc.constantFrom(3, 0, 4, 0xffffffff)),
  countSkew: fc.oneof({ weight: 10, arbitrary: fc.constant(0) }, fc.integer({ min: -2, max: 2 }), fc.constant(0x7fffffff)),
  level: fc.constantFrom(0, 1, 6, 9),
  trailer: fc.oneof({ weight: 10, arbitrary: fc.constant('good') }, fc.constantFrom('bad', 'none', 'junk-after', 'doubled')),
  zlibJunk: fc.oneof({ weight: 10, arbitrary: fc.constant(-1) }, fc.nat(8)),
});

/**
 * Objects the receiving side already has (a thin pack's bases), as
 * `{ oid hex → { type, data } }` for an in-memory ObjectReader.
 */
export const EXTERNAL_OBJECTS = (() => {
  const objects = [
    ['blob', Buffer.from('hello world\n'.repeat(20))],
    ['blob', Buffer.alloc(0)],
    ['tree', Buffer.concat([Buffer.from('100644 a\0'), objectId('blob', Buffer.alloc(0))])],
  ];
  return objects.map(([type, data]) => ({ type, data, oid: objectId(type, data) }));
})();

/** Encodes a pack spec: the bytes from `PACK` to the trailer (and what the trailer case adds). */
export function buildPack(spec) {
  const parts = [];
  let offset = 12;
  const known = []; // { offset, type, data } per entry
  for (let i = 0; i < spec.entries.length; i++) {
    const e = spec.entries[i];
    let head;
    let payload;
    let me;
    if (e.kind === 'whole') {
      payload = e.data;
      head = entryHeader(e.type, Math.max(0, payload.length + e.sizeSkew));
      me = { offset, type: TYPE_NAMES[e.type] ?? 'blob', data: payload };
    } else {
      const useExternal = e.external || known.length === 0;
      const base = useExternal
        ? EXTERNAL_OBJECTS[e.back % EXTERNAL_OBJECTS.length]
        : known[known.length - 1 - (e.back % known.length)];
      const { delta, result } = buildDelta(base.data, e.spec);
      payload = delta;
      if (e.kind === 'ofs' && !useExternal) {
        head = Buffer.concat([entryHeader(6, Math.max(0, delta.length + e.sizeSkew)), ofsDistance(offset - base.offset)]);
      } else {
        const baseId = base.oid ?? objectId(base.type, base.data);
        head = Buffer.concat([entryHeader(7, Math.max(0, delta.length + e.sizeSkew)), baseId]);
      }
      me = { offset, type: base.type, data: result };
    }
    let compressed = zlib.deflateSync(payload, { level: spec.level });
    if (spec.zlibJunk >= 0) compressed = compressed.subarray(0, Math.max(0, compressed.length - spec.zlibJunk));
    parts.push(head, compressed);
    offset += head.length + compressed.length;
    known.push(me);
  }
  const header = Buffer.alloc(12);
  header.write('PACK', 0, 'latin1');
  header.writeUInt32BE(spec.version >>> 0, 4);
  header.writeUInt32BE(Math.max(0, spec.entries.length + spec.countSkew) >>> 0, 8);
  const body = Buffer.concat([header, ...parts]);
  return withTrailer(body, spec.trailer);
}

function withTrailer(body, how) {
  const digest = createHash('sha1').update(body).digest();
  switch (how) {
    case 'good':
      return Buffer.concat([body, digest]);
    case 'bad':
      return Buffer.concat([body, Buffer.from(digest).fill(0, 0, 3)]);
    case 'none':
      return body;
    case 'junk-after':
      return Buffer.concat([body, digest, Buffer.from('junk')]);
    case 'doubled':
      return Buffer.concat([body, digest, digest]);
  }
  return body;
}

/** Recomputes the trailer of a mutated pack, so the damage reaches the later passes. */
export function fixTrailer(pack) {
  if (pack.length < 32) return pack;
  const body = pack.subarray(0, pack.length - 20);
  return Buffer.concat([body, createHash('sha1').update(body).digest()]);
}

/** A pack to ingest: structured, a mutated structured or real one (trailer fixed or not). */
export function packCase(seedPacks) {
  const structured = packSpec.map(buildPack);
  const seeds = seedPacks.length ? fc.oneof(structured, fc.constantFrom(...seedPacks)) : structured;
  return fc.oneof(
    { weight: 5, arbitrary: structured },
    { weight: 3, arbitrary: fc.tuple(mutated(seeds), fc.boolean()).map(([pack, fix]) => (fix ? fixTrailer(pack) : pack)) },
    ...(seedPacks.length ? [{ weight: 1, arbitrary: fc.constantFrom(...seedPacks) }] : []),
  );
}
