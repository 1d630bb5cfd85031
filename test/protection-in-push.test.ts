/**
 * Branch protection inside a push (issue 4): a push mixing allowed and
 * refused refs (non-atomic and atomic), the in-process and executable hooks
 * told only about what the rules allowed, and rules that cannot be read
 * failing closed.
 */
import t from 'tap';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { PolicySource } from '../src/policy/policy-source.js';
import type { ReceiveCommand } from '../src/receive/command.js';
import type { HookContext } from '../src/receive/types.js';
import { protectionServer, refLine } from './helpers/protection.js';
import { startTestServer } from './helpers/server.js';

const { td, scratch, scenario, setHooks } = await protectionServer(t);

t.test('a push mixing allowed and refused refs: non-atomic gets both results, atomic gets none', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/release/*', blockCreation: true }]);
  await s.work.commit('one');
  let r = await s.push('bob', ['main', 'main:refs/heads/release/x']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/main'), /^\*\t/);
  t.match(refLine(r.stdout, 'refs/heads/release/x'), '(creation not allowed [rule 1: refs/heads/release/*])');
  t.match(r.stderr, 'to do instead: push to an existing ref or another name instead');
  t.same(Object.keys(await s.refs()), ['refs/heads/main']);

  await s.work.commit('two');
  const before = await s.refs();
  r = await s.push('bob', ['--atomic', 'main', 'main:refs/heads/release/y']);
  t.not(r.code, 0);
  t.match(refLine(r.stdout, 'refs/heads/release/y'), '(creation not allowed [rule 1: refs/heads/release/*])');
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (atomic push failure)');
  t.same(await s.refs(), before, 'nothing moved');
});

t.test('in-process hooks through a real push; pre-receive is not told about refused updates', async (t) => {
  const s = await scenario(t, [{ pattern: 'refs/heads/frozen', restrictPush: [] }]);
  const seen: Record<string, string[]> = { preReceive: [], update: [], postReceive: [] };
  let identitySeen: string | undefined;
  setHooks({
    preReceive(ctx: HookContext, commands: ReceiveCommand[]) {
      identitySeen = ctx.identity?.username;
      seen.preReceive!.push(...commands.map((c) => c.refName));
      for (const c of commands) if (c.refName === 'refs/heads/pre-veto') c.reject('vetoed by the pre-receive hook');
      ctx.message('pre-receive ran in-process');
    },
    update(_ctx, command) {
      seen.update!.push(command.refName);
      if (command.refName === 'refs/heads/update-veto') command.reject('vetoed by the update hook');
    },
    postReceive(_ctx, commands) {
      seen.postReceive!.push(...commands.map((c) => `${c.refName} ${c.type}`));
    },
  });
  // The executable pre-receive hook follows the same rule.
  const stdinFile = path.join(scratch, `pre-receive-${s.name}.txt`);
  await writeFile(path.join(s.gitDir, 'hooks', 'pre-receive'), `#!/bin/sh\ncat > '${stdinFile}'\n`);
  await chmod(path.join(s.gitDir, 'hooks', 'pre-receive'), 0o755);

  await s.work.commit('one');
  const r = await s.push('bob', ['main', 'main:refs/heads/frozen', 'main:refs/heads/pre-veto', 'main:refs/heads/update-veto']);
  t.match(refLine(r.stdout, 'refs/heads/main'), /^\*\t/);
  t.match(refLine(r.stdout, 'refs/heads/frozen'), '(push not allowed [rule 1: refs/heads/frozen])');
  t.match(refLine(r.stdout, 'refs/heads/pre-veto'), '[remote rejected] (vetoed by the pre-receive hook)');
  t.match(refLine(r.stdout, 'refs/heads/update-veto'), '[remote rejected] (vetoed by the update hook)');
  t.match(r.stderr, 'remote: pre-receive ran in-process');
  t.match(r.stderr, 'only nobody may push to refs matching refs/heads/frozen');
  t.same(
    seen.preReceive,
    ['refs/heads/main', 'refs/heads/pre-veto', 'refs/heads/update-veto'],
    'not told about refs/heads/frozen',
  );
  t.same(seen.update, ['refs/heads/main', 'refs/heads/update-veto']);
  t.same(seen.postReceive, ['refs/heads/main create']);
  t.equal(identitySeen, 'bob');
  const hookStdin = await readFile(stdinFile, 'utf8');
  t.notMatch(hookStdin, 'refs/heads/frozen', 'the executable pre-receive hook was not told either');
  t.match(hookStdin, 'refs/heads/main');
  t.same(Object.keys(await s.refs()), ['refs/heads/main']);
});

t.test('rules that cannot be read fail closed', async (t) => {
  const s = await scenario(t);
  await s.work.commit('one');
  const failing: PolicySource = {
    rulesFor: async () => {
      throw new Error('database is down');
    },
  };
  const broken = await startTestServer(t, {
    dataDir: td.dataDir,
    allowAnonymousPush: true,
    policy: failing,
  });
  const r = await s.work.git(['push', '--porcelain', `${broken.url}/${s.name}`, 'main']);
  t.match(refLine(r.stdout, 'refs/heads/main'), '[remote rejected] (policy unavailable)');
  t.match(r.stderr, "the repository's protection rules could not be read");
  t.same(await s.refs(), {});
});
