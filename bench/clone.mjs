#!/usr/bin/env node
// Full clone of a corpus (a git bundle or bare repository, mirrored into a
// bare repository first) served by stock `git upload-pack` and by pushgate's
// drop-in, interleaved in the same run. Prints wall time of the clone, bytes
// sent (the pack the client received), peak RSS of the serving side, and the
// ratios.
//
//   node bench/clone.mjs [--runs 3] [corpus ...]     (default: ../shared/bench/*.bundle)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
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
  const dir = path.resolve(root, '../shared/bench');
  if (existsSync(dir)) for (const name of readdirSync(dir).sort()) if (name.endsWith('.bundle')) corpora.push(path.join(dir, name));
}
if (!existsSync(path.join(root, 'dist/cli/main.js'))) {
  console.error('build first: npm run build');
  process.exit(1);
}

const work = mkdtempSync(path.join(os.tmpdir(), 'pushgate-clone-bench-'));
const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
const servers = {
  git: 'git-upload-pack',
  pushgate: `node ${path.join(root, 'bin/pushgate.js')} upload-pack`,
};

function cloneOnce(source, label) {
  const target = path.join(work, `${label}-${Date.now()}.git`);
  const rssFile = path.join(work, `${label}.rss`);
  const started = process.hrtime.bigint();
  const r = spawnSync(
    'git',
    ['clone', '-q', '--mirror', '--no-local', `--upload-pack=/usr/bin/time -f %M -o ${rssFile} ${servers[label]}`, source, target],
    { env, encoding: 'utf8' },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${label} clone failed: ${r.stderr}`);
  const rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  const packDir = path.join(target, 'objects/pack');
  const bytes = readdirSync(packDir)
    .filter((name) => name.endsWith('.pack'))
    .reduce((sum, name) => sum + statSync(path.join(packDir, name)).size, 0);
  const refs = execFileSync('git', ['-C', target, 'for-each-ref', '--format=%(objectname) %(refname)'], { env, encoding: 'utf8' });
  rmSync(target, { recursive: true, force: true });
  return { seconds, bytes, rssMb: rssKb / 1024, refs };
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
      for (const label of i % 2 === 0 ? ['git', 'pushgate'] : ['pushgate', 'git']) {
        const result = cloneOnce(source, label);
        if (result.refs !== sourceRefs) throw new Error(`${label}: the clone's refs differ from the source's`);
        results[label].push(result);
      }
    }
    const row = (label) => {
      const s = median(results[label].map((r) => r.seconds));
      const bytes = median(results[label].map((r) => r.bytes));
      const rss = Math.max(...results[label].map((r) => r.rssMb));
      return {
        s,
        bytes,
        rss,
        line: `${label.padEnd(9)} ${s.toFixed(2).padStart(7)} s  ${(bytes / 1024 / 1024).toFixed(2).padStart(8)} MiB sent  peak ${rss.toFixed(0).padStart(5)} MB`,
      };
    };
    const g = row('git');
    const p = row('pushgate');
    console.log(`\n${name}: ${objects} objects, ${runs} clones each (median wall time of the clone, max peak RSS of the serving side)`);
    console.log(g.line);
    console.log(p.line);
    console.log(
      `ratio     ${(p.s / g.s).toFixed(2)}x wall time, ${(p.bytes / g.bytes).toFixed(3)}x bytes, ${(p.rss / g.rss).toFixed(2)}x peak memory (pushgate / git)`,
    );
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
