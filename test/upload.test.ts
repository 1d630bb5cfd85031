import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { FLUSH_PKT, pktLine } from '../src/protocol/pkt-line.js';
import { openRepository } from '../src/repo/repository.js';
import { uploadPackOverHttp } from '../src/transport/http/upload-pack-service.js';
import { uploadPack } from '../src/upload/service.js';
import { git, gitEnv, gitOk, PROJECT_ROOT, PUSHGATE_BIN, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';

/** What `git clone --upload-pack=…` runs for the stdio drop-in (needs the build). */
const PUSHGATE_UPLOAD_PACK = `node ${PUSHGATE_BIN} upload-pack`;
const LODASH = path.resolve(PROJECT_ROOT, '../shared/bench/lodash.bundle');
const DELIM_PKT = Buffer.from('0001');

type Server = 'git' | 'pushgate';
const SERVERS: Server[] = ['git', 'pushgate'];

function uploadPackCommand(server: Server): string {
  return server === 'git' ? 'git-upload-pack' : PUSHGATE_UPLOAD_PACK;
}

/** Runs a command with `input` on stdin; stdout as bytes. */
function runBytes(command: string, args: string[], input: Buffer, env: Record<string, string> = {}): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 128, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
    child.stdin.end(input);
  });
}

/** pushgate's upload-pack in this process, as the CLI would run it (no process start-up per exchange). */
async function uploadPackInProcess(gitDir: string, args: string[], input: Buffer, env: Record<string, string>) {
  const repo = await openRepository(gitDir);
  const output = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  output.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  try {
    const outcome = await uploadPack({
      repo,
      input: Readable.from([input]),
      output,
      stderr,
      statelessRpc: args.includes('--stateless-rpc'),
      advertiseOnly: args.includes('--advertise-refs'),
      gitProtocol: env.GIT_PROTOCOL,
      transport: 'stdio',
    });
    return { code: outcome.exitCode, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
  } finally {
    await repo.close();
  }
}

/** The same upload-pack invocation against stock git and pushgate. */
function uploadPackRun(server: Server, gitDir: string, args: string[], input: Buffer, env: Record<string, string> = {}) {
  return server === 'git' ? runBytes('git', ['upload-pack', ...args, gitDir], input, env) : uploadPackInProcess(gitDir, args, input, env);
}

/** pkt-line payloads (and flush/delim markers) with the agent's value blanked: what must match byte for byte. */
function withoutAgent(bytes: Buffer): string[] {
  const lines: string[] = [];
  for (let at = 0; at + 4 <= bytes.length; ) {
    const length = parseInt(bytes.toString('latin1', at, at + 4), 16);
    if (length < 4) {
      lines.push(`<${length}>`);
      at += 4;
      continue;
    }
    lines.push(bytes.toString('latin1', at + 4, at + length).replace(/agent=[^ \n\0]+/g, 'agent=X'));
    at += length;
  }
  return lines;
}

/** fsck findings as sorted lines, for comparing with the source's. */
async function fsckFindings(gitDir: string): Promise<{ code: number; lines: string[] }> {
  const r = await git(['--git-dir', gitDir, 'fsck', '--no-dangling', '--no-progress']);
  return { code: r.code, lines: (r.stdout + r.stderr).split('\n').filter(Boolean).sort() };
}

async function assertFsckClean(t: Test, clone: string, source: string): Promise<void> {
  const [ours, theirs] = await Promise.all([fsckFindings(clone), fsckFindings(source)]);
  t.equal(ours.code, theirs.code, `fsck exit status of ${path.basename(clone)} as on the source`);
  t.same(ours.lines.filter((l) => !theirs.lines.includes(l)), [], 'fsck finds nothing the source does not have');
}

/**
 * A bare source repository with history on two branches, a merge, annotated
 * and lightweight tags, a tag of a tag; its older part packed, newer
 * objects loose (as small pushes leave them).
 */
async function makeSource(dir: string): Promise<{ source: string; work: WorkRepo }> {
  const work = await WorkRepo.create(path.join(dir, 'work'));
  for (let i = 1; i <= 6; i++) await work.commit(`c${i}`, { [`dir${i % 3}/file${i}.txt`]: `content ${i}\n`.repeat(20 * i), 'shared.txt': `v${i}\n`.repeat(50) });
  await work.gitOk(['tag', '-a', 'v1', '-m', 'release 1']);
  await work.gitOk(['tag', '-a', 'v1-signed', '-m', 'tag of a tag', 'v1']);
  await work.gitOk(['checkout', '-q', '-b', 'topic', 'HEAD~2']);
  await work.commit('t1', { 'topic.txt': 'topic\n' });
  await work.gitOk(['checkout', '-q', 'main']);
  await work.gitOk(['merge', '-q', '--no-ff', '-m', 'merge topic', 'topic'], { GIT_AUTHOR_DATE: '1700009000 +0000', GIT_COMMITTER_DATE: '1700009000 +0000' });
  await work.gitOk(['tag', 'light']);
  const source = path.join(dir, 'source.git');
  await gitOk(['clone', '-q', '--bare', work.dir, source]);
  await gitOk(['--git-dir', source, 'repack', '-adq']);
  await gitOk(['--git-dir', source, 'config', 'receive.unpackLimit', '1000']);
  await work.gitOk(['remote', 'add', 'source', source]);
  for (let i = 7; i <= 8; i++) await work.commit(`c${i}`, { [`dir${i % 3}/file${i}.txt`]: `content ${i}\n`.repeat(10), 'shared.txt': `v${i}\n`.repeat(50) });
  await work.gitOk(['push', '-q', 'source', 'main']);
  return { source, work };
}

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
    const r = await git(['-c', `protocol.version=${version}`, 'clone', '-q', '--mirror', '--no-local', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, sha256, clone]);
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
        SERVERS.map((s) => git(['-c', `protocol.version=${version}`, 'ls-remote', `--upload-pack=${uploadPackCommand(s)}`, ...args.filter((a) => a.startsWith('-')), source, ...args.filter((a) => !a.startsWith('-'))])),
      );
      t.equal(ours.code, theirs.code, `v${version} ls-remote ${args.join(' ')}: exit status\n${ours.stderr}`);
      t.equal(ours.stdout, theirs.stdout, `v${version} ls-remote ${args.join(' ')}: output`);
    }
  }
});

