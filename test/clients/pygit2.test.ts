/**
 * The client matrix with libgit2 (Debian's python3-pygit2 1.11 over libgit2
 * 1.5): push, clone and fetch over smart HTTP and SSH, against pushgate and
 * stock git. libgit2 has no stdio transport; its SSH is its own (libssh2),
 * so stock git's side of SSH is the ssh2 bridge. libgit2 1.5 has no atomic
 * pushes and no push options.
 *
 * Per-ref results are what libgit2 hands the push_update_reference callback
 * (no message: updated; a message: the server's `ng` reason), and what the
 * client "prints" is the remote's side-band text plus the error it raised.
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
import { runBounded, SYSTEM_PYTHON } from './run.js';

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'pygit2_driver.py');

interface DriverAnswer {
  ok: boolean;
  error?: string;
  refs: Record<string, string | null>;
  messages: string;
}

async function pygit2(ep: Endpoint, op: Record<string, unknown>, ctx: RunContext): Promise<ClientOutcome> {
  const spec = { ...op, url: ep.url, sshKey: ep.ssh?.key };
  const run = await runBounded(SYSTEM_PYTHON, [DRIVER, JSON.stringify(spec)], {
    env: { HOME: ctx.home },
    timeoutMs: ctx.timeoutMs,
  });
  let answer: DriverAnswer;
  try {
    answer = JSON.parse(run.stdout) as DriverAnswer;
  } catch {
    answer = { ok: false, error: `no answer from the driver: ${run.stdout}${run.stderr}`, refs: {}, messages: '' };
  }
  const refs: Record<string, RefOutcome> = {};
  for (const [ref, message] of Object.entries(answer.refs)) {
    refs[ref] = message === null ? { status: 'ok' } : { status: 'rejected', reason: message };
  }
  const text = `${answer.messages}\n${answer.error ? `error: ${answer.error}` : ''}\n${run.stderr}`;
  return { run, refs: op.op === 'push' ? refs : null, lines: normaliseOutput(text, ep) };
}

const pygit2Driver: ClientDriver = {
  name: 'pygit2',
  transports: ['http', 'ssh'],
  features: { atomic: false, pushOptions: false },
  stockSsh: 'bridge',
  push: (ep, workDir, spec, ctx) => pygit2(ep, { op: 'push', work: workDir, refs: spec.refs }, ctx),
  clone: (ep, dest, ctx) => pygit2(ep, { op: 'clone', dest }, ctx),
  fetch: (ep, cloneDir, ctx) => pygit2(ep, { op: 'fetch', dest: cloneDir }, ctx),
};

clientMatrix(t, pygit2Driver);
