import { isHiddenRef } from '../../repo/hidden-refs.js';
import { checkPushConnectivity } from '../connectivity.js';
import { runPolicyStage } from '../policy-stage.js';
import type { Push } from '../push.js';

/**
 * Phase 4, in git's order and then pushgate's: connectivity (every new tip
 * complete), hidden refs, then pushgate's rules (namespace rules and
 * branch protection). Rules run before pre-receive, so the hook is not told
 * about an update a rule refused; git's own earlier refusals are still shown
 * to it, as git does.
 */
export async function check(push: Push): Promise<void> {
  if (push.unpackStatus !== 'ok' || push.auditUnavailable) return;
  const { commands, settings, quarantine } = push;
  const objects = quarantine?.objects ?? push.repo.objects;
  const shallowClient = push.request!.shallow.length > 0;
  await checkPushConnectivity(commands, objects, quarantine, push.pushed, shallowClient, push.out);

  for (const command of commands) {
    if (command.pending && isHiddenRef(command.refName, settings.hideRefs)) {
      command.reject(command.type === 'delete' ? 'deny deleting a hidden ref' : 'deny updating a hidden ref', 'receive.hideRefs');
    }
  }

  const pushed = push.pushed;
  const refused = await runPolicyStage({
    commands,
    objects,
    settings,
    writer: push.out,
    session: push.session,
    quarantine,
    objectSizes: pushed ? (oid) => pushed.sizeOf(oid) : undefined,
  });
  for (const command of refused) push.refusedByRules.add(command);
  push.failAllIfAtomic();
}
