import t, { type Test } from 'tap';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { initRepository } from '../src/repo/init-repository.js';
import { git, gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';
import { demuxSideband, packOf, postReceivePack, reportLines, updateRequestBody } from './helpers/wire.js';

const ZERO = '0'.repeat(40);

/** A data folder with a pushgate-made repository `name` and a work repo with commits. */
async function setup(t: Test, options: { name?: string; config?: Record<string, string>; allowAnonymousPush?: boolean } = {}) {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const name = options.name ?? 'demo.git';
  const gitDir = path.join(dataDir, name);
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  for (const [key, value] of Object.entries(options.config ?? {})) await gitOk(['--git-dir', gitDir, 'config', key, value]);
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: options.allowAnonymousPush ?? true });
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const url = `${server.url}/${name}`;
  await work.gitOk(['remote', 'add', 'origin', url]);
  return { dir, dataDir, gitDir, server, work, url };
}

async function quarantineLeftovers(gitDir: string): Promise<string[]> {
  return (await readdir(path.join(gitDir, 'objects'))).filter((n) => n.startsWith('tmp_objdir') || n.startsWith('incoming'));
}

async function writeHook(gitDir: string, name: string, script: string): Promise<void> {
  const file = path.join(gitDir, 'hooks', name);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
}

t.test('push, update, force, delete over HTTP; git fsck and clone agree', async (t) => {
  const { gitDir, work, dir } = await setup(t);
  const c1 = await work.commit('first');
  const c2 = await work.commit('second');
  let r = await work.git(['push', '--porcelain', 'origin', 'main']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, `*\trefs/heads/main:refs/heads/main\t[new branch]`);
  t.same(await refsOf(gitDir), { 'refs/heads/main': c2 });

  const c3 = await work.commit('third');
  await work.gitOk(['tag', '-a', 'v1', '-m', 'release one']);
  r = await work.git(['push', '--porcelain', 'origin', 'main', 'v1', 'HEAD:refs/heads/topic']);
  t.equal(r.code, 0, r.stderr);
  const refs = await refsOf(gitDir);
  t.equal(refs['refs/heads/main'], c3);
  t.equal(refs['refs/heads/topic'], c3);
  t.equal(refs['refs/tags/v1'], await work.rev('v1'));

  r = await work.git(['push', '--porcelain', '--force', 'origin', `${c1}:refs/heads/main`]);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, `+\t${c1}:refs/heads/main\t`);
  t.equal((await refsOf(gitDir))['refs/heads/main'], c1);

  r = await work.git(['push', '--porcelain', 'origin', ':refs/heads/topic']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, '-\t:refs/heads/topic\t[deleted]');
  t.notOk((await refsOf(gitDir))['refs/heads/topic']);

  const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict', '--no-dangling']);
  t.equal(fsck.code, 0, fsck.stderr);
  const clone = path.join(dir, 'clone');
  await gitOk(['clone', '-q', '--mirror', gitDir, clone]);
  t.same(await refsOf(clone), await refsOf(gitDir));
  t.same(await quarantineLeftovers(gitDir), []);
});

t.test('git rules and reasons: denyNonFastForwards, denyDeletes, denyDeleteCurrent, funny refs, non-commits', async (t) => {
  const { gitDir, work } = await setup(t, { config: { 'receive.denyNonFastForwards': 'true', 'receive.denyDeletes': 'true' } });
  const c1 = await work.commit('one');
  await work.commit('two');
  await work.gitOk(['push', 'origin', 'main', 'main:refs/heads/side', 'main:refs/other/x']);

  let r = await work.git(['push', '--porcelain', '--force', 'origin', `${c1}:refs/heads/main`]);
  t.equal(r.code, 1);
  t.match(r.stdout, `!\t${c1}:refs/heads/main\t[remote rejected] (non-fast-forward)`);
  t.match(r.stderr, 'remote: error: denying non-fast-forward refs/heads/main (you should pull first)');

  r = await work.git(['push', '--porcelain', '--force', 'origin', `${c1}:refs/other/x`]);
  t.equal(r.code, 0, 'denyNonFastForwards is for refs/heads/* only');

  r = await work.git(['push', '--porcelain', 'origin', ':refs/heads/side']);
  t.match(r.stdout, '[remote rejected] (deletion prohibited)');
  t.match(r.stderr, 'denying ref deletion for refs/heads/side');

  await gitOk(['--git-dir', gitDir, 'config', 'receive.denyDeletes', 'false']);
  r = await work.git(['push', '--porcelain', 'origin', ':refs/heads/main']);
  t.match(r.stdout, '[remote rejected] (deletion of the current branch prohibited)');
  t.match(r.stderr, 'remote: error: By default, deleting the current branch is denied, because the next');
  t.match(r.stderr, 'refusing to delete the current branch: refs/heads/main');

  r = await work.git(['push', '--porcelain', 'origin', 'main:refs/funny']);
  t.match(r.stdout, '[remote rejected] (funny refname)');

  const blob = await work.gitOk(['hash-object', '-w', '--stdin'], undefined);
  r = await work.git(['push', '--porcelain', 'origin', `${blob}:refs/heads/blob`]);
  t.match(r.stdout, '[remote rejected] (failed to update ref)');
  t.match(r.stderr, `trying to write non-commit object ${blob} to branch 'refs/heads/blob'`);
  r = await work.git(['push', '--porcelain', 'origin', `${blob}:refs/other/blob`]);
  t.equal(r.code, 0, 'any object elsewhere');
  t.same(await quarantineLeftovers(gitDir), []);
});

