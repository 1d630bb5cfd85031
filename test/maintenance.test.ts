import t, { type Test } from 'tap';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { geometricRollup, LAST_RUN_FILE, runMaintenance, settleMaintenance } from '../src/maintenance/index.js';
import { initRepository } from '../src/repo/init-repository.js';
import { git, gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';

/** A data folder with repository `demo.git` served over HTTP, and a work repository pointing at it. */
async function setup(t: Test, config: Record<string, string> = {}) {
  const { dir, cleanup } = await tempDir('pushgate-maint-');
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const gitDir = path.join(dataDir, 'demo.git');
  const repo = await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  await repo.close();
  for (const [key, value] of Object.entries(config)) await gitOk(['--git-dir', gitDir, 'config', key, value]);
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true });
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const url = `${server.url}/demo.git`;
  await work.gitOk(['remote', 'add', 'origin', url]);
  return { dir, gitDir, work, url };
}

async function packNames(gitDir: string): Promise<string[]> {
  return (await readdir(path.join(gitDir, 'objects/pack'))).filter((name) => name.endsWith('.pack')).sort();
}

async function looseCount(gitDir: string): Promise<number> {
  let count = 0;
  for (const shard of await readdir(path.join(gitDir, 'objects'))) {
    if (/^[0-9a-f]{2}$/.test(shard)) count += (await readdir(path.join(gitDir, 'objects', shard))).length;
  }
  return count;
}

/** git fsck --strict, git verify-pack of every pack, and a clone from pushgate that fscks clean. */
async function assertGitAccepts(t: Test, gitDir: string, url: string, dir: string, label: string) {
  const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling']);
  t.equal(fsck.code, 0, `${label}: git fsck --strict: ${fsck.stderr}`);
  for (const name of await packNames(gitDir)) {
    const verify = await git(['verify-pack', path.join(gitDir, 'objects/pack', name.replace(/\.pack$/, '.idx'))]);
    t.equal(verify.code, 0, `${label}: git verify-pack ${name}: ${verify.stderr}`);
  }
  const clone = path.join(dir, `clone-${label.replace(/\W+/g, '-')}`);
  const cloned = await git(['clone', '-q', '--mirror', url, clone]);
  t.equal(cloned.code, 0, `${label}: git clone from pushgate: ${cloned.stderr}`);
  t.equal((await git(['--git-dir', clone, 'fsck', '--strict', '--no-dangling'])).code, 0, `${label}: the clone fscks clean`);
  t.same(await refsOf(clone), await refsOf(gitDir), `${label}: the clone has every ref`);
}

t.test('geometric roll-up chooses as git repack --geometric=2', async (t) => {
  const sizes = (counts: number[]) => geometricRollup(counts.map((objectCount) => ({ objectCount }))).map((p) => p.objectCount);
  t.same(sizes([100, 3]), [], 'a progression stays');
  t.same(sizes([3, 3, 100]), [3, 3], 'the small ones roll up');
  t.same(sizes([3, 3, 3, 3, 3]), [3, 3, 3, 3, 3], 'equal packs all roll up');
  t.same(sizes([1000, 150, 3, 3, 3]), [3, 3, 3], 'a pack at least twice the new one stays');
  t.same(sizes([1000, 10, 3, 3, 3]), [3, 3, 3, 10], 'a pack the new one would outgrow joins it');
  t.same(sizes([]), []);
});

