import { parseArgs } from 'node:util';
import { receivePack } from '../../receive/service.js';
import { findGitDir } from '../../repo/git-dir.js';
import { UsageError, type CliCommand } from '../command.js';
import { withRepository } from '../with-repository.js';

/** A drop-in for git-receive-pack: `git push --receive-pack='pushgate receive-pack' …`. */
export const receivePackCommand: CliCommand = {
  name: 'receive-pack',
  summary: 'Receive what is pushed into a repository (drop-in for git-receive-pack)',
  usage: 'pushgate receive-pack [--stateless-rpc] [--advertise-refs] <git-dir>',
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        'stateless-rpc': { type: 'boolean' },
        'advertise-refs': { type: 'boolean' },
        'http-backend-info-refs': { type: 'boolean' },
        quiet: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one repository directory');
    const gitDir = await findGitDir(positionals[0]!);
    return withRepository(gitDir, positionals[0]!, io, async (repo, dir) => {
      const outcome = await receivePack({
        repo,
        repoName: dir,
        input: io.stdin,
        output: io.stdout,
        stderr: io.stderr,
        statelessRpc: values['stateless-rpc'],
        advertiseOnly: values['advertise-refs'] || values['http-backend-info-refs'],
        gitProtocol: io.env.GIT_PROTOCOL,
        transport: 'stdio',
      });
      return outcome.exitCode;
    });
  },
};
