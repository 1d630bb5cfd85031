/**
 * A client that hangs up in the middle of its pack (killed, network gone):
 * the server notices at once, not after the idle timeout, winds the push
 * down and leaves no trace, over stdio (the CLI drop-in exits), SSH and
 * HTTP. The hang-up comes once the quarantine exists, so that there is
 * something to clean up.
 */
import t from 'tap';
import http from 'node:http';
import path from 'node:path';
import ssh2 from 'ssh2';
import { FLUSH_PKT, pktLine } from '../src/protocol/pkt-line.js';
import type { AccessControl } from '../src/index.js';
import { gitOk, PUSHGATE_BIN, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { eventually, objectFiles, quarantines } from './helpers/no-trace.js';
import { afterFirstFlush } from './helpers/pkt-summary.js';
import { sshPeer, stdioPeer, type RawPeer } from './helpers/raw-peer.js';
import { startTestServer } from './helpers/server.js';
import { packOf } from './helpers/wire.js';

const ZERO = '0'.repeat(40);
/** Far beyond every wait below: a push that ends at all ends because of the hang-up. */
const IDLE_SECONDS = 600;
const WIND_DOWN_MS = 4000;

const anyKey: AccessControl = {
  acceptsCredentials: true,
  authenticatePassword: async () => null,
  authenticatePublicKey: async () => ({ username: 'tester' }),
  check: async () => 'allow',
  refusal: () => '',
};

t.test('a client that hangs up mid-pack leaves no trace', async (t) => {
  const { dir, cleanup } = await tempDir('pushgate-hang-up-');
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const server = await startTestServer(t, { dataDir, access: anyKey, sshPort: 0, idleTimeoutSeconds: IDLE_SECONDS });
  const key = Buffer.from(ssh2.utils.generateKeyPairSync('ed25519').private);

  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('one');
  let c2 = c1;
  for (let i = 0; i < 20; i++) c2 = await work.commit(`more ${i}`, { [`big-${i}.txt`]: `${'x'.repeat(5000)} ${i}\n` });
  const pack = await packOf(work.dir, [c2, `^${c1}`]);
  const halfPush = Buffer.concat([
    pktLine(`${ZERO} ${c2} refs/heads/topic\0report-status side-band-64k`),
    FLUSH_PKT,
    pack.subarray(0, pack.length >> 1),
  ]);

  for (const transport of ['stdio', 'ssh', 'http'] as const) {
    await t.test(transport, async (t) => {
      const name = `hang-up-${transport}.git`;
      const gitDir = path.join(dataDir, name);
      await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
      await gitOk(['--git-dir', gitDir, 'config', 'http.receivepack', 'true']);
      await gitOk(['push', '-q', gitDir, `${c1}:refs/heads/main`], { cwd: work.dir });
      const refsBefore = await refsOf(gitDir);
      const filesBefore = await objectFiles(gitDir);
      const hasQuarantine = async () => (await quarantines(gitDir)).length > 0;

      let peer: RawPeer | undefined;
      let request: http.ClientRequest | undefined;
      if (transport === 'http') {
        request = http.request(`${server.url}/${name}/git-receive-pack`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-git-receive-pack-request', 'transfer-encoding': 'chunked' },
        });
        request.on('error', () => undefined);
        request.write(halfPush);
      } else {
        peer =
          transport === 'stdio'
            ? stdioPeer(process.execPath, [PUSHGATE_BIN, 'receive-pack', gitDir])
            : await sshPeer(server.ssh!.port, key, `git-receive-pack '/${name}'`);
        t.teardown(() => peer!.destroy());
        t.ok(await peer.waitFor((out) => afterFirstFlush(out) >= 0, 15_000), 'the advertisement');
        peer.write(halfPush);
      }
      t.ok(await eventually(hasQuarantine, WIND_DOWN_MS), 'the push is under way (a quarantine exists)');

      // The hang-up: the whole connection goes (stdio: the client's end of both pipes).
      if (request) request.destroy();
      else if (transport === 'stdio') peer!.endInput();
      else peer!.destroy();

      if (transport === 'stdio') t.ok(await peer!.waitFor((_, ended) => ended, WIND_DOWN_MS), 'the drop-in exits');
      t.ok(await eventually(async () => !(await hasQuarantine()), WIND_DOWN_MS), 'the quarantine is removed at once');
      t.same(await objectFiles(gitDir), filesBefore, 'no new objects or packs');
      t.same(await refsOf(gitDir), refsBefore, 'no ref changed');
    });
  }
});
