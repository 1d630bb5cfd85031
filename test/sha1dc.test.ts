import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ObjectError } from '../src/errors.js';
import { OBJECT_ERROR } from '../src/objects/object-errors.js';
import { createObjectHasher, hashObject, objectHeader } from '../src/objects/oid.js';
import { Sha1dc, sha1dc } from '../src/objects/sha1dc.js';
import { indexPack } from '../src/pack/index.js';
import { PROJECT_ROOT, tempDir } from './helpers/git.js';
import { PackBuilder } from './helpers/pack-builder.js';

const SHATTERED_1 = path.join(PROJECT_ROOT, 'test/fixtures/shattered-1.pdf');
/** Both halves of SHAttered share this SHA-1 (git's t0013 expects it in the message). */
const SHATTERED_SHA1 = '38762cf7f55934b34d179ae6a4c80cadccbb7f0a';
/** shattered-2.pdf's published SHA-256 (https://shattered.io/static/shattered-2.pdf). */
const SHATTERED_2_SHA256 = 'd4488775d29bdef7993367d541064dbdda50d383f89f0aa13a6ff2e0894ba5ff';

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

const plain = (data: Uint8Array) => createHash('sha1').update(data).digest('hex');

/** Feeds `data` to a streaming hash in random pieces (empty ones included). */
function streamed(data: Uint8Array, rand: () => number): { hex: string; collision: boolean } {
  const h = new Sha1dc();
  for (let at = 0; at < data.length;) {
    const n = Math.min(data.length - at, Math.floor(rand() * (rand() < 0.5 ? 70 : 5000)));
    h.update(data.subarray(at, at + n));
    at += n;
  }
  const { digest, collision } = h.finish();
  return { hex: digest.toString('hex'), collision };
}

