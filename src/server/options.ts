import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { AuditSink } from '../audit-record.js';
import type { AccessControl } from '../auth/access.js';
import type { Accounts } from '../auth/accounts.js';
import type { PolicySource } from '../policy/index.js';
import type { ReceiveHooks } from '../receive/types.js';
import type { GitHttpService } from '../transport/http/git-http.js';
import type { SshServer } from '../transport/ssh/server.js';

/**
 * Where the accounts live: `'embedded'` is PGlite in `<dataDir>/.pushgate/pg`
 * (one process at a time), `{ url }` a PostgreSQL server (DATABASE_URL).
 */
export type DatabaseOption = 'embedded' | { url: string };

export interface ServerOptions {
  /** Folder holding the bare repositories (`<name>.git`, nested names allowed). */
  dataDir: string;
  /** Where HTTP and SSH listen. Default 127.0.0.1. */
  host?: string;
  /** 0 picks a free port. Default 8080. */
  httpPort?: number;
  /**
   * Seconds a connection may stay silent in both directions before it is
   * closed (default 600). Whole-request time is not limited: big pushes over
   * slow links take as long as they take, and keepalives flow while hooks run.
   */
  idleTimeoutSeconds?: number;
  /**
   * Most bytes of an HTTP POST body, counted after gzip/deflate decoding,
   * per service; 0 = no limit. Default: 64 MiB for `git-upload-pack` (fetch
   * requests are wants and haves), none for `git-receive-pack` (the
   * repository's `receive.maxInputSize` limits pushes). Beyond it: 413.
   */
  maxBodyBytes?: { 'git-upload-pack'?: number; 'git-receive-pack'?: number };
  /**
   * Anyone may push (`--allow-anonymous-push`). Without accounts, pushes are
   * refused unless this is set; with accounts, it opens every repository the
   * server can see to anonymous read and push.
   */
  allowAnonymousPush?: boolean;

  /**
   * Accounts (users, tokens, keys, grants, the registry, rules, the audit
   * log) in this database. The server opens it, applies migrations, marks
   * pushes a crash interrupted, adopts the repositories already in the data
   * folder, and closes it on close(). Absent (and no `accounts`): no
   * accounts, anyone may read, push only with `allowAnonymousPush`.
   */
  database?: DatabaseOption;
  /** Accounts opened by the caller (openAccounts) instead of `database`; the server uses them and leaves them open. */
  accounts?: Accounts;
  /** An OpenSSH authorized_keys file whose keys may push to every repository (`--authorized-keys`; needs `database`). */
  authorizedKeys?: string;
  /** The admin HTTP API at `/api/v1`, served when there are accounts. Default true. */
  adminApi?: boolean;

  /** Replaces the access control made from the accounts (or OpenAccess without them). */
  access?: AccessControl;
  /** Where pushes are recorded. Default: the accounts' audit log. */
  audit?: AuditSink;
  /** Branch-protection rules for every push. Default: the accounts' rules (PgPolicySource). */
  policy?: PolicySource;
  /** In-process hooks beside the repositories' executable ones (HTTP and SSH). */
  hooks?: ReceiveHooks;
  logger?: Logger;

  /** git over SSH on this port as well (0 picks a free one). Absent: no SSH. */
  sshPort?: number;
  /** An existing OpenSSH private key as the SSH host key (`--ssh-host-key`); never written. */
  sshHostKey?: string;
  /** Where the SSH host key is kept, created on first start. Default `<dataDir>/.pushgate/ssh_host_ed25519_key`. */
  sshHostKeyPath?: string;

  /** More git services over HTTP (the same name replaces a built-in one). */
  extraServices?: GitHttpService[];
  /** More routes in the server's HTTP scope (registered after the admin API, before git). */
  configure?: (app: FastifyInstance) => Promise<void> | void;
}

export interface PushgateServer {
  readonly app: FastifyInstance;
  /** Base URL once listening, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly httpPort: number;
  /** The accounts the server runs with (undefined without accounts). */
  readonly accounts: Accounts | undefined;
  /** The SSH server once listening (undefined without `sshPort`). */
  readonly ssh: SshServer | undefined;
  /** Starts HTTP, then SSH. */
  listen(): Promise<void>;
  /** Stops SSH and HTTP, then closes the accounts it opened. */
  close(): Promise<void>;
}
