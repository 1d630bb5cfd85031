import path from 'node:path';

/**
 * Where pushgate keeps its own state inside a data folder. The folder starts
 * with a dot, so it can never be taken for a repository (repository names
 * refuse dot segments).
 */
export function stateDir(dataDir: string): string {
  return path.join(dataDir, '.pushgate');
}

/** The embedded database (PGlite data directory). */
export function embeddedDatabaseDir(dataDir: string): string {
  return path.join(stateDir(dataDir), 'pg');
}

/** Lock file held while a process has the embedded database open. */
export function embeddedDatabaseLock(dataDir: string): string {
  return path.join(stateDir(dataDir), 'pg.lock');
}

/** Default SSH host key, created on first start. */
export function defaultSshHostKeyPath(dataDir: string): string {
  return path.join(stateDir(dataDir), 'ssh_host_ed25519_key');
}
