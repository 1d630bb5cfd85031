/**
 * Issue 10 item 10: trees and special blobs that attack a checkout are
 * refused by default (pushgate.safeTrees) even with receive.fsckObjects off,
 * the way stock git refuses them with receive.fsckObjects on; with
 * pushgate.safeTrees=false they go in, as stock git lets them. Real git
 * pushes over HTTP; the bad trees are written with hash-object --literally.
 */
import t from 'tap';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { initRepository } from '../src/repo/init-repository.js';
import { git, gitOk, refsOf, tempDir, WorkRepo } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';

interface Entry {
  mode: '100644' | '100755' | '120000' | '40000';
  name: string;
  oid: string;
}

/** A tree object from raw entries, in git's order, written without any check. */
async function writeTree(cwd: string, entries: Entry[]): Promise<string> {
  const key = (e: Entry) => Buffer.from(e.mode === '40000' ? `${e.name}/` : e.name, 'utf8');
  const sorted = [...entries].sort((a, b) => Buffer.compare(key(a), key(b)));
  const bytes = Buffer.concat(
    sorted.map((e) => Buffer.concat([Buffer.from(`${e.mode} ${e.name}\0`, 'utf8'), Buffer.from(e.oid, 'hex')])),
  );
  return gitOk(['hash-object', '-w', '-t', 'tree', '--literally', '--stdin'], { cwd, input: bytes });
}

async function writeBlob(cwd: string, content: string): Promise<string> {
  return gitOk(['hash-object', '-w', '--stdin'], { cwd, input: content });
}

const { dir, cleanup } = await tempDir();
t.teardown(cleanup);
const dataDir = path.join(dir, 'data');
const server = await startTestServer(t, { dataDir, allowAnonymousPush: true });
const work = await WorkRepo.create(path.join(dir, 'work'));
const base = await work.commit('base');
const wd = work.dir;
const fileBlob = await writeBlob(wd, 'hello\n');
const configBlob = await writeBlob(wd, '[core]\n\thooksPath = /tmp/evil\n');
const innerTree = await writeTree(wd, [{ mode: '100644', name: 'config', oid: configBlob }]);
const file = (name: string): Entry => ({ mode: '100644', name, oid: fileBlob });
const dirEntry = (name: string): Entry => ({ mode: '40000', name, oid: innerTree });
const symlink = async (name: string): Promise<Entry> => ({ mode: '120000', name, oid: await writeBlob(wd, '/etc/passwd') });
const gitmodules = async (text: string): Promise<{ entry: Entry; blob: string }> => {
  const blob = await writeBlob(wd, text);
  return { entry: { mode: '100644', name: '.gitmodules', oid: blob }, blob };
};

interface Variant {
  name: string;
  /** The root tree's extra entries. */
  entries: Entry[];
  /** The object git names in its error line: the tree holding the name, or the special blob. */
  object: 'tree' | string;
  /** `<msgId>: <detail>` as git prints it. */
  message: string;
  /** Stock git with receive.fsckObjects refuses it too (info-level classes it only reports). */
  stockRefuses: boolean;
}

