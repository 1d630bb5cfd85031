/**
 * The "waits for input a client need not send" class of hangs, raw: each
 * case sends exactly what a client sends (after reading the advertisement,
 * as clients do) and then keeps its end open. The server must answer in
 * full within a few seconds, and where stock git ends the exchange by itself
 * (receive-pack after its report, upload-pack v0 after the pack, v2 on a
 * lone flush) so must pushgate: over stdio (the CLI drop-ins), SSH and HTTP
 * (a keep-alive connection, the body sent whole), each compared with stock
 * git (stdio: git-receive-pack/git-upload-pack; HTTP: git http-backend).
 */
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { cp, mkdir } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import ssh2 from 'ssh2';
import { DELIM_PKT, FLUSH_PKT, pktLine } from '../src/protocol/pkt-line.js';
import { startSshServer, type AccessControl } from '../src/index.js';
import { startStockHttpBridge } from './clients/stock-bridges.js';
import { gitOk, PUSHGATE_BIN, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { afterFirstFlush, packets, summarise } from './helpers/pkt-summary.js';
import { postRpc, sshPeer, stdioPeer, type RawPeer } from './helpers/raw-peer.js';
import { startTestServer } from './helpers/server.js';
import { packOf } from './helpers/wire.js';

const ZERO = '0'.repeat(40);
/** How long a full answer may take once the request is sent. */
const ANSWER_MS = 4000;
/** A process or SSH session start, before the advertisement (node on a busy machine). */
const START_MS = 15_000;
const CAPS = 'report-status side-band-64k object-format=sha1 agent=raw-test';

type Transport = 'stdio' | 'ssh' | 'http';
type Service = 'receive-pack' | 'upload-pack';
type Side = 'stock' | 'pushgate';

interface Case {
  name: string;
  service: Service;
  /** GIT_PROTOCOL (env over stdio and SSH, Git-Protocol header over HTTP). */
  protocol?: string;
  request: Buffer;
  /**
   * `ends`: the server ends the exchange by itself (stock git does); `flush`:
   * the answer is complete at its closing flush and the server waits for the
   * client's next request (v2 between commands), which is legitimate.
   */
  complete: 'ends' | 'flush';
  only?: Transport[];
  /** HTTP: the body gzipped (C git gzips fetch requests over 1 KiB, JGit its pushes). */
  gzip?: boolean;
  /**
   * Stock git dies with this reason on stderr only (the client sees the
   * connection drop); pushgate also sends it as an ERR packet, as DESIGN.md
   * asks (never an unexplained disconnect).
   */
  errPacket?: string;
}

interface Answer {
  answered: boolean;
  /** The server ended its side while the client's was still open. */
  endedByItself: boolean;
  /** The server ended by the time the client's EOF had been given a moment (by itself or because of it). */
  ended: boolean;
  lines: string[];
  stderr: string;
}

const anyKey: AccessControl = {
  acceptsCredentials: true,
  authenticatePassword: async () => null,
  authenticatePublicKey: async () => ({ username: 'tester' }),
  check: async () => 'allow',
  refusal: () => '',
};

/** A pack with no objects, as isomorphic-git sends when the server has everything. */
function emptyPack(): Buffer {
  const header = Buffer.from([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2, 0, 0, 0, 0]);
  return Buffer.concat([header, createHash('sha1').update(header).digest()]);
}

function commands(list: [old: string, neu: string, ref: string][], caps: string): Buffer[] {
  return list.map(([o, n, r], i) => pktLine(i === 0 ? `${o} ${n} ${r}\0${caps}` : `${o} ${n} ${r}`));
}

t.test('every answer comes without input the client need not send', async (t) => {
  const { dir, cleanup } = await tempDir('pushgate-wait-');
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const stockRoot = path.join(dir, 'stock');
  await mkdir(dataDir, { recursive: true });
  await mkdir(stockRoot, { recursive: true });

  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c0 = await work.commit('zero');
  const c1 = await work.commit('one');
  const c2 = await work.commit('two');
  const template = path.join(dir, 'template.git');
  await gitOk(['init', '-q', '--bare', '-b', 'main', template]);
  await gitOk(['--git-dir', template, 'config', 'receive.advertisePushOptions', 'true']);
  await gitOk(['--git-dir', template, 'config', 'http.receivepack', 'true']);
  await gitOk(['push', '-q', template, `${c1}:refs/heads/main`, `${c1}:refs/heads/doomed`], { cwd: work.dir });
  const pack = await packOf(work.dir, [c2, `^${c1}`]);

  const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: true });
  const sshd = await startSshServer({ host: '127.0.0.1', port: 0, dataDir, access: anyKey, log });
  t.teardown(() => sshd.close());
  const key = Buffer.from(ssh2.utils.generateKeyPairSync('ed25519').private);
  const stockHttp = await startStockHttpBridge(t, stockRoot);

  const receive = (
    name: string,
    list: [string, string, string][],
    options: { caps?: string; pack?: Buffer; pushOptions?: string[]; protocol?: string } = {},
  ): Case => ({
    name,
    service: 'receive-pack',
    protocol: options.protocol,
    complete: 'ends',
    request: Buffer.concat([
      ...commands(list, options.caps ?? CAPS),
      FLUSH_PKT,
      ...(options.pushOptions ? [...options.pushOptions.map((o) => pktLine(o)), FLUSH_PKT] : []),
      ...(options.pack ? [options.pack] : []),
    ]),
  });
  const v2 = (command: string, args: string[]): Buffer =>
    Buffer.concat([
      pktLine(`command=${command}\n`),
      pktLine('object-format=sha1\n'),
      DELIM_PKT,
      ...args.map((a) => pktLine(`${a}\n`)),
      FLUSH_PKT,
    ]);
  const V0_CAPS = 'multi_ack_detailed side-band-64k ofs-delta agent=raw-test';

  const cases: Case[] = [
    receive('a new branch and its pack', [[ZERO, c2, 'refs/heads/topic']], { pack }),
    receive('report-status without side-band', [[ZERO, c2, 'refs/heads/topic']], { pack, caps: 'report-status' }),
    receive('report-status-v2', [[ZERO, c2, 'refs/heads/topic']], { pack, caps: 'report-status-v2 side-band-64k' }),
    receive('no report asked for', [[ZERO, c2, 'refs/heads/topic']], { pack, caps: 'agent=raw-test' }),
    receive('an empty pack (the new ref names a commit the server has)', [[ZERO, c1, 'refs/heads/again']], {
      pack: emptyPack(),
    }),
    receive('an unchanged ref (old = new) and an empty pack, as isomorphic-git sends it', [[c1, c1, 'refs/heads/main']], {
      pack: emptyPack(),
    }),
    receive('delete only', [[c1, ZERO, 'refs/heads/doomed']], { caps: `${CAPS} delete-refs` }),
    receive('delete of a ref that does not exist', [[ZERO, ZERO, 'refs/heads/never-was']], { caps: `${CAPS} delete-refs` }),
    receive(
      'a delete and a new branch',
      [
        [c1, ZERO, 'refs/heads/doomed'],
        [ZERO, c2, 'refs/heads/topic'],
      ],
      { pack, caps: `${CAPS} delete-refs` },
    ),
    receive('push options, then the pack', [[ZERO, c2, 'refs/heads/topic']], {
      pack,
      caps: `${CAPS} push-options`,
      pushOptions: ['ci.skip', 'reviewer=alice'],
    }),
    receive('push options, delete only', [[c1, ZERO, 'refs/heads/doomed']], {
      caps: `${CAPS} delete-refs push-options`,
      pushOptions: ['ci.skip'],
    }),
    receive(
      'atomic, two refs and the pack',
      [
        [ZERO, c2, 'refs/heads/topic'],
        [c1, c2, 'refs/heads/main'],
      ],
      { pack, caps: `${CAPS} atomic` },
    ),
    receive('protocol v1', [[ZERO, c2, 'refs/heads/topic']], { pack, protocol: 'version=1' }),
    receive('protocol v2 asked (receive-pack has none: v0)', [[ZERO, c2, 'refs/heads/topic']], { pack, protocol: 'version=2' }),
    { name: 'a flush alone (nothing to push)', service: 'receive-pack', request: FLUSH_PKT, complete: 'ends' },
    {
      name: 'a malformed command',
      service: 'receive-pack',
      request: Buffer.concat([pktLine(`${ZERO} refs/heads/x\0${CAPS}`), FLUSH_PKT]),
      complete: 'ends',
      errPacket: `protocol error: expected old/new/ref, got '${ZERO} refs/heads/x'`,
    },

    {
      name: 'v0 clone: wants, flush, done',
      service: 'upload-pack',
      request: Buffer.concat([pktLine(`want ${c1} ${V0_CAPS}\n`), FLUSH_PKT, pktLine('done\n')]),
      complete: 'ends',
    },
    {
      name: 'v0 fetch: want, flush, have, done',
      service: 'upload-pack',
      request: Buffer.concat([pktLine(`want ${c1} ${V0_CAPS}\n`), FLUSH_PKT, pktLine(`have ${c0}\n`), pktLine('done\n')]),
      complete: 'ends',
    },
    {
      name: 'v0 fetch: a have round ended by flush, then done',
      service: 'upload-pack',
      request: Buffer.concat([
        pktLine(`want ${c1} ${V0_CAPS}\n`),
        FLUSH_PKT,
        pktLine(`have ${c0}\n`),
        FLUSH_PKT,
        pktLine('done\n'),
      ]),
      complete: 'ends',
      only: ['stdio', 'ssh'],
    },
    {
      name: 'v0 a have round without done: one stateless round, ACKs only',
      service: 'upload-pack',
      request: Buffer.concat([pktLine(`want ${c1} ${V0_CAPS}\n`), FLUSH_PKT, pktLine(`have ${c0}\n`), FLUSH_PKT]),
      complete: 'ends',
      only: ['http'],
    },
    {
      name: 'v0 a have round without done, no-done: the pack follows ready',
      service: 'upload-pack',
      request: Buffer.concat([pktLine(`want ${c1} ${V0_CAPS} no-done\n`), FLUSH_PKT, pktLine(`have ${c0}\n`), FLUSH_PKT]),
      complete: 'ends',
      only: ['http'],
    },
    {
      name: 'v0 shallow clone: want, deepen, flush, done',
      service: 'upload-pack',
      request: Buffer.concat([pktLine(`want ${c1} ${V0_CAPS} shallow\n`), pktLine('deepen 1\n'), FLUSH_PKT, pktLine('done\n')]),
      complete: 'ends',
    },
    {
      name: 'v0 a want the server does not have',
      service: 'upload-pack',
      request: Buffer.concat([pktLine(`want ${c2} ${V0_CAPS}\n`), FLUSH_PKT, pktLine('done\n')]),
      complete: 'ends',
    },
    { name: 'v0 nothing wanted: a flush alone (ls-remote)', service: 'upload-pack', request: FLUSH_PKT, complete: 'ends' },
    {
      name: 'v1 clone',
      service: 'upload-pack',
      protocol: 'version=1',
      request: Buffer.concat([pktLine(`want ${c1} ${V0_CAPS}\n`), FLUSH_PKT, pktLine('done\n')]),
      complete: 'ends',
    },
    {
      name: 'v2 ls-refs',
      service: 'upload-pack',
      protocol: 'version=2',
      request: v2('ls-refs', ['peel', 'symrefs']),
      complete: 'flush',
    },
    {
      name: 'v2 fetch with done',
      service: 'upload-pack',
      protocol: 'version=2',
      request: v2('fetch', [`want ${c1}`, 'ofs-delta', `have ${c0}`, 'done']),
      complete: 'flush',
    },
    {
      name: 'v2 fetch without done (acknowledgments)',
      service: 'upload-pack',
      protocol: 'version=2',
      request: v2('fetch', [`want ${c1}`, 'ofs-delta', `have ${c0}`]),
      complete: 'flush',
    },
    {
      name: 'v2 shallow fetch with done',
      service: 'upload-pack',
      protocol: 'version=2',
      request: v2('fetch', [`want ${c1}`, 'ofs-delta', 'deepen 1', 'done']),
      complete: 'flush',
    },
    {
      name: 'v2 a flush alone ends the session',
      service: 'upload-pack',
      protocol: 'version=2',
      request: FLUSH_PKT,
      complete: 'ends',
    },
  ];
  // The same requests gzipped, where a body can be (HTTP).
  for (const name of ['a new branch and its pack', 'delete only', 'v0 fetch: want, flush, have, done', 'v2 fetch with done']) {
    const c = cases.find((c) => c.name === name)!;
    cases.push({ ...c, name: `${name}, gzipped`, gzip: true, only: ['http'] });
  }

  let serial = 0;
  /** A fresh copy of the template for one side of one conversation. */
  const fresh = async (side: Side): Promise<{ gitDir: string; name: string }> => {
    const name = `r${++serial}.git`;
    const gitDir = path.join(side === 'stock' ? stockRoot : dataDir, name);
    await cp(template, gitDir, { recursive: true });
    return { gitDir, name };
  };

  const converse = async (side: Side, transport: Transport, c: Case): Promise<Answer & { gitDir: string }> => {
    const { gitDir, name } = await fresh(side);
    if (transport === 'http') {
      const base = side === 'stock' ? stockHttp : server.url;
      const answer = await postRpc(`${base}/${name}`, `git-${c.service}`, c.gzip ? gzipSync(c.request) : c.request, ANSWER_MS, {
        ...(c.protocol ? { 'git-protocol': c.protocol } : {}),
        ...(c.gzip ? { 'content-encoding': 'gzip' } : {}),
      });
      return {
        gitDir,
        answered: answer.complete,
        endedByItself: answer.complete,
        ended: answer.complete,
        lines: summarise(answer.body),
        stderr: '',
      };
    }
    const env: Record<string, string> = c.protocol ? { GIT_PROTOCOL: c.protocol } : {};
    let peer: RawPeer;
    if (side === 'stock') peer = stdioPeer('git', [c.service, gitDir], env);
    else if (transport === 'stdio') peer = stdioPeer(process.execPath, [PUSHGATE_BIN, c.service, gitDir], env);
    else peer = await sshPeer(sshd.port, key, `git-${c.service} '/${name}'`, env);
    try {
      // Every client reads the advertisement before it says anything.
      await peer.waitFor((out) => afterFirstFlush(out) >= 0, START_MS);
      const start = afterFirstFlush(peer.output);
      if (start < 0)
        return {
          gitDir,
          answered: false,
          endedByItself: false,
          ended: false,
          lines: ['<no advertisement>'],
          stderr: peer.stderr,
        };
      peer.write(c.request);
      const answered = await peer.waitFor(
        (out, ended) => (c.complete === 'ends' ? ended : packets(out.subarray(start)).includes('flush')),
        ANSWER_MS,
      );
      const endedByItself = peer.ended;
      const lines = summarise(peer.output.subarray(start));
      if (!peer.ended) {
        // The client says goodbye; now the server must go.
        peer.endInput();
        await peer.waitFor((_, ended) => ended, ANSWER_MS);
      }
      return { gitDir, answered, endedByItself, ended: peer.ended, lines, stderr: peer.stderr };
    } finally {
      peer.destroy();
    }
  };

  for (const transport of ['stdio', 'ssh', 'http'] as const) {
    await t.test(`over ${transport}`, async (t: Test) => {
      for (const c of cases.filter((c) => !c.only || c.only.includes(transport))) {
        const label = `${transport} ${c.service}: ${c.name}`;
        const [stock, ours] = await Promise.all([converse('stock', transport, c), converse('pushgate', transport, c)]);
        t.ok(stock.answered, `${label}: stock git answers within ${ANSWER_MS} ms (the case is sound)`);
        t.ok(ours.answered, `${label}: pushgate answers within ${ANSWER_MS} ms with the client's end open\n${ours.stderr}`);
        if (c.complete === 'ends') t.ok(ours.endedByItself, `${label}: pushgate ends the exchange by itself, as stock git does`);
        else t.ok(ours.ended, `${label}: pushgate ends once the client closes its end`);
        if (c.errPacket) {
          if (transport !== 'http') t.match(stock.stderr, `fatal: ${c.errPacket}`, `${label}: stock git's reason, on stderr`);
          t.same(ours.lines, [...stock.lines, `ERR ${c.errPacket}`], `${label}: the same answer on the wire, and the reason`);
        } else t.same(ours.lines, stock.lines, `${label}: the same answer on the wire`);
        if (c.service === 'receive-pack') t.same(await refsOf(ours.gitDir), await refsOf(stock.gitDir), `${label}: refs`);
      }
    });
  }

  // curl sends large bodies only after the server's go-ahead; a server that waits for the body first hangs it.
  await t.test('over http: a client that holds its body back until 100 Continue', async (t) => {
    const request = receive('a new branch and its pack', [[ZERO, c2, 'refs/heads/topic']], { pack }).request;
    for (const [side, base] of [
      ['stock', stockHttp],
      ['pushgate', server.url],
    ] as const) {
      const { name } = await fresh(side);
      const answer = await postAfterContinue(`${base}/${name}/git-receive-pack`, request, ANSWER_MS);
      t.ok(answer.continued, `${side}: 100 Continue within ${ANSWER_MS} ms`);
      t.same(
        summarise(answer.body),
        ['band 1: unpack ok', 'band 1: ok refs/heads/topic', 'band 1: <flush>', '<flush>'],
        `${side}: the report`,
      );
    }
  });
});

/** A POST with `Expect: 100-continue` whose body goes only once the server says so. */
function postAfterContinue(url: string, body: Buffer, ms: number): Promise<{ continued: boolean; body: Buffer }> {
  return new Promise((resolve) => {
    let continued = false;
    const chunks: Buffer[] = [];
    const request = http.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-git-receive-pack-request',
        'content-length': body.length,
        expect: '100-continue',
      },
    });
    const timer = setTimeout(() => {
      request.destroy();
      resolve({ continued, body: Buffer.concat(chunks) });
    }, ms);
    request.on('continue', () => {
      continued = true;
      request.end(body);
    });
    request.on('response', (response) => {
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ continued, body: Buffer.concat(chunks) });
      });
    });
    request.on('error', () => undefined);
  });
}
