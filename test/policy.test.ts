import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ObjectReader } from '../src/objects/object-reader.js';
import { isObjectType, type ObjectType } from '../src/objects/object-type.js';
import { checkNamespaceRules, namespaceOf, type NamespaceFacts, type NamespaceRuleId } from '../src/policy/namespace-rules.js';
import {
  collectNamespaceFacts,
  evaluateNamespaceRules,
  readerFactSource,
  type ObjectFactSource,
  type PeeledType,
} from '../src/policy/namespace-facts.js';

const ZERO = '0'.repeat(40);

// ---- a small real repository ----

const dir = t.testdir();
const home = join(dir, 'home');
mkdirSync(home);
const repo = join(dir, 'repo');
const env = {
  ...process.env,
  HOME: home,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'A U Thor',
  GIT_AUTHOR_EMAIL: 'author@example.com',
  GIT_AUTHOR_DATE: '1700000000 +0000',
  GIT_COMMITTER_NAME: 'C O Mitter',
  GIT_COMMITTER_EMAIL: 'committer@example.com',
  GIT_COMMITTER_DATE: '1700000000 +0000',
};

function run(args: string[], input?: string | Buffer) {
  return spawnSync('git', args, { cwd: repo, env, input });
}
function git(args: string[], input?: string): string {
  const r = run(args, input);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.toString().trim();
}

spawnSync('git', ['init', '-q', '-b', 'main', repo], { env });
const c1 = git(['commit-tree', '-m', 'one', git(['mktree'], '')]);
const blob = git(['hash-object', '-w', '--stdin'], 'a file\n');
const tree = git(['mktree'], `100644 blob ${blob}\tfile\n`);
const c2 = git(['commit-tree', '-p', c1, '-m', 'two', tree]);
const c3 = git(['commit-tree', '-p', c2, '-m', 'three', tree]);
const side = git(['commit-tree', '-p', c1, '-m', 'side', tree]); // diverges from c2
git(['tag', '-a', '-m', 'A', 'tA', c2]);
git(['tag', '-a', '-m', 'B', 'tB', c2]);
git(['tag', '-a', '-m', 'C', 'tC', c3]);
git(['tag', '-a', '-m', 'tree', 'tTree', tree]);
const tA = git(['rev-parse', 'tA']);
const tB = git(['rev-parse', 'tB']);
const tC = git(['rev-parse', 'tC']);
const tTree = git(['rev-parse', 'tTree']);
git(['tag', '-a', '-m', 'tag of a tag', 'tTag', tA]);
const tTag = git(['rev-parse', 'tTag']);
const missing = 'f'.repeat(40);

/** Facts straight from the git CLI. */
const cliSource: ObjectFactSource = {
  async typeOf(oid) {
    const r = run(['cat-file', '-t', oid]);
    return r.status === 0 ? (r.stdout.toString().trim() as ObjectType) : null;
  },
  async peel(oid) {
    const r = run(['rev-parse', '-q', '--verify', `${oid}^{}`]);
    if (r.status !== 0) return null;
    const peeled = r.stdout.toString().trim();
    return { oid: peeled, type: git(['cat-file', '-t', peeled]) as PeeledType };
  },
  async isAncestor(ancestor, descendant) {
    return run(['merge-base', '--is-ancestor', ancestor, descendant]).status === 0;
  },
};

/** An ObjectReader over the same repository, to exercise readerFactSource (and its tag peeling). */
const reader: ObjectReader = {
  algo: 'sha1',
  async has(oid) {
    return run(['cat-file', '-e', oid]).status === 0;
  },
  async info(oid) {
    const r = run(['cat-file', '--batch-check'], `${oid}\n`);
    const [, type, size] = r.stdout.toString().trim().split(' ');
    return type && isObjectType(type) ? { type, size: Number(size) } : null;
  },
  async read(oid) {
    const info = await this.info(oid);
    if (!info) return null;
    return { type: info.type, data: run(['cat-file', info.type, oid]).stdout };
  },
};
const readerSource = readerFactSource(reader, cliSource.isAncestor);

