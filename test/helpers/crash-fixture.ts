/**
 * Shared setup of the ref-lock crash tests (ref-lock-*.test.ts): a bare
 * repository pushed to from a work repository through the stdio drop-in,
 * whose receive-pack can be SIGKILLed mid-push, and everything a crash can
 * leave behind.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, watch } from 'node:fs';
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gitEnv, gitOk, PUSHGATE_BIN, type GitResult } from './git.js';

/** Everything a crash can leave behind, relative to the git dir. */
export function leftovers(gitDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(gitDir, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else if (entry.name.endsWith('.lock')) found.push(rel);
    }
  };
  walk('refs');
  for (const name of readdirSync(gitDir)) {
    if (name === 'packed-refs.lock' || name.startsWith('pushgate-ref-journal')) found.push(name);
  }
  if (existsSync(path.join(gitDir, 'pushgate-locks'))) {
    for (const name of readdirSync(path.join(gitDir, 'pushgate-locks'))) found.push(`pushgate-locks/${name}`);
  }
  return found.sort();
}

/** The server repository, the work repository and the receive-pack wrapper of one test. */
export class Fixture {
  private counter = 0;
  constructor(
    readonly dir: string,
    readonly gitDir: string,
    readonly work: string,
    /** receive-pack wrapper that records its pid in $PG_PIDFILE, then execs the drop-in. */
    readonly wrapper: string,
  ) {}

  static async create(dir: string): Promise<Fixture> {
    const gitDir = path.join(dir, 'srv.git');
    const work = path.join(dir, 'work');
    await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
    await gitOk(['init', '-q', '-b', 'main', work]);
    const wrapper = path.join(dir, 'receive-pack.sh');
    await writeFile(
      wrapper,
      `#!/bin/sh\n[ -n "$PG_PIDFILE" ] && echo $$ > "$PG_PIDFILE"\nexec node ${JSON.stringify(PUSHGATE_BIN)} receive-pack "$@"\n`,
    );
    await chmod(wrapper, 0o755);
    return new Fixture(dir, gitDir, work, wrapper);
  }

  /** A new commit in the work repository (parentless when `parent` is undefined). */
  async commit(parent: string | undefined, bigBytes = 0): Promise<string> {
    this.counter++;
    const data = Buffer.concat([
      Buffer.from(`commit ${this.counter} ${randomBytes(8).toString('hex')}\n`),
      randomBytes(bigBytes),
    ]);
    const blob = await gitOk(['hash-object', '-w', '--stdin'], { cwd: this.work, input: data });
    const tree = await gitOk(['mktree'], { cwd: this.work, input: `100644 blob ${blob}\tf${this.counter}.bin\n` });
    return gitOk(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', `c${this.counter}`], { cwd: this.work });
  }

  /** `git push` through the wrapper; `kill` may SIGKILL the drop-in while it runs. */
  push(
    refspecs: string[],
    options: { atomic?: boolean; env?: Record<string, string>; killAfterMs?: number; killOnLock?: number } = {},
  ): Promise<GitResult & { killed: boolean }> {
    const pidFile = path.join(this.dir, `pid-${process.hrtime.bigint()}`);
    const args = [
      'push',
      '--porcelain',
      ...(options.atomic ? ['--atomic'] : []),
      `--receive-pack=${this.wrapper}`,
      this.gitDir,
      ...refspecs,
    ];
    return new Promise((resolve, reject) => {
      const child = spawn('git', args, { cwd: this.work, env: gitEnv({ PG_PIDFILE: pidFile, ...options.env }) });
      let killed = false;
      const kill = () => {
        try {
          process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
          killed = true;
        } catch {
          // not started yet, or finished already
        }
      };
      const timers: NodeJS.Timeout[] = [];
      if (options.killAfterMs !== undefined) timers.push(setTimeout(kill, options.killAfterMs));
      const watcher =
        options.killOnLock !== undefined
          ? watch(path.join(this.gitDir, 'pushgate-locks'), () => {
              watcher?.close();
              timers.push(setTimeout(kill, options.killOnLock));
            })
          : undefined;
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c) => out.push(c));
      child.stderr.on('data', (c) => err.push(c));
      child.on('error', reject);
      child.on('close', (code) => {
        for (const timer of timers) clearTimeout(timer);
        watcher?.close();
        resolve({ code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), killed });
      });
    });
  }
}
