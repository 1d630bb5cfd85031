/**
 * The repositories of a matrix run: a bare server repository per side with
 * the matrix's hooks (stock git's update hook standing in for pushgate's
 * branch protection), the pair of working repositories that push to them
 * with the same commits, and the refs of a clone.
 */
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProtectionRule } from '../../src/index.js';
import { git, gitOk, WorkRepo } from '../helpers/git.js';
import type { Side } from './driver.js';

const ZERO = '0'.repeat(40);

/** Both server repositories get these hooks; pushgate runs executable hooks as git does. */
const PRE_RECEIVE = `#!/bin/sh
i=0
while [ "$i" -lt "\${GIT_PUSH_OPTION_COUNT:-0}" ]; do
  eval "echo \\"push option: \\$GIT_PUSH_OPTION_$i\\""
  i=$((i + 1))
done
while read old new ref; do
  case "$ref" in refs/heads/declined*) echo "declined by pre-receive: $ref"; exit 1;; esac
done
exit 0
`;

const UPDATE = `#!/bin/sh
case "$1" in refs/heads/veto*) echo "update hook vetoes $1" >&2; exit 1;; esac
exit 0
`;

/**
 * Stock git's stand-in for pushgate's branch protection: the same refusal
 * (no forced update of refs/heads/protected) from an update hook.
 */
const STOCK_UPDATE = `#!/bin/sh
case "$1" in refs/heads/veto*) echo "update hook vetoes $1" >&2; exit 1;; esac
if [ "$1" = refs/heads/protected ] && [ "$2" != ${ZERO} ] && [ "$3" != ${ZERO} ] && ! git merge-base --is-ancestor "$2" "$3"; then
  echo "protected: no forced updates" >&2
  exit 1
fi
exit 0
`;

export const PROTECTION: ProtectionRule[] = [{ pattern: 'refs/heads/protected', blockForcePush: { allow: [] } }];

/** A bare repository with the matrix's hooks (stock git's update hook also stands in for branch protection). */
export async function initServerRepo(gitDir: string, side: Side, options: { pushOptions?: boolean } = {}): Promise<void> {
  const updateHook = side === 'stock' ? STOCK_UPDATE : UPDATE;
  await gitOk(['init', '-q', '--bare', '-b', 'main', gitDir]);
  for (const [key, value] of [
    ['receive.advertisePushOptions', String(options.pushOptions ?? true)],
    ['http.receivepack', 'true'],
  ]) {
    await gitOk(['--git-dir', gitDir, 'config', key, value]);
  }
  for (const [hook, script] of [
    ['pre-receive', PRE_RECEIVE],
    ['update', updateHook],
  ]) {
    await writeFile(path.join(gitDir, 'hooks', hook), script);
    await chmod(path.join(gitDir, 'hooks', hook), 0o755);
  }
}

/** The same commits, tags and branches in two working repositories (one per side), ids checked equal. */
export class WorkPair {
  constructor(
    readonly stock: WorkRepo,
    readonly pushgate: WorkRepo,
  ) {}

  static async create(dir: string): Promise<WorkPair> {
    return new WorkPair(
      await WorkRepo.create(path.join(dir, 'work-stock')),
      await WorkRepo.create(path.join(dir, 'work-pushgate')),
    );
  }

  of(side: Side): WorkRepo {
    return side === 'stock' ? this.stock : this.pushgate;
  }

  async commit(message: string): Promise<string> {
    const a = await this.stock.commit(message);
    const b = await this.pushgate.commit(message);
    if (a !== b) throw new Error(`work repositories diverged: ${a} != ${b}`);
    return a;
  }

  async git(args: string[]): Promise<void> {
    const env = { GIT_COMMITTER_DATE: '1700009999 +0000', GIT_AUTHOR_DATE: '1700009999 +0000' };
    await this.stock.gitOk(args, env);
    await this.pushgate.gitOk(args, env);
  }
}

/** Refs of a clone (bare or not), HEAD's target included. */
export async function refsOfClone(dir: string): Promise<Record<string, string>> {
  const refs: Record<string, string> = {};
  const out = await gitOk(['-C', dir, 'for-each-ref', '--format=%(refname) %(objectname)']);
  for (const line of out.split('\n').filter(Boolean)) {
    const [name, oid] = line.split(' ');
    refs[name!] = oid!;
  }
  const head = await git(['-C', dir, 'symbolic-ref', '-q', 'HEAD']);
  refs.HEAD =
    head.code === 0 ? `-> ${head.stdout.trim()}` : (await git(['-C', dir, 'rev-parse', '-q', '--verify', 'HEAD'])).stdout.trim();
  return refs;
}