t.test('atomic pushes are all-or-nothing; non-atomic ones per ref', async (t) => {
  const { gitDir, work } = await setup(t, { config: { 'receive.denyNonFastForwards': 'true' } });
  const c1 = await work.commit('one');
  const c2 = await work.commit('two');
  await work.gitOk(['push', 'origin', 'main', 'main:refs/heads/b']);
  await writeHook(gitDir, 'update', 'test "$1" = refs/heads/veto && { echo "no veto branch" >&2; exit 1; }; exit 0');

  let r = await work.git(['push', '--porcelain', '--atomic', 'origin', `${c1}:refs/heads/new`, `main:refs/heads/veto`]);
  t.equal(r.code, 1);
  t.match(r.stdout, 'refs/heads/new\t[remote rejected] (atomic push failure)');
  t.match(r.stdout, 'refs/heads/veto\t[remote rejected] (hook declined)');
  t.match(r.stderr, 'remote: no veto branch');
  t.notOk((await refsOf(gitDir))['refs/heads/new'], 'nothing moved');

  r = await work.git(['push', '--porcelain', 'origin', `${c1}:refs/heads/new`, `main:refs/heads/veto`]);
  t.match(r.stdout, `*\t${c1}:refs/heads/new`);
  t.match(r.stdout, 'refs/heads/veto\t[remote rejected] (hook declined)');
  t.equal((await refsOf(gitDir))['refs/heads/new'], c1);
  t.equal((await refsOf(gitDir))['refs/heads/b'], c2);
});

t.test('hooks: git arguments, stdin, environment, quarantine, output as remote: lines', async (t) => {
  const { gitDir, work, dir } = await setup(t, { config: { 'receive.advertisePushOptions': 'true' } });
  const log = path.join(dir, 'hook.log');
  await writeHook(
    gitDir,
    'pre-receive',
    [
      `while read old new ref; do`,
      `  echo "pre $old $new $ref" >> ${log}`,
      `  git log --format=%s "$new" >> ${log}`,
      `done`,
      `echo "dir=$GIT_DIR opts=$GIT_PUSH_OPTION_COUNT o0=$GIT_PUSH_OPTION_0 q=\${GIT_QUARANTINE_PATH:+set}" >> ${log}`,
      `echo "hello from pre-receive"`,
      `test -z "$(git rev-parse -q --verify refs/heads/main)"`,
    ].join('\n'),
  );
  await writeHook(gitDir, 'post-receive', `cat >> ${log}; echo "post opts=$GIT_PUSH_OPTION_COUNT" >> ${log}`);
  await writeHook(gitDir, 'post-update', `echo "post-update $*" >> ${log}; echo "updated $1" >&2`);
  const c1 = await work.commit('hooked commit');
  const r = await work.git(['push', '-o', 'ci.skip', 'origin', 'main']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stderr, 'remote: hello from pre-receive');
  t.match(r.stderr, 'remote: updated refs/heads/main');
  const { readFile } = await import('node:fs/promises');
  const text = await readFile(log, 'utf8');
  t.match(text, `pre ${ZERO} ${c1} refs/heads/main\nhooked commit\n`);
  t.match(text, 'dir=. opts=1 o0=ci.skip q=set');
  t.match(text, `${ZERO} ${c1} refs/heads/main\npost opts=1\npost-update refs/heads/main`);

  // A second push that pre-receive declines leaves nothing behind.
  await work.commit('declined');
  const declined = await work.git(['push', '--porcelain', 'origin', 'main']);
  t.match(declined.stdout, '[remote rejected] (pre-receive hook declined)');
  t.equal((await refsOf(gitDir))['refs/heads/main'], c1);
  t.same(await quarantineLeftovers(gitDir), []);
  const count = await gitOk(['--git-dir', gitDir, 'count-objects', '-v']);
  t.match(count, /packs: 1\n/, 'the declined push left no pack');
});

