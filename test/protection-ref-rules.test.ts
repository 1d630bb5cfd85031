/**
 * Branch protection's ref rules (issue 4), with the real git client pushing
 * over HTTP to an in-process server with accounts: blocked force pushes,
 * creation and deletion, restricted pushers, immutable tags, each allowed and
 * refused, with their allow lists.
 */
import t from 'tap';
import { updateRepository } from '../src/db/repositories.js';
import { protectionServer, refLine } from './helpers/protection.js';

const { db, scenario } = await protectionServer(t);

t.test('block force pushes: refused for bob, allowed for a listed group; fast-forwards pass', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', blockForcePush: { allow: ['@leads'] } }]);
  const c1 = await s.work.commit('one');
  await s.work.commit('two');
  let r = await s.push('bob', ['main']);
  t.equal(r.code, 0, r.stderr);

  await s.work.gitOk(['reset', '-q', '--hard', c1]);
  const rewritten = await s.work.commit('rewritten');
  r = await s.push('bob', ['--force', 'main']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (force push not allowed [rule 1: refs/heads/main])');
  t.match(r.stderr, 'remote: error: refs/heads/main: refused by policy rule 1 (refs/heads/main): block force pushes');
  t.match(
    r.stderr,
    /remote: error: [0-9a-f]{7} does not contain [0-9a-f]{7}, the current refs\/heads\/main; refs matching refs\/heads\/main only fast-forward \(except for @leads\)/,
  );
  t.match(
    r.stderr,
    'remote: error: to do instead: fetch, merge or rebase onto refs/heads/main (git pull --rebase), and push again without --force',
  );
  t.not((await s.refs())['refs/heads/main'], rewritten, 'bob did not move main');

  r = await s.push('alice', ['--force', 'main']);
  t.equal(r.code, 0, `alice is in @leads: ${r.stderr}`);
  t.equal((await s.refs())['refs/heads/main'], rewritten);

  const three = await s.work.commit('three');
  r = await s.push('bob', ['main']);
  t.equal(r.code, 0, `a fast-forward needs no exemption: ${r.stderr}`);
  t.equal((await s.refs())['refs/heads/main'], three);
});

t.test('block deletion and creation, with allow lists', async (t) => {
  const s = await scenario(t, [
    {
      pattern: 'refs/heads/release/*',
      blockCreation: { allow: ['alice'] },
      blockDeletion: { allow: ['@leads'] },
      description: 'release branches',
    },
  ]);
  await s.work.commit('one');
  let r = await s.push('bob', ['main', 'main:refs/heads/release/1.0']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/main'), /^\*\t/, 'main is created: no rule matches it');
  t.match(refLine(r.stdout, 'refs/heads/release/1.0'), '[remote rejected] (creation not allowed [rule 1: refs/heads/release/*])');
  t.match(r.stderr, 'refused by policy rule 1 (refs/heads/release/*, "release branches"): block creation');
  t.match(r.stderr, 'refs matching refs/heads/release/* may be created only by alice');
  t.match(r.stderr, 'to do instead: ask alice to create it, or push to an existing ref or another name instead');

  r = await s.push('alice', ['main:refs/heads/release/1.0']);
  t.equal(r.code, 0, r.stderr);
  r = await s.push('bob', [':refs/heads/release/1.0']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/release/1.0'), '[remote rejected] (deletion not allowed [rule 1: refs/heads/release/*])');
  t.ok((await s.refs())['refs/heads/release/1.0'], 'still there');
  r = await s.push('alice', [':refs/heads/release/1.0']);
  t.equal(r.code, 0, r.stderr);
  t.notOk((await s.refs())['refs/heads/release/1.0']);
});

t.test('restrict who may push: users and groups; anonymous pushers are told to authenticate', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/main', restrictPush: ['carol', '@leads'] }]);
  await s.work.commit('one');
  let r = await s.push('bob', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (push not allowed [rule 1: refs/heads/main])');
  t.match(r.stderr, 'only carol, @leads may push to refs matching refs/heads/main, not bob');
  t.match(r.stderr, 'to do instead: push to a branch of your own and ask one of them to merge it');
  r = await s.push('bob', ['main:refs/heads/bob/topic']);
  t.equal(r.code, 0, 'other branches are open to bob');
  r = await s.push('carol', ['main']);
  t.equal(r.code, 0, r.stderr);
  await s.work.commit('two');
  r = await s.push('alice', ['main']);
  t.equal(r.code, 0, `alice via @leads: ${r.stderr}`);

  // On a repository open to anonymous pushes git sends no credentials (none are asked for).
  await updateRepository(db, s.name, { anonymousPush: true });
  await s.work.commit('three');
  r = await s.push('anonymous', ['main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (push not allowed');
  t.match(r.stderr, 'not an anonymous push');
  t.match(r.stderr, 'authenticate (a username and token over HTTP, or an SSH key)');
});

t.test('immutable tags: created once, never moved or deleted except by the allowed', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/tags/v*', immutable: { allow: ['root'] } }]);
  await s.work.commit('one');
  await s.work.gitOk(['tag', '-a', 'v1', '-m', 'version 1']);
  let r = await s.push('bob', ['main', 'v1']);
  t.equal(r.code, 0, r.stderr);
  const v1 = (await s.refs())['refs/tags/v1'];

  await s.work.commit('two');
  await s.work.gitOk(['tag', '-f', '-a', 'v1', '-m', 'version 1 again']);
  r = await s.push('bob', ['--force', 'v1']);
  t.match(refLine(r.stdout, 'refs/tags/v1'), '[remote rejected] (tag cannot be moved [rule 1: refs/tags/v*])');
  t.match(
    r.stderr,
    /refs\/tags\/v1 already points at [0-9a-f]{7}, and refs matching refs\/tags\/v\* never change once created \(except by root\)/,
  );
  t.match(r.stderr, 'to do instead: push under a new name instead (e.g. the next version tag)');
  r = await s.push('alice', [':refs/tags/v1']);
  t.match(refLine(r.stdout, 'refs/tags/v1'), '[remote rejected] (tag cannot be deleted [rule 1: refs/tags/v*])');
  t.equal((await s.refs())['refs/tags/v1'], v1, 'the tag has not changed');

  r = await s.push('bob', ['--force', 'v1:refs/tags/x-v1']);
  t.equal(r.code, 0, 'refs/tags/v* does not match refs/tags/x-v1');
  r = await s.push('root', ['--force', 'v1']);
  t.equal(r.code, 0, `root may move it: ${r.stderr}`);
  r = await s.push('root', [':refs/tags/v1']);
  t.equal(r.code, 0, r.stderr);
});
