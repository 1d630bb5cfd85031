import type { ObjectReader } from '../objects/object-reader.js';
import { isZeroOid } from '../objects/oid.js';
import type { Quarantine, RefUpdate, Repository } from '../repo/types.js';
import type { PushedObjects } from './pushed-objects.js';

/** The quarantine could not be moved into the repository; no ref that needs it may be written. */
export class ObjectsNotKeptError extends Error {
  constructor(cause: unknown) {
    super('unable to migrate objects to permanent storage', { cause });
  }
}

/**
 * Where a push's objects are, for everything after ingest: in the quarantine
 * until the first ref that needs them is about to be written (with its lock
 * held and its old value checked), then in the repository. So a push whose
 * every update is refused leaves no trace, and a pack that adds nothing the
 * repository lacks is never kept.
 */
export class ObjectKeeper {
  /** The objects are in the repository (or needed no move), or the quarantine is gone. */
  private settled = false;

  /** What the pack brought, once it is read: a pack that adds nothing is not kept. */
  pushed?: PushedObjects;

  constructor(
    private readonly repo: Repository,
    private readonly quarantine: Quarantine | undefined,
  ) {}

  /** The objects as checks and hooks must see them now. */
  get objects(): ObjectReader {
    return this.quarantine && !this.settled ? this.quarantine.objects : this.repo.objects;
  }

  /**
   * For the update hook while the objects are in the quarantine: where to
   * read them (GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES), but
   * not GIT_QUARANTINE_PATH, which git gives pre-receive only (it forbids
   * ref updates, and stock git's update hook may update refs).
   */
  objectEnvironment(): Record<string, string> | undefined {
    if (!this.quarantine || this.settled) return undefined;
    const { GIT_QUARANTINE_PATH: _quarantinePath, ...env } = this.quarantine.hookEnvironment();
    return env;
  }

  /** The ref layer's beforeWrite: keep the objects, once, unless every update is a deletion. */
  readonly beforeWrite = async (updates: RefUpdate[]): Promise<void> => {
    if (this.settled || !this.quarantine || updates.every((u) => isZeroOid(u.newOid))) return;
    try {
      if (!this.pushed || (await this.pushed.addsTo(this.repo.objects))) {
        await this.quarantine.migrate();
        await this.repo.objects.refresh();
      }
    } catch (err) {
      throw new ObjectsNotKeptError(err);
    }
    this.settled = true;
  };

  /** The push is over: remove the quarantine (whatever is left of it); from now on the repository's objects. */
  async discard(): Promise<void> {
    this.settled = true;
    await this.quarantine?.discard();
  }
}