t.test('a hung hook is ended by pushgate.hookTimeout and declines the push', async (t) => {
  const { gitDir, work } = await setup(t, { config: { 'pushgate.hookTimeout': '1' } });
  await writeHook(gitDir, 'pre-receive', 'sleep 30');
  await work.commit('slow');
  const started = Date.now();
  const r = await work.git(['push', '--porcelain', 'origin', 'main']);
  t.ok(Date.now() - started < 20000, 'did not wait for the hook');
  t.match(r.stdout, '(pre-receive hook declined)');
  t.match(r.stderr, /timed out/);
});

t.test('namespace rules (pushgate.namespaceRules)', async (t) => {
  const { work } = await setup(t, { config: { 'pushgate.namespaceRules': 'true' } });
  const c1 = await work.commit('one');
  await work.commit('two');
  await work.gitOk(['tag', 'v1', c1]);
  await work.gitOk(['push', 'origin', 'main', 'v1']);
  let r = await work.git(['push', '--porcelain', '--force', 'origin', `${c1}:refs/heads/main`]);
  t.match(r.stdout, /\[remote rejected\] \(non-fast-forward \(namespace rule/);
  r = await work.git(['push', '--porcelain', '--force', 'origin', `main:refs/tags/v1`]);
  t.match(r.stdout, /refs\/tags\/v1\t\[remote rejected\] \(.*namespace rule/);
  r = await work.git(['push', '--porcelain', 'origin', ':refs/tags/v1']);
  t.equal(r.code, 0, 'tags may be deleted');
});

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

t.test('smart HTTP details: probe, gzip, content type, unknown repository, services', async (t) => {
  const { work, url, server, gitDir } = await setup(t);
  const c1 = await work.commit('one');
  const pack = await packOf(work.dir, ['main']);

  const probe = await postReceivePack(url, Buffer.from('0000'));
  t.equal(probe.status, 200);
  t.equal(probe.body.length, 0, 'the probe gets an empty answer');

  const zipped = await postReceivePack(
    url,
    gzipSync(updateRequestBody([{ oldOid: ZERO, newOid: c1, ref: 'refs/heads/main' }], pack)),
    { 'content-encoding': 'gzip' },
  );
  t.same(reportLines(demuxSideband(zipped.body).report), ['unpack ok', 'ok refs/heads/main']);
  t.equal(zipped.headers.get('content-type'), 'application/x-git-receive-pack-result');
  t.equal((await refsOf(gitDir))['refs/heads/main'], c1);

  const wrongType = await fetch(`${url}/git-receive-pack`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain' },
    body: 'x',
  });
  t.equal(wrongType.status, 415);
  t.equal(
    await wrongType.text(),
    "Expected POST with Content-Type 'application/x-git-receive-pack-request', but received 'text/plain' instead.\n",
  );

  const info = await fetch(`${url}/info/refs?service=git-receive-pack`);
  t.equal(info.status, 200);
  t.equal(info.headers.get('content-type'), 'application/x-git-receive-pack-advertisement');
  t.equal(info.headers.get('cache-control'), 'no-cache, max-age=0, must-revalidate');
  const text = await info.text();
  t.ok(text.startsWith('001f# service=git-receive-pack\n0000'));
  t.match(
    text,
    `${c1} refs/heads/main\0report-status report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta object-format=sha1 agent=pushgate/`,
  );

  t.equal((await fetch(`${server.url}/nope.git/info/refs?service=git-receive-pack`)).status, 404);
  t.equal((await fetch(`${server.url}/..%2f..%2fetc/info/refs?service=git-receive-pack`)).status, 404);
  t.equal((await fetch(`${url}/info/refs?service=git-frobnicate`)).status, 403);
  t.equal((await fetch(`${url}/info/refs`)).status, 403, 'no dumb HTTP');

  const r = await git(['push', `${server.url}/missing.git`, 'main'], { cwd: work.dir });
  t.not(r.code, 0);
  t.match(r.stderr, /not found|404/);

  // Garbage in the command list gets a clear ERR, and the server goes on.
  const garbage = await postReceivePack(url, Buffer.from('zzzz'));
  t.equal(garbage.status, 200);
  t.match(garbage.body.toString(), /ERR protocol error: bad line length character: zzzz/);
});

t.test('HTTP push is refused without --allow-anonymous-push, with a message git shows', async (t) => {
  const { work, gitDir } = await setup(t, { allowAnonymousPush: false });
  await work.commit('one');
  const r = await work.git(['push', 'origin', 'main']);
  t.not(r.code, 0);
  t.match(r.stderr, 'remote: Pushing to demo.git is disabled');
  t.match(r.stderr, '403');
  t.same(await refsOf(gitDir), {});
});

t.test('sha256 repositories', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const gitDir = path.join(dataDir, 'x256.git');
  await initRepository(gitDir, { algo: 'sha256', defaultBranch: 'main' });
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true });
  const work = await WorkRepo.create(path.join(dir, 'w'), { objectFormat: 'sha256' });
  const c1 = await work.commit('one');
  const c2 = await work.commit('two');
  t.equal(c1.length, 64);
  let r = await work.git(['push', '--porcelain', `${server.url}/x256.git`, `${c1}:refs/heads/main`]);
  t.equal(r.code, 0, r.stderr);
  r = await work.git(['push', '--porcelain', `${server.url}/x256.git`, 'main']);
  t.equal(r.code, 0, r.stderr);
  t.same(await refsOf(gitDir), { 'refs/heads/main': c2 });
  const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict']);
  t.equal(fsck.code, 0, fsck.stderr);
  const info = await (await fetch(`${server.url}/x256.git/info/refs?service=git-receive-pack`)).text();
  t.match(info, 'object-format=sha256');
});

