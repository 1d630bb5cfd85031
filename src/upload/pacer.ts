import { setImmediate as nextTurn } from 'node:timers/promises';
import { SLICE_MS } from '../time-slice.js';

/** How often a long walk reports progress (and sends a keepalive when idle). */
const PULSE_MS = 50;

/**
 * Paces long synchronous walks: every few hundred steps, once a slice's time
 * went by, it lets the event loop run (other requests of the same server, a
 * client that went away), and now and then reports progress.
 */
export class Pacer {
  private count = 0;
  private lastYield = performance.now();
  private lastPulse = performance.now();

  constructor(private readonly onPulse?: () => void | Promise<void>) {}

  async step(): Promise<void> {
    if ((++this.count & 255) !== 0) return;
    const now = performance.now();
    if (now - this.lastYield < SLICE_MS) return;
    if (now - this.lastPulse >= PULSE_MS) {
      this.lastPulse = now;
      await this.onPulse?.();
    }
    await nextTurn();
    this.lastYield = performance.now();
  }
}
