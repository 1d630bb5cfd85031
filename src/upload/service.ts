import { PushgateError } from '../errors.js';
import { ByteReader } from '../protocol/byte-reader.js';
import { LineCounter } from '../protocol/line-limits.js';
import { TimeSlicer } from '../time-slice.js';
import { PktLineReader } from '../protocol/pkt-line-reader.js';
import { encodeV2Capabilities } from '../protocol/v2-request.js';
import { uploadV2Capabilities } from './capabilities.js';
import { ClientGoneError } from '../errors.js';
import { SidebandWriter } from '../protocol/sideband-writer.js';
import { CommitStore } from './commit-store.js';
import { readRepoShallow, type UploadContext } from './context.js';
import { withIdleTimeout } from './idle-timeout.js';
import { UploadObjects } from './object-access.js';
import { requestedProtocolVersion } from './protocol-version.js';
import { RefView } from './ref-view.js';
import { readUploadSettings, type UploadSettings } from './settings.js';
import type { UploadPackOutcome, UploadPackSession } from './types.js';
import { serveV0 } from './v0-service.js';
import { serveV2 } from './v2-service.js';

/** Bytes of pkt-lines a client may send in one session before it is cut off. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

/**
 * git-upload-pack, transport-agnostic: serves clone and fetch over protocol
 * v0/v1 or v2 (chosen by GIT_PROTOCOL), from the repository's packs, with
 * their stored bytes reused. Never throws for bad input or a client that
 * leaves: the exchange ends with a message and exit status 128, as git's.
 */
export async function uploadPack(session: UploadPackSession): Promise<UploadPackOutcome> {
  const startedAt = Date.now();
  const { repo } = session;
  const version = requestedProtocolVersion(session.gitProtocol);
  const log = session.log?.child({
    repo: session.repoName ?? repo.gitDir,
    transport: session.transport,
    user: session.identity?.username,
  });
  const stats = { objects: 0, packBytes: 0, wants: 0, haves: 0 };
  let settings: UploadSettings;
  try {
    await repo.reloadConfig();
    settings = readUploadSettings(repo.config);
  } catch (err) {
    return fail(session, new SidebandWriter(session.output, { stderr: session.stderr, keepAliveSeconds: 0 }), stats, err, log);
  }
  const channel = new SidebandWriter(session.output, { stderr: session.stderr, keepAliveSeconds: settings.keepAliveSeconds });

  if (version === 2 && session.advertiseOnly) {
    // The v2 advertisement names capabilities only: no need to look at refs or packs.
    await writeOrIgnore(channel, encodeV2Capabilities(uploadV2Capabilities(settings, repo.algo)));
    return { exitCode: 0 };
  }

  let objects: UploadObjects | undefined;
  try {
    objects = await UploadObjects.open(repo);
    const ctx: UploadContext = {
      session,
      repo,
      settings,
      objects,
      commits: new CommitStore(objects),
      refs: await RefView.load(repo, objects, settings.hideRefs),
      channel,
      reader: new PktLineReader(new ByteReader(withIdleTimeout(session.input, session.timeoutSeconds ?? 0)), MAX_REQUEST_BYTES),
      repoShallow: await readRepoShallow(repo),
      stats,
      counter: new LineCounter(settings.limits),
      slicer: new TimeSlicer(),
    };
    if (version === 2) await serveV2(ctx);
    else await serveV0(ctx, version === 1);
  } catch (err) {
    return await fail(session, channel, stats, err, log);
  } finally {
    objects?.close();
  }
  if (stats.wants > 0) log?.info({ protocol: version, ...stats, durationMs: Date.now() - startedAt }, 'fetch');
  return { exitCode: 0, objects: stats.objects, packBytes: stats.packBytes };
}

/**
 * A fatal error: tell the client (ERR packet, or band 3 once the pack
 * started) and the operator (stderr, log), then exit status 128.
 */
async function fail(
  session: UploadPackSession,
  channel: SidebandWriter,
  stats: UploadContext['stats'],
  err: unknown,
  log: UploadPackSession['log'],
): Promise<UploadPackOutcome> {
  const outcome = { exitCode: 128, objects: stats.objects, packBytes: stats.packBytes };
  if (err instanceof ClientGoneError) {
    log?.info({ ...stats }, 'fetch abandoned by the client');
    return outcome;
  }
  const known = err instanceof PushgateError;
  if (known) log?.warn({ err: { code: err.code, message: err.message } }, 'fetch refused');
  else log?.error({ err }, 'upload-pack failed');
  // The detail (paths, stacks) is for the log only.
  const message = known ? err.message : 'internal server error; the server log has the details';
  await channel.fatal(message);
  const stderr = session.stderr;
  if (stderr && !stderr.destroyed) stderr.write(`fatal: ${message}\n`);
  return outcome;
}

async function writeOrIgnore(channel: SidebandWriter, bytes: Buffer): Promise<void> {
  try {
    await channel.write(bytes);
  } catch (error) {
    if (!(error instanceof ClientGoneError)) throw error;
  }
}
