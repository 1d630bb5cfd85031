/**
 * Smart HTTP itself: the probe, gzip, content types, unknown repositories and
 * services, pushes refused without --allow-anonymous-push (with a message git
 * shows), and repositories made by git init --bare after start, nested names
 * included.
 */
import t from 'tap';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { git, gitOk, refsOf } from './helpers/git.js';
import { ZERO, setup } from './helpers/receive-http.js';
import { demuxSideband, packOf, postReceivePack, reportLines, updateRequestBody } from './helpers/wire.js';

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

t.test('repositories made by git init --bare after start are served; nested names', async (t) => {
  const { dataDir, server, work } = await setup(t);
  await gitOk(['init', '-q', '--bare', path.join(dataDir, 'team/app.git')]);
  await work.commit('x');
  const r = await work.git(['push', '--porcelain', `${server.url}/team/app.git`, 'main']);
  t.equal(r.code, 0, r.stderr);
  const r2 = await work.git(['push', '--porcelain', `${server.url}/team/app`, 'main:other']);
  t.equal(r2.code, 0, 'the .git suffix is optional');
});