const longLine = `*.txt ${'a'.repeat(3000)}\n`;
const variants: Variant[] = [
  ...['.git', '.GIT', '.Git', 'git~1', '.git.', '.git ', '.git...', '.g\u200cit', '\u200c.git\u200d', '.git\ufeff'].map(
    (name) => ({
      name: `a directory named ${JSON.stringify(name)}`,
      entries: [dirEntry(name)],
      object: 'tree',
      message: "hasDotgit: contains '.git'",
      stockRefuses: true,
    }),
  ),
  {
    name: 'a file named .git',
    entries: [file('.git')],
    object: 'tree',
    message: "hasDotgit: contains '.git'",
    stockRefuses: true,
  },
  {
    name: "an entry named '..'",
    entries: [dirEntry('..')],
    object: 'tree',
    message: "hasDotdot: contains '..'",
    stockRefuses: true,
  },
  { name: "an entry named '.'", entries: [dirEntry('.')], object: 'tree', message: "hasDot: contains '.'", stockRefuses: true },
  {
    name: 'a symlinked .gitmodules',
    entries: [await symlink('.gitmodules')],
    object: 'tree',
    message: 'gitmodulesSymlink: .gitmodules is a symbolic link',
    stockRefuses: true,
  },
  {
    name: 'a symlinked .gitmodules by its NTFS short name',
    entries: [await symlink('GITMOD~1')],
    object: 'tree',
    message: 'gitmodulesSymlink: .gitmodules is a symbolic link',
    stockRefuses: true,
  },
  {
    name: 'a symlinked .gitattributes',
    entries: [await symlink('.gitattributes')],
    object: 'tree',
    message: 'gitattributesSymlink: .gitattributes is a symlink',
    stockRefuses: false,
  },
  {
    name: 'a symlinked .gitignore',
    entries: [await symlink('.gitignore')],
    object: 'tree',
    message: 'gitignoreSymlink: .gitignore is a symlink',
    stockRefuses: false,
  },
  {
    name: 'a symlinked .mailmap',
    entries: [await symlink('.mailmap')],
    object: 'tree',
    message: 'mailmapSymlink: .mailmap is a symlink',
    stockRefuses: false,
  },
];
for (const [name, text, message] of [
  [
    'a submodule url starting with -',
    '[submodule "x"]\n\tpath = x\n\turl = --upload-pack=touch /tmp/pwned\n',
    'gitmodulesUrl: disallowed submodule url: --upload-pack=touch /tmp/pwned',
  ],
  [
    'a submodule path starting with -',
    '[submodule "x"]\n\tpath = -x\n\turl = https://example.com/x\n',
    'gitmodulesPath: disallowed submodule path: -x',
  ],
  [
    'a submodule name with ..',
    '[submodule "../../hooks"]\n\tpath = x\n\turl = https://example.com/x\n',
    'gitmodulesName: disallowed submodule name: ../../hooks',
  ],
  [
    'a submodule update command',
    '[submodule "x"]\n\tpath = x\n\turl = https://example.com/x\n\tupdate = !touch /tmp/pwned\n',
    'gitmodulesUpdate: disallowed submodule update setting: !touch /tmp/pwned',
  ],
] as const) {
  const { entry, blob } = await gitmodules(text);
  variants.push({ name, entries: [entry], object: blob, message, stockRefuses: true });
}
{
  const blob = await writeBlob(wd, longLine);
  variants.push({
    name: 'a .gitattributes line too long for older parsers',
    entries: [{ mode: '100644', name: '.gitattributes', oid: blob }],
    object: blob,
    message: 'gitattributesLineLength: .gitattributes has too long lines to parse',
    stockRefuses: true,
  });
}

let repoCounter = 0;
async function newRepo(config: Record<string, string> = {}): Promise<{ gitDir: string; url: string }> {
  const name = `r${++repoCounter}.git`;
  const gitDir = path.join(dataDir, name);
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  for (const [key, value] of Object.entries(config)) await gitOk(['--git-dir', gitDir, 'config', key, value]);
  await gitOk(['push', '-q', `${server.url}/${name}`, `${base}:refs/heads/main`], { cwd: wd });
  return { gitDir, url: `${server.url}/${name}` };
}

async function filesUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(root, path.join(d, e.name)));
    }
  };
  await walk(root);
  return out.sort();
}

/** The lines of a push's stderr that say what was refused and why. */
function verdictLines(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => /^remote: (error|fatal)|unpack failed|\[remote rejected\]/.test(l))
    .map((l) => l.replace(/\s+$/, '').replace(/ -> main/, ''));
}

