/**
 * Clone and fetch through pushgate's upload-pack over stdio, protocol v0 and
 * v2: full clones and thin fetches checked with fsck, shallow clones and
 * their boundaries as with git upload-pack, and tags (include-tag,
 * auto-following, --tags).
 */
import t from 'tap';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { git, gitOk, PUSHGATE_UPLOAD_PACK, refsOf, tempDir } from './helpers/git.js';
import { assertFsckClean, makeSource, SERVERS, uploadPackCommand } from './helpers/upload.js';

t.test('clone and fetch over stdio, protocol v0 and v2, checked with fsck', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source, work } = await makeSource(dir);
  for (const version of ['0', '2']) {
    const clone = path.join(dir, `clone-v${version}.git`);
    const r = await git([
      '-c',
      `protocol.version=${version}`,
      'clone',
      '--mirror',
      '--no-local',
      `--upload-pack=${PUSHGATE_UPLOAD_PACK}`,
      source,
      clone,
    ]);
    t.equal(r.code, 0, r.stderr);
    t.same(await refsOf(clone), await refsOf(source), `v${version}: every ref cloned`);
    t.equal(
      await gitOk(['--git-dir', clone, 'symbolic-ref', 'HEAD']),
      'refs/heads/main',
      `v${version}: HEAD follows the source's`,
    );
    await assertFsckClean(t, clone, source);

    // New history on two branches and a new tag; the clone fetches it (a thin pack).
    await work.commit(`more-v${version}`, {
      'shared.txt': `changed for ${version}\n`.repeat(50),
      [`new-${version}.txt`]: 'new\n',
    });
    await work.gitOk(['push', '-q', 'source', 'main', `main:refs/heads/feature-${version}`]);
    await work.gitOk(['tag', '-a', `v2-${version}`, '-m', 'second release']);
    await work.gitOk(['push', '-q', 'source', `v2-${version}`]);
    const fetch = await git([
      '-c',
      `protocol.version=${version}`,
      '--git-dir',
      clone,
      'fetch',
      '--prune',
      `--upload-pack=${PUSHGATE_UPLOAD_PACK}`,
      'origin',
    ]);
    t.equal(fetch.code, 0, fetch.stderr);
    t.same(await refsOf(clone), await refsOf(source), `v${version}: fetch brought every update`);
    await assertFsckClean(t, clone, source);
  }
});

t.test('shallow clone, deepen, shallow-since, shallow-exclude and unshallow: as with git upload-pack', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source } = await makeSource(dir);
  for (const version of ['0', '2']) {
    const steps: [string, string[]][] = [
      ['clone --depth 1', ['clone', '-q', '--bare', '--depth', '1', '--no-single-branch']],
      ['fetch --deepen 2', ['fetch', '-q', '--deepen', '2']],
      ['fetch --depth 3', ['fetch', '-q', '--depth', '3']],
      ['fetch --shallow-exclude v1', ['fetch', '-q', '--shallow-exclude', 'v1']],
      ['fetch --shallow-since', ['fetch', '-q', '--shallow-since', '1700000250 +0000']],
      ['fetch --unshallow', ['fetch', '-q', '--unshallow']],
    ];
    const clones = Object.fromEntries(SERVERS.map((s) => [s, path.join(dir, `shallow-${s}-v${version}.git`)]));
    for (const [label, args] of steps) {
      for (const server of SERVERS) {
        const clone = clones[server]!;
        const full =
          args[0] === 'clone'
            ? [...args, `--upload-pack=${uploadPackCommand(server)}`, `file://${source}`, clone]
            : ['--git-dir', clone, ...args, `--upload-pack=${uploadPackCommand(server)}`, 'origin'];
        const r = await git(['-c', `protocol.version=${version}`, ...full]);
        t.equal(r.code, 0, `v${version} ${label} (${server}): ${r.stderr}`);
      }
      const shallowOf = async (gitDir: string) =>
        existsSync(path.join(gitDir, 'shallow')) ? (await readFile(path.join(gitDir, 'shallow'), 'utf8')).split('\n').sort() : [];
      const countOf = (gitDir: string) => gitOk(['--git-dir', gitDir, 'rev-list', '--all', '--objects', '--count']);
      t.same(await shallowOf(clones.pushgate!), await shallowOf(clones.git!), `v${version} ${label}: same shallow boundary`);
      t.equal(await countOf(clones.pushgate!), await countOf(clones.git!), `v${version} ${label}: same objects reachable`);
      t.same(await refsOf(clones.pushgate!), await refsOf(clones.git!), `v${version} ${label}: same refs`);
      const fsck = await git(['--git-dir', clones.pushgate!, 'fsck', '--no-dangling']);
      t.equal(fsck.code, 0, `v${version} ${label}: fsck ${fsck.stderr}`);
    }
  }
});

