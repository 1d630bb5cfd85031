import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { parseCommit } from '../src/objects/commit.js';
import { fsckObject } from '../src/objects/fsck.js';
import { formatFsckFinding, type FsckFinding } from '../src/objects/fsck-reporter.js';
import { fsckOverridesFromEntries, lookupFsckMessageId } from '../src/objects/fsck-messages.js';
import { FsckSession } from '../src/objects/fsck-session.js';
import { parseIdent } from '../src/objects/ident.js';
import type { ObjectType } from '../src/objects/object-type.js';
import { hashObject, type HashAlgorithm } from '../src/objects/oid.js';
import { isValidRefName } from '../src/objects/refname.js';
import { parseTag } from '../src/objects/tag.js';
import { formatTree, parseTree } from '../src/objects/tree.js';
import { gitEnv } from './helpers/git.js';

function git(cwd: string, args: string[], input?: Buffer | string): Buffer {
  return execFileSync('git', args, { cwd, env: gitEnv(), input, stdio: ['pipe', 'pipe', 'pipe'] });
}

function gitText(cwd: string, args: string[], input?: Buffer | string): string {
  return git(cwd, args, input).toString().trim();
}

/** Everything git prints (stdout and stderr), with its exit code, without throwing. */
function gitAll(cwd: string, args: string[], input?: Buffer): { code: number; output: string } {
  const result = spawnSync('git', args, { cwd, env: gitEnv(), input });
  return { code: result.status ?? 128, output: result.stdout.toString() + result.stderr.toString() };
}

function bareRepo(t: Test, algo: HashAlgorithm = 'sha1'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pushgate-objects-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  git(dir, ['init', '-q', '--bare', `--object-format=${algo}`, 'r.git']);
  return path.join(dir, 'r.git');
}

function writeLiteral(repo: string, type: ObjectType, data: Buffer | string): string {
  return gitText(repo, ['hash-object', '--literally', '-t', type, '-w', '--stdin'], data);
}

function catFile(repo: string, type: string, oid: string): Buffer {
  return git(repo, ['cat-file', type, oid]);
}

t.test('parses commits, tags and trees made by git', async (t) => {
  for (const algo of ['sha1', 'sha256'] as const) {
    const repo = bareRepo(t, algo);
    const blob = writeLiteral(repo, 'blob', 'hello\n');
    const inner = gitText(repo, ['mktree'], `100644 blob ${blob}\tinner.txt\n`);
    const tree = gitText(repo, ['mktree'], `100644 blob ${blob}\ta.txt\n040000 tree ${inner}\tdir\n100755 blob ${blob}\tx.sh\n`);
    const root = gitText(repo, ['commit-tree', '-m', 'first', tree]);
    const child = gitText(repo, ['commit-tree', '-p', root, '-m', 'second\n\nbody', tree]);
    const merge = gitText(repo, ['commit-tree', '-p', child, '-p', root, '-m', 'merge', tree]);
    git(repo, ['update-ref', 'refs/heads/main', merge]);
    git(repo, ['tag', '-a', '-m', 'release notes', 'v1', merge]);
    const tagOid = gitText(repo, ['rev-parse', 'refs/tags/v1']);

    const parsedTree = parseTree(catFile(repo, 'tree', tree), algo);
    t.same(
      parsedTree.map((e) => [e.modeText, e.name, e.oid]),
      [
        ['100644', 'a.txt', blob],
        ['40000', 'dir', inner],
        ['100755', 'x.sh', blob],
      ],
      `${algo}: tree entries`,
    );
    t.equal(hashObject(algo, 'tree', formatTree(parsedTree)), tree, `${algo}: formatTree round-trips`);

    const commit = parseCommit(catFile(repo, 'commit', merge), algo);
    t.equal(commit.tree, tree);
    t.same(commit.parents, [child, root]);
    t.equal(commit.author?.name, 'Test Author');
    t.equal(commit.author?.email, 'author@example.com');
    t.equal(commit.committer?.timestamp, 1700000000);
    t.equal(commit.committer?.timezone, '+0000');
    t.equal(commit.message, 'merge\n');
    t.same(parseCommit(catFile(repo, 'commit', root), algo).parents, []);

    const tag = parseTag(catFile(repo, 'tag', tagOid), algo);
    t.equal(tag.object, merge);
    t.equal(tag.type, 'commit');
    t.equal(tag.tag, 'v1');
    t.equal(tag.tagger?.name, 'Test Committer');
    t.equal(tag.message, 'release notes\n');
  }
});

