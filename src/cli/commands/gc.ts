import path from 'node:path';
import { parseArgs } from 'node:util';
import { MAINTENANCE_ERROR, runMaintenance } from '../../maintenance/index.js';
import { findGitDir } from '../../repo/git-dir.js';
import { resolveRepoPath } from '../../transport/repo-path.js';
import { UsageError, type CliCommand } from '../command.js';

const USAGE = [
  'pushgate gc <repo> [--full] [--data <dir>] [--quiet]',
  '  Maintain a repository without git: remove litter of crashed processes, repack (by default',
  '  geometrically, as `git repack -d --geometric=2`; --full: everything into one pack, as',
  '  `git repack -a -d`, stored deltas reused), and pack loose refs (`git pack-refs --all --prune`).',
  '  Unreachable objects are kept. <repo> is a repository directory, or with --data a name there.',
].join('\n');

/** `pushgate gc`: one maintenance run, now, in the foreground. */
export const gcCommand: CliCommand = {
  name: 'gc',
  summary: 'Repack objects and pack refs of a repository (git gc without git)',
  usage: USAGE,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { full: { type: 'boolean' }, data: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one repository');
    const given = positionals[0]!;
    const gitDir = values.data ? (await resolveRepoPath(path.resolve(values.data), given))?.gitDir : await findGitDir(given);
    if (!gitDir) {
      io.stderr.write(`fatal: '${given}' does not appear to be a git repository\n`);
      return 128;
    }
    const progress = values.quiet ? undefined : (message: string) => io.stderr.write(`${message}\n`);
    try {
      const report = await runMaintenance(gitDir, { mode: values.full ? 'full' : 'geometric', progress });
      if (!values.quiet) {
        const { repack } = report;
        io.stderr.write(
          `done in ${report.durationMs} ms: ${repack.packsBefore} → ${repack.packsAfter} pack(s), ` +
            `${report.litterRemoved} temporary file(s) removed\n`,
        );
      }
      return 0;
    } catch (error) {
      if ((error as { code?: string }).code === MAINTENANCE_ERROR.busy) {
        io.stderr.write('fatal: another maintenance run is in progress for this repository\n');
        return 1;
      }
      throw error;
    }
  },
};
