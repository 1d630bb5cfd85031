import t from 'tap';
import { PgAuditSink, queryAuditLog, reconcileAudit } from '../src/db/audit.js';
import { backendName, testDatabase } from './db-helpers.js';
import { A, record, spawnScript, src } from './helpers/accounts.js';

/** The push audit log: intent before any ref moves, completion, reconciliation after a kill, queries. */
t.comment(`database backend: ${backendName}`);

t.test(`audit: intent, complete, and reconcile after a kill (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  // A child process writes an intent and is killed before completing it.
  const child = spawnScript(
    `import { openDatabase } from ${src('db/open.ts')};
     import { PgAuditSink } from ${src('db/audit.ts')};
     const db = await openDatabase({ dataDir: process.env.DATA_DIR, databaseUrl: process.env.DATABASE_URL || undefined });
     const id = await new PgAuditSink(db).begin({ repo: 'demo.git', transport: 'ssh', identity: { username: 'alice' }, remoteAddress: '10.0.0.1', startedAt: new Date() });
     process.stdout.write('intent ' + id + '\\n');
     setInterval(() => {}, 1000);`,
    { ...td.env, DATA_DIR: td.dataDir },
  );
  const id = await new Promise<string>((resolve, reject) => {
    child.child.stdout.on('data', () => {
      const m = /intent (\d+)/.exec(child.output().stdout);
      if (m) resolve(m[1]!);
    });
    child.exited.then(() => reject(new Error(`child ended early: ${child.output().stderr}`)));
  });
  child.child.kill('SIGKILL');
  await child.exited;

  // The next start (the embedded database's lock is stale now) reconciles.
  const db = await td.open();
  const sink = new PgAuditSink(db);
  const done = await sink.begin({ repo: 'demo.git', transport: 'http', startedAt: new Date() });
  await sink.complete(done, record({ repo: 'demo.git' }));
  let [entry] = await queryAuditLog(db, { repo: 'demo.git', username: 'alice' });
  t.match(entry, { id, state: 'intent', result: null, remoteAddress: '10.0.0.1' }, 'the intent was committed before the kill');

  const reads: string[] = [];
  const marked = await reconcileAudit(db, {
    readRefs: async (repo) => {
      reads.push(repo);
      return [{ name: 'refs/heads/main', oid: A }];
    },
  });
  t.same(marked, [id], 'only the unfinished push');
  t.same(reads, ['demo.git']);
  [entry] = await queryAuditLog(db, { repo: 'demo.git', username: 'alice' });
  t.match(entry, {
    state: 'interrupted',
    result: 'interrupted',
    refsAfter: [{ name: 'refs/heads/main', oid: A }],
    error: /stopped before this push finished/,
  });
  t.same(await reconcileAudit(db), [], 'reconciling twice changes nothing');
  const [completed] = await queryAuditLog(db, { repo: 'demo.git', limit: 1 });
  t.match(completed, { id: done, state: 'complete', result: 'accepted' }, 'completed pushes are untouched');

  t.equal((await queryAuditLog(db, { username: 'ALICE' })).length, 1, 'usernames ignore case');
  t.equal((await queryAuditLog(db, { since: new Date(Date.now() + 60_000) })).length, 0);
  t.equal((await queryAuditLog(db, { until: new Date(Date.now() + 60_000), limit: 1 })).length, 1);
  t.same(
    (await queryAuditLog(db, { beforeId: done })).map((e) => e.id),
    [id],
    'paging by id',
  );

  // A user removed between authenticating and pushing still gets a record.
  const ghost = await sink.begin({
    repo: 'demo.git',
    transport: 'ssh',
    identity: { userId: 99999, username: 'ghost' },
    startedAt: new Date(),
  });
  await sink.complete(ghost, record({ repo: 'demo.git', username: 'ghost', userId: 99999 }));
  t.match(await queryAuditLog(db, { username: 'ghost' }), [{ userId: 99999, state: 'complete' }]);

  // complete() for an intent that never got written still keeps the record
  await sink.complete('999999', record({ repo: 'ghost.git' }));
  t.match(await queryAuditLog(db, { repo: 'ghost.git' }), [{ state: 'complete', repo: 'ghost.git' }]);
});
