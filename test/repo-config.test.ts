/**
 * The repository's config file and creation: the config parser agrees with
 * git config (and its writer with what git writes), and initRepository
 * writes what git init --bare writes.
 */
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FileConfig } from '../src/repo/config.js';
import { initialBareConfig, setConfigValue, setConfigValueInText } from '../src/repo/config-writer.js';
import { openRepository } from '../src/repo/repository.js';
import { initRepository } from '../src/repo/init-repository.js';
import { gitEnv } from './helpers/git.js';
import { git, gitStatus, scratchDir } from './helpers/repo.js';

t.test('config parser agrees with git config', async (t) => {
  const dir = scratchDir(t);
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
    const dir = scratchDir(t);
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
  const dir = scratchDir(t);
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
