import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { GitConfig } from '../../repo/types.js';

export type ReceiveHookName = 'pre-receive' | 'update' | 'post-receive' | 'post-update';

export type HookLookup =
  | { kind: 'found'; path: string }
  | { kind: 'missing' }
  /** A file is there but lacks the execute bit: git skips it (and may advise). */
  | { kind: 'not-executable'; path: string };

/**
 * The hooks directory: `core.hooksPath` when set (a relative value is taken
 * against the git dir, where git runs hooks of a bare repository; `~/` is
 * the home directory as in git's pathname values), else `<gitDir>/hooks`.
 */
export function hooksDirectory(gitDir: string, config: Pick<GitConfig, 'get'>): string {
  const configured = config.get('core.hooksPath');
  if (configured === undefined || configured === '') return join(gitDir, 'hooks');
  if (configured === '~' || configured.startsWith('~/')) return join(homedir(), configured.slice(1));
  return isAbsolute(configured) ? configured : resolve(gitDir, configured);
}

/** Look a hook up the way git does: it must be an executable regular file. */
export async function findHook(gitDir: string, config: Pick<GitConfig, 'get'>, name: ReceiveHookName): Promise<HookLookup> {
  const path = join(hooksDirectory(gitDir, config), name);
  try {
    if (!(await stat(path)).isFile()) return { kind: 'missing' };
  } catch {
    return { kind: 'missing' };
  }
  try {
    await access(path, constants.X_OK);
    return { kind: 'found', path };
  } catch {
    return { kind: 'not-executable', path };
  }
}

/**
 * git's advice for a hook file without the execute bit (shown when
 * advice.ignoredHook is on). Lines come without the `hint: ` prefix, which
 * the caller adds as git's advise() does.
 */
export function ignoredHookAdvice(path: string): string[] {
  return [
    `The '${path}' hook was ignored because it's not set as executable.`,
    'You can disable this warning with `git config advice.ignoredHook false`.',
  ];
}
