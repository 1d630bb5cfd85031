import t, { type Test } from 'tap';
import { connect } from 'node:net';
import path from 'node:path';
import { createGzip, gzipSync } from 'node:zlib';
import { FLUSH_PKT, pktLine } from '../src/protocol/pkt-line.js';
import { initRepository } from '../src/repo/init-repository.js';
import { git, gitOk, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';
import { packOf, updateRequestBody } from './helpers/wire.js';

/**
 * HTTP bodies that are broken or refused early (issue 10, items 8 and 11):
 * a Content-Encoding that does not hold gets a 400 with the reason (not a 200
 * with nothing), a decoded body past the limit a 413, and an early refusal
 * of a body the client is still sending ends the connection after the
 * answer instead of leaving the client waiting.
 */

const ZERO = '0'.repeat(40);
const SERVICES = ['git-upload-pack', 'git-receive-pack'] as const;
type Service = (typeof SERVICES)[number];

async function setup(t: Test, maxBodyBytes?: Partial<Record<Service, number>>) {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const gitDir = path.join(dataDir, 'demo.git');
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true, maxBodyBytes });
  const url = `${server.url}/demo.git`;
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('one');
  await work.gitOk(['push', '-q', url, 'main']);
  const c2 = await work.commit('two');
  return { dir, gitDir, url, work, c1, c2, port: Number(new URL(server.url).port) };
}

/** A valid request body for each service: fetch c1, or push c2 onto main. */
async function validBody(service: Service, s: { work: WorkRepo; c1: string; c2: string }): Promise<Buffer> {
  if (service === 'git-upload-pack') {
    return Buffer.concat([pktLine(`want ${s.c1} side-band-64k ofs-delta\n`), FLUSH_PKT, pktLine('done\n')]);
  }
  const pack = await packOf(s.work.dir, [s.c2, `^${s.c1}`]);
  return updateRequestBody([{ oldOid: s.c1, newOid: s.c2, ref: 'refs/heads/main' }], pack);
}