const safe = await newRepo();
const unsafe = await newRepo({ 'pushgate.safeTrees': 'false' });
const strict = await newRepo({ 'receive.fsckObjects': 'true' });
const stock = path.join(dir, 'stock.git');
await gitOk(['init', '-q', '--bare', '-b', 'main', stock]);
await gitOk(['--git-dir', stock, 'config', 'receive.fsckObjects', 'true']);
await gitOk(['push', '-q', stock, `${base}:refs/heads/main`], { cwd: wd });

for (const variant of variants) {
  t.test(variant.name, async (t) => {
    const root = await writeTree(wd, [file('README'), ...variant.entries]);
    const commit = await gitOk(['commit-tree', root, '-p', base, '-m', variant.name], { cwd: wd });
    const object = variant.object === 'tree' ? root : variant.object;
    const expected = `remote: error: object ${object}: ${variant.message}`;

    for (const [label, repo] of [
      ['default (fsckObjects off)', safe],
      ['receive.fsckObjects on', strict],
    ] as const) {
      const before = { files: await filesUnder(path.join(repo.gitDir, 'objects')), refs: await refsOf(repo.gitDir) };
      const r = await git(['push', repo.url, `${commit}:refs/heads/main`], { cwd: wd });
      t.equal(r.code, 1, `${label}: refused`);
      const lines = verdictLines(r.stderr);
      t.ok(lines.includes(expected), `${label}: ${expected}\n${r.stderr}`);
      // unpack-objects checks special blobs last (fsck_finish): git's other fatal line.
      const fatal = variant.object === 'tree' ? 'fsck error in packed object' : 'fsck error in pack objects';
      t.ok(lines.includes(`remote: fatal: ${fatal}`), label);
      t.ok(lines.includes('error: remote unpack failed: unpack-objects abnormal exit'), label);
      t.ok(lines.includes(` ! [remote rejected] ${commit} (unpacker error)`), label);
      t.same(await refsOf(repo.gitDir), before.refs, `${label}: refs unchanged`);
      t.same(await filesUnder(path.join(repo.gitDir, 'objects')), before.files, `${label}: no object or pack left`);
    }

    // What stock git with receive.fsckObjects says, line for line, where it refuses too.
    const theirs = await git(['push', stock, `${commit}:refs/heads/main`], { cwd: wd });
    if (variant.stockRefuses) {
      t.equal(theirs.code, 1, 'stock git with fsckObjects refuses it too');
      const ours = await git(['push', safe.url, `${commit}:refs/heads/main`], { cwd: wd });
      t.same(verdictLines(ours.stderr), verdictLines(theirs.stderr), 'the same lines as stock git');
    } else {
      t.equal(theirs.code, 0, 'stock git only reports this class');
      t.match(theirs.stderr, `warning: object ${object}: ${variant.message}`);
      await gitOk(['push', '-q', '-f', stock, `${base}:refs/heads/main`], { cwd: wd });
    }

    const off = await git(['push', unsafe.url, `${commit}:refs/heads/main`], { cwd: wd });
    t.equal(off.code, 0, `pushgate.safeTrees=false lets it in, as stock git does: ${off.stderr}`);
    t.equal((await refsOf(unsafe.gitDir))['refs/heads/main'], commit);
    await gitOk(['push', '-q', '-f', unsafe.url, `${base}:refs/heads/main`], { cwd: wd });
  });
}

t.test('a bad tree below the root is found too, and the ordinary push still works', async (t) => {
  const sub = await writeTree(wd, [file('a.txt'), dirEntry('.GIT')]);
  const root = await writeTree(wd, [file('README'), { mode: '40000', name: 'vendor', oid: sub }]);
  const commit = await gitOk(['commit-tree', root, '-p', base, '-m', 'nested'], { cwd: wd });
  let r = await git(['push', safe.url, `${commit}:refs/heads/main`], { cwd: wd });
  t.equal(r.code, 1);
  t.match(r.stderr, `remote: error: object ${sub}: hasDotgit: contains '.git'`);

  const next = await work.commit('ordinary', { 'docs/.gitkeep': '', '.github/x.yml': 'a: 1\n', 'git/notes.md': 'x\n' });
  r = await git(['push', safe.url, 'main'], { cwd: wd });
  t.equal(r.code, 0, r.stderr);
  t.equal((await refsOf(safe.gitDir))['refs/heads/main'], next);
  await gitOk(['--git-dir', safe.gitDir, 'fsck', '--strict']);
});

