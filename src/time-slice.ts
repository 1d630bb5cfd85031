import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * How long one request may keep the event loop before it lets the others
 * run: well under the ~50 ms that every other user of the server (HTTP, SSH,
 * the admin API) may be made to wait.
 */
export const SLICE_MS = 10;

/**
 * Cuts a long loop into slices. `await slicer.tick()` once per item: every
 * `every` items it looks at the clock, and once a slice's time is used up it
 * yields to the event loop (awaiting a resolved promise does not: only a
 * macrotask lets timers, sockets and other requests in).
 */
export class TimeSlicer {
  private units = 0;
  private since = performance.now();

  constructor(private readonly every = 64) {}

  async tick(units = 1): Promise<void> {
    this.units += units;
    if (this.units < this.every) return;
    this.units = 0;
    if (performance.now() - this.since < SLICE_MS) return;
    await nextTurn();
    this.since = performance.now();
  }
}
