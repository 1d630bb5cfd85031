import { PackError } from '../errors.js';
import { objectTypeFromCode } from '../objects/object-type.js';
import { objectHeader, type HashAlgorithm, type ObjectHasherFactory } from '../objects/oid.js';
import { applyDelta } from './delta.js';
import type { FileWindow } from './file-window.js';
import { inflateEntry } from './inflate.js';
import type { ObjectTable } from './object-table.js';
import { PACK_ERROR, badObject, objectTooLarge } from './pack-errors.js';
import type { ProgressReporter } from './progress.js';
import type { ObjectVisitor } from './object-visitor.js';

/** Bytes of resolved bases kept along one delta chain before older ones are dropped and rebuilt on demand. */
const DEFAULT_BASE_BUDGET = 96 * 1024 * 1024;
/** Give the event loop a turn this often while resolving. */
const YIELD_EVERY_MS = 20;

export interface ResolverOptions {
  algo: HashAlgorithm;
  hasher: ObjectHasherFactory;
  progress: ProgressReporter;
  maxObjectSize?: number;
  onObject?: ObjectVisitor;
  baseBudget?: number;
}

/** One level of the depth-first walk: an object whose children are being resolved. */
interface Frame {
  entry: number;
  data: Buffer | null;
  ofsNext: number;
  ofsEnd: number;
  refs: number[] | undefined;
  refNext: number;
}

/**
 * Second pass: computes the id of every delta by walking, from each whole
 * object, the tree of deltas based on it (OFS children by offset, REF
 * children by id), reading each delta back from the pack file. Memory is
 * bounded by one chain's bases (capped by a budget) rather than by the pack.
 */
export class DeltaResolver {
  resolvedDeltas = 0;
  readonly deltaCount: number;
  /** Where the last entry ends (the trailer, or the end of appended bases). */
  endOfObjects: number;
  private readonly ofsChildStart: Uint32Array;
  private readonly ofsChildList: Uint32Array;
  private heldBytes = 0;
  private readonly baseBudget: number;
  private lastYield = performance.now();

