import { ProtocolError } from '../errors.js';
import { capabilityValue, encodeV2Capabilities, readV2Request } from '../protocol/v2-request.js';
import { uploadV2Capabilities } from './capabilities.js';
import type { UploadContext } from './context.js';
import { serveLsRefs } from './v2-ls-refs.js';
import { serveFetch } from './v2-fetch.js';
import { serveObjectInfo } from './v2-object-info.js';

/**
 * Protocol v2 (gitprotocol-v2): the capability advertisement, then one
 * request after another (ls-refs, fetch, object-info) until the client ends
 * the session; a single request in stateless mode (smart HTTP).
 */
export async function serveV2(ctx: UploadContext): Promise<void> {
  const { session, channel } = ctx;
  const advertised = uploadV2Capabilities(ctx.settings, ctx.repo.algo);
  if (!session.statelessRpc || session.advertiseOnly) {
    await channel.write(encodeV2Capabilities(advertised));
    if (session.advertiseOnly) return;
  }
  for (;;) {
    const request = await readV2Request(ctx.reader, advertised);
    if (!request) return;
    const format = capabilityValue(request.capabilities, 'object-format') ?? 'sha1';
    if (format !== ctx.repo.algo) throw new ProtocolError(`mismatched object format: server ${ctx.repo.algo}; client ${format}`);
    if (request.command === 'ls-refs') await serveLsRefs(ctx, request.args);
    else if (request.command === 'fetch') await serveFetch(ctx, request.args);
    else await serveObjectInfo(ctx, request.args);
    if (session.statelessRpc) return;
  }
}
