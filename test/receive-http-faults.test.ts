/**
 * What goes wrong on a push over smart HTTP and leaves nothing behind:
 * corrupt and incomplete packs, receive.maxInputSize and
 * pushgate.maxObjectSize, a ref locked by another writer, random bytes, and
 * an audit log that cannot record the push.
 */
import t from 'tap';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initRepository } from '../src/repo/init-repository.js';
import { gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { ZERO, quarantineLeftovers, setup } from './helpers/receive-http.js';
import { startTestServer } from './helpers/server.js';
import { demuxSideband, packOf, postReceivePack, reportLines, updateRequestBody } from './helpers/wire.js';

t.test('corrupt and incomplete packs: unpack errors, nothing kept, server goes on', async (t) => {
  const { gitDir, work, url } = await setup(t);
  const c1 = await work.commit('base');
  await work.gitOk(['push', 'origin', 'main']);
  const c2 = await work.commit('next');
  const good = await packOf(work.dir, ['main', `^${c1}`]);
  const command = [{ oldOid: c1, newOid: c2, ref: 'refs/heads/main' }];

  const cases: [string, Buffer, RegExp][] = [
    ['truncated', good.subarray(0, good.length - 30), /unpack (unpack-objects|index-pack) abnormal exit/],
    [
      'bad trailer',
      Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([good[good.length - 1] ^ 0xff])]),
      /abnormal exit/,
    ],
    ['trailing garbage', Buffer.concat([good, Buffer.from('garbage')]), /abnormal exit/],
    [
      'bad signature',
      Buffer.concat([Buffer.from('JUNK'), good.subarray(4)]),
      /unpack protocol error \(pack signature mismatch detected\)/,
    ],
    [
      'bad version',
      Buffer.concat([good.subarray(0, 7), Buffer.from([9]), good.subarray(8)]),
      /unpack protocol error \(pack version unsupported\)/,
    ],
    ['short header', good.subarray(0, 8), /unpack eof before pack header was fully read/],
  ];
  for (const [what, pack, expected] of cases) {
    const res = await postReceivePack(url, updateRequestBody(command, pack));
    t.equal(res.status, 200, what);
    const { report } = demuxSideband(res.body);
    const lines = reportLines(report);
    t.match(lines[0], expected, what);
    t.equal(lines[1], 'ng refs/heads/main unpacker error', what);
  }
  // Bad zlib data inside an object.
  const corrupt = Buffer.from(good);
  corrupt[20] ^= 0x55;
  corrupt[21] ^= 0x55;
  const res = await postReceivePack(url, updateRequestBody(command, corrupt));
  t.match(reportLines(demuxSideband(res.body).report)[0], /abnormal exit/);

  // An empty pack for a commit the server does not have.
  const empty = await packOf(work.dir, [], []);
  const missing = await postReceivePack(
    url,
    updateRequestBody([{ oldOid: c1, newOid: 'f'.repeat(40), ref: 'refs/heads/main' }], empty),
  );
  t.same(reportLines(demuxSideband(missing.body).report), ['unpack ok', 'ng refs/heads/main missing necessary objects']);

  t.equal((await refsOf(gitDir))['refs/heads/main'], c1, 'unchanged');
  t.same(await quarantineLeftovers(gitDir), []);
  const after = await work.git(['push', 'origin', 'main']);
  t.equal(after.code, 0, 'the server still serves');
});

t.test('limits: receive.maxInputSize and pushgate.maxObjectSize', async (t) => {
  const { gitDir, work } = await setup(t, { config: { 'receive.maxInputSize': '2000' } });
  const big = randomBytes(50000);
  await work.commit('big', { 'big.bin': big });
  let r = await work.git(['push', '--porcelain', 'origin', 'main']);
  t.match(r.stdout, '(unpacker error)');
  t.match(r.stderr, /pack exceeds maximum allowed size/);
  t.same(await refsOf(gitDir), {});
  await gitOk(['--git-dir', gitDir, 'config', '--unset', 'receive.maxInputSize']);
  await gitOk(['--git-dir', gitDir, 'config', 'pushgate.maxObjectSize', '10000']);
  r = await work.git(['push', '--porcelain', 'origin', 'main']);
  t.match(r.stdout, '(unpacker error)');
  t.same(await quarantineLeftovers(gitDir), []);
});

t.test("a ref locked by another writer: failed to update ref, with git's message", async (t) => {
  const { gitDir, work } = await setup(t);
  const c1 = await work.commit('one');
  await work.gitOk(['push', 'origin', 'main', 'main:refs/heads/other']);
  await work.commit('two');
  await writeFile(path.join(gitDir, 'refs/heads/main.lock'), '');
  const r = await work.git(['push', '--porcelain', 'origin', 'main', 'main:refs/heads/other']);
  t.match(r.stdout, 'refs/heads/main\t[remote rejected] (failed to update ref)');
  t.match(r.stdout, '\trefs/heads/main:refs/heads/other\t');
  t.match(r.stderr, /remote: error: cannot lock ref 'refs\/heads\/main': Unable to create '.*main\.lock': File exists\./);
  const refs = await refsOf(gitDir);
  t.equal(refs['refs/heads/main'], c1, 'locked ref unchanged');
  t.not(refs['refs/heads/other'], c1, 'the other ref moved');
});

t.test('random bytes never crash the server or leave anything behind', async (t) => {
  const { gitDir, work, url } = await setup(t);
  const c1 = await work.commit('one');
  const good = await packOf(work.dir, ['main']);
  let seed = 12345;
  const random = (n: number) => {
    const out = Buffer.alloc(n);
    for (let i = 0; i < n; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      out[i] = seed & 0xff;
    }
    return out;
  };
  for (let i = 0; i < 40; i++) {
    const kind = i % 4;
    const body =
      kind === 0
        ? random(1 + ((i * 37) % 300))
        : kind === 1
          ? Buffer.concat([Buffer.from('00'), random(60)])
          : kind === 2
            ? updateRequestBody(
                [{ oldOid: ZERO, newOid: c1, ref: 'refs/heads/main' }],
                Buffer.concat([good.subarray(0, 12), random(200)]),
              )
            : updateRequestBody(
                [{ oldOid: ZERO, newOid: c1, ref: 'refs/heads/main' }],
                Buffer.concat([good.subarray(0, 40 + i), random(i * 3)]),
              );
    const res = await postReceivePack(url, body);
    t.equal(res.status, 200, `body ${i} answered`);
  }
  t.same(await refsOf(gitDir), {}, 'nothing was accepted');
  t.same(await quarantineLeftovers(gitDir), []);
  const ok = await work.git(['push', 'origin', 'main']);
  t.equal(ok.code, 0, 'and the server still takes a good push');
});

t.test('an audit log that cannot record the push refuses it, and nothing changes', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const gitDir = path.join(dataDir, 'demo.git');
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  const broken = {
    begin: async (): Promise<string> => {
      throw new Error('database is down');
    },
    complete: async () => undefined,
  };
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true, audit: broken });
  const work = await WorkRepo.create(path.join(dir, 'work'));
  await work.commit('one');
  const r = await work.git(['push', '--porcelain', `${server.url}/demo.git`, 'main']);
  t.not(r.code, 0);
  t.match(r.stdout, '[remote rejected] (audit log unavailable)');
  t.match(r.stderr, 'remote: error: the server cannot record pushes right now; nothing was changed');
  t.same(await refsOf(gitDir), {});
  t.same(await quarantineLeftovers(gitDir), []);
});
