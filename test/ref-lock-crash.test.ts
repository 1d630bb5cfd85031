/**
 * A kill at any instant of a push leaves nothing that blocks the next push.
 *
 * This file kills the stdio drop-in (`git push --receive-pack=…`) in
 * many rounds: at the crash points of the lock and transaction code
 * (src/repo/refs/crash-points.ts), on the first owner record of a lock
 * (fs.watch on pushgate-locks/), and at random times; sometimes the recovery
 * that follows is killed as well. After each round: every ref is at its old
 * or its new value (all old or all new for --atomic), the next push of every
 * ref succeeds, nothing is left (locks, owner links, journals) and `git fsck`
 * is clean.
 *
 *   PUSHGATE_CRASH_ROUNDS=300 npx tap test/ref-lock-crash.test.ts   (default 8; PUSHGATE_CRASH_SEED to replay)
 *
 * The other side of the promise (a live owner's lock is never taken over) is
 * in ref-lock-owners.test.ts.
 */
import t from 'tap';
import { openRepository } from '../src/repo/repository.js';
import { Fixture, leftovers } from './helpers/crash-fixture.js';
import { git, gitOk, PUSHGATE_BIN, refsOf, run, tempDir } from './helpers/git.js';

const ROUNDS = Number(process.env.PUSHGATE_CRASH_ROUNDS ?? 8);
const SEED = Number(process.env.PUSHGATE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
const ZERO = '0'.repeat(40);

/** mulberry32: a small seeded generator, so that a failing run can be replayed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 2 ** 32;
  };
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    chance: (p: number) => next() < p,
    sample: <T>(items: readonly T[], n: number): T[] => {
      const copy = [...items];
      for (let i = copy.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [copy[i], copy[j]] = [copy[j]!, copy[i]!];
      }
      return copy.slice(0, n);
    },
  };
}

const NAMES = [
  'refs/heads/main',
  ...Array.from({ length: 30 }, (_, i) => `refs/heads/b${String(i).padStart(2, '0')}`),
  ...Array.from({ length: 5 }, (_, i) => `refs/heads/deep/dir/d${i}`),
  ...Array.from({ length: 4 }, (_, i) => `refs/tags/v${i}`),
];
interface Scenario {
  kind: 'small' | 'many' | 'big' | 'force' | 'delete';
  atomic: boolean;
  /** name -> new oid (ZERO = delete) */
  updates: Map<string, string>;
}

async function makeScenario(f: Fixture, r: ReturnType<typeof rng>, current: Record<string, string>): Promise<Scenario> {
  const kind = r.pick(['small', 'many', 'many', 'big', 'force', 'delete'] as const);
  const atomic = r.chance(0.5);
  const updates = new Map<string, string>();
  if (kind === 'small' || kind === 'big') {
    const name = r.pick(NAMES);
    updates.set(name, await f.commit(current[name], kind === 'big' ? 2 << 20 : 0));
  } else if (kind === 'many') {
    const tips = [await f.commit(current['refs/heads/main']), await f.commit(undefined)];
    for (const name of r.sample(NAMES, r.int(20, NAMES.length))) updates.set(name, r.pick(tips));
  } else if (kind === 'force') {
    const tip = await f.commit(undefined); // unrelated history: not a fast-forward of anything
    for (const name of r.sample(NAMES, r.int(1, 5))) updates.set(name, tip);
  } else {
    const present = NAMES.filter((name) => current[name] && name !== 'refs/heads/main');
    for (const name of r.sample(present, r.int(1, 8))) updates.set(name, ZERO);
    const tip = await f.commit(current['refs/heads/main']);
    for (const name of r.sample(
      NAMES.filter((n) => !updates.has(n)),
      r.int(0, 2),
    ))
      updates.set(name, tip);
  }
  return { kind, atomic, updates };
}

function refspecs(updates: Map<string, string>): string[] {
  return [...updates].map(([name, oid]) => (oid === ZERO ? `:${name}` : `+${oid}:${name}`));
}

const PUSH_POINTS = [
  'lock-owner-created',
  'lock-linked',
  'lock-written',
  'lock-renamed',
  'lock-unlinked',
  'after-prepare',
  'after-locks',
  'after-commit',
  'after-first-apply',
];
const RECOVERY_POINTS = ['lock-taken-over', 'lock-unlinked', 'lock-renamed', 'lock-written'];

