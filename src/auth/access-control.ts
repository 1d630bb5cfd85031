import type { Logger } from 'pino';
import type { Identity } from '../identity.js';
import type { Access, AccessControl, AccessVerdict } from './access.js';
import type { Queryable } from '../db/database.js';
import { adoptRepository } from '../db/adoption.js';
import { findRepositoryExactly, type RepositoryRecord } from '../db/repositories.js';
import { AuthorizedKeysFile } from './authorized-keys.js';
import { groupsOfUser } from './groups.js';
import { grantedLevel, higherLevel, levelRank } from './permissions.js';
import { findKeyOwner, touchSshKey } from './ssh-keys.js';
import { verifyToken, type TokenScope } from './tokens.js';
import { findUser, findUserById, getUser } from './users.js';

/** Group marker of identities from the authorized_keys file; `:` cannot occur in real group names. */
export const AUTHORIZED_KEYS_GROUP = ':authorized-keys';

/**
 * How a key of the authorized_keys file that names no account is called
 * (audit, logs, REMOTE_USER for hooks): `key:SHA256:…`. The `:` keeps it
 * apart from every username and every subject a rule can name.
 */
export function authorizedKeyName(fingerprint: string): string {
  return `key:${fingerprint}`;
}

/** The identities this module hands out: an Identity plus how it was proved. */
export interface AccountIdentity extends Identity {
  via?: 'token' | 'ssh-key' | 'authorized-keys';
  tokenId?: number;
  /** A token's scopes (null: all the user may do). */
  scopes?: TokenScope[] | null;
  keyFingerprint?: string;
}

export interface AccountAccessOptions {
  db: Queryable;
  /** Data folder: repositories found there but not yet registered are adopted on first access. */
  dataDir?: string;
  /**
   * An OpenSSH authorized_keys file. Its keys push to every repository as
   * `key:SHA256:…` (not users: the comment names nobody), except those whose
   * line maps them to an account with `pushgate-user="alice"`: those are that
   * user, with that user's permissions.
   */
  authorizedKeysFile?: string;
  log?: Logger;
}

/**
 * Who may do what, from PostgreSQL: users with SSH keys and tokens, grants
 * per repository or pattern to users and groups, repository owners, admins,
 * and per-repository anonymous read/push. The one permission check every
 * transport calls.
 */
export class AccountAccessControl implements AccessControl {
  readonly acceptsCredentials = true;
  private readonly db: Queryable;
  private readonly dataDir?: string;
  private readonly authorizedKeys?: AuthorizedKeysFile;
  private readonly log?: Logger;

  constructor(options: AccountAccessOptions) {
    this.db = options.db;
    this.dataDir = options.dataDir;
    this.log = options.log;
    if (options.authorizedKeysFile) this.authorizedKeys = new AuthorizedKeysFile(options.authorizedKeysFile, options.log);
  }

  /** Reads the authorized_keys file once, so a wrong path fails at start; returns its key count. */
  async loadAuthorizedKeys(): Promise<number> {
    return this.authorizedKeys ? this.authorizedKeys.load() : 0;
  }

  async authenticatePassword(username: string, secret: string): Promise<AccountIdentity | null> {
    const token = await verifyToken(this.db, secret, username);
    return token ? this.tokenIdentity(token) : null;
  }

  /** A token alone (`Authorization: Bearer …`), without a username. */
  async authenticateToken(secret: string): Promise<AccountIdentity | null> {
    const token = await verifyToken(this.db, secret);
    return token ? this.tokenIdentity(token) : null;
  }

  private async tokenIdentity(token: {
    tokenId: number;
    userId: number;
    username: string;
    scopes: TokenScope[] | null;
  }): Promise<AccountIdentity> {
    return {
      userId: token.userId,
      username: token.username,
      groups: await groupsOfUser(this.db, token.userId),
      via: 'token',
      tokenId: token.tokenId,
      scopes: token.scopes,
    };
  }

