/**
 * git's progress lines, as pack-objects writes them to its stderr and
 * upload-pack relays them on band 2: "Title: 42% (420/1000)\r" while going,
 * "Title: 100% (1000/1000), done.\n" at the end; without a total just the
 * count. Updates are sent when the percentage changes, or once a second
 * for a count.
 */
export class ProgressMeter {
  private lastPercent = -1;
  private lastTime = 0;
  private value = 0;

  constructor(
    private readonly title: string,
    private readonly total: number | undefined,
    private readonly emit: (text: string) => Promise<void> | void,
  ) {}

  async update(value: number): Promise<void> {
    this.value = value;
    if (value === 0) return;
    if (this.total !== undefined) {
      const percent = this.total > 0 ? Math.floor((value * 100) / this.total) : 100;
      if (percent === this.lastPercent) return;
      this.lastPercent = percent;
    } else {
      const now = Date.now();
      if (now - this.lastTime < 1000) return;
      this.lastTime = now;
    }
    await this.emit(this.line('\r'));
  }

  async done(value = this.value): Promise<void> {
    this.value = value;
    await this.emit(this.line(', done.\n'));
  }

  private line(end: string): string {
    if (this.total === undefined) return `${this.title}: ${this.value}${end}`;
    const percent = this.total > 0 ? Math.floor((this.value * 100) / this.total) : 100;
    return `${this.title}: ${String(percent).padStart(3)}% (${this.value}/${this.total})${end}`;
  }
}
