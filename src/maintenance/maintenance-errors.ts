/** Stable codes of repository maintenance. */
export const MAINTENANCE_ERROR = {
  /** Another maintenance run holds the repository's maintenance lock. */
  busy: 'E_MAINTENANCE_BUSY',
  /** A loose object listed for packing disappeared before it was read. */
  looseVanished: 'E_MAINTENANCE_LOOSE_VANISHED',
} as const;
