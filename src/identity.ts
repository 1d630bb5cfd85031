/** Who talks to a git service, and over what: the ground-floor session types every layer may use. */

export type Transport = 'http' | 'ssh' | 'stdio';

/** Who is talking to a git service. Absent username = anonymous. */
export interface Identity {
  userId?: number;
  username?: string;
  /** Free-form facts a policy may use (groups, key fingerprint, token id). */
  groups?: string[];
}
