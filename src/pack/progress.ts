export type ProgressPhase = 'receiving' | 'resolving';
export interface Progress {
  phase: ProgressPhase;
  done: number;
  total: number;
}
export type ProgressCallback = (progress: Progress) => void;

/** Throttles progress reports to about one per percent, always reporting start and end. */
export class ProgressReporter {
  private phase: ProgressPhase = 'receiving';
  private total = 0;
  private step = 1;
  private next = 0;

  constructor(private readonly callback?: ProgressCallback) {}

  start(phase: ProgressPhase, total: number): void {
    this.phase = phase;
    this.total = total;
    this.step = Math.max(1, Math.floor(total / 100));
    this.next = this.step;
    this.callback?.({ phase, done: 0, total });
  }

  tick(done: number): void {
    if (!this.callback || (done < this.next && done !== this.total)) return;
    this.next = done + this.step;
    this.callback({ phase: this.phase, done, total: this.total });
  }
}