/** A small deterministic generator, so that a failure can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let x = Math.imul(s ^ (s >>> 15), 1 | s);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
}

t.test('the SHAttered PDF, hashed raw, is detected as a collision', async (t) => {
  const pdf = await readFile(SHATTERED_1);
  t.same(sha1dc(pdf), { hex: SHATTERED_SHA1, collision: true }, 'git reports the plain SHA-1 with the detection');
  const rand = prng(1);
  for (let i = 0; i < 20; i++) t.same(streamed(pdf, rand), { hex: SHATTERED_SHA1, collision: true });
  t.equal(plain(pdf), SHATTERED_SHA1);
});

t.test('the other half, derived from the first with the detected DV, is the published shattered-2 and is detected', async (t) => {
  // SHAttered's two near-collision blocks (bytes 192..319) differ by the
  // message difference of DV II(52,0), the 28th in the table: applying it to
  // shattered-1 gives shattered-2, byte for byte.
  const source = await readFile(path.join(PROJECT_ROOT, 'wasm/sha1dc/ubc.ts'), 'utf8');
  const table = source.slice(source.indexOf('DV_DM'), source.indexOf('];', source.indexOf('DV_DM')));
  const dm = [...table.matchAll(/0x[0-9a-f]{8}/g)].map((m) => parseInt(m[0], 16)).slice(27 * 80, 27 * 80 + 16);
  const second = Buffer.from(await readFile(SHATTERED_1));
  for (const block of [192, 256]) {
    for (let j = 0; j < 16; j++) second.writeUInt32BE((second.readUInt32BE(block + 4 * j) ^ dm[j]!) >>> 0, block + 4 * j);
  }
  t.equal(createHash('sha256').update(second).digest('hex'), SHATTERED_2_SHA256);
  t.equal(plain(second), SHATTERED_SHA1, 'a real SHA-1 collision');
  t.same(sha1dc(second), { hex: SHATTERED_SHA1, collision: true });
});

t.test('as git blobs the halves are no collision (the header shifts the blocks)', async (t) => {
  const pdf = await readFile(SHATTERED_1);
  const expected = createHash('sha1').update(objectHeader('blob', pdf.length)).update(pdf).digest('hex');
  t.equal(hashObject('sha1', 'blob', pdf), expected);
});

t.test('every length 0..300 around the block edges, whole and streamed, hashes as plain SHA-1', async (t) => {
  const rand = prng(2);
  let failures = 0;
  for (let len = 0; len <= 300; len++) {
    for (const data of [randomBytes(len), Buffer.alloc(len), Buffer.alloc(len, 0xff)]) {
      const want = plain(data);
      const whole = sha1dc(data);
      const pieces = streamed(data, rand);
      if (whole.hex !== want || whole.collision || pieces.hex !== want || pieces.collision) failures++;
    }
  }
  t.equal(failures, 0);
});

t.test('tens of thousands of random inputs hash as plain SHA-1, with no false collision', async (t) => {
  const rand = prng(3);
  let failures = 0;
  const cases = 20_000;
  for (let i = 0; i < cases; i++) {
    const len = rand() < 0.9 ? Math.floor(rand() * 2048) : Math.floor(rand() * 300_000);
    const data = randomBytes(len);
    const r = i % 2 === 0 ? sha1dc(data) : streamed(data, rand);
    if (r.hex !== plain(data) || r.collision) failures++;
  }
  t.equal(failures, 0, `${cases} cases`);
  // Past the 256 KiB the module takes per call, and a length whose bit count needs more than 32 bits of carry logic.
  const big = randomBytes(5 * 1024 * 1024 + 17);
  t.same(sha1dc(big), { hex: plain(big), collision: false });
});

t.test('interleaved hashes keep their own state', async (t) => {
  const a = randomBytes(10_000);
  const b = randomBytes(7_777);
  const ha = new Sha1dc();
  const hb = new Sha1dc();
  for (let i = 0; i < 10_000; i += 1000) {
    ha.update(a.subarray(i, i + 1000));
    hb.update(b.subarray(i, i + 1000));
  }
  t.equal(ha.finish().digest.toString('hex'), plain(a));
  t.equal(hb.finish().digest.toString('hex'), plain(b));
  t.throws(() => ha.finish(), /finished twice/);
  t.throws(() => ha.update(a), /update after finish/);
});

t.test('in a worker thread, from the built package', async (t) => {
  const entry = path.join(PROJECT_ROOT, 'dist/index.js');
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(workerData.entry).then(({ sha1dc }) => {
       const fs = require('node:fs');
       parentPort.postMessage([sha1dc(fs.readFileSync(workerData.pdf)), sha1dc(Buffer.from('abc'))]);
     });`,
    { eval: true, workerData: { entry, pdf: SHATTERED_1 } },
  );
  const [pdf, abc] = await new Promise<unknown[]>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  await worker.terminate();
  t.same(pdf, { hex: SHATTERED_SHA1, collision: true });
  t.same(abc, { hex: 'a9993e364706816aba3e25717850c26c9cd0d89d', collision: false });
});

t.test("the object hasher: git's error for SHA-1, an opt-out, SHA-256 untouched", async (t) => {
  const pdf = await readFile(SHATTERED_1);
  const error = t.throws(() => createObjectHasher('sha1').update(pdf).digest()) as ObjectError;
  t.equal(error.code, OBJECT_ERROR.sha1Collision);
  t.equal(error.message, `SHA-1 appears to be part of a collision attack: ${SHATTERED_SHA1}`);
  t.equal(createObjectHasher('sha1', { detectCollisions: false }).update(pdf).digest('hex'), SHATTERED_SHA1);
  t.equal(createObjectHasher('sha256').update(pdf).digest('hex'), createHash('sha256').update(pdf).digest('hex'));
  t.equal(createObjectHasher('sha1').update(Buffer.from('abc')).digest('hex'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
});

t.test('the indexer refuses an object its hasher reports as a collision, and leaves nothing', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const b = new PackBuilder('sha1');
  b.header(2);
  b.object('blob', 'innocent\n');
  b.object('blob', 'the colliding one\n');
  const pack = b.digest().build();
  const victim = b.oid('blob', 'the colliding one\n');
  const reporting = () => {
    const h = createHash('sha1');
    const hasher = {
      update(data: Uint8Array) {
        h.update(data);
        return hasher;
      },
      digest(encoding?: 'hex'): any {
        const digest = h.digest();
        if (digest.toString('hex') === victim)
          throw new ObjectError(OBJECT_ERROR.sha1Collision, `SHA-1 appears to be part of a collision attack: ${victim}`);
        return encoding === 'hex' ? digest.toString('hex') : digest;
      },
    };
    return hasher;
  };
  const error = await indexPack({ input: once(pack), packDir: dir, algo: 'sha1', hasher: reporting }).catch((e: unknown) => e);
  t.type(error, ObjectError);
  t.match(error, { code: OBJECT_ERROR.sha1Collision, message: `SHA-1 appears to be part of a collision attack: ${victim}` });
  t.same(await readdir(dir), [], 'no pack, no index, no temporary file');

  // The same pack with the default hasher is stored; so is the PDF as a blob.
  const ok = await indexPack({ input: once(pack), packDir: dir, algo: 'sha1' });
  t.equal(ok.objectCount, 2);
  const withPdf = new PackBuilder('sha1');
  withPdf.header(1);
  withPdf.object('blob', await readFile(SHATTERED_1));
  t.equal((await indexPack({ input: once(withPdf.digest().build()), packDir: dir, algo: 'sha1' })).objectCount, 1);
});
