import { setImmediate as nextTurn } from 'node:timers/promises';

/**
 * Paces long synchronous walks: every few hundred steps, if some time went
 * by, it reports progress and lets the event loop run (other requests of the
 * same server, keepalives, a client that went away).
 */
export class Pacer {
  private count = 0;
  private last = performance.now();

  constructor(private readonly onPulse?: () => void | Promise<void>) {}

  async step(): Promise<void> {
    if ((++this.count & 255) !== 0) return;
    const now = performance.now();
    if (now - this.last < 50) return;
    this.last = now;
    await this.onPulse?.();
    await nextTurn();
  }
}
