#!/usr/bin/env node
// Cost of the branch-protection check (src/policy) on a real history: the
// last N commits of a corpus are pushed onto a repository that has the rest.
// Their objects are put in a pushgate quarantine (as a push would), and the
// rules that read history (force push, linear history, message pattern,
// forbidden paths, blob size) are checked for the update. The cost should
// follow N (the new commits), not the history below them. For reference the
// same work done by a pre-receive hook with stock git (rev-list + diff-tree
// + cat-file on the quarantine) is timed in the same run, and a walk of the
// whole history shows what a check that walked it would pay.
//
//   node --import tsx bench/policy-check.mjs [--runs 3] [corpus]   (default: ../shared/bench/lodash.bundle)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
let runs = 3;
let corpus = path.resolve(root, '../shared/bench/lodash.bundle');
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--runs') runs = Number(args[++i]);
  else corpus = path.resolve(args[i]);
}

// The TypeScript sources through tsx when it is loaded, else the build.
async function load(module) {
  const candidates = [
    path.join(root, 'src', `${module}.ts`),
    path.join(root, 'dist/src', `${module}.js`),
    path.join(root, 'dist', `${module}.js`),
  ];
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      return await import(pathToFileURL(file).href);
    } catch (err) {
      if (!file.endsWith('.ts')) throw err;
    }
  }
  console.error('run with: node --import tsx bench/policy-check.mjs (or npm run build first)');
  process.exit(1);
}
const { checkUpdates } = await load('policy/check-updates');
const { normalizeRule } = await load('policy/rule-input');
const { HistoryReader } = await load('policy/history-reader');
const { openRepository } = await load('repo/repository');

