import type { GitObject } from '../objects/object-type.js';

/**
 * A small LRU of recently read objects, bounded in bytes. Walks read the same
 * trees and commits repeatedly; big blobs are not worth keeping.
 */
export class ObjectCache {
  private readonly entries = new Map<string, GitObject>();
  private bytes = 0;

  constructor(
    private readonly maxBytes = 32 * 1024 * 1024,
    private readonly maxObjectBytes = 1024 * 1024,
  ) {}

  get(oid: string): GitObject | undefined {
    const object = this.entries.get(oid);
    if (object) {
      this.entries.delete(oid);
      this.entries.set(oid, object);
    }
    return object;
  }

  set(oid: string, object: GitObject): void {
    if (object.data.length > this.maxObjectBytes || this.entries.has(oid)) return;
    this.entries.set(oid, object);
    this.bytes += object.data.length;
    for (const [oldest, value] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.bytes -= value.data.length;
    }
  }
}
