import { parseArgs } from 'node:util';
import { findGitDir, isGitDir } from '../../repo/git-dir.js';
import { uploadPack } from '../../upload/index.js';
import { UsageError, type CliCommand } from '../command.js';
import { withRepository } from '../with-repository.js';

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
    return withRepository(gitDir, positionals[0]!, io, async (repo, dir) => {
      const outcome = await uploadPack({
        repo,
        repoName: dir,
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
    });
  },
};
