// Input generators for the fuzz harness: fast-check arbitraries for the wire
// formats and objects pushgate parses, built two ways — structured (valid
// enough to get deep into a parser, with the odd field wrong) and mutated
// (a real request or object with bytes flipped, inserted, cut or spliced).
import fc from 'fast-check';

/** Values parsers treat as boundaries: lengths, varint edges, hex digits, separators. */
const INTERESTING_BYTES = [0x00, 0x01, 0x0a, 0x20, 0x30, 0x39, 0x3c, 0x3e, 0x40, 0x66, 0x7f, 0x80, 0x81, 0xfe, 0xff];

const mutation = fc.oneof(
  fc.record({ op: fc.constant('flip'), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ op: fc.constant('set'), at: fc.nat(), value: fc.oneof(fc.constantFrom(...INTERESTING_BYTES), fc.nat(255)) }),
  fc.record({ op: fc.constant('insert'), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ op: fc.constant('delete'), at: fc.nat(), length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ op: fc.constant('truncate'), at: fc.nat() }),
  fc.record({
    op: fc.constant('repeat'),
    at: fc.nat(),
    length: fc.integer({ min: 1, max: 64 }),
    times: fc.integer({ min: 1, max: 8 }),
  }),
);

/** Applies mutation ops to a copy of `input` (positions wrap around its length). */
export function mutate(input, ops) {
  let buf = Buffer.from(input);
  for (const m of ops) {
    const at = buf.length === 0 ? 0 : m.at % (buf.length + 1);
    switch (m.op) {
      case 'flip':
        if (at < buf.length) buf[at] ^= 1 << m.bit;
        break;
      case 'set':
        if (at < buf.length) buf[at] = m.value;
        break;
      case 'insert':
        buf = Buffer.concat([buf.subarray(0, at), Buffer.from(m.bytes), buf.subarray(at)]);
        break;
      case 'delete':
        buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.length)]);
        break;
      case 'truncate':
        buf = buf.subarray(0, at);
        break;
      case 'repeat': {
        const piece = buf.subarray(at, at + m.length);
        buf = Buffer.concat([buf.subarray(0, at), ...Array(m.times).fill(piece), buf.subarray(at)]);
        break;
      }
    }
  }
  return buf;
}

/** A buffer from `seeds` (an arbitrary of buffers) with 1..6 mutations. */
export function mutated(seeds) {
  return fc.tuple(seeds, fc.array(mutation, { minLength: 1, maxLength: 6 })).map(([seed, ops]) => mutate(seed, ops));
}

/** How a stream is cut into chunks (streaming readers must not care). */
export const chunking = fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 0, maxLength: 6 });

/** Splits `buf` by the sizes in `sizes`, cycling; no sizes: one chunk. */
export function chunked(buf, sizes) {
  if (sizes.length === 0) return [buf];
  const out = [];
  let pos = 0;
  for (let i = 0; pos < buf.length; i++) {
    const n = sizes[i % sizes.length];
    out.push(buf.subarray(pos, pos + n));
    pos += n;
  }
  return out;
}

export function pkt(payload) {
  const data = Buffer.from(payload);
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0'), 'latin1'), data]);
}
export const FLUSH = Buffer.from('0000', 'latin1');
export const DELIM = Buffer.from('0001', 'latin1');

// ---- building blocks ----------------------------------------------------

