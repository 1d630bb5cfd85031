import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PUSHGATE_BIN = path.join(PROJECT_ROOT, 'bin/pushgate.js');
/** What `git push --receive-pack=…` runs for the stdio drop-in (needs `npm run build`). */
export const PUSHGATE_RECEIVE_PACK = `node ${PUSHGATE_BIN} receive-pack`;
/** What `git clone --upload-pack=…` runs for the stdio drop-in (needs the build). */
export const PUSHGATE_UPLOAD_PACK = `node ${PUSHGATE_BIN} upload-pack`;

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A stable, isolated environment for the real git client. */
export function gitEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    LANG: 'C',
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.com',
    GIT_AUTHOR_DATE: '1700000000 +0000',
    GIT_COMMITTER_NAME: 'Test Committer',
    GIT_COMMITTER_EMAIL: 'committer@example.com',
    GIT_COMMITTER_DATE: '1700000000 +0000',
    GIT_TERMINAL_PROMPT: '0',
    ...extra,
  };
}

export function git(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {},
): Promise<GitResult> {
  return run('git', args, options);
}

export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {},
): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: gitEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => err.push(c));
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({ code: code ?? 128, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(options.input ?? '');
  });
}

/** git, failing the test on a non-zero exit. */
export async function gitOk(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string | Buffer } = {},
): Promise<string> {
  const r = await git(args, options);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

export async function tempDir(prefix = 'pushgate-test-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A working repository with a commit per entry of `files`, on branch main. */
export class WorkRepo {
  private counter = 0;
  constructor(readonly dir: string) {}

  static async create(dir: string, options: { objectFormat?: 'sha1' | 'sha256' } = {}): Promise<WorkRepo> {
    await gitOk(['init', '-q', '-b', 'main', `--object-format=${options.objectFormat ?? 'sha1'}`, dir]);
    return new WorkRepo(dir);
  }

  git(args: string[], env?: Record<string, string>): Promise<GitResult> {
    return git(args, { cwd: this.dir, env });
  }

  gitOk(args: string[], env?: Record<string, string>): Promise<string> {
    return gitOk(args, { cwd: this.dir, env });
  }

  /** Write files and commit them; returns the new commit id. */
  async commit(message: string, files: Record<string, string | Buffer> = {}): Promise<string> {
    const { writeFile, mkdir } = await import('node:fs/promises');
    this.counter++;
    const contents = Object.keys(files).length ? files : { [`file-${this.counter}.txt`]: `${message}\n` };
    for (const [name, data] of Object.entries(contents)) {
      await mkdir(path.dirname(path.join(this.dir, name)), { recursive: true });
      await writeFile(path.join(this.dir, name), data);
    }
    await this.gitOk(['add', '-A']);
    const date = `${1700000000 + this.counter * 60} +0000`;
    await this.gitOk(['commit', '-q', '-m', message], { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date });
    return this.gitOk(['rev-parse', 'HEAD']);
  }

  rev(ref: string): Promise<string> {
    return this.gitOk(['rev-parse', ref]);
  }
}

/** Refs of a bare repository as `git for-each-ref` sees them: name -> oid. */
export async function refsOf(gitDir: string): Promise<Record<string, string>> {
  const out = await gitOk(['--git-dir', gitDir, 'for-each-ref', '--format=%(refname) %(objectname)']);
  const refs: Record<string, string> = {};
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, oid] = line.split(' ');
    refs[name] = oid;
  }
  return refs;
}

/** Lines of `git push --porcelain` output that describe refs (`=`/`*`/`!`/… lines) plus Done. */
export function porcelainRefLines(stdout: string): string[] {
  return stdout.split('\n').filter((l) => /^[ +\-*=!]\t/.test(l));
}
