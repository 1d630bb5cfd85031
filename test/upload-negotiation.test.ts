/**
 * upload-pack's negotiation on the wire, compared line by line with git
 * upload-pack (multi_ack, multi_ack_detailed, no-done, stateless and
 * stateful, v2 fetch, ls-refs and object-info), and the wants it refuses:
 * unknown objects, hidden tips, malformed requests, a missing repository and
 * a client that stops talking.
 */
import t from 'tap';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { FLUSH_PKT, pktLine } from '../src/protocol/pkt-line.js';
import { openRepository } from '../src/repo/repository.js';
import { uploadPack } from '../src/upload/service.js';
import { git, gitOk, PUSHGATE_BIN, PUSHGATE_UPLOAD_PACK, tempDir } from './helpers/git.js';
import {
  DELIM_PKT,
  gitIndexPack,
  makeSource,
  runBytes,
  SERVERS,
  splitResponse,
  uploadPackRun,
  wantLines,
} from './helpers/upload.js';

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
  for (const caps of [
    'multi_ack_detailed side-band-64k thin-pack ofs-delta',
    'multi_ack side-band thin-pack',
    'ofs-delta',
    'multi_ack_detailed no-done side-band-64k ofs-delta thin-pack include-tag',
  ]) {
    const sideband = caps.includes('side-band');
    const wants = wantLines([main, topic], caps);
    cases.push({
      label: `clone (${caps})`,
      args: ['--stateless-rpc'],
      body: Buffer.concat([...wants, FLUSH_PKT, pktLine('done\n')]),
      sideband,
    });
    cases.push({
      label: `one round, no done (${caps})`,
      args: ['--stateless-rpc'],
      body: Buffer.concat([
        ...wants,
        FLUSH_PKT,
        pktLine(`have ${unknown}\n`),
        pktLine(`have ${old}\n`),
        pktLine(`have ${older}\n`),
        FLUSH_PKT,
      ]),
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
      body: Buffer.concat([
        ...wants,
        FLUSH_PKT,
        pktLine(`have ${unknown}\n`),
        FLUSH_PKT,
        pktLine(`have ${old}\n`),
        FLUSH_PKT,
        pktLine(`have ${older}\n`),
        pktLine('done\n'),
      ]),
      sideband,
    });
  }
  const v2 = (args: string[]) =>
    Buffer.concat([
      pktLine('command=fetch\n'),
      pktLine('object-format=sha1\n'),
      DELIM_PKT,
      ...args.map((a) => pktLine(`${a}\n`)),
      FLUSH_PKT,
    ]);
  const v2env = { GIT_PROTOCOL: 'version=2' };
  cases.push({
    label: 'v2 fetch, no haves',
    args: ['--stateless-rpc'],
    env: v2env,
    body: v2([`want ${main}`, 'ofs-delta', 'no-progress']),
    sideband: true,
  });
  cases.push({
    label: 'v2 fetch, haves, not ready',
    args: ['--stateless-rpc'],
    env: v2env,
    body: v2([`want ${main}`, `want ${topic}`, `have ${unknown}`, 'thin-pack', 'ofs-delta']),
    sideband: true,
  });
  cases.push({
    label: 'v2 fetch, ready',
    args: ['--stateless-rpc'],
    env: v2env,
    body: v2([`want ${main}`, `have ${old}`, `have ${unknown}`, 'thin-pack', 'ofs-delta', 'no-progress']),
    sideband: true,
  });
  cases.push({
    label: 'v2 fetch, wait-for-done',
    args: ['--stateless-rpc'],
    env: v2env,
    body: v2([`want ${main}`, `have ${old}`, 'wait-for-done', 'ofs-delta']),
    sideband: true,
  });
  cases.push({
    label: 'v2 fetch, done',
    args: ['--stateless-rpc'],
    env: v2env,
    body: v2([`want ${main}`, `have ${old}`, 'done', 'thin-pack', 'ofs-delta', 'include-tag']),
    sideband: true,
  });
  cases.push({
    label: 'v2 fetch, deepen 2',
    args: ['--stateless-rpc'],
    env: v2env,
    body: v2([`want ${main}`, 'deepen 2', 'done', 'ofs-delta']),
    sideband: true,
  });
  cases.push({
    label: 'v2 ls-refs',
    args: ['--stateless-rpc'],
    env: v2env,
    body: Buffer.concat([
      pktLine('command=ls-refs\n'),
      DELIM_PKT,
      pktLine('peel\n'),
      pktLine('symrefs\n'),
      pktLine('ref-prefix refs/tags/\n'),
      pktLine('ref-prefix HEAD\n'),
      FLUSH_PKT,
    ]),
    sideband: false,
  });
  cases.push({
    label: 'v2 object-info',
    args: ['--stateless-rpc'],
    env: v2env,
    body: Buffer.concat([
      pktLine('command=object-info\n'),
      DELIM_PKT,
      pktLine('size\n'),
      pktLine(`oid ${main}\n`),
      pktLine(`oid ${unknown}\n`),
      FLUSH_PKT,
    ]),
    sideband: false,
  });

  for (const c of cases) {
    const [theirs, ours] = await Promise.all(SERVERS.map((s) => uploadPackRun(s, source, c.args, c.body, c.env)));
    t.equal(ours.code, theirs.code, `${c.label}: exit status ${ours.stderr}`);
    const a = splitResponse(theirs.stdout, c.sideband);
    const b = splitResponse(ours.stdout, c.sideband);
    const v0Advert = (lines: string[]) =>
      c.args.includes('--stateless-rpc') ? lines : lines.slice(lines.indexOf('<flush>') + 1);
    t.same(
      v0Advert(b.lines).map((l) => l.replace(/agent=\S+/, 'agent')),
      v0Advert(a.lines).map((l) => l.replace(/agent=\S+/, 'agent')),
      `${c.label}: protocol lines`,
    );
    t.equal(b.pack.length > 0, a.pack.length > 0, `${c.label}: a pack when git sends one`);
    if (b.pack.length > 0) {
      const r = await gitIndexPack(receiver, b.pack);
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
  const outcome = await uploadPack({
    repo,
    input: silent,
    output: new PassThrough().resume(),
    timeoutSeconds: 1,
    transport: 'stdio',
  });
  t.equal(outcome.exitCode, 128, 'timed out');
  t.ok(Date.now() - started < 10_000, 'within the timeout');
});
