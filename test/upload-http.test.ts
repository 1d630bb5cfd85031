/**
 * upload-pack over smart HTTP: clone, fetch and shallow fetch with protocol
 * v0 and v2, a missing repository, and the info/refs bodies.
 */
import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { uploadPackOverHttp } from '../src/transport/http/upload-pack-service.js';
import { git, gitOk, refsOf, tempDir } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';
import { assertFsckClean, makeSource } from './helpers/upload.js';

t.test('over HTTP: clone, fetch and shallow fetch, protocol v0 and v2', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source, work } = await makeSource(dir);
  const dataDir = path.join(dir, 'data');
  const served = path.join(dataDir, 'demo.git');
  await gitOk(['clone', '-q', '--mirror', source, served]);
  // createServer registers uploadPackOverHttp() itself; the extra registration checks the standalone form.
  const server = await startTestServer(t, { dataDir, extraServices: [uploadPackOverHttp()] });
  const plain = await startTestServer(t, { dataDir });
  const listed = await git(['ls-remote', `${plain.url}/demo.git`]);
  t.equal(listed.code, 0, `the default server serves fetches: ${listed.stderr}`);
  const url = `${server.url}/demo.git`;
  for (const version of ['0', '2']) {
    const clone = path.join(dir, `http-v${version}.git`);
    let r = await git(['-c', `protocol.version=${version}`, 'clone', '--mirror', url, clone]);
    t.equal(r.code, 0, r.stderr);
    t.same(await refsOf(clone), await refsOf(served), `v${version}: clone over HTTP has every ref`);
    await assertFsckClean(t, clone, served);

    await work.commit(`http-${version}`, { 'shared.txt': `http ${version}\n`.repeat(40) });
    await work.gitOk(['push', '-q', served, 'main']);
    r = await git(['-c', `protocol.version=${version}`, '--git-dir', clone, 'fetch', 'origin']);
    t.equal(r.code, 0, r.stderr);
    t.same(await refsOf(clone), await refsOf(served), `v${version}: fetch over HTTP`);
    await assertFsckClean(t, clone, served);

    // Shallow over stateless HTTP, checked against stock git serving the same repository over file://.
    const shallow = path.join(dir, `http-shallow-v${version}`);
    const expected = path.join(dir, `file-shallow-v${version}`);
    const boundary = async (repo: string) => ({
      count: await gitOk(['-C', repo, 'rev-list', '--count', 'HEAD']),
      shallow: (await readFile(path.join(repo, '.git', 'shallow'), 'utf8')).split('\n').sort(),
    });
    for (const [target, remote] of [
      [shallow, url],
      [expected, `file://${served}`],
    ]) {
      r = await git(['-c', `protocol.version=${version}`, 'clone', '-q', '--depth', '2', remote!, target!]);
      t.equal(r.code, 0, r.stderr);
    }
    t.same(await boundary(shallow), await boundary(expected), `v${version}: depth 2 over HTTP`);
    for (const target of [shallow, expected]) {
      r = await git(['-c', `protocol.version=${version}`, '-C', target, 'fetch', '-q', '--deepen', '3']);
      t.equal(r.code, 0, r.stderr);
    }
    t.same(await boundary(shallow), await boundary(expected), `v${version}: deepened over HTTP`);
    t.equal((await git(['-C', shallow, 'fsck', '--no-dangling'])).code, 0);
  }
  // A repository that is not there, and info/refs bodies.
  const missing = await git(['ls-remote', `${server.url}/nope.git`]);
  t.not(missing.code, 0);
  const v2 = await fetch(`${url}/info/refs?service=git-upload-pack`, { headers: { 'git-protocol': 'version=2' } });
  t.equal(v2.headers.get('content-type'), 'application/x-git-upload-pack-advertisement');
  t.match(await v2.text(), /^000eversion 2\n/, 'v2 info/refs starts with the version line, no service line');
  const v0 = await fetch(`${url}/info/refs?service=git-upload-pack`);
  t.match(await v0.text(), /^001e# service=git-upload-pack\n0000/, 'v0 info/refs has the service preamble');
});