t.test('parseCommit keeps multi-line headers and encoding', async (t) => {
  const tree = 'a'.repeat(40);
  const data = Buffer.from(
    `tree ${tree}\nauthor A <a@x> 1 +0000\ncommitter C <c@x> 2 -0130\nencoding ISO-8859-1\ngpgsig -----BEGIN-----\n line2\n -----END-----\n\nmsg\n`,
  );
  const commit = parseCommit(data, 'sha1');
  t.equal(commit.encoding, 'ISO-8859-1');
  t.equal(commit.headers.find((h) => h.key === 'gpgsig')?.value, '-----BEGIN-----\nline2\n-----END-----');
  t.equal(commit.committer?.timezone, '-0130');
  t.throws(() => parseCommit(Buffer.from('tree nothex\n\n'), 'sha1'), { code: 'E_BAD_COMMIT' });
  t.throws(() => parseTree(Buffer.from('100644 name'), 'sha1'), { code: 'E_BAD_TREE' });
  t.throws(() => parseTag(Buffer.from(`object ${tree}\ntype nope\ntag x\n`), 'sha1'), { code: 'E_BAD_TAG' });
  t.same(parseIdent('Just A Name'), { name: 'Just A Name', email: '', raw: 'Just A Name' });
});

t.test('refname rules match git check-ref-format', async (t) => {
  const repo = bareRepo(t);
  const names = [
    'refs/heads/main',
    'refs/heads/feature/x',
    'refs/heads/a..b',
    'refs/heads/a@{b',
    'refs/heads/.hidden',
    'refs/heads/x.lock',
    'refs/heads/x.lock/y',
    'refs/heads/trailing/',
    'refs/heads/trailing.',
    'refs/heads/sp ace',
    'refs/heads/tab\tx',
    'refs/heads/til~de',
    'refs/heads/car^et',
    'refs/heads/co:lon',
    'refs/heads/q?',
    'refs/heads/st*r',
    'refs/heads/br[acket',
    'refs/heads/back\\slash',
    'refs/heads//double',
    '/refs/heads/lead',
    'refs/heads/@',
    '@',
    'HEAD',
    'refs/heads/ünïcode',
    'refs/heads/a.b',
    'refs/heads/-dash',
    'refs/heads/a@b',
    'refs/heads/del\x7f',
  ];
  for (const name of names) {
    const git = gitAll(repo, ['check-ref-format', name]).code === 0;
    t.equal(isValidRefName(name), git, `check-ref-format ${JSON.stringify(name)}`);
    const gitOneLevel = gitAll(repo, ['check-ref-format', '--allow-onelevel', name]).code === 0;
    t.equal(isValidRefName(name, { allowOneLevel: true }), gitOneLevel, `--allow-onelevel ${JSON.stringify(name)}`);
  }
  t.ok(isValidRefName('refs/heads/*', { refspecPattern: true }));
  t.notOk(isValidRefName('refs/*/*', { refspecPattern: true }));
});

interface GitVerdict {
  /** git could not even parse the object ("bogus commit object"): any error of ours will do. */
  unparsable: boolean;
  findings: string[];
}

/**
 * What git says about one object. Strict: `git index-pack --strict` on a
 * one-object pack (what receive.fsckObjects runs); otherwise `git fsck`.
 */
