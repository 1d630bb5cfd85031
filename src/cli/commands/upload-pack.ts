import { parseArgs } from 'node:util';
import { RepositoryError } from '../../errors.js';
import { findGitDir, isGitDir } from '../../repo/git-dir.js';
import { openRepository } from '../../repo/repository.js';
import { uploadPack } from '../../upload/service.js';
import { UsageError, type CliCommand } from '../command.js';

/** A drop-in for git-upload-pack: `git clone --upload-pack='pushgate upload-pack' …`. */
export const uploadPackCommand: CliCommand = {
  name: 'upload-pack',
  summary: 'Send objects to a cloning or fetching client (drop-in for git-upload-pack)',
  usage: 'pushgate upload-pack [--stateless-rpc] [--advertise-refs] [--strict] [--timeout <n>] <git-dir>',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'stateless-rpc': { type: 'boolean' },
        'advertise-refs': { type: 'boolean' },
        'http-backend-info-refs': { type: 'boolean' },
        strict: { type: 'boolean' },
        'no-strict': { type: 'boolean' },
        timeout: { type: 'string' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one repository directory');
    const timeout = values.timeout === undefined ? 0 : Number(values.timeout);
    if (!Number.isInteger(timeout) || timeout < 0) throw new UsageError(`invalid --timeout value '${values.timeout}'`);
    // --strict: the directory itself must be the repository (git's enter_repo strict mode).
    const strict = values.strict && !values['no-strict'];
    const gitDir = strict ? ((await isGitDir(positionals[0]!)) ? positionals[0]! : null) : await findGitDir(positionals[0]!);
    if (!gitDir) {
      io.stderr.write(`fatal: '${positionals[0]}' does not appear to be a git repository\n`);
      return 128;
    }
    let repo;
    try {
      repo = await openRepository(gitDir);
    } catch (err) {
      if (err instanceof RepositoryError) {
        io.stderr.write(`fatal: ${err.message}\n`);
        return 128;
      }
      throw err;
    }
    try {
      const outcome = await uploadPack({
        repo,
        repoName: gitDir,
        input: io.stdin,
        output: io.stdout,
        stderr: io.stderr,
        statelessRpc: values['stateless-rpc'],
        advertiseOnly: values['advertise-refs'] || values['http-backend-info-refs'],
        gitProtocol: io.env.GIT_PROTOCOL,
        timeoutSeconds: timeout,
        transport: 'stdio',
      });
      return outcome.exitCode;
    } finally {
      await repo.close();
    }
  },
};
