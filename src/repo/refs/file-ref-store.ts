import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ObjectReader } from '../../objects/object-reader.js';
import type { HashAlgorithm } from '../../objects/oid.js';
import type { GitConfig, RefEntry, RefFailure, RefStore, RefUpdate, RefUpdateOptions } from '../types.js';
import { FileConfig } from '../config.js';
import { isErrno } from '../fs-durable.js';
import { RefReader } from './ref-reader.js';
import { applyAtomicUpdates, applySingleUpdate, type RefTransactionContext } from './ref-transaction.js';
import { recoverRefJournals } from './recovery.js';
import { ReflogWriter } from './reflog.js';

export interface FileRefStoreOptions {
  gitDir: string;
  algo: HashAlgorithm;
  /** Where new ids are looked up (existence, and commit-ness for branches). */
  objects: ObjectReader;
  /** Current config, for core.logAllRefUpdates. */
  config?: () => GitConfig;
}

/**
 * git's files ref backend: loose refs, packed-refs, symrefs, `.lock` files.
 * Every update() first settles journals left by crashed processes, so an
 * atomic update is all-or-nothing from any reader's point of view once the
 * repository is next used.
 */
export class FileRefStore implements RefStore {
  readonly gitDir: string;
  private readonly reader: RefReader;
  private readonly context: RefTransactionContext;
  private recovered: Promise<void> | undefined;

  constructor(options: FileRefStoreOptions) {
    this.gitDir = resolve(options.gitDir);
    this.reader = new RefReader(this.gitDir, options.algo);
    const config = options.config ?? (() => new FileConfig());
    this.context = {
      gitDir: this.gitDir,
      reader: this.reader,
      objects: options.objects,
      reflog: new ReflogWriter(this.gitDir, config),
    };
  }

  /** Construct and settle any journal left by a crashed process. */
  static async open(options: FileRefStoreOptions): Promise<FileRefStore> {
    const store = new FileRefStore(options);
    await store.recover();
    return store;
  }

  /** Settle journals of dead processes (done once before the first read, and before every update). */
  recover(): Promise<void> {
    const run = recoverRefJournals(this.gitDir);
    this.recovered = run;
    return run;
  }

  private ready(): Promise<void> {
    return (this.recovered ??= recoverRefJournals(this.gitDir));
  }

  async list(): Promise<RefEntry[]> {
    await this.ready();
    return this.reader.list();
  }

  async resolve(name: string): Promise<string | null> {
    await this.ready();
    return this.reader.resolve(name);
  }

  async resolveName(name: string): Promise<string | undefined> {
    await this.ready();
    return this.reader.resolveName(name);
  }

  async readSymbolic(name: string): Promise<string | null> {
    await this.ready();
    let text: string;
    try {
      text = await readFile(join(this.gitDir, name), 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR', 'EISDIR')) return null;
      throw error;
    }
    return text.startsWith('ref:') ? text.slice(4).trim() : null;
  }

  async update(updates: RefUpdate[], options: RefUpdateOptions): Promise<(RefFailure | null)[]> {
    await this.recover();
    if (updates.length === 0) return [];
    const context = options.objects ? { ...this.context, objects: options.objects } : this.context;
    const write = { message: options.reflogMessage, beforeWrite: options.beforeWrite };
    if (options.atomic) return applyAtomicUpdates(context, updates, write);
    const results: (RefFailure | null)[] = [];
    for (const update of updates) results.push(await applySingleUpdate(context, update, write));
    return results;
  }
}
