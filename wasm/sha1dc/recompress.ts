// The check behind a UBC hit (Stevens, "Counter-cryptanalysis", CRYPTO 2013;
// the sha1collisiondetection library, MIT): if this block were one half of a
// collision built on a disturbance vector, the other half's message is this
// one XOR the DV's differences, and both halves share the working state at
// the DV's test step. Rebuilding the other half from that state (backwards
// to its chaining input, forwards to its output) and finding the same output
// as this block's means a collision.
import { DV_COUNT, DV_DM, DV_TESTT } from "./ubc";
import { recompress58, recompress65 } from "./recompress-steps";

/**
 * Checks each DV in `mask` for the block just compressed into IHV. The
 * digest stays the plain SHA-1 (git turns sha1dc's "safe hash" off so that
 * its message names the real id).
 */
export function recheck(mask: u32): bool {
  const table = changetype<usize>(DV_DM);
  for (let dv = 0; dv < DV_COUNT; dv++) {
    if ((mask & (<u32>1 << dv)) == 0) continue;
    const dm = table + <usize>dv * 320;
    if (unchecked(DV_TESTT[dv]) == 58 ? recompress58(dm) : recompress65(dm)) return true;
  }
  return false;
}
