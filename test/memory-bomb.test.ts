import t, { type Test } from 'tap';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { initRepository } from '../src/repo/init-repository.js';
import { indexPack } from '../src/pack/index.js';
import { git, gitEnv, gitOk, PROJECT_ROOT, PUSHGATE_BIN, run, tempDir } from './helpers/git.js';
import { makeDelta, PackBuilder, type DeltaOp } from './helpers/pack-builder.js';
import { demuxSideband, reportLines, updateRequestBody } from './helpers/wire.js';

// Memory bombs (issue 10, item 3): objects of any size are inflated, hashed,
// checked and written as streams, so a push's memory does not grow with the
// size of what it carries. Peak RSS is measured on the real server process.

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
/** The bound the issue sets for the server while a bomb goes through. */
const LIMIT = 256 * MiB;
const ZERO = '0'.repeat(40);

const { dir: root, cleanup } = await tempDir('pushgate-bomb-');
t.teardown(cleanup);

/** Peak RSS (bytes) of a command run under /usr/bin/time, as it wrote it to `file`. */
function peakFrom(file: string): number {
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  return Number(lines[lines.length - 1]) * KiB;
}

function mib(bytes: number): string {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}

/** git push through `pushgate receive-pack` on stdio, under /usr/bin/time: the push's result and the server's peak RSS. */
async function pushOverStdio(cwd: string, target: string, refspec: string) {
  const rssFile = path.join(root, `rss-${Date.now()}-${Math.random()}`);
  const receivePack = `/usr/bin/time -f %M -o ${rssFile} node ${PUSHGATE_BIN} receive-pack`;
  const result = await git(['push', '-q', `--receive-pack=${receivePack}`, target, refspec], { cwd });
  return { ...result, peak: peakFrom(rssFile) };
}

