/** Stable codes for a database that cannot be opened, reached, locked or migrated, and for the registry's names. */
export const DB_ERROR = {
  locked: 'E_DB_LOCKED',
  migrate: 'E_DB_MIGRATE',
  dataDirMissing: 'E_DATA_DIR_MISSING',
  connect: 'E_DB_CONNECT',
  open: 'E_DB_OPEN',
  ambiguousRepository: 'E_REPO_AMBIGUOUS',
} as const;
