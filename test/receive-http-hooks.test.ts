/**
 * Hooks on pushes over smart HTTP: git's arguments, stdin, environment,
 * quarantine and output as remote: lines, a hung hook ended by
 * pushgate.hookTimeout, keepalives while a slow hook runs, and a client that
 * hangs up while pre-receive runs.
 */
import t from 'tap';
import path from 'node:path';
import { gitOk, refsOf } from './helpers/git.js';
import { ZERO, quarantineLeftovers, setup, writeHook } from './helpers/receive-http.js';
import { demuxSideband, packOf, postReceivePack, reportLines, updateRequestBody } from './helpers/wire.js';

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
