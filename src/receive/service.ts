import { maintainAfterPush } from '../maintenance/index.js';
import { advertise } from './phases/advertise.js';
import { apply } from './phases/apply.js';
import { check } from './phases/check.js';
import { ingest } from './phases/ingest.js';
import { runPostHooks } from './phases/post-hooks.js';
import { preReceive } from './phases/pre-receive.js';
import { readCommands } from './phases/read.js';
import { beginRecord, completeRecord, recordOf } from './phases/record.js';
import { report } from './phases/report.js';
import { Push } from './push.js';
import { readReceiveSettings } from './settings.js';
import type { ReceivePackOutcome, ReceivePackSession } from './types.js';

/**
 * git-receive-pack, transport-agnostic: one Push taken through its phases
 * in order (phases/*.ts, one file each). Never throws for bad input:
 * protocol errors end the exchange with a message and exit status 128, as
 * git does.
 */
export async function receivePack(session: ReceivePackSession): Promise<ReceivePackOutcome> {
  // Re-read on every push, so that a repository an embedder keeps open picks up config changes.
  await session.repo.reloadConfig();
  const push = new Push(session, readReceiveSettings(session.repo.config));

  if (!(await advertise(push))) return push.outcome();
  const pack = await readCommands(push);
  if (!pack) return push.outcome();
  await beginRecord(push);

  const unwatch = push.watchClient();
  try {
    await ingest(push, pack);
    push.out.startKeepalive();
    await check(push);
    await preReceive(push);
    await apply(push);
  } catch (err) {
    push.internalError = err;
    push.log?.error({ err }, 'receive-pack failed');
    // The detail (paths, stacks) is for the log only.
    push.out.error('internal server error; the server log has the details');
    push.rejectPending('internal server error', 'internal-error');
  } finally {
    unwatch();
    await push.keeper.discard().catch((err) => push.log?.warn({ err }, 'quarantine not removed'));
  }

  const record = recordOf(push);
  await completeRecord(push, record);
  report(push);
  await runPostHooks(push);
  await push.out.finish();
  // As receive-pack's `git gc --auto`, but after the report and off the push's path: never awaited here.
  if (session.autoMaintenance !== false && push.commands.some((command) => command.ok)) {
    void maintainAfterPush(session.repo.gitDir, { log: push.log });
  }
  push.log?.info(
    {
      refs: push.commands.map((c) => `${c.refName}:${c.ok ? 'ok' : c.reason}`),
      bytes: push.packBytes,
      objects: push.packObjects,
      durationMs: record.durationMs,
      result: record.result,
    },
    'push',
  );
  return push.outcome();
}
