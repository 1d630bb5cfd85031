import { parseTag } from '../objects/tag.js';
import type { Repository } from '../repo/types.js';
import { isHiddenRef } from '../repo/hidden-refs.js';
import { TimeSlicer } from '../time-slice.js';
import type { UploadObjects } from './object-access.js';

export interface VisibleRef {
  name: string;
  oid: string;
}

export interface HeadState {
  /** Where HEAD points when it is symbolic (`refs/heads/main`). */
  target?: string;
  /** What HEAD resolves to; absent for an unborn branch. */
  oid?: string;
}

/**
 * The refs a fetching client may see: HEAD, then every ref under refs/ in
 * name order, less hidden ones (uploadpack.hideRefs, transfer.hideRefs) and
 * broken ones (pointing at a missing object), as git's ref iteration skips
 * them. Also answers "is this one of our tips?" for want checks.
 */
export class RefView {
  private readonly peeled = new Map<string, string | null>();

  private constructor(
    private readonly objects: UploadObjects,
    readonly head: HeadState,
    /** HEAD excluded. */
    readonly refs: VisibleRef[],
    /** Ids of visible refs and HEAD. */
    readonly tips: ReadonlySet<string>,
    /** Ids of hidden refs (usable as tips with allowTipSHA1InWant). */
    readonly hiddenTips: ReadonlySet<string>,
  ) {}

  static async load(repo: Repository, objects: UploadObjects, hideRefs: readonly string[]): Promise<RefView> {
    const head: HeadState = {};
    if (!isHiddenRef('HEAD', hideRefs)) {
      const symbolic = await repo.refs.readSymbolic('HEAD');
      if (symbolic) head.target = symbolic;
      const headOid = await repo.refs.resolve('HEAD');
      if (headOid) head.oid = headOid;
    }
    const refs: VisibleRef[] = [];
    const tips = new Set<string>();
    const hiddenTips = new Set<string>();
    if (head.oid) tips.add(head.oid);
    const slicer = new TimeSlicer();
    for (const ref of await repo.refs.list()) {
      await slicer.tick();
      if (isHiddenRef(ref.name, hideRefs)) {
        hiddenTips.add(ref.oid);
        continue;
      }
      if (!(await objects.has(ref.oid))) continue;
      refs.push(ref);
      tips.add(ref.oid);
    }
    return new RefView(objects, head, refs, tips, hiddenTips);
  }

  /** What an annotated tag finally points at; null for anything that is not a tag. */
  async peel(oid: string): Promise<string | null> {
    const known = this.peeled.get(oid);
    if (known !== undefined) return known;
    let result: string | null = null;
    let current = oid;
    for (let depth = 0; depth < 64; depth++) {
      if ((await this.objects.type(current)) !== 'tag') break;
      const tag = await this.objects.read(current);
      if (!tag) break;
      current = parseTag(tag.data, this.objects.algo).object;
      result = current;
    }
    this.peeled.set(oid, result);
    return result;
  }

  /** Values of the visible refs/tags/ refs: the include-tag candidates. */
  tagValues(): string[] {
    return [...new Set(this.refs.filter((ref) => ref.name.startsWith('refs/tags/')).map((ref) => ref.oid))];
  }

  /** git's is_our_ref: a visible tip, or a hidden one when the config allows naming those. */
  isTip(oid: string, allowHidden: boolean): boolean {
    return this.tips.has(oid) || (allowHidden && this.hiddenTips.has(oid));
  }
}
