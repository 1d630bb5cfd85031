import { lstat, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Temporary files older than this are litter of a crashed process. No push
 * or repack runs this long without touching its files (a receiving push
 * writes its quarantine continuously; idle clients are cut off far sooner).
 */
export const LITTER_GRACE_MS = 60 * 60 * 1000;

/**
 * Removes what crashed pushes and repacks leave behind, as `git prune` does
 * for `tmp_` names: quarantine directories `objects/tmp_objdir-incoming-*`
 * whose newest file is older than the grace period, `objects/pack/tmp_*`
 * (half-written packs and indexes) and pack files whose .idx is gone (a
 * removal cut short) older than it. Returns how many went.
 */
export async function removeLitter(objectsDir: string, graceMs = LITTER_GRACE_MS, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await namesIn(objectsDir)) {
    if (!name.startsWith('tmp_objdir-incoming-')) continue;
    const dir = join(objectsDir, name);
    const newest = await newestMtime(dir);
    if (newest !== undefined && now - newest > graceMs) {
      await rm(dir, { recursive: true, force: true });
      removed++;
    }
  }
  const packDir = join(objectsDir, 'pack');
  const names = await namesIn(packDir);
  const all = new Set(names);
  for (const name of names) {
    // A repack killed while removing old packs leaves a .pack (or .rev …) whose .idx went first: no reader uses it.
    const orphan =
      name.startsWith('pack-') &&
      !name.endsWith('.idx') &&
      !name.endsWith('.keep') &&
      !all.has(name.replace(/\.[a-z]+$/, '.idx'));
    if (!name.startsWith('tmp_') && !orphan) continue;
    const info = await lstat(join(packDir, name)).catch(() => undefined);
    if (info?.isFile() && now - info.mtimeMs > graceMs) {
      // A pack published right now has its .pack renamed in just before its .idx: look again.
      if (orphan && (await lstat(join(packDir, name.replace(/\.[a-z]+$/, '.idx'))).catch(() => undefined))) continue;
      await rm(join(packDir, name), { force: true });
      removed++;
    }
  }
  return removed;
}

async function namesIn(dir: string): Promise<string[]> {
  return readdir(dir).catch(() => []);
}

/** The latest mtime of a directory and everything in it (a running push keeps writing somewhere inside). */
async function newestMtime(path: string): Promise<number | undefined> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return undefined;
  let newest = info.mtimeMs;
  if (info.isDirectory()) {
    for (const name of await namesIn(path)) {
      const inner = await newestMtime(join(path, name));
      if (inner !== undefined && inner > newest) newest = inner;
    }
  }
  return newest;
}
