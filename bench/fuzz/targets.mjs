// The fuzz targets: each pairs an input arbitrary with a run() that feeds
// pushgate's own parsers (dist/, built from src/) in-process. A run may
// return or throw a PushgateError; anything else is a crash (the worker
// decides that, not the targets).
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import {
  chunked,
  chunking,
  commitData,
  pktStream,
  pushOptions,
  tagData,
  treeData,
  updateRequest,
  uploadRequestV0,
  uploadRequestV2,
  mutated,
} from './inputs.mjs';
import { deltaCase, EXTERNAL_OBJECTS, packCase } from './packs.mjs';

export async function loadTargets(dist, { seedPacks, seedRequests, tmpDir }) {
  const imp = (p) => import(new URL(p, dist).href);
  const { ByteReader } = await imp('protocol/byte-reader.js');
  const { PktLineReader } = await imp('protocol/pkt-line-reader.js');
  const { readUpdateRequest, readPushOptions } = await imp('protocol/update-request.js');
  const { LineCounter } = await imp('protocol/line-limits.js');
  const { readUploadRequest, readNegotiationLine } = await imp('protocol/upload-request.js');
  const { readV2Request, capabilityValue } = await imp('protocol/v2-request.js');
  const { parseFetchArguments, parseLsRefsArguments } = await imp('protocol/v2-fetch-request.js');
  const { indexPack, applyDelta, readDeltaSizes } = await imp('pack/index.js');
  const { parseTree } = await imp('objects/tree.js');
  const { parseCommit } = await imp('objects/commit.js');
  const { parseTag } = await imp('objects/tag.js');
  const { fsckObject } = await imp('objects/fsck.js');
  const { FsckSession } = await imp('objects/fsck-session.js');

  /** A pkt-line reader over `bytes`, delivered in the generated chunk sizes. */
  const readerOf = ({ bytes, chunks }, maxBytes) => {
    const parts = chunked(bytes, chunks);
    async function* source() {
      yield* parts;
    }
    return new PktLineReader(new ByteReader(source()), maxBytes);
  };
  const stream = (arb) =>
    fc.record({
      bytes: seedRequests.length
        ? fc.oneof({ weight: 3, arbitrary: arb }, mutated(fc.oneof(arb, fc.constantFrom(...seedRequests))))
        : arb,
      chunks: chunking,
    });

  const V2_CAPABILITIES = [
    { name: 'agent', value: 'git/2.39.5' },
    { name: 'ls-refs', value: 'unborn', command: true },
    { name: 'fetch', value: 'shallow wait-for-done filter', command: true },
    { name: 'server-option' },
    { name: 'object-format', value: 'sha1' },
    { name: 'object-info', command: true },
    { name: 'session-id' },
  ];

  const externals = new Map(EXTERNAL_OBJECTS.map((o) => [o.oid.toString('hex'), o]));
  const baseObjects = {
    algo: 'sha1',
    has: async (oid) => externals.has(oid),
    read: async (oid) => {
      const o = externals.get(oid);
      return o ? { type: o.type, data: o.data } : null;
    },
    info: async (oid) => {
      const o = externals.get(oid);
      return o ? { type: o.type, size: o.data.length } : null;
    },
  };
  let packRun = 0;
  const held = [];

  const objectTarget = (name, arb, parse, type) => ({
    name,
    arbitrary: fc.tuple(arb, fc.constantFrom('sha1', 'sha256'), fc.boolean()),
    async run([data, algo, strict]) {
      try {
        parse(data, algo);
      } finally {
        fsckObject(type, data, algo, { strict });
      }
    },
  });

  return [
    {
      name: 'pkt-line',
      arbitrary: fc.tuple(stream(pktStream), fc.oneof(fc.constant(undefined), fc.nat(200))),
      async run([input, maxBytes]) {
        const reader = readerOf(input, maxBytes);
        for (let i = 0; i < 10_000; i++) if ((await reader.read()) === null) return;
      },
    },
    {
      name: 'update-request',
      arbitrary: fc.tuple(stream(updateRequest), fc.constantFrom('sha1', 'sha256')),
      async run([input, algo]) {
        const reader = readerOf(input);
        const request = await readUpdateRequest(reader, algo);
        if (request?.capabilities.has('push-options')) await readPushOptions(reader, new LineCounter({ pushOption: 5 }));
        else if (request) await readPushOptions(reader);
      },
    },
    {
      name: 'push-options',
      arbitrary: fc.tuple(stream(pushOptions), fc.integer({ min: 0, max: 20 })),
      async run([input, max]) {
        await readPushOptions(readerOf(input), new LineCounter({ pushOption: max }));
      },
    },
    {
      name: 'upload-request-v0',
      arbitrary: fc.tuple(stream(uploadRequestV0), fc.constantFrom('sha1', 'sha256'), fc.boolean()),
      async run([input, algo, allowFilter]) {
        const reader = readerOf(input);
        const request = await readUploadRequest(reader, algo, { allowFilter });
        if (!request) return;
        for (let i = 0; i < 10_000; i++) {
          const line = await readNegotiationLine(reader, algo);
          if (line.kind === 'eof' || line.kind === 'done') return;
        }
      },
    },
    {
      name: 'upload-request-v2',
      arbitrary: stream(uploadRequestV2),
      async run(input) {
        const reader = readerOf(input);
        for (let i = 0; i < 100; i++) {
          const request = await readV2Request(reader, V2_CAPABILITIES);
          if (!request) return;
          const algo = capabilityValue(request.capabilities, 'object-format') === 'sha256' ? 'sha256' : 'sha1';
          if (request.command === 'fetch') await parseFetchArguments(request.args, algo);
          else if (request.command === 'ls-refs') await parseLsRefsArguments(request.args, true);
        }
      },
    },
    {
      name: 'pack',
      arbitrary: fc.record({
        pack: packCase(seedPacks),
        chunks: chunking,
        inputEnds: fc.boolean(),
        thin: fc.boolean(),
        maxObjectSize: fc.oneof(fc.constant(undefined), fc.constantFrom(16, 1024, 1 << 20)),
      }),
      async run({ pack, chunks, inputEnds, thin, maxObjectSize }) {
        const packDir = path.join(tmpDir, `p${packRun++ % 4}`);
        mkdirSync(packDir, { recursive: true });
        const fsck = new FsckSession('sha1', { strict: true });
        const parts = chunked(pack, chunks);
        async function* input() {
          yield* parts;
        }
        try {
          await indexPack({
            input: input(),
            packDir,
            algo: 'sha1',
            baseObjects: thin ? baseObjects : undefined,
            maxObjectSize,
            maxInputSize: 1 << 20,
            inputEnds,
            onObject: (oid, type, data) => {
              fsck.check(oid.toString('hex'), type, data);
            },
          });
          await fsck.finish(baseObjects);
        } finally {
          // indexPack leaves nothing behind on failure; on success the pack is ours to drop.
          for (const f of readdirSync(packDir)) rmSync(path.join(packDir, f), { force: true });
        }
      },
    },
    {
      name: 'delta',
      arbitrary: deltaCase,
      async run({ base, delta }) {
        readDeltaSizes(delta);
        applyDelta(base, delta);
      },
    },
    objectTarget('tree', treeData, parseTree, 'tree'),
    objectTarget('commit', commitData, parseCommit, 'commit'),
    objectTarget('tag', tagData, parseTag, 'tag'),
    // The harness's own checks (test/fuzz.test.ts), run only when named in --targets.
    { name: 'selftest-crash', explicit: true, arbitrary: fc.nat(), run: async (n) => null[n] },
    {
      name: 'selftest-loop',
      explicit: true,
      arbitrary: fc.nat(),
      run: async () => {
        for (;;);
      },
    },
    { name: 'selftest-never', explicit: true, arbitrary: fc.nat(), run: () => new Promise(() => undefined) },
    {
      // Slow the first time only (a marker file says so): what a starved worker looks like.
      name: 'selftest-slow',
      explicit: true,
      arbitrary: fc.nat(),
      run: async () => {
        const marker = path.join(tmpDir, '..', 'slow-once');
        if (existsSync(marker)) return;
        writeFileSync(marker, '');
        for (const until = Date.now() + 1500; Date.now() < until;);
      },
    },
    {
      name: 'selftest-memory',
      explicit: true,
      arbitrary: fc.nat(),
      run: async () => {
        held.push(Buffer.alloc(64 << 20, 1));
      },
    },
  ];
}
