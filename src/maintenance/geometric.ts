/**
 * Which packs to roll into one, as `git repack --geometric=<factor>` chooses
 * (builtin/repack.c, weights are object counts): sorted from small to big,
 * the big packs that already form a progression — each at least `factor`
 * times the next smaller — stay; everything below joins a new pack, and
 * then any kept pack that the new pack would no longer be `factor` times
 * smaller than joins too. Returns the packs to roll up (none, or one that
 * is only worth rewriting together with loose objects).
 */
export function geometricRollup<T extends { objectCount: number }>(packs: readonly T[], factor = 2): T[] {
  const sorted = [...packs].sort((a, b) => a.objectCount - b.objectCount);
  if (sorted.length < 2) return [];
  let split = sorted.length - 1;
  for (; split > 0; split--) {
    if (sorted[split]!.objectCount < factor * sorted[split - 1]!.objectCount) break;
  }
  // The upper pack of the pair that broke the progression cannot stay in it either.
  if (split > 0) split++;
  let total = 0;
  for (let i = 0; i < split; i++) total += sorted[i]!.objectCount;
  for (; split < sorted.length; split++) {
    if (sorted[split]!.objectCount >= factor * total) break;
    total += sorted[split]!.objectCount;
  }
  return sorted.slice(0, split);
}
