import { PushgateError } from '../errors.js';
import { ByteReader } from '../protocol/byte-reader.js';
import { pktLine } from '../protocol/pkt-line.js';
import { PktLineReader } from '../protocol/pkt-line-reader.js';
import { encodeReportStatus } from '../protocol/report-status.js';
import { ResponseWriter } from '../protocol/response-writer.js';
import { BAND_ERROR, sidebandPackets } from '../protocol/sideband.js';
import { readPushOptions, readUpdateRequest, type UpdateRequest } from '../protocol/update-request.js';
import type { Quarantine } from '../repo/types.js';
import { buildAdvertisement, wantsVersion1 } from './advertise.js';
import { ReceiveCommand } from './command.js';
import { ingestPack } from './ingest.js';
import type { PushedObjects } from './pushed-objects.js';
import { processCommands } from './process-commands.js';
import { runPostHooks } from './post-hooks.js';
import { readReceiveSettings } from './settings.js';
import type { PushRecord } from '../audit-record.js';
import type { ReceivePackOutcome, ReceivePackSession } from './types.js';
import { writeToStream } from './write-stream.js';

/**
 * git-receive-pack, transport-agnostic: advertise → read commands → ingest
 * the pack into a quarantine → checks, policy, hooks → ref transaction →
 * audit → report → post hooks. Never throws for bad input: protocol errors end
 * the exchange with a message and exit status 128, as git does.
 */
