#!/usr/bin/env node
// The collision-detecting SHA-1 (src/objects/sha1dc.ts) against Node's plain
// SHA-1 (OpenSSL) and `git hash-object --stdin` (git's own sha1dc) on the same
// bytes, then full pushes of a corpus through pushgate with detection on and
// off (pushgate.sha1CollisionDetection) beside stock git, interleaved.
//
//   node bench/sha1dc.mjs [--mib 256] [--runs 3] [--cases 1000000] [--no-push] [corpus ...]
//   (default corpus: ../shared/bench/lodash.bundle)
//
// Throughput is best-of-runs, in GB/s (1e9 bytes) of wall time and of CPU time
// (the machine is shared: CPU time is the steadier figure). --cases also
// checks that many random inputs hash as Node's SHA-1 does.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let mib = 256;
let runs = 3;
let cases = 0;
let push = true;
const corpora = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--mib') mib = Number(args[++i]);
  else if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--cases') cases = Number(args[++i]);
  else if (args[i] === '--no-push') push = false;
  else corpora.push(path.resolve(args[i]));
}
if (corpora.length === 0 && push) corpora.push(path.resolve(root, '../shared/bench/lodash.bundle'));
if (!existsSync(path.join(root, 'dist/objects/sha1dc.js'))) {
  console.error('build first: npm run build');
  process.exit(1);
}
const { Sha1dc, sha1dc } = await import(path.join(root, 'dist/objects/sha1dc.js'));
const work = mkdtempSync(path.join(os.tmpdir(), 'pushgate-bench-sha1dc-'));
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };

const gb = (bytes, seconds) => (bytes / seconds / 1e9).toFixed(3);

function timeInProcess(fn) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const result = fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(cpu0);
  return { wall, cpu: (c.user + c.system) / 1e6, result };
}

function throughput() {
  const data = randomBytes(mib * 1024 * 1024);
  const file = path.join(work, 'data');
  writeFileSync(file, data);
  const chunk = 1 << 20;
  const expected = createHash('sha1').update(data).digest('hex');
  const contenders = {
    'pushgate sha1dc': () => {
      const h = new Sha1dc();
      for (let at = 0; at < data.length; at += chunk) h.update(data.subarray(at, at + chunk));
      const { digest, collision } = h.finish();
      if (collision) throw new Error('false collision');
      return digest.toString('hex');
    },
    'node sha1': () => {
      const h = createHash('sha1');
      for (let at = 0; at < data.length; at += chunk) h.update(data.subarray(at, at + chunk));
      return h.digest('hex');
    },
  };
  const best = {};
  for (let r = 0; r < runs; r++) {
    for (const [name, fn] of Object.entries(contenders)) {
      const m = timeInProcess(fn);
      if (m.result !== expected) throw new Error(`${name} hashed wrong`);
      const b = (best[name] ??= { wall: Infinity, cpu: Infinity });
      b.wall = Math.min(b.wall, m.wall);
      b.cpu = Math.min(b.cpu, m.cpu);
    }
    // git reads the file itself; /usr/bin/time gives its CPU time. The blob id differs (header), the work is the same.
    const t0 = process.hrtime.bigint();
    const g = spawnSync('/usr/bin/time', ['-f', '%U %S', 'git', 'hash-object', '--no-filters', file], { env, encoding: 'utf8' });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    if (g.status !== 0) throw new Error(g.stderr);
    const [u, s] = g.stderr.trim().split('\n').pop().split(' ').map(Number);
    const b = (best['git hash-object'] ??= { wall: Infinity, cpu: Infinity });
    b.wall = Math.min(b.wall, wall);
    b.cpu = Math.min(b.cpu, u + s);
  }
  console.log(`\nhash throughput, ${mib} MiB of random bytes, best of ${runs} (GB/s = 1e9 bytes/s)`);
  for (const [name, b] of Object.entries(best)) {
    console.log(`  ${name.padEnd(16)} wall ${gb(data.length, b.wall).padStart(6)} GB/s   cpu ${gb(data.length, b.cpu).padStart(6)} GB/s`);
  }
  const ours = best['pushgate sha1dc'];
  const git = best['git hash-object'];
  console.log(`  ours / git: ${(git.cpu / ours.cpu).toFixed(2)}x (cpu), ${(git.wall / ours.wall).toFixed(2)}x (wall)`);
}

function agreement() {
  let mismatches = 0;
  const t0 = Date.now();
  for (let i = 0; i < cases; i++) {
    const len = i % 4 === 0 ? i % 300 : Math.floor(Math.random() * (Math.random() < 0.99 ? 1024 : 65536));
    const data = randomBytes(len);
    const r = sha1dc(data);
    if (r.collision || r.hex !== createHash('sha1').update(data).digest('hex')) mismatches++;
  }
  console.log(`\n${cases} random inputs vs node sha1: ${mismatches} mismatches (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (mismatches) process.exitCode = 1;
}

function pushOnce(source, receivePack, label, config = []) {
  const target = path.join(work, `${label}-${Date.now()}.git`);
  execFileSync('git', ['init', '-q', '--bare', target], { env });
  for (const [k, v] of config) execFileSync('git', ['--git-dir', target, 'config', k, v], { env });
  const rssFile = path.join(work, `${label}.rss`);
  const started = process.hrtime.bigint();
  const r = spawnSync(
    'git',
    ['-C', source, 'push', '-q', '--mirror', `--receive-pack=/usr/bin/time -f %M -o ${rssFile} ${receivePack}`, target],
    { env, encoding: 'utf8' },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${label} push failed: ${r.stderr}`);
  const rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(target, { recursive: true, force: true });
  return { seconds, rssMb: rssKb / 1024 };
}

function pushes() {
  const pushgate = `node ${path.join(root, 'bin/pushgate.js')} receive-pack`;
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  for (const corpus of corpora) {
    const name = path.basename(corpus).replace(/\.(bundle|git)$/, '');
    const source = path.join(work, `${name}-source.git`);
    execFileSync('git', ['clone', '-q', '--mirror', corpus, source], { env });
    const sides = {
      'stock git': () => pushOnce(source, 'git-receive-pack', 'git'),
      'pushgate, detection on': () => pushOnce(source, pushgate, 'on'),
      'pushgate, detection off': () => pushOnce(source, pushgate, 'off', [['pushgate.sha1CollisionDetection', 'false']]),
    };
    const results = {};
    for (let i = 0; i < runs; i++) for (const [label, fn] of Object.entries(sides)) (results[label] ??= []).push(fn());
    console.log(`\npush of ${name}, ${runs} runs each (median wall time, max peak RSS of the receiving side)`);
    const gitS = median(results['stock git'].map((r) => r.seconds));
    for (const [label, rs] of Object.entries(results)) {
      const s = median(rs.map((r) => r.seconds));
      const rss = Math.max(...rs.map((r) => r.rssMb));
      console.log(`  ${label.padEnd(24)} ${s.toFixed(2).padStart(7)} s  ${(s / gitS).toFixed(2)}x git  peak ${rss.toFixed(0).padStart(5)} MB`);
    }
  }
}

try {
  throughput();
  if (cases > 0) agreement();
  if (push) pushes();
} finally {
  rmSync(work, { recursive: true, force: true });
}
