/**
 * The packs upload-pack sends: a stored entry with a bad CRC deflated afresh
 * (with git's error line), packs about as small as git's (a thin fetch after
 * a repack, one branch), and the lodash corpus cloned whole.
 */
import t from 'tap';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { git, gitOk, PROJECT_ROOT, PUSHGATE_UPLOAD_PACK, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { assertFsckClean, makeSource, SERVERS, uploadPackCommand, type Server } from './helpers/upload.js';

const LODASH = path.resolve(PROJECT_ROOT, '../shared/bench/lodash.bundle');

t.test("a stored entry whose CRC does not match its index is sent deflated afresh, with git's error line", async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source } = await makeSource(dir);
  const packDir = path.join(source, 'objects', 'pack');
  const idxPath = path.join(
    packDir,
    (await readdir(packDir)).find((n) => n.endsWith('.idx'))!,
  );
  const idx = await readFile(idxPath);
  const count = idx.readUInt32BE(8 + 255 * 4);
  const crcAt = 8 + 1024 + count * 20;
  idx.writeUInt32BE((idx.readUInt32BE(crcAt) ^ 0xffff) >>> 0, crcAt); // the first object's CRC
  await writeFile(idxPath, idx);
  const damaged = idx.toString('hex', 8 + 1024, 8 + 1024 + 20);
  const clone = path.join(dir, 'crc.git');
  const r = await git(['clone', '--mirror', '--no-local', '--progress', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, source, clone]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, `remote: error: bad packed object CRC for ${damaged}`);
  t.same(await refsOf(clone), await refsOf(source));
  t.equal((await git(['--git-dir', clone, 'fsck', '--no-dangling'])).code, 0);
});

t.test('packs about as small as git: thin fetch after a repack, fetch of one branch', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const work = await WorkRepo.create(path.join(dir, 'work'));
  // One file in many versions, of incompressible lines: a version sent whole costs far more than a delta.
  const lines = Array.from({ length: 3000 }, (_, i) => `line ${i} ${createHash('sha1').update(String(i)).digest('hex')}`);
  for (let v = 1; v <= 12; v++) {
    lines[v * 97] = `changed in version ${v}`;
    await work.commit(`version ${v}`, { 'big.txt': lines.join('\n') });
    if (v === 6) await work.gitOk(['branch', 'old']);
  }
  await work.gitOk(['checkout', '-q', '-b', 'side', 'old']);
  await work.commit('side work', { 'big.txt': `${lines.join('\n')}\nside\n` });
  await work.gitOk(['checkout', '-q', 'main']);
  const source = path.join(dir, 'source.git');
  await gitOk(['clone', '-q', '--bare', '--no-local', work.dir, source]);
  // After a repack the newest versions are stored whole and older ones as deltas against them.
  await gitOk(['--git-dir', source, 'repack', '-adfq']);
  const wrapper = path.join(dir, 'tee.sh');
  await writeFile(wrapper, '#!/bin/sh\nout=$1; shift\n"$@" | tee "$out"\n', { mode: 0o755 });

  const sent: Record<string, Record<Server, number>> = {};
  for (const server of SERVERS) {
    const thin = path.join(dir, `thin-${server}.git`);
    await gitOk(['init', '-q', '--bare', thin]);
    await gitOk(['--git-dir', thin, 'fetch', '-q', source, 'refs/heads/old:refs/heads/main']);
    const wire = path.join(dir, `thin-${server}.bin`);
    let r = await git([
      '--git-dir',
      thin,
      'fetch',
      '-q',
      `--upload-pack=${wrapper} ${wire} ${uploadPackCommand(server)}`,
      source,
      'refs/heads/main:refs/heads/main',
    ]);
    t.equal(r.code, 0, r.stderr);
    t.equal((await git(['--git-dir', thin, 'fsck', '--no-dangling'])).code, 0, `${server}: thin fetch fsck`);
    (sent['thin fetch'] ??= {} as Record<Server, number>)[server] = (await readFile(wire)).length;

    const single = path.join(dir, `single-${server}.git`);
    await gitOk(['init', '-q', '--bare', single]);
    const wire2 = path.join(dir, `single-${server}.bin`);
    r = await git([
      '--git-dir',
      single,
      'fetch',
      '-q',
      '--no-tags',
      `--upload-pack=${wrapper} ${wire2} ${uploadPackCommand(server)}`,
      source,
      'refs/heads/side:refs/heads/side',
    ]);
    t.equal(r.code, 0, r.stderr);
    t.equal((await git(['--git-dir', single, 'fsck', '--no-dangling'])).code, 0, `${server}: single-branch fetch fsck`);
    (sent['one branch'] ??= {} as Record<Server, number>)[server] = (await readFile(wire2)).length;
  }
  for (const [label, bytes] of Object.entries(sent)) {
    t.ok(bytes.pushgate <= bytes.git * 1.2, `${label}: ${bytes.pushgate} bytes sent, git ${bytes.git}`);
  }
  // One version of big.txt whole is ~78 KB deflated: the thin fetch needs none, the branch one.
  t.ok(sent['thin fetch']!.pushgate < 20_000, "thin fetch: the new version went as a delta against the client's");
  t.ok(sent['one branch']!.pushgate < 120_000, 'one branch: a version whose stored base stays behind went as a new delta');
});

t.test(
  'the lodash corpus cloned whole through pushgate equals the source',
  { skip: existsSync(LODASH) ? false : 'corpus not found' },
  async (t) => {
    const { dir, cleanup } = await tempDir();
    t.teardown(cleanup);
    const source = path.join(dir, 'lodash.git');
    await gitOk(['clone', '-q', '--mirror', LODASH, source]);
    const clone = path.join(dir, 'clone.git');
    const r = await git(['clone', '-q', '--mirror', '--no-local', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, source, clone]);
    t.equal(r.code, 0, r.stderr);
    t.same(await refsOf(clone), await refsOf(source), 'every ref');
    const count = async (gitDir: string) =>
      (await gitOk(['--git-dir', gitDir, 'count-objects', '-v'])).match(/in-pack: (\d+)/)?.[1];
    t.equal(await count(clone), await count(source), 'same number of objects');
    await assertFsckClean(t, clone, source);
  },
);
