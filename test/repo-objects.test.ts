/**
 * The object database: loose objects, packs and alternates read like git
 * cat-file, alternates followed recursively and without loops, and the
 * quarantine where incoming objects wait apart until migrated.
 */
import t from 'tap';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hashObject } from '../src/objects/oid.js';
import { checkConnectivity } from '../src/repo/graph.js';
import { git, gitBuffer, gitFixture, gitStatus, open } from './helpers/repo.js';

t.test('object database reads loose objects, packs and alternates like git cat-file', async (t) => {
  for (const algo of ['sha1', 'sha256'] as const) {
    const { bare, work, commits } = gitFixture(t, { algo, commits: 3 });
    const repo = await open(t, bare);
    const all = git(bare, ['rev-list', '--objects', '--all'])
      .split('\n')
      .map((line) => line.split(' ')[0]!);
    const check = async (label: string) => {
      for (const oid of all) {
        const type = git(bare, ['cat-file', '-t', oid]);
        const object = await repo.objects.read(oid);
        t.equal(object?.type, type, `${label} type ${oid}`);
        t.ok(object?.data.equals(gitBuffer(bare, ['cat-file', type, oid])), `${label} content ${oid}`);
        t.same(await repo.objects.info(oid), { type, size: Number(git(bare, ['cat-file', '-s', oid])) });
        t.equal(await repo.objects.has(oid), true);
      }
    };
    await check(`${algo} loose`);
    t.equal(await repo.objects.read('1'.repeat(algo === 'sha1' ? 40 : 64)), null);
    t.equal(await repo.objects.info('1'.repeat(algo === 'sha1' ? 40 : 64)), null);

    // Packed by git while the database is open: found after a miss triggers a rescan.
    git(bare, ['repack', '-a', '-d', '-q']);
    git(bare, ['prune-packed']);
    const fresh = await open(t, bare);
    t.ok(readdirSync(path.join(bare, 'objects', 'pack')).some((n) => n.endsWith('.idx')));
    for (const oid of all)
      t.same((await fresh.objects.read(oid))?.data, gitBuffer(bare, ['cat-file', git(bare, ['cat-file', '-t', oid]), oid]));
    await check(`${algo} packed (rescan)`);

    // Writing: git sees the object and fsck is happy.
    const written = await repo.objects.write({ type: 'blob', data: Buffer.from('written by pushgate\n') });
    t.equal(written, hashObject(algo, 'blob', Buffer.from('written by pushgate\n')));
    t.equal(git(bare, ['cat-file', 'blob', written]), 'written by pushgate');
    t.equal(
      await repo.objects.write({ type: 'blob', data: Buffer.from('written by pushgate\n') }),
      written,
      'rewrite is a no-op',
    );
    t.equal(gitStatus(bare, ['fsck', '--strict']).code, 0);
    t.equal(commits.length, 3);
    t.ok(work);
  }
});

t.test('alternates are followed, recursively and without loops', async (t) => {
  const a = gitFixture(t, { commits: 1 });
  const b = gitFixture(t, { commits: 1 });
  const c = gitFixture(t, { commits: 0 });
  // c → b → a (relative path), and a → c closes a loop.
  writeFileSync(path.join(c.bare, 'objects/info/alternates'), `# comment\n${path.join(b.bare, 'objects')}\n`);
  writeFileSync(
    path.join(b.bare, 'objects/info/alternates'),
    `${path.relative(path.join(b.bare, 'objects'), path.join(a.bare, 'objects'))}\n`,
  );
  writeFileSync(path.join(a.bare, 'objects/info/alternates'), `${path.join(c.bare, 'objects')}\n/nonexistent/objects\n`);
  const repo = await open(t, c.bare);
  t.equal((await repo.objects.read(a.commits[0]!))?.type, 'commit', 'object two alternates away');
  t.equal((await repo.objects.read(b.commits[0]!))?.type, 'commit');
  t.equal(git(c.bare, ['cat-file', '-t', a.commits[0]!]), 'commit', 'git agrees');
});

t.test('quarantine: objects wait apart until migrated', async (t) => {
  const { bare, work, commits } = gitFixture(t, { commits: 2 });
  const repo = await open(t, bare);
  const q = await repo.createQuarantine();
  t.match(path.basename(q.dir), /^tmp_objdir-incoming-\w{6}$/);
  t.equal(path.dirname(q.dir), path.join(bare, 'objects'));
  t.equal(q.packDir, path.join(q.dir, 'pack'));

  const loose = await q.objects.write({ type: 'blob', data: Buffer.from('quarantined\n') });
  t.equal(await q.objects.has(loose), true, 'visible in the quarantine');
  t.equal(await repo.objects.has(loose), false, 'not in the repository');
  t.equal(await q.objects.has(commits[0]!), true, 'repository objects visible through the quarantine');

  // A pack in the quarantine, as index-pack would leave it.
  writeFileSync(path.join(work, 'extra.txt'), 'extra\n');
  git(work, ['add', 'extra.txt']);
  git(work, ['commit', '-q', '-m', 'extra']);
  const tip = git(work, ['rev-parse', 'HEAD']);
  const packList = git(work, ['rev-list', '--objects', tip, `^${commits[1]}`]);
  git(work, ['pack-objects', '-q', path.join(q.packDir, 'pack')], packList + '\n');
  await q.objects.refresh();
  t.equal((await q.objects.read(tip))?.type, 'commit', 'packed object readable in the quarantine');
  t.equal(await repo.objects.has(tip), false);
  const listed = new Set<string>();
  for await (const oid of q.listObjects()) listed.add(oid);
  t.ok(listed.has(loose) && listed.has(tip), 'listObjects covers packs and loose objects');
  t.equal(listed.size, packList.split('\n').length + 1);
  t.equal(await q.isIncoming(tip), true);
  t.equal(await q.isIncoming(commits[0]!), false);

  // Hooks see the quarantine as git sets it up; git itself can read through it.
  const env = q.hookEnvironment(undefined);
  t.same(env, {
    GIT_QUARANTINE_PATH: q.dir,
    GIT_OBJECT_DIRECTORY: q.dir,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(bare, 'objects'),
  });
  t.equal(git(bare, ['cat-file', '-t', tip], undefined, env), 'commit');
  t.equal(git(bare, ['cat-file', '-t', commits[0]!], undefined, env), 'commit');

  const incomplete = await checkConnectivity(q.objects, [tip], [commits[1]!], { isNew: (oid) => q.isIncoming(oid) });
  t.same(incomplete, [], 'pushed history is connected');

  await q.migrate();
  t.notOk(existsSync(q.dir), 'quarantine removed');
  await repo.objects.refresh();
  t.equal((await repo.objects.read(tip))?.type, 'commit', 'migrated pack readable');
  t.equal(await repo.objects.has(loose), true, 'migrated loose object readable');
  t.equal(git(bare, ['cat-file', '-t', tip]), 'commit', 'git reads migrated objects');
  await q.discard();

  const q2 = await repo.createQuarantine();
  await q2.objects.write({ type: 'blob', data: Buffer.from('discarded\n') });
  await q2.discard();
  await q2.discard();
  t.notOk(existsSync(q2.dir), 'discard removes the quarantine');
  t.same(
    readdirSync(path.join(bare, 'objects')).filter((n) => n.startsWith('tmp_')),
    [],
  );
});
