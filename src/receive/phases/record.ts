import type { PushIntent, PushRecord } from '../../audit-record.js';
import type { ReceiveCommand } from '../command.js';
import type { Push } from '../push.js';
import { buildPushRecord } from '../push-record.js';

function intentOf(push: Push): PushIntent {
  const { session } = push;
  return {
    repo: session.repoName,
    transport: session.transport,
    identity: session.identity,
    remoteAddress: session.remoteAddress,
    startedAt: push.startedAt,
  };
}

/**
 * Phase 3 (opening). No record, no push: the audit intent is durable before
 * anything is ingested; if the log cannot take it, every command is refused
 * and nothing is ingested or applied.
 */
export async function beginRecord(push: Push): Promise<void> {
  const audit = push.session.audit;
  if (!audit) return;
  try {
    push.auditId = await audit.begin(intentOf(push));
  } catch (err) {
    push.log?.error({ err }, 'audit log unavailable; push refused');
    push.auditUnavailable = true;
    push.out.error('the server cannot record pushes right now; nothing was changed, try again later');
    push.rejectPending('audit log unavailable', 'audit-unavailable');
  }
}

/** The push as the audit log keeps it, from the same commands the report is written from. */
export function recordOf(push: Push): PushRecord {
  const caps = push.request!.capabilities;
  const unpackFailed = push.unpackStatus !== 'ok';
  return buildPushRecord(intentOf(push), {
    agent: caps.value('agent'),
    capabilities: caps.list(),
    pushOptions: push.pushOptions,
    commands: push.commands.map((c) => c.toJSON()),
    result: resultOf(push.unpackStatus, push.commands, push.internalError),
    error: unpackFailed ? `unpack ${push.unpackStatus}` : push.internalError ? String(push.internalError) : undefined,
    packBytes: push.packBytes,
    packObjects: push.packObjects,
  });
}

/** Phase 7. The record is completed, durably, before the client hears `ok`. */
export async function completeRecord(push: Push, record: PushRecord): Promise<void> {
  if (push.auditId === undefined) return;
  await push.session.audit!.complete(push.auditId, record).catch((err) => push.log?.error({ err }, 'audit record not completed'));
}

function resultOf(unpackStatus: string, commands: ReceiveCommand[], internalError: unknown): PushRecord['result'] {
  if (unpackStatus !== 'ok' || internalError) return 'failed';
  const ok = commands.filter((c) => c.ok).length;
  return ok === commands.length ? 'accepted' : ok === 0 ? 'rejected' : 'partial';
}