  async authenticatePublicKey(_algorithm: string, keyBlob: Buffer): Promise<AccountIdentity | null> {
    const owner = await findKeyOwner(this.db, keyBlob);
    if (owner) {
      await touchSshKey(this.db, owner.keyId);
      return {
        userId: owner.userId,
        username: owner.username,
        groups: await groupsOfUser(this.db, owner.userId),
        via: 'ssh-key',
        keyFingerprint: owner.fingerprint,
      };
    }
    const listed = await this.authorizedKeys?.find(keyBlob);
    if (!listed) return null;
    if (listed.user !== undefined) {
      // `pushgate-user="alice"`: the key is alice's, as if added with `pushgate key add`.
      const user = await findUser(this.db, listed.user);
      if (!user) {
        this.log?.warn(
          { file: this.authorizedKeys!.path, fingerprint: listed.fingerprint, user: listed.user },
          'authorized_keys maps a key to a user that does not exist; key refused',
        );
        return null;
      }
      return {
        userId: user.id,
        username: user.username,
        groups: await groupsOfUser(this.db, user.id),
        via: 'authorized-keys',
        keyFingerprint: listed.fingerprint,
      };
    }
    // Not a user: the comment is only a comment. A name no account can have.
    return {
      username: authorizedKeyName(listed.fingerprint),
      groups: [AUTHORIZED_KEYS_GROUP],
      via: 'authorized-keys',
      keyFingerprint: listed.fingerprint,
    };
  }

  async check(identity: Identity | undefined, repo: string, access: Access): Promise<AccessVerdict> {
    const record = await this.repository(repo);
    if (!record) return 'not-found';
    const level = await this.levelOn(identity, record);
    if (levelRank(level) >= levelRank(access)) return 'allow';
    return level ? 'deny' : 'not-found';
  }

  refusal(identity: Identity | undefined, repo: string, access: Access): string {
    if (!identity?.username) {
      const what = access === 'read' ? 'Reading' : access === 'write' ? 'Pushing to' : 'Administering';
      return `${what} ${repo} needs authentication: an SSH key, or a username and token over HTTP.`;
    }
    const scopes = (identity as AccountIdentity).scopes;
    const scopeNote = scopes?.length ? ` (the token used is limited to: ${scopes.join(', ')})` : '';
    return `Permission to ${repo} denied to ${identity.username}: ${access} access is needed${scopeNote}.`;
  }

  /** Whether the identity may use the admin API: an admin user, with an unscoped or admin-scoped token. */
  async isAdmin(identity: Identity | undefined): Promise<boolean> {
    if (identity?.userId === undefined) return false;
    const user = await findUserById(this.db, identity.userId);
    const scopes = (identity as AccountIdentity).scopes;
    return !!user?.admin && (!scopes?.length || scopes.includes('admin'));
  }

  /** The highest level the identity has on the repository, or null when it may not even see it. */
  async levelOn(identity: Identity | undefined, record: RepositoryRecord): Promise<Access | null> {
    const anonymous: Access | null = record.anonymousPush ? 'write' : record.anonymousRead ? 'read' : null;
    if (identity?.userId === undefined) {
      // Keys from the authorized_keys file push everywhere, by the operator's choice.
      if (identity?.groups?.includes(AUTHORIZED_KEYS_GROUP)) return higherLevel(anonymous, 'write');
      return anonymous;
    }
    const user = await findUserById(this.db, identity.userId);
    if (!user) return anonymous; // removed since they authenticated
    let level: Access | null = user.admin ? 'admin' : anonymous;
    if (record.owner && record.owner.toLowerCase() === user.username.toLowerCase()) level = 'admin';
    level = higherLevel(level, await grantedLevel(this.db, user.id, record.name));
    return capByScopes(level, (identity as AccountIdentity).scopes);
  }

  /**
   * `name` is the canonical name of the folder the transport found: its own
   * registry entry, never its `.git` twin's (whose grants and flags are not its).
   */
  private async repository(name: string): Promise<RepositoryRecord | null> {
    const record = await findRepositoryExactly(this.db, name);
    if (record || !this.dataDir) return record;
    return adoptRepository(this.db, this.dataDir, name);
  }
}

/** A scoped token can do at most what its highest scope allows, and never more than its user. */
function capByScopes(level: Access | null, scopes: TokenScope[] | null | undefined): Access | null {
  if (!level || !scopes?.length) return level;
  const cap = scopes.reduce<Access | null>((best, scope) => higherLevel(best, scope), null);
  return levelRank(level) <= levelRank(cap) ? level : cap;
}

/** The identity of the account `username` (throws NotFoundError), for dry runs of the rules on a user's behalf. */
export async function userIdentity(db: Queryable, username: string): Promise<AccountIdentity> {
  const user = await getUser(db, username);
  return { userId: user.id, username: user.username, groups: await groupsOfUser(db, user.id) };
}

export function createAccessControl(options: AccountAccessOptions): AccountAccessControl {
  return new AccountAccessControl(options);
}
