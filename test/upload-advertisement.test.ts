/**
 * upload-pack's ref advertisement: the same bytes as git upload-pack (agent
 * aside) for v0, v1 and v2 on plain, empty, hidden-ref, detached, unborn and
 * SHA-256 repositories, and the same git ls-remote output through both.
 */
import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FLUSH_PKT } from '../src/protocol/pkt-line.js';
import { git, gitOk, PUSHGATE_UPLOAD_PACK, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { makeSource, SERVERS, uploadPackCommand, uploadPackRun, withoutAgent } from './helpers/upload.js';

t.test('ref advertisement: same bytes as git upload-pack (agent aside)', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source } = await makeSource(dir);
  const empty = path.join(dir, 'empty.git');
  await gitOk(['init', '-q', '--bare', '-b', 'main', empty]);
  const hidden = path.join(dir, 'hidden.git');
  await gitOk(['clone', '-q', '--mirror', source, hidden]);
  await gitOk(['--git-dir', hidden, 'update-ref', 'refs/hidden/secret', 'main~1']);
  await gitOk(['--git-dir', hidden, 'config', 'uploadpack.hideRefs', 'refs/hidden']);
  await gitOk(['--git-dir', hidden, 'config', '--add', 'transfer.hideRefs', 'refs/tags/v1-signed']);
  await gitOk(['--git-dir', hidden, 'config', 'uploadpack.allowTipSHA1InWant', 'true']);
  const detached = path.join(dir, 'detached.git');
  await gitOk(['clone', '-q', '--mirror', source, detached]);
  await writeFile(path.join(detached, 'HEAD'), `${await gitOk(['--git-dir', source, 'rev-parse', 'topic'])}\n`);
  const unborn = path.join(dir, 'unborn.git');
  await gitOk(['clone', '-q', '--mirror', source, unborn]);
  await gitOk(['--git-dir', unborn, 'symbolic-ref', 'HEAD', 'refs/heads/nothing-yet']);
  const sha256Work = await WorkRepo.create(path.join(dir, 'work256'), { objectFormat: 'sha256' });
  await sha256Work.commit('one');
  await sha256Work.gitOk(['tag', '-a', 'v1', '-m', 'v1']);
  await sha256Work.commit('two');
  const sha256 = path.join(dir, 'sha256.git');
  await gitOk(['clone', '-q', '--bare', '--no-local', sha256Work.dir, sha256]);

  for (const repo of [source, empty, hidden, detached, unborn, sha256]) {
    for (const [label, args, env] of [
      ['v0 --advertise-refs', ['--advertise-refs'], {}],
      ['v1 --advertise-refs', ['--advertise-refs'], { GIT_PROTOCOL: 'version=1' }],
      ['v2 --advertise-refs', ['--advertise-refs'], { GIT_PROTOCOL: 'version=2' }],
      ['v0 stdio', [], {}],
    ] as const) {
      const [theirs, ours] = await Promise.all(SERVERS.map((s) => uploadPackRun(s, repo, [...args], FLUSH_PKT, env)));
      t.equal(ours.code, theirs.code, `${path.basename(repo)} ${label}: exit status`);
      t.same(withoutAgent(ours.stdout), withoutAgent(theirs.stdout), `${path.basename(repo)} ${label}: bytes`);
    }
  }
  for (const version of ['0', '2']) {
    const clone = path.join(dir, `sha256-v${version}.git`);
    const r = await git([
      '-c',
      `protocol.version=${version}`,
      'clone',
      '-q',
      '--mirror',
      '--no-local',
      `--upload-pack=${PUSHGATE_UPLOAD_PACK}`,
      sha256,
      clone,
    ]);
    t.equal(r.code, 0, r.stderr);
    t.same(await refsOf(clone), await refsOf(sha256), `sha256 repository cloned over v${version}`);
    t.equal((await git(['--git-dir', clone, 'fsck', '--no-dangling'])).code, 0);
  }
});

t.test('git ls-remote through both: same output (v0 and v2, hidden refs, symrefs, prefixes)', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source } = await makeSource(dir);
  await gitOk(['--git-dir', source, 'update-ref', 'refs/hidden/secret', 'main~1']);
  await gitOk(['--git-dir', source, 'update-ref', 'refs/notes/commits', 'main~2']);
  await gitOk(['--git-dir', source, 'config', 'uploadpack.hideRefs', 'refs/hidden']);
  await gitOk(['--git-dir', source, 'symbolic-ref', 'refs/heads/alias', 'refs/heads/topic']);
  for (const version of ['0', '2']) {
    for (const extra of [[], ['--symref'], ['--tags', '--refs', 'origin-less', 'refs/tags/v1*']]) {
      const args = extra[0] === 'origin-less' ? extra.slice(1) : extra;
      const [theirs, ours] = await Promise.all(
        SERVERS.map((s) =>
          git([
            '-c',
            `protocol.version=${version}`,
            'ls-remote',
            `--upload-pack=${uploadPackCommand(s)}`,
            ...args.filter((a) => a.startsWith('-')),
            source,
            ...args.filter((a) => !a.startsWith('-')),
          ]),
        ),
      );
      t.equal(ours.code, theirs.code, `v${version} ls-remote ${args.join(' ')}: exit status\n${ours.stderr}`);
      t.equal(ours.stdout, theirs.stdout, `v${version} ls-remote ${args.join(' ')}: output`);
    }
  }
});