t.test('tags: include-tag follows new tags on fetched commits; --tags fetches all', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source, work } = await makeSource(dir);
  for (const version of ['0', '2']) {
    const clone = path.join(dir, `tags-v${version}`);
    await gitOk([
      '-c',
      `protocol.version=${version}`,
      'clone',
      '-q',
      '--no-local',
      '--no-tags',
      '--single-branch',
      `--upload-pack=${PUSHGATE_UPLOAD_PACK}`,
      source,
      clone,
    ]);
    t.same((await gitOk(['-C', clone, 'tag'])).split('\n').filter(Boolean), [], 'no tags yet');
    await work.commit(`tagged-${version}`);
    await work.gitOk(['tag', '-a', `auto-${version}`, '-m', 'follows the branch']);
    await work.gitOk(['push', '-q', 'source', 'main', `auto-${version}`]);
    // Default auto-following: the annotated tag of a fetched commit comes in the same pack (include-tag).
    const r = await git([
      '-c',
      `protocol.version=${version}`,
      '-C',
      clone,
      'fetch',
      `--upload-pack=${PUSHGATE_UPLOAD_PACK}`,
      '--tags',
      'origin',
      'main',
    ]);
    t.equal(r.code, 0, r.stderr);
    const tags = (await gitOk(['-C', clone, 'tag'])).split('\n').sort();
    t.ok(
      tags.includes(`auto-${version}`) && tags.includes('v1') && tags.includes('v1-signed') && tags.includes('light'),
      `tags arrived: ${tags.join(' ')}`,
    );
    t.equal(
      await gitOk(['-C', clone, 'rev-parse', `auto-${version}`]),
      await gitOk(['--git-dir', source, 'rev-parse', `auto-${version}`]),
    );
    t.equal((await git(['-C', clone, 'fsck', '--no-dangling'])).code, 0);

    const follow = path.join(dir, `follow-v${version}`);
    await gitOk([
      '-c',
      `protocol.version=${version}`,
      'clone',
      '-q',
      '--no-local',
      '--single-branch',
      '--branch',
      'topic',
      `--upload-pack=${PUSHGATE_UPLOAD_PACK}`,
      source,
      follow,
    ]);
    await work.gitOk(['checkout', '-q', 'topic']);
    await work.commit(`topic-${version}`);
    await work.gitOk(['tag', '-a', `topic-tag-${version}`, '-m', 'on topic']);
    await work.gitOk(['push', '-q', 'source', 'topic', `topic-tag-${version}`]);
    await work.gitOk(['checkout', '-q', 'main']);
    const f = await git([
      '-c',
      `protocol.version=${version}`,
      '-C',
      follow,
      'fetch',
      `--upload-pack=${PUSHGATE_UPLOAD_PACK}`,
      'origin',
    ]);
    t.equal(f.code, 0, f.stderr);
    t.ok(
      (await gitOk(['-C', follow, 'tag'])).split('\n').includes(`topic-tag-${version}`),
      'auto-followed tag fetched with the branch',
    );
  }
});