t.test('repositories made by git init --bare after start are served; nested names', async (t) => {
  const { dataDir, server, work } = await setup(t);
  await gitOk(['init', '-q', '--bare', path.join(dataDir, 'team/app.git')]);
  await work.commit('x');
  const r = await work.git(['push', '--porcelain', `${server.url}/team/app.git`, 'main']);
  t.equal(r.code, 0, r.stderr);
  const r2 = await work.git(['push', '--porcelain', `${server.url}/team/app`, 'main:other']);
  t.equal(r2.code, 0, 'the .git suffix is optional');
});

t.test('keepalives while a slow hook runs', async (t) => {
  const { gitDir, work, url } = await setup(t, { config: { 'receive.keepAlive': '1' } });
  await writeHook(gitDir, 'pre-receive', 'sleep 2.5');
  const c1 = await work.commit('one');
  const pack = await packOf(work.dir, ['main']);
  const res = await postReceivePack(url, updateRequestBody([{ oldOid: ZERO, newOid: c1, ref: 'refs/heads/main' }], pack));
  t.ok(res.body.includes(Buffer.from('0005\x01', 'latin1')), 'a keepalive packet was sent');
  const { report, flushes } = demuxSideband(res.body);
  t.same(reportLines(report), ['unpack ok', 'ok refs/heads/main']);
  t.equal(flushes, 1, 'the closing flush');
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

t.test('a client that hangs up while pre-receive runs: the hook is killed, nothing changes', async (t) => {
  const { gitDir, work, url, dir } = await setup(t);
  const marker = path.join(dir, 'hook-finished');
  await writeHook(gitDir, 'pre-receive', `sleep 3; touch ${marker}`);
  const c1 = await work.commit('one');
  const pack = await packOf(work.dir, ['main']);
  const controller = new AbortController();
  const request = fetch(`${url}/git-receive-pack`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-git-receive-pack-request' },
    body: new Uint8Array(updateRequestBody([{ oldOid: ZERO, newOid: c1, ref: 'refs/heads/main' }], pack)),
    signal: controller.signal,
  }).then((r) => r.arrayBuffer());
  await new Promise((resolve) => setTimeout(resolve, 1000));
  controller.abort();
  await t.rejects(request);
  await new Promise((resolve) => setTimeout(resolve, 3500));
  const { existsSync } = await import('node:fs');
  t.notOk(existsSync(marker), 'the hook was killed before it finished');
  t.same(await refsOf(gitDir), {}, 'no ref moved');
  t.same(await quarantineLeftovers(gitDir), [], 'quarantine removed');
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

t.test('a push from a shallow clone (shallow lines) lands', async (t) => {
  const { gitDir, work, url, dir } = await setup(t);
  await work.commit('one');
  await work.commit('two');
  await work.gitOk(['push', 'origin', 'main']);
  const shallow = path.join(dir, 'shallow');
  await gitOk(['clone', '-q', '--depth', '1', url, shallow]);
  const clone = new WorkRepo(shallow);
  const c3 = await clone.commit('three, from a shallow clone');
  const r = await clone.git(['push', '--porcelain', 'origin', 'main']);
  t.equal(r.code, 0, r.stderr);
  t.equal((await refsOf(gitDir))['refs/heads/main'], c3);
  const fsck = await git(['--git-dir', gitDir, 'fsck', '--strict']);
  t.equal(fsck.code, 0, fsck.stderr);
});