async function post(url: string, service: Service, body: Buffer, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/${service}`, {
    method: 'POST',
    headers: { 'content-type': `application/x-${service}-request`, ...headers },
    body: new Uint8Array(body),
  });
  return { status: response.status, text: await response.text() };
}

t.test('Content-Encoding: gzip that is not gzip, or is cut short: 400 with the reason; valid gzip still works', async (t) => {
  const s = await setup(t);
  for (const service of SERVICES) {
    const body = await validBody(service, s);
    let r = await post(s.url, service, body, { 'content-encoding': 'gzip' });
    t.equal(r.status, 400, `${service}: not gzip`);
    t.match(r.text, /^request body is not valid gzip data \(incorrect header check\)/);

    const zipped = gzipSync(body);
    r = await post(s.url, service, zipped.subarray(0, Math.floor(zipped.length / 2)), { 'content-encoding': 'gzip' });
    t.equal(r.status, 400, `${service}: truncated gzip`);
    t.match(r.text, /^request body is not valid gzip data \(unexpected end of file\)/);

    r = await post(s.url, service, Buffer.from('not deflate at all'), { 'content-encoding': 'deflate' });
    t.equal(r.status, 400, `${service}: not deflate`);
    t.match(r.text, /^request body is not valid deflate data/);
  }
  t.equal(await gitOk(['--git-dir', s.gitDir, 'rev-parse', 'main']), s.c1, 'nothing was pushed');
  for (const service of SERVICES) {
    const r = await post(s.url, service, gzipSync(await validBody(service, s)), { 'content-encoding': 'gzip' });
    t.equal(r.status, 200, `${service}: real gzip is served`);
  }
  t.equal(await gitOk(['--git-dir', s.gitDir, 'rev-parse', 'main']), s.c2, 'the gzipped push landed');
});

t.test('a gzip bomb past the body limit: 413 with the limit, memory bounded', async (t) => {
  const limit = 1024 * 1024;
  const s = await setup(t, { 'git-upload-pack': limit, 'git-receive-pack': limit });
  // 256 MiB of request lines, a few hundred KiB gzipped.
  const line = (service: Service) =>
    service === 'git-upload-pack' ? pktLine(`want ${s.c1}\n`) : pktLine(`${ZERO} ${s.c1} refs/heads/aaaaaaaaaaaaaaaaaaaaaaaaa`);
  for (const service of SERVICES) {
    const one = line(service);
    const block = Buffer.concat(Array.from({ length: Math.ceil((1024 * 1024) / one.length) }, () => one));
    const zipped = await gzipOf(block, 256);
    t.ok(zipped.length < 2 * 1024 * 1024, `${service}: the bomb is ${zipped.length} bytes`);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const r = await post(s.url, service, zipped, { 'content-encoding': 'gzip' });
    clearInterval(sampler);
    const grew = (peak - before) / 1024 / 1024;
    t.equal(r.status, 413, `${service}: refused`);
    t.equal(r.text, `request body exceeds the limit of ${limit} bytes\n`);
    t.ok(grew < 128, `${service}: the server's memory grew by ${grew.toFixed(0)} MiB, not by the bomb's size`);
  }
  const clone = await git(['clone', '-q', s.url, path.join(s.dir, 'after')]);
  t.equal(clone.code, 0, `a clone works afterwards: ${clone.stderr}`);
});

/** `block` `times` over, gzipped as a stream (the test does not hold the inflated bytes either). */
function gzipOf(block: Buffer, times: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const gzip = createGzip({ level: 9 });
    const out: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => out.push(chunk));
    gzip.on('end', () => resolve(Buffer.concat(out)));
    gzip.on('error', reject);
    let n = 0;
    const more = () => {
      while (n < times) {
        n++;
        if (!gzip.write(block)) return void gzip.once('drain', more);
      }
      gzip.end();
    };
    more();
  });
}

/**
 * A raw HTTP client: sends the headers and `first`, then keeps sending
 * filler slowly (a body far longer than what it sends). Resolves with what
 * it received once the server ends the connection.
 */
function slowClient(port: number, service: Service, first: Buffer): Promise<{ response: string; ended: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const guard = setTimeout(() => finish(false), 20_000);
    const finish = (ended: boolean) => {
      clearInterval(timer);
      clearTimeout(guard);
      socket.destroy();
      resolve({ response: Buffer.concat(received).toString('latin1'), ended });
    };
    socket.on('data', (chunk) => received.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      socket.write(
        `POST /demo.git/${service} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-${service}-request\r\n` +
          `Content-Length: ${512 * 1024 * 1024}\r\n\r\n`,
      );
      socket.write(first);
      const filler = Buffer.alloc(64 * 1024, 0x30);
      timer = setInterval(() => {
        if (!socket.destroyed) socket.write(filler);
      }, 50);
    });
  });
}

t.test('a refused big HTTP body: the client gets the answer and the connection ends', async (t) => {
  const s = await setup(t);
  const bad: Record<Service, Buffer> = {
    'git-upload-pack': pktLine('want not-an-object-id\n'),
    'git-receive-pack': pktLine('this is not a command\n'),
  };
  for (const service of SERVICES) {
    const { response, ended } = await slowClient(s.port, service, bad[service]);
    t.ok(ended, `${service}: the server ended the connection`);
    t.match(response, /^HTTP\/1\.1 200 OK\r\n/, `${service}: the answer came`);
    t.match(response, /\r\nconnection: close\r\n/i, `${service}: saying the connection will not be reused`);
    t.match(
      response,
      /ERR (git upload-pack: protocol error|protocol error: expected old\/new\/ref)/,
      `${service}: with the error`,
    );
  }
  // And the server is fine.
  const clone = await git(['clone', '-q', s.url, path.join(s.dir, 'after')]);
  t.equal(clone.code, 0, clone.stderr);
});
