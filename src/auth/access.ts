import type { Identity } from '../identity.js';

export type Access = 'read' | 'write' | 'admin';

/**
 * The verdict of a permission check. `not-found` is given instead of `deny`
 * when the user may not even see the repository (HTTP then answers 404, not 403).
 */
export type AccessVerdict = 'allow' | 'deny' | 'not-found';

/**
 * Who may do what, in one place for every transport. The server without a
 * database uses an open policy (push only with --allow-anonymous-push); the
 * accounts module provides one backed by PostgreSQL.
 */
export interface AccessControl {
  /**
   * Whether credentials can change a refusal. When true an anonymous
   * refusal over HTTP is a 401 with WWW-Authenticate (git then asks its
   * credential helper); when false it is a plain 403 with the refusal text.
   */
  readonly acceptsCredentials: boolean;
  /** HTTP Basic credentials (user + token); null when they are not valid. */
  authenticatePassword(username: string, secret: string): Promise<Identity | null>;
  /** SSH public key (algorithm + key blob as sent by the client); null when unknown. */
  authenticatePublicKey(algorithm: string, keyBlob: Buffer): Promise<Identity | null>;
  /** May this identity (undefined = anonymous) do `access` on the repository named `repo`? */
  check(identity: Identity | undefined, repo: string, access: Access): Promise<AccessVerdict>;
  /** Text shown to a refused user (git shows it as `remote: …`/`fatal: …`). */
  refusal(identity: Identity | undefined, repo: string, access: Access): string;
}