function gitVerdict(repo: string, oid: string, strict: boolean): GitVerdict {
  let output: string;
  let pattern: RegExp;
  if (strict) {
    const pack = git(repo, ['pack-objects', '--stdout'], `${oid}\n`);
    output = gitAll(repo, ['index-pack', '--strict', '--stdin'], pack).output;
    pattern = /^(error|warning): object ([0-9a-f]+): (\w+): (.*)$/;
  } else {
    output = gitAll(repo, ['fsck', '--no-dangling']).output;
    pattern = /^(error|warning) in \w+ ([0-9a-f]+): (\w+): (.*)$/;
  }
  const findings: string[] = [];
  for (const line of output.split('\n')) {
    const match = pattern.exec(line);
    if (match && match[2] === oid) findings.push(`${match[1] === 'warning' ? 'warn' : 'error'} ${match[3]}: ${match[4]}`);
  }
  const unparsable = /bogus \w+ object|could not be parsed|fatal: invalid \w+/.test(output);
  return { unparsable, findings: findings.sort() };
}

function ours(findings: FsckFinding[]): string[] {
  return findings.map((f) => `${f.level} ${formatFsckFinding(f)}`).sort();
}

t.test('fsck findings match git fsck on crafted objects', async (t) => {
  const repo = bareRepo(t);
  const blob = writeLiteral(repo, 'blob', 'content\n');
  const emptyTree = writeLiteral(repo, 'tree', '');
  const bin = (oid: string) => Buffer.from(oid, 'hex');
  const entry = (mode: string, name: string, oid: string) => Buffer.concat([Buffer.from(`${mode} ${name}\0`), bin(oid)]);
  const goodCommit = gitText(repo, ['commit-tree', '-m', 'ok', emptyTree]);
  const ident = 'A U Thor <author@example.com> 1700000000 +0000';

  const cases: { name: string; type: ObjectType; data: Buffer }[] = [
    {
      name: 'zero-padded mode',
      type: 'tree',
      data: Buffer.concat([entry('100644', 'a', blob), entry('040000', 'd', emptyTree)]),
    },
    { name: 'duplicate entries', type: 'tree', data: Buffer.concat([entry('100644', 'a', blob), entry('100644', 'a', blob)]) },
    { name: 'not sorted', type: 'tree', data: Buffer.concat([entry('100644', 'b', blob), entry('100644', 'a', blob)]) },
    {
      name: 'dir sorts after file with suffix',
      type: 'tree',
      data: Buffer.concat([entry('40000', 'a', emptyTree), entry('100644', 'a.c', blob)]),
    },
    { name: '.git entry', type: 'tree', data: entry('100644', '.GIT', blob) },
    { name: 'ntfs .git', type: 'tree', data: entry('100644', 'git~1', blob) },
    { name: '. and ..', type: 'tree', data: Buffer.concat([entry('100644', '.', blob), entry('100644', '..', blob)]) },
    { name: 'full path', type: 'tree', data: entry('100644', 'a/b', blob) },
    { name: 'bad mode', type: 'tree', data: entry('100600', 'a', blob) },
    { name: 'mode 100664', type: 'tree', data: entry('100664', 'a', blob) },
    { name: 'null sha1', type: 'tree', data: entry('100644', 'a', '0'.repeat(40)) },
    { name: '.gitmodules symlink', type: 'tree', data: entry('120000', '.gitmodules', blob) },
    {
      name: 'missing space before date',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor A <a@x>1700000000 +0000\ncommitter ${ident}\n\nm\n`),
    },
    {
      name: 'bad timezone',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor A <a@x> 1700000000 +000\ncommitter ${ident}\n\nm\n`),
    },
    {
      name: 'zero-padded date',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor A <a@x> 01700000000 +0000\ncommitter ${ident}\n\nm\n`),
    },
    {
      name: 'date overflow',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor A <a@x> 99999999999999999999 +0000\ncommitter ${ident}\n\nm\n`),
    },
    {
      name: 'missing email',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor A 1700000000 +0000\ncommitter ${ident}\n\nm\n`),
    },
    {
      name: 'name before email',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor <a@x> 1700000000 +0000\ncommitter ${ident}\n\nm\n`),
    },
    {
      name: 'bad email',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor A <a@x 1700000000 +0000\ncommitter ${ident}\n\nm\n`),
    },
    { name: 'missing tree', type: 'commit', data: Buffer.from(`author ${ident}\ncommitter ${ident}\n\nm\n`) },
    {
      name: 'bad tree sha1',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree.slice(0, 39)}x\nauthor ${ident}\ncommitter ${ident}\n\nm\n`),
    },
    {
      name: 'multiple authors',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor ${ident}\nauthor ${ident}\ncommitter ${ident}\n\nm\n`),
    },
    { name: 'missing author', type: 'commit', data: Buffer.from(`tree ${emptyTree}\ncommitter ${ident}\n\nm\n`) },
    { name: 'missing committer', type: 'commit', data: Buffer.from(`tree ${emptyTree}\nauthor ${ident}\n\nm\n`) },
    {
      name: 'NUL in commit body',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor ${ident}\ncommitter ${ident}\n\nm\0x\n`),
    },
    {
      name: 'NUL in header',
      type: 'commit',
      data: Buffer.from(`tree ${emptyTree}\nauthor ${ident}\0\ncommitter ${ident}\n\nm\n`),
    },
    { name: 'unterminated header', type: 'commit', data: Buffer.from(`tree ${emptyTree}\nauthor ${ident}\ncommitter ${ident}`) },
    { name: 'tag without tagger', type: 'tag', data: Buffer.from(`object ${goodCommit}\ntype commit\ntag v1\n\nmsg\n`) },
    {
      name: 'tag with bad name',
      type: 'tag',
      data: Buffer.from(`object ${goodCommit}\ntype commit\ntag a..b\ntagger ${ident}\n\nmsg\n`),
    },
    {
      name: 'tag with bad type',
      type: 'tag',
      data: Buffer.from(`object ${goodCommit}\ntype bogus\ntag v1\ntagger ${ident}\n\nmsg\n`),
    },
    { name: 'tag missing type', type: 'tag', data: Buffer.from(`object ${goodCommit}\ntag v1\ntagger ${ident}\n\nmsg\n`) },
    {
      name: 'tag extra header',
      type: 'tag',
      data: Buffer.from(`object ${goodCommit}\ntype commit\ntag v1\ntagger ${ident}\nextra x\n\nmsg\n`),
    },
    { name: 'good tag', type: 'tag', data: Buffer.from(`object ${goodCommit}\ntype commit\ntag v1\ntagger ${ident}\n\nmsg\n`) },
  ];

  for (const c of cases) {
    const oid = writeLiteral(repo, c.type, c.data);
    for (const strict of [false, true]) {
      const verdict = gitVerdict(repo, oid, strict);
      const findings = fsckObject(c.type, c.data, 'sha1', { strict }, oid);
      const label = `${c.name}${strict ? ' (strict)' : ''}`;
      if (verdict.unparsable)
        t.ok(
          findings.some((f) => f.level === 'error'),
          `${label}: rejected, as git cannot parse it`,
        );
      else t.same(ours(findings), verdict.findings, label);
    }
    // Remove the object again so that later cases are judged alone.
    rmSync(path.join(repo, 'objects', oid.slice(0, 2), oid.slice(2)));
  }
});