t.test('kill -9 during pushes over stdio never blocks the next push', async (t) => {
  const { dir, cleanup } = await tempDir('pushgate-crash-');
  t.teardown(cleanup);
  const f = await Fixture.create(dir);
  const r = rng(SEED);
  t.comment(`seed ${SEED}, ${ROUNDS} rounds (PUSHGATE_CRASH_SEED=${SEED} to replay)`);

  const first = await f.commit(undefined);
  const initial = await f.push(NAMES.map((name) => `+${first}:${name}`));
  t.equal(initial.code, 0, initial.stderr);

  const stats = { killed: 0, completed: 0, leftLocks: 0, recoveryKilled: 0, packed: 0, atomic: 0 };
  const modes: Record<string, number> = {};
  const started = Date.now();
  for (let round = 1; round <= ROUNDS; round++) {
    if (r.chance(0.3)) {
      await gitOk(['--git-dir', f.gitDir, 'pack-refs', '--all']);
      stats.packed++;
    }
    const before = await refsOf(f.gitDir);
    const scenario = await makeScenario(f, r, before);
    if (scenario.atomic) stats.atomic++;
    const mode = r.pick(['point', 'point', 'watch', 'time'] as const);
    const options: Parameters<Fixture['push']>[1] = { atomic: scenario.atomic };
    let label: string = mode;
    if (mode === 'point') {
      const point = r.pick(PUSH_POINTS);
      const at = point.startsWith('after-') ? '' : `:${r.int(1, Math.min(scenario.updates.size + 1, 12))}`;
      options.env = { PUSHGATE_TEST_REF_CRASH: `${point}${at}` };
      label = `${point}${at}`;
    } else if (mode === 'watch') {
      options.killOnLock = r.int(0, 4);
    } else {
      options.killAfterMs = r.int(50, 900);
    }
    modes[mode] = (modes[mode] ?? 0) + 1;
    const where = `round ${round} (${scenario.kind}${scenario.atomic ? ', atomic' : ''}, ${scenario.updates.size} refs, kill ${label})`;

    const pushed = await f.push(refspecs(scenario.updates), options);
    const died = pushed.killed || /hung up|disconnect/.test(pushed.stderr);
    if (died) stats.killed++;
    else stats.completed++;
    if (leftovers(f.gitDir).length > 0) stats.leftLocks++;

    // Sometimes the recovery that follows dies too.
    if (leftovers(f.gitDir).length > 0 && r.chance(0.3)) {
      const point = `${r.pick(RECOVERY_POINTS)}:${r.int(1, 3)}`;
      const adv = await run('node', [PUSHGATE_BIN, 'receive-pack', '--advertise-refs', f.gitDir], {
        env: { PUSHGATE_TEST_REF_CRASH: point },
      });
      if (adv.code !== 0) stats.recoveryKilled++;
    }

    // What a reader sees once the repository is next opened by pushgate.
    if (scenario.atomic) {
      if (r.chance(0.5)) {
        const repo = await openRepository(f.gitDir);
        await repo.refs.list();
        await repo.close();
      } else {
        const adv = await run('node', [PUSHGATE_BIN, 'receive-pack', '--advertise-refs', f.gitDir]);
        if (adv.code !== 0) t.fail(`${where}: advertisement failed: ${adv.stderr}`);
      }
    }
    const after = await refsOf(f.gitDir);
    let moved = 0;
    let kept = 0;
    for (const name of NAMES) {
      const target = scenario.updates.get(name);
      const now = after[name] ?? ZERO;
      const old = before[name] ?? ZERO;
      if (target === undefined) {
        if (now !== old) t.fail(`${where}: ${name} moved although not pushed`);
      } else if (now === target && target !== old) moved++;
      else if (now === old && target !== old) kept++;
      else if (target !== old) t.fail(`${where}: ${name} is at ${now}, neither old ${old} nor new ${target}`);
    }
    if (scenario.atomic && moved > 0 && kept > 0) t.fail(`${where}: atomic push half applied (${moved} moved, ${kept} kept)`);
    if (!died && (kept > 0 || pushed.code !== 0)) t.fail(`${where}: push was not killed yet did not apply: ${pushed.stderr}`);

    // The next push of every ref succeeds, and leaves nothing behind.
    const tip = await f.commit(after['refs/heads/main']);
    const next = await f.push(NAMES.map((name) => `+${tip}:${name}`));
    if (next.code !== 0) {
      t.fail(`${where}: next push failed: ${next.stdout}${next.stderr}`);
      break;
    }
    const all = await refsOf(f.gitDir);
    if (!NAMES.every((name) => all[name] === tip)) t.fail(`${where}: next push did not move every ref`);
    const left = leftovers(f.gitDir);
    if (left.length > 0) t.fail(`${where}: left behind after the next push: ${left.join(' ')}`);
    const fsck = await git(['--git-dir', f.gitDir, 'fsck', '--strict', '--no-dangling']);
    if (fsck.code !== 0) t.fail(`${where}: git fsck: ${fsck.stdout}${fsck.stderr}`);
  }
  t.comment(
    `${ROUNDS} rounds in ${((Date.now() - started) / 1000).toFixed(1)} s: drop-in killed in ${stats.killed}, ` +
      `finished before the kill in ${stats.completed}; ${stats.leftLocks} left locks/journals/owner links behind; ` +
      `recovery killed too in ${stats.recoveryKilled}; ${stats.atomic} atomic; packed-refs before ${stats.packed}; ` +
      `kill modes ${JSON.stringify(modes)}`,
  );
  t.pass(`${ROUNDS} rounds, every next push succeeded`);
});
