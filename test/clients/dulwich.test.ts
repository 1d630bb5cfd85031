/**
 * The client matrix with dulwich (Debian's python3-dulwich, 0.21): its
 * porcelain push, clone and fetch over stdio, smart HTTP and SSH (OpenSSH
 * through GIT_SSH_COMMAND), against pushgate and stock git. dulwich has no
 * atomic pushes and no push options.
 *
 * Like JGit, dulwich keeps a stdio or SSH connection open after the pack
 * until it has read the report.
 */
import t from 'tap';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientMatrix } from './client-matrix.js';
import {
  type ClientDriver,
  type ClientOutcome,
  type Endpoint,
  normaliseOutput,
  type RefOutcome,
  type RunContext,
} from './driver.js';
import { runBounded, SYSTEM_PYTHON } from './run.js';

const DRIVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'dulwich_driver.py');

interface DriverAnswer {
  ok: boolean;
  error?: string;
  messages: string;
}

async function dulwich(ep: Endpoint, op: Record<string, unknown>, ctx: RunContext): Promise<ClientOutcome> {
  const spec = { ...op, transport: ep.transport, url: ep.url, receivePack: ep.receivePack, uploadPack: ep.uploadPack };
  const run = await runBounded(SYSTEM_PYTHON, [DRIVER, JSON.stringify(spec)], {
    env: { HOME: ctx.home, ...(ep.ssh ? { GIT_SSH_COMMAND: ep.ssh.command } : {}) },
    timeoutMs: ctx.timeoutMs,
  });
  let answer: DriverAnswer;
  try {
    answer = JSON.parse(run.stdout) as DriverAnswer;
  } catch {
    answer = { ok: false, error: `no answer from the driver: ${run.stdout}${run.stderr}`, messages: '' };
  }
  // porcelain.push reports each ref on its error stream: "Ref X updated" / "Push of ref X failed: why".
  const refs: Record<string, RefOutcome> = {};
  for (const line of answer.messages.split('\n')) {
    let m = /^Ref (\S+) updated$/.exec(line);
    if (m) refs[m[1]!] = { status: 'ok' };
    m = /^Push of ref (\S+) failed: (.*)$/.exec(line);
    if (m) refs[m[1]!] = { status: 'failed', reason: m[2]! };
  }
  const text = `${answer.messages}\n${answer.error ? `error: ${answer.error}` : ''}\n${run.stderr}`;
  return { run, refs: op.op === 'push' ? refs : null, lines: normaliseOutput(text, ep) };
}

const dulwichDriver: ClientDriver = {
  name: 'dulwich',
  transports: ['stdio', 'http', 'ssh'],
  features: { atomic: false, pushOptions: false },
  stockSsh: 'stdio',
  push: (ep, workDir, spec, ctx) => dulwich(ep, { op: 'push', work: workDir, refs: spec.refs }, ctx),
  clone: (ep, dest, ctx) => dulwich(ep, { op: 'clone', dest }, ctx),
  fetch: (ep, cloneDir, ctx) => dulwich(ep, { op: 'fetch', dest: cloneDir }, ctx),
};

clientMatrix(t, dulwichDriver);
