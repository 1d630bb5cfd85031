import t, { type Test } from 'tap';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initRepository } from '../src/repo/init-repository.js';
import { gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { objectFiles as objectFilesOf } from './helpers/no-trace.js';
import { startTestServer } from './helpers/server.js';
import { demuxSideband, packOf, postReceivePack, reportLines, updateRequestBody } from './helpers/wire.js';

const ZERO = '0'.repeat(40);

/**
 * Refusals at git's per-ref checks and at the ref transaction carry git's
 * reasons and never leak server detail; a pack that adds nothing the
 * repository lacks is not kept.
 */
async function setup(t: Test) {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const gitDir = path.join(dataDir, 'demo.git');
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true });
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const url = `${server.url}/demo.git`;
  await work.gitOk(['remote', 'add', 'origin', url]);
  const base = await work.commit('base');
  await work.gitOk(['push', '-q', 'origin', 'main']);
  const objectFiles = () => objectFilesOf(gitDir);
  const push = async (
    commands: { oldOid: string; newOid: string; ref: string }[],
    revs: string[],
    options?: { atomic?: boolean },
  ) => {
    const pack = await packOf(work.dir, revs);
    const caps = `report-status side-band-64k object-format=sha1 agent=pushgate-test${options?.atomic ? ' atomic' : ''}`;
    const response = await postReceivePack(url, updateRequestBody(commands, pack, caps));
    t.equal(response.status, 200);
    const { report, messages } = demuxSideband(response.body);
    return { lines: reportLines(report), messages };
  };
  return { gitDir, work, base, objectFiles, push };
}

t.test("refused updates get git's reasons, and no internal detail or server path", async (t) => {
  const s = await setup(t);
  const refsBefore = await refsOf(s.gitDir);
  const next = await s.work.commit('next');
  const blob = await s.work.gitOk(['rev-parse', `${next}:file-2.txt`]);
  const cases: { name: string; commands: { oldOid: string; newOid: string; ref: string }[]; expect: RegExp; revs?: string[] }[] =
    [
      {
        name: 'stale old id',
        commands: [{ oldOid: next, newOid: next, ref: 'refs/heads/main' }],
        expect: /^ng refs\/heads\/main failed to update ref$/,
      },
      {
        name: 'create of an existing ref',
        commands: [{ oldOid: ZERO, newOid: next, ref: 'refs/heads/main' }],
        expect: /^ng refs\/heads\/main failed to update ref$/,
      },
      {
        name: 'a blob into refs/heads',
        commands: [{ oldOid: ZERO, newOid: blob, ref: 'refs/heads/blob' }],
        expect: /^ng refs\/heads\/blob failed to update ref$/,
        revs: ['main', '^' + s.base, blob],
      },
      {
        name: 'a funny refname',
        commands: [{ oldOid: ZERO, newOid: next, ref: 'refs/funny' }],
        expect: /^ng refs\/funny funny refname$/,
      },
      {
        name: 'a 10 KiB refname',
        commands: [{ oldOid: ZERO, newOid: next, ref: `refs/heads/${'a'.repeat(10240)}` }],
        expect: /^ng refs\/heads\/a+ failed to update ref$/,
      },
      {
        name: 'a 300-character refname',
        commands: [{ oldOid: ZERO, newOid: next, ref: `refs/heads/${'b'.repeat(300)}` }],
        expect: /^ng refs\/heads\/b+ failed to update ref$/,
      },
    ];
  const objectsBefore = await s.objectFiles();
  for (const c of cases) {
    const { lines, messages } = await s.push(c.commands, c.revs ?? ['main', '^' + s.base]);
    t.equal(lines[0], 'unpack ok', `${c.name}: unpacked`);
    t.match(lines[1], c.expect, `${c.name}: refused as git refuses it`);
    t.notMatch(
      messages,
      /internal server error|ENAMETOOLONG|\/tmp\//,
      `${c.name}: no internal detail or server path reaches the client`,
    );
    t.same(await refsOf(s.gitDir), refsBefore, `${c.name}: refs unchanged`);
    t.same(await s.objectFiles(), objectsBefore, `${c.name}: the pushed pack was not kept, no quarantine left`);
  }
});

