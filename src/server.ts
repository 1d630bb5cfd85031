import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { mkdir } from 'node:fs/promises';
import { adminApi } from './admin/index.js';
import type { AccessControl } from './auth/access.js';
import { allowAnonymousPush } from './auth/anonymous-push.js';
import { OpenAccess } from './auth/open-access.js';
import { PgPolicySource } from './db/rule-store.js';
import { createLogger } from './logger.js';
import { serverAccounts } from './server/accounts.js';
import type { PushgateServer, ServerOptions } from './server/options.js';
import { gitHttp } from './transport/http/git-http.js';
import { receivePackOverHttp } from './transport/http/receive-pack-service.js';
import { uploadPackOverHttp } from './transport/http/upload-pack-service.js';
import { startSshServer, type SshServer } from './transport/ssh/server.js';

export type { DatabaseOption, PushgateServer, ServerOptions } from './server/options.js';

/**
 * The library's front door: the whole pushgate server from options, not yet
 * listening. Accounts (or none), access, policy, audit, the admin API, git
 * over HTTP and, with `sshPort`, git over SSH; `listen()` starts them and
 * `close()` stops them all.
 */
export async function createServer(options: ServerOptions): Promise<PushgateServer> {
  await mkdir(options.dataDir, { recursive: true });
  const log = options.logger ?? createLogger();
  const { accounts, owned } = await serverAccounts(options, log);
  try {
    const anonymousPush = options.allowAnonymousPush ?? false;
    let access: AccessControl;
    if (options.access) access = options.access;
    else if (!accounts) access = new OpenAccess(anonymousPush);
    else if (anonymousPush) {
      log.warn('anonymous push is allowed to every repository (--allow-anonymous-push)');
      access = allowAnonymousPush(accounts.access);
    } else access = accounts.access;
    const audit = options.audit ?? accounts?.audit;
    const policy = options.policy ?? (accounts ? new PgPolicySource(accounts.db) : undefined);

    // One idle limit for HTTP and SSH: a client silent for this long (one that stopped half way) is dropped.
    const idleTimeoutMs = (options.idleTimeoutSeconds ?? 600) * 1000;
    const app: FastifyInstance = Fastify({
      loggerInstance: log as FastifyBaseLogger,
      bodyLimit: 1024 * 1024,
      requestTimeout: 0,
      connectionTimeout: idleTimeoutMs,
    });
    // fastify's default handler sends an error's own message, which may hold server paths: a 5xx says only that it failed.
    app.setErrorHandler((err: FastifyError, request, reply) => {
      const status = err.statusCode && err.statusCode >= 400 ? err.statusCode : 500;
      if (status >= 500) request.log.error({ err }, 'request failed');
      const message = status >= 500 ? 'internal server error; the server log has the details' : err.message;
      return reply.code(status).type('text/plain; charset=utf-8').send(`${message}\n`);
    });
    await app.register(async (scope) => {
      if (accounts && options.adminApi !== false) {
        await scope.register(adminApi, { prefix: '/api/v1', db: accounts.db, dataDir: options.dataDir, access: accounts.access });
      }
      if (options.configure) await options.configure(scope);
      await gitHttp(scope, {
        dataDir: options.dataDir,
        access,
        audit,
        maxBodyBytes: options.maxBodyBytes,
        services: [
          receivePackOverHttp({ audit, hooks: options.hooks, policy, log }),
          uploadPackOverHttp({ log }),
          ...(options.extraServices ?? []),
        ],
      });
    });

    const host = options.host ?? '127.0.0.1';
    let port = options.httpPort ?? 8080;
    let ssh: SshServer | undefined;
    let closing: Promise<void> | undefined;
    return {
      app,
      accounts,
      get url() {
        return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
      },
      get httpPort() {
        return port;
      },
      get ssh() {
        return ssh;
      },
      async listen() {
        await app.listen({ host, port });
        const address = app.server.address();
        if (address && typeof address === 'object') port = address.port;
        if (options.sshPort === undefined) return;
        ssh = await startSshServer({
          host,
          port: options.sshPort,
          dataDir: options.dataDir,
          hostKey: options.sshHostKey,
          hostKeyPath: options.sshHostKeyPath,
          access,
          audit,
          policy,
          hooks: options.hooks,
          idleTimeoutMs,
          log,
        }).catch(async (err: unknown) => {
          await app.close(); // no server half up: HTTP stops when SSH cannot start
          throw err;
        });
      },
      close() {
        closing ??= (async () => {
          try {
            await ssh?.close();
            await app.close();
          } finally {
            if (owned) await accounts?.close();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    if (owned) await accounts?.close().catch(() => undefined);
    throw err;
  }
}
