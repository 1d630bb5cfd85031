/**
 * Running a client: every client run has a hard time limit and runs in its
 * own process group, killed when it is over, so a hang is a failing
 * assertion that names the client, the transport and the scenario, never a
 * wait.
 */
import { spawn } from 'node:child_process';
import { gitEnv, gitOk } from '../helpers/git.js';

/** Hard limit for one client run; a run that takes longer is killed and fails. */
export const CLIENT_TIMEOUT_MS = 20_000;
/** For runs a todo already says hang: kill them sooner, the suite need not wait. */
export const KNOWN_HANG_TIMEOUT_MS = 4_000;
/** How long a client's children may outlive it before the group is killed. */
const EXIT_GRACE_MS = 2_000;
/** Where git keeps its own programs (git-receive-pack, git-upload-pack). */
export const GIT_EXEC_PATH = (await gitOk(['--exec-path'])).trim();
/** Debian's python3 has dulwich and pygit2; a `python3` earlier on PATH may not. */
export const SYSTEM_PYTHON = '/usr/bin/python3';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  ms: number;
}

/**
 * Runs a command in a new process group with a hard time limit. When the
 * limit passes, or the command exits and its children (a server side) are
 * still there a moment later, the whole group is killed.
 */
export function runBounded(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
): Promise<RunResult> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: gitEnv(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs ?? CLIENT_TIMEOUT_MS);
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    // A server side the client leaves behind gets a moment to finish its last words (git's own fatal: lines), then goes.
    let grace: NodeJS.Timeout | undefined;
    child.on('exit', () => {
      grace = setTimeout(killGroup, EXIT_GRACE_MS);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(grace);
      killGroup();
      resolve({
        code: code ?? (signal ? 128 + 9 : 128),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
        timedOut,
        ms: Date.now() - started,
      });
    });
    child.stdin.end(options.input ?? '');
  });
}
