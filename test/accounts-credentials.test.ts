import t from 'tap';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createAccessControl } from '../src/auth/access-control.js';
import { addSshKey, removeSshKey } from '../src/auth/ssh-keys.js';
import { parsePublicKeyLine } from '../src/auth/ssh-public-key.js';
import { createToken, revokeToken, verifyToken } from '../src/auth/tokens.js';
import { addUser } from '../src/auth/users.js';
import { backendName, testDatabase } from './db-helpers.js';
import { sshKeygen } from './helpers/accounts.js';
import { tempDir } from './helpers/git.js';

/** Credentials: SSH public keys as ssh-keygen sees them, tokens, and what authenticates. */
t.comment(`database backend: ${backendName}`);

t.test('public keys: parsed and fingerprinted exactly as ssh-keygen -lf prints them', async (t) => {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const kinds: [string, string, number?][] = [
    ['ed', 'ed25519'],
    ['rsa', 'rsa', 2048],
    ['p256', 'ecdsa', 256],
    ['p384', 'ecdsa', 384],
    ['p521', 'ecdsa', 521],
  ];
  for (const [name, type, bits] of kinds) {
    const key = await sshKeygen(dir, name, type, bits);
    const parsed = parsePublicKeyLine(key.line);
    t.equal(parsed.fingerprint, key.fingerprint, `${name} fingerprint`);
    t.equal(parsed.bits, key.bits, `${name} size`);
    t.equal(parsed.comment, `${name}@test`);
    // authorized_keys lines may carry options before the key
    t.equal(
      parsePublicKeyLine(`no-pty,command="echo hi there" ${key.line}`).fingerprint,
      key.fingerprint,
      `${name} with options`,
    );
  }
  const ed = await readFile(path.join(dir, 'ed.pub'), 'utf8');
  const [type, data] = ed.split(' ');
  t.throws(() => parsePublicKeyLine(privateKeyText(dir)), { code: 'E_INVALID', message: /private key/ });
  t.throws(() => parsePublicKeyLine('sk-ssh-ed25519@openssh.com AAAA x'), { code: 'E_INVALID', message: /security-key/ });
  t.throws(() => parsePublicKeyLine('ssh-dss AAAA x'), { code: 'E_INVALID', message: /DSA/ });
  t.throws(
    () => parsePublicKeyLine(`ssh-rsa ${data}`),
    { code: 'E_INVALID', message: /says ssh-ed25519/ },
    'type and data disagree',
  );
  t.throws(() => parsePublicKeyLine(`${type} ${data!.slice(0, 30)}`), { code: 'E_INVALID' }, 'truncated');
  t.throws(() => parsePublicKeyLine('hello world'), { code: 'E_INVALID' });
  const weak = await sshKeygen(dir, 'weak', 'rsa', 1024);
  t.throws(() => parsePublicKeyLine(weak.line), { code: 'E_INVALID', message: /at least 2048 bits/ });
});

/** Private key text, to check it is refused with a helpful message. */
function privateKeyText(dir: string): string {
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${dir}\n-----END OPENSSH PRIVATE KEY-----`;
}

t.test(`tokens and keys authenticate; revoked, expired and removed ones do not (${backendName})`, async (t) => {
  const td = await testDatabase(t);
  const db = await td.open();
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  await addUser(db, { username: 'alice' });
  await addUser(db, { username: 'bob' });
  await t.rejects(
    addUser(db, { username: 'Bob' }),
    { code: 'E_CONFLICT', message: 'a user named Bob already exists' },
    'unique ignoring case',
  );
  await t.rejects(addUser(db, { username: '-bob' }), { code: 'E_INVALID' });
  const access = createAccessControl({ db });
  const { token, secret } = await createToken(db, { username: 'alice', name: 'cli' });
  t.match(await access.authenticatePassword('alice', secret), { username: 'alice', via: 'token', tokenId: token.id });
  t.match(await access.authenticatePassword('ALICE', secret), { username: 'alice' }, 'usernames ignore case');
  t.equal(await access.authenticatePassword('bob', secret), null, "another user's name");
  t.equal(
    await access.authenticatePassword('alice', secret.slice(0, -1) + (secret.endsWith('A') ? 'B' : 'A')),
    null,
    'one character off',
  );
  t.equal(await access.authenticatePassword('alice', 'hunter2'), null);
  t.match(await access.authenticateToken(secret), { username: 'alice' }, 'bearer, no username');
  t.ok((await verifyToken(db, secret)) !== null);
  const { rows } = await db.query<{ last_used_at: Date | null }>('SELECT last_used_at FROM tokens WHERE id = $1', [token.id]);
  t.ok(rows[0]!.last_used_at, 'last use recorded');

  await revokeToken(db, token.id);
  t.equal(await access.authenticatePassword('alice', secret), null, 'revoked');
  await t.rejects(revokeToken(db, token.id), { code: 'E_CONFLICT', message: /already revoked/ });
  await t.rejects(revokeToken(db, 'cli'), { code: 'E_INVALID' }, 'a name needs its user');
  const expiring = await createToken(db, { username: 'alice', name: 'short', expiresAt: new Date(Date.now() + 60_000) });
  t.ok(await access.authenticatePassword('alice', expiring.secret));
  await db.query("UPDATE tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [expiring.token.id]);
  t.equal(await access.authenticatePassword('alice', expiring.secret), null, 'expired');
  await t.rejects(createToken(db, { username: 'alice', expiresAt: new Date(Date.now() - 1000) }), { code: 'E_INVALID' });

  const key = await sshKeygen(dir, 'k', 'rsa', 2048);
  const stored = await addSshKey(db, 'bob', key.line);
  const blob = parsePublicKeyLine(key.line).blob;
  t.match(await access.authenticatePublicKey('ssh-rsa', blob), {
    username: 'bob',
    via: 'ssh-key',
    keyFingerprint: key.fingerprint,
  });
  const tampered = Buffer.from(blob);
  tampered[tampered.length - 1]! ^= 1;
  t.equal(await access.authenticatePublicKey('ssh-rsa', tampered), null, 'a different key');
  await t.rejects(removeSshKey(db, key.fingerprint, 'alice'), { code: 'E_NOT_FOUND' }, "not alice's key");
  await removeSshKey(db, String(stored.id), 'bob');
  t.equal(await access.authenticatePublicKey('ssh-rsa', blob), null, 'removed');
  await t.rejects(removeSshKey(db, key.fingerprint), { code: 'E_NOT_FOUND' });
});
