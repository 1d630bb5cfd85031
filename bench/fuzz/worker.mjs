// The fuzz worker: runs cases start, start + step, … below end and reports crashes. Case i is
// target i % T, and its input is the ((i / T) % BATCH)-th value of a fast-check
// sample seeded from (seed, target, batch): any case can be replayed alone.
// Before each case it writes (case, start time) into the shared heartbeat, so
// the supervisor can see a case that never ends (a synchronous loop or a
// promise that never settles) and restart the worker after it.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import fc from 'fast-check';
import { loadTargets } from './targets.mjs';

export const BATCH = 256;

const { dist, start, end, step, seed, only, heartbeat, seedPackPaths, seedRequestPaths, tmpDir } = workerData;
const beat = new Float64Array(heartbeat);
const { PushgateError } = await import(new URL('errors.js', dist).href);
const targets = (
  await loadTargets(dist, {
    seedPacks: seedPackPaths.map((p) => readFileSync(p)),
    seedRequests: seedRequestPaths.map((p) => readFileSync(p)),
    tmpDir,
  })
).filter((t) => (only ? only.includes(t.name) : !t.explicit));

const batches = new Map();
/** The input of case i (deterministic in seed and i). */
function inputOf(i) {
  const t = i % targets.length;
  const k = Math.floor(i / targets.length);
  const b = Math.floor(k / BATCH);
  const key = `${t}:${b}`;
  let values = batches.get(key);
  if (!values) {
    if (batches.size > 64) batches.clear();
    values = fc.sample(targets[t].arbitrary, {
      seed: (seed ^ Math.imul(t + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca6b)) | 0,
      numRuns: BATCH,
    });
    batches.set(key, values);
  }
  return { target: targets[t], input: values[k % BATCH] };
}

function serialize(value) {
  return JSON.stringify(value, (_k, v) => {
    if (v instanceof Uint8Array) return { base64: Buffer.from(v).toString('base64') };
    if (v?.type === 'Buffer' && Array.isArray(v.data)) return { base64: Buffer.from(v.data).toString('base64') };
    return v;
  });
}

parentPort.postMessage({ type: 'ready', targets: targets.map((t) => t.name) });
for (let i = start; i < end; i += step) {
  const { target, input } = inputOf(i);
  beat[1] = Date.now();
  beat[0] = i;
  try {
    await target.run(input);
  } catch (error) {
    if (!(error instanceof PushgateError)) {
      parentPort.postMessage({
        type: 'crash',
        index: i,
        target: target.name,
        error: String(error?.stack ?? error),
        input: serialize(input).slice(0, 200_000),
      });
    }
  }
  beat[2] = i + step;
}
beat[0] = -1;
parentPort.postMessage({ type: 'finished' });