  constructor(
    private readonly table: ObjectTable,
    private readonly refChildren: Map<string, number[]>,
    private readonly window: FileWindow,
    endOfObjects: number,
    private readonly options: ResolverOptions,
  ) {
    this.endOfObjects = endOfObjects;
    this.baseBudget = options.baseBudget ?? DEFAULT_BASE_BUDGET;
    const n = table.count;
    let deltas = 0;
    const counts = new Uint32Array(n + 1);
    const bases = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      if (!table.isDelta(i)) continue;
      deltas++;
      const baseOffset = table.baseOffsets[i]!;
      if (baseOffset < 0) continue;
      const base = table.findByOffset(baseOffset);
      if (base < 0) continue; // left unresolved: no entry starts there
      bases[i] = base;
      counts[base + 1]!++;
    }
    this.deltaCount = deltas;
    for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
    const list = new Uint32Array(counts[n]!);
    const fillAt = counts.slice(0, n);
    for (let i = 0; i < n; i++) if (bases[i]! >= 0) list[fillAt[bases[i]!]!++] = i;
    this.ofsChildStart = counts;
    this.ofsChildList = list;
  }

  get unresolvedDeltas(): number {
    return this.deltaCount - this.resolvedDeltas;
  }

  /** Resolves every delta whose chain ends at a whole object inside the pack. */
  async resolveInPack(): Promise<void> {
    this.options.progress.start('resolving', this.deltaCount);
    const hasRefs = this.refChildren.size > 0;
    for (let i = 0; i < this.table.count; i++) {
      if (this.table.isDelta(i)) continue;
      const hasOfs = this.ofsChildStart[i + 1]! > this.ofsChildStart[i]!;
      if (!hasOfs && !(hasRefs && this.refChildren.has(this.table.oidHex(i)))) continue;
      await this.resolveFrom(i, this.loadEntryData(i));
    }
  }

  /** Resolves all deltas below whole object `root`, whose content is `data`. */
  async resolveFrom(root: number, data: Buffer): Promise<void> {
    const stack: Frame[] = [];
    this.push(stack, root, data);
    while (stack.length > 0) {
      // The work is synchronous; let other requests in now and then.
      if (performance.now() - this.lastYield > YIELD_EVERY_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        this.lastYield = performance.now();
      }
      const frame = stack[stack.length - 1]!;
      const child = this.nextChild(frame);
      if (child < 0) {
        this.pop(stack);
        continue;
      }
      const base = frame.data ?? this.rebuild(stack, stack.length - 1);
      const type = this.table.objectTypes[frame.entry]!;
      // Last child: the base is no longer needed once the delta is applied. The
      // frame stays, so that the stack remains one chain from the root for rebuild().
      if (!this.hasMoreChildren(frame)) this.release(frame);
      const result = this.applyEntryDelta(child, base);
      this.recordResolved(child, type, result);
      this.push(stack, child, result);
    }
  }

  /** Inflated data of entry `i` as stored (object content, or the delta). */
  loadEntryData(i: number): Buffer {
    const table = this.table;
    const start = table.dataOffset(i);
    const end = i + 1 < table.count ? table.offsets[i + 1]! : this.endOfObjects;
    const inflated = inflateEntry(this.window.read(start, end), table.sizes[i]!, table.offsets[i]!);
    if (!inflated) throw badObject(PACK_ERROR.zlib, table.offsets[i]!, 'zlib stream runs past the end of the entry');
    return inflated.data;
  }

  private applyEntryDelta(child: number, base: Buffer): Buffer {
    const offset = this.table.offsets[child]!;
    try {
      return applyDelta(base, this.loadEntryData(child));
    } catch (error) {
      if (error instanceof PackError && error.code === PACK_ERROR.delta) {
        throw badObject(PACK_ERROR.delta, offset, `failed to apply delta (${error.message})`);
      }
      throw error;
    }
  }

  private recordResolved(entry: number, typeCode: number, data: Buffer): void {
    const { maxObjectSize } = this.options;
    if (maxObjectSize !== undefined && data.length > maxObjectSize) {
      throw objectTooLarge(this.table.offsets[entry]!, data.length, maxObjectSize);
    }
    const type = objectTypeFromCode(typeCode)!;
    const oid = this.options.hasher().update(objectHeader(type, data.length)).update(data).digest();
    this.table.objectTypes[entry] = typeCode;
    this.table.setOid(entry, oid);
    this.options.onObject?.(oid, type, data);
    this.resolvedDeltas++;
    this.options.progress.tick(this.resolvedDeltas);
  }

  private push(stack: Frame[], entry: number, data: Buffer): void {
    const refs = this.refChildren.size > 0 ? this.takeRefChildren(entry) : undefined;
    // Bases appended for a thin pack come after the table the OFS lists were built for.
    const inOfsLists = entry + 1 < this.ofsChildStart.length;
    const ofsNext = inOfsLists ? this.ofsChildStart[entry]! : 0;
    const ofsEnd = inOfsLists ? this.ofsChildStart[entry + 1]! : 0;
    if (ofsNext === ofsEnd && !refs) return; // a leaf
    stack.push({ entry, data, ofsNext, ofsEnd, refs, refNext: 0 });
    this.heldBytes += data.length;
    if (this.heldBytes > this.baseBudget) this.shed(stack);
  }

  private pop(stack: Frame[]): void {
    this.release(stack.pop()!);
  }

  private release(frame: Frame): void {
    if (frame.data) this.heldBytes -= frame.data.length;
    frame.data = null;
  }

  private takeRefChildren(entry: number): number[] | undefined {
    const key = this.table.oidHex(entry);
    const refs = this.refChildren.get(key);
    if (refs) this.refChildren.delete(key);
    return refs;
  }

  private nextChild(frame: Frame): number {
    if (frame.ofsNext < frame.ofsEnd) return this.ofsChildList[frame.ofsNext++]!;
    if (frame.refs && frame.refNext < frame.refs.length) return frame.refs[frame.refNext++]!;
    return -1;
  }

  private hasMoreChildren(frame: Frame): boolean {
    return frame.ofsNext < frame.ofsEnd || (frame.refs !== undefined && frame.refNext < frame.refs.length);
  }

  /** Over budget: drop the bases nearest the root (the top one is in use); they are rebuilt if needed again. */
  private shed(stack: Frame[]): void {
    for (let k = 0; k < stack.length - 1 && this.heldBytes > this.baseBudget; k++) this.release(stack[k]!);
  }

  /**
   * Recomputes frame k's content from the nearest frame below that still
   * holds its own. Frame 0 is always the whole object the walk started
   * from and each frame is a delta on the one below, so this always ends.
   */
  private rebuild(stack: Frame[], k: number): Buffer {
    let j = k;
    while (j > 0 && !stack[j]!.data) j--;
    let data = stack[j]!.data ?? this.loadEntryData(stack[j]!.entry);
    for (let m = j + 1; m <= k; m++) data = this.applyEntryDelta(stack[m]!.entry, data);
    stack[k]!.data = data;
    this.heldBytes += data.length;
    return data;
  }
}
