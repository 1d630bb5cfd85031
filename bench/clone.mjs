#!/usr/bin/env node
// Full clone of a corpus (a git bundle or bare repository, mirrored into a
// bare repository first) served by stock `git upload-pack` and by pushgate's
// drop-in, interleaved in the same run. Prints wall time of the clone, bytes
// sent (the pack the client received), peak RSS of the serving side, and the
// ratios. Then the same for a fetch of the last --behind commits of HEAD into
// a repository that has the rest (a thin pack; bytes counted on the wire).
//
//   node bench/clone.mjs [--runs 3] [--behind 100] [corpus ...]     (default: ../shared/bench/*.bundle)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let runs = 3;
let behind = 100;
const corpora = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else if (args[i] === '--behind') behind = Number(args[++i]);
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

/** A repository `behind` commits behind the source's HEAD fetches the rest; bytes are counted on the wire. */
const tee = path.join(work, 'tee.sh');
writeFileSync(tee, '#!/bin/sh\nout=$1; shift\n"$@" | tee "$out"\n', { mode: 0o755 });
function fetchOnce(source, label) {
  const target = path.join(work, `${label}-fetch-${Date.now()}.git`);
  execFileSync('git', ['init', '-q', '--bare', target], { env });
  const old = execFileSync('git', ['-C', source, 'rev-parse', `HEAD~${behind}`], { env, encoding: 'utf8' }).trim();
  execFileSync('git', ['-C', target, 'fetch', '-q', source, `${old}:refs/heads/main`], { env });
  const wire = path.join(work, `${label}.wire`);
  const rssFile = path.join(work, `${label}.rss`);
  const started = process.hrtime.bigint();
  const r = spawnSync(
    'git',
    ['-C', target, 'fetch', '-q', `--upload-pack=${tee} ${wire} /usr/bin/time -f %M -o ${rssFile} ${servers[label]}`, source, 'HEAD:refs/heads/main'],
    { env, encoding: 'utf8' },
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (r.status !== 0) throw new Error(`${label} fetch failed: ${r.stderr}`);
  const bytes = statSync(wire).size;
  const rssKb = Number(readFileSync(rssFile, 'utf8').trim().split('\n').pop());
  rmSync(target, { recursive: true, force: true });
  return { seconds, bytes, rssMb: rssKb / 1024 };
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
    const fetches = { git: [], pushgate: [] };
    const depth = Number(execFileSync('git', ['-C', source, 'rev-list', '--count', 'HEAD'], { env, encoding: 'utf8' }));
    for (let i = 0; i < runs; i++) {
      for (const label of i % 2 === 0 ? ['git', 'pushgate'] : ['pushgate', 'git']) {
        const result = cloneOnce(source, label);
        if (result.refs !== sourceRefs) throw new Error(`${label}: the clone's refs differ from the source's`);
        results[label].push(result);
        if (depth > behind) fetches[label].push(fetchOnce(source, label));
      }
    }
    const row = (label, set) => {
      const s = median(set[label].map((r) => r.seconds));
      const bytes = median(set[label].map((r) => r.bytes));
      const rss = Math.max(...set[label].map((r) => r.rssMb));
      return {
        s,
        bytes,
        rss,
        line: `${label.padEnd(9)} ${s.toFixed(2).padStart(7)} s  ${(bytes / 1024 / 1024).toFixed(2).padStart(8)} MiB sent  peak ${rss.toFixed(0).padStart(5)} MB`,
      };
    };
    const g = row('git', results);
    const p = row('pushgate', results);
    console.log(`\n${name}: ${objects} objects, ${runs} clones each (median wall time of the clone, max peak RSS of the serving side)`);
    console.log(g.line);
    console.log(p.line);
    console.log(
      `ratio     ${(p.s / g.s).toFixed(2)}x wall time, ${(p.bytes / g.bytes).toFixed(3)}x bytes, ${(p.rss / g.rss).toFixed(2)}x peak memory (pushgate / git)`,
    );
    if (fetches.git.length > 0) {
      const fg = row('git', fetches);
      const fp = row('pushgate', fetches);
      console.log(`${name}: fetch of the last ${behind} commits of HEAD (bytes on the wire, advertisement included)`);
      console.log(fg.line);
      console.log(fp.line);
      console.log(`ratio     ${(fp.s / fg.s).toFixed(2)}x wall time, ${(fp.bytes / fg.bytes).toFixed(3)}x bytes, ${(fp.rss / fg.rss).toFixed(2)}x peak memory`);
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