export async function receivePack(session: ReceivePackSession): Promise<ReceivePackOutcome> {
  const startedAt = new Date();
  const { repo } = session;
  await repo.reloadConfig();
  const settings = readReceiveSettings(repo.config);
  const log = session.log?.child({ repo: session.repoName, transport: session.transport, user: session.identity?.username });

  if (!session.statelessRpc || session.advertiseOnly) {
    const advertisement = await buildAdvertisement(repo, settings, { version1: wantsVersion1(session.gitProtocol) });
    await writeToStream(session.output, advertisement);
    if (session.advertiseOnly) return { exitCode: 0, commands: [] };
  }

  const bytes = new ByteReader(session.input);
  const packets = new PktLineReader(bytes, settings.maxCommandBytes);
  let request: UpdateRequest | null;
  try {
    request = await readUpdateRequest(packets, repo.algo);
  } catch (err) {
    return failConnection(session, err, undefined, log);
  }
  if (!request) return { exitCode: 0, commands: [] }; // a flush alone: git answers nothing

  const caps = request.capabilities;
  const writer = new ResponseWriter(session.output, {
    sideband: caps.has('side-band-64k'),
    stderr: session.stderr,
    keepAliveSeconds: settings.keepAliveSeconds,
  });
  const commands = request.commands.map((c) => new ReceiveCommand(c.refName, c.oldOid, c.newOid));
  const usePushOptions = caps.has('push-options') && settings.advertisePushOptions;
  let pushOptions: string[] = [];
  try {
    if (usePushOptions) pushOptions = await readPushOptions(packets);
  } catch (err) {
    return failConnection(session, err, writer, log);
  }

  // No record, no push: if the audit log cannot take the intent, nothing is ingested or applied.
  let auditId: string | undefined;
  let auditUnavailable = false;
  if (session.audit) {
    try {
      auditId = await session.audit.begin({
        repo: session.repoName,
        transport: session.transport,
        identity: session.identity,
        remoteAddress: session.remoteAddress,
        startedAt,
      });
    } catch (err) {
      log?.error({ err }, 'audit log unavailable; push refused');
      auditUnavailable = true;
      writer.error('the server cannot record pushes right now; nothing was changed, try again later');
      for (const c of commands) c.reject('audit log unavailable', 'audit-unavailable');
    }
  }

  let unpackStatus = 'ok';
  let packBytes = 0;
  let packObjects = 0;
  let quarantine: Quarantine | undefined;
  let pushed: PushedObjects | undefined;
  let internalError: unknown;
  // A client that hangs up mid-push gets its running pre-receive/update hooks killed, which declines the push.
  const clientGone = new AbortController();
  const onGone = () => clientGone.abort();
  session.output.once('close', onGone);
  try {
    if (!auditUnavailable && commands.some((c) => c.type !== 'delete')) {
      try {
        quarantine = await repo.createQuarantine();
      } catch (err) {
        log?.error({ err }, 'cannot create quarantine');
        unpackStatus = 'unable to create temporary object directory';
      }
      if (quarantine) {
        const ingest = await ingestPack({ bytes, quarantine, settings, writer, quiet: caps.has('quiet') });
        packBytes = ingest.bytes;
        if (ingest.ok) {
          packObjects = ingest.objects;
          pushed = ingest.pushed;
        } else unpackStatus = ingest.status;
      }
      if (unpackStatus !== 'ok') for (const c of commands) c.reject('unpacker error', 'unpack');
    }
    writer.startKeepalive();
    if (unpackStatus === 'ok' && !auditUnavailable) {
      await processCommands({
        session,
        settings,
        commands,
        quarantine,
        pushed,
        shallow: request.shallow,
        pushOptions,
        atomic: caps.has('atomic') && settings.advertiseAtomic,
        writer,
        log,
        clientGone: clientGone.signal,
      });
    }
  } catch (err) {
    internalError = err;
    log?.error({ err }, 'receive-pack failed');
    writer.error(`internal server error: ${err instanceof Error ? err.message : String(err)}`);
    for (const c of commands) if (c.pending) c.reject('internal server error', 'internal-error');
  } finally {
    session.output.off('close', onGone);
    await quarantine?.discard().catch((err) => log?.warn({ err }, 'quarantine not removed'));
  }

  const record: PushRecord = {
    repo: session.repoName,
    transport: session.transport,
    identity: session.identity,
    remoteAddress: session.remoteAddress,
    startedAt,
    agent: caps.value('agent'),
    capabilities: caps.list(),
    pushOptions,
    commands: commands.map((c) => c.toJSON()),
    result: pushResult(unpackStatus, commands, internalError),
    error: unpackStatus !== 'ok' ? `unpack ${unpackStatus}` : internalError ? String(internalError) : undefined,
    packBytes,
    packObjects,
    durationMs: Date.now() - startedAt.getTime(),
  };
  // The record is durable before the client hears `ok`.
  if (auditId !== undefined) {
    await session.audit!.complete(auditId, record).catch((err) => log?.error({ err }, 'audit record not completed'));
  }

  if (caps.has('report-status') || caps.has('report-status-v2')) {
    writer.data(
      encodeReportStatus(
        unpackStatus,
        commands.map((c) => ({ refName: c.refName, error: c.status === 'ok' ? undefined : (c.reason ?? 'failed') })),
      ),
    );
  }
  await runPostHooks({ session, commands, pushOptions, writer, log });
  await writer.finish();
  log?.info(
    {
      refs: commands.map((c) => `${c.refName}:${c.status === 'ok' ? 'ok' : c.reason}`),
      bytes: packBytes,
      objects: packObjects,
      durationMs: record.durationMs,
      result: record.result,
    },
    'push',
  );
  return { exitCode: 0, commands };
}

function pushResult(unpackStatus: string, commands: ReceiveCommand[], internalError: unknown): PushRecord['result'] {
  if (unpackStatus !== 'ok' || internalError) return 'failed';
  const ok = commands.filter((c) => c.status === 'ok').length;
  return ok === commands.length ? 'accepted' : ok === 0 ? 'rejected' : 'partial';
}

/**
 * A fatal protocol error: tell the client why (ERR pkt-line, or band 3 once
 * side-band is on) and the operator (stderr), then end with status 128.
 */
async function failConnection(
  session: ReceivePackSession,
  err: unknown,
  writer: ResponseWriter | undefined,
  log: ReceivePackSession['log'],
): Promise<ReceivePackOutcome> {
  if (!(err instanceof PushgateError)) throw err;
  log?.warn({ err: { code: err.code, message: err.message } }, 'push refused: protocol error');
  const message = err.message;
  if (writer?.sideband) {
    await writer.flush();
    for (const p of sidebandPackets(BAND_ERROR, Buffer.from(`${message}\n`))) await writeToStream(session.output, p);
  } else {
    await writeToStream(session.output, pktLine(`ERR ${message}\n`));
  }
  if (session.stderr) await writeToStream(session.stderr, Buffer.from(`fatal: ${message}\n`));
  return { exitCode: 128, commands: [] };
}
