import t from 'tap';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAccessControl, type AccountIdentity } from '../src/auth/access-control.js';
import { addGroup, addGroupMember } from '../src/auth/groups.js';
import { grantAccess, listGrants, revokeAccess } from '../src/auth/permissions.js';
import { repoPatternMatches } from '../src/auth/repo-pattern.js';
import { parsePublicKeyLine } from '../src/auth/ssh-public-key.js';
import { createToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { adoptRepositories } from '../src/db/adoption.js';
import { listRepositories, registerRepository, updateRepository } from '../src/db/repositories.js';
import { backendName, testDatabase } from './db-helpers.js';
import { sshKeygen } from './helpers/accounts.js';
import { gitOk, tempDir } from './helpers/git.js';

/** Who may do what: repository patterns, grants, groups, owners, anonymous flags, authorized_keys, adoption. */
t.comment(`database backend: ${backendName}`);

t.test('repository patterns', async (t) => {
  t.ok(repoPatternMatches('team/app', 'team/app.git'));
  t.ok(repoPatternMatches('team/app.git', 'team/app.git'));
  t.ok(repoPatternMatches('team/*', 'team/app.git'));
  t.notOk(repoPatternMatches('team/*', 'team/sub/app.git'), '* stays in its segment');
  t.ok(repoPatternMatches('team/**', 'team/sub/app.git'));
  t.ok(repoPatternMatches('**', 'x.git'));
  t.ok(repoPatternMatches('team/**/app', 'team/app.git'));
  t.ok(repoPatternMatches('app-?', 'app-1.git'));
  t.notOk(repoPatternMatches('team/app', 'team/app2.git'));
  t.notOk(repoPatternMatches('team.app', 'teamxapp.git'), 'dots are literal');
});

t.test(`permission matrix (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  const repos = ['alice/private.git', 'team/app.git', 'team/other.git', 'public.git', 'open.git'];
  for (const name of repos) await gitOk(['init', '-q', '--bare', path.join(td.dataDir, name)]);
  // Not adopted: hidden folders, symlinks, and what is not a repository.
  await gitOk(['init', '-q', '--bare', path.join(td.dataDir, '.hidden', 'x.git')]);
  await symlink(path.join(td.dataDir, 'public.git'), path.join(td.dataDir, 'link.git'));
  await mkdir(path.join(td.dataDir, 'empty-folder'));
  t.same((await adoptRepositories(db, td.dataDir)).sort(), [...repos].sort(), 'bare repositories are adopted, nested ones too');
  t.same(await adoptRepositories(db, td.dataDir), [], 'adopting again adds nothing');

  const alice = await addUser(db, { username: 'alice' });
  const bob = await addUser(db, { username: 'bob' });
  const carol = await addUser(db, { username: 'carol' });
  const root = await addUser(db, { username: 'root', admin: true });
  await updateRepository(db, 'alice/private', { owner: 'alice' });
  await updateRepository(db, 'public.git', { anonymousRead: true });
  await updateRepository(db, 'open.git', { anonymousPush: true });
  await grantAccess(db, 'bob', 'team/app', 'read');
  await addGroup(db, 'devs');
  await addGroupMember(db, 'devs', 'carol');
  await grantAccess(db, '@devs', 'team/*', 'write');

  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const outsider = await sshKeygen(dir, 'outsider', 'ed25519');
  const authorizedKeys = path.join(dir, 'authorized_keys');
  await writeFile(authorizedKeys, `# test remote\n${outsider.line}\nnot a key line\n`);
  const access = createAccessControl({ db, dataDir: td.dataDir, authorizedKeysFile: authorizedKeys });
  t.equal(await access.loadAuthorizedKeys(), 1, 'bad lines are skipped');

  const id = (u: { id: number; username: string }): AccountIdentity => ({ userId: u.id, username: u.username });
  const rootReadToken = await createToken(db, { username: 'root', scopes: ['read'] });
  const rootViaReadToken = await access.authenticatePassword('root', rootReadToken.secret);
  const keyOnly = await access.authenticatePublicKey('ssh-ed25519', parsePublicKeyLine(outsider.line).blob);
  t.match(
    keyOnly,
    { username: `key:${parsePublicKeyLine(outsider.line).fingerprint}`, userId: undefined },
    'authorized_keys identity: named by fingerprint, not by the comment outsider@test',
  );

  const matrix: [string, AccountIdentity | undefined, string, 'read' | 'write' | 'admin', string][] = [
    ['anonymous', undefined, 'alice/private.git', 'read', 'not-found'],
    ['anonymous', undefined, 'public.git', 'read', 'allow'],
    ['anonymous', undefined, 'public.git', 'write', 'deny'],
    ['anonymous', undefined, 'open.git', 'write', 'allow'],
    ['anonymous', undefined, 'open.git', 'admin', 'deny'],
    ['anonymous', undefined, 'nothing-here.git', 'read', 'not-found'],
    ['alice (owner)', id(alice), 'alice/private.git', 'admin', 'allow'],
    ['bob', id(bob), 'alice/private.git', 'read', 'not-found'],
    ['bob (read grant)', id(bob), 'team/app.git', 'read', 'allow'],
    ['bob (read grant)', id(bob), 'team/app.git', 'write', 'deny'],
    ['bob', id(bob), 'team/other.git', 'read', 'not-found'],
    ['bob', id(bob), 'public.git', 'read', 'allow'],
    ['carol via @devs team/*', id(carol), 'team/other.git', 'write', 'allow'],
    ['carol via @devs team/*', id(carol), 'team/app.git', 'admin', 'deny'],
    ['carol', id(carol), 'alice/private.git', 'write', 'not-found'],
    ['root (admin)', id(root), 'alice/private.git', 'admin', 'allow'],
    ['root with a read-scoped token', rootViaReadToken!, 'team/app.git', 'write', 'deny'],
    ['root with a read-scoped token', rootViaReadToken!, 'team/app.git', 'read', 'allow'],
    ['authorized_keys', keyOnly!, 'team/app.git', 'write', 'allow'],
    ['authorized_keys', keyOnly!, 'alice/private.git', 'write', 'allow'],
    ['authorized_keys', keyOnly!, 'alice/private.git', 'admin', 'deny'],
    ['authorized_keys', keyOnly!, 'missing.git', 'write', 'not-found'],
  ];
  for (const [who, identity, repo, level, expected] of matrix) {
    t.equal(await access.check(identity, repo, level), expected, `${who}: ${level} on ${repo} → ${expected}`);
  }
  t.equal(await access.check(id(bob), 'team/app', 'read'), 'allow', 'the name without .git finds it too');

  // A repository copied in while running is adopted on first access.
  await gitOk(['init', '-q', '--bare', path.join(td.dataDir, 'late.git')]);
  t.equal(await access.check(id(root), 'late.git', 'write'), 'allow');
  t.ok(
    (await listRepositories(db)).some((r) => r.name === 'late.git'),
    'registered on access',
  );
  t.equal(await access.check(id(root), 'link.git', 'read'), 'allow', 'a symlink inside the folder finds its target');
  t.notOk(
    (await listRepositories(db)).some((r) => r.name === 'link.git'),
    'registered under the real name only',
  );

  t.match(access.refusal(id(bob), 'team/app.git', 'write'), 'Permission to team/app.git denied to bob: write access is needed.');
  t.match(access.refusal(undefined, 'public.git', 'write'), 'Pushing to public.git needs authentication');
  t.match(access.refusal(rootViaReadToken!, 'team/app.git', 'write'), 'limited to: read');
  t.equal(await access.isAdmin(id(root)), true);
  t.equal(await access.isAdmin(rootViaReadToken!), false, 'a read-scoped token is no admin token');
  t.equal(await access.isAdmin(id(bob)), false);

  t.same(
    (await listGrants(db, { repo: 'team/other.git' })).map((g) => g.subject),
    ['@devs'],
  );
  await t.rejects(grantAccess(db, 'nobody', 'x', 'read'), { code: 'E_NOT_FOUND', message: 'no user named nobody' });
  await t.rejects(grantAccess(db, '@nobody', 'x', 'read'), { code: 'E_NOT_FOUND', message: 'no group named nobody' });
  await t.rejects(grantAccess(db, 'bob', '../etc', 'read'), { code: 'E_INVALID', message: /not a repository name or pattern/ });
  await t.rejects(revokeAccess(db, '@devs', 'team/*', 'read'), {
    code: 'E_NOT_FOUND',
    message: '@devs has no read grant on team/*',
  });
  await revokeAccess(db, '@devs', 'team/*');
  t.equal(await access.check(id(carol), 'team/other.git', 'write'), 'not-found', 'revoked');
  await t.rejects(registerRepository(db, { name: 'team/app.git' }), { code: 'E_CONFLICT' });
  await t.rejects(registerRepository(db, { name: '../x.git' }), { code: 'E_INVALID' });
});