t.test('a repository maintained by pushgate is accepted by git; one git gc-ed is served by pushgate', async (t) => {
  const { dir, gitDir, work, url } = await setup(t, { 'gc.auto': '0' });
  for (let i = 0; i < 6; i++) {
    await work.commit(`c${i}`, { [`f${i}.txt`]: `content ${i}\n`.repeat(50 + i) });
    await work.gitOk(['push', '-q', 'origin', 'main']);
  }
  await work.gitOk(['tag', '-a', 'v1', '-m', 'release']);
  await work.gitOk(['push', '-q', 'origin', 'v1', 'main:refs/heads/topic']);
  await work.commit('kept', { 'kept.txt': 'kept\n' });
  await work.gitOk(['push', '-q', 'origin', 'main']);
  const beforeKeep = await packNames(gitDir);
  const newest = (
    await Promise.all(beforeKeep.map(async (n) => ({ n, m: (await stat(path.join(gitDir, 'objects/pack', n))).mtimeMs })))
  ).sort((a, b) => b.m - a.m)[0]!.n;
  await writeFile(path.join(gitDir, 'objects/pack', newest.replace(/\.pack$/, '.keep')), '');
  // Objects written loose, as git sharing the repository or a hook would.
  await gitOk(['--git-dir', gitDir, 'hash-object', '-w', '--stdin'], { input: 'a loose blob\n' });
  await gitOk(['--git-dir', gitDir, 'hash-object', '-w', '--stdin'], { input: 'another loose blob\n' });
  t.equal(await looseCount(gitDir), 2);
  t.ok(beforeKeep.length >= 8, `${beforeKeep.length} packs before`);

  const geometric = await runMaintenance(gitDir, { mode: 'geometric' });
  t.ok(geometric.repack.packsAfter < beforeKeep.length, `geometric: ${beforeKeep.length} → ${geometric.repack.packsAfter} packs`);
  t.ok((await packNames(gitDir)).includes(newest), 'the .keep pack is untouched');
  t.equal(await looseCount(gitDir), 0, 'loose objects packed');
  t.equal(geometric.refs?.pruned, 3, 'loose refs packed and pruned');
  t.same(await readdir(path.join(gitDir, 'refs/heads')), [], 'no loose branch left');
  t.match(await gitOk(['--git-dir', gitDir, 'cat-file', '-p', 'v1^{commit}']), /tree /, 'the packed tag peels');
  await assertGitAccepts(t, gitDir, url, dir, 'geometric');

  const full = await runMaintenance(gitDir, { mode: 'full' });
  t.equal(full.repack.packsAfter, 2, 'full: one pack, and the .keep pack');
  t.ok((await packNames(gitDir)).includes(newest), 'the .keep pack is still untouched');
  await assertGitAccepts(t, gitDir, url, dir, 'full');
  const gitGc = await git(['--git-dir', gitDir, 'gc', '-q']);
  t.equal(gitGc.code, 0, `git gc accepts the repository: ${gitGc.stderr}`);

  // And the other way round: what git gc made, pushgate serves and takes pushes into.
  await assertGitAccepts(t, gitDir, url, dir, 'after git gc');
  const tip = await work.commit('after gc');
  t.equal((await work.git(['push', '-q', 'origin', 'main'])).code, 0, 'a push after git gc');
  t.equal((await refsOf(gitDir))['refs/heads/main'], tip);
  await runMaintenance(gitDir, { mode: 'full' });
  await assertGitAccepts(t, gitDir, url, dir, 'full after git gc');
});

t.test('pushes and clones in a loop while maintenance repacks: none fails, every acknowledged update is there', async (t) => {
  const { dir, gitDir, work, url } = await setup(t, { 'gc.auto': '0' });
  await work.commit('base', { 'base.txt': 'base\n'.repeat(200) });
  await work.gitOk(['push', '-q', 'origin', 'main']);
  const pushers = 2;
  const rounds = 8;
  const acknowledged = new Map<string, string>();
  const failures: string[] = [];
  let done = false;

  const pusher = async (n: number) => {
    const clone = new WorkRepo(path.join(dir, `pusher-${n}`));
    await gitOk(['clone', '-q', url, clone.dir]);
    for (let i = 0; i < rounds; i++) {
      const oid = await clone.commit(`p${n}-${i}`, { [`p${n}/${i}.txt`]: `pusher ${n} round ${i}\n`.repeat(20) });
      const ref = `refs/heads/p${n}`;
      const r = await clone.git(['push', '-q', 'origin', `HEAD:${ref}`]);
      if (r.code === 0) acknowledged.set(ref, oid);
      else failures.push(`push ${n}/${i}: ${r.stderr}`);
    }
  };
  const cloner = async () => {
    for (let i = 0; !done; i++) {
      const target = path.join(dir, `clone-${i}`);
      const r = await git(['clone', '-q', '--mirror', url, target]);
      if (r.code !== 0) failures.push(`clone ${i}: ${r.stderr}`);
      else if ((await git(['--git-dir', target, 'fsck', '--connectivity-only'])).code !== 0)
        failures.push(`clone ${i} incomplete`);
    }
  };
  let runs = 0;
  const maintainer = async () => {
    while (!done) {
      // Loose refs younger than a second stay loose: pruning one takes its lock, which a push at that instant would meet.
      await runMaintenance(gitDir, { mode: runs % 2 ? 'full' : 'geometric', refsMinAgeMs: 1000 });
      runs++;
    }
  };
  const loops = [cloner(), maintainer()];
  await Promise.all(Array.from({ length: pushers }, (_, n) => pusher(n)));
  done = true;
  await Promise.all(loops);

  t.same(failures, [], 'no push or clone failed');
  t.ok(runs >= 2, `${runs} maintenance runs meanwhile`);
  const refs = await refsOf(gitDir);
  for (const [ref, oid] of acknowledged) t.equal(refs[ref], oid, `${ref} is at its last acknowledged value`);
  t.equal(acknowledged.size, pushers);
  const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling']);
  t.equal(fsck.code, 0, `git fsck --strict: ${fsck.stderr}`);
});

