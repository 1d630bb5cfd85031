import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { gitEnv, gitOk, PUSHGATE_BIN, refsOf, run, tempDir, WorkRepo } from './helpers/git.js';

/**
 * The README's quick start as a user runs it: `pushgate serve` as a process on
 * the embedded database, `pushgate repo create` beside it, a real push and
 * clone, then a clean stop that releases the data folder.
 */
t.test('pushgate serve: start, create, push, clone, stop', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const env = { ...gitEnv(), DATABASE_URL: '' } as NodeJS.ProcessEnv;
  const server = spawn(
    process.execPath,
    [PUSHGATE_BIN, 'serve', '--data', dataDir, '--http-port', '0', '--ssh-port', '0', '--allow-anonymous-push'],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  t.teardown(() => {
    if (server.exitCode === null) server.kill('SIGKILL');
  });
  let stdout = '';
  server.stdout.on('data', (chunk) => (stdout += chunk));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL: ${stdout}`)), 60_000);
    server.stdout.on('data', () => {
      const match = /push to:\s+(http:\/\/\S+)\/<name>\.git/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stdout}`)));
  });
  t.match(stdout, /over SSH:\s+ssh:\/\/git@127\.0\.0\.1:\d+\/<name>\.git/);

  const created = await run('node', [PUSHGATE_BIN, 'repo', 'create', 'demo', '--data', dataDir], { env: { DATABASE_URL: '' } });
  t.equal(created.code, 0, created.stderr);
  t.match(created.stdout, 'Created demo.git');
  t.match(created.stdout, 'The running server will register it on first access.');

  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('first');
  const pushed = await work.git(['push', `${url}/demo.git`, 'main']);
  t.equal(pushed.code, 0, pushed.stderr);
  t.same(await refsOf(path.join(dataDir, 'demo.git')), { 'refs/heads/main': c1 });
  await gitOk(['clone', '-q', `${url}/demo.git`, path.join(dir, 'clone')]);
  t.equal(await gitOk(['-C', path.join(dir, 'clone'), 'rev-parse', 'HEAD']), c1);

  const status = await new Promise<number | null>((resolve) => {
    server.on('exit', (code) => resolve(code));
    server.kill('SIGTERM');
  });
  t.equal(status, 0, 'a clean stop');
  t.notOk(existsSync(path.join(dataDir, '.pushgate', 'pg.lock')), 'the embedded database is released');
  const listed = await run('node', [PUSHGATE_BIN, 'repo', 'list', '--data', dataDir, '--json'], { env: { DATABASE_URL: '' } });
  t.equal(listed.code, 0, listed.stderr);
  t.match(JSON.parse(listed.stdout), [{ name: 'demo.git' }], 'the server registered the repository it was asked for');
});

t.test('the package entry point embeds a server with in-process policy', async (t) => {
  const entry = path.join(path.dirname(PUSHGATE_BIN), '..', 'dist', 'index.js');
  const lib = (await import(entry)) as typeof import('../src/index.js');
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const repo = await lib.initRepository(path.join(dataDir, 'demo.git'), { algo: 'sha1', defaultBranch: 'main' });
  await repo.close();
  const policy = new lib.InMemoryPolicySource({ 'demo.git': [{ pattern: 'refs/heads/main', blockForcePush: { allow: [] } }] });
  const server = await lib.createServer({
    dataDir,
    httpPort: 0,
    allowAnonymousPush: true,
    policy,
    logger: (await import('pino')).default({ level: 'silent' }),
  });
  await server.listen();
  t.teardown(() => server.close());
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const c1 = await work.commit('one');
  await work.commit('two');
  await work.gitOk(['push', `${server.url}/demo.git`, 'main']);
  const r = await work.git(['push', '--porcelain', '--force', `${server.url}/demo.git`, `${c1}:refs/heads/main`]);
  t.match(r.stdout, /\[remote rejected\] \(.*rule 1: refs\/heads\/main/);
});
