import type { HashAlgorithm } from '../objects/oid.js';
import type { ObjectReader } from '../objects/object-reader.js';
import type { GitObject } from '../objects/object-type.js';

/** Read side of a git config file (repository `config`), git's key rules. */
export interface GitConfig {
  /** Last value of a key such as `receive.denyDeletes` or `remote.origin.url`; undefined when unset. */
  get(key: string): string | undefined;
  getAll(key: string): string[];
  /** git's boolean rules (true/yes/on/1, false/no/off/0, empty = false, key without `=` = true). */
  getBool(key: string, fallback: boolean): boolean;
  /** git's integer rules incl. k/m/g suffixes. */
  getInt(key: string, fallback: number): number;
  /** Every key that has a value, canonical form (section and name lower-case, subsection as written). */
  keys(): string[];
}

export interface RefEntry {
  name: string;
  oid: string;
}

/** One compare-and-swap: zero oldOid = must not exist; zero newOid = delete. */
export interface RefUpdate {
  name: string;
  oldOid: string;
  newOid: string;
}

export type RefFailureKind =
  | 'stale' // ref is not at oldOid
  | 'exists' // create, but the ref exists
  | 'missing' // update/delete, but the ref does not exist
  | 'conflict' // directory/file conflict with another ref
  | 'non-commit' // non-commit object into refs/heads/* or HEAD
  | 'missing-object' // new object is not in the object database
  | 'lock' // could not take the lock
  | 'bad-name' // not HEAD or a valid name under refs/
  | 'aborted' // atomic: not applied because another update of the transaction failed
  | 'io';

export interface RefFailure {
  kind: RefFailureKind;
  /** The ref layer's text as git prints it after `error: `, e.g. "cannot lock ref 'refs/heads/x': is at A but expected B". */
  message: string;
}

export interface RefStore {
  /** Every ref under refs/ (loose overriding packed), sorted by name in C locale, symrefs resolved. */
  list(): Promise<RefEntry[]>;
  /** Resolve a ref name (following symrefs) to an oid, or null. */
  resolve(name: string): Promise<string | null>;
  /** Target of a symbolic ref (e.g. HEAD -> refs/heads/main), or null if not symbolic. */
  readSymbolic(name: string): Promise<string | null>;
  /** The ref an update of `name` writes: `name` itself, or the end of its chain of symrefs; undefined for a loop. */
  resolveName(name: string): Promise<string | undefined>;
  /**
   * Apply updates as compare-and-swap. atomic: all or nothing, also if the
   * process dies part-way (a journal is rolled forward on next open).
   * Otherwise each update succeeds or fails on its own. Durable (fsync) before
   * it resolves. Result i is null on success, else why update i failed.
   */
  update(updates: RefUpdate[], options: RefUpdateOptions): Promise<(RefFailure | null)[]>;
}

/** Where a push's objects wait until every check has passed. */
export interface Quarantine {
  /** Absolute path, `<gitdir>/objects/tmp_objdir-incoming-XXXXXX`. */
  readonly dir: string;
  /** Absolute `<dir>/pack`, where the incoming pack and idx are written. */
  readonly packDir: string;
  /** Objects of the quarantine layered over the repository's. */
  readonly objects: ObjectDatabase;
  /** Whether the object arrived with this push (is in the quarantine itself, not the repository). */
  isIncoming(oid: string): Promise<boolean>;
  /** Every object id the push brought. */
  listObjects(): AsyncIterable<string>;
  /** GIT_QUARANTINE_PATH, GIT_OBJECT_DIRECTORY, GIT_ALTERNATE_OBJECT_DIRECTORIES as git gives pre-receive. */
  hookEnvironment(): Record<string, string>;
  /** Make the quarantined objects part of the repository (pack before idx). */
  migrate(): Promise<void>;
  /** Remove everything; safe to call more than once and after migrate(). */
  discard(): Promise<void>;
}

export interface ObjectDatabase extends ObjectReader {
  /** Write a loose object; returns its id. */
  write(object: GitObject): Promise<string>;
  /** Pick up packs added on disk since the database was opened. */
  refresh(): Promise<void>;
}

export interface Repository {
  /** Absolute path of the bare repository (the git dir). */
  readonly gitDir: string;
  readonly algo: HashAlgorithm;
  readonly config: GitConfig;
  readonly objects: ObjectDatabase;
  readonly refs: RefStore;
  createQuarantine(): Promise<Quarantine>;
  /** Re-read config from disk. */
  reloadConfig(): Promise<void>;
  /** Release open pack files; the repository must not be used afterwards. */
  close(): Promise<void>;
}

export interface RefUpdateOptions {
  atomic: boolean;
  reflogMessage?: string;
  /** Where the new values' objects are looked up for the checks (default: the repository's objects), e.g. a push's quarantine. */
  objects?: ObjectReader;
  /**
   * Called with the locks held and every check passed, just before the
   * values are written (once per update when not atomic, once for the whole
   * transaction when atomic): the moment to make a push's objects permanent.
   * If it throws, nothing is written, the locks are released and the error
   * propagates.
   */
  beforeWrite?: (updates: RefUpdate[]) => Promise<void>;
}
