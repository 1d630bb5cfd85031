/** How long synchronous work may run before other requests get a turn. */
const TURN_MS = 20;

/**
 * Lets long synchronous work (resolving deltas, hashing a big object) give
 * the event loop a turn now and then, so one push never stalls the others.
 */
export class Turns {
  private last = performance.now();

  /** True when the work has run long enough to let others in. */
  due(): boolean {
    return performance.now() - this.last > TURN_MS;
  }

  async give(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    this.last = performance.now();
  }

  /** give() if due(). */
  async maybe(): Promise<void> {
    if (this.due()) await this.give();
  }
}