// ---- the table ----

type Row = [description: string, refName: string, oldOid: string, newOid: string, expected: NamespaceRuleId | null];

const table: Row[] = [
  // refs/heads/*: commits only, fast-forward only
  ['branch: create on a commit', 'refs/heads/topic', ZERO, c1, null],
  ['branch: create on an annotated tag', 'refs/heads/topic', ZERO, tA, 'branch-holds-commits'],
  ['branch: create on a blob', 'refs/heads/topic', ZERO, blob, 'branch-holds-commits'],
  ['branch: create on a tree', 'refs/heads/topic', ZERO, tree, 'branch-holds-commits'],
  ['branch: fast-forward', 'refs/heads/main', c1, c3, null],
  ['branch: non-fast-forward', 'refs/heads/main', c2, side, 'branch-fast-forward'],
  ['branch: rewind', 'refs/heads/main', c3, c1, 'branch-fast-forward'],
  ['branch: update to a tag that would fast-forward', 'refs/heads/main', c1, tA, 'branch-holds-commits'],
  ['branch: update to a blob', 'refs/heads/main', c1, blob, 'branch-holds-commits'],
  ['branch: update from a non-commit', 'refs/heads/odd', blob, c1, 'update-needs-commits'],
  ['branch: delete', 'refs/heads/main', c3, ZERO, null],
  ['branch: no-op', 'refs/heads/main', c2, c2, null],
  // refs/tags/*: any object, created and deleted, never moved
  ['tag: create on a commit', 'refs/tags/v1', ZERO, c1, null],
  ['tag: create on an annotated tag', 'refs/tags/v1', ZERO, tA, null],
  ['tag: create on a blob', 'refs/tags/v1', ZERO, blob, null],
  ['tag: create on a tree', 'refs/tags/v1', ZERO, tree, null],
  ['tag: move to another tag of the same commit', 'refs/tags/v1', tA, tB, 'tag-never-moves'],
  ['tag: move forward', 'refs/tags/v1', c1, c2, 'tag-never-moves'],
  ['tag: move a blob tag', 'refs/tags/v1', blob, tree, 'tag-never-moves'],
  ['tag: delete', 'refs/tags/v1', tA, ZERO, null],
  ['tag: no-op', 'refs/tags/v1', tA, tA, null],
  // elsewhere: creations/deletions free; updates only between commit-ish, fast-forward after peeling
  ['other: create on a blob', 'refs/other/x', ZERO, blob, null],
  ['other: create on a tree', 'refs/notes/x', ZERO, tree, null],
  ['other: delete a blob ref', 'refs/other/x', blob, ZERO, null],
  ['other: commit fast-forward', 'refs/pull/1/head', c1, c3, null],
  ['other: commit non-fast-forward', 'refs/pull/1/head', c3, side, 'update-fast-forward'],
  ['other: tag replaced by another tag of the same commit', 'refs/other/x', tA, tB, null],
  ['other: tag to a tag of a descendant', 'refs/other/x', tA, tC, null],
  ['other: tag to a tag of an ancestor', 'refs/other/x', tC, tA, 'update-fast-forward'],
  ['other: commit to a tag of a tag of a descendant', 'refs/other/x', c1, tTag, null],
  ['other: tag to the commit it points at', 'refs/other/x', tA, c2, null],
  ['other: blob to commit', 'refs/other/x', blob, c1, 'update-needs-commits'],
  ['other: commit to tree', 'refs/other/x', c1, tree, 'update-needs-commits'],
  ['other: blob to blob', 'refs/other/x', blob, git(['hash-object', '-w', '--stdin'], 'b\n'), 'update-needs-commits'],
  ['other: tag of a tree to a commit', 'refs/other/x', tTree, c1, 'update-needs-commits'],
  ['other: from an object the repository lacks', 'refs/other/x', missing, c1, 'update-needs-commits'],
  ['branch: update from an object the repository lacks', 'refs/heads/main', missing, c1, 'update-needs-commits'],
];

