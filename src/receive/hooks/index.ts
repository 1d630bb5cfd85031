export { HookRunner, HOOK_TIMEOUT_KEY, DEFAULT_HOOK_TIMEOUT_SECONDS } from './runner.js';
export type { HookRunnerOptions, HookRunResult, HookCommand, FinishedCommand, PreReceiveOptions } from './runner.js';
export { findHook, hooksDirectory, ignoredHookAdvice } from './find-hook.js';
export type { HookLookup, ReceiveHookName } from './find-hook.js';
export { hookEnvironment, pushOptionEnvironment } from './hook-env.js';
export { runHookProcess } from './run-hook.js';
export type { HookOutput, HookProcessSpec, HookProcessResult } from './run-hook.js';
export { PRE_RECEIVE_DECLINED, UPDATE_HOOK_DECLINED, updateHookDeclinedMessage } from './reasons.js';
