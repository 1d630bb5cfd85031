/**
 * Shared setup of the branch-protection tests (protection-*.test.ts): one
 * database, in-process server and set of accounts per test file with a
 * repository per test (`protectionServer`), the porcelain line of one ref,
 * and, for the CLI tests, a database of their own (`cliWorld`).
 */
import type { Test } from 'tap';
import path from 'node:path';
import { createAccessControl } from '../../src/auth/access-control.js';
import { addGroup, addGroupMember } from '../../src/auth/groups.js';
import { grantAccess } from '../../src/auth/permissions.js';
import { createToken } from '../../src/auth/tokens.js';
import { addUser } from '../../src/auth/users.js';
import { adoptRepository } from '../../src/db/adoption.js';
import type { Database } from '../../src/db/database.js';
import { PgPolicySource, replaceRules } from '../../src/db/rule-store.js';
import type { PolicySource } from '../../src/policy/policy-source.js';
import { normalizeRule } from '../../src/policy/rule-input.js';
import type { ProtectionRule } from '../../src/protection-rule.js';
import type { ReceiveHooks } from '../../src/receive/types.js';
import { initRepository } from '../../src/repo/init-repository.js';
import { backendName, testDatabase, type TestDatabase } from '../db-helpers.js';
import { cli } from './accounts.js';
import { refsOf, tempDir, WorkRepo } from './git.js';
import { startTestServer } from './server.js';

export const ZERO = '0'.repeat(40);
export const USERS = ['alice', 'bob', 'carol', 'root'] as const;
export type User = (typeof USERS)[number] | 'anonymous';

export interface Scenario {
  name: string;
  gitDir: string;
  work: WorkRepo;
  /** git push --porcelain as a user (remote named after the user). */
  push(user: User, args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  refs(): Promise<Record<string, string>>;
  setRules(rules: unknown[]): Promise<ProtectionRule[]>;
}

export interface ProtectionServer {
  td: TestDatabase;
  db: Database;
  /** A temporary folder for work repositories and files, removed at the end. */
  scratch: string;
  /** Each user's git token. */
  secrets: Record<(typeof USERS)[number], string>;
  access: ReturnType<typeof createAccessControl>;
  server: Awaited<ReturnType<typeof startTestServer>>;
  /** A new repository with these rules, a work repository and a remote per user. */
  scenario(t: Test, rules?: unknown[]): Promise<Scenario>;
  /** In-process hooks of the current test (the server's hooks delegate to them; reset when the scenario's test ends). */
  setHooks(hooks: ReceiveHooks): void;
}

/**
 * One database, server and set of accounts for the file; a repository per test.
 * alice, bob, carol are in @devs (write to everything), alice is in @leads, root is an admin.
 */
export async function protectionServer(t: Test): Promise<ProtectionServer> {
  t.comment(`database backend: ${backendName}`);
  const td = await testDatabase(t);
  const db = await td.open();
  const { dir: scratch, cleanup } = await tempDir();
  t.teardown(cleanup);

  const secrets = {} as Record<(typeof USERS)[number], string>;
  for (const username of USERS) {
    await addUser(db, { username, admin: username === 'root' });
    secrets[username] = (await createToken(db, { username, name: 'git' })).secret;
  }
  await addGroup(db, 'leads');
  await addGroupMember(db, 'leads', 'alice');
  await addGroup(db, 'devs');
  for (const username of ['alice', 'bob', 'carol']) await addGroupMember(db, 'devs', username);
  await grantAccess(db, '@devs', '**', 'write');

  const policy: PolicySource = new PgPolicySource(db);
  let currentHooks: ReceiveHooks = {};
  const hooks: ReceiveHooks = {
    preReceive: (ctx, commands) => currentHooks.preReceive?.(ctx, commands),
    update: (ctx, command) => currentHooks.update?.(ctx, command),
    postReceive: (ctx, commands) => currentHooks.postReceive?.(ctx, commands),
  };
  const access = createAccessControl({ db, dataDir: td.dataDir });
  const server = await startTestServer(t, {
    dataDir: td.dataDir,
    access,
    hooks,
    policy,
  });

  let counter = 0;
  async function scenario(t: Test, rules: unknown[] = []): Promise<Scenario> {
    const name = `repo${++counter}.git`;
    const gitDir = path.join(td.dataDir, name);
    await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
    await adoptRepository(db, td.dataDir, name);
    const work = await WorkRepo.create(path.join(scratch, `work${counter}`));
    const base = new URL(server.url);
    for (const user of [...USERS, 'anonymous'] as User[]) {
      const url = new URL(`/${name}`, base);
      if (user !== 'anonymous') {
        url.username = user;
        url.password = secrets[user];
      }
      await work.gitOk(['remote', 'add', user, url.toString()]);
    }
    const setRules = (list: unknown[]) =>
      replaceRules(
        db,
        name,
        list.map((r, i) => normalizeRule(r, `rule ${i + 1}`)),
      );
    await setRules(rules);
    t.teardown(() => {
      currentHooks = {};
    });
    return {
      name,
      gitDir,
      work,
      push: (user, args) => work.git(['push', '--porcelain', user, ...args]),
      refs: () => refsOf(gitDir),
      setRules,
    };
  }

  return {
    td,
    db,
    scratch,
    secrets,
    access,
    server,
    scenario,
    setHooks: (h) => {
      currentHooks = h;
    },
  };
}

/** The porcelain line of one ref: `!\trefs/heads/x:refs/heads/x\t[remote rejected] (reason)`. */
export function refLine(stdout: string, ref: string): string {
  return stdout.split('\n').find((l) => l.split('\t')[1]?.endsWith(`:${ref}`)) ?? `(no line for ${ref})`;
}

let cliCounter = 0;

/**
 * For the CLI: a database of its own, closed between calls (the embedded
 * database has one owner at a time), with alice (in @leads) and bob, and a
 * repository `app.git` pushed to with plain git.
 */
export async function cliWorld(t: Test, rules: unknown[] = []) {
  t.comment(`database backend: ${backendName}`);
  const own = await testDatabase(t);
  const { dir: scratch, cleanup } = await tempDir();
  t.teardown(cleanup);
  const withDb = async <T>(fn: (d: Database) => Promise<T>): Promise<T> => {
    const d = await own.open();
    try {
      return await fn(d);
    } finally {
      await d.close();
    }
  };
  const gitDir = path.join(own.dataDir, 'app.git');
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  await withDb(async (d) => {
    for (const username of ['alice', 'bob']) await addUser(d, { username });
    await addGroup(d, 'leads');
    await addGroupMember(d, 'leads', 'alice');
    await adoptRepository(d, own.dataDir, 'app.git');
    await replaceRules(
      d,
      'app.git',
      rules.map((r, i) => normalizeRule(r, `rule ${i + 1}`)),
    );
  });
  const work = await WorkRepo.create(path.join(scratch, `cli-work${++cliCounter}`));
  const run = (args: string[], stdin = '') => cli([...args, '--data', own.dataDir], own.env, stdin);
  return { dataDir: own.dataDir, gitDir, work, withDb, run, scratch };
}
