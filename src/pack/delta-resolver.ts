import { objectTypeFromCode } from '../objects/object-type.js';
import type { HashAlgorithm, ObjectHasherFactory } from '../objects/oid.js';
import { EntryContent, type Content, type Resolved } from './entry-content.js';
import type { FileWindow } from './file-window.js';
import type { ObjectTable } from './object-table.js';
import type { ProgressReporter } from './progress.js';
import type { ObjectVisitor } from './object-visitor.js';
import { Turns } from './turns.js';

/** Bytes of resolved bases kept along one delta chain before older ones are dropped and rebuilt on demand. */
const DEFAULT_BASE_BUDGET = 96 * 1024 * 1024;
/** Likewise for big bases spilled to disk: a chain of huge results must not fill the disk either. */
const DEFAULT_SPILL_BUDGET = 1024 * 1024 * 1024;

export interface ResolverOptions {
  algo: HashAlgorithm;
  hasher: ObjectHasherFactory;
  progress: ProgressReporter;
  /** Where big bases are spilled (the pack's own directory). */
  spillDir: string;
  maxObjectSize?: number;
  onObject?: ObjectVisitor;
  baseBudget?: number;
  spillBudget?: number;
}

/** One level of the depth-first walk: an object whose children are being resolved. */
interface Frame {
  entry: number;
  /** null when dropped (over budget, or a big result not kept): rebuilt when needed. */
  data: Content | null;
  ofsNext: number;
  ofsEnd: number;
  refs: number[] | undefined;
  refNext: number;
}

/**
 * Second pass: computes the id of every delta by walking, from each whole
 * object, the tree of deltas based on it (OFS children by offset, REF
 * children by id), reading each delta back from the pack file. Memory is
 * bounded by one chain's bases (capped by a budget) rather than by the pack,
 * and big bases and results never enter it (see entry-content.ts): they
 * are spilled, under a disk budget of their own.
 */
export class DeltaResolver {
  resolvedDeltas = 0;
  readonly deltaCount: number;
  /** Where the last entry ends (the trailer, or the end of appended bases). */
  endOfObjects: number;
  private readonly ofsChildStart: Uint32Array;
  private readonly ofsChildList: Uint32Array;
  private heldBytes = 0;
  private spilledBytes = 0;
  private readonly baseBudget: number;
  private readonly spillBudget: number;
  private readonly turns = new Turns();
  private readonly content: EntryContent;

  constructor(
    private readonly table: ObjectTable,
    private readonly refChildren: Map<string, number[]>,
    window: FileWindow,
    endOfObjects: number,
    private readonly options: ResolverOptions,
  ) {
    this.endOfObjects = endOfObjects;
    this.baseBudget = options.baseBudget ?? DEFAULT_BASE_BUDGET;
    this.spillBudget = options.spillBudget ?? DEFAULT_SPILL_BUDGET;
    this.content = new EntryContent(table, window, () => this.endOfObjects, options, this.turns);
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
      const hasOfs = this.hasOfsChildren(i);
      if (!hasOfs && !(hasRefs && this.refChildren.has(this.table.oidHex(i)))) continue;
      await this.resolveFrom(i, await this.content.loadBase(i));
    }
  }

  /** Resolves all deltas below whole object `root`, whose content is `data`. */
  async resolveFrom(root: number, data: Content): Promise<void> {
    this.content.adopt(data);
    const stack: Frame[] = [];
    this.push(stack, root, data);
    while (stack.length > 0) {
      // The work is synchronous; let other requests in now and then.
      if (this.turns.due()) await this.turns.give();
      const frame = stack[stack.length - 1]!;
      const child = this.nextChild(frame);
      if (child < 0) {
        this.pop(stack);
        continue;
      }
      const base = frame.data ?? (await this.rebuild(stack, stack.length - 1));
      const type = this.table.objectTypes[frame.entry]!;
      // A big result is kept only if OFS children are known to need it; REF children show by its id, later.
      const result =
        this.content.applyHeld(child, base, type) ??
        (await this.content.applyEntryDelta(child, base, type, this.hasOfsChildren(child)));
      // Last child: the base is no longer needed. The frame stays, so that the
      // stack remains one chain from the root for rebuild().
      if (!this.hasMoreChildren(frame)) this.release(frame);
      this.recordResolved(child, type, result);
      this.push(stack, child, result.content);
    }
  }

  /** Closes what is still spilled (after a failure). */
  dispose(): void {
    this.content.dispose();
  }

  private recordResolved(entry: number, typeCode: number, result: Resolved): void {
    const type = objectTypeFromCode(typeCode)!;
    this.table.objectTypes[entry] = typeCode;
    this.table.setOid(entry, result.oid);
    this.options.onObject?.(result.oid, type, Buffer.isBuffer(result.content) ? result.content : null, result.size);
    this.resolvedDeltas++;
    this.options.progress.tick(this.resolvedDeltas);
  }

  private hasOfsChildren(entry: number): boolean {
    // Bases appended for a thin pack come after the table the OFS lists were built for.
    return entry + 1 < this.ofsChildStart.length && this.ofsChildStart[entry + 1]! > this.ofsChildStart[entry]!;
  }

  private push(stack: Frame[], entry: number, data: Content | null): void {
    const refs = this.refChildren.size > 0 ? this.takeRefChildren(entry) : undefined;
    const inOfsLists = entry + 1 < this.ofsChildStart.length;
    const ofsNext = inOfsLists ? this.ofsChildStart[entry]! : 0;
    const ofsEnd = inOfsLists ? this.ofsChildStart[entry + 1]! : 0;
    if (ofsNext === ofsEnd && !refs) {
      this.content.drop(data); // a leaf
      return;
    }
    stack.push({ entry, data, ofsNext, ofsEnd, refs, refNext: 0 });
    this.account(data, 1);
    if (this.heldBytes > this.baseBudget || this.spilledBytes > this.spillBudget) this.shed(stack);
  }

  private pop(stack: Frame[]): void {
    this.release(stack.pop()!);
  }

  private release(frame: Frame): void {
    this.account(frame.data, -1);
    this.content.drop(frame.data);
    frame.data = null;
  }

  private account(data: Content | null, sign: 1 | -1): void {
    this.heldBytes += sign * EntryContent.heldBytes(data);
    this.spilledBytes += sign * EntryContent.spilledBytes(data);
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
    for (let k = 0; k < stack.length - 1; k++) {
      const data = stack[k]!.data;
      const overHeld = this.heldBytes > this.baseBudget && Buffer.isBuffer(data);
      const overSpilled = this.spilledBytes > this.spillBudget && data !== null && !Buffer.isBuffer(data);
      if (overHeld || overSpilled) this.release(stack[k]!);
    }
  }

  /**
   * Recomputes frame k's content from the nearest frame below that still
   * holds its own. Frame 0 is always the whole object the walk started
   * from and each frame is a delta on the one below, so this always ends.
   */
  private async rebuild(stack: Frame[], k: number): Promise<Content> {
    let j = k;
    while (j > 0 && !stack[j]!.data) j--;
    const start = stack[j]!.data;
    let data = start ?? (await this.content.loadBase(stack[j]!.entry));
    const type = this.table.objectTypes[stack[j]!.entry]!;
    for (let m = j + 1; m <= k; m++) {
      const next = (await this.content.applyEntryDelta(stack[m]!.entry, data, type, true)).content!;
      // Intermediate results (and a base loaded just for this) are nobody's but ours.
      if (data !== start) this.content.drop(data);
      data = next;
    }
    stack[k]!.data = data;
    this.account(data, 1);
    return data;
  }
}
