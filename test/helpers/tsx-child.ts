/**
 * The environment of a child process that runs TypeScript with
 * `node --import tsx -e …` (a lock holder, a process killed mid-update).
 *
 * tap's coverage loader reaches every node child through NODE_OPTIONS, but in
 * these children the coverage it records for tsx-compiled modules does not
 * line up with the source (it records the line lengths of a one-line file),
 * so it lands on the wrong lines of src/ as uncovered functions and branches
 * that do not exist: about 3 points of the suite's function coverage. What
 * these children run, the test processes run too, so their coverage is left
 * out; CLI children (bin/pushgate.js → dist/ with source maps) are counted.
 */
export function tsxChildEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, _TAPJS_PROCESSINFO_COVERAGE_: '0' };
}
