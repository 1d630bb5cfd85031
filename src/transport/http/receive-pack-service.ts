import type { Logger } from 'pino';
import type { PolicySource } from '../../policy/index.js';
import { FLUSH_PKT, pktLine } from '../../protocol/pkt-line.js';
import { receivePack } from '../../receive/service.js';
import { writeToStream } from '../../streams.js';
import type { AuditSink } from '../../audit-record.js';
import type { ReceiveHooks } from '../../receive/types.js';
import { openRepository } from '../../repo/repository.js';
import type { GitHttpService } from './git-http.js';

/** receive-pack behind smart HTTP: --advertise-refs for info/refs, --stateless-rpc for the POST. */
export function receivePackOverHttp(options: {
  audit?: AuditSink;
  hooks?: ReceiveHooks;
  policy?: PolicySource;
  log?: Logger;
}): GitHttpService {
  return {
    name: 'git-receive-pack',
    access: 'write',
    async advertise(ctx) {
      const repo = await openRepository(ctx.gitDir);
      await writeToStream(ctx.output, Buffer.concat([pktLine('# service=git-receive-pack\n'), FLUSH_PKT]));
      try {
        await receivePack({
          repo,
          repoName: ctx.repoName,
          input: ctx.request.raw,
          output: ctx.output,
          statelessRpc: true,
          advertiseOnly: true,
          gitProtocol: ctx.gitProtocol,
          transport: 'http',
          identity: ctx.identity,
          remoteAddress: ctx.remoteAddress,
        });
      } finally {
        await repo.close();
      }
    },
    async rpc(ctx) {
      const repo = await openRepository(ctx.gitDir);
      try {
        await receivePack({
          repo,
          repoName: ctx.repoName,
          input: ctx.input,
          output: ctx.output,
          statelessRpc: true,
          gitProtocol: ctx.gitProtocol,
          transport: 'http',
          identity: ctx.identity,
          remoteAddress: ctx.remoteAddress,
          audit: options.audit,
          hooks: options.hooks,
          policy: options.policy,
          log: options.log,
          hookEnv: httpHookEnv(ctx.identity?.username, ctx.remoteAddress),
        });
      } finally {
        await repo.close();
      }
    },
  };
}

/** What git http-backend exports for hooks (REMOTE_USER, committer identity from it). */
function httpHookEnv(user: string | undefined, address: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (user) env.REMOTE_USER = user;
  if (address) env.REMOTE_ADDR = address;
  return env;
}
