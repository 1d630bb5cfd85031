import { mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDirectory, isErrno } from './fs-durable.js';
import { LayeredObjectDatabase } from './object-database.js';
import { quarantineEnvironment } from './quarantine-env.js';
import { ObjectDirectory } from './object-directory.js';
import type { PackOpener } from './pack-source.js';
import type { Quarantine } from './types.js';

const QUARANTINE_PREFIX = 'tmp_objdir-incoming-';

/**
 * git's receive-pack quarantine (tmp-objdir.c): a temporary objects directory
 * inside the repository's, whose objects become the repository's only by
 * migrate(). The `tmp_` prefix lets `git prune` clean up after a crash.
 */
export class DirectoryQuarantine implements Quarantine {
  readonly packDir: string;
  readonly objects: LayeredObjectDatabase;
  private finished = false;
  private scanned = false;

  private constructor(
    readonly dir: string,
    /** The quarantine's own objects (not the repository's): what a push brought. */
    readonly incoming: ObjectDirectory,
    private readonly main: LayeredObjectDatabase,
  ) {
    this.packDir = join(dir, 'pack');
    this.objects = new LayeredObjectDatabase(main.algo, [incoming, ...main.directories]);
  }

  static async create(main: LayeredObjectDatabase, openPack: PackOpener): Promise<DirectoryQuarantine> {
    const dir = await mkdtemp(join(main.primary.path, QUARANTINE_PREFIX));
    await mkdir(join(dir, 'pack'));
    return new DirectoryQuarantine(dir, new ObjectDirectory(dir, main.algo, openPack), main);
  }

  /**
   * Whether oid arrived with this push (is in the quarantine itself). Packs
   * are looked up in memory; they are picked up by objects.refresh() (which
   * ingest calls) or, failing that, on the first call here.
   */
  async isIncoming(oid: string): Promise<boolean> {
    await this.scanOnce();
    return this.incoming.has(oid);
  }

  private async scanOnce(): Promise<void> {
    if (this.scanned) return;
    this.scanned = true;
    await this.incoming.scanPacks();
  }

  /** Every object id in the quarantine (packs, then loose). */
  async *listObjects(): AsyncGenerator<string> {
    await this.incoming.scanPacks();
    for (const pack of this.incoming.packSources) yield* pack.oids();
    yield* this.incoming.loose.oids();
  }

  /**
   * The variables git gives pre-receive: new objects are read (and written)
   * in the quarantine, with the repository's objects as an alternate.
   */
  hookEnvironment(
    inheritedAlternates: string | undefined = process.env.GIT_ALTERNATE_OBJECT_DIRECTORIES,
  ): Record<string, string> {
    return quarantineEnvironment(this.dir, this.main.primary.path, inheritedAlternates);
  }

  /**
   * Move everything into the repository's objects directory: loose shards
   * first, then in pack/ `.keep` → `.pack` → `.rev` → `.idx` → others, so an
   * index is never visible before its pack. Durable before it resolves.
   */
  async migrate(): Promise<void> {
    if (this.finished) return;
    await this.incoming.close();
    await migrateTree(this.dir, this.main.primary.path);
    this.finished = true;
    await rm(this.dir, { recursive: true, force: true });
    await this.main.primary.scanPacks();
  }

  async discard(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.incoming.close();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** git's pack_copy_priority: non-pack names first, then keep, pack, rev, idx, anything else. */
function copyPriority(name: string): number {
  if (!name.startsWith('pack')) return 0;
  if (name.endsWith('.keep')) return 1;
  if (name.endsWith('.pack')) return 2;
  if (name.endsWith('.rev')) return 3;
  if (name.endsWith('.idx')) return 4;
  return 5;
}

async function migrateTree(source: string, target: string): Promise<void> {
  const entries = await readdir(source, { withFileTypes: true });
  entries.sort((a, b) => copyPriority(a.name) - copyPriority(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let movedFiles = false;
  for (const entry of entries) {
    const from = join(source, entry.name);
    const to = join(target, entry.name);
    if (entry.isDirectory()) {
      try {
        await mkdir(to);
        await fsyncDirectory(target);
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error;
      }
      await migrateTree(from, to);
      await rmdir(from).catch(() => undefined);
    } else {
      // Same name means same content for objects and packs, so replacing is harmless.
      await rename(from, to);
      movedFiles = true;
      if (copyPriority(entry.name) === 2) await fsyncDirectory(target);
    }
  }
  if (movedFiles) await fsyncDirectory(target);
}
