/**
 * Shared setup of the repository tests (repo-*.test.ts): git run
 * synchronously with the test environment, a scratch folder per test, a bare
 * repository with a work clone that has pushed a few commits, the repository
 * opened for one test, the lock and journal files left in a repository, and
 * one non-atomic ref update.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Test } from 'tap';
import { zeroOid, type HashAlgorithm } from '../../src/objects/oid.js';
import { GitRepository, openRepository } from '../../src/repo/repository.js';
import type { RefFailure } from '../../src/repo/types.js';
import { gitEnv } from './git.js';

export const ZERO = zeroOid('sha1');

export function git(cwd: string, args: string[], input?: Buffer | string, env: Record<string, string> = {}): string {
  return execFileSync('git', args, { cwd, env: gitEnv(env), input, stdio: ['pipe', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

export function gitBuffer(cwd: string, args: string[]): Buffer {
  return execFileSync('git', args, { cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
}

export function gitStatus(cwd: string, args: string[]): { code: number; output: string } {
  const result = spawnSync('git', args, { cwd, env: gitEnv() });
  return { code: result.status ?? 128, output: result.stdout.toString() + result.stderr.toString() };
}

/** A temporary folder removed when the test ends. */
export function scratchDir(t: Test): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pushgate-repo-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A bare repository made by git, plus a work clone that has made `commits` commits on main. */
export function gitFixture(t: Test, options: { algo?: HashAlgorithm; commits?: number } = {}) {
  const root = scratchDir(t);
  const bare = path.join(root, 'srv.git');
  const work = path.join(root, 'work');
  git(root, ['init', '-q', '--bare', '-b', 'main', `--object-format=${options.algo ?? 'sha1'}`, bare]);
  git(root, ['init', '-q', '-b', 'main', `--object-format=${options.algo ?? 'sha1'}`, work]);
  const commits: string[] = [];
  for (let i = 0; i < (options.commits ?? 3); i++) {
    mkdirSync(path.join(work, 'dir'), { recursive: true });
    writeFileSync(path.join(work, `file${i}.txt`), `content ${i}\n`);
    writeFileSync(path.join(work, 'dir', 'nested.txt'), `nested ${i}\n`);
    git(work, ['add', '-A']);
    git(work, ['commit', '-q', '-m', `commit ${i}`], undefined, { GIT_COMMITTER_DATE: `${1700000000 + i} +0000` });
    commits.push(git(work, ['rev-parse', 'HEAD']));
  }
  if (commits.length > 0) git(work, ['push', '-q', bare, 'main']);
  return { root, bare, work, commits };
}

/** The repository, opened for this test (closed when it ends). */
export async function open(t: Test, gitDir: string): Promise<GitRepository> {
  const repo = await openRepository(gitDir);
  t.teardown(() => repo.close());
  return repo;
}

/** Lock files and ref journals anywhere in `dir`, relative to it. */
export function lockFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.lock') || entry.name.startsWith('pushgate-ref-journal')) found.push(path.relative(dir, p));
    }
  };
  walk(dir);
  return found;
}

/** One non-atomic ref update; its failure, or null. */
export async function updateOne(repo: GitRepository, name: string, oldOid: string, newOid: string): Promise<RefFailure | null> {
  const [result] = await repo.refs.update([{ name, oldOid, newOid }], { atomic: false });
  return result ?? null;
}
