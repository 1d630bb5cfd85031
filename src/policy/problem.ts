import { isZeroOid } from '../objects/oid.js';
import type { RefUpdateInput } from './namespace-rules.js';

/** What one check found wrong with an update, before it is attributed to a rule. */
export interface Problem {
  /** Short; becomes the `ng` reason (with the rule appended). */
  reason: string;
  /** What is wrong, for a `remote:` line. */
  detail: string;
  /** What to do instead, for a `remote:` line. */
  advice: string;
}

export type UpdateKind = 'create' | 'update' | 'delete';

export function kindOf(update: RefUpdateInput): UpdateKind {
  return isZeroOid(update.oldOid) ? 'create' : isZeroOid(update.newOid) ? 'delete' : 'update';
}

export function shortOid(oid: string): string {
  return oid.slice(0, 7);
}

/** The first line of a commit message, shortened for a `remote:` line. */
export function subjectOf(message: string): string {
  const line = message.split('\n', 1)[0]!.trim();
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/** `1.5 MiB`, `512 KiB`, `200 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
