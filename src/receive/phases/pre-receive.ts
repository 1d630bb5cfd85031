import { PRE_RECEIVE_DECLINED } from '../hooks/index.js';
import type { Push } from '../push.js';

/**
 * Phase 5. The pre-receive hook with the quarantine environment (told about
 * every command but those pushgate's rules refused), then in-process
 * preReceive hooks. A refusal of the hook declines every pending command.
 */
export async function preReceive(push: Push): Promise<void> {
  if (push.unpackStatus !== 'ok' || push.auditUnavailable || !push.hasPending) return;
  const told = push.commands.filter((c) => !push.refusedByRules.has(c));
  const result = await push.hooks.preReceive(told, {
    pushOptions: push.pushOptions,
    quarantineEnv: push.quarantine?.hookEnvironment(),
  });
  if (!result.ok) {
    push.rejectPending(PRE_RECEIVE_DECLINED, 'hook:pre-receive');
    return;
  }
  const inProcess = push.session.hooks?.preReceive;
  if (inProcess) {
    await inProcess(
      push.hookContext(),
      push.commands.filter((c) => c.pending),
    );
    push.failAllIfAtomic();
  }
}
