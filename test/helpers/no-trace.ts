import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** Every file under objects/, quarantines included (they are what must not be left). */
export async function objectFiles(gitDir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(path.join(d, e.name));
      else out.push(path.relative(gitDir, path.join(d, e.name)));
    }
  };
  await walk(path.join(gitDir, 'objects'));
  return out.sort();
}

/** The push quarantines (git's tmp_objdir-incoming-*) in a repository. */
export async function quarantines(gitDir: string): Promise<string[]> {
  return (await readdir(path.join(gitDir, 'objects'))).filter((n) => n.startsWith('tmp_objdir'));
}

/** Polls until `test` holds or `ms` pass; returns whether it held. */
export async function eventually(test: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await test()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}
