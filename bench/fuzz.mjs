#!/usr/bin/env node
// Fuzz harness: feeds pushgate's parsers (pkt-lines, update requests, push
// options, upload requests v0 and v2, packs, deltas, trees, commits, tags —
// from dist/, so `npm run build` first) with generated and mutated inputs,
// in-process in a worker thread, and checks that each case returns or throws
// a PushgateError: never another exception, never a hang, memory bounded.
//
//   node bench/fuzz.mjs [--cases 1000000] [--seed N] [--timeout-ms 3000]
//                       [--max-rss-mb 1024] [--targets pack,delta] [--case I]
//                       [--jobs 2] [--save DIR] [--tmp DIR]
//
// --case I replays one case (same seed and targets). Prints cases run,
// crashes, hangs and peak RSS; exits 1 on any crash, hang or memory overrun.
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeSeeds } from './fuzz/seeds.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '100000' },
    seed: { type: 'string', default: String(Date.now() % 0x7fffffff) },
    'timeout-ms': { type: 'string', default: '3000' },
    'max-rss-mb': { type: 'string', default: '1024' },
    targets: { type: 'string' },
    case: { type: 'string' },
    save: { type: 'string' },
    tmp: { type: 'string' },
    jobs: { type: 'string', default: '2' },
    quiet: { type: 'boolean', default: false },
  },
});
const seed = Number(values.seed) | 0;
const timeoutMs = Number(values['timeout-ms']);
const maxRss = Number(values['max-rss-mb']) * 1024 * 1024;
const only = values.targets ? values.targets.split(',') : undefined;
const first = values.case !== undefined ? Number(values.case) : 0;
const total = values.case !== undefined ? first + 1 : Number(values.cases);
const dist = pathToFileURL(path.join(here, '..', 'dist') + path.sep).href;

// Packs are written and fsynced by indexPack: on tmpfs that costs nothing.
const tmpRoot = values.tmp ?? (existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir());
const work = mkdtempSync(path.join(tmpRoot, 'pushgate-fuzz-'));
const seeds = writeSeeds(path.join(work, 'seeds'));
const saveDir = values.save ?? path.join(work, 'crashes');
const jobs = values.case !== undefined ? 1 : Math.max(1, Number(values.jobs));

const stats = { crashes: 0, hangs: 0, slow: 0, peakRss: 0, memoryExceeded: false };
const seen = new Map();
const started = Date.now();
let names = [];
let stopping = false;

function log(line) {
  if (!values.quiet) console.log(line);
}

function record(kind, entry) {
  const key = `${kind} ${entry.target} ${String(entry.error).split('\n')[0]}`;
  const count = (seen.get(key) ?? 0) + 1;
  seen.set(key, count);
  mkdirSync(saveDir, { recursive: true });
  writeFileSync(path.join(saveDir, `${kind}-${entry.index}.json`), JSON.stringify({ seed, kind, ...entry }, null, 2));
  if (count === 1)
    console.log(
      `${kind.toUpperCase()} case ${entry.index} (${entry.target}, --seed ${seed} --case ${entry.index}): ${entry.error}`,
    );
}

/**
 * One job runs its share of the cases (a contiguous block, so every target
 * gets its share of every job) in a worker, watching its heartbeat ([case,
 * started at, next case]); after a hang or a crash of the worker itself it
 * goes on in a new worker after that case. A case past the time limit is run
 * again alone in a fresh worker with thrice the time before it counts as a
 * hang: on a loaded machine a starved worker is not a hung parser.
 */
async function runJob(job) {
  const count = total - first;
  const start = first + Math.floor((job * count) / jobs);
  const end = first + Math.floor(((job + 1) * count) / jobs);
  const beat = new Float64Array(new SharedArrayBuffer(3 * 8));
  beat[2] = start;
  beats.set(beat, start);
  let next = start;
  while (next < end && !stopping) {
    const outcome = await runWorker(next, end, beat, false);
    next = outcome.next;
    if (outcome.suspect !== undefined) {
      const again = await runWorker(outcome.suspect, outcome.suspect + 1, beat, true);
      if (again.next > outcome.suspect && again.hung === undefined) {
        stats.slow++;
        console.log(`SLOW case ${outcome.suspect}: over ${timeoutMs} ms once, done in time alone in a fresh worker`);
      }
      next = outcome.suspect + 1;
    }
    beat[2] = next; // a hung case counts as run
  }
}

