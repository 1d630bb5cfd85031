import type { ObjectReader } from '../objects/object-reader.js';
import { readerFactSource } from '../policy/namespace-facts.js';
import { evaluateNamespaceRules } from '../policy/namespace-facts.js';
import type { ResponseWriter } from '../protocol/response-writer.js';
import { isAncestor } from '../repo/graph.js';
import type { ReceiveCommand } from './command.js';
import type { ReceiveSettings } from './settings.js';
import type { ReceivePackSession } from './types.js';

/**
 * pushgate's own rules, before pre-receive: the namespace rules when the
 * repository switches them on. Returns the commands these rules refused, so
 * that pre-receive is not told about them.
 */
export async function runPolicyStage(ctx: {
  commands: ReceiveCommand[];
  objects: ObjectReader;
  settings: ReceiveSettings;
  writer: ResponseWriter;
  session: ReceivePackSession;
}): Promise<Set<ReceiveCommand>> {
  const refused = new Set<ReceiveCommand>();
  if (!ctx.settings.namespaceRules) return refused;
  const source = readerFactSource(ctx.objects, (ancestor, descendant) => isAncestor(ctx.objects, ancestor, descendant));
  for (const command of ctx.commands) {
    if (!command.pending) continue;
    const rejection = await evaluateNamespaceRules(command, source);
    if (!rejection) continue;
    ctx.writer.error(`${command.refName}: refused by namespace rule '${rejection.rule}' (pushgate.namespaceRules)`);
    ctx.writer.error(rejection.explanation);
    command.reject(rejection.reason, `namespace:${rejection.rule}`);
    refused.add(command);
  }
  return refused;
}
