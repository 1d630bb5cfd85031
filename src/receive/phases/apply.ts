import { applyRefUpdates } from '../apply-updates.js';
import { runBuiltinChecks } from '../builtin-checks.js';
import type { ReceiveCommand } from '../command.js';
import { UPDATE_HOOK_DECLINED, updateHookDeclinedMessage } from '../hooks/index.js';
import type { Push } from '../push.js';

/**
 * Phase 6. The objects leave the quarantine (unless the pack adds nothing
 * the repository lacks: then it is not kept); then per ref, in git's order,
 * git's checks (funny refname, denyCurrentBranch, denyDeletes,
 * denyDeleteCurrent, denyNonFastForwards), the update hook and in-process
 * update hooks; then the ref transaction (compare-and-swap per ref, or one
 * all-or-nothing transaction for --atomic).
 */
export async function apply(push: Push): Promise<void> {
  if (push.unpackStatus !== 'ok' || push.auditUnavailable || !push.hasPending) return;
  const { repo, settings, quarantine } = push;
  if (quarantine && push.pushed && (await push.pushed.addsTo(repo.objects))) {
    try {
      await quarantine.migrate();
      await repo.objects.refresh();
    } catch (err) {
      push.log?.error({ err }, 'quarantine migration failed');
      push.rejectPending('unable to migrate objects to permanent storage', 'quarantine-migration');
      return;
    }
  }

  const headTarget = await repo.refs.readSymbolic('HEAD');
  const corruptDeletes = new Map<ReceiveCommand, string | null>();
  const inProcessUpdate = push.session.hooks?.update;
  for (const command of push.commands) {
    if (!command.pending || push.aliases.has(command)) continue;
    let passed = await runBuiltinChecks(command, { objects: repo.objects, settings, headTarget, writer: push.out });
    if (passed) {
      const update = await push.hooks.update(command);
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
    if (passed && command.type === 'delete' && !(await repo.objects.has(command.oldOid))) {
      // git's update(): a delete whose old object is missing is of a corrupt ref, or of one that does not exist.
      corruptDeletes.set(command, await repo.refs.resolve(command.refName));
    }
    if (!passed && push.atomic) break; // git stops at the first failure of an atomic push
  }
  push.failAllIfAtomic();
  const written = push.commands.filter((c) => !push.aliases.has(c));
  await applyRefUpdates(written, repo.refs, { atomic: push.atomic, writer: push.out, corruptDeletes });
  // A symref's command, when its target was in the same push with the same ids, has the target's result.
  for (const [alias, target] of push.aliases) {
    if (target.ok) alias.accept();
    else alias.reject(target.reason ?? 'failed', target.decidedBy ?? 'ref-transaction');
  }
}
