import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { InvalidInputError } from '../errors.js';
import { authorizedKeysOptions, parsePublicKeyLine, sshFingerprint, type SshPublicKey } from './ssh-public-key.js';
import { isValidUsername } from './users.js';

/** One line of the file: the key, and the account it stands for when the line says so. */
export interface AuthorizedKey extends SshPublicKey {
  /** From the `pushgate-user="alice"` option: the key authenticates as that account. */
  user?: string;
}

/** The authorized_keys option that maps a key to an account: `pushgate-user="alice" ssh-ed25519 AAAA…`. */
export const USER_OPTION = 'pushgate-user';

/** The `pushgate-user` option of a line, if it has one; throws InvalidInputError on a malformed one. */
export function mappedUser(line: string): string | undefined {
  const values = authorizedKeysOptions(line)
    .filter((option) => option.toLowerCase().startsWith(`${USER_OPTION}=`))
    .map((option) => option.slice(USER_OPTION.length + 1).replace(/^"(.*)"$/, '$1'));
  if (values.length === 0) return undefined;
  if (values.length > 1) throw new InvalidInputError(`${USER_OPTION} is given more than once`);
  if (!isValidUsername(values[0]!)) throw new InvalidInputError(`${USER_OPTION}="${values[0]}" is not a valid username`);
  return values[0];
}

/**
 * The keys of an OpenSSH authorized_keys file (`--authorized-keys FILE`), for
 * a quick test remote or a single-user server without accounts. Re-read when
 * the file changes, so adding a line needs no restart. Unparsable lines are
 * logged and skipped, as sshd does.
 *
 * The comment at the end of a line is only a comment: it never names anyone.
 * A line names an account only with the option `pushgate-user="alice"`
 * (access-control.ts resolves it against the accounts at authentication).
 */
export class AuthorizedKeysFile {
  private keys = new Map<string, AuthorizedKey>();
  private loadedMtimeMs = -1;

  constructor(
    readonly path: string,
    private readonly log?: Logger,
  ) {}

  /** Reads the file (again if it changed); returns how many keys it holds. */
  async load(): Promise<number> {
    const info = await stat(this.path);
    if (info.mtimeMs === this.loadedMtimeMs) return this.keys.size;
    const text = await readFile(this.path, 'utf8');
    const keys = new Map<string, AuthorizedKey>();
    text.split(/\r?\n/).forEach((line, index) => {
      if (!line.trim() || line.trimStart().startsWith('#')) return;
      try {
        const key: AuthorizedKey = parsePublicKeyLine(line);
        const user = mappedUser(line);
        if (user !== undefined) key.user = user;
        keys.set(key.fingerprint, key);
      } catch (err) {
        this.log?.warn({ file: this.path, line: index + 1, reason: (err as Error).message }, 'authorized_keys line skipped');
      }
    });
    this.keys = keys;
    this.loadedMtimeMs = info.mtimeMs;
    return keys.size;
  }

  /** The entry for exactly this key blob, or null. A vanished file means no keys. */
  async find(keyBlob: Buffer): Promise<AuthorizedKey | null> {
    try {
      await this.load();
    } catch (err) {
      this.log?.warn({ file: this.path, err }, 'authorized_keys file unreadable');
      this.keys = new Map();
      this.loadedMtimeMs = -1;
      return null;
    }
    const key = this.keys.get(sshFingerprint(keyBlob));
    if (!key || key.blob.length !== keyBlob.length || !timingSafeEqual(key.blob, keyBlob)) return null;
    return key;
  }
}