t.test('after pushes, maintenance starts when gc.autoPackLimit is passed, and not with receive.autogc off', async (t) => {
  const { gitDir, work } = await setup(t, { 'gc.autoPackLimit': '3', 'pushgate.geometricRepack': 'false' });
  const counts: number[] = [];
  for (let i = 0; i < 6; i++) {
    await work.commit(`c${i}`);
    await work.gitOk(['push', '-q', 'origin', 'main']);
    await settleMaintenance();
    counts.push((await packNames(gitDir)).length);
  }
  t.ok(Math.max(...counts) <= 4, `never more than gc.autoPackLimit + 1 packs: ${counts.join(', ')}`);
  t.ok(
    counts.some((count, i) => i > 0 && count < counts[i - 1]!),
    'a run consolidated packs',
  );
  t.ok(await stat(path.join(gitDir, LAST_RUN_FILE)), 'the run is recorded');
  t.equal((await git(['--git-dir', gitDir, 'fsck', '--strict'])).code, 0);

  const off = await setup(t, { 'gc.autoPackLimit': '1', 'receive.autogc': 'false' });
  for (let i = 0; i < 3; i++) {
    await off.work.commit(`c${i}`);
    await off.work.gitOk(['push', '-q', 'origin', 'main']);
    await settleMaintenance();
  }
  t.equal((await packNames(off.gitDir)).length, 3, 'receive.autogc = false: no run');
  const zero = await setup(t, { 'gc.autoPackLimit': '1', 'gc.auto': '0' });
  const geometric = await setup(t, {});
  const seen: number[] = [];
  for (let i = 0; i < 14; i++) {
    await geometric.work.commit(`g${i}`);
    await geometric.work.gitOk(['push', '-q', 'origin', 'main']);
    await settleMaintenance();
    seen.push((await packNames(geometric.gitDir)).length);
  }
  t.ok(Math.max(...seen) <= 9, `by default the packs stay a geometric progression past 8: ${seen.join(', ')}`);
  t.ok(seen[seen.length - 1]! < 14, 'and runs merged some');
  for (let i = 0; i < 3; i++) {
    await zero.work.commit(`c${i}`);
    await zero.work.gitOk(['push', '-q', 'origin', 'main']);
    await settleMaintenance();
  }
  t.equal((await packNames(zero.gitDir)).length, 3, 'gc.auto = 0: no run');
});

t.test('the push that triggers maintenance is reported before the run ends', async (t) => {
  const { dir, gitDir, work } = await setup(t);
  // Over gc.auto's 6700 loose objects: koa's history unpacked loose makes a run that takes a while.
  const koa = path.join(dir, 'koa.git');
  await gitOk(['clone', '-q', '--mirror', path.resolve('../shared/bench/koa.bundle'), koa]);
  const [pack] = (await readdir(path.join(koa, 'objects/pack'))).filter((name) => name.endsWith('.pack'));
  const { readFile } = await import('node:fs/promises');
  await gitOk(['--git-dir', gitDir, 'unpack-objects', '-q'], { input: await readFile(path.join(koa, 'objects/pack', pack!)) });
  const loose = await looseCount(gitDir);
  t.ok(loose > 6700, `${loose} loose objects`);

  await work.commit('trigger');
  const started = Date.now();
  const r = await work.git(['push', '-q', 'origin', 'main']);
  const pushMs = Date.now() - started;
  t.equal(r.code, 0, r.stderr);
  const recordedEarly = await stat(path.join(gitDir, LAST_RUN_FILE)).then(
    () => true,
    () => false,
  );
  t.notOk(recordedEarly, `the push (${pushMs} ms) returned before the run finished`);
  await settleMaintenance();
  const record = JSON.parse(await readFile(path.join(gitDir, LAST_RUN_FILE), 'utf8')) as { durationMs: number };
  t.ok(record.durationMs > 0, `the run took ${record.durationMs} ms after the push`);
  t.equal(await looseCount(gitDir), 0, 'every loose object packed');
  t.equal((await git(['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling'])).code, 0);
});

