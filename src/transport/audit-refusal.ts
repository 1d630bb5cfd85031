import type { AuditSink } from '../audit-record.js';
import type { Identity, Transport } from '../identity.js';

/**
 * A push refused before receive-pack ran (bad credentials, no permission,
 * no such repository) is still a push attempt: it goes into the audit log
 * with no refs and the reason. Audit trouble never changes the answer.
 */
export async function auditRefusedPush(
  audit: AuditSink | undefined,
  attempt: { repo: string; transport: Transport; identity?: Identity; remoteAddress?: string; reason: string },
): Promise<void> {
  if (!audit) return;
  const startedAt = new Date();
  try {
    const id = await audit.begin({ ...attempt, startedAt });
    await audit.complete(id, {
      repo: attempt.repo,
      transport: attempt.transport,
      identity: attempt.identity,
      remoteAddress: attempt.remoteAddress,
      startedAt,
      capabilities: [],
      pushOptions: [],
      commands: [],
      result: 'rejected',
      error: attempt.reason,
      packBytes: 0,
      packObjects: 0,
      durationMs: Date.now() - startedAt.getTime(),
    });
  } catch {
    // The refusal stands either way; the sink logs its own failures.
  }
}
