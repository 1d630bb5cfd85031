import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** fsync a directory so that a rename or unlink in it survives a crash. */
export async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write and fsync a file that must not exist yet (O_EXCL). */
export async function writeNewFileDurably(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replace a file the way git does with a lock file: write `<path>.lock`
 * (exclusive), fsync, rename over the target, fsync the directory.
 */
export async function writeFileAtomically(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const lock = `${path}.lock`;
  await writeNewFileDurably(lock, data, mode);
  try {
    await rename(lock, path);
  } catch (error) {
    await unlink(lock).catch(() => undefined);
    throw error;
  }
  await fsyncDirectory(dirname(path));
}

export function isErrno(error: unknown, ...codes: string[]): boolean {
  return codes.includes((error as NodeJS.ErrnoException)?.code ?? '');
}