t.test('clone and fetch over stdio, protocol v0 and v2, checked with fsck', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source, work } = await makeSource(dir);
  for (const version of ['0', '2']) {
    const clone = path.join(dir, `clone-v${version}.git`);
    const r = await git(['-c', `protocol.version=${version}`, 'clone', '--mirror', '--no-local', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, source, clone]);
    t.equal(r.code, 0, r.stderr);
    t.same(await refsOf(clone), await refsOf(source), `v${version}: every ref cloned`);
    t.equal(await gitOk(['--git-dir', clone, 'symbolic-ref', 'HEAD']), 'refs/heads/main', `v${version}: HEAD follows the source's`);
    await assertFsckClean(t, clone, source);

    // New history on two branches and a new tag; the clone fetches it (a thin pack).
    await work.commit(`more-v${version}`, { 'shared.txt': `changed for ${version}\n`.repeat(50), [`new-${version}.txt`]: 'new\n' });
    await work.gitOk(['push', '-q', 'source', 'main', `main:refs/heads/feature-${version}`]);
    await work.gitOk(['tag', '-a', `v2-${version}`, '-m', 'second release']);
    await work.gitOk(['push', '-q', 'source', `v2-${version}`]);
    const fetch = await git(['-c', `protocol.version=${version}`, '--git-dir', clone, 'fetch', '--prune', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, 'origin']);
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
        const full = args[0] === 'clone' ? [...args, `--upload-pack=${uploadPackCommand(server)}`, `file://${source}`, clone] : ['--git-dir', clone, ...args, `--upload-pack=${uploadPackCommand(server)}`, 'origin'];
        const r = await git(['-c', `protocol.version=${version}`, ...full]);
        t.equal(r.code, 0, `v${version} ${label} (${server}): ${r.stderr}`);
      }
      const shallowOf = async (gitDir: string) => (existsSync(path.join(gitDir, 'shallow')) ? (await readFile(path.join(gitDir, 'shallow'), 'utf8')).split('\n').sort() : []);
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
    await gitOk(['-c', `protocol.version=${version}`, 'clone', '-q', '--no-local', '--no-tags', '--single-branch', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, source, clone]);
    t.same((await gitOk(['-C', clone, 'tag'])).split('\n').filter(Boolean), [], 'no tags yet');
    await work.commit(`tagged-${version}`);
    await work.gitOk(['tag', '-a', `auto-${version}`, '-m', 'follows the branch']);
    await work.gitOk(['push', '-q', 'source', 'main', `auto-${version}`]);
    // Default auto-following: the annotated tag of a fetched commit comes in the same pack (include-tag).
    const r = await git(['-c', `protocol.version=${version}`, '-C', clone, 'fetch', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, '--tags', 'origin', 'main']);
    t.equal(r.code, 0, r.stderr);
    const tags = (await gitOk(['-C', clone, 'tag'])).split('\n').sort();
    t.ok(tags.includes(`auto-${version}`) && tags.includes('v1') && tags.includes('v1-signed') && tags.includes('light'), `tags arrived: ${tags.join(' ')}`);
    t.equal(await gitOk(['-C', clone, 'rev-parse', `auto-${version}`]), await gitOk(['--git-dir', source, 'rev-parse', `auto-${version}`]));
    t.equal((await git(['-C', clone, 'fsck', '--no-dangling'])).code, 0);

    const follow = path.join(dir, `follow-v${version}`);
    await gitOk(['-c', `protocol.version=${version}`, 'clone', '-q', '--no-local', '--single-branch', '--branch', 'topic', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, source, follow]);
    await work.gitOk(['checkout', '-q', 'topic']);
    await work.commit(`topic-${version}`);
    await work.gitOk(['tag', '-a', `topic-tag-${version}`, '-m', 'on topic']);
    await work.gitOk(['push', '-q', 'source', 'topic', `topic-tag-${version}`]);
    await work.gitOk(['checkout', '-q', 'main']);
    const f = await git(['-c', `protocol.version=${version}`, '-C', follow, 'fetch', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, 'origin']);
    t.equal(f.code, 0, f.stderr);
    t.ok((await gitOk(['-C', follow, 'tag'])).split('\n').includes(`topic-tag-${version}`), 'auto-followed tag fetched with the branch');
  }
});

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
    for (const [target, remote] of [[shallow, url], [expected, `file://${served}`]]) {
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

/** Request bodies for stateless exchanges, shared by the wire-level differential below. */
function wantLines(wants: string[], caps: string): Buffer[] {
  return wants.map((oid, i) => pktLine(i === 0 ? `want ${oid} ${caps}\n` : `want ${oid}\n`));
}

/** Everything before the pack, and the pack (side-band demultiplexed when used). */
function splitResponse(body: Buffer, sideband: boolean): { lines: string[]; pack: Buffer; progress: string } {
  const lines: string[] = [];
  const packParts: Buffer[] = [];
  let progress = '';
  let at = 0;
  while (at < body.length) {
    if (!sideband && body.toString('latin1', at, at + 4) === 'PACK') {
      packParts.push(body.subarray(at));
      break;
    }
    const length = parseInt(body.toString('latin1', at, at + 4), 16);
    if (length === 0 || length === 1) {
      lines.push(length === 0 ? '<flush>' : '<delim>');
      at += 4;
      continue;
    }
    const data = body.subarray(at + 4, at + length);
    if (sideband && data[0] === 1 && (lines.includes('packfile') || packParts.length > 0 || data.toString('latin1', 1, 5) === 'PACK')) packParts.push(data.subarray(1));
    else if (sideband && data[0] === 2) progress += data.toString('utf8', 1);
    else lines.push(data.toString('utf8').replace(/\n$/, ''));
    at += length;
  }
  return { lines, pack: Buffer.concat(packParts), progress };
}

async function indexPack(dir: string, pack: Buffer): Promise<{ code: number; stderr: string }> {
  const r = await runBytes('git', ['-C', dir, 'index-pack', '--stdin', '--fix-thin'], pack);
  return { code: r.code, stderr: r.stderr };
}

t.test('negotiation on the wire: ACK/NAK lines as git upload-pack sends them', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source } = await makeSource(dir);
  const rev = (r: string) => gitOk(['--git-dir', source, 'rev-parse', r]);
  const main = await rev('main');
  const topic = await rev('topic');
  const old = await rev('main~4');
  const older = await rev('main~5');
  const unknown = 'deadbeef'.repeat(5);
  const receiver = path.join(dir, 'receiver.git');
  await gitOk(['init', '-q', '--bare', receiver]);
  await gitOk(['--git-dir', receiver, 'fetch', '-q', source, `${old}:refs/heads/old`]);

  const cases: { label: string; args: string[]; env?: Record<string, string>; body: Buffer; sideband: boolean }[] = [];
  for (const caps of ['multi_ack_detailed side-band-64k thin-pack ofs-delta', 'multi_ack side-band thin-pack', 'ofs-delta', 'multi_ack_detailed no-done side-band-64k ofs-delta thin-pack include-tag']) {
    const sideband = caps.includes('side-band');
    const wants = wantLines([main, topic], caps);
    cases.push({ label: `clone (${caps})`, args: ['--stateless-rpc'], body: Buffer.concat([...wants, FLUSH_PKT, pktLine('done\n')]), sideband });
    cases.push({
      label: `one round, no done (${caps})`,
      args: ['--stateless-rpc'],
      body: Buffer.concat([...wants, FLUSH_PKT, pktLine(`have ${unknown}\n`), pktLine(`have ${old}\n`), pktLine(`have ${older}\n`), FLUSH_PKT]),
      sideband,
    });
    cases.push({
      label: `haves then done (${caps})`,
      args: ['--stateless-rpc'],
      body: Buffer.concat([...wants, FLUSH_PKT, pktLine(`have ${old}\n`), pktLine(`have ${unknown}\n`), pktLine('done\n')]),
      sideband,
    });
    cases.push({
      label: `stateful rounds (${caps})`,
      args: [],
      body: Buffer.concat([...wants, FLUSH_PKT, pktLine(`have ${unknown}\n`), FLUSH_PKT, pktLine(`have ${old}\n`), FLUSH_PKT, pktLine(`have ${older}\n`), pktLine('done\n')]),
      sideband,
    });
  }
  const v2 = (args: string[]) => Buffer.concat([pktLine('command=fetch\n'), pktLine('object-format=sha1\n'), DELIM_PKT, ...args.map((a) => pktLine(`${a}\n`)), FLUSH_PKT]);
  const v2env = { GIT_PROTOCOL: 'version=2' };
  cases.push({ label: 'v2 fetch, no haves', args: ['--stateless-rpc'], env: v2env, body: v2([`want ${main}`, 'ofs-delta', 'no-progress']), sideband: true });
  cases.push({ label: 'v2 fetch, haves, not ready', args: ['--stateless-rpc'], env: v2env, body: v2([`want ${main}`, `want ${topic}`, `have ${unknown}`, 'thin-pack', 'ofs-delta']), sideband: true });
  cases.push({ label: 'v2 fetch, ready', args: ['--stateless-rpc'], env: v2env, body: v2([`want ${main}`, `have ${old}`, `have ${unknown}`, 'thin-pack', 'ofs-delta', 'no-progress']), sideband: true });
  cases.push({ label: 'v2 fetch, wait-for-done', args: ['--stateless-rpc'], env: v2env, body: v2([`want ${main}`, `have ${old}`, 'wait-for-done', 'ofs-delta']), sideband: true });
  cases.push({ label: 'v2 fetch, done', args: ['--stateless-rpc'], env: v2env, body: v2([`want ${main}`, `have ${old}`, 'done', 'thin-pack', 'ofs-delta', 'include-tag']), sideband: true });
  cases.push({ label: 'v2 fetch, deepen 2', args: ['--stateless-rpc'], env: v2env, body: v2([`want ${main}`, 'deepen 2', 'done', 'ofs-delta']), sideband: true });
  cases.push({
    label: 'v2 ls-refs',
    args: ['--stateless-rpc'],
    env: v2env,
    body: Buffer.concat([pktLine('command=ls-refs\n'), DELIM_PKT, pktLine('peel\n'), pktLine('symrefs\n'), pktLine('ref-prefix refs/tags/\n'), pktLine('ref-prefix HEAD\n'), FLUSH_PKT]),
    sideband: false,
  });
  cases.push({
    label: 'v2 object-info',
    args: ['--stateless-rpc'],
    env: v2env,
    body: Buffer.concat([pktLine('command=object-info\n'), DELIM_PKT, pktLine('size\n'), pktLine(`oid ${main}\n`), pktLine(`oid ${unknown}\n`), FLUSH_PKT]),
    sideband: false,
  });

  for (const c of cases) {
    const [theirs, ours] = await Promise.all(SERVERS.map((s) => uploadPackRun(s, source, c.args, c.body, c.env)));
    t.equal(ours.code, theirs.code, `${c.label}: exit status ${ours.stderr}`);
    const a = splitResponse(theirs.stdout, c.sideband);
    const b = splitResponse(ours.stdout, c.sideband);
    const v0Advert = (lines: string[]) => (c.args.includes('--stateless-rpc') ? lines : lines.slice(lines.indexOf('<flush>') + 1));
    t.same(v0Advert(b.lines).map((l) => l.replace(/agent=\S+/, 'agent')), v0Advert(a.lines).map((l) => l.replace(/agent=\S+/, 'agent')), `${c.label}: protocol lines`);
    t.equal(b.pack.length > 0, a.pack.length > 0, `${c.label}: a pack when git sends one`);
    if (b.pack.length > 0) {
      const r = await indexPack(receiver, b.pack);
      t.equal(r.code, 0, `${c.label}: git index-pack takes our pack ${r.stderr}`);
      t.equal(b.pack.readUInt32BE(8), a.pack.readUInt32BE(8), `${c.label}: as many objects as git sends`);
    }
  }
});

