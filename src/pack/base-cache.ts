export interface CachedBase {
  /** Pack type code of the object (1-4). */
  typeCode: number;
  data: Buffer;
}

/**
 * Least-recently-used cache of resolved delta bases by pack offset, bounded
 * by total bytes. A Map keeps insertion order, so re-inserting on use makes
 * the first key the oldest.
 */
export class BaseCache {
  private readonly entries = new Map<number, CachedBase>();
  private bytes = 0;

  constructor(
    private readonly maxBytes: number,
    /** Bigger values are not worth evicting everything else for. */
    private readonly maxEntryBytes = Math.floor(maxBytes / 4),
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }

  get(key: number): CachedBase | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: number, value: CachedBase): void {
    if (value.data.length > this.maxEntryBytes) return;
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.bytes -= old.data.length;
      this.entries.delete(key);
    }
    this.entries.set(key, value);
    this.bytes += value.data.length;
    for (const [oldest, evicted] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= evicted.data.length;
    }
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