const hexDigits = fc.constantFrom(...'0123456789abcdef');
const hex = (n) => fc.string({ unit: hexDigits, minLength: n, maxLength: n });
/** Mostly a well-formed id, sometimes one that is close (wrong length, case, zero). */
export const oidish = fc.oneof(
  { weight: 12, arbitrary: hex(40) },
  { weight: 1, arbitrary: hex(64) },
  { weight: 1, arbitrary: fc.constant('0'.repeat(40)) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 70 }).chain((n) => hex(n)) },
  { weight: 1, arbitrary: hex(40).map((s) => s.toUpperCase()) },
  { weight: 1, arbitrary: fc.string({ maxLength: 44 }) },
);
const refName = fc.oneof(
  fc.constantFrom(
    'refs/heads/main',
    'refs/heads/a/b',
    'refs/tags/v1',
    'HEAD',
    'refs/heads/',
    'refs/heads/x.lock',
    'refs/heads/..',
  ),
  fc.string({ maxLength: 40 }).map((s) => `refs/heads/${s}`),
  fc.string({ unit: 'binary', maxLength: 300 }),
);
const capabilityWord = fc.oneof(
  fc.constantFrom(
    'report-status',
    'report-status-v2',
    'side-band-64k',
    'side-band',
    'quiet',
    'atomic',
    'push-options',
    'ofs-delta',
    'delete-refs',
    'object-format=sha1',
    'object-format=sha256',
    'object-format=',
    'agent=git/2.39.5',
    'session-id=x',
    'multi_ack_detailed',
    'no-done',
    'thin-pack',
    'shallow',
    'deepen-since',
    'deepen-not',
    'deepen-relative',
    'filter',
    'include-tag',
    'allow-tip-sha1-in-want',
    'no-progress',
  ),
  fc.string({ maxLength: 24 }),
);
const capabilities = fc.array(capabilityWord, { maxLength: 8 }).map((words) => words.join(' '));
const digits = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom('0', '-1', '2147483647', '2147483648', '99999999999999999999999', '1e9', '', ' 1', '0x10'),
);

// ---- wire formats ---------------------------------------------------------

/** A pkt stream made of packets and odd lengths, as bytes. */
const packetArb = fc.oneof(
  { weight: 6, arbitrary: fc.uint8Array({ maxLength: 80 }).map((b) => pkt(Buffer.from(b))) },
  { weight: 2, arbitrary: fc.constantFrom(FLUSH, DELIM, Buffer.from('0002'), Buffer.from('0003'), Buffer.from('0004')) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('fff0', 'fff1', 'ffff', 'zzzz', '000g', '00', '0009ERR x', '000aERR \n')
      .map((s) => Buffer.from(s)),
  },
  { weight: 1, arbitrary: fc.string({ unit: hexDigits, minLength: 4, maxLength: 4 }).map((s) => Buffer.from(s)) },
);
export const pktStream = fc.array(packetArb, { maxLength: 12 }).map((parts) => Buffer.concat(parts));

const commandLine = fc
  .tuple(oidish, oidish, refName, fc.option(capabilities, { nil: undefined }), fc.boolean())
  .map(([a, b, ref, caps, lf]) => `${a} ${b} ${ref}${caps === undefined ? '' : `\0${caps}`}${lf ? '\n' : ''}`);
const shallowLine = oidish.map((oid) => `shallow ${oid}`);
/** receive-pack: shallow lines, commands (the first with capabilities), flush, push options, flush. */
export const updateRequest = fc
  .tuple(
    fc.array(shallowLine, { maxLength: 2 }),
    fc.array(commandLine, { maxLength: 5 }),
    fc.boolean(),
    fc.array(fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom('ci.skip', 'a=b', '')), { maxLength: 4 }),
    fc.boolean(),
  )
  .map(([shallow, commands, flush, options, optionsFlush]) =>
    Buffer.concat([
      ...shallow.map(pkt),
      ...commands.map(pkt),
      flush ? FLUSH : Buffer.alloc(0),
      ...options.map(pkt),
      optionsFlush ? FLUSH : Buffer.alloc(0),
    ]),
  );
export const pushOptions = fc
  .tuple(fc.array(fc.string({ unit: 'binary', maxLength: 60 }), { maxLength: 12 }), fc.boolean())
  .map(([options, flush]) => Buffer.concat([...options.map(pkt), flush ? FLUSH : Buffer.alloc(0)]));

