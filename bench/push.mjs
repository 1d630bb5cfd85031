#!/usr/bin/env node
// Full push of a corpus (a git bundle or bare repository) into an empty
// repository, through stock `git receive-pack` and through pushgate's drop-in,
// interleaved in the same run. Prints wall time, objects/s and peak RSS of the
// receiving side, and the ratios.
//
//   node bench/push.mjs [--runs 3] [corpus ...]     (default: ../shared/bench/{koa,lodash}.bundle)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let runs = 3;
const corpora = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else corpora.push(path.resolve(args[i]));
}
if (corpora.length === 0) {
  for (const name of ['koa', 'lodash']) {
    const file = path.resolve(root, '../shared/bench', `${name}.bundle`);
    if (existsSync(file)) corpora.push(file);
  }
}
if (!existsSync(path.join(root, 'dist/cli/main.js'))) {
  console.error('build first: npm run build');
  process.exit(1);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'pushgate-bench-'));
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
const pushgate = `node ${path.join(root, 'bin/pushgate.js')} receive-pack`;

function pushOnce(source, receivePack, label) {
  const target = path.join(work, `${label}-${Date.now()}.git`);
  execFileSync('git', ['init', '-q', '--bare', target], { env });
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
  const refs = execFileSync('git', ['-C', target, 'for-each-ref', '--format=%(objectname) %(refname)'], { env, encoding: 'utf8' });
  rmSync(target, { recursive: true, force: true });
  return { seconds, rssMb: rssKb / 1024, refs };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  for (const corpus of corpora) {
    const name = path.basename(corpus).replace(/\.(bundle|git)$/, '');
    const source = path.join(work, `${name}-source.git`);
    execFileSync('git', ['clone', '-q', '--mirror', corpus, source], { env });
    const objects = Number(
      execFileSync('git', ['-C', source, 'count-objects', '-v'], { env, encoding: 'utf8' }).match(/in-pack: (\d+)/)[1],
    );
    const sourceRefs = execFileSync('git', ['-C', source, 'for-each-ref', '--format=%(objectname) %(refname)'], { env, encoding: 'utf8' });
    const results = { git: [], pushgate: [] };
    for (let i = 0; i < runs; i++) {
      results.git.push(pushOnce(source, 'git-receive-pack', 'git'));
      const ours = pushOnce(source, pushgate, 'pushgate');
      if (ours.refs !== sourceRefs) throw new Error('pushgate result differs from the source refs');
      results.pushgate.push(ours);
    }
    const row = (label) => {
      const s = median(results[label].map((r) => r.seconds));
      const rss = Math.max(...results[label].map((r) => r.rssMb));
      return { s, rss, line: `${label.padEnd(9)} ${s.toFixed(2).padStart(7)} s  ${Math.round(objects / s).toString().padStart(8)} obj/s  peak ${rss.toFixed(0).padStart(5)} MB` };
    };
    const g = row('git');
    const p = row('pushgate');
    console.log(`\n${name}: ${objects} objects, ${runs} runs each (median wall time, max peak RSS of the receiving side)`);
    console.log(g.line);
    console.log(p.line);
    console.log(`ratio     ${(p.s / g.s).toFixed(2)}x wall time, ${(p.rss / g.rss).toFixed(2)}x peak memory (pushgate / git)`);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