t.test('fsck levels can be overridden like receive.fsck.<msg-id>', async (t) => {
  const blob = 'b'.repeat(40);
  const data = Buffer.concat([Buffer.from('040000 d\0'), Buffer.from(blob, 'hex')]);
  const strict = fsckObject('tree', data, 'sha1', { strict: true });
  t.same(
    strict.map((f) => [f.id, f.level]),
    [['zeroPaddedFilemode', 'error']],
  );
  const { overrides, warnings } = fsckOverridesFromEntries([
    ['zeropaddedfilemode', 'ignore'],
    ['nosuchid', 'warn'],
    ['skiplist', '/dev/null'],
  ]);
  t.same(warnings, ["skipping unknown msg id 'nosuchid'"]);
  t.same(fsckObject('tree', data, 'sha1', { strict: true, overrides }), []);
  t.same(
    fsckObject('tree', data, 'sha1', { strict: true, overrides: { zeroPaddedFilemode: 'warn' } }).map((f) => f.level),
    ['warn'],
  );
  t.same(fsckObject('tree', data, 'sha1', { strict: true, skip: new Set(['c'.repeat(40)]) }, 'c'.repeat(40)), []);
  t.throws(() => fsckOverridesFromEntries([['nulInHeader', 'warn']]), { code: 'E_FSCK_CONFIG' });
  t.throws(() => fsckOverridesFromEntries([['badDate', 'sometimes']]), { code: 'E_FSCK_CONFIG' });
  t.equal(lookupFsckMessageId('MISSING_TAGGER_ENTRY'), 'missingTaggerEntry');
});

