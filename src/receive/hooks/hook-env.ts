/**
 * Variables that would point a hook at some other repository if the server
 * process happened to carry them; a hook must see only the repository it runs
 * for (GIT_DIR is set explicitly, the quarantine variables by the caller).
 * GIT_ALTERNATE_OBJECT_DIRECTORIES stays: git appends to it, never replaces.
 */
const REPOSITORY_LOCATORS = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_INDEX_FILE',
  'GIT_OBJECT_DIRECTORY',
  'GIT_QUARANTINE_PATH',
];

/**
 * A hook's environment: inherited variables, then the caller's extra ones
 * (REMOTE_USER, GIT_PROTOCOL, …), then the hook's own, and GIT_DIR=. last
 * because hooks run with the git dir as their working directory.
 */
export function hookEnvironment(
  inherited: NodeJS.ProcessEnv,
  ...layers: (Record<string, string> | undefined)[]
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...inherited };
  for (const key of REPOSITORY_LOCATORS) delete env[key];
  for (const layer of layers) Object.assign(env, layer);
  env.GIT_DIR = '.';
  return env;
}

/** GIT_PUSH_OPTION_COUNT is always set (0 without options), as git 2.39 does. */
export function pushOptionEnvironment(options: readonly string[]): Record<string, string> {
  const env: Record<string, string> = { GIT_PUSH_OPTION_COUNT: String(options.length) };
  options.forEach((value, i) => {
    env[`GIT_PUSH_OPTION_${i}`] = value;
  });
  return env;
}
