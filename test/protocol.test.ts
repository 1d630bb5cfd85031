import t from 'tap';
import { ByteReader } from '../src/protocol/byte-reader.js';
import { encodeAdvertisement } from '../src/protocol/advertisement.js';
import { CapabilitySet, receiveCapabilities } from '../src/protocol/capabilities.js';
import { FLUSH_PKT, pktLine, parsePktLength } from '../src/protocol/pkt-line.js';
import { PktLineReader } from '../src/protocol/pkt-line-reader.js';
import { encodeReportStatus } from '../src/protocol/report-status.js';
import { sidebandPackets } from '../src/protocol/sideband.js';
import { readPushOptions, readUpdateRequest } from '../src/protocol/update-request.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);

function readerOf(...chunks: (string | Buffer)[]): PktLineReader {
  async function* source() {
    for (const c of chunks) yield Buffer.from(c);
  }
  return new PktLineReader(new ByteReader(source()));
}

t.test('pkt-line framing', async (t) => {
  t.equal(pktLine('hello\n').toString(), '000ahello\n');
  t.equal(parsePktLength(Buffer.from('00fF')), 255);
  t.throws(() => parsePktLength(Buffer.from('00g0')), { message: 'protocol error: bad line length character: 00g0' });
  t.throws(() => pktLine(Buffer.alloc(65517)), { message: 'protocol error: impossibly long line' });
  t.equal(pktLine(Buffer.alloc(65516)).length, 65520);
  const reader = readerOf('0003');
  await t.rejects(reader.read(), { message: 'protocol error: bad line length 3' });
  await t.rejects(readerOf('0009ERR x').read(), { message: 'remote error: x' });
  await t.rejects(readerOf('fff1').read(), { message: 'protocol error: bad line length 65521' }, 'longer than git allows');
  await t.rejects(readerOf('000ahel').read(), { code: 'E_PROTOCOL' });
  // An empty packet ("0004") with nothing buffered after it (found by bench/fuzz.mjs: a TypeError).
  const empty = readerOf('0004');
  t.same(await empty.read(), { kind: 'data', data: Buffer.alloc(0) });
  t.equal(await empty.read(), null);
  t.same(await readPushOptions(readerOf('0004', '0004', '0000')), ['', '']);
});

t.test('update request: commands, capabilities, shallow, push options', async (t) => {
  const reader = readerOf(
    pktLine(`shallow ${A}`),
    pktLine(`${Z} ${B} refs/heads/main\0 report-status-v2 side-band-64k push-options object-format=sha1 agent=git/2.39.5`),
    pktLine(`${A} ${Z} refs/heads/old\n`),
    FLUSH_PKT,
    pktLine('ci.skip'),
    pktLine('reviewer=alice\n'),
    FLUSH_PKT,
  );
  const request = await readUpdateRequest(reader, 'sha1');
  t.ok(request);
  t.same(request!.shallow, [A]);
  t.same(request!.commands, [
    { oldOid: Z, newOid: B, refName: 'refs/heads/main' },
    { oldOid: A, newOid: Z, refName: 'refs/heads/old' },
  ]);
  t.ok(request!.capabilities.has('side-band-64k'));
  t.equal(request!.capabilities.value('agent'), 'git/2.39.5');
  t.same(await readPushOptions(reader), ['ci.skip', 'reviewer=alice']);
});

t.test("update request errors are git's", async (t) => {
  t.equal(await readUpdateRequest(readerOf(FLUSH_PKT), 'sha1'), null, 'a flush alone is the HTTP probe');
  await t.rejects(
    readUpdateRequest(readerOf(), 'sha1'),
    {
      message: 'the remote end hung up unexpectedly',
      data: { code: 'E_EOF', silentOnWire: true },
    },
    'nothing at all: the client went before its first packet',
  );
  await t.rejects(readUpdateRequest(readerOf(pktLine(`${A} ${B}`), FLUSH_PKT), 'sha1'), {
    message: `protocol error: expected old/new/ref, got '${A} ${B}'`,
  });
  await t.rejects(readUpdateRequest(readerOf(pktLine('shallow xyz'), FLUSH_PKT), 'sha1'), {
    message: "protocol error: expected shallow sha, got 'shallow xyz'",
  });
  await t.rejects(readUpdateRequest(readerOf(pktLine(`${Z} ${B} refs/heads/x\0 object-format=sha256`), FLUSH_PKT), 'sha1'), {
    message: "error: unsupported object format 'sha256'",
  });
  await t.rejects(readUpdateRequest(readerOf(pktLine(`${Z} ${B} refs/heads/x\0 report-status`), FLUSH_PKT), 'sha256'), {
    message: "error: unsupported object format 'sha1'",
  });
  await t.rejects(readUpdateRequest(readerOf(pktLine(`${Z} ${B} refs/heads/x\0 report-status`)), 'sha1'), {
    code: 'E_PROTOCOL',
  });
  const small = new PktLineReader(
    new ByteReader(
      (async function* () {
        yield pktLine(`${Z} ${B} refs/heads/${'x'.repeat(200)}`);
      })(),
    ),
    100,
  );
  await t.rejects(readUpdateRequest(small, 'sha1'), { code: 'E_COMMAND_TOO_LARGE' });
});

t.test('advertisement: empty repository, refs, version 1, http service', async (t) => {
  const caps = receiveCapabilities({
    reportStatus: true,
    reportStatusV2: true,
    deleteRefs: true,
    sideBand64k: true,
    quiet: true,
    atomic: true,
    ofsDelta: true,
    pushOptions: false,
    objectFormat: 'sha1',
    agent: 'git/2.39.5',
  });
  t.equal(
    caps.join(' '),
    'report-status report-status-v2 delete-refs side-band-64k quiet atomic ofs-delta object-format=sha1 agent=git/2.39.5',
  );
  const empty = encodeAdvertisement({ refs: [], capabilities: caps, algo: 'sha1' }).toString('latin1');
  t.equal(empty, `00b1${Z} capabilities^{}\0${caps.join(' ')}\n0000`, 'byte-identical to git 2.39.5');
  const two = encodeAdvertisement({
    refs: [
      { name: 'refs/heads/a', oid: A },
      { name: 'refs/tags/v1', oid: B },
    ],
    capabilities: ['x'],
    algo: 'sha1',
    version1: true,
    httpService: 'git-receive-pack',
  }).toString('latin1');
  t.equal(two, `001f# service=git-receive-pack\n0000000eversion 1\n003c${A} refs/heads/a\0x\n003a${B} refs/tags/v1\n0000`);
});

t.test('report-status and side-band framing', async (t) => {
  const report = encodeReportStatus('ok', [
    { refName: 'refs/heads/main' },
    { refName: 'refs/heads/x', error: 'non-fast-forward' },
  ]);
  t.equal(report.toString(), '000eunpack ok\n0017ok refs/heads/main\n0025ng refs/heads/x non-fast-forward\n0000');
  const packets = sidebandPackets(1, Buffer.alloc(70000, 1));
  t.same(
    packets.map((p) => p.length),
    [65520, 70000 - 65515 + 5],
  );
  t.equal(packets[0].toString('latin1', 0, 5), 'fff0\x01');
  const set = new CapabilitySet(['a', 'b=c']);
  t.same(set.list(), ['a', 'b=c']);
});
