import type { AuditSink, CommandRecord, PushIntent, PushRecord } from '../audit-record.js';

/**
 * The one place a PushRecord is built: for a push that reached receive-pack
 * and for an attempt a transport refused before it did.
 */
export function buildPushRecord(
  intent: PushIntent,
  outcome: Partial<Omit<PushRecord, keyof PushIntent | 'result' | 'durationMs'>> & Pick<PushRecord, 'result'>,
): PushRecord {
  return {
    repo: intent.repo,
    transport: intent.transport,
    identity: intent.identity,
    remoteAddress: intent.remoteAddress,
    startedAt: intent.startedAt,
    agent: outcome.agent,
    capabilities: outcome.capabilities ?? [],
    pushOptions: outcome.pushOptions ?? [],
    commands: outcome.commands ?? ([] as CommandRecord[]),
    result: outcome.result,
    error: outcome.error,
    packBytes: outcome.packBytes ?? 0,
    packObjects: outcome.packObjects ?? 0,
    durationMs: Date.now() - intent.startedAt.getTime(),
  };
}

/**
 * A push refused before receive-pack ran (bad credentials, no permission,
 * no such repository) is still a push attempt: it goes into the audit log
 * with no refs and the reason. Audit trouble never changes the answer.
 */
export async function recordRefusedAttempt(
  audit: AuditSink | undefined,
  attempt: Omit<PushIntent, 'startedAt'> & { reason: string },
): Promise<void> {
  if (!audit) return;
  const { reason, ...rest } = attempt;
  const intent: PushIntent = { ...rest, startedAt: new Date() };
  try {
    const id = await audit.begin(intent);
    await audit.complete(id, buildPushRecord(intent, { result: 'rejected', error: reason }));
  } catch {
    // The refusal stands either way; the sink logs its own failures.
  }
}
