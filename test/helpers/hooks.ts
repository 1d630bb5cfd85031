/**
 * Shared setup of the hook-runner tests (hooks-*.test.ts): git with a fixed
 * identity and no user config, a GitConfig over a plain map, hook scripts
 * written into a folder, and a bare repository with a runner whose output is
 * collected.
 */
import type t from 'tap';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HookRunner, type HookRunnerOptions } from '../../src/receive/hooks/index.js';

/** What the helpers need from a (sub)test. */
export type TapTest = Pick<typeof t, 'testdir'>;

export const ZERO = '0'.repeat(40);
export const A = 'a'.repeat(40);
export const B = 'b'.repeat(40);
export const C = 'c'.repeat(40);

/** Git with a fixed identity and no user or system config. */
export function gitEnv(home: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOME: home,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'A U Thor',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_NAME: 'C O Mitter',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
    GIT_COMMITTER_DATE: '1700000000 +0000',
    LC_ALL: 'C',
  };
}

export function git(cwd: string, home: string, args: string[], input?: string) {
  const r = spawnSync('git', args, { cwd, env: gitEnv(home), input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function gitOk(cwd: string, home: string, args: string[], input?: string): string {
  const r = git(cwd, home, args, input);
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A GitConfig over a plain map, enough for the runner. */
export function config(values: Record<string, string> = {}): HookRunnerOptions['config'] {
  return {
    get: (key) => values[key],
    getBool: (key, fallback) => {
      const v = values[key];
      if (v === undefined) return fallback;
      return ['true', 'yes', 'on', '1'].includes(v.toLowerCase());
    },
    getInt: (key, fallback) => (values[key] === undefined ? fallback : Number.parseInt(values[key]!, 10)),
  };
}

export function writeHook(dir: string, name: string, body: string, mode = 0o755): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, mode);
  return path;
}

/** A bare repository and a runner whose output is collected. */
export function setup(t: TapTest, options: Partial<HookRunnerOptions> & { values?: Record<string, string> } = {}) {
  const dir = t.testdir();
  const home = join(dir, 'home');
  mkdirSync(home);
  const gitDir = realpathSync(dir) + '/repo.git';
  gitOk(dir, home, ['init', '-q', '--bare', gitDir]);
  const chunks: Buffer[] = [];
  const runner = new HookRunner({
    gitDir,
    config: config(options.values),
    output: (chunk) => void chunks.push(chunk),
    inheritedEnv: gitEnv(home),
    ...options,
  });
  return { dir, home, gitDir, hooks: join(gitDir, 'hooks'), runner, chunks, text: () => Buffer.concat(chunks).toString() };
}

export function isAlive(pid: number): boolean {
  try {
    // A zombie nobody has reaped yet is dead for our purpose.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}
