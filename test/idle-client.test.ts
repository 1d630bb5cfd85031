/**
 * A client that stops half way (after the advertisement, after its
 * commands, in the middle of the pack, after its wants) and keeps the
 * connection open is dropped once the server's idle timeout passes
 * (`idleTimeoutSeconds`, for SSH and HTTP alike), and the push it abandoned
 * leaves no trace: the same refs, the same object files, no quarantine left.
 */
import t from 'tap';
import http from 'node:http';
import path from 'node:path';
import ssh2 from 'ssh2';
import { FLUSH_PKT, pktLine } from '../src/protocol/pkt-line.js';
import type { AccessControl } from '../src/index.js';
import { gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { eventually, objectFiles, quarantines } from './helpers/no-trace.js';
import { afterFirstFlush } from './helpers/pkt-summary.js';
import { sshPeer } from './helpers/raw-peer.js';
import { startTestServer } from './helpers/server.js';
import { packOf } from './helpers/wire.js';

const ZERO = '0'.repeat(40);
const IDLE_SECONDS = 1;
/** The drop may come this much later than the idle timeout (a busy machine). */
const SLACK_MS = 5000;

const anyKey: AccessControl = {
  acceptsCredentials: true,
  authenticatePassword: async () => null,
  authenticatePublicKey: async () => ({ username: 'tester' }),
  check: async () => 'allow',
  refusal: () => '',
};

/**
 * A POST whose body is started and never finished (chunked, no end): resolves
 * with how long the server took to close the connection, or null if it did
 * not within `ms`.
 */
function abandonedPost(url: string, service: string, bytes: Buffer, ms: number): Promise<number | null> {
  const started = Date.now();
  return new Promise((resolve) => {
    const request = http.request(`${url}/${service}`, {
      method: 'POST',
      headers: { 'content-type': `application/x-${service}-request`, 'transfer-encoding': 'chunked' },
    });
    const timer = setTimeout(() => {
      request.destroy();
      resolve(null);
    }, ms);
    request.on('response', (response) => {
      response.on('error', () => undefined);
      response.resume();
    });
    request.on('error', () => undefined);
    request.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
    request.write(bytes);
  });
}

t.test('a client that stops half way is dropped after the idle timeout, and leaves no trace', async (t) => {
  const { dir, cleanup } = await tempDir('pushgate-idle-');
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const server = await startTestServer(t, { dataDir, access: anyKey, sshPort: 0, idleTimeoutSeconds: IDLE_SECONDS });
  const key = Buffer.from(ssh2.utils.generateKeyPairSync('ed25519').private);

  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('one');
  let c2 = c1;
  for (let i = 0; i < 20; i++) c2 = await work.commit(`more ${i}`, { [`big-${i}.txt`]: `${'x'.repeat(5000)} ${i}\n` });
  const pack = await packOf(work.dir, [c2, `^${c1}`]);
  const commands = Buffer.concat([pktLine(`${ZERO} ${c2} refs/heads/topic\0report-status side-band-64k`), FLUSH_PKT]);
  const wants = Buffer.concat([pktLine(`want ${c1} multi_ack_detailed side-band-64k ofs-delta\n`), FLUSH_PKT]);

  const cases: { name: string; service: 'receive-pack' | 'upload-pack'; sent: Buffer }[] = [
    { name: 'after the advertisement', service: 'receive-pack', sent: Buffer.alloc(0) },
    { name: 'after the commands', service: 'receive-pack', sent: commands },
    {
      name: 'in the middle of the pack',
      service: 'receive-pack',
      sent: Buffer.concat([commands, pack.subarray(0, pack.length >> 1)]),
    },
    { name: 'after the wants', service: 'upload-pack', sent: wants },
  ];

  let serial = 0;
  for (const transport of ['ssh', 'http'] as const) {
    for (const c of cases) {
      if (transport === 'http' && c.sent.length === 0) continue; // over HTTP the advertisement is a request of its own
      await t.test(`${transport} ${c.service}: ${c.name}`, async (t) => {
        const name = `idle-${++serial}.git`;
        const gitDir = path.join(dataDir, name);
        await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
        await gitOk(['--git-dir', gitDir, 'config', 'http.receivepack', 'true']);
        await gitOk(['push', '-q', gitDir, `${c1}:refs/heads/main`], { cwd: work.dir });
        const refsBefore = await refsOf(gitDir);
        const filesBefore = await objectFiles(gitDir);
        const limit = IDLE_SECONDS * 1000 + SLACK_MS;

        let elapsed: number | null;
        if (transport === 'ssh') {
          const peer = await sshPeer(server.ssh!.port, key, `git-${c.service} '/${name}'`);
          t.teardown(() => peer.destroy());
          t.ok(await peer.waitFor((out) => afterFirstFlush(out) >= 0, 15_000), 'the advertisement');
          const started = Date.now();
          if (c.sent.length) peer.write(c.sent);
          elapsed = (await peer.waitFor((_, ended) => ended, limit)) ? Date.now() - started : null;
        } else {
          elapsed = await abandonedPost(`${server.url}/${name}`, `git-${c.service}`, c.sent, limit);
        }
        t.not(elapsed, null, `the server drops the silent client within ${limit} ms`);
        t.ok(elapsed === null || elapsed >= IDLE_SECONDS * 1000 - 100, `not before the idle timeout (${elapsed} ms)`);

        // The abandoned push winds down after the drop: give it a moment, bounded.
        await eventually(async () => (await quarantines(gitDir)).length === 0, 3000);
        t.same(await quarantines(gitDir), [], 'no quarantine left');
        t.same(await objectFiles(gitDir), filesBefore, 'no new objects or packs');
        t.same(await refsOf(gitDir), refsBefore, 'no ref changed');
      });
    }
  }
});
