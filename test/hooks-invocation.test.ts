/**
 * What the hook runner gives each hook, as git does: arguments, stdin lines,
 * working directory, GIT_DIR, push options, the environment (inherited, the
 * caller's extras, repository locators dropped), the quarantine, which
 * commands post-receive and post-update hear of, and core.hooksPath.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdirSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { ReceiveCommand } from '../src/receive/command.js';
import {
  HookRunner,
  PRE_RECEIVE_DECLINED,
  UPDATE_HOOK_DECLINED,
  hookEnvironment,
  hooksDirectory,
  updateHookDeclinedMessage,
} from '../src/receive/hooks/index.js';
import { quarantineEnvironment, quoteAlternate } from '../src/repo/quarantine-env.js';
import { A, B, C, ZERO, config, gitEnv, gitOk, setup, writeHook } from './helpers/hooks.js';

t.test("reasons are git's", async (t) => {
  t.equal(PRE_RECEIVE_DECLINED, 'pre-receive hook declined');
  t.equal(UPDATE_HOOK_DECLINED, 'hook declined');
  t.equal(updateHookDeclinedMessage('refs/heads/main'), 'hook declined to update refs/heads/main');
});

t.test('pre-receive: no args, stdin lines, cwd, GIT_DIR, push option count 0, quarantine env', async (t) => {
  const { gitDir, hooks, runner, text } = setup(t);
  writeHook(
    hooks,
    'pre-receive',
    [
      'echo "args=$#"',
      'echo "pwd=$(pwd -P)"',
      'echo "GIT_DIR=$GIT_DIR"',
      'echo "count=${GIT_PUSH_OPTION_COUNT-unset} opt0=${GIT_PUSH_OPTION_0-unset}"',
      'echo "q=$GIT_QUARANTINE_PATH o=$GIT_OBJECT_DIRECTORY a=$GIT_ALTERNATE_OBJECT_DIRECTORIES"',
      'while read -r old new ref; do echo "line=$old $new $ref"; done',
    ].join('\n'),
  );
  const commands = [new ReceiveCommand('refs/heads/main', A, B), new ReceiveCommand('refs/tags/v1', ZERO, C)];
  commands[0]!.reject('already rejected earlier'); // git still feeds it to pre-receive
  const quarantineEnv = { GIT_QUARANTINE_PATH: '/q', GIT_OBJECT_DIRECTORY: '/q', GIT_ALTERNATE_OBJECT_DIRECTORIES: '/objs' };
  const result = await runner.preReceive(commands, { quarantineEnv });
  t.ok(result.ok);
  t.equal(result.exitCode, 0);
  t.equal(result.path, join(hooks, 'pre-receive'));
  t.equal(
    text(),
    [
      'args=0',
      `pwd=${gitDir}`,
      'GIT_DIR=.',
      'count=0 opt0=unset',
      'q=/q o=/q a=/objs',
      `line=${A} ${B} refs/heads/main`,
      `line=${ZERO} ${C} refs/tags/v1`,
      '',
    ].join('\n'),
  );
});

t.test('pre-receive and post-receive: push options', async (t) => {
  const { hooks, runner, text } = setup(t);
  const body = 'echo "$0 count=$GIT_PUSH_OPTION_COUNT 0=$GIT_PUSH_OPTION_0 1=$GIT_PUSH_OPTION_1 2=${GIT_PUSH_OPTION_2-unset}"';
  writeHook(hooks, 'pre-receive', body);
  writeHook(hooks, 'post-receive', body);
  const cmd = new ReceiveCommand('refs/heads/main', A, B);
  await runner.preReceive([cmd], { pushOptions: ['ci.skip', 'reviewer=me x'] });
  cmd.accept();
  await runner.postReceive([cmd], { pushOptions: ['ci.skip', 'reviewer=me x'] });
  t.equal(
    text(),
    // $0 is the hook relative to the repository, as git runs it.
    'hooks/pre-receive count=2 0=ci.skip 1=reviewer=me x 2=unset\n' +
      'hooks/post-receive count=2 0=ci.skip 1=reviewer=me x 2=unset\n',
  );
});

t.test('environment: inherited, caller extras, repository locators dropped', async (t) => {
  const { home, hooks, gitDir } = setup(t);
  const chunks: Buffer[] = [];
  const runner = new HookRunner({
    gitDir,
    config: config(),
    output: (c) => void chunks.push(c),
    env: { REMOTE_USER: 'alice', GIT_PROTOCOL: 'version=1' },
    inheritedEnv: { ...gitEnv(home), INHERITED: 'yes', GIT_OBJECT_DIRECTORY: '/elsewhere', GIT_DIR: '/elsewhere.git' },
  });
  writeHook(
    hooks,
    'update',
    'echo "user=$REMOTE_USER proto=$GIT_PROTOCOL inh=$INHERITED obj=${GIT_OBJECT_DIRECTORY-unset} dir=$GIT_DIR"',
  );
  await runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.equal(Buffer.concat(chunks).toString(), 'user=alice proto=version=1 inh=yes obj=unset dir=.\n');

  const env = hookEnvironment({ GIT_DIR: '/x', PATH: '/bin' }, { GIT_DIR: '/y', A: '1' }, { A: '2' });
  t.same(env, { PATH: '/bin', A: '2', GIT_DIR: '.' }, 'later layers win, GIT_DIR is always .');
});

t.test('update: <ref> <old> <new>, no stdin, no push options or quarantine', async (t) => {
  const { hooks, runner, text } = setup(t);
  writeHook(
    hooks,
    'update',
    'echo "args=$# $1 $2 $3"; echo "stdin=$(wc -c | tr -d " ")"; echo "count=${GIT_PUSH_OPTION_COUNT-unset} q=${GIT_QUARANTINE_PATH-unset}"; [ "$1" = refs/heads/ok ]',
  );
  const ok = await runner.update(new ReceiveCommand('refs/heads/ok', A, B));
  t.ok(ok.ok);
  const no = await runner.update(new ReceiveCommand('refs/heads/no', ZERO, C));
  t.notOk(no.ok);
  t.equal(no.exitCode, 1);
  t.equal(
    text(),
    `args=3 refs/heads/ok ${A} ${B}\nstdin=0\ncount=unset q=unset\n` +
      `args=3 refs/heads/no ${ZERO} ${C}\nstdin=0\ncount=unset q=unset\n`,
  );
});

t.test('post-receive and post-update: successful commands only, skipped when none', async (t) => {
  const { hooks, runner, text } = setup(t);
  writeHook(hooks, 'post-receive', 'echo post-receive; cat');
  writeHook(hooks, 'post-update', 'echo "post-update $*"');
  const ok = new ReceiveCommand('refs/heads/main', A, B);
  ok.accept();
  const created = new ReceiveCommand('refs/heads/new', ZERO, C);
  created.accept();
  const failed = new ReceiveCommand('refs/heads/bad', A, C);
  failed.reject('hook declined');
  const ghost = new ReceiveCommand('refs/heads/ghost', A, ZERO);
  ghost.accept({ didNotExist: true });
  const all = [ok, failed, ghost, created];
  t.ok((await runner.postReceive(all)).ok);
  t.ok((await runner.postUpdate(all)).ok);
  t.equal(
    text(),
    `post-receive\n${A} ${B} refs/heads/main\n${ZERO} ${C} refs/heads/new\npost-update refs/heads/main refs/heads/new\n`,
  );

  const none = await runner.postReceive([failed, ghost]);
  t.equal(none.path, null, 'post-receive not run without successful commands');
  t.equal((await runner.postUpdate([failed])).path, null, 'post-update neither');
  t.equal((await runner.preReceive([])).path, null, 'pre-receive not run without commands');
});

t.test('core.hooksPath: relative to the git dir, absolute, ~/', async (t) => {
  const dir = t.testdir();
  t.equal(hooksDirectory('/srv/r.git', config()), '/srv/r.git/hooks');
  t.equal(hooksDirectory('/srv/r.git', config({ 'core.hooksPath': 'custom' })), '/srv/r.git/custom');
  t.equal(hooksDirectory('/srv/r.git', config({ 'core.hooksPath': '../shared-hooks' })), '/srv/shared-hooks');
  t.equal(hooksDirectory('/srv/r.git', config({ 'core.hooksPath': '/etc/hooks' })), '/etc/hooks');
  t.match(hooksDirectory('/srv/r.git', config({ 'core.hooksPath': '~/h' })), /\/h$/);

  const relative = setup(t, { values: { 'core.hooksPath': 'custom-hooks' } });
  writeHook(relative.hooks, 'update', 'echo default');
  writeHook(join(relative.gitDir, 'custom-hooks'), 'update', 'echo custom');
  await relative.runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.equal(relative.text(), 'custom\n');

  const absoluteDir = join(realpathSync(dir), 'abs-hooks');
  const absolute = setup(t, { values: { 'core.hooksPath': absoluteDir } });
  writeHook(absoluteDir, 'update', 'echo "absolute $(pwd -P)"');
  await absolute.runner.update(new ReceiveCommand('refs/heads/main', A, B));
  t.equal(absolute.text(), `absolute ${absolute.gitDir}\n`, 'still runs in the git dir');
});

t.test('quarantine environment lets pre-receive read quarantined objects', async (t) => {
  const { gitDir, home, hooks, runner, text } = setup(t);
  const objects = join(gitDir, 'objects');
  const quarantine = join(objects, 'tmp_objdir-incoming-test');
  mkdirSync(quarantine);
  const oid = gitOk(gitDir, home, ['hash-object', '-w', '--stdin'], 'quarantined\n');
  // One object in the main store, one only in the quarantine.
  const env = { ...gitEnv(home), GIT_OBJECT_DIRECTORY: quarantine };
  spawnSync('git', ['hash-object', '-w', '--stdin'], { cwd: gitDir, env, input: 'only-in-quarantine\n' });
  const qOid = spawnSync('git', ['hash-object', '--stdin'], {
    cwd: gitDir,
    env,
    input: 'only-in-quarantine\n',
    encoding: 'utf8',
  }).stdout.trim();
  writeHook(hooks, 'pre-receive', `git cat-file -p ${qOid} && git cat-file -p ${oid} && echo "q=$GIT_QUARANTINE_PATH"`);
  const result = await runner.preReceive([new ReceiveCommand('refs/heads/main', A, B)], {
    quarantineEnv: quarantineEnvironment(quarantine, objects, undefined),
  });
  t.ok(result.ok, 'accepted', { output: text() });
  t.equal(text(), `only-in-quarantine\nquarantined\nq=${quarantine}\n`);
  t.notOk(spawnSync('git', ['cat-file', '-e', qOid], { cwd: gitDir, env: gitEnv(home) }).status === 0, 'not in the main store');

  t.same(quarantineEnvironment('/r/objects/tmp_objdir-incoming-x', '/r/objects', '/alt'), {
    GIT_QUARANTINE_PATH: '/r/objects/tmp_objdir-incoming-x',
    GIT_OBJECT_DIRECTORY: '/r/objects/tmp_objdir-incoming-x',
    GIT_ALTERNATE_OBJECT_DIRECTORIES: '/alt:/r/objects',
  });
  t.equal(quoteAlternate('/plain/objects'), '/plain/objects');
  t.equal(quoteAlternate('/a:b/objects'), '"/a:b/objects"');
  t.equal(quoteAlternate('"q\\\tx'), '"\\"q\\\\\\tx"');
  t.equal(quoteAlternate('/é:x'), '"/\\303\\251:x"');
});
