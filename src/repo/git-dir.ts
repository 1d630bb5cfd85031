import { stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * git's enter_repo for a path given on the command line: strip trailing
 * slashes, then try `<p>/.git`, `<p>`, `<p>.git/.git`, `<p>.git`.
 */
export async function findGitDir(given: string): Promise<string | null> {
  const base = path.resolve(given.replace(/\/+$/, '') || '/');
  for (const candidate of [path.join(base, '.git'), base, `${base}.git/.git`, `${base}.git`]) {
    if (await isGitDir(candidate)) return candidate;
  }
  return null;
}

/** HEAD file, objects/ and refs/ folders: what git checks before treating a folder as a repository. */
export async function isGitDir(dir: string): Promise<boolean> {
  try {
    const [head, objects, refs] = await Promise.all([
      stat(path.join(dir, 'HEAD')),
      stat(path.join(dir, 'objects')),
      stat(path.join(dir, 'refs')),
    ]);
    return head.isFile() && objects.isDirectory() && refs.isDirectory();
  } catch {
    return false;
  }
}
