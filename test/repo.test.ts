import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import t, { type Test } from 'tap';
import { hashObject, zeroOid, type HashAlgorithm } from '../src/objects/oid.js';
import { FileConfig } from '../src/repo/config.js';
import { initialBareConfig, setConfigValue, setConfigValueInText } from '../src/repo/config-writer.js';
import { checkConnectivity, isAncestor, newCommits } from '../src/repo/graph.js';
import { parsePackedRefs } from '../src/repo/refs/packed-refs.js';
import { isValidRefName } from '../src/repo/refs/refname.js';
import { GitRepository, openRepository } from '../src/repo/repository.js';
import { initRepository } from '../src/repo/init-repository.js';
import type { RefFailure } from '../src/repo/types.js';
import { gitEnv } from './helpers/git.js';

const ZERO = zeroOid('sha1');

function git(cwd: string, args: string[], input?: Buffer | string, env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, env: gitEnv(env), input, stdio: ['pipe', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

function gitBuffer(cwd: string, args: string[]): Buffer {
  return execFileSync('git', args, { cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
}

function gitStatus(cwd: string, args: string[]): { code: number; output: string } {
  const result = spawnSync('git', args, { cwd, env: gitEnv() });
  return { code: result.status ?? 128, output: result.stdout.toString() + result.stderr.toString() };
}

function tempDir(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pushgate-repo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A bare repository made by git, plus a work clone that has made `commits` commits on main. */
function gitFixture(t: Test, options: { algo?: HashAlgorithm; commits?: number } = {}) {
  const root = tempDir(t);
  const bare = path.join(root, 'srv.git');
  const work = path.join(root, 'work');
  git(root, ['init', '-q', '--bare', '-b', 'main', `--object-format=${options.algo ?? 'sha1'}`, bare]);
  git(root, ['init', '-q', '-b', 'main', `--object-format=${options.algo ?? 'sha1'}`, work]);
  const commits: string[] = [];
  for (let i = 0; i < (options.commits ?? 3); i++) {
    mkdirSync(path.join(work, 'dir'), { recursive: true });
    writeFileSync(path.join(work, `file${i}.txt`), `content ${i}\n`);
    writeFileSync(path.join(work, 'dir', 'nested.txt'), `nested ${i}\n`);
    git(work, ['add', '-A']);
    git(work, ['commit', '-q', '-m', `commit ${i}`], undefined, { GIT_COMMITTER_DATE: `${1700000000 + i} +0000` });
    commits.push(git(work, ['rev-parse', 'HEAD']));
  }
  if (commits.length > 0) git(work, ['push', '-q', bare, 'main']);
  return { root, bare, work, commits };
}

async function open(t: Test, gitDir: string): Promise<GitRepository> {
  const repo = await openRepository(gitDir);
  t.teardown(() => repo.close());
  return repo;
}

function lockFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.lock') || entry.name.startsWith('pushgate-ref-journal')) found.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return found;
}

t.test('config parser agrees with git config', async (t) => {
  const dir = tempDir(t);
  const file = path.join(dir, 'config');
  const text = [
    '# comment',
    '[core]',
    '\trepositoryformatversion = 0',
    '\tBare = true ; trailing comment',
    '[Receive]',
    '\tdenyDeletes',
    '\tdenyNonFastForwards = yes',
    '\tkeepAlive = 3k',
    '\tunpackLimit = 1m',
    '\tempty =',
    '\tmaxInputSize = 2g',
    '[remote "Origin"]',
    '\turl = "  spaced # not a comment "  # a comment',
    '\tfetch = +refs/heads/*:refs/remotes/origin/*',
    '\tfetch = +refs/tags/*:refs/tags/*',
    '[branch.Main]',
    '\tremote = origin',
    '[x "sub\\"quote"]',
    '\tescapes = a\\tb\\\\c\\"d\\ne',
    '\tcontinued = one \\',
    'two',
    '\tinner = a   b\t c  ',
    '[receive.fsck]',
    '\tzeroPaddedFilemode = ignore',
    '',
  ].join('\n');
  writeFileSync(file, text);
  const config = FileConfig.parse(text);
  const gitGet = (key: string, ...flags: string[]) =>
    execFileSync('git', ['config', '--file', file, ...flags, '--get', key], { env: gitEnv() })
      .toString()
      .replace(/\n$/, '');
  for (const key of [
    'core.bare',
    'remote.Origin.url',
    'branch.main.remote',
    'x.sub"quote.escapes',
    'x.sub"quote.continued',
    'x.sub"quote.inner',
    'receive.empty',
    'receive.fsck.zeropaddedfilemode',
  ]) {
    t.equal(config.get(key), gitGet(key), `get ${key}`);
  }
  t.equal(config.get('REMOTE.Origin.URL'), gitGet('remote.Origin.url'), 'section and name are case-insensitive');
  t.equal(config.get('remote.origin.url'), undefined, 'subsection is case-sensitive');
  t.same(
    config.getAll('remote.Origin.fetch'),
    git(dir, ['config', '--file', file, '--get-all', 'remote.Origin.fetch']).split('\n'),
  );
  for (const key of ['core.bare', 'receive.denyDeletes', 'receive.denyNonFastForwards', 'receive.empty']) {
    t.equal(String(config.getBool(key, false)), gitGet(key, '--bool'), `bool ${key}`);
  }
  for (const key of ['receive.keepAlive', 'receive.unpackLimit', 'receive.maxInputSize', 'core.repositoryformatversion']) {
    t.equal(String(config.getInt(key, -1)), gitGet(key, '--int'), `int ${key}`);
  }
  t.equal(config.getBool('receive.missing', true), true, 'fallback when unset');
  t.equal(config.getInt('receive.missing', 7), 7);
  t.ok(config.keys().includes('receive.fsck.zeropaddedfilemode'));
  t.throws(() => config.getBool('remote.Origin.url', false), { code: 'E_CONFIG_VALUE' });
  t.throws(() => config.getInt('core.bare', 0), { code: 'E_CONFIG_VALUE' });
  t.throws(() => FileConfig.parse('[core\nbare = true\n'), { code: 'E_CONFIG_SYNTAX' });
  t.throws(() => FileConfig.parse('[core]\n\tx = "unterminated\n'), { code: 'E_CONFIG_SYNTAX' });
  t.throws(() => FileConfig.parse('key = outside\n'), { code: 'E_CONFIG_SYNTAX' });

  await setConfigValue(file, 'receive.denyDeletes', 'false');
  await setConfigValue(file, 'remote.Origin.pushurl', ' needs # quoting ');
  await setConfigValue(file, 'hook.new.command', 'echo "hi"');
  t.equal(gitGet('receive.denydeletes'), 'false');
  t.equal(gitGet('remote.Origin.pushurl'), ' needs # quoting ');
  t.equal(gitGet('hook.new.command'), 'echo "hi"');
  t.equal(setConfigValueInText('', 'core.bare', 'true'), '[core]\n\tbare = true\n');
  t.equal(FileConfig.parse(initialBareConfig('sha256')).get('extensions.objectformat'), 'sha256');
});

t.test('initRepository writes what git init --bare writes', async (t) => {
  for (const algo of ['sha1', 'sha256'] as const) {
    const dir = tempDir(t);
    const ours = path.join(dir, 'ours.git');
    const theirs = path.join(dir, 'theirs.git');
    const repo = await initRepository(ours, { algo, defaultBranch: 'trunk' });
    t.teardown(() => repo.close());
    git(dir, ['init', '-q', '--bare', `--object-format=${algo}`, '--initial-branch=trunk', theirs]);
    const listing = (root: string) =>
      execFileSync('find', ['.', '-not', '-path', './hooks/*'], { cwd: root }).toString().split('\n').sort().join('\n');
    t.equal(listing(ours), listing(theirs), `${algo}: same files and folders`);
    for (const file of ['HEAD', 'config', 'description', 'info/exclude']) {
      t.equal(readFileSync(path.join(ours, file), 'utf8'), readFileSync(path.join(theirs, file), 'utf8'), `${algo}: ${file}`);
    }
    t.equal(repo.algo, algo);
    t.equal(gitStatus(ours, ['fsck', '--strict']).code, 0, `${algo}: git fsck --strict`);

    // git can push to it and clone from it.
    const work = path.join(dir, 'work');
    git(dir, ['init', '-q', '-b', 'trunk', `--object-format=${algo}`, work]);
    writeFileSync(path.join(work, 'a.txt'), 'a\n');
    git(work, ['add', 'a.txt']);
    git(work, ['commit', '-q', '-m', 'a']);
    git(work, ['push', '-q', ours, 'trunk']);
    git(dir, ['clone', '-q', ours, path.join(dir, 'clone')]);
    t.equal(readFileSync(path.join(dir, 'clone', 'a.txt'), 'utf8'), 'a\n', `${algo}: clone has the file`);
    t.equal(await repo.refs.resolve('HEAD'), git(work, ['rev-parse', 'HEAD']));
  }
  const dir = tempDir(t);
  await t.rejects(openRepository(path.join(dir, 'nope.git')), {
    code: 'E_NOT_A_REPOSITORY',
    message: `'${path.join(dir, 'nope.git')}' does not appear to be a git repository`,
  });
  const repo = await initRepository(path.join(dir, 'x.git'), { algo: 'sha1' });
  await repo.close();
  t.equal(readFileSync(path.join(dir, 'x.git', 'HEAD'), 'utf8'), 'ref: refs/heads/main\n');
  await t.rejects(initRepository(path.join(dir, 'x.git'), { algo: 'sha1' }), { code: 'E_REPOSITORY_EXISTS' });
  await t.rejects(initRepository(path.join(dir, 'y.git'), { algo: 'sha1', defaultBranch: 'a..b' }), {
    code: 'E_BAD_BRANCH_NAME',
  });
});

t.test('object database reads loose objects, packs and alternates like git cat-file', async (t) => {
  for (const algo of ['sha1', 'sha256'] as const) {
    const { bare, work, commits } = gitFixture(t, { algo, commits: 3 });
    const repo = await open(t, bare);
    const all = git(bare, ['rev-list', '--objects', '--all'])
      .split('\n')
      .map((line) => line.split(' ')[0]!);
    const check = async (label: string) => {
      for (const oid of all) {
        const type = git(bare, ['cat-file', '-t', oid]);
        const object = await repo.objects.read(oid);
        t.equal(object?.type, type, `${label} type ${oid}`);
        t.ok(object?.data.equals(gitBuffer(bare, ['cat-file', type, oid])), `${label} content ${oid}`);
        t.same(await repo.objects.info(oid), { type, size: Number(git(bare, ['cat-file', '-s', oid])) });
        t.equal(await repo.objects.has(oid), true);
      }
    };
    await check(`${algo} loose`);
    t.equal(await repo.objects.read('1'.repeat(algo === 'sha1' ? 40 : 64)), null);
    t.equal(await repo.objects.info('1'.repeat(algo === 'sha1' ? 40 : 64)), null);

    // Packed by git while the database is open: found after a miss triggers a rescan.
    git(bare, ['repack', '-a', '-d', '-q']);
    git(bare, ['prune-packed']);
    const fresh = await open(t, bare);
    t.ok(readdirSync(path.join(bare, 'objects', 'pack')).some((n) => n.endsWith('.idx')));
    for (const oid of all)
      t.same((await fresh.objects.read(oid))?.data, gitBuffer(bare, ['cat-file', git(bare, ['cat-file', '-t', oid]), oid]));
    await check(`${algo} packed (rescan)`);

    // Writing: git sees the object and fsck is happy.
    const written = await repo.objects.write({ type: 'blob', data: Buffer.from('written by pushgate\n') });
    t.equal(written, hashObject(algo, 'blob', Buffer.from('written by pushgate\n')));
    t.equal(git(bare, ['cat-file', 'blob', written]), 'written by pushgate');
    t.equal(
      await repo.objects.write({ type: 'blob', data: Buffer.from('written by pushgate\n') }),
      written,
      'rewrite is a no-op',
    );
    t.equal(gitStatus(bare, ['fsck', '--strict']).code, 0);
    t.equal(commits.length, 3);
    t.ok(work);
  }
});

t.test('alternates are followed, recursively and without loops', async (t) => {
  const a = gitFixture(t, { commits: 1 });
  const b = gitFixture(t, { commits: 1 });
  const c = gitFixture(t, { commits: 0 });
  // c → b → a (relative path), and a → c closes a loop.
  writeFileSync(path.join(c.bare, 'objects/info/alternates'), `# comment\n${path.join(b.bare, 'objects')}\n`);
  writeFileSync(
    path.join(b.bare, 'objects/info/alternates'),
    `${path.relative(path.join(b.bare, 'objects'), path.join(a.bare, 'objects'))}\n`,
  );
  writeFileSync(path.join(a.bare, 'objects/info/alternates'), `${path.join(c.bare, 'objects')}\n/nonexistent/objects\n`);
  const repo = await open(t, c.bare);
  t.equal((await repo.objects.read(a.commits[0]!))?.type, 'commit', 'object two alternates away');
  t.equal((await repo.objects.read(b.commits[0]!))?.type, 'commit');
  t.equal(git(c.bare, ['cat-file', '-t', a.commits[0]!]), 'commit', 'git agrees');
});

t.test('refs: reads match git for-each-ref, rev-parse and pack-refs', async (t) => {
  const { bare, work, commits } = gitFixture(t, { commits: 3 });
  git(work, ['tag', '-a', '-m', 'annotated', 'v1', commits[0]!]);
  git(work, ['tag', 'light', commits[1]!]);
  git(work, ['push', '-q', bare, 'refs/tags/*:refs/tags/*', `${commits[1]}:refs/heads/feature/x`, `${commits[0]}:refs/other/y`]);
  git(bare, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/main']);
  const repo = await open(t, bare);
  const expected = () =>
    git(bare, ['for-each-ref', '--format=%(refname) %(objectname)'])
      .split('\n')
      .map((line) => {
        const [name, oid] = line.split(' ');
        return { name: name!, oid: oid! };
      });
  t.same(await repo.refs.list(), expected(), 'loose refs');
  t.equal(await repo.refs.resolve('HEAD'), commits[2]);
  t.equal(await repo.refs.resolve('refs/heads/alias'), commits[2]);
  t.equal(await repo.refs.readSymbolic('HEAD'), 'refs/heads/main');
  t.equal(await repo.refs.readSymbolic('refs/heads/main'), null);
  t.equal(await repo.refs.resolve('refs/heads/nope'), null);

  git(bare, ['pack-refs', '--all']);
  const packed = parsePackedRefs(readFileSync(path.join(bare, 'packed-refs'), 'utf8'));
  t.same(packed.traits, ['peeled', 'fully-peeled', 'sorted']);
  t.equal(packed.refs.get('refs/tags/v1')?.peeled, commits[0], 'peeled line of the annotated tag');
  t.same(await repo.refs.list(), expected(), 'packed refs');
  t.equal(await repo.refs.resolve('refs/tags/v1'), git(bare, ['rev-parse', 'refs/tags/v1']));

  // A loose ref overrides its packed value.
  git(bare, ['update-ref', 'refs/heads/feature/x', commits[2]!]);
  t.same(await repo.refs.list(), expected(), 'loose over packed');
});

async function updateOne(repo: GitRepository, name: string, oldOid: string, newOid: string): Promise<RefFailure | null> {
  const [result] = await repo.refs.update([{ name, oldOid, newOid }], { atomic: false });
  return result ?? null;
}

t.test('refs: updates are seen by git and fail with git messages', async (t) => {
  const { bare, commits } = gitFixture(t, { commits: 3 });
  const [c0, c1, c2] = commits as [string, string, string];
  const repo = await open(t, bare);
  const blob = git(bare, ['hash-object', '-w', '--stdin'], 'a blob\n');

  t.equal(await updateOne(repo, 'refs/heads/new', ZERO, c0), null, 'create');
  t.equal(git(bare, ['rev-parse', 'refs/heads/new']), c0);
  t.equal(await updateOne(repo, 'refs/heads/new', c0, c1), null, 'update');
  t.equal(git(bare, ['rev-parse', 'refs/heads/new']), c1);
  t.equal(await updateOne(repo, 'refs/heads/deep/er/ref', ZERO, c1), null, 'create nested');
  t.equal(await updateOne(repo, 'refs/heads/deep/er/ref', c1, ZERO), null, 'delete nested');
  t.notOk(existsSync(path.join(bare, 'refs/heads/deep')), 'empty directories pruned');
  t.ok(existsSync(path.join(bare, 'refs/heads')), 'refs/heads kept');
  t.equal(await updateOne(repo, 'refs/other/blob', ZERO, blob), null, 'a blob outside refs/heads is fine');

  t.same(await updateOne(repo, 'refs/heads/new', c0, c2), {
    kind: 'stale',
    message: `cannot lock ref 'refs/heads/new': is at ${c1} but expected ${c0}`,
  });
  t.same(await updateOne(repo, 'refs/heads/new', ZERO, c2), {
    kind: 'exists',
    message: "cannot lock ref 'refs/heads/new': reference already exists",
  });
  t.same(await updateOne(repo, 'refs/heads/nope', c0, c2), {
    kind: 'missing',
    message: "cannot lock ref 'refs/heads/nope': unable to resolve reference 'refs/heads/nope'",
  });
  t.same(await updateOne(repo, 'refs/heads/new/sub', ZERO, c0), {
    kind: 'conflict',
    message: "cannot lock ref 'refs/heads/new/sub': 'refs/heads/new' exists; cannot create 'refs/heads/new/sub'",
  });
  await updateOne(repo, 'refs/heads/dir/leaf', ZERO, c0);
  t.same(await updateOne(repo, 'refs/heads/dir', ZERO, c0), {
    kind: 'conflict',
    message: "cannot lock ref 'refs/heads/dir': 'refs/heads/dir/leaf' exists; cannot create 'refs/heads/dir'",
  });
  t.same(await updateOne(repo, 'refs/heads/blob', ZERO, blob), {
    kind: 'non-commit',
    message: `cannot update ref 'refs/heads/blob': trying to write non-commit object ${blob} to branch 'refs/heads/blob'`,
  });
  const ghost = '1234567890123456789012345678901234567890';
  t.same(await updateOne(repo, 'refs/tags/ghost', ZERO, ghost), {
    kind: 'missing-object',
    message: `cannot update ref 'refs/tags/ghost': trying to write ref 'refs/tags/ghost' with nonexistent object ${ghost}`,
  });
  t.equal((await updateOne(repo, 'refs/heads/bad..name', ZERO, c0))?.kind, 'bad-name');

  // A stale lock blocks the ref, as with git.
  writeFileSync(path.join(bare, 'refs/heads/new.lock'), '');
  const locked = await updateOne(repo, 'refs/heads/new', c1, c2);
  t.equal(locked?.kind, 'lock');
  t.equal(
    locked?.message.split('\n')[0],
    `cannot lock ref 'refs/heads/new': Unable to create 'refs/heads/new.lock': File exists.`,
  );
  const gitSays = gitStatus(bare, ['update-ref', 'refs/heads/new', c2, c1]).output;
  t.ok(gitSays.includes(locked!.message.split('\n').slice(1).join('\n')), 'same advice text as git');
  rmSync(path.join(bare, 'refs/heads/new.lock'));

  // The same failures through git itself, to keep the wording honest.
  t.match(
    gitStatus(bare, ['update-ref', 'refs/heads/new', c2, c0]).output,
    `cannot lock ref 'refs/heads/new': is at ${c1} but expected ${c0}`,
  );

  // Symbolic refs are written through.
  git(bare, ['symbolic-ref', 'refs/heads/alias', 'refs/heads/new']);
  t.equal(await updateOne(repo, 'refs/heads/alias', c1, c2), null);
  t.equal(git(bare, ['rev-parse', 'refs/heads/new']), c2);
  t.equal(git(bare, ['symbolic-ref', 'refs/heads/alias']), 'refs/heads/new');
  t.same(lockFiles(bare), [], 'no lock files left');
  t.equal(gitStatus(bare, ['fsck', '--strict']).code, 0);
});

t.test('refs: deleting a packed ref rewrites packed-refs for git', async (t) => {
  const { bare, work, commits } = gitFixture(t, { commits: 2 });
  git(work, ['tag', '-a', '-m', 'annotated', 'v1', commits[0]!]);
  git(work, ['push', '-q', bare, 'refs/tags/v1', `${commits[0]}:refs/heads/old`, `${commits[1]}:refs/heads/both`]);
  git(bare, ['pack-refs', '--all']);
  git(bare, ['update-ref', 'refs/heads/both', commits[0]!]); // loose over packed
  const repo = await open(t, bare);
  t.equal(await updateOne(repo, 'refs/heads/old', commits[0]!, ZERO), null, 'delete packed-only ref');
  t.equal(await updateOne(repo, 'refs/heads/both', commits[0]!, ZERO), null, 'delete loose+packed ref');
  t.equal(gitStatus(bare, ['rev-parse', '--verify', '-q', 'refs/heads/old']).code, 1);
  t.equal(gitStatus(bare, ['rev-parse', '--verify', '-q', 'refs/heads/both']).code, 1, 'packed value does not resurface');
  const text = readFileSync(path.join(bare, 'packed-refs'), 'utf8');
  t.match(text, /^# pack-refs with: peeled fully-peeled sorted \n/);
  t.notMatch(text, /refs\/heads\/old/);
  t.equal(git(bare, ['rev-parse', 'refs/tags/v1^{}']), commits[0], 'peeled tag still readable by git');
  t.equal(git(bare, ['for-each-ref', '--format=%(refname)']), 'refs/heads/main\nrefs/tags/v1');
  t.same(lockFiles(bare), []);

  // packed-refs.lock held by someone else: the deletion fails after git's one-second wait.
  git(work, ['push', '-q', bare, `${commits[0]}:refs/heads/old2`]);
  git(bare, ['pack-refs', '--all']);
  writeFileSync(path.join(bare, 'packed-refs.lock'), '');
  const failure = await updateOne(repo, 'refs/heads/old2', commits[0]!, ZERO);
  t.equal(failure?.kind, 'lock');
  t.match(failure?.message ?? '', `Unable to create 'packed-refs.lock': File exists.`);
  rmSync(path.join(bare, 'packed-refs.lock'));
  t.equal(git(bare, ['rev-parse', 'refs/heads/old2']), commits[0], 'nothing deleted');
});

t.test('refs: atomic updates are all or nothing', async (t) => {
  const { bare, commits } = gitFixture(t, { commits: 3 });
  const [c0, c1, c2] = commits as [string, string, string];
  const repo = await open(t, bare);
  await updateOne(repo, 'refs/heads/a', ZERO, c0);
  await updateOne(repo, 'refs/heads/b', ZERO, c0);
  git(bare, ['pack-refs', '--all']);
  const before = git(bare, ['for-each-ref']);

  const failed = await repo.refs.update(
    [
      { name: 'refs/heads/a', oldOid: c0, newOid: c1 },
      { name: 'refs/heads/b', oldOid: c1, newOid: c2 }, // stale
      { name: 'refs/heads/c', oldOid: ZERO, newOid: c2 },
      { name: 'refs/heads/main', oldOid: c2, newOid: ZERO },
    ],
    { atomic: true },
  );
  t.same(
    failed.map((f) => f?.kind),
    ['aborted', 'stale', 'aborted', 'aborted'],
  );
  t.equal(failed[1]?.message, `cannot lock ref 'refs/heads/b': is at ${c0} but expected ${c1}`);
  t.equal(git(bare, ['for-each-ref']), before, 'nothing moved');
  t.same(lockFiles(bare), [], 'no locks or journal left');

  const ok = await repo.refs.update(
    [
      { name: 'refs/heads/a', oldOid: c0, newOid: c1 },
      { name: 'refs/heads/b', oldOid: c0, newOid: ZERO },
      { name: 'refs/heads/c', oldOid: ZERO, newOid: c2 },
    ],
    { atomic: true, reflogMessage: 'push' },
  );
  t.same(ok, [null, null, null]);
  t.equal(
    git(bare, ['for-each-ref', '--format=%(refname) %(objectname)']),
    `refs/heads/a ${c1}\nrefs/heads/c ${c2}\nrefs/heads/main ${c2}`,
  );
  t.same(lockFiles(bare), []);

  const dup = await repo.refs.update(
    [
      { name: 'refs/heads/q', oldOid: ZERO, newOid: c0 },
      { name: 'refs/heads/q/r', oldOid: ZERO, newOid: c0 },
    ],
    { atomic: true },
  );
  t.equal(dup[0]?.message, "cannot lock ref 'refs/heads/q': cannot process 'refs/heads/q' and 'refs/heads/q/r' at the same time");
  const twice = await repo.refs.update(
    [
      { name: 'refs/heads/q', oldOid: ZERO, newOid: c0 },
      { name: 'refs/heads/q', oldOid: ZERO, newOid: c1 },
    ],
    { atomic: true },
  );
  t.equal(twice[1]?.message, "multiple updates for ref 'refs/heads/q' not allowed");
  t.equal(gitStatus(bare, ['rev-parse', '--verify', '-q', 'refs/heads/q']).code, 1);
  t.equal(gitStatus(bare, ['fsck', '--strict']).code, 0);
});

t.test('refs: reflogs are written when core.logAllRefUpdates asks', async (t) => {
  const { bare, commits } = gitFixture(t, { commits: 2 });
  git(bare, ['config', 'core.logAllRefUpdates', 'true']);
  const repo = await open(t, bare);
  await repo.refs.update([{ name: 'refs/heads/main', oldOid: commits[1]!, newOid: commits[0]! }], {
    atomic: false,
    reflogMessage: 'push',
  });
  t.equal(git(bare, ['reflog', 'show', '--format=%H %gs', 'refs/heads/main']).split('\n')[0], `${commits[0]} push`);
  await repo.refs.update([{ name: 'refs/heads/main', oldOid: commits[0]!, newOid: ZERO }], { atomic: false });
  t.notOk(existsSync(path.join(bare, 'logs/refs/heads/main')), 'reflog removed with the ref');
});

/**
 * Run an atomic update in a child process that SIGKILLs itself at `crashAt`,
 * as a power cut or OOM kill would.
 */
function crashChild(gitDir: string, updates: { name: string; oldOid: string; newOid: string }[], crashAt: string) {
  const moduleUrl = pathToFileURL(path.resolve('src/repo/repository.ts')).href;
  const script = `
    const { openRepository } = await import(${JSON.stringify(moduleUrl)});
    const repo = await openRepository(process.env.CHILD_GIT_DIR);
    await repo.refs.update(JSON.parse(process.env.CHILD_UPDATES), { atomic: true });
    process.exit(0);
  `;
  return spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, CHILD_GIT_DIR: gitDir, CHILD_UPDATES: JSON.stringify(updates), PUSHGATE_TEST_REF_CRASH: crashAt },
    encoding: 'utf8',
  });
}

t.test('refs: an atomic update killed mid-way is rolled forward or back on next open', async (t) => {
  for (const [crashAt, expectMoved] of [
    ['after-prepare', false],
    ['after-locks', false],
    ['after-commit', true],
    ['after-first-apply', true],
  ] as const) {
    const { bare, commits } = gitFixture(t, { commits: 3 });
    const [c0, c1, c2] = commits as [string, string, string];
    git(bare, ['update-ref', 'refs/heads/a', c0]);
    git(bare, ['update-ref', 'refs/heads/gone', c0]);
    git(bare, ['pack-refs', '--all']);
    git(bare, ['update-ref', 'refs/heads/b', c0]);
    const before = git(bare, ['for-each-ref']);
    const updates = [
      { name: 'refs/heads/a', oldOid: c0, newOid: c1 },
      { name: 'refs/heads/b', oldOid: c0, newOid: c2 },
      { name: 'refs/heads/new/branch', oldOid: ZERO, newOid: c1 },
      { name: 'refs/heads/gone', oldOid: c0, newOid: ZERO },
    ];
    const child = crashChild(bare, updates, crashAt);
    t.equal(child.signal, 'SIGKILL', `${crashAt}: child was killed (${child.stderr})`);
    t.not(lockFiles(bare).length, 0, `${crashAt}: the crash left locks or a journal behind`);

    const repo = await open(t, bare);
    const after = git(bare, ['for-each-ref', '--format=%(refname) %(objectname)']);
    if (expectMoved) {
      t.equal(
        after,
        [`refs/heads/a ${c1}`, `refs/heads/b ${c2}`, `refs/heads/main ${c2}`, `refs/heads/new/branch ${c1}`].join('\n'),
        `${crashAt}: all moved`,
      );
    } else {
      t.equal(git(bare, ['for-each-ref']), before, `${crashAt}: none moved`);
    }
    t.same(lockFiles(bare), [], `${crashAt}: no lock or journal remains`);
    t.same((await repo.refs.list()).map((r) => `${r.name} ${r.oid}`).join('\n'), after, `${crashAt}: pushgate and git agree`);
    // The refs are usable again.
    const [retry] = await repo.refs.update([{ name: 'refs/heads/b', oldOid: expectMoved ? c2 : c0, newOid: c1 }], {
      atomic: true,
    });
    t.equal(retry, null, `${crashAt}: refs can be updated afterwards`);
    t.equal(gitStatus(bare, ['fsck', '--strict']).code, 0);
  }
});

t.test('quarantine: objects wait apart until migrated', async (t) => {
  const { bare, work, commits } = gitFixture(t, { commits: 2 });
  const repo = await open(t, bare);
  const q = await repo.createQuarantine();
  t.match(path.basename(q.dir), /^tmp_objdir-incoming-\w{6}$/);
  t.equal(path.dirname(q.dir), path.join(bare, 'objects'));
  t.equal(q.packDir, path.join(q.dir, 'pack'));

  const loose = await q.objects.write({ type: 'blob', data: Buffer.from('quarantined\n') });
  t.equal(await q.objects.has(loose), true, 'visible in the quarantine');
  t.equal(await repo.objects.has(loose), false, 'not in the repository');
  t.equal(await q.objects.has(commits[0]!), true, 'repository objects visible through the quarantine');

  // A pack in the quarantine, as index-pack would leave it.
  writeFileSync(path.join(work, 'extra.txt'), 'extra\n');
  git(work, ['add', 'extra.txt']);
  git(work, ['commit', '-q', '-m', 'extra']);
  const tip = git(work, ['rev-parse', 'HEAD']);
  const packList = git(work, ['rev-list', '--objects', tip, `^${commits[1]}`]);
  git(work, ['pack-objects', '-q', path.join(q.packDir, 'pack')], packList + '\n');
  await q.objects.refresh();
  t.equal((await q.objects.read(tip))?.type, 'commit', 'packed object readable in the quarantine');
  t.equal(await repo.objects.has(tip), false);
  const listed = new Set<string>();
  for await (const oid of q.listObjects()) listed.add(oid);
  t.ok(listed.has(loose) && listed.has(tip), 'listObjects covers packs and loose objects');
  t.equal(listed.size, packList.split('\n').length + 1);
  t.equal(await q.isIncoming(tip), true);
  t.equal(await q.isIncoming(commits[0]!), false);

  // Hooks see the quarantine as git sets it up; git itself can read through it.
  const env = q.hookEnvironment(undefined);
  t.same(env, {
    GIT_QUARANTINE_PATH: q.dir,
    GIT_OBJECT_DIRECTORY: q.dir,
    GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(bare, 'objects'),
  });
  t.equal(git(bare, ['cat-file', '-t', tip], undefined, env), 'commit');
  t.equal(git(bare, ['cat-file', '-t', commits[0]!], undefined, env), 'commit');

  const incomplete = await checkConnectivity(q.objects, [tip], [commits[1]!], { isNew: (oid) => q.isIncoming(oid) });
  t.same(incomplete, [], 'pushed history is connected');

  await q.migrate();
  t.notOk(existsSync(q.dir), 'quarantine removed');
  await repo.objects.refresh();
  t.equal((await repo.objects.read(tip))?.type, 'commit', 'migrated pack readable');
  t.equal(await repo.objects.has(loose), true, 'migrated loose object readable');
  t.equal(git(bare, ['cat-file', '-t', tip]), 'commit', 'git reads migrated objects');
  await q.discard();

  const q2 = await repo.createQuarantine();
  await q2.objects.write({ type: 'blob', data: Buffer.from('discarded\n') });
  await q2.discard();
  await q2.discard();
  t.notOk(existsSync(q2.dir), 'discard removes the quarantine');
  t.same(
    readdirSync(path.join(bare, 'objects')).filter((n) => n.startsWith('tmp_')),
    [],
  );
});

t.test('graph: ancestry and connectivity', async (t) => {
  const { bare, work, commits } = gitFixture(t, { commits: 4 });
  const [c0, c1, , c3] = commits as [string, string, string, string];
  git(work, ['checkout', '-q', '-b', 'side', c1]);
  writeFileSync(path.join(work, 'side.txt'), 'side\n');
  git(work, ['add', 'side.txt']);
  git(work, ['commit', '-q', '-m', 'side']);
  const side = git(work, ['rev-parse', 'HEAD']);
  git(work, ['checkout', '-q', 'main']);
  git(work, ['merge', '-q', '--no-edit', 'side']);
  const merge = git(work, ['rev-parse', 'HEAD']);
  git(work, ['tag', '-a', '-m', 'tag', 'vside', side]);
  const lonely = git(work, ['commit-tree', '-m', 'unrelated', git(work, ['mktree'], '')]);
  git(work, ['push', '-q', bare, 'main', 'side', `${lonely}:refs/heads/lonely`, 'refs/tags/vside']);
  const repo = await open(t, bare);
  const tag = git(bare, ['rev-parse', 'refs/tags/vside']);

  const cases: [string, string][] = [
    [c0, c3],
    [c3, c0],
    [side, merge],
    [c0, merge],
    [merge, side],
    [lonely, merge],
    [c1, c1],
    [tag, merge],
    [c1, tag],
  ];
  for (const [a, b] of cases) {
    const expected = gitStatus(bare, ['merge-base', '--is-ancestor', a, b]).code === 0;
    t.equal(await isAncestor(repo.objects, a, b), expected, `isAncestor ${a.slice(0, 7)} ${b.slice(0, 7)}`);
  }
  const blob = git(bare, ['hash-object', '-w', '--stdin'], 'x\n');
  t.equal(await isAncestor(repo.objects, blob, merge), false, 'a blob is nobody’s ancestor');

  t.same(await checkConnectivity(repo.objects, [merge, lonely, tag], []), [], 'complete repository');
  // Break the repository: remove one blob the merge needs.
  const sideBlob = git(bare, ['rev-parse', `${side}:side.txt`]);
  t.ok(existsSync(path.join(bare, 'objects', sideBlob.slice(0, 2), sideBlob.slice(2))), 'pushed objects are loose');
  rmSync(path.join(bare, 'objects', sideBlob.slice(0, 2), sideBlob.slice(2)));
  const fresh = await open(t, bare);
  t.same(await checkConnectivity(fresh.objects, [merge, lonely, c3], []), [merge], 'only the tip needing the blob is incomplete');
  const mergeTree = git(bare, ['rev-parse', `${merge}^{tree}`]);
  t.same(await checkConnectivity(fresh.objects, [merge], [mergeTree, side]), [], 'stops at haves');
  t.same(await checkConnectivity(fresh.objects, ['1'.repeat(40)], []), ['1'.repeat(40)], 'missing tip');

  // New commits of a push: those not yet in the repository.
  const isNew = async (oid: string) => ![c0, c1].includes(oid);
  t.same(await newCommits(repo.objects, isNew, c3), [c3, commits[2]], 'stops at old commits');
  t.same(await newCommits(repo.objects, async () => false, c3), []);
  t.same(await newCommits(repo.objects, isNew, merge, 2), [merge, c3], 'limit');
  t.ok(isValidRefName('refs/heads/main'));
});