for (const [name, source] of [
  ['git CLI facts', cliSource],
  ['readerFactSource', readerSource],
] as const) {
  t.test(`namespace rules table (${name})`, async (t) => {
    for (const [description, refName, oldOid, newOid, expected] of table) {
      const verdict = await evaluateNamespaceRules({ refName, oldOid, newOid }, source);
      t.equal(verdict?.rule ?? null, expected, description);
    }
  });
}

t.test('reasons name the rule; explanations say what to do', async (t) => {
  const check = (refName: string, oldOid: string, newOid: string) =>
    evaluateNamespaceRules({ refName, oldOid, newOid }, cliSource);

  t.match(await check('refs/heads/main', c2, side), {
    rule: 'branch-fast-forward',
    reason: 'non-fast-forward (namespace rule: refs/heads/* only fast-forwards)',
    explanation: `refs/heads/main: ${side.slice(0, 7)} does not contain ${c2.slice(0, 7)}; fetch, merge or rebase onto it, and push again (forcing is not allowed here).`,
  });
  t.match(await check('refs/tags/v1', tA, tB), {
    rule: 'tag-never-moves',
    reason: 'tag already exists (namespace rule: refs/tags/* are never moved)',
    explanation: `refs/tags/v1 already points at ${tA.slice(0, 7)}; push under a new tag name, or delete the tag (git push <remote> :refs/tags/v1) and push it again.`,
  });
  t.match(await check('refs/heads/x', ZERO, tTree), {
    reason: 'not a commit (namespace rule: refs/heads/* hold commits only)',
    explanation: `refs/heads/x: ${tTree.slice(0, 7)} is a tag of a tree, not a commit; push a commit to a branch, or put other objects under refs/tags/*.`,
  });
  t.match(await check('refs/other/x', blob, c1), {
    reason: 'not a commit-to-commit update (namespace rule: only commits and tags of commits are updated)',
    explanation: `refs/other/x: ${blob.slice(0, 7)} (a blob) -> ${c1.slice(0, 7)} (a commit) cannot fast-forward; delete the ref and create it again instead.`,
  });
  t.match(await check('refs/other/x', missing, c1), { explanation: /\(a missing object\)/ });
  t.match(await check('refs/other/x', c3, side), {
    reason: 'non-fast-forward (namespace rule: updates only fast-forward)',
    explanation:
      /does not contain .* \(tags peeled to commits\); fetch, merge or rebase, and push again, or delete the ref and create it again\.$/,
  });
  for (const verdict of [await check('refs/heads/main', c2, side), await check('refs/tags/v1', c1, c2)]) {
    t.ok(verdict!.reason.length < 80, 'reason stays short');
    t.notMatch(verdict!.explanation, '\n', 'explanation is one line');
  }
});

t.test('pure function over hand-supplied facts', async (t) => {
  const A = 'a'.repeat(40);
  const B = 'b'.repeat(40);
  const commit = { type: 'commit', peeledType: 'commit' } as const;
  const rule = (refName: string, oldOid: string, newOid: string, facts: NamespaceFacts) =>
    checkNamespaceRules({ refName, oldOid, newOid }, facts)?.rule ?? null;

  t.equal(rule('refs/heads/a', A, B, { old: commit, new: commit, fastForward: true }), null);
  t.equal(rule('refs/heads/a', A, B, { old: commit, new: commit, fastForward: false }), 'branch-fast-forward');
  t.equal(rule('refs/heads/a', A, B, { old: commit, new: commit }), 'branch-fast-forward', 'unknown ancestry refuses');
  t.equal(rule('refs/heads/a', ZERO, B, {}), 'branch-holds-commits', 'unknown new object refuses on a branch');
  t.equal(rule('refs/other/a', ZERO, B, {}), null, 'creation elsewhere needs no facts');
  t.equal(rule('refs/tags/a', A, B, {}), 'tag-never-moves', 'tag update needs no facts');
  t.equal(rule('refs/other/a', A, ZERO, {}), null, 'deletion needs no facts');
  t.equal(
    rule('refs/other/a', A, B, { old: { type: 'tag' }, new: commit, fastForward: true }),
    'update-needs-commits',
    'a tag whose target is missing',
  );
  t.equal(rule('refs/heads/a', '0'.repeat(64), 'b'.repeat(64), { new: commit }), null, 'sha256 zero id');

  t.equal(namespaceOf('refs/heads/a/b'), 'branch');
  t.equal(namespaceOf('refs/tags/v1'), 'tag');
  t.equal(namespaceOf('refs/headsx/a'), 'other');
  t.equal(namespaceOf('refs/remotes/origin/main'), 'other');
});

