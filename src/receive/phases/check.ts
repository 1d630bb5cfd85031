import { isHiddenRef } from '../../repo/hidden-refs.js';
import { checkPushConnectivity } from '../connectivity.js';
import { runPolicyStage } from '../policy-stage.js';
import { isFunnyRefName } from '../builtin-checks.js';
import type { ReceiveCommand } from '../command.js';
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
  await resolveSymrefs(push);

  for (const command of commands) {
    if (command.pending && command.names.some((name) => isHiddenRef(name, settings.hideRefs))) {
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

/**
 * Pushing to a symref writes its target, as git does; from here on every
 * check guards both names (ReceiveCommand.names). Two commands that reach
 * the same ref must agree (git's check_aliased_updates): if they do, the
 * symref's command follows its target's result; if not, both are refused.
 */
async function resolveSymrefs(push: Push): Promise<void> {
  for (const command of push.commands) {
    if (!command.pending || isFunnyRefName(command.refName)) continue;
    const target = await push.repo.refs.resolveName(command.refName);
    if (target !== undefined) command.writesThrough(target);
    else {
      push.out.error(`refusing update to broken symref '${command.refName}'`);
      command.reject('broken symref', 'git:aliased-update');
    }
  }
  const byName = new Map<string, ReceiveCommand>();
  for (const command of push.commands) if (command.writtenRef === command.refName) byName.set(command.refName, command);
  for (const alias of push.commands) {
    const target = alias.writtenRef !== alias.refName ? byName.get(alias.writtenRef) : undefined;
    if (!target || !alias.pending) continue;
    if (target.oldOid === alias.oldOid && target.newOid === alias.newOid) {
      push.aliases.set(alias, target);
      continue;
    }
    const short = (oid: string) => oid.slice(0, 7);
    push.out.error(
      `refusing inconsistent update between symref '${alias.refName}' (${short(alias.oldOid)}..${short(alias.newOid)}) and` +
        ` its target '${target.refName}' (${short(target.oldOid)}..${short(target.newOid)})`,
    );
    alias.reject('inconsistent aliased update', 'git:aliased-update');
    target.reject('inconsistent aliased update', 'git:aliased-update');
  }
}