t.test('wants the client may not have, hidden refs and errors', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source } = await makeSource(dir);
  const rev = (r: string) => gitOk(['--git-dir', source, 'rev-parse', r]);
  await gitOk(['--git-dir', source, 'update-ref', 'refs/hidden/secret', await rev('main~1')]);
  const loose = await gitOk(['--git-dir', source, 'hash-object', '-w', '--stdin'], { input: 'unreachable blob\n' });
  await gitOk(['--git-dir', source, 'config', 'uploadpack.hideRefs', 'refs/hidden']);
  const caps = 'multi_ack_detailed side-band-64k ofs-delta';
  const want = (oid: string) => Buffer.concat([pktLine(`want ${oid} ${caps}\n`), FLUSH_PKT, pktLine('done\n')]);
  const cases: { label: string; args: string[]; oid: string; config?: [string, string] }[] = [
    { label: 'unknown object', args: [], oid: 'ab'.repeat(20) },
    { label: 'hidden tip, stateful', args: [], oid: await rev('main~1') },
    { label: 'reachable non-tip, stateful', args: [], oid: await rev('main~2') },
    { label: 'reachable non-tip, stateless', args: ['--stateless-rpc'], oid: await rev('main~2') },
  ];
  for (const c of cases) {
    const [theirs, ours] = await Promise.all(SERVERS.map((s) => uploadPackRun(s, source, c.args, want(c.oid))));
    t.equal(ours.code, theirs.code, `${c.label}: exit status (git ${theirs.code}) ${ours.stderr}`);
    const err = (b: Buffer) => /ERR [^\n]*/.exec(b.toString('latin1'))?.[0];
    t.equal(err(ours.stdout), err(theirs.stdout), `${c.label}: same ERR line`);
  }
  // git 2.39 hands out an unreachable non-commit named in a stateless want (its rev-list check only sees
  // commits); pushgate refuses it unless uploadpack.allowAnySHA1InWant is set.
  const blob = await uploadPackRun('pushgate', source, ['--stateless-rpc'], want(loose));
  t.equal(blob.code, 128);
  t.match(blob.stdout.toString(), `ERR upload-pack: not our ref ${loose}`);
  // uploadpack.allowAnySHA1InWant lets a client fetch the hidden tip and any object by id.
  await gitOk(['--git-dir', source, 'config', 'uploadpack.allowAnySHA1InWant', 'true']);
  const clone = path.join(dir, 'by-id');
  await gitOk(['init', '-q', clone]);
  const r = await git(['-C', clone, 'fetch', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, source, await rev('refs/hidden/secret')]);
  t.equal(r.code, 0, r.stderr);
  t.equal(await gitOk(['-C', clone, 'rev-parse', 'FETCH_HEAD']), await rev('refs/hidden/secret'));
  // A malformed request ends with ERR and status 128.
  const bad = await uploadPackRun('pushgate', source, ['--stateless-rpc'], Buffer.concat([pktLine('wnat x\n'), FLUSH_PKT]));
  t.equal(bad.code, 128);
  t.match(bad.stdout.toString(), /ERR git upload-pack: protocol error, expected to get object ID, not 'wnat x'/);
  const notRepo = await runBytes('node', [PUSHGATE_BIN, 'upload-pack', path.join(dir, 'missing')], Buffer.alloc(0));
  t.equal(notRepo.code, 128);
  t.match(notRepo.stderr, /does not appear to be a git repository/);

  // --timeout: a client that stops talking is cut off.
  const repo = await openRepository(source);
  t.teardown(() => repo.close());
  const silent = new PassThrough();
  const started = Date.now();
  const outcome = await uploadPack({ repo, input: silent, output: new PassThrough().resume(), timeoutSeconds: 1, transport: 'stdio' });
  t.equal(outcome.exitCode, 128, 'timed out');
  t.ok(Date.now() - started < 10_000, 'within the timeout');
});