const deepenLine = fc.oneof(
  shallowLine,
  digits.map((d) => `deepen ${d}`),
  digits.map((d) => `deepen-since ${d}`),
  refName.map((r) => `deepen-not ${r}`),
  fc.constantFrom('deepen-relative', 'filter blob:none', 'filter tree:0', 'filter blob:limit=1k', 'filter '),
);
const wantLine = fc
  .tuple(oidish, fc.option(capabilities, { nil: undefined }))
  .map(([oid, caps]) => `want ${oid}${caps === undefined ? '' : ` ${caps}`}\n`);
const haveLine = oidish.map((oid) => `have ${oid}\n`);
/** upload-pack v0: wants (capabilities on the first), shallow/deepen/filter, flush, haves, done. */
export const uploadRequestV0 = fc
  .tuple(
    fc.array(fc.oneof({ weight: 3, arbitrary: wantLine }, deepenLine), { maxLength: 8 }),
    fc.boolean(),
    fc.array(fc.oneof(haveLine, fc.constant('done\n'), fc.constant(null), fc.string({ maxLength: 20 })), { maxLength: 8 }),
  )
  .map(([lines, flush, negotiation]) =>
    Buffer.concat([
      ...lines.map(pkt),
      flush ? FLUSH : Buffer.alloc(0),
      ...negotiation.map((line) => (line === null ? FLUSH : pkt(line))),
    ]),
  );

const v2Capability = fc.oneof(
  fc.constantFrom('agent=git/2.39.5', 'object-format=sha1', 'object-format=sha256', 'server-option=x', 'session-id=1', 'bogus'),
  fc.string({ maxLength: 20 }),
);
const v2FetchArg = fc.oneof(
  { weight: 3, arbitrary: wantLine },
  { weight: 2, arbitrary: haveLine },
  deepenLine.map((l) => `${l}\n`),
  fc.constantFrom('thin-pack\n', 'ofs-delta\n', 'no-progress\n', 'include-tag\n', 'done\n', 'wait-for-done\n', 'sideband-all\n'),
  fc.constantFrom('peel\n', 'symrefs\n', 'unborn\n', 'ref-prefix refs/heads/\n', 'ref-prefix \n', 'oid '),
  fc.string({ maxLength: 30 }),
);
/** upload-pack v2: command=, capabilities, delim, arguments, flush; sometimes two requests. */
const v2One = fc
  .tuple(
    fc.oneof(fc.constantFrom('fetch', 'ls-refs', 'object-info'), fc.string({ maxLength: 12 })),
    fc.array(v2Capability, { maxLength: 3 }),
    fc.boolean(),
    fc.array(v2FetchArg, { maxLength: 10 }),
    fc.boolean(),
  )
  .map(([command, caps, delim, args, flush]) =>
    Buffer.concat([
      pkt(`command=${command}\n`),
      ...caps.map((c) => pkt(`${c}\n`)),
      delim ? DELIM : Buffer.alloc(0),
      ...args.map(pkt),
      flush ? FLUSH : Buffer.alloc(0),
    ]),
  );
export const uploadRequestV2 = fc.array(v2One, { minLength: 1, maxLength: 2 }).map((parts) => Buffer.concat(parts));

// ---- objects --------------------------------------------------------------

const personName = fc.oneof(fc.constantFrom('A U Thor', 'C O Mitter', '', ' ', 'x<y', 'name>'), fc.string({ maxLength: 20 }));
const email = fc.oneof(fc.constantFrom('a@example.com', '', '<>', 'a>b'), fc.string({ maxLength: 20 }));
const tz = fc.oneof(fc.constantFrom('+0000', '-0700', '+1400', '+9999', '0000', '+00', ''), fc.string({ maxLength: 6 }));
export const identLine = fc
  .tuple(personName, email, digits, tz, fc.boolean())
  .map(([name, mail, when, zone, spaced]) => `${name}${spaced ? ' ' : ''}<${mail}> ${when} ${zone}`);
