/**
 * Shared setup of the receive-pack-over-HTTP tests (receive-http-*.test.ts):
 * a data folder with a pushgate-made repository served by a test server and
 * a work repository pushing to it, what a push may leave in the object
 * folder, and hook scripts.
 */
import type { Test } from 'tap';
import { chmod, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { initRepository } from '../../src/repo/init-repository.js';
import { gitOk, tempDir, WorkRepo } from './git.js';
import { startTestServer } from './server.js';

export const ZERO = '0'.repeat(40);

/** A data folder with a pushgate-made repository `name` and a work repo with commits. */
export async function setup(
  t: Test,
  options: { name?: string; config?: Record<string, string>; allowAnonymousPush?: boolean } = {},
) {
  const { dir, cleanup } = await tempDir();
  t.teardown(cleanup);
  const dataDir = path.join(dir, 'data');
  const name = options.name ?? 'demo.git';
  const gitDir = path.join(dataDir, name);
  await initRepository(gitDir, { algo: 'sha1', defaultBranch: 'main' });
  for (const [key, value] of Object.entries(options.config ?? {})) await gitOk(['--git-dir', gitDir, 'config', key, value]);
  const server = await startTestServer(t, { dataDir, allowAnonymousPush: options.allowAnonymousPush ?? true });
  const work = await WorkRepo.create(path.join(dir, 'work'));
  const url = `${server.url}/${name}`;
  await work.gitOk(['remote', 'add', 'origin', url]);
  return { dir, dataDir, gitDir, server, work, url };
}

/** Quarantine folders left in the object store (none, after any push). */
export async function quarantineLeftovers(gitDir: string): Promise<string[]> {
  return (await readdir(path.join(gitDir, 'objects'))).filter((n) => n.startsWith('tmp_objdir') || n.startsWith('incoming'));
}

/** An executable hook script in the repository. */
export async function writeHook(gitDir: string, name: string, script: string): Promise<void> {
  const file = path.join(gitDir, 'hooks', name);
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
}
