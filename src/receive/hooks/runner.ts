import path from 'node:path';
import type { GitConfig } from '../../repo/types.js';
import type { ReceiveCommand } from '../command.js';
import { findHook, ignoredHookAdvice, type ReceiveHookName } from './find-hook.js';
import { hookEnvironment, pushOptionEnvironment } from './hook-env.js';
import { runHookProcess, type HookOutput, type HookProcessResult } from './run-hook.js';
import { describeErrno } from '../../system-errors.js';

/** `file` relative to the repository when it is inside it (cwd of every hook), else as configured. */
function pathFromRepository(gitDir: string, file: string): string {
  const relative = path.relative(gitDir, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

/** The fields of a command that hooks are told about. */
export type HookCommand = Pick<ReceiveCommand, 'refName' | 'oldOid' | 'newOid'>;
/** Post hooks also need to know which commands succeeded. */
export type FinishedCommand = HookCommand & Pick<ReceiveCommand, 'status' | 'didNotExist'>;

/**
 * Seconds a hook may run before its process group is killed and the hook
 * counts as declined. 0 (the default) means no limit, as in git: pre-receive
 * hooks that run test suites legitimately take minutes, and a client that
 * goes away is handled by the runner's abort signal instead.
 */
export const HOOK_TIMEOUT_KEY = 'pushgate.hookTimeout';
export const DEFAULT_HOOK_TIMEOUT_SECONDS = 0;

export interface HookRunnerOptions {
  /** Absolute path of the bare repository; hooks run with it as cwd. */
  gitDir: string;
  /** Read for core.hooksPath, pushgate.hookTimeout and advice.ignoredHook at each run. */
  config: Pick<GitConfig, 'get' | 'getBool' | 'getInt'>;
  /** Where hook stdout and stderr go, in order (the caller relays them as `remote:` lines). */
  output: HookOutput;
  /** Extra environment for every hook (REMOTE_USER, GIT_PROTOCOL, …). */
  env?: Record<string, string>;
  /** git's hint about a hook file without the execute bit, one line at a time without the `hint: ` prefix; when absent the hint is dropped. */
  onHint?: (line: string) => void;
  /** Kills a running hook and skips later ones (the push was abandoned). */
  signal?: AbortSignal;
  /** Environment the hooks inherit; defaults to process.env. */
  inheritedEnv?: NodeJS.ProcessEnv;
}

export interface HookRunResult extends HookProcessResult {
  hook: ReceiveHookName;
  /** The executable that ran, or null when there was nothing to run (a skip is ok). */
  path: string | null;
  /** Exit status 0 within the time limit, or skipped. Non-ok means declined. */
  ok: boolean;
}

export interface PreReceiveOptions {
  pushOptions?: readonly string[];
  /** GIT_QUARANTINE_PATH, GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES (see quarantineEnvironment). */
  quarantineEnv?: Record<string, string>;
}

/**
 * Runs a repository's executable receive hooks for one push, with git's
 * arguments, stdin and environment. The caller decides what a non-ok result
 * means (see reasons.ts); post hooks' results are for logging only.
 */
export class HookRunner {
  private readonly options: HookRunnerOptions;
  private readonly advised = new Set<ReceiveHookName>();

  constructor(options: HookRunnerOptions) {
    this.options = options;
  }

  /** Every command, including ones already rejected (git feeds them all). */
  preReceive(commands: readonly HookCommand[], options: PreReceiveOptions = {}): Promise<HookRunResult> {
    if (commands.length === 0) return Promise.resolve(skipped('pre-receive'));
    return this.run('pre-receive', [], stdinLines(commands), [
      pushOptionEnvironment(options.pushOptions ?? []),
      options.quarantineEnv,
    ]);
  }

  /**
   * `update <ref> <old> <new>`, no stdin. `objectEnv` lets it read objects
   * still in the quarantine (pushgate keeps them only once a ref is written).
   */
  update(command: HookCommand, options: { objectEnv?: Record<string, string> } = {}): Promise<HookRunResult> {
    return this.run('update', [command.refName, command.oldOid, command.newOid], undefined, [options.objectEnv]);
  }

  /** Successful commands that changed an existing-or-created ref; not run when there are none. */
  postReceive(commands: readonly FinishedCommand[], options: { pushOptions?: readonly string[] } = {}): Promise<HookRunResult> {
    const done = succeeded(commands);
    if (done.length === 0) return Promise.resolve(skipped('post-receive'));
    return this.run('post-receive', [], stdinLines(done), [pushOptionEnvironment(options.pushOptions ?? [])]);
  }

  /** `post-update <ref>...` for the same commands as post-receive. */
  postUpdate(commands: readonly FinishedCommand[]): Promise<HookRunResult> {
    const done = succeeded(commands);
    if (done.length === 0) return Promise.resolve(skipped('post-update'));
    return this.run(
      'post-update',
      done.map((c) => c.refName),
      undefined,
      [],
    );
  }

  private async run(
    hook: ReceiveHookName,
    args: string[],
    stdin: Buffer | undefined,
    envLayers: (Record<string, string> | undefined)[],
  ): Promise<HookRunResult> {
    const { gitDir, config } = this.options;
    // Post hooks run after the report, on their own: a client that leaves does not stop them, and no hint is shown.
    const afterReport = hook === 'post-receive' || hook === 'post-update';
    const lookup = await findHook(gitDir, config, hook);
    if (lookup.kind === 'not-executable' && !afterReport) this.advise(hook, lookup.path);
    if (lookup.kind !== 'found') return skipped(hook);

    const timeoutSeconds = Math.max(0, config.getInt(HOOK_TIMEOUT_KEY, DEFAULT_HOOK_TIMEOUT_SECONDS));
    const result = await runHookProcess({
      name: hook,
      // As git runs it, relative to the repository (`hooks/update`): its $0, and the shell's errors, hold no server path.
      path: pathFromRepository(gitDir, lookup.path),
      args,
      cwd: gitDir,
      env: hookEnvironment(this.options.inheritedEnv ?? process.env, this.options.env, ...envLayers),
      stdin,
      output: this.options.output,
      timeoutMs: timeoutSeconds * 1000,
      signal: afterReport ? undefined : this.options.signal,
    });
    if (result.error) {
      await this.options.output(Buffer.from(`error: cannot run hook '${hook}': ${describeErrno(result.error)}\n`));
    }
    const ok = result.exitCode === 0 && !result.timedOut && !result.aborted;
    return { ...result, hook, path: lookup.path, ok };
  }

  /** Once per hook name and push, like git. */
  private advise(hook: ReceiveHookName, path: string): void {
    const { onHint, config } = this.options;
    if (!onHint || this.advised.has(hook) || !config.getBool('advice.ignoredHook', true)) return;
    this.advised.add(hook);
    for (const line of ignoredHookAdvice(path)) onHint(line);
  }
}

function stdinLines(commands: readonly HookCommand[]): Buffer {
  return Buffer.from(commands.map((c) => `${c.oldOid} ${c.newOid} ${c.refName}\n`).join(''), 'utf8');
}

/** git leaves out failed commands and deletions of refs that did not exist. */
function succeeded(commands: readonly FinishedCommand[]): FinishedCommand[] {
  return commands.filter((c) => c.status === 'ok' && !c.didNotExist);
}

function skipped(hook: ReceiveHookName): HookRunResult {
  return { hook, path: null, ok: true, exitCode: null, signal: null, timedOut: false, aborted: false };
}