const message = fc.oneof(fc.constantFrom('', 'msg\n', '\n\n', 'x'), fc.string({ unit: 'binary', maxLength: 200 }));
const extraHeader = fc
  .tuple(fc.constantFrom('encoding', 'gpgsig', 'mergetag', 'x', '', 'tree', 'parent', 'author'), fc.string({ maxLength: 30 }))
  .map(([k, v]) => `${k} ${v}\n`);

const commitStructured = fc
  .tuple(
    oidish,
    fc.array(oidish, { maxLength: 3 }),
    fc.option(identLine, { freq: 8, nil: undefined }),
    fc.option(identLine, { freq: 8, nil: undefined }),
    fc.array(extraHeader, { maxLength: 2 }),
    fc.boolean(),
    message,
  )
  .map(([tree, parents, author, committer, extra, blank, body]) =>
    Buffer.from(
      `tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join('')}` +
        `${author === undefined ? '' : `author ${author}\n`}${committer === undefined ? '' : `committer ${committer}\n`}` +
        `${extra.join('')}${blank ? '\n' : ''}${body}`,
      'utf8',
    ),
  );
export const commitData = fc.oneof(
  { weight: 3, arbitrary: commitStructured },
  { weight: 2, arbitrary: mutated(commitStructured) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
);

const tagStructured = fc
  .tuple(
    oidish,
    fc.oneof(fc.constantFrom('commit', 'tree', 'blob', 'tag'), fc.string({ maxLength: 8 })),
    fc.oneof(fc.constantFrom('v1.0', 'a..b', 'x.lock', '', '-x'), fc.string({ maxLength: 20 })),
    fc.option(identLine, { freq: 4, nil: undefined }),
    fc.array(extraHeader, { maxLength: 2 }),
    message,
  )
  .map(([object, type, name, tagger, extra, body]) =>
    Buffer.from(
      `object ${object}\ntype ${type}\ntag ${name}\n${tagger === undefined ? '' : `tagger ${tagger}\n`}${extra.join('')}\n${body}`,
      'utf8',
    ),
  );
export const tagData = fc.oneof(
  { weight: 3, arbitrary: tagStructured },
  { weight: 2, arbitrary: mutated(tagStructured) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
);

const treeMode = fc.oneof(
  fc.constantFrom('100644', '100755', '40000', '040000', '120000', '160000', '100664', '0', '7777777', '100644100644', ''),
  fc.string({ unit: fc.constantFrom(...'01234567'), maxLength: 12 }),
  fc.string({ maxLength: 6 }),
);
const treeName = fc.oneof(
  fc.constantFrom(
    'a',
    'README',
    '.git',
    '.GIT',
    'git~1',
    '.git.',
    '.git ',
    '.git\u200c',
    '..',
    '.',
    '',
    'a/b',
    '.gitmodules',
    '.GITMODULES',
    'gitmod~1',
    '.gitattributes',
    '.gitignore',
    '.mailmap',
    '.gitmodules::$DATA',
  ),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
);
const treeEntry = fc
  .tuple(treeMode, treeName, fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.nat(3))
  .map(([mode, name, oid, trim]) =>
    Buffer.concat([Buffer.from(`${mode} ${name}\0`, 'utf8'), Buffer.from(oid).subarray(0, trim === 0 ? 17 : 20)]),
  );
const treeStructured = fc.array(treeEntry, { maxLength: 8 }).map((entries) => Buffer.concat(entries));
export const treeData = fc.oneof(
  { weight: 3, arbitrary: treeStructured },
  { weight: 2, arbitrary: mutated(treeStructured) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
);
export const blobData = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
  fc.constantFrom(
    Buffer.from('[submodule "a"]\n\tpath = a\n\turl = --upload-pack=evil\n'),
    Buffer.from('[submodule "../x"]\n\tpath = -p\n\turl = https://example.com/x\n'),
    Buffer.from('*.c text\n'.repeat(30)),
  ),
);