t.test('an atomic push refused at the transaction leaves no objects; a partly refused push keeps them', async (t) => {
  const s = await setup(t);
  const before = await s.objectFiles();
  const next = await s.work.commit('next');
  const atomic = await s.push(
    [
      { oldOid: s.base, newOid: next, ref: 'refs/heads/main' },
      { oldOid: next, newOid: next, ref: 'refs/heads/stale' },
    ],
    ['main', '^' + s.base],
    { atomic: true },
  );
  t.same(atomic.lines.slice(0, 1), ['unpack ok']);
  t.ok(
    atomic.lines.slice(1).every((l) => / atomic transaction failed$/.test(l)),
    'every ref fails with the transaction',
  );
  t.same(await s.objectFiles(), before, 'nothing kept');

  const partly = await s.push(
    [
      { oldOid: s.base, newOid: next, ref: 'refs/heads/main' },
      { oldOid: next, newOid: next, ref: 'refs/heads/stale' },
    ],
    ['main', '^' + s.base],
  );
  t.same(partly.lines, ['unpack ok', 'ok refs/heads/main', 'ng refs/heads/stale failed to update ref']);
  t.not((await s.objectFiles()).length, before.length, 'the pack was kept for the ref that was written');
  t.equal((await refsOf(s.gitDir))['refs/heads/main'], next);
  await gitOk(['--git-dir', s.gitDir, 'fsck', '--strict']);
});

t.test('the update hook reads the pushed objects before they leave the quarantine', async (t) => {
  const s = await setup(t);
  const hook = path.join(s.gitDir, 'hooks', 'update');
  await writeFile(hook, '#!/bin/sh\ngit cat-file -t "$3" >&2 && git log --format=%s -1 "$3" >&2\n');
  await chmod(hook, 0o755);
  const next = await s.work.commit('seen by the hook');
  const { lines, messages } = await s.push([{ oldOid: s.base, newOid: next, ref: 'refs/heads/main' }], ['main', '^' + s.base]);
  t.same(lines, ['unpack ok', 'ok refs/heads/main']);
  t.match(messages, /commit\s+seen by the hook/, 'the hook saw the new commit');
});

t.test('a pack that brings nothing new is not kept, and its update still applies', async (t) => {
  const s = await setup(t);
  const before = await s.objectFiles();
  // A client may send objects the server has (e.g. no negotiation): here the whole history again.
  const { lines } = await s.push([{ oldOid: ZERO, newOid: s.base, ref: 'refs/heads/copy' }], ['main']);
  t.same(lines, ['unpack ok', 'ok refs/heads/copy']);
  t.same(await s.objectFiles(), before, 'no new pack');
  t.equal((await refsOf(s.gitDir))['refs/heads/copy'], s.base);
  await gitOk(['--git-dir', s.gitDir, 'fsck', '--strict']);
});

t.test('objects that cannot be moved into the repository: no ref written, git reason', async (t) => {
  const s = await setup(t);
  const refsBefore = await refsOf(s.gitDir);
  // pre-receive runs after the pack is in the quarantine and before the move: make the move fail.
  const hook = path.join(s.gitDir, 'hooks', 'pre-receive');
  await writeFile(hook, '#!/bin/sh\nmv objects/pack objects/pack.away && : > objects/pack\n');
  await chmod(hook, 0o755);
  const next = await s.work.commit('not movable');
  const { lines } = await s.push([{ oldOid: s.base, newOid: next, ref: 'refs/heads/main' }], ['main', '^' + s.base]);
  t.same(lines, ['unpack ok', 'ng refs/heads/main unable to migrate objects to permanent storage']);
  t.same(await refsOf(s.gitDir), refsBefore, 'refs unchanged');
});

t.test('a hook that cannot start: the client sees no server path, and $0 is hooks/<name> as git gives it', async (t) => {
  const s = await setup(t);
  const hook = path.join(s.gitDir, 'hooks', 'update');
  await writeFile(hook, '#!/nonexistent/interpreter\n');
  await chmod(hook, 0o755);
  const next = await s.work.commit('hook cannot start');
  const refused = await s.push([{ oldOid: s.base, newOid: next, ref: 'refs/heads/main' }], ['main', '^' + s.base]);
  t.same(refused.lines, ['unpack ok', 'ng refs/heads/main hook declined']);
  t.notMatch(refused.messages, new RegExp(s.gitDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'no server path');
  await writeFile(hook, '#!/bin/sh\necho "running $0"\n');
  const ran = await s.push([{ oldOid: s.base, newOid: next, ref: 'refs/heads/main' }], ['main', '^' + s.base]);
  t.same(ran.lines, ['unpack ok', 'ok refs/heads/main']);
  t.match(ran.messages, /running hooks\/update/);
});