/** `pushgate receive-pack` on stdio fed a raw request (commands + pack), under /usr/bin/time. */
async function rawPushOverStdio(target: string, request: Buffer) {
  const rssFile = path.join(root, `rss-raw-${Date.now()}`);
  const child = spawn('/usr/bin/time', ['-f', '%M', '-o', rssFile, 'node', PUSHGATE_BIN, 'receive-pack', target], {
    env: gitEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const out: Buffer[] = [];
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', () => undefined);
  child.stdin.end(request);
  const [code] = (await once(child, 'close')) as [number];
  const stdout = Buffer.concat(out);
  return { code, response: demuxSideband(afterAdvertisement(stdout)), peak: peakFrom(rssFile) };
}

/** The bytes after the ref advertisement (pkt-lines up to the first flush). */
function afterAdvertisement(stdout: Buffer): Buffer {
  let at = 0;
  while (at + 4 <= stdout.length) {
    const length = parseInt(stdout.toString('latin1', at, at + 4), 16);
    at += length === 0 ? 4 : length;
    if (length === 0) break;
  }
  return stdout.subarray(at);
}

/** The zlib stream of `size` zero bytes, made in pieces (never holding them). */
async function deflatedZeros(size: number): Promise<Buffer> {
  const deflate = zlib.createDeflate();
  const parts: Buffer[] = [];
  deflate.on('data', (c: Buffer) => parts.push(c));
  const piece = Buffer.alloc(MiB);
  for (let done = 0; done < size; done += MiB) {
    if (!deflate.write(piece.subarray(0, Math.min(MiB, size - done)))) await once(deflate, 'drain');
  }
  deflate.end();
  await once(deflate, 'end');
  return Buffer.concat(parts);
}

function zerosBlobId(size: number): string {
  const hash = createHash('sha1').update(`blob ${size}\0`);
  const piece = Buffer.alloc(MiB);
  for (let done = 0; done < size; done += MiB) hash.update(piece.subarray(0, Math.min(MiB, size - done)));
  return hash.digest('hex');
}

/** Appends a tree naming `blob` big.bin and a commit of it to `b`; returns the commit id. */
function treeAndCommit(b: PackBuilder, blob: string): string {
  const tree = Buffer.concat([Buffer.from('100644 big.bin\0'), Buffer.from(blob, 'hex')]);
  b.object('tree', tree);
  const who = 'Bomb <bomb@example.com> 1700000000 +0000';
  const commit = `tree ${b.oid('tree', tree)}\nauthor ${who}\ncommitter ${who}\n\nbomb\n`;
  b.object('commit', commit);
  return b.oid('commit', commit);
}

/** A repository whose `big` branch holds a 1 GiB blob of zeros, and `mixed` the same among 120 small blobs. */
async function bombRepo(): Promise<string> {
  const work = path.join(root, 'work');
  await gitOk(['init', '-q', '-b', 'big', work]);
  const hashed = await run('sh', ['-c', 'head -c 1G /dev/zero | git hash-object -w --stdin'], { cwd: work });
  if (hashed.code !== 0) throw new Error(hashed.stderr);
  await gitOk(['update-index', '--add', '--cacheinfo', `100644,${hashed.stdout.trim()},big.bin`], { cwd: work });
  await gitOk(['commit', '-q', '-m', 'a 1 GiB blob of zeros'], { cwd: work });
  await gitOk(['checkout', '-q', '--orphan', 'mixed'], { cwd: work });
  for (let i = 0; i < 120; i++) writeFileSync(path.join(work, `small-${i}.txt`), `small blob ${i}\n`.repeat(i + 1));
  await gitOk(['add', '.'], { cwd: work });
  await gitOk(['commit', '-q', '-m', 'the big blob among 120 small ones'], { cwd: work });
  // A bare repository holding the blob loose, as stock git's unpack-objects leaves a small push.
  const loose = path.join(root, 'loose.git');
  await gitOk(['init', '-q', '--bare', loose]);
  const blob = hashed.stdout.trim();
  mkdirSync(path.join(loose, 'objects', blob.slice(0, 2)));
  copyFileSync(
    path.join(work, '.git/objects', blob.slice(0, 2), blob.slice(2)),
    path.join(loose, 'objects', blob.slice(0, 2), blob.slice(2)),
  );
  const tree = await gitOk(['--git-dir', loose, 'mktree'], { input: `100644 blob ${blob}\tbig.bin\n` });
  const commit = await gitOk(['--git-dir', loose, 'commit-tree', '-m', 'loose', tree]);
  await gitOk(['--git-dir', loose, 'update-ref', 'refs/heads/main', commit]);
  // Packed, git's side of each push copies the compressed blob instead of deflating 1 GiB again.
  await gitOk(['repack', '-adq'], { cwd: work });
  return work;
}

/** A normal commit on a branch of its own, pushed after a bomb. */
async function normalCommit(work: string, branch: string): Promise<void> {
  await gitOk(['checkout', '-q', '--orphan', branch], { cwd: work });
  await gitOk(['rm', '-rq', '--cached', '.'], { cwd: work });
  writeFileSync(path.join(work, `${branch}.txt`), `${branch}\n`);
  await gitOk(['add', `${branch}.txt`], { cwd: work });
  await gitOk(['commit', '-q', '-m', branch], { cwd: work });
}

async function fsckOk(t: Test, gitDir: string): Promise<void> {
  const fsck = await git(['--git-dir', gitDir, 'fsck', '--no-dangling']);
  t.equal(fsck.code, 0, `git fsck passes: ${fsck.stderr}`);
}

const work = await bombRepo();

t.test('stdio: a 1 GiB blob of zeros, alone and among 120 small blobs', async (t) => {
  for (const branch of ['big', 'mixed']) {
    const target = path.join(root, `stdio-${branch}.git`);
    await initRepository(target, { algo: 'sha1', defaultBranch: 'main' });
    const push = await pushOverStdio(work, target, `${branch}:refs/heads/main`);
    t.equal(push.code, 0, `${branch}: the push succeeds ${push.stderr}`);
    t.ok(push.peak <= LIMIT, `${branch}: peak RSS ${mib(push.peak)} ≤ ${mib(LIMIT)}`);
    t.equal(await gitOk(['--git-dir', target, 'rev-parse', 'main']), await gitOk(['rev-parse', branch], { cwd: work }));
    await fsckOk(t, target);
    t.same(
      readdirSync(path.join(target, 'objects/pack')).filter((f) => f.startsWith('tmp_')),
      [],
      'no temp files left',
    );
  }
  await normalCommit(work, 'after-stdio');
  const target = path.join(root, 'stdio-big.git');
  const normal = await pushOverStdio(work, target, 'after-stdio:refs/heads/after');
  t.equal(normal.code, 0, `a normal push works afterwards ${normal.stderr}`);
});

t.test('stdio: a clone of a repository holding the 1 GiB blob loose', async (t) => {
  const loose = path.join(root, 'loose.git');
  const rssFile = path.join(root, 'rss-clone-loose');
  const uploadPack = `/usr/bin/time -f %M -o ${rssFile} node ${PUSHGATE_BIN} upload-pack`;
  const clone = path.join(root, 'clone-loose.git');
  const cloned = await git(['clone', '-q', '--no-local', '--bare', `--upload-pack=${uploadPack}`, loose, clone]);
  t.equal(cloned.code, 0, `the clone succeeds ${cloned.stderr}`);
  const peak = peakFrom(rssFile);
  t.ok(peak <= LIMIT, `peak RSS ${mib(peak)} ≤ ${mib(LIMIT)}`);
  await fsckOk(t, clone);
});

t.test('stdio: a thin pack whose delta base is the 1 GiB blob already in the repository', async (t) => {
  const target = path.join(root, 'stdio-big.git');
  const bigBlob = await gitOk(['rev-parse', 'big:big.bin'], { cwd: work });
  const b = new PackBuilder().header(3);
  b.refDelta(bigBlob, makeDelta(GiB, [{ copy: [0, 1000] }, { insert: 'thin\n' }]));
  const blob = b.oid('blob', Buffer.concat([Buffer.alloc(1000), Buffer.from('thin\n')]));
  const commit = treeAndCommit(b, blob);
  const request = updateRequestBody([{ oldOid: ZERO, newOid: commit, ref: 'refs/heads/thin' }], b.digest().build());
  const push = await rawPushOverStdio(target, request);
  t.same(reportLines(push.response.report), ['unpack ok', 'ok refs/heads/thin'], push.response.messages);
  t.ok(push.peak <= LIMIT, `peak RSS ${mib(push.peak)} ≤ ${mib(LIMIT)}`);
  await fsckOk(t, target);
});

t.test('stdio: a small delta whose result is 1 GiB of zeros', async (t) => {
  const target = path.join(root, 'delta-bomb.git');
  await initRepository(target, { algo: 'sha1', defaultBranch: 'main' });
  const b = new PackBuilder().header(4);
  const base = b.object('blob', Buffer.alloc(64 * KiB));
  // 16,384 copies of the whole 64 KiB base: a 56 KiB delta that builds 1 GiB.
  const ops: DeltaOp[] = Array.from({ length: GiB / (64 * KiB) }, () => ({ copy: [0, 64 * KiB] }));
  b.ofsDelta(base, makeDelta(64 * KiB, ops));
  const blob = zerosBlobId(GiB);
  const commit = treeAndCommit(b, blob);
  const push = await rawPushOverStdio(
    target,
    updateRequestBody([{ oldOid: ZERO, newOid: commit, ref: 'refs/heads/main' }], b.digest().build()),
  );
  t.same(reportLines(push.response.report), ['unpack ok', 'ok refs/heads/main'], push.response.messages);
  t.ok(push.peak <= LIMIT, `peak RSS ${mib(push.peak)} ≤ ${mib(LIMIT)}`);
  t.equal(await gitOk(['--git-dir', target, 'cat-file', '-s', blob]), String(GiB), 'the blob is there, 1 GiB');
  await fsckOk(t, target);
});

t.test('the delta resolver builds big bases and results in pieces, exactly as git indexes them', async (t) => {
  const dir = path.join(root, 'big-deltas');
  mkdirSync(dir);
  const size = 20 * MiB; // above the streaming threshold (16 MiB)
  const baseData = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) baseData.writeUInt32LE((i * 2654435761) >>> 0, i);
  const copyAll = (length: number): DeltaOp[] => {
    const ops: DeltaOp[] = [];
    for (let at = 0; at < length; at += 8 * MiB) ops.push({ copy: [at, Math.min(8 * MiB, length - at)] });
    return ops;
  };
  const b = new PackBuilder().header(8);
  const base = b.object('blob', baseData);
  // A big result with an OFS child (kept, spilled), and that child: a big leaf read from the spilled base.
  const twice = b.ofsDelta(base, makeDelta(size, [...copyAll(size), ...copyAll(size), { insert: 'tail' }]));
  b.ofsDelta(twice, makeDelta(2 * size + 4, [{ insert: 'head' }, ...copyAll(30 * MiB)]));
  // A small result of a big (spilled) base.
  b.ofsDelta(base, makeDelta(size, [{ copy: [100, 1000] }]));
  // A big result with only a REF child: not kept, rebuilt when the child needs it.
  b.ofsDelta(base, makeDelta(size, [...copyAll(size), { insert: 'five' }]));
  b.refDelta(b.oid('blob', Buffer.concat([baseData, Buffer.from('five')])), makeDelta(size + 4, [{ copy: [size - 10, 14] }]));
  // A big delta (17 MiB of inserted data, above the threshold itself) on a small base.
  const small = b.object('blob', 'small base\n');
  b.ofsDelta(small, makeDelta(11, [{ copy: [0, 11] }, { insert: Buffer.alloc(17 * MiB, 'x') }]));
  const whole = b.digest().build();
  const packPath = path.join(dir, 'in.pack');
  writeFileSync(packPath, whole);
  const result = await indexPack({
    input: (async function* () {
      yield whole;
    })(),
    packDir: dir,
    algo: 'sha1',
  });
  await gitOk(['index-pack', '-o', path.join(dir, 'git.idx'), packPath]);
  t.same(readFileSync(result.idxPath), readFileSync(path.join(dir, 'git.idx')), 'idx identical to git index-pack');
  t.same(
    readdirSync(dir).filter((f) => f.startsWith('tmp_')),
    [],
    'no spill or temp file left',
  );
});

t.test('HTTP: the bombs against a server process (createServer, as serve runs it), and a clone of the big blob', async (t) => {
  const dataDir = path.join(root, 'data');
  for (const name of ['big', 'mixed', 'gzip']) {
    await initRepository(path.join(dataDir, `${name}.git`), { algo: 'sha1', defaultBranch: 'main' });
  }
  const server = await serve(t, dataDir);

  for (const branch of ['big', 'mixed']) {
    const before = server.resetPeak();
    const push = await git(['push', '-q', `${server.url}/${branch}.git`, `${branch}:refs/heads/main`], { cwd: work });
    const peak = server.peak();
    t.equal(push.code, 0, `${branch}: the push succeeds ${push.stderr}`);
    t.ok(peak <= LIMIT, `${branch}: peak RSS ${mib(peak)} ≤ ${mib(LIMIT)} (${mib(before)} before)`);
    await fsckOk(t, path.join(dataDir, `${branch}.git`));
  }

  const beforeClone = server.resetPeak();
  const clone = path.join(root, 'clone.git');
  const cloned = await git(['clone', '-q', '--bare', `${server.url}/big.git`, clone]);
  const clonePeak = server.peak();
  t.equal(cloned.code, 0, `the clone succeeds ${cloned.stderr}`);
  t.ok(clonePeak <= LIMIT, `clone: peak RSS ${mib(clonePeak)} ≤ ${mib(LIMIT)} (${mib(beforeClone)} before)`);
  await fsckOk(t, clone);

  // 512 MiB of zeros in a pack, the request gzipped: about a kilobyte on the wire.
  const b = new PackBuilder().header(3);
  b.object('blob', '', { declaredSize: 512 * MiB, compressed: await deflatedZeros(512 * MiB) });
  const commit = treeAndCommit(b, zerosBlobId(512 * MiB));
  const body = zlib.gzipSync(updateRequestBody([{ oldOid: ZERO, newOid: commit, ref: 'refs/heads/main' }], b.digest().build()), {
    level: 9,
  });
  t.ok(body.length < 4 * KiB, `the gzipped request is ${body.length} bytes`);
  const beforeGzip = server.resetPeak();
  const response = await fetch(`${server.url}/gzip.git/git-receive-pack`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-git-receive-pack-request', 'content-encoding': 'gzip' },
    body: new Uint8Array(body),
  });
  const reply = demuxSideband(Buffer.from(await response.arrayBuffer()));
  const gzipPeak = server.peak();
  t.same(reportLines(reply.report), ['unpack ok', 'ok refs/heads/main'], reply.messages);
  t.ok(gzipPeak <= LIMIT, `gzip bomb: peak RSS ${mib(gzipPeak)} ≤ ${mib(LIMIT)} (${mib(beforeGzip)} before)`);
  await fsckOk(t, path.join(dataDir, 'gzip.git'));

  await normalCommit(work, 'after-http');
  const normal = await git(['push', '-q', `${server.url}/big.git`, 'after-http:refs/heads/after'], { cwd: work });
  t.equal(normal.code, 0, `a normal push works afterwards ${normal.stderr}`);
});

