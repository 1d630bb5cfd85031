import type { Decider } from '../audit-record.js';
import type { ObjectReader } from '../objects/object-reader.js';
import { checkUpdates, type Refusal } from '../policy/index.js';
import { evaluateNamespaceRules, readerFactSource } from '../policy/index.js';
import type { ResponseWriter } from './response-writer.js';
import { isAncestor } from '../repo/graph.js';
import type { Quarantine } from '../repo/types.js';
import type { ReceiveCommand } from './command.js';
import type { ReceiveSettings } from './settings.js';
import type { ReceivePackSession } from './types.js';

export interface PolicyStageContext {
  commands: ReceiveCommand[];
  /** The quarantine layered over the repository. */
  objects: ObjectReader;
  settings: ReceiveSettings;
  writer: ResponseWriter;
  session: ReceivePackSession;
  /** The push's quarantine: what arrived with it is "new". Without it, new = not yet in the repository. */
  quarantine?: Quarantine;
  /** Sizes of pushed objects the indexer recorded, when it did (saves reading blobs for maxBlobSize). */
  objectSizes?: (oid: string) => number | undefined;
}

/**
 * pushgate's own rules, before pre-receive: first the namespace rules when
 * the repository's config switches them on (`pushgate.namespaceRules`), then
 * the repository's protection rules from the session's PolicySource.
 * Returns the commands these rules refused, so that pre-receive is not told
 * about them.
 */
export async function runPolicyStage(ctx: PolicyStageContext): Promise<Set<ReceiveCommand>> {
  const refused = new Set<ReceiveCommand>();
  if (ctx.settings.namespaceRules) await runConfiguredNamespaceRules(ctx, refused);
  await runProtectionRules(ctx, refused);
  return refused;
}

async function runConfiguredNamespaceRules(ctx: PolicyStageContext, refused: Set<ReceiveCommand>): Promise<void> {
  const source = readerFactSource(ctx.objects, (ancestor, descendant) => isAncestor(ctx.objects, ancestor, descendant));
  for (const command of ctx.commands) {
    if (!command.pending) continue;
    let rejection = null;
    for (const update of updatesOf(command)) rejection ??= await evaluateNamespaceRules(update, source);
    if (!rejection) continue;
    ctx.writer.error(`${command.refName}: refused by namespace rule '${rejection.rule}' (pushgate.namespaceRules)`);
    ctx.writer.error(rejection.explanation);
    command.reject(rejection.reason, `namespace:${rejection.rule}`);
    refused.add(command);
  }
}

async function runProtectionRules(ctx: PolicyStageContext, refused: Set<ReceiveCommand>): Promise<void> {
  const { session, writer } = ctx;
  const policy = session.policy;
  const pending = ctx.commands.filter((c) => c.pending);
  if (!policy || pending.length === 0) return;

  let rules;
  try {
    rules = await policy.rulesFor(session.repoName);
  } catch (err) {
    // Fail closed: a push must not get past protection because the rules could not be read.
    session.log?.error({ err }, 'protection rules could not be read');
    writer.error("the repository's protection rules could not be read; try again later");
    for (const command of pending) refuse(command, 'policy unavailable', 'policy:unavailable', refused);
    return;
  }
  if (rules.length === 0) return;

  const repoObjects = session.repo.objects;
  const isNew = ctx.quarantine
    ? (oid: string) => ctx.quarantine!.isIncoming(oid)
    : async (oid: string) => !(await repoObjects.has(oid));
  // An update through a symref is judged under both names: the one pushed and the one written.
  const updates = pending.flatMap((command) => updatesOf(command).map((update) => ({ command, update })));
  const { verdicts: all } = await checkUpdates({
    updates: updates.map((u) => u.update),
    rules,
    identity: session.identity,
    objects: ctx.objects,
    isNew,
    knownSize: ctx.objectSizes,
    // What the rules already cover: commits staged elsewhere are judged when they reach a covered ref.
    refs: await session.repo.refs.list(),
  });
  // The first refusal under any of a command's names decides (one pass: a search per command would be quadratic).
  const verdicts = new Map<ReceiveCommand, Refusal>();
  all.forEach((verdict, i) => {
    const { command } = updates[i]!;
    if (verdict && !verdicts.has(command)) verdicts.set(command, verdict);
  });
  pending.forEach((command) => {
    const refusal = verdicts.get(command);
    if (!refusal) return;
    for (const line of refusal.lines) writer.error(line);
    session.log?.info({ ref: command.refName, rule: refusal.ruleNumber, check: refusal.check }, 'refused by a protection rule');
    refuse(command, refusal.reason, refusal.decidedBy, refused);
  });
}

function refuse(command: ReceiveCommand, reason: string, decidedBy: Decider, refused: Set<ReceiveCommand>): void {
  command.reject(reason, decidedBy);
  refused.add(command);
}

/** The update under each name it goes by (see ReceiveCommand.names). */
function updatesOf(command: ReceiveCommand): { refName: string; oldOid: string; newOid: string }[] {
  return command.names.map((refName) => ({ refName, oldOid: command.oldOid, newOid: command.newOid }));
}
