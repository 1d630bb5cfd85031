import { timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from 'pino';
import { parsePublicKeyLine, sshFingerprint, type SshPublicKey } from './ssh-public-key.js';

/**
 * The keys of an OpenSSH authorized_keys file (`--authorized-keys FILE`), for
 * a quick test remote or a single-user server without accounts. Re-read when
 * the file changes, so adding a line needs no restart. Unparsable lines are
 * logged and skipped, as sshd does.
 */
export class AuthorizedKeysFile {
  private keys = new Map<string, SshPublicKey>();
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
    const keys = new Map<string, SshPublicKey>();
    text.split(/\r?\n/).forEach((line, index) => {
      if (!line.trim() || line.trimStart().startsWith('#')) return;
      try {
        const key = parsePublicKeyLine(line);
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
  async find(keyBlob: Buffer): Promise<SshPublicKey | null> {
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
