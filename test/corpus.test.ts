import t from 'tap';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { initRepository } from '../src/repo/init-repository.js';
import { git, gitOk, PROJECT_ROOT, refsOf, tempDir } from './helpers/git.js';
import { startTestServer } from './helpers/server.js';

const CORPORA = ['koa', 'lodash'].map((name) => ({
  name,
  bundle: path.resolve(PROJECT_ROOT, '../shared/bench', `${name}.bundle`),
}));

/** fsck findings as a set of lines (warnings and errors), for comparing with the source's. */
async function fsckFindings(gitDir: string): Promise<{ code: number; lines: string[] }> {
  const r = await git(['--git-dir', gitDir, 'fsck', '--no-dangling', '--no-progress']);
  const lines = (r.stdout + r.stderr).split('\n').filter(Boolean).sort();
  return { code: r.code, lines };
}

for (const corpus of CORPORA) {
  t.test(
    `the ${corpus.name} corpus pushed whole over HTTP`,
    { skip: existsSync(corpus.bundle) ? false : 'corpus not found' },
    async (t) => {
      const { dir, cleanup } = await tempDir();
      t.teardown(cleanup);
      const source = path.join(dir, 'source.git');
      await gitOk(['clone', '-q', '--mirror', corpus.bundle, source]);
      const dataDir = path.join(dir, 'data');
      const target = path.join(dataDir, `${corpus.name}.git`);
      const head = (await gitOk(['--git-dir', source, 'symbolic-ref', 'HEAD'])).replace('refs/heads/', '');
      await initRepository(target, { algo: 'sha1', defaultBranch: head });
      const server = await startTestServer(t, { dataDir, allowAnonymousPush: true });
      const push = await git(['-C', source, 'push', '-q', '--mirror', `${server.url}/${corpus.name}.git`]);
      t.equal(push.code, 0, push.stderr);
      t.same(await refsOf(target), await refsOf(source), 'every ref arrived');
      const [ours, theirs] = await Promise.all([fsckFindings(target), fsckFindings(source)]);
      t.equal(ours.code, theirs.code, 'fsck exit status as on the source');
      t.same(
        ours.lines.filter((l) => !theirs.lines.includes(l)),
        [],
        'fsck reports nothing the source does not',
      );
      const clone = path.join(dir, 'clone.git');
      await gitOk(['clone', '-q', '--mirror', target, clone]);
      t.same(await refsOf(clone), await refsOf(source), 'a clone has the same refs');
      const counts = await gitOk(['--git-dir', target, 'count-objects', '-v']);
      const sourceCounts = await gitOk(['--git-dir', source, 'count-objects', '-v']);
      t.equal(counts.match(/in-pack: (\d+)/)?.[1], sourceCounts.match(/in-pack: (\d+)/)?.[1], 'same number of objects');
    },
  );
}
