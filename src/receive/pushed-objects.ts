import { parseCommit } from '../objects/commit.js';
import { FsckSession } from '../objects/fsck-session.js';
import { formatFsckFinding, type FsckFinding, type FsckOptions } from '../objects/fsck-reporter.js';
import type { ObjectReader } from '../objects/object-reader.js';
import type { ObjectType } from '../objects/object-type.js';
import type { HashAlgorithm } from '../objects/oid.js';
import { parseTag } from '../objects/tag.js';
import { entryKind, parseTree } from '../objects/tree.js';

/**
 * What a received pack brought, gathered while the indexer hashes each
 * object: the objects and their types, every object they point to (with the
 * type the pointer demands), and fsck findings when receive.fsckObjects or pushgate.safeTrees is on.
 * Connectivity is then a set difference instead of a second walk over the pack.
 */
export class PushedObjects {
  private readonly types = new Map<string, ObjectType>();
  /** Blob sizes, for policies that limit them without reading blobs again. */
  private readonly sizes = new Map<string, number>();
  /** Referenced object → the type its referrer requires ('any' for a tag's target whose type the tag names loosely). */
  private readonly references = new Map<string, ObjectType>();
  private readonly fsck?: FsckSession;
  readonly findings: { oid: string; finding: FsckFinding }[] = [];
  private unparsable = false;

  constructor(
    private readonly algo: HashAlgorithm,
    fsck?: { options: FsckOptions; deferSpecialBlobs: boolean },
  ) {
    if (fsck) this.fsck = new FsckSession(algo, fsck.options, fsck.deferSpecialBlobs);
  }

  /** The indexer's ObjectVisitor. */
  readonly visit = (rawOid: Buffer, type: ObjectType, data: Buffer | null, size: number): void => {
    const oid = rawOid.toString('hex');
    this.types.set(oid, type);
    if (type === 'blob') this.sizes.set(oid, size);
    if (this.fsck) for (const finding of this.fsck.check(oid, type, data, size)) this.findings.push({ oid, finding });
    // Only big blobs come without their data, and blobs point to nothing.
    if (!data) return;
    try {
      if (type === 'commit') {
        const commit = parseCommit(data, this.algo);
        this.references.set(commit.tree, 'tree');
        for (const parent of commit.parents) this.references.set(parent, 'commit');
      } else if (type === 'tree') {
        for (const entry of parseTree(data, this.algo)) {
          const kind = entryKind(entry.mode);
          // Submodule commits live in other repositories: never required here.
          if (kind === 'tree' || kind === 'blob') this.references.set(entry.oid, kind);
        }
      } else if (type === 'tag') {
        const tag = parseTag(data, this.algo);
        this.references.set(tag.object, tag.type as ObjectType);
      }
    } catch {
      this.unparsable = true; // leave it to the full walk to say which tip it breaks
    }
  };

  has(oid: string): boolean {
    return this.types.has(oid);
  }

  /**
   * Whether the pack brought any object the repository lacks. A pack that
   * adds nothing is not kept. Yields to the event loop between slices, so a
   * huge pack does not stall other requests.
   */
  async addsTo(repository: ObjectReader): Promise<boolean> {
    let checked = 0;
    for (const oid of this.types.keys()) {
      if (!(await repository.has(oid))) return true;
      if (++checked % 2048 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    return false;
  }

  sizeOf(oid: string): number | undefined {
    return this.sizes.get(oid);
  }

  get count(): number {
    return this.types.size;
  }

  /**
   * True when every object the pack points to is in the pack or already in
   * the repository with the right type, and every tip is one or the other.
   * Then every tip is complete. False means: walk, to find which tips are not.
   */
  async isSelfConsistent(repository: ObjectReader, tips: string[]): Promise<boolean> {
    if (this.unparsable) return false;
    for (const [oid, expected] of this.references) {
      const type = this.types.get(oid) ?? (await repository.info(oid))?.type;
      if (!type || type !== expected) return false;
    }
    for (const tip of tips) if (!this.types.has(tip) && !(await repository.has(tip))) return false;
    return true;
  }

  /**
   * fsck errors (strict: warnings count unless demoted) as git prints them,
   * and git's fatal line. git dies at the objects' own checks ("fsck error
   * in packed object") before it reaches the special-blob checks left for
   * the end (fsck_finish: "fsck error in pack objects").
   */
  async fsckErrors(reader: ObjectReader): Promise<{ errors: string[]; fatal: string }> {
    if (!this.fsck) return { errors: [], fatal: '' };
    const errors = () =>
      this.findings.filter((f) => f.finding.level === 'error').map((f) => `object ${f.oid}: ${formatFsckFinding(f.finding)}`);
    const early = errors();
    if (early.length > 0) return { errors: early, fatal: 'fsck error in packed object' };
    for (const finding of await this.fsck.finish(reader)) this.findings.push({ oid: finding.oid ?? '', finding });
    return { errors: errors(), fatal: 'fsck error in pack objects' };
  }

  fsckWarnings(): string[] {
    return this.findings.filter((f) => f.finding.level === 'warn').map((f) => `object ${f.oid}: ${formatFsckFinding(f.finding)}`);
  }
}
