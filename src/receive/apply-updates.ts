import type { ResponseWriter } from './response-writer.js';
import type { RefStore, RefUpdate } from '../repo/types.js';
import type { ReceiveCommand } from './command.js';
import type { ObjectKeeper } from './object-keeper.js';

/**
 * The ref transaction(s) for the commands still pending, with git 2.39's
 * outcomes: non-atomic = one compare-and-swap per command, a failure is
 * `failed to update ref`; atomic = one all-or-nothing transaction, a failure
 * is `atomic transaction failed` for every command. The ref layer's own
 * message goes to the client as an `error:` line, as git prints it. Throws
 * ObjectsNotKeptError when the objects cannot leave the quarantine (the
 * commands not yet decided are for the caller to refuse).
 */
export async function applyRefUpdates(
  commands: ReceiveCommand[],
  refs: RefStore,
  options: {
    atomic: boolean;
    writer: ResponseWriter;
    corruptDeletes: Map<ReceiveCommand, string | null>;
    /** Where the new objects are; it keeps them once the first ref that needs them passes its checks. */
    keeper: ObjectKeeper;
  },
): Promise<void> {
  const pending = commands.filter((c) => c.pending);
  if (pending.length === 0) return;
  const updates = new Map<ReceiveCommand, RefUpdate>();
  for (const command of pending) {
    let oldOid = command.oldOid;
    if (options.corruptDeletes.has(command)) {
      // git drops the old-value check here; we compare against what the ref holds now.
      const current = options.corruptDeletes.get(command);
      if (current === null) {
        options.writer.warning('deleting a non-existent ref');
        command.accept({ didNotExist: true });
        continue;
      }
      options.writer.warning('allowing deletion of corrupt ref');
      oldOid = current as string;
    }
    updates.set(command, { name: command.refName, oldOid, newOid: command.newOid });
  }
  const batch = [...updates];
  if (batch.length === 0) return;

  if (options.atomic) {
    const duplicate = firstDuplicate(batch.map(([, u]) => u.name));
    const failures = duplicate
      ? [{ kind: 'conflict' as const, message: `multiple updates for ref '${duplicate}' not allowed` }]
      : await refs.update(
          batch.map(([, u]) => u),
          { atomic: true, reflogMessage: 'push', objects: options.keeper.objects, beforeWrite: options.keeper.beforeWrite },
        );
    const failed = failures.filter((f) => f !== null);
    if (failed.length > 0) {
      // 'aborted' marks the updates that only failed because another one did; git prints nothing for them.
      for (const failure of failed) if (failure!.kind !== 'aborted') options.writer.error(failure!.message);
      for (const [command] of batch) command.reject('atomic transaction failed', 'ref-transaction');
      return;
    }
    for (const [command] of batch) command.accept();
    return;
  }

  // Non-atomic: in command order, so a second update of the same ref sees the first.
  for (const [command, update] of batch) {
    const [failure] = await refs.update([update], {
      atomic: false,
      reflogMessage: 'push',
      objects: options.keeper.objects,
      beforeWrite: options.keeper.beforeWrite,
    });
    if (failure) {
      options.writer.error(failure.message);
      command.reject('failed to update ref', 'ref-transaction');
    } else {
      command.accept();
    }
  }
}

function firstDuplicate(names: string[]): string | undefined {
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) return name;
    seen.add(name);
  }
  return undefined;
}
