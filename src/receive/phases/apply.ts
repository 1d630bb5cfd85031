import { applyRefUpdates } from '../apply-updates.js';
import { runBuiltinChecks } from '../builtin-checks.js';
import type { ReceiveCommand } from '../command.js';
import { UPDATE_HOOK_DECLINED, updateHookDeclinedMessage } from '../hooks/index.js';
import { ObjectsNotKeptError } from '../object-keeper.js';
import type { Push } from '../push.js';

/**
 * Phase 6. Per ref, in git's order, git's checks (funny refname,
 * denyCurrentBranch, denyDeletes, denyDeleteCurrent, denyNonFastForwards),
 * the update hook and in-process update hooks, all reading the objects where
 * they are (still in the quarantine); then the ref transaction
 * (compare-and-swap per ref, or one all-or-nothing transaction for
 * --atomic). The objects leave the quarantine only inside it, once the first
 * ref that needs them is locked and checked: a push whose every update is
 * refused leaves nothing behind, nor does a pack that adds nothing.
 */
export async function apply(push: Push): Promise<void> {
  if (push.unpackStatus !== 'ok' || push.auditUnavailable || !push.hasPending) return;
  const { repo, settings, keeper } = push;
  const headTarget = await repo.refs.readSymbolic('HEAD');
  const corruptDeletes = new Map<ReceiveCommand, string | null>();
  const inProcessUpdate = push.session.hooks?.update;
  for (const command of push.commands) {
    if (!command.pending || push.aliases.has(command)) continue;
    let passed = await runBuiltinChecks(command, { objects: keeper.objects, settings, headTarget, writer: push.out });
    if (passed) {
      const update = await push.hooks.update(command, { objectEnv: keeper.objectEnvironment() });
      if (!update.ok) {
        push.out.error(updateHookDeclinedMessage(command.refName));
        command.reject(UPDATE_HOOK_DECLINED, 'hook:update');
        passed = false;
      }
    }
    if (passed && inProcessUpdate) {
      await inProcessUpdate(push.hookContext(), command);
      passed = command.pending;
    }
    if (passed && command.type === 'delete' && !(await keeper.objects.has(command.oldOid))) {
      // git's update(): a delete whose old object is missing is of a corrupt ref, or of one that does not exist.
      corruptDeletes.set(command, await repo.refs.resolve(command.refName));
    }
    if (!passed && push.atomic) break; // git stops at the first failure of an atomic push
  }
  push.failAllIfAtomic();
  const written = push.commands.filter((c) => !push.aliases.has(c));
  try {
    await applyRefUpdates(written, repo.refs, { atomic: push.atomic, writer: push.out, corruptDeletes, keeper });
  } catch (err) {
    if (!(err instanceof ObjectsNotKeptError)) throw err;
    push.log?.error({ err: err.cause }, 'quarantine migration failed');
    push.rejectPending(err.message, 'quarantine-migration');
  }
  // A symref's command, when its target was in the same push with the same ids, has the target's result.
  for (const [alias, target] of push.aliases) {
    if (target.ok) alias.accept();
    else alias.reject(target.reason ?? 'failed', target.decidedBy ?? 'ref-transaction');
  }
}
