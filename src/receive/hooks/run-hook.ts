import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';

/**
 * Receives hook output in order. Returning a promise pauses reading until it
 * settles, so a slow client throttles a chatty hook instead of the server
 * buffering its output.
 */
export type HookOutput = (chunk: Buffer) => void | Promise<void>;

export interface HookProcessSpec {
  /** Hook name, for messages. */
  name: string;
  /** Absolute path of the executable hook. */
  path: string;
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Bytes for the hook's stdin; without it stdin is /dev/null (as git's no_stdin). */
  stdin?: Buffer;
  output: HookOutput;
  /** 0 = no limit. */
  timeoutMs: number;
  /** Aborting kills the hook (e.g. the client went away). */
  signal?: AbortSignal;
}

export interface HookProcessResult {
  /** null when the hook was killed by a signal or never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** Set when the process could not be started. */
  error?: Error;
}

/**
 * git sends a hook's stdout to stderr so both reach the client as one stream.
 * A shell that redirects and then execs the hook gives us the same single
 * pipe, so interleaved stdout/stderr writes keep their order exactly (and a
 * hook without a #! line runs as a shell script, as git does).
 */
const EXEC_WITH_STDERR_ON_STDOUT = 'exec "$0" "$@" 2>&1';

/** After killing the group, how long to wait for the pipes before closing them ourselves. */
const PIPE_GRACE_MS = 2000;

/** Run one hook process to completion; never rejects. */
export function runHookProcess(spec: HookProcessSpec): Promise<HookProcessResult> {
  if (spec.signal?.aborted) {
    return Promise.resolve({ exitCode: null, signal: null, timedOut: false, aborted: true });
  }
  return new Promise((resolve) => {
    // detached: the hook leads its own process group, so a timeout can kill
    // everything it started, not only the hook itself.
    const child = spawn('/bin/sh', ['-c', EXEC_WITH_STDERR_ON_STDOUT, spec.path, ...spec.args], {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [spec.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });

    let settled = false;
    let timedOut = false;
    let aborted = false;
    let lastByte = 0x0a;
    let outputDone: Promise<void> = Promise.resolve();
    let timer: NodeJS.Timeout | undefined;
    let graceTimer: NodeJS.Timeout | undefined;

    const emit = (chunk: Buffer, source?: Readable): void => {
      if (chunk.length === 0) return;
      lastByte = chunk[chunk.length - 1]!;
      let pending: void | Promise<void>;
      try {
        pending = spec.output(chunk);
      } catch {
        return; // a failing consumer must not take the hook run down with it
      }
      if (pending && typeof pending.then === 'function') {
        source?.pause();
        const resumed = pending.then(
          () => void source?.resume(),
          () => void source?.resume(),
        );
        outputDone = outputDone.then(() => resumed);
      }
    };

    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => emit(chunk, stream));
      stream?.on('error', () => {});
    }

    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the whole group is already gone.
      }
      // A grandchild that left the group may still hold the pipes open.
      graceTimer = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
      }, PIPE_GRACE_MS);
    };

    const onAbort = (): void => {
      aborted = true;
      killGroup();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });

    if (spec.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        killGroup();
      }, spec.timeoutMs);
    }

    const finish = async (result: HookProcessResult): Promise<void> => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      clearTimeout(graceTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      await outputDone;
      if (timedOut) {
        const seconds = Math.round(spec.timeoutMs / 100) / 10;
        const lead = lastByte === 0x0a ? '' : '\n';
        emit(Buffer.from(`${lead}error: hook '${spec.name}' timed out after ${seconds} s\n`));
        await outputDone;
      }
      resolve(result);
    };

    child.on('error', (error) => {
      // Only a failure to start ends the run here; otherwise 'close' follows.
      if (child.pid === undefined) {
        void finish({ exitCode: null, signal: null, timedOut, aborted, error });
      }
    });
    child.on('close', (exitCode, signal) => {
      void finish({ exitCode, signal, timedOut, aborted });
    });

    if (spec.stdin && child.stdin) {
      // git ignores SIGPIPE for hooks: a hook that exits without reading its
      // input is not an error, so EPIPE (and friends) are dropped here.
      child.stdin.on('error', () => {});
      child.stdin.end(spec.stdin);
    }
  });
}
