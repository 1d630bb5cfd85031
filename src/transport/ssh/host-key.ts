import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import ssh2 from 'ssh2';
import type { Logger } from 'pino';
import { sshFingerprint } from '../../auth/ssh-public-key.js';
import { PushgateError } from '../../errors.js';
import { TRANSPORT_ERROR } from '../transport-errors.js';

/** A host key that cannot be read or used. */
export class HostKeyError extends PushgateError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(TRANSPORT_ERROR.sshHostKey, message, data);
  }
}

export interface HostKey {
  /** The private key file contents, as ssh2 takes them. */
  privateKey: Buffer;
  /** `SHA256:…`, what clients show on first connection. */
  fingerprint: string;
  algorithm: string;
  path: string;
}

/**
 * Reads an existing OpenSSH private key (`--ssh-host-key FILE`); never
 * writes it. Encrypted keys are refused: a server cannot type a passphrase.
 */
export async function readHostKey(file: string): Promise<HostKey> {
  const privateKey = await readFile(file).catch((err: Error) => {
    throw new HostKeyError(`cannot read the SSH host key ${file}: ${err.message}`, { path: file });
  });
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw new HostKeyError(
      encrypted
        ? `the SSH host key ${file} is encrypted; give one without a passphrase`
        : `${file} is not a usable SSH private key: ${parsed.message}`,
      { path: file },
    );
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key || key.isPrivateKey() === false) throw new HostKeyError(`${file} holds no private key`, { path: file });
  return { privateKey, fingerprint: sshFingerprint(key.getPublicSSH()), algorithm: key.type, path: file };
}

/**
 * The server's own host key at `file`: created on first start (ed25519,
 * mode 0600, with a .pub beside it) and kept, so clients' known_hosts stay valid.
 */
export async function loadOrCreateHostKey(file: string, log?: Logger): Promise<HostKey> {
  const existing = await stat(file).catch(() => null);
  if (existing) {
    if (existing.mode & 0o077) {
      log?.warn({ hostKey: file }, 'SSH host key is readable by others; tightening to 0600');
      await chmod(file, 0o600);
    }
    return readHostKey(file);
  }
  await mkdir(path.dirname(file), { recursive: true });
  const pair = generateParsableKeyPair();
  // 'wx': two servers starting at once must not overwrite each other's key.
  await writeFile(file, pair.private, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await writeFile(`${file}.pub`, pair.public + '\n', { mode: 0o644 }).catch(() => undefined);
  const key = await readHostKey(file);
  log?.info({ hostKey: file, fingerprint: key.fingerprint }, 'created SSH host key');
  return key;
}

/**
 * ssh2's generator now and then (about 1 in 300) writes an ed25519 key that
 * its own parser rejects as malformed; draw again until it reads back.
 */
function generateParsableKeyPair(): { private: string; public: string } {
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'pushgate host key' });
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
  throw new HostKeyError('could not generate an SSH host key that ssh2 can read', {});
}
