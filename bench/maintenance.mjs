#!/usr/bin/env node
// Repository maintenance as it runs in production: N one-commit pushes over
// HTTP onto a corpus (default ../shared/bench/lodash.bundle), each push
// followed by pushgate's post-push `gc --auto` (geometric repack when more than
// gc.autoPackLimit packs). Prints the p50 push latency of the first and last
// 50 pushes, their ratio, and the pack count (at the end and the most seen).
// Then a full repack of the corpus: `pushgate gc --full` against
// `git repack -adq`, wall time and peak RSS.
//
//   node bench/maintenance.mjs [--pushes 1000] [--pack-limit 50] [--no-repack] [--no-pushes] [corpus]
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let pushes = 1000;
let packLimit;
let doRepack = true;
let doPushes = true;
let corpus = path.resolve(root, '../shared/bench/lodash.bundle');
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--pushes') pushes = Number(args[++i]);
  else if (args[i] === '--pack-limit') packLimit = Number(args[++i]);
  else if (args[i] === '--no-repack') doRepack = false;
  else if (args[i] === '--no-pushes') doPushes = false;
  else corpus = path.resolve(args[i]);
}
if (!existsSync(path.join(root, 'dist/server.js'))) {
  console.error('build first: npm run build');
  process.exit(1);
}
const { createServer } = await import(path.join(root, 'dist/server.js'));
const { settleMaintenance } = await import(path.join(root, 'dist/maintenance/index.js'));
const pino = (await import('pino')).default;

const work = mkdtempSync(path.join(os.tmpdir(), 'pushgate-bench-maint-'));
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
const gitSync = (argv, options = {}) => execFileSync('git', argv, { env, encoding: 'utf8', ...options });
/** git as a child process without blocking this process, whose event loop serves the pushes. */
const gitAsync = (argv) =>
  new Promise((resolve, reject) => {
    const child = spawn('git', argv, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => (status === 0 ? resolve() : reject(new Error(`git ${argv.join(' ')}: ${stderr}`))));
  });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const packsIn = (gitDir) => readdirSync(path.join(gitDir, 'objects/pack')).filter((n) => n.endsWith('.pack')).length;
const name = path.basename(corpus).replace(/\.(bundle|git)$/, '');

async function pushLoop() {
  const dataDir = path.join(work, 'data');
  const gitDir = path.join(dataDir, `${name}.git`);
  gitSync(['clone', '-q', '--mirror', corpus, gitDir]);
  if (packLimit !== undefined) gitSync(['--git-dir', gitDir, 'config', 'gc.autoPackLimit', String(packLimit)]);
  const branch = gitSync(['--git-dir', gitDir, 'symbolic-ref', '--short', 'HEAD']).trim();
  const server = await createServer({
    host: '127.0.0.1',
    httpPort: 0,
    dataDir,
    allowAnonymousPush: true,
    logger: pino({ level: 'silent' }),
  });
  await server.listen();
  try {
    const clone = path.join(work, 'work');
    await gitAsync(['clone', '-q', '--branch', branch, `${server.url}/${name}.git`, clone]);
    const latencies = [];
    let maxPacks = packsIn(gitDir);
    for (let i = 0; i < pushes; i++) {
      writeFileSync(path.join(clone, 'bench-file.txt'), `push ${i}\n`);
      gitSync(['-C', clone, 'add', 'bench-file.txt']);
      gitSync(['-C', clone, '-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-qm', `push ${i}`]);
      const started = process.hrtime.bigint();
      await gitAsync(['-C', clone, 'push', '-q', 'origin', `HEAD:${branch}`]);
      latencies.push(Number(process.hrtime.bigint() - started) / 1e6);
      maxPacks = Math.max(maxPacks, packsIn(gitDir));
    }
    await settleMaintenance();
    const first = median(latencies.slice(0, 50));
    const last = median(latencies.slice(-50));
    const limit = gitSync(['--git-dir', gitDir, 'config', '--default', '50', 'gc.autoPackLimit']).trim();
    console.log(`\n${name}: ${pushes} one-commit pushes over HTTP, maintenance after pushes (gc.autoPackLimit ${limit})`);
    console.log(`p50 first 50  ${first.toFixed(1)} ms`);
    console.log(`p50 last 50   ${last.toFixed(1)} ms   ratio ${(last / first).toFixed(2)}x (goal <= 1.1x)`);
    console.log(`packs at end  ${packsIn(gitDir)}, at most ${maxPacks} after a push (log2(${pushes}) = ${Math.log2(pushes).toFixed(1)})`);
    const fsck = spawnSync('git', ['--git-dir', gitDir, 'fsck', '--connectivity-only'], { env });
    console.log(`git fsck --connectivity-only: ${fsck.status === 0 ? 'ok' : 'FAILED'}`);
  } finally {
    await server.close();
  }
}

function timed(argv) {
  const rss = path.join(work, 'rss');
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', rss, ...argv], { env, encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed: ${r.stderr}`);
  return { seconds, rssMb: Number(readFileSync(rss, 'utf8').trim().split('\n').pop()) / 1024 };
}

function repackComparison() {
  const ours = path.join(work, 'ours.git');
  const theirs = path.join(work, 'theirs.git');
  gitSync(['clone', '-q', '--mirror', corpus, ours]);
  gitSync(['clone', '-q', '--mirror', corpus, theirs]);
  const g = timed(['git', '--git-dir', theirs, 'repack', '-adq']);
  const p = timed(['node', path.join(root, 'bin/pushgate.js'), 'gc', '--full', '--quiet', ours]);
  const verify = spawnSync('git', ['--git-dir', ours, 'fsck', '--connectivity-only'], { env });
  console.log(`\n${name}: full repack (all objects in one pack, deltas reused)`);
  console.log(`git repack -adq     ${g.seconds.toFixed(2)} s  peak ${g.rssMb.toFixed(0)} MB`);
  console.log(`pushgate gc --full  ${p.seconds.toFixed(2)} s  peak ${p.rssMb.toFixed(0)} MB  (fsck ${verify.status === 0 ? 'ok' : 'FAILED'})`);
  console.log(`ratio               ${(p.seconds / g.seconds).toFixed(2)}x wall time (goal <= 1.0x)`);
}

try {
  if (doPushes) await pushLoop();
  if (doRepack) repackComparison();
} finally {
  rmSync(work, { recursive: true, force: true });
}