t.test('a stored entry whose CRC does not match its index is sent deflated afresh, with git\'s error line', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const { source } = await makeSource(dir);
  const packDir = path.join(source, 'objects', 'pack');
  const idxPath = path.join(packDir, (await readdir(packDir)).find((n) => n.endsWith('.idx'))!);
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
    let r = await git(['--git-dir', thin, 'fetch', '-q', `--upload-pack=${wrapper} ${wire} ${uploadPackCommand(server)}`, source, 'refs/heads/main:refs/heads/main']);
    t.equal(r.code, 0, r.stderr);
    t.equal((await git(['--git-dir', thin, 'fsck', '--no-dangling'])).code, 0, `${server}: thin fetch fsck`);
    (sent['thin fetch'] ??= {} as Record<Server, number>)[server] = (await readFile(wire)).length;

    const single = path.join(dir, `single-${server}.git`);
    await gitOk(['init', '-q', '--bare', single]);
    const wire2 = path.join(dir, `single-${server}.bin`);
    r = await git(['--git-dir', single, 'fetch', '-q', '--no-tags', `--upload-pack=${wrapper} ${wire2} ${uploadPackCommand(server)}`, source, 'refs/heads/side:refs/heads/side']);
    t.equal(r.code, 0, r.stderr);
    t.equal((await git(['--git-dir', single, 'fsck', '--no-dangling'])).code, 0, `${server}: single-branch fetch fsck`);
    (sent['one branch'] ??= {} as Record<Server, number>)[server] = (await readFile(wire2)).length;
  }
  for (const [label, bytes] of Object.entries(sent)) {
    t.ok(bytes.pushgate <= bytes.git * 1.2, `${label}: ${bytes.pushgate} bytes sent, git ${bytes.git}`);
  }
  // One version of big.txt whole is ~78 KB deflated: the thin fetch needs none, the branch one.
  t.ok(sent['thin fetch']!.pushgate < 20_000, 'thin fetch: the new version went as a delta against the client\'s');
  t.ok(sent['one branch']!.pushgate < 120_000, 'one branch: a version whose stored base stays behind went as a new delta');
});

t.test('the lodash corpus cloned whole through pushgate equals the source', { skip: existsSync(LODASH) ? false : 'corpus not found' }, async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const source = path.join(dir, 'lodash.git');
  await gitOk(['clone', '-q', '--mirror', LODASH, source]);
  const clone = path.join(dir, 'clone.git');
  const r = await git(['clone', '-q', '--mirror', '--no-local', `--upload-pack=${PUSHGATE_UPLOAD_PACK}`, source, clone]);
  t.equal(r.code, 0, r.stderr);
  t.same(await refsOf(clone), await refsOf(source), 'every ref');
  const count = async (gitDir: string) => (await gitOk(['--git-dir', gitDir, 'count-objects', '-v'])).match(/in-pack: (\d+)/)?.[1];
  t.equal(await count(clone), await count(source), 'same number of objects');
  await assertFsckClean(t, clone, source);
});
