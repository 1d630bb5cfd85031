import { appendFile, mkdir, stat, unlink } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { GitConfig } from '../types.js';
import { isErrno } from '../fs-durable.js';

/**
 * Reflogs as git writes them (`logs/<ref>`), when `core.logAllRefUpdates`
 * asks for it or the ref already has a log. Bare repositories default to
 * no reflogs.
 */
export class ReflogWriter {
  constructor(
    private readonly gitDir: string,
    private readonly config: () => GitConfig,
  ) {}

  private pathOf(name: string): string {
    return join(this.gitDir, 'logs', name);
  }

  private async shouldLog(name: string): Promise<boolean> {
    const config = this.config();
    if (config.get('core.logAllRefUpdates')?.toLowerCase() === 'always') return true;
    const enabled = config.getBool('core.logAllRefUpdates', false);
    if (enabled && (name === 'HEAD' || /^refs\/(heads|remotes|notes)\//.test(name))) return true;
    try {
      await stat(this.pathOf(name));
      return true;
    } catch {
      return false;
    }
  }

  async record(name: string, oldOid: string, newOid: string, message: string | undefined): Promise<void> {
    if (/^0+$/.test(newOid)) {
      // git removes a deleted ref's log.
      await unlink(this.pathOf(name)).catch((error) => {
        if (!isErrno(error, 'ENOENT', 'ENOTDIR')) throw error;
      });
      return;
    }
    if (!(await this.shouldLog(name))) return;
    await mkdir(dirname(this.pathOf(name)), { recursive: true });
    const line = `${oldOid} ${newOid} ${committerIdent()}\t${(message ?? '').replace(/\n/g, ' ')}\n`;
    await appendFile(this.pathOf(name), line);
  }
}

/** "Name <email> <seconds> <±hhmm>" from GIT_COMMITTER_* (set by http-backend style callers) or the system user. */
export function committerIdent(now = new Date()): string {
  const name = process.env.GIT_COMMITTER_NAME ?? safeUserName();
  const email = process.env.GIT_COMMITTER_EMAIL ?? `${safeUserName()}@${hostname()}`;
  const offset = -now.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${name} <${email}> ${Math.floor(now.getTime() / 1000)} ${tz}`;
}

function safeUserName(): string {
  try {
    return userInfo().username;
  } catch {
    return 'pushgate';
  }
}
