import type { Logger } from 'pino';
import type { ResponseWriter } from '../protocol/response-writer.js';
import type { Quarantine } from '../repo/types.js';
import { applyRefUpdates } from './apply-updates.js';
import { runBuiltinChecks } from './builtin-checks.js';
import type { ReceiveCommand } from './command.js';
import type { PushedObjects } from './pushed-objects.js';
import { checkPushConnectivity } from './connectivity.js';
import { isHiddenRef } from '../repo/hidden-refs.js';
import { HookRunner, PRE_RECEIVE_DECLINED, UPDATE_HOOK_DECLINED, updateHookDeclinedMessage } from './hooks/index.js';
import { runPolicyStage } from './policy-stage.js';
import type { ReceiveSettings } from './settings.js';
import type { ReceivePackSession } from './types.js';
import { hookContextOf } from './hook-context.js';

export interface ProcessContext {
  session: ReceivePackSession;
  settings: ReceiveSettings;
  commands: ReceiveCommand[];
  quarantine?: Quarantine;
  /** What the pack brought, as the indexer saw it (absent for delete-only pushes). */
  pushed?: PushedObjects;
  shallow: string[];
  pushOptions: string[];
  atomic: boolean;
  writer: ResponseWriter;
  log?: Logger;
  /** Aborted when the client goes away: running pre-receive/update hooks are killed. */
  clientGone?: AbortSignal;
}

/**
 * Everything between an unpacked pack and the report, in git's order:
 * connectivity → hidden refs → pushgate rules → pre-receive → migrate →
 * per ref (built-in checks, update hook) → ref transaction. pushgate's own
 * rules run before pre-receive, so the hook is not told about an update a
 * rule refused (git's own earlier refusals are still shown to it, as git does).
 */
export async function processCommands(ctx: ProcessContext): Promise<void> {
  const { session, settings, commands, quarantine, writer } = ctx;
  const repo = session.repo;
  const objects = quarantine?.objects ?? repo.objects;

  await checkPushConnectivity(commands, objects, quarantine, ctx.pushed, ctx.shallow.length > 0, writer);

  for (const command of commands) {
    if (command.pending && isHiddenRef(command.refName, settings.hideRefs)) {
      command.reject(command.type === 'delete' ? 'deny deleting a hidden ref' : 'deny updating a hidden ref', 'receive.hideRefs');
    }
  }

  const refusedByRules = await runPolicyStage({
    commands,
    objects,
    settings,
    writer,
    session,
    quarantine,
    objectSizes: ctx.pushed ? (oid) => ctx.pushed!.sizeOf(oid) : undefined,
  });
  failAllIfAtomic(ctx);

  const hookContext = hookContextOf(session, ctx.pushOptions, writer);
  const hooks = new HookRunner({
    gitDir: repo.gitDir,
    config: repo.config,
    output: (chunk) => writer.hookOutput(chunk),
    env: session.hookEnv,
    onHint: (line) => writer.text(`hint: ${line}\n`),
    signal: ctx.clientGone,
  });

  if (commands.some((c) => c.pending)) {
    const told = commands.filter((c) => !refusedByRules.has(c));
    const preReceive = await hooks.preReceive(told, {
      pushOptions: ctx.pushOptions,
      quarantineEnv: quarantine?.hookEnvironment(),
    });
    if (!preReceive.ok) {
      for (const c of commands) if (c.pending) c.reject(PRE_RECEIVE_DECLINED, 'hook:pre-receive');
      return;
    }
    if (session.hooks?.preReceive) {
      await session.hooks.preReceive(
        hookContext,
        commands.filter((c) => c.pending),
      );
      failAllIfAtomic(ctx);
    }
  }
  if (!commands.some((c) => c.pending)) return;

  if (quarantine) {
    try {
      await quarantine.migrate();
      await repo.objects.refresh();
    } catch (err) {
      ctx.log?.error({ err }, 'quarantine migration failed');
      for (const c of commands) if (c.pending) c.reject('unable to migrate objects to permanent storage', 'quarantine-migration');
      return;
    }
  }

  const headTarget = await repo.refs.readSymbolic('HEAD');
  const corruptDeletes = new Map<ReceiveCommand, string | null>();
  for (const command of commands) {
    if (!command.pending) continue;
    let passed = await runBuiltinChecks(command, { objects: repo.objects, settings, headTarget, writer });
    if (passed) {
      const update = await hooks.update(command);
      if (!update.ok) {
        writer.error(updateHookDeclinedMessage(command.refName));
        command.reject(UPDATE_HOOK_DECLINED, 'hook:update');
        passed = false;
      }
    }
    if (passed && session.hooks?.update) {
      await session.hooks.update(hookContext, command);
      passed = command.pending;
    }
    if (passed && command.type === 'delete' && !(await repo.objects.has(command.oldOid))) {
      corruptDeletes.set(command, await repo.refs.resolve(command.refName));
    }
    if (!passed && ctx.atomic) break; // git stops at the first failure of an atomic push
  }
  failAllIfAtomic(ctx);
  await applyRefUpdates(commands, repo.refs, { atomic: ctx.atomic, writer, corruptDeletes });
}

/**
 * An atomic push is all-or-nothing: once any command is refused, every
 * other pending one fails with git's `atomic push failure`. (git itself lets
 * the others through when the refusal came before its ref transaction, e.g.
 * a hidden ref; pushgate keeps the all-or-nothing promise instead.)
 */
function failAllIfAtomic(ctx: ProcessContext): void {
  if (!ctx.atomic || !ctx.commands.some((c) => c.status === 'rejected')) return;
  for (const c of ctx.commands) if (c.pending) c.reject('atomic push failure', 'atomic');
}
