/**
 * Shared setup of the accounts, admin API and audit-log tests: the CLI run
 * in-process, ssh-keygen keys, audit records, and child processes for what
 * must happen in another process.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { PushRecord } from '../../src/audit-record.js';
import { main } from '../../src/cli/main.js';
import { PROJECT_ROOT, run } from './git.js';
import { tsxChildEnv } from './tsx-child.js';

export const ZERO = '0'.repeat(40);
export const A = 'a'.repeat(40);
export const B = 'b'.repeat(40);

/** Runs `pushgate <args>` in-process, as the binary would. */
export async function cli(
  args: string[],
  env: NodeJS.ProcessEnv,
  stdin = '',
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(args, { stdin: Readable.from([stdin]), stdout, stderr, env });
  process.exitCode = undefined; // main() sets it for the binary; a failing command here is expected
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** A new key pair from ssh-keygen, with its public line, fingerprint and size as ssh-keygen -lf prints them. */
export async function sshKeygen(
  dir: string,
  name: string,
  type: string,
  bits?: number,
): Promise<{ file: string; line: string; fingerprint: string; bits: number }> {
  const file = path.join(dir, name);
  await run('ssh-keygen', ['-q', '-t', type, ...(bits ? ['-b', String(bits)] : []), '-N', '', '-C', `${name}@test`, '-f', file]);
  const listed = await run('ssh-keygen', ['-lf', `${file}.pub`]);
  const [size, fingerprint] = listed.stdout.trim().split(' ');
  return { file, line: (await readFile(`${file}.pub`, 'utf8')).trim(), fingerprint: fingerprint!, bits: Number(size) };
}

/** A complete push record for the audit sink: one created ref, accepted; `overrides` changes any field. */
export function record(
  intent: { repo: string; username?: string; userId?: number },
  overrides: Partial<PushRecord> = {},
): PushRecord {
  return {
    repo: intent.repo,
    transport: 'ssh',
    identity: { username: intent.username, userId: intent.userId },
    remoteAddress: '127.0.0.1',
    startedAt: new Date(),
    agent: 'git/2.39.5',
    capabilities: ['report-status', 'side-band-64k'],
    pushOptions: ['ci.skip'],
    commands: [
      {
        refName: 'refs/heads/main',
        oldOid: ZERO,
        newOid: A,
        type: 'create',
        status: 'ok',
        reason: undefined,
        decidedBy: undefined,
      },
    ],
    result: 'accepted',
    packBytes: 1234,
    packObjects: 3,
    durationMs: 42,
    ...overrides,
  };
}

/** Runs a small TypeScript program in a child process (tsx), for what must happen in another process. */
export function spawnScript(source: string, env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
    cwd: PROJECT_ROOT,
    env: tsxChildEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

/** A source file's URL as a string literal, for the programs spawnScript runs. */
export const src = (file: string) => JSON.stringify(pathToFileURL(path.join(PROJECT_ROOT, 'src', file)).href);