const env = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', LC_ALL: 'C' };
const git = (gitDir, gitArgs, options = {}) =>
  execFileSync('git', ['--git-dir', gitDir, ...gitArgs], {
    env: { ...env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    input: options.input,
  });

// Every history-reading check on, none refusing, so that the whole check runs.
const rules = [
  normalizeRule({
    pattern: 'refs/heads/**',
    blockForcePush: true,
    commitMessagePattern: '^',
    forbiddenPaths: ['*.never-matches', 'no-such-folder/**'],
    maxBlobSize: '1g',
  }),
];

const work = mkdtempSync(path.join(os.tmpdir(), 'pushgate-policy-bench-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (ns) => Number(ns) / 1e6;

try {
  const full = path.join(work, 'full.git');
  execFileSync('git', ['clone', '-q', '--bare', corpus, full], { env });
  const tip = git(full, ['rev-parse', 'HEAD']).trim();
  const history = Number(git(full, ['rev-list', '--count', tip]).trim());
  const firstParents = git(full, ['rev-list', '--first-parent', tip]).trim().split('\n');
  console.log(
    `corpus ${path.basename(corpus)}: ${history} commits reachable from HEAD (${firstParents.length} on the first-parent line)\n`,
  );

  /**
   * Repository with history up to `base`, and the commits base..top in a
   * quarantine; or, `staged`, already in the repository on refs/scratch/tmp
   * (pushed there first, where no rule applies) with nothing in the quarantine.
   */
  async function measure(label, base, top, { staged = false } = {}) {
    const gitDir = path.join(work, `${label.replace(/\W+/g, '-')}.git`);
    execFileSync('git', ['init', '-q', '--bare', gitDir], { env });
    if (base) git(full, ['push', '-q', gitDir, `${base}:refs/heads/main`]);
    if (staged) git(full, ['push', '-q', gitDir, `${top}:refs/scratch/tmp`]);
    const newCommits = Number(git(full, ['rev-list', '--count', top, ...(base ? [`^${base}`] : [])]).trim());
    const below = base ? Number(git(full, ['rev-list', '--count', base]).trim()) : 0;

    const repo = await openRepository(gitDir);
    const quarantine = await repo.createQuarantine();
    if (!staged) {
      git(full, ['pack-objects', '-q', '--revs', path.join(quarantine.packDir, 'pack')], {
        input: `${top}\n${base ? `^${base}\n` : ''}`,
      });
    }
    await quarantine.objects.refresh();
    const update = { refName: 'refs/heads/main', oldOid: base ?? '0'.repeat(40), newOid: top };
    // The refs before the push: the content rules judge what the update adds to the refs they cover.
    const refs = await repo.refs.list();

    const ours = [];
    let stats;
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      const result = await checkUpdates({
        updates: [update],
        rules,
        objects: quarantine.objects,
        isNew: (oid) => quarantine.isIncoming(oid),
        refs,
      });
      ours.push(ms(process.hrtime.bigint() - started));
      if (result.verdicts[0]) throw new Error(`unexpected refusal: ${result.verdicts[0].reason}`);
      stats = result.stats;
    }
    // The same, with blob sizes handed over as the indexer could record them (collected here, untimed).
    const sizes = new Map();
    const listed = git(full, ['cat-file', '--batch-check=%(objectname) %(objectsize)', '--buffer'], {
      input: git(full, ['rev-list', '--objects', top, ...(base ? [`^${base}`] : [])]).replace(/ .*$/gm, ''),
    });
    for (const line of listed.split('\n').filter(Boolean)) {
      const [oid, size] = line.split(' ');
      sizes.set(oid, Number(size));
    }
    const withSizes = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      await checkUpdates({
        updates: [update],
        rules,
        objects: quarantine.objects,
        isNew: (oid) => quarantine.isIncoming(oid),
        knownSize: (oid) => sizes.get(oid),
        refs,
      });
      withSizes.push(ms(process.hrtime.bigint() - started));
    }

    // The same facts from stock git, as a pre-receive hook would get them.
    const hookEnv = { GIT_OBJECT_DIRECTORY: quarantine.dir, GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(gitDir, 'objects') };
    const stock = [];
    for (let i = 0; i < runs; i++) {
      const started = process.hrtime.bigint();
      const commits = git(gitDir, ['rev-list', top, '--not', '--exclude=refs/scratch/*', '--all'], { env: hookEnv });
      if (base) git(gitDir, ['merge-base', '--is-ancestor', base, top], { env: hookEnv });
      git(gitDir, ['log', '--format=%H %P%n%B', '--no-walk', '--stdin'], { env: hookEnv, input: commits });
      const raw = git(gitDir, ['diff-tree', '--stdin', '-r', '-c', '--root', '--raw', '--no-commit-id'], {
        env: hookEnv,
        input: commits,
      });
      const blobs = [
        ...new Set(
          raw
            .split('\n')
            .filter((l) => l.startsWith(':'))
            .map((l) => l.split(' ').at(-1).split('\t')[0]),
        ),
      ].filter((o) => !/^0+$/.test(o));
      git(gitDir, ['cat-file', '--batch-check=%(objectsize)'], { env: hookEnv, input: blobs.join('\n') + '\n' });
      stock.push(ms(process.hrtime.bigint() - started));
    }

    await quarantine.discard();
    await repo.close();
    rmSync(gitDir, { recursive: true, force: true });
    return {
      label,
      newCommits,
      below,
      cold: ours[0],
      ours: median(ours),
      withSizes: median(withSizes),
      stock: median(stock),
      ...stats,
    };
  }

  const rows = [];
  for (const n of [10, 100, 1000]) rows.push(await measure(`last ${n}`, firstParents[n], tip));
  // Same number of new commits, less history below them.
  const mid = Math.floor(firstParents.length / 2);
  rows.push(await measure('100, half the history', firstParents[mid + 100], firstParents[mid]));
  rows.push(
    await measure('100, near the root', firstParents[firstParents.length - 150], firstParents[firstParents.length - 250]),
  );
  rows.push(await measure('everything (new repo)', undefined, tip));
  // Staged first on a ref no rule covers: nothing arrives, the rules still judge the added commits.
  for (const n of [100, 1000]) rows.push(await measure(`last ${n}, staged`, firstParents[n], tip, { staged: true }));

  // What walking the whole history costs (a check that did not stop at the quarantine).
  const repo = await openRepository(full);
  const reader = new HistoryReader(repo.objects);
  const started = process.hrtime.bigint();
  const stack = [tip];
  const seen = new Set(stack);
  while (stack.length) {
    const commit = await reader.commit(stack.pop());
    for (const parent of commit?.parents ?? []) if (!seen.has(parent)) (seen.add(parent), stack.push(parent));
  }
  const fullWalk = ms(process.hrtime.bigint() - started);
  await repo.close();

  const header = [
    'push',
    'new commits',
    'history below',
    'first run ms',
    'pushgate ms',
    'with sizes ms',
    'git hook ms',
    'ratio',
    'commits read',
    'trees read',
  ];
  const table = rows.map((r) => [
    r.label,
    r.newCommits,
    r.below,
    r.cold.toFixed(1),
    r.ours.toFixed(1),
    r.withSizes.toFixed(1),
    r.stock.toFixed(1),
    `${(r.ours / r.stock).toFixed(1)} / ${(r.withSizes / r.stock).toFixed(1)}`,
    r.commitsRead,
    r.treesRead,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => String(row[i]).length)));
  for (const row of [header, ...table]) console.log(row.map((c, i) => String(c).padStart(widths[i])).join('  '));
  console.log(
    `\nfor comparison: walking all ${seen.size} commits of the history (commits only, no trees): ${fullWalk.toFixed(1)} ms`,
  );
  console.log(`pushgate / with sizes / git hook: median of ${runs} runs (first run: cold object caches)`);
  console.log('with sizes: blob sizes handed over as the indexer could record them (checkUpdates knownSize), not read back');
  console.log(
    'git hook: rev-list --not --all + merge-base + log + diff-tree -c + cat-file on the quarantine; ratio: pushgate / git, with sizes / git',
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
