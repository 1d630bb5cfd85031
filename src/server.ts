import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { mkdir } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { PolicySource } from './policy/index.js';
import { createLogger } from './logger.js';
import type { AuditSink } from './audit-record.js';
import type { ReceiveHooks } from './receive/types.js';
import type { AccessControl } from './auth/access.js';
import { gitHttp, type GitHttpService } from './transport/http/git-http.js';
import { receivePackOverHttp } from './transport/http/receive-pack-service.js';
import { uploadPackOverHttp } from './transport/http/upload-pack-service.js';
import { OpenAccess } from './auth/open-access.js';

export interface ServerOptions {
  /** Folder holding the bare repositories (`<name>.git`, nested names allowed). */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  httpPort?: number;
  /**
   * Seconds a connection may stay silent in both directions before it is
   * closed (default 600). Whole-request time is not limited: big pushes over
   * slow links take as long as they take, and keepalives flow while hooks run.
   */
  idleTimeoutSeconds?: number;
  /** Without accounts, pushes over HTTP are refused unless this is set. */
  allowAnonymousPush?: boolean;
  access?: AccessControl;
  audit?: AuditSink;
  /** Branch-protection rules for every push (e.g. PgPolicySource). */
  policy?: PolicySource;
  /** In-process hooks beside the repositories' executable ones. */
  hooks?: ReceiveHooks;
  logger?: Logger;
  /** More git services over HTTP (the same name replaces a built-in one). */
  extraServices?: GitHttpService[];
  configure?: (app: FastifyInstance) => Promise<void> | void;
}

export interface PushgateServer {
  readonly app: FastifyInstance;
  /** Base URL once listening, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly httpPort: number;
  listen(): Promise<void>;
  close(): Promise<void>;
}

/** The library's front door: a pushgate server, not yet listening. */
export async function createServer(options: ServerOptions): Promise<PushgateServer> {
  await mkdir(options.dataDir, { recursive: true });
  const log = options.logger ?? createLogger();
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    requestTimeout: 0,
    connectionTimeout: (options.idleTimeoutSeconds ?? 600) * 1000,
  });
  const access = options.access ?? new OpenAccess(options.allowAnonymousPush ?? false);
  await app.register(async (scope) => {
    if (options.configure) await options.configure(scope);
    await gitHttp(scope, {
      dataDir: options.dataDir,
      access,
      audit: options.audit,
      services: [
        receivePackOverHttp({ audit: options.audit, hooks: options.hooks, policy: options.policy, log }),
        uploadPackOverHttp({ log }),
        ...(options.extraServices ?? []),
      ],
    });
  });
  const host = options.host ?? '127.0.0.1';
  let port = options.httpPort ?? 8080;
  return {
    app,
    get url() {
      return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    },
    get httpPort() {
      return port;
    },
    async listen() {
      await app.listen({ host, port });
      const address = app.server.address();
      if (address && typeof address === 'object') port = address.port;
    },
    async close() {
      await app.close();
    },
  };
}
