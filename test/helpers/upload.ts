/**
 * Shared setup of the upload-pack tests (upload-*.test.ts): the same
 * upload-pack exchange against stock git (a child process) and pushgate (in
 * this process), pkt-line views of what they send, a source repository with
 * branches, a merge and tags, fsck compared with the source's, and git
 * index-pack for a pack taken off the wire.
 */
import type { Test } from 'tap';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pktLine } from '../../src/protocol/pkt-line.js';
import { openRepository } from '../../src/repo/repository.js';
import { uploadPack } from '../../src/upload/service.js';
import { git, gitEnv, gitOk, PUSHGATE_UPLOAD_PACK, WorkRepo } from './git.js';

export const DELIM_PKT = Buffer.from('0001');

export type Server = 'git' | 'pushgate';
export const SERVERS: Server[] = ['git', 'pushgate'];

export function uploadPackCommand(server: Server): string {
  return server === 'git' ? 'git-upload-pack' : PUSHGATE_UPLOAD_PACK;
}

/** Runs a command with `input` on stdin; stdout as bytes. */
export function runBytes(
  command: string,
  args: string[],
  input: Buffer,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: gitEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 128, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(input);
  });
}

/** pushgate's upload-pack in this process, as the CLI would run it (no process start-up per exchange). */
export async function uploadPackInProcess(gitDir: string, args: string[], input: Buffer, env: Record<string, string>) {
  const repo = await openRepository(gitDir);
  const output = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  output.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  try {
    const outcome = await uploadPack({
      repo,
      input: Readable.from([input]),
      output,
      stderr,
      statelessRpc: args.includes('--stateless-rpc'),
      advertiseOnly: args.includes('--advertise-refs'),
      gitProtocol: env.GIT_PROTOCOL,
      transport: 'stdio',
    });
    return { code: outcome.exitCode, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() };
  } finally {
    await repo.close();
  }
}

/** The same upload-pack invocation against stock git and pushgate. */
export function uploadPackRun(server: Server, gitDir: string, args: string[], input: Buffer, env: Record<string, string> = {}) {
  return server === 'git'
    ? runBytes('git', ['upload-pack', ...args, gitDir], input, env)
    : uploadPackInProcess(gitDir, args, input, env);
}

/** pkt-line payloads (and flush/delim markers) with the agent's value blanked: what must match byte for byte. */
export function withoutAgent(bytes: Buffer): string[] {
  const lines: string[] = [];
  for (let at = 0; at + 4 <= bytes.length;) {
    const length = parseInt(bytes.toString('latin1', at, at + 4), 16);
    if (length < 4) {
      lines.push(`<${length}>`);
      at += 4;
      continue;
    }
    lines.push(bytes.toString('latin1', at + 4, at + length).replace(/agent=[^ \n\0]+/g, 'agent=X'));
    at += length;
  }
  return lines;
}

/** fsck findings as sorted lines, for comparing with the source's. */
export async function fsckFindings(gitDir: string): Promise<{ code: number; lines: string[] }> {
  const r = await git(['--git-dir', gitDir, 'fsck', '--no-dangling', '--no-progress']);
  return { code: r.code, lines: (r.stdout + r.stderr).split('\n').filter(Boolean).sort() };
}

export async function assertFsckClean(t: Test, clone: string, source: string): Promise<void> {
  const [ours, theirs] = await Promise.all([fsckFindings(clone), fsckFindings(source)]);
  t.equal(ours.code, theirs.code, `fsck exit status of ${path.basename(clone)} as on the source`);
  t.same(
    ours.lines.filter((l) => !theirs.lines.includes(l)),
    [],
    'fsck finds nothing the source does not have',
  );
}

/**
 * A bare source repository with history on two branches, a merge, annotated
 * and lightweight tags, a tag of a tag; its older part packed, newer
 * objects loose (as small pushes leave them).
 */
export async function makeSource(dir: string): Promise<{ source: string; work: WorkRepo }> {
  const work = await WorkRepo.create(path.join(dir, 'work'));
  for (let i = 1; i <= 6; i++)
    await work.commit(`c${i}`, {
      [`dir${i % 3}/file${i}.txt`]: `content ${i}\n`.repeat(20 * i),
      'shared.txt': `v${i}\n`.repeat(50),
    });
  await work.gitOk(['tag', '-a', 'v1', '-m', 'release 1']);
  await work.gitOk(['tag', '-a', 'v1-signed', '-m', 'tag of a tag', 'v1']);
  await work.gitOk(['checkout', '-q', '-b', 'topic', 'HEAD~2']);
  await work.commit('t1', { 'topic.txt': 'topic\n' });
  await work.gitOk(['checkout', '-q', 'main']);
  await work.gitOk(['merge', '-q', '--no-ff', '-m', 'merge topic', 'topic'], {
    GIT_AUTHOR_DATE: '1700009000 +0000',
    GIT_COMMITTER_DATE: '1700009000 +0000',
  });
  await work.gitOk(['tag', 'light']);
  const source = path.join(dir, 'source.git');
  await gitOk(['clone', '-q', '--bare', work.dir, source]);
  await gitOk(['--git-dir', source, 'repack', '-adq']);
  await gitOk(['--git-dir', source, 'config', 'receive.unpackLimit', '1000']);
  await work.gitOk(['remote', 'add', 'source', source]);
  for (let i = 7; i <= 8; i++)
    await work.commit(`c${i}`, { [`dir${i % 3}/file${i}.txt`]: `content ${i}\n`.repeat(10), 'shared.txt': `v${i}\n`.repeat(50) });
  await work.gitOk(['push', '-q', 'source', 'main']);
  return { source, work };
}

/** Request bodies for stateless exchanges, for the wire-level differential. */
export function wantLines(wants: string[], caps: string): Buffer[] {
  return wants.map((oid, i) => pktLine(i === 0 ? `want ${oid} ${caps}\n` : `want ${oid}\n`));
}

/** Everything before the pack, and the pack (side-band demultiplexed when used). */
export function splitResponse(body: Buffer, sideband: boolean): { lines: string[]; pack: Buffer; progress: string } {
  const lines: string[] = [];
  const packParts: Buffer[] = [];
  let progress = '';
  let at = 0;
  while (at < body.length) {
    if (!sideband && body.toString('latin1', at, at + 4) === 'PACK') {
      packParts.push(body.subarray(at));
      break;
    }
    const length = parseInt(body.toString('latin1', at, at + 4), 16);
    if (length === 0 || length === 1) {
      lines.push(length === 0 ? '<flush>' : '<delim>');
      at += 4;
      continue;
    }
    const data = body.subarray(at + 4, at + length);
    if (
      sideband &&
      data[0] === 1 &&
      (lines.includes('packfile') || packParts.length > 0 || data.toString('latin1', 1, 5) === 'PACK')
    )
      packParts.push(data.subarray(1));
    else if (sideband && data[0] === 2) progress += data.toString('utf8', 1);
    else lines.push(data.toString('utf8').replace(/\n$/, ''));
    at += length;
  }
  return { lines, pack: Buffer.concat(packParts), progress };
}

/** git index-pack --fix-thin of a pack taken off the wire, into `dir`. */
export async function gitIndexPack(dir: string, pack: Buffer): Promise<{ code: number; stderr: string }> {
  const r = await runBytes('git', ['-C', dir, 'index-pack', '--stdin', '--fix-thin'], pack);
  return { code: r.code, stderr: r.stderr };
}