/** Resolves with where to go on (`next`), and `suspect`: a case over the time limit, to confirm. */
function runWorker(from, end, beat, confirming) {
  return new Promise((resolve) => {
    beat[0] = -1;
    beat[2] = from;
    const worker = new Worker(path.join(here, 'fuzz', 'worker.mjs'), {
      workerData: {
        dist,
        start: from,
        end,
        step: 1,
        seed,
        only,
        heartbeat: beat.buffer,
        seedPackPaths: seeds.packs,
        seedRequestPaths: seeds.requests,
        tmpDir: path.join(work, `packs-${beats.get(beat)}`),
      },
      resourceLimits: { maxOldGenerationSizeMb: 512 },
    });
    let settled = false;
    const finish = (next, extra = {}) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      void worker.terminate().then(() => resolve({ next, ...extra }));
    };
    const current = () => (beat[0] >= 0 ? beat[0] : beat[2]);
    const timer = setInterval(() => {
      if (stopping) return finish(end);
      const limit = confirming ? 3 * timeoutMs : timeoutMs;
      if (beat[0] >= 0 && Date.now() - beat[1] > limit) {
        const index = beat[0];
        if (!confirming) return finish(index, { suspect: index });
        stats.hangs++;
        record('hang', {
          index,
          target: names[index % names.length],
          error: `no result after ${timeoutMs} ms, nor alone after ${limit} ms`,
        });
        finish(index + 1, { hung: index });
      }
    }, 50);
    worker.on('message', (message) => {
      if (message.type === 'ready') names = message.targets;
      else if (message.type === 'crash') {
        stats.crashes++;
        record('crash', message);
      } else if (message.type === 'finished') finish(end);
    });
    worker.on('error', (error) => {
      // Out of its heap, or an exception nothing awaited: the case it was in crashed.
      const index = current();
      stats.crashes++;
      record('crash', { index, target: names[index % names.length], error: String(error?.stack ?? error) });
      finish(index + 1);
    });
    worker.on('exit', () => {
      // Exited by itself mid-case: a promise that never settles left the event loop empty.
      if (settled) return;
      const index = current();
      if (index >= end) return finish(end);
      stats.hangs++;
      record('hang', { index, target: names[index % names.length], error: 'the case never settled (event loop emptied)' });
      finish(index + 1, { hung: index });
    });
  });
}

/** Each job's heartbeat and first case. */
const beats = new Map();
/** Cases finished so far: each job's next case tells how many of its block are done. */
function casesRun() {
  let done = 0;
  for (const [beat, start] of beats) done += beat[2] - start;
  return done;
}
const memory = setInterval(() => {
  const rss = process.memoryUsage.rss();
  stats.peakRss = Math.max(stats.peakRss, rss);
  if (rss > maxRss && !stopping) {
    stats.memoryExceeded = true;
    stopping = true;
    console.log(`MEMORY rss ${(rss / 2 ** 20).toFixed(0)} MiB > ${values['max-rss-mb']} MiB after ${casesRun()} cases`);
  }
}, 50);
const progress = setInterval(() => {
  const done = casesRun();
  log(
    `… ${done} cases, ${((done * 1000) / (Date.now() - started)).toFixed(0)}/s, rss ${(process.memoryUsage.rss() / 2 ** 20).toFixed(0)} MiB`,
  );
}, 10_000);

// Stopped early (Ctrl-C, kill): the figures so far are still printed, and the run counts as failed.
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    interrupted = true;
    stopping = true;
  });
}
await Promise.all(Array.from({ length: jobs }, (_, job) => runJob(job)));
clearInterval(progress);
clearInterval(memory);
for (const start of beats.values()) rmSync(path.join(work, `packs-${start}`), { recursive: true, force: true });
stats.cases = casesRun();

const seconds = (Date.now() - started) / 1000;
const failed = stats.crashes > 0 || stats.hangs > 0 || stats.memoryExceeded || interrupted;
console.log(
  `fuzz: seed ${seed}, targets ${names.join(' ')}\n` +
    `cases run: ${stats.cases}${interrupted ? ` (interrupted: ${total - first} asked)` : ''}\ncrashes: ${stats.crashes}\nhangs: ${stats.hangs}\n` +
    (stats.slow ? `slow, not reproduced alone: ${stats.slow}\n` : '') +
    `peak RSS: ${(stats.peakRss / 2 ** 20).toFixed(0)} MiB (limit ${values['max-rss-mb']} MiB)${stats.memoryExceeded ? ' EXCEEDED' : ''}\n` +
    `time: ${seconds.toFixed(1)} s (${(stats.cases / seconds).toFixed(0)} cases/s)` +
    (failed ? `\nfailing inputs: ${saveDir}` : ''),
);
if (!failed) rmSync(work, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
