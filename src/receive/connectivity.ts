import type { ObjectReader } from '../objects/object-reader.js';
import type { ResponseWriter } from './response-writer.js';
import { checkConnectivity } from '../repo/graph.js';
import type { Quarantine } from '../repo/types.js';
import type { ReceiveCommand } from './command.js';
import type { PushedObjects } from './pushed-objects.js';

/**
 * Every new tip must be complete: all it reaches is in the quarantine or the
 * repository (git's rev-list --objects … --not --all). The repository was
 * complete before the push, so an object already in it only has to exist:
 * the cost grows with the push, not with the history. Usually what the
 * indexer saw settles it (every pointer of the pack satisfied); only when it
 * does not are the tips walked one by one to say which are incomplete.
 */
export async function checkPushConnectivity(
  commands: ReceiveCommand[],
  objects: ObjectReader,
  quarantine: Quarantine | undefined,
  pushed: PushedObjects | undefined,
  clientIsShallow: boolean,
  writer: ResponseWriter,
): Promise<void> {
  const tips = commands.filter((c) => c.pending && c.type !== 'delete');
  if (tips.length === 0) return;
  if (
    pushed &&
    (await pushed.isSelfConsistent(
      objects,
      tips.map((c) => c.newOid),
    ))
  )
    return;
  const incomplete = new Set(
    await checkConnectivity(
      objects,
      tips.map((c) => c.newOid),
      [],
      quarantine ? { isNew: (oid) => quarantine.isIncoming(oid) } : {},
    ),
  );
  for (const command of tips) {
    if (!incomplete.has(command.newOid)) continue;
    // A shallow client's history ends at its shallow roots; git refuses those
    // pushes with this reason unless receive.shallowUpdate is set.
    if (clientIsShallow) {
      command.reject('shallow update not allowed', 'git:shallow');
    } else {
      writer.error(`${command.newOid}: missing necessary objects for ${command.refName}`);
      command.reject('missing necessary objects', 'git:connectivity');
    }
  }
}