t.test('fsck session checks .gitmodules and .gitattributes like index-pack --strict', async (t) => {
  const repo = bareRepo(t);
  const cases = [
    {
      name: 'bad submodule name',
      file: '.gitmodules',
      content: '[submodule "../../escape"]\n\tpath = a\n\turl = https://example.com/x\n',
    },
    { name: 'option-like url', file: '.gitmodules', content: '[submodule "s"]\n\tpath = a\n\turl = --upload-pack=evil\n' },
    { name: 'option-like path', file: '.gitmodules', content: '[submodule "s"]\n\tpath = -a\n\turl = https://example.com/x\n' },
    { name: 'command update', file: '.gitmodules', content: '[submodule "s"]\n\tpath = a\n\tupdate = !rm -rf /\n' },
    { name: 'unparsable', file: '.gitmodules', content: '[submodule "s"\n' },
    { name: 'fine', file: '.gitmodules', content: '[submodule "s"]\n\tpath = a\n\turl = https://example.com/x\n' },
    { name: 'long attributes line', file: '.gitattributes', content: `${'x'.repeat(3000)} text\n` },
  ];
  for (const c of cases) {
    const blob = writeLiteral(repo, 'blob', c.content);
    const treeData = Buffer.concat([Buffer.from(`100644 ${c.file}\0`), Buffer.from(blob, 'hex')]);
    const tree = writeLiteral(repo, 'tree', treeData);
    const pack = git(repo, ['pack-objects', '--stdout'], `${tree}\n${blob}\n`);
    const output = gitAll(repo, ['index-pack', '--strict', '--stdin'], pack).output;
    const expected = output
      .split('\n')
      .map((line) => /^(error|warning): object ([0-9a-f]+): (\w+): (.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1] === 'warning' ? 'warn' : 'error'} ${m[2]} ${m[3]}: ${m[4]}`)
      .sort();
    const session = new FsckSession('sha1', { strict: true });
    const found = [...session.check(blob, 'blob', Buffer.from(c.content)), ...session.check(tree, 'tree', treeData)];
    found.push(
      ...(await session.finish({
        algo: 'sha1',
        has: async () => true,
        read: async () => ({ type: 'blob', data: Buffer.from(c.content) }),
        info: async () => null,
      })),
    );
    t.same(found.map((f) => `${f.level} ${f.oid} ${formatFsckFinding(f)}`).sort(), expected, c.name);
  }
  const session = new FsckSession('sha1', { strict: true });
  const blob = 'a'.repeat(40);
  session.check('b'.repeat(40), 'tree', Buffer.concat([Buffer.from('100644 .gitmodules\0'), Buffer.from(blob, 'hex')]));
  const missing = await session.finish({ algo: 'sha1', has: async () => false, read: async () => null, info: async () => null });
  t.same(
    missing.map((f) => f.id),
    ['gitmodulesMissing'],
  );
});
