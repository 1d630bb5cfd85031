#!/usr/bin/env node
// Benchmark: pushgate's indexPack against `git index-pack --stdin`, same pack,
// same run, interleaved, each in its own child process under /usr/bin/time.
//
//   node bench/index-pack.mjs [--runs N] [--threads N] [--module path/to/pack/index.js] <bundle | .pack | bare repo> ...
//
// Uses --module, else dist/pack/index.js when built (`npm run build`), else
// the TypeScript sources through tsx (which adds its start-up to our wall time). Prints wall time, objects/s and peak RSS per run, then
// medians and the ours/git ratio.
import { execFileSync, spawnSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  closeSync,
  rmSync,
  statSync,
  writeFileSync,
  mkdirSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

if (process.argv[2] === '--child') {
  await runChild(process.argv[3], process.argv[4], process.argv[5]);
} else {
  await main();
}

/** In the child: index one pack from a file stream (64 KiB chunks, like stdin) and report. */
async function runChild(modulePath, packPath, packDir) {
  const { indexPack } = await import(pathToFileURL(modulePath).href);
  const started = performance.now();
  const result = await indexPack({ input: createReadStream(packPath), packDir, algo: 'sha1' });
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, objects: result.objectCount, hash: result.packHash }) + '\n');
}

async function main() {
  const args = process.argv.slice(2);
  let runs = 5;
  let threads;
  let modulePath;
  const inputs = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') runs = Number(args[++i]);
    else if (args[i] === '--threads') threads = Number(args[++i]);
    else if (args[i] === '--module') modulePath = path.resolve(args[++i]);
    else inputs.push(args[i]);
  }
  if (inputs.length === 0) {
    inputs.push(path.resolve(root, '../shared/bench/koa.bundle'), path.resolve(root, '../shared/bench/lodash.bundle'));
  }
  const work = mkdtempSync(path.join(os.tmpdir(), 'pushgate-bench-index-pack-'));
  try {
    const built = path.join(root, 'dist/pack/index.js');
    const ours = modulePath
      ? { module: modulePath, node: [] }
      : existsSync(built)
        ? { module: built, node: [] }
        : { module: path.join(root, 'src/pack/index.ts'), node: ['--import', 'tsx'] };
    console.log(
      `ours: ${path.relative(root, ours.module)}${ours.node.length ? ' (via tsx)' : ''}; git: ${execFileSync('git', ['--version']).toString().trim()}; ${os.cpus().length} CPUs`,
    );
    for (const input of inputs) benchOne(input, runs, threads, work, ours);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function benchOne(input, runs, threads, work, ours) {
  const name = path.basename(input).replace(/\.(bundle|pack|git)$/, '');
  const packPath = path.join(work, `${name}.pack`);
  extractPack(input, packPath);
  const size = statSync(packPath).size;
  console.log(`\n== ${name}: ${(size / 1048576).toFixed(1)} MiB pack, ${runs} runs each, interleaved`);
  const rows = { git: [], ours: [] };
  for (let run = 1; run <= runs; run++) {
    for (const who of run % 2 ? ['git', 'ours'] : ['ours', 'git']) {
      const row = who === 'git' ? runGit(packPath, threads, work) : runOurs(packPath, work, ours);
      rows[who].push(row);
      console.log(
        `  run ${run} ${who.padEnd(4)} ${fmtRow(row)}` +
          (row.innerMs ? `  (indexPack ${(row.innerMs / 1000).toFixed(2)} s)` : ''),
      );
    }
  }
  const med = (list, key) => median(list.map((r) => r[key]));
  const summary = (list) => ({
    wall: med(list, 'wall'),
    cpu: med(list, 'cpu'),
    maxRssKb: med(list, 'maxRssKb'),
    objects: list[0].objects,
    best: Math.min(...list.map((r) => r.wall)),
  });
  const git = summary(rows.git);
  const us = summary(rows.ours);
  const peak = Math.max(...rows.ours.map((r) => r.maxRssKb));
  console.log(`  median git  ${fmtRow(git)}  best ${git.best.toFixed(2)} s`);
  console.log(
    `  median ours ${fmtRow(us)}  best ${us.best.toFixed(2)} s  peak ${(peak / 1024).toFixed(0)} MiB  indexPack alone ${(med(rows.ours, 'innerMs') / 1000).toFixed(2)} s`,
  );
  console.log(
    `  ratio ours/git: wall ${(us.wall / git.wall).toFixed(2)}x (best ${(us.best / git.best).toFixed(2)}x), CPU ${(us.cpu / git.cpu).toFixed(2)}x, RSS ${(us.maxRssKb / git.maxRssKb).toFixed(2)}x`,
  );
}

function fmtRow(row) {
  const rate = Math.round(row.objects / row.wall).toString();
  return `${row.wall.toFixed(2)} s wall  ${row.cpu.toFixed(2)} s CPU  ${rate.padStart(7)} obj/s  ${(row.maxRssKb / 1024).toFixed(0).padStart(4)} MiB`;
}

function extractPack(input, packPath) {
  if (statSync(input).isDirectory()) {
    const pack = execFileSync('git', ['-C', input, 'pack-objects', '--all', '--revs', '--stdout', '-q', '--delta-base-offset'], {
      input: '',
      maxBuffer: 1 << 31,
    });
    writeFileSync(packPath, pack);
    return;
  }
  const fd = openSync(input, 'r');
  const head = Buffer.alloc(1 << 20);
  const got = readSync(fd, head, 0, head.length, 0);
  closeSync(fd);
  let start = 0;
  if (!head.subarray(0, 4).equals(Buffer.from('PACK'))) {
    const blank = head.subarray(0, got).indexOf('\n\n');
    if (blank < 0 || head.toString('latin1', blank + 2, blank + 6) !== 'PACK')
      throw new Error(`${input}: neither a pack nor a bundle with its header in the first MiB`);
    start = blank + 2;
  }
  execFileSync('sh', ['-c', 'tail -c +"$1" "$2" > "$3"', 'sh', String(start + 1), input, packPath]);
}

function timed(command, args, options) {
  const out = spawnSync('/usr/bin/time', ['-f', '%e %M %U %S', command, ...args], { ...options, maxBuffer: 1 << 26 });
  if (out.status !== 0) throw new Error(`${command} failed: ${out.stderr}`);
  const lines = out.stderr.toString().trim().split('\n');
  const [wall, maxRssKb, user, sys] = lines[lines.length - 1].split(' ').map(Number);
  return { wall, maxRssKb, cpu: user + sys, stdout: out.stdout.toString() };
}

function runGit(packPath, threads, work) {
  const repo = path.join(work, 'git-target.git');
  rmSync(repo, { recursive: true, force: true });
  execFileSync('git', ['init', '-q', '--bare', repo]);
  const fd = openSync(packPath, 'r');
  try {
    const args = ['-C', repo, 'index-pack', '--stdin', ...(threads ? [`--threads=${threads}`] : [])];
    const { wall, maxRssKb, cpu } = timed('git', args, { stdio: [fd, 'pipe', 'pipe'] });
    const objects = Number(
      execFileSync('git', ['-C', repo, 'count-objects', '-v'])
        .toString()
        .match(/in-pack: (\d+)/)[1],
    );
    return { wall, maxRssKb, cpu, objects };
  } finally {
    closeSync(fd);
    rmSync(repo, { recursive: true, force: true });
  }
}

function runOurs(packPath, work, ours) {
  const packDir = path.join(work, 'ours-target');
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir);
  try {
    const self = fileURLToPath(import.meta.url);
    const { wall, maxRssKb, cpu, stdout } = timed(
      process.execPath,
      [...ours.node, self, '--child', ours.module, packPath, packDir],
      {
        cwd: root,
      },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop());
    return { wall, maxRssKb, cpu, objects: report.objects, innerMs: report.ms };
  } finally {
    rmSync(packDir, { recursive: true, force: true });
  }
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