t.test('receive.fsck.<msg-id> demotes one class; the others stay refused', async (t) => {
  const repo = await newRepo({ 'receive.fsck.hasDotgit': 'ignore' });
  const dotgit = await writeTree(wd, [file('README'), dirEntry('.git')]);
  let commit = await gitOk(['commit-tree', dotgit, '-p', base, '-m', 'dotgit'], { cwd: wd });
  let r = await git(['push', repo.url, `${commit}:refs/heads/main`], { cwd: wd });
  t.equal(r.code, 0, r.stderr);
  const dotdot = await writeTree(wd, [file('README'), dirEntry('..')]);
  commit = await gitOk(['commit-tree', dotdot, '-p', base, '-m', 'dotdot'], { cwd: wd });
  r = await git(['push', repo.url, `${commit}:refs/heads/topic`], { cwd: wd });
  t.equal(r.code, 1);
  t.match(r.stderr, "hasDotdot: contains '..'");
});

t.test('with receive.fsckObjects off, other fsck classes are not checked', async (t) => {
  // A zero-padded file mode is a format problem, not a checkout attack: stock git takes it.
  const bytes = Buffer.concat([Buffer.from('0100644 README\0'), Buffer.from(fileBlob, 'hex')]);
  const root = await gitOk(['hash-object', '-w', '-t', 'tree', '--literally', '--stdin'], { cwd: wd, input: bytes });
  const commit = await gitOk(['commit-tree', root, '-p', base, '-m', 'padded'], { cwd: wd });
  let r = await git(['push', safe.url, `${commit}:refs/heads/padded`], { cwd: wd });
  t.equal(r.code, 0, r.stderr);
  r = await git(['push', strict.url, `${commit}:refs/heads/padded`], { cwd: wd });
  t.equal(r.code, 1, 'receive.fsckObjects still checks everything');
  t.match(r.stderr, 'zeroPaddedFilemode');
});

t.test("above receive.unpackLimit (index-pack) the lines are still git's", async (t) => {
  const repo = await newRepo({ 'receive.unpackLimit': '1' });
  const stockIndexPack = path.join(dir, 'stock-index-pack.git');
  await gitOk(['init', '-q', '--bare', '-b', 'main', stockIndexPack]);
  await gitOk(['--git-dir', stockIndexPack, 'config', 'receive.fsckObjects', 'true']);
  await gitOk(['--git-dir', stockIndexPack, 'config', 'receive.unpackLimit', '1']);
  await gitOk(['push', '-q', stockIndexPack, `${base}:refs/heads/main`], { cwd: wd });
  for (const variant of [variants[0]!, variants.find((v) => v.message.startsWith('gitmodulesUrl'))!]) {
    const root = await writeTree(wd, [file('README'), ...variant.entries]);
    const commit = await gitOk(['commit-tree', root, '-p', base, '-m', `${variant.name} (index-pack)`], { cwd: wd });
    const theirs = await git(['push', stockIndexPack, `${commit}:refs/heads/main`], { cwd: wd });
    const ours = await git(['push', repo.url, `${commit}:refs/heads/main`], { cwd: wd });
    t.equal(ours.code, 1);
    t.match(ours.stderr, 'index-pack abnormal exit');
    t.same(verdictLines(ours.stderr), verdictLines(theirs.stderr), `${variant.name}: the same lines as stock git`);
  }
});