t.test('litter of crashed processes goes after the grace period, fresh temporary files stay', async (t) => {
  const { gitDir } = await setup(t, { 'gc.auto': '0' });
  const { mkdir, utimes } = await import('node:fs/promises');
  const objects = path.join(gitDir, 'objects');
  const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
  const stale = path.join(objects, 'tmp_objdir-incoming-stale');
  await mkdir(path.join(stale, 'pack'), { recursive: true });
  await writeFile(path.join(stale, 'pack/tmp_pack_x'), 'partial');
  for (const p of [path.join(stale, 'pack/tmp_pack_x'), path.join(stale, 'pack'), stale]) await utimes(p, old, old);
  const fresh = path.join(objects, 'tmp_objdir-incoming-fresh');
  await mkdir(fresh);
  const packDir = path.join(objects, 'pack');
  for (const name of ['tmp_pack_old', 'pack-1111111111111111111111111111111111111111.pack']) {
    await writeFile(path.join(packDir, name), 'x');
    await utimes(path.join(packDir, name), old, old);
  }
  await writeFile(path.join(packDir, 'tmp_pack_new'), 'x');
  const report = await runMaintenance(gitDir);
  t.equal(report.litterRemoved, 3);
  const left = [...(await readdir(objects)), ...(await readdir(packDir))];
  t.ok(left.includes('tmp_objdir-incoming-fresh') && left.includes('tmp_pack_new'), 'fresh ones stay');
  t.notOk(left.includes('tmp_objdir-incoming-stale') || left.includes('tmp_pack_old'), 'stale ones went');
});

t.test(
  'kill -9 at any moment of pushgate gc leaves a repository git and pushgate serve, and the next run proceeds',
  async (t) => {
    const { dir, gitDir, work, url } = await setup(t, { 'gc.auto': '0' });
    for (let i = 0; i < 12; i++) {
      await work.commit(`c${i}`, { [`f${i}.txt`]: `content ${i}\n`.repeat(400) });
      await work.gitOk(['push', '-q', 'origin', 'main', `main:refs/heads/b${i}`]);
    }
    const { spawn } = await import('node:child_process');
    const { PUSHGATE_BIN } = await import('./helpers/git.js');
    // Killed as it starts writing the new pack, just after publishing it (removing the old ones), and while packing refs.
    const points = [
      { after: 'repacking', delayMs: 0 },
      { after: 'repacking', delayMs: 15 },
      { after: 'wrote', delayMs: 0 },
      { after: 'packed', delayMs: 0 },
      { after: 'start', delayMs: 250 },
    ];
    for (const [n, point] of points.entries()) {
      await work.commit(`more ${n}`, { [`more${n}.txt`]: `more ${n}\n`.repeat(300) });
      await work.gitOk(['push', '-q', 'origin', 'main', `main:refs/heads/k${n}`]);
      const child = spawn(process.execPath, [PUSHGATE_BIN, 'gc', '--full', gitDir], { stdio: ['ignore', 'ignore', 'pipe'] });
      const label = `killed ${point.delayMs} ms after '${point.after}'`;
      await new Promise<void>((resolve) => {
        const kill = () =>
          setTimeout(() => {
            child.kill('SIGKILL');
            resolve();
          }, point.delayMs);
        if (point.after === 'start') return kill();
        let seen = '';
        child.stderr.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes(point.after)) {
            seen = '';
            child.stderr.removeAllListeners('data');
            kill();
          }
        });
        child.once('close', () => resolve());
      });
      await new Promise((resolve) =>
        child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('close', resolve),
      );
      const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling']);
      t.equal(fsck.code, 0, `${label}: git fsck --strict: ${fsck.stderr}`);
      const clone = path.join(dir, `after-kill-${n}`);
      t.equal((await git(['clone', '-q', '--mirror', url, clone])).code, 0, `${label}: pushgate serves a clone`);
      t.same(await refsOf(clone), await refsOf(gitDir), `${label}: with every ref`);
    }
    const report = await runMaintenance(gitDir, { mode: 'full', litterGraceMs: 0 });
    t.equal(report.repack.packsAfter, 1, 'the next run is not blocked by the dead run’s lock');
    await assertGitAccepts(t, gitDir, url, dir, 'after the kills');
  },
);