/**
 * The server in a child process, whose memory the test reads from /proc:
 * createServer from the build with no database (open access), because the
 * embedded database of `pushgate serve` alone takes 350-850 MB and would
 * hide what a push costs. `serve` maps its flags to the same createServer.
 */
async function serve(t: Test, dataDir: string) {
  const script = `
    const { createServer } = await import(${JSON.stringify(path.join(PROJECT_ROOT, 'dist/server.js'))});
    const server = await createServer({ dataDir: ${JSON.stringify(dataDir)}, host: '127.0.0.1', httpPort: 0, allowAnonymousPush: true });
    await server.listen();
    process.stdout.write('listening ' + server.url + '\\n');
    process.once('SIGTERM', () => server.close().then(() => process.exit(0)));`;
  const child: ChildProcess = spawn('node', ['--input-type=module', '-e', script], {
    env: { ...gitEnv(), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  });
  child.stderr!.on('data', () => undefined);
  let text = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (c: Buffer) => {
      text += c.toString();
      const match = /listening (http:\/\/\S+)\n/.exec(text);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`the server exited ${code}: ${text}`)));
  });
  const status = () => readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status())![1]) * KiB;
  return {
    url,
    /** Starts a new peak (Linux: clear_refs 5 resets VmHWM); returns the RSS now. */
    resetPeak(): number {
      writeFileSync(`/proc/${child.pid}/clear_refs`, '5');
      return field('VmRSS');
    },
    peak: () => field('VmHWM'),
  };
}
