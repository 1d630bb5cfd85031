import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import { FLUSH_PKT, pktLine } from '../../protocol/pkt-line.js';
import { openRepository } from '../../repo/repository.js';
import { uploadPack } from '../../upload/index.js';
import { requestedProtocolVersion } from '../../upload/index.js';
import type { GitHttpContext, GitHttpService } from './git-http.js';

/**
 * upload-pack behind smart HTTP, as git http-backend runs it: info/refs is
 * `--advertise-refs` (with the `# service` preamble for v0/v1 only, none
 * for protocol v2), each POST one `--stateless-rpc` exchange.
 */
export function uploadPackOverHttp(options: { log?: Logger } = {}): GitHttpService {
  return {
    name: 'git-upload-pack',
    access: 'read',
    async advertise(ctx) {
      if (requestedProtocolVersion(ctx.gitProtocol) < 2) {
        ctx.output.write(Buffer.concat([pktLine('# service=git-upload-pack\n'), FLUSH_PKT]));
      }
      await run(ctx, ctx.request.raw, true, options.log);
    },
    async rpc(ctx) {
      await run(ctx, ctx.input, false, options.log);
    },
  };
}

async function run(ctx: GitHttpContext, input: Readable, advertiseOnly: boolean, log?: Logger): Promise<void> {
  const repo = await openRepository(ctx.gitDir);
  try {
    await uploadPack({
      repo,
      repoName: ctx.repoName,
      input,
      output: ctx.output,
      statelessRpc: true,
      advertiseOnly,
      gitProtocol: ctx.gitProtocol,
      transport: 'http',
      identity: ctx.identity,
      remoteAddress: ctx.remoteAddress,
      log,
    });
  } finally {
    await repo.close();
  }
}