t.test('facts are looked up only when a rule needs them', async (t) => {
  const calls: string[] = [];
  const counting: ObjectFactSource = {
    typeOf: (oid) => (calls.push(`type ${oid.slice(0, 4)}`), cliSource.typeOf(oid)),
    peel: (oid) => (calls.push(`peel ${oid.slice(0, 4)}`), cliSource.peel(oid)),
    isAncestor: (a, d) => (calls.push('ancestry'), cliSource.isAncestor(a, d)),
  };
  const collect = async (refName: string, oldOid: string, newOid: string) => {
    calls.length = 0;
    const facts = await collectNamespaceFacts({ refName, oldOid, newOid }, counting);
    return { facts, calls: [...calls] };
  };

  t.same((await collect('refs/heads/a', c1, ZERO)).calls, [], 'deletion: nothing');
  t.same((await collect('refs/heads/a', c1, c1)).calls, [], 'no-op: nothing');
  t.same((await collect('refs/tags/a', c1, c2)).calls, [`type ${c2.slice(0, 4)}`], 'tag update: no ancestry');
  t.same((await collect('refs/heads/a', c1, blob)).calls, [`type ${blob.slice(0, 4)}`], 'branch to non-commit: stops early');
  const ff = await collect('refs/other/a', tA, tC);
  t.same(ff.calls, [
    `type ${tC.slice(0, 4)}`,
    `peel ${tC.slice(0, 4)}`,
    `type ${tA.slice(0, 4)}`,
    `peel ${tA.slice(0, 4)}`,
    'ancestry',
  ]);
  t.same(ff.facts, { new: { type: 'tag', peeledType: 'commit' }, old: { type: 'tag', peeledType: 'commit' }, fastForward: true });
  const blobs = await collect('refs/other/a', blob, tree);
  t.notOk(blobs.calls.includes('ancestry'), 'no ancestry between non-commits');
});

t.test('readerFactSource: broken tags peel to nothing', async (t) => {
  const objects: Record<string, { type: ObjectType; data: Buffer }> = {
    ['1'.repeat(40)]: { type: 'tag', data: Buffer.from('not a tag header\n') },
    ['2'.repeat(40)]: { type: 'tag', data: Buffer.from(`object ${'9'.repeat(40)}\ntype commit\ntag gone\n\nmsg\n`) },
    ['3'.repeat(40)]: { type: 'commit', data: Buffer.from('') },
  };
  const fake: ObjectReader = {
    algo: 'sha1',
    has: async (oid) => oid in objects,
    info: async (oid) => (objects[oid] ? { type: objects[oid]!.type, size: objects[oid]!.data.length } : null),
    read: async (oid) => objects[oid] ?? null,
  };
  const source = readerFactSource(fake, async () => true);
  t.equal(await source.peel('1'.repeat(40)), null, 'malformed tag');
  t.equal(await source.peel('2'.repeat(40)), null, 'tag of a missing object');
  t.same(await source.peel('3'.repeat(40)), { oid: '3'.repeat(40), type: 'commit' });
  const verdict = await evaluateNamespaceRules(
    { refName: 'refs/other/x', oldOid: '1'.repeat(40), newOid: '3'.repeat(40) },
    source,
  );
  t.match(verdict, { rule: 'update-needs-commits', explanation: /\(a tag of a missing object\)/ });
});
