import { parseArgs } from 'node:util';
import { receivePack } from '../../receive/service.js';
import { RepositoryError } from '../../errors.js';
import { openRepository } from '../../repo/repository.js';
import { findGitDir } from '../../repo/git-dir.js';
import { UsageError, type CliCommand } from '../command.js';

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
    const gitDir = await findGitDir(positionals[0]);
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
      const outcome = await receivePack({
        repo,
        repoName: gitDir,
        input: io.stdin,
        output: io.stdout,
        stderr: io.stderr,
        statelessRpc: values['stateless-rpc'],
        advertiseOnly: values['advertise-refs'] || values['http-backend-info-refs'],
        gitProtocol: io.env.GIT_PROTOCOL,
        transport: 'stdio',
      });
      return outcome.exitCode;
    } finally {
      await repo.close();
    }
  },
};
