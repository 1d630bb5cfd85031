import { ProtocolError } from '../errors.js';
import type { DeepenRequest } from '../protocol/upload-request.js';
import type { TimeSlicer } from '../time-slice.js';
import type { CommitStore } from './commit-store.js';

/** `deepen 2147483647`: what `git fetch --unshallow` sends (git's INFINITE_DEPTH). */
export const INFINITE_DEPTH = 0x7fffffff;

export interface ShallowPlan {
  /** Whether shallow/unshallow lines are sent (a deepen request was made). */
  send: boolean;
  /** New boundary commits: `shallow <oid>` lines. */
  shallow: string[];
  /** Client boundary commits whose history is now sent: `unshallow <oid>` lines. */
  unshallow: string[];
  /** Commits the walk treats as having no parents. */
  grafts: Set<string>;
  /** Parents of unshallowed commits: wanted too. */
  extraWants: string[];
  /** Unshallowed commits: the client has them. */
  extraHaves: string[];
}

export interface ShallowContext {
  commits: CommitStore;
  /** The wants peeled to commits. */
  wantCommits: readonly string[];
  /** Commits reachable from these are excluded by deepen-not. */
  deepenNotCommits: readonly string[];
  /** The repository's own `shallow` file. */
  repoShallow: ReadonlySet<string>;
  /** The session's: the walks below take as long as the history, in slices. */
  slicer: TimeSlicer;
}

/**
 * git's shallow handling for a fetch (upload-pack.c deepen/send_shallow/
 * send_unshallow, shallow.c get_shallow_commits and …_by_rev_list): which
 * commits become the client's new boundary, which of its old boundary
 * commits get their history, and where the object walk must stop.
 */
export async function planShallow(request: DeepenRequest, ctx: ShallowContext): Promise<ShallowPlan> {
  const byRevList = request.deepenSince !== undefined || request.deepenNot.length > 0;
  if (request.depth > 0 && byRevList) {
    throw new ProtocolError('git upload-pack: deepen and deepen-since (or deepen-not) cannot be used together');
  }
  const clientShallows: string[] = [];
  for (const oid of request.shallows) {
    await ctx.slicer.tick();
    const object = await ctx.commits.objects.type(oid);
    if (object === null) continue; // not ours: nothing to say about it
    if (object !== 'commit') throw new ProtocolError(`invalid shallow object ${oid}`);
    clientShallows.push(oid);
  }
  const plan: ShallowPlan = {
    send: false,
    shallow: [],
    unshallow: [],
    grafts: new Set([...ctx.repoShallow, ...clientShallows]),
    extraWants: [],
    extraHaves: [],
  };
  let boundary: { shallow: Set<string>; notShallow: Set<string> };
  if (request.depth > 0) {
    if (request.depth === INFINITE_DEPTH && ctx.repoShallow.size === 0) {
      boundary = { shallow: new Set(), notShallow: new Set(clientShallows) };
    } else if (request.deepenRelative) {
      boundary = await shallowByDepth(ctx, clientShallows, request.depth + 1);
    } else {
      boundary = await shallowByDepth(ctx, ctx.wantCommits, request.depth);
    }
  } else if (byRevList) {
    boundary = await shallowByRevList(ctx, request.deepenSince ?? 0);
  } else {
    return plan;
  }
  plan.send = true;
  const client = new Set(clientShallows);
  for (const oid of boundary.shallow) {
    await ctx.slicer.tick();
    if (client.has(oid) || boundary.notShallow.has(oid)) continue;
    plan.shallow.push(oid);
    plan.grafts.add(oid);
  }
  for (const oid of clientShallows) {
    await ctx.slicer.tick();
    if (!boundary.notShallow.has(oid)) continue;
    plan.unshallow.push(oid);
    const node = await ctx.commits.get(oid);
    if (node) plan.extraWants.push(...node.parents);
    plan.extraHaves.push(oid);
  }
  return plan;
}

/**
 * get_shallow_commits: from `heads`, commits closer than `depth` are kept
 * (NOT_SHALLOW) and those at the depth limit become the boundary. A commit
 * met again by a shorter path is walked again from there.
 */
async function shallowByDepth(ctx: ShallowContext, heads: readonly string[], depth: number) {
  const shallow = new Set<string>();
  const notShallow = new Set<string>();
  const best = new Map<string, number>();
  const stack: { oid: string; depth: number }[] = [];
  for (const head of heads) {
    best.set(head, 0);
    stack.push({ oid: head, depth: 0 });
    while (stack.length > 0) {
      await ctx.slicer.tick();
      const item = stack.pop()!;
      const node = await ctx.commits.get(item.oid);
      if (!node) continue;
      const current = item.depth + 1;
      const grafted = ctx.repoShallow.has(node.oid);
      if ((depth !== INFINITE_DEPTH && current >= depth) || grafted) {
        shallow.add(node.oid);
        continue;
      }
      notShallow.add(node.oid);
      for (let k = node.parents.length - 1; k >= 0; k--) {
        const parent = node.parents[k]!;
        const known = best.get(parent);
        if (known !== undefined && current >= known) continue;
        best.set(parent, current);
        stack.push({ oid: parent, depth: current });
      }
    }
  }
  return { shallow, notShallow };
}

/**
 * get_shallow_commits_by_rev_list: the commits reachable from the wants that
 * are not older than `since` and not reachable from a deepen-not ref are
 * kept; those with a parent outside that set form the boundary.
 */
async function shallowByRevList(ctx: ShallowContext, since: number) {
  const excluded = new Set<string>();
  const pending = [...ctx.deepenNotCommits];
  while (pending.length > 0) {
    await ctx.slicer.tick();
    const oid = pending.pop()!;
    if (excluded.has(oid)) continue;
    excluded.add(oid);
    const node = await ctx.commits.get(oid);
    if (node && !ctx.repoShallow.has(oid)) pending.push(...node.parents);
  }
  const kept = new Set<string>();
  const order: string[] = [];
  const stack = [...ctx.wantCommits];
  while (stack.length > 0) {
    await ctx.slicer.tick();
    const oid = stack.pop()!;
    if (kept.has(oid) || excluded.has(oid)) continue;
    const node = await ctx.commits.get(oid);
    if (!node || node.date < since) continue;
    kept.add(oid);
    order.push(oid);
    if (!ctx.repoShallow.has(oid)) stack.push(...node.parents);
  }
  if (kept.size === 0) throw new ProtocolError('no commits selected for shallow requests');
  const shallow = new Set<string>();
  const notShallow = new Set<string>();
  for (const oid of order) {
    await ctx.slicer.tick();
    const node = ctx.commits.peek(oid)!;
    const parents = ctx.repoShallow.has(oid) ? [] : node.parents;
    if (parents.some((parent) => !kept.has(parent))) shallow.add(oid);
    else notShallow.add(oid);
  }
  return { shallow, notShallow };
}
