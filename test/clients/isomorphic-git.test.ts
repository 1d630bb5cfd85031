/**
 * The client matrix with isomorphic-git (npm, its Node HTTP client): push,
 * clone and fetch over smart HTTP, the only transport it has, against
 * pushgate and stock git's http-backend. It has force and delete, and tags;
 * no atomic pushes, no push options, and one ref per push (the driver pushes
 * each ref of a scenario in turn).
 *
 * Each run is a child process (isomorphic-git-driver.ts under tsx) with the
 * matrix's hard time limit: a hung client is killed and fails within seconds.
 */
import t from 'tap';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientMatrix } from './client-matrix.js';
import {
  normaliseOutput,
  type ClientDriver,
  type ClientOutcome,
  type Endpoint,
  type RefOutcome,
  type RunContext,
} from './driver.js';
import { runBounded } from './run.js';

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'isomorphic-git-driver.ts');

interface DriverAnswer {
  ok: boolean;
  errors: string[];
  refs: Record<string, { ok: boolean; error?: string }>;
  messages: string[];
}

async function isomorphicGit(ep: Endpoint, op: Record<string, unknown>, ctx: RunContext): Promise<ClientOutcome> {
  const run = await runBounded(process.execPath, ['--import', 'tsx', DRIVER, JSON.stringify({ ...op, url: ep.url })], {
    env: { HOME: ctx.home },
    timeoutMs: ctx.timeoutMs,
  });
  let answer: DriverAnswer;
  try {
    answer = JSON.parse(run.stdout) as DriverAnswer;
  } catch {
    answer = { ok: false, errors: [`no answer from the driver: ${run.stdout}${run.stderr}`], refs: {}, messages: [] };
  }
  const refs: Record<string, RefOutcome> = {};
  for (const [ref, r] of Object.entries(answer.refs)) {
    refs[ref] = r.ok ? { status: 'ok' } : { status: 'rejected', reason: r.error ?? '' };
  }
  // An error's message lists the refused refs on lines of their own: one `error:` line, as the server's words are compared.
  const errors = answer.errors.map((e) => `error: ${e.replace(/\s*\n\s*/g, ' ')}`);
  const text = [...answer.messages, ...errors, run.stderr].join('\n');
  return { run, refs: op.op === 'push' ? refs : null, lines: normaliseOutput(text, ep) };
}

const isomorphicGitDriver: ClientDriver = {
  name: 'isomorphic-git',
  transports: ['http'],
  features: { atomic: false, pushOptions: false },
  stockSsh: 'stdio',
  push: (ep, workDir, spec, ctx) => isomorphicGit(ep, { op: 'push', work: workDir, refs: spec.refs }, ctx),
  clone: (ep, dest, ctx) => isomorphicGit(ep, { op: 'clone', dest }, ctx),
  fetch: (ep, cloneDir, ctx) => isomorphicGit(ep, { op: 'fetch', dest: cloneDir }, ctx),
};

clientMatrix(t, isomorphicGitDriver);
