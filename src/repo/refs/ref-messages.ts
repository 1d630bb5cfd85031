import type { RefFailure } from '../types.js';

/**
 * The ref layer's messages, worded exactly as git 2.39 prints them after
 * "error: " (refs/files-backend.c, refs.c, lockfile.c).
 */
export const refMessages = {
  stale: (name: string, actual: string, expected: string): RefFailure => ({
    kind: 'stale',
    message: `cannot lock ref '${name}': is at ${actual} but expected ${expected}`,
  }),
  exists: (name: string): RefFailure => ({ kind: 'exists', message: `cannot lock ref '${name}': reference already exists` }),
  missing: (name: string): RefFailure => ({
    kind: 'missing',
    message: `cannot lock ref '${name}': unable to resolve reference '${name}'`,
  }),
  conflict: (name: string, existing: string): RefFailure => ({
    kind: 'conflict',
    message: `cannot lock ref '${name}': '${existing}' exists; cannot create '${name}'`,
  }),
  sameTransaction: (name: string, first: string, second: string): RefFailure => ({
    kind: 'conflict',
    message: `cannot lock ref '${name}': cannot process '${first}' and '${second}' at the same time`,
  }),
  duplicate: (name: string): RefFailure => ({ kind: 'conflict', message: `multiple updates for ref '${name}' not allowed` }),
  nonCommit: (name: string, oid: string): RefFailure => ({
    kind: 'non-commit',
    message: `cannot update ref '${name}': trying to write non-commit object ${oid} to branch '${name}'`,
  }),
  missingObject: (name: string, oid: string): RefFailure => ({
    kind: 'missing-object',
    message: `cannot update ref '${name}': trying to write ref '${name}' with nonexistent object ${oid}`,
  }),
  badName: (name: string): RefFailure => ({ kind: 'bad-name', message: `refusing to update ref with bad name '${name}'` }),
  lockExists: (name: string, lockPath: string): RefFailure => ({
    kind: 'lock',
    message:
      `cannot lock ref '${name}': Unable to create '${lockPath}': File exists.\n\n` +
      'Another git process seems to be running in this repository, e.g.\n' +
      "an editor opened by 'git commit'. Please make sure all processes\n" +
      'are terminated then try again. If it still fails, a git process\n' +
      'may have crashed in this repository earlier:\n' +
      'remove the file manually to continue.',
  }),
  lockFailed: (name: string, lockPath: string, reason: string): RefFailure => ({
    kind: 'lock',
    message: `cannot lock ref '${name}': Unable to create '${lockPath}': ${reason}.`,
  }),
  aborted: (): RefFailure => ({ kind: 'aborted', message: 'atomic transaction failed' }),
  io: (name: string, reason: string): RefFailure => ({ kind: 'io', message: `cannot update ref '${name}': ${reason}` }),
};
