import { PushgateError } from '../errors.js';
import { DB_ERROR } from './db-errors.js';

/** The database could not be opened, reached or migrated. */
export class DatabaseError extends PushgateError {
  constructor(code: string, message: string, data: Record<string, unknown> = {}) {
    super(code, message, data);
  }
}

/** Another process (or this one) already holds the embedded database of a data folder. */
export class DatabaseLockedError extends DatabaseError {
  constructor(message: string, data: Record<string, unknown> = {}) {
    super(DB_ERROR.locked, message, data);
  }
}

/**
 * A name that means two folders: `x` and `x.git` both hold a repository.
 * Refused rather than guessed, so neither borrows the other's grants or rules.
 */
export class AmbiguousRepositoryError extends PushgateError {
  constructor(name: string, folders: string[]) {
    super(
      DB_ERROR.ambiguousRepository,
      `repository name '${name}' is ambiguous: the data folder has both ${folders.join(' and ')}; rename or remove one of them`,
      { name, folders },
    );
  }
}

/** PostgreSQL's unique_violation, to turn into a ConflictError with a message of our own. */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown })?.code === '23505';
}
