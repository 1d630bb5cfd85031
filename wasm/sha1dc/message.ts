// Fixed regions of the module's memory. The module keeps no hash state between
// calls except in these buffers, which the JavaScript side fills before each
// call (see src/objects/sha1dc.ts), so any number of hashers share one
// instance per thread.

/** Bytes of whole blocks the caller may place at INPUT per call. */
export const INPUT_SIZE: i32 = 256 * 1024;
export const INPUT: usize = memory.data(INPUT_SIZE, 16);
/** Chaining value: in before a call, out after it (5 words). */
export const IHV: usize = memory.data(32, 16);
/** The current block's expanded message, 80 words. */
export const W: usize = memory.data(320, 16);
/** The expanded message with a disturbance vector applied. */
export const W2: usize = memory.data(320, 16);
/** Working state (a, b, c, d, e) before step 58 and before step 65. */
export const STATE58: usize = memory.data(32, 16);
export const STATE65: usize = memory.data(32, 16);

/** Word i of the current block's expanded message. */
// @ts-ignore: decorator
@inline export function w(i: i32): u32 {
  return load<u32>(W + (<usize>i << 2));
}
