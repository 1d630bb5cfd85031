import t from 'tap';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAccessControl } from '../src/auth/access-control.js';
import { openAccounts } from '../src/auth/accounts.js';
import { listRepositories } from '../src/db/repositories.js';
import { backendName, testDatabase, usingPostgres } from './db-helpers.js';
import { spawnScript, sshKeygen, src } from './helpers/accounts.js';
import { gitOk, tempDir } from './helpers/git.js';

/** Opening the accounts: the embedded database's lock, and what openAccounts does at start. */
t.comment(`database backend: ${backendName}`);

t.test(
  'embedded database: a second process gets a clear lock error',
  { skip: usingPostgres && 'PostgreSQL has no data folder lock' },
  async (t) => {
    const td = await testDatabase(t);
    const db = await td.open();
    const child = spawnScript(
      `import { main } from ${src('cli/main.ts')};
     const code = await main(['user', 'list', '--data', process.env.DATA_DIR], { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
     process.exit(code);`,
      { ...td.env, DATA_DIR: td.dataDir },
    );
    const code = await child.exited;
    t.equal(code, 128);
    t.match(child.output().stderr, `is in use by another process (pid ${process.pid}`);
    t.match(child.output().stderr, 'set DATABASE_URL');
    await t.rejects(
      openAccounts({ dataDir: td.dataDir }),
      { code: 'E_DB_LOCKED', message: /this process/ },
      'a second open in one process too',
    );
    await db.close();
    const accounts = await openAccounts({ dataDir: td.dataDir });
    t.equal(accounts.db.kind, 'embedded', 'free again after close');
    await accounts.close();
  },
);

t.test('openAccounts: migrate, reconcile, adopt, authorized keys', async (t) => {
  const td = await testDatabase(t);
  await gitOk(['init', '-q', '--bare', path.join(td.dataDir, 'demo.git')]);
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const keyFile = path.join(dir, 'authorized_keys');
  await writeFile(keyFile, (await sshKeygen(dir, 'k', 'ed25519')).line + '\n');
  const accounts = await openAccounts({ dataDir: td.dataDir, databaseUrl: td.databaseUrl, authorizedKeysFile: keyFile });
  t.teardown(() => accounts.close());
  t.same(
    (await listRepositories(accounts.db)).map((r) => r.name),
    ['demo.git'],
  );
  t.equal(await accounts.access.loadAuthorizedKeys(), 1);
  const missing = createAccessControl({ db: accounts.db, authorizedKeysFile: path.join(dir, 'missing') });
  await t.rejects(missing.loadAuthorizedKeys(), { code: 'ENOENT' }, 'a wrong path fails at start');
});
