import { adoptRepository } from '../../db/adoption.js';
import type { Queryable } from '../../db/database.js';
import { getRepository, type RepositoryRecord } from '../../db/repositories.js';
import type { DatabaseTarget } from './account-cli.js';

/**
 * Shared by `protect`, `policy` and `check`: finding the repository a
 * command names. With --data, a bare repository in the folder that is not
 * registered yet is adopted first, as the server does on first access.
 */
export async function repositoryFor(db: Queryable, target: DatabaseTarget, name: string): Promise<RepositoryRecord> {
  if (target.dataDir) {
    const adopted = await adoptRepository(db, target.dataDir, name);
    if (adopted) return adopted;
  }
  return getRepository(db, name);
}

/** `--allow alice,@leads --allow bob` → [alice, @leads, bob]. */
export function subjectList(values: readonly string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}
