import { parseArgs } from 'node:util';
import path from 'node:path';
import { openAccounts } from '../../auth/accounts.js';
import { createLogger } from '../../logger.js';
import { PgPolicySource } from '../../db/rule-store.js';
import { openRepository } from '../../repo/repository.js';
import { createServer } from '../../server.js';
import { allowAnonymousPush } from '../../auth/anonymous-push.js';
import { adminApi } from '../../transport/http/admin-api.js';
import { adminPolicyApi } from '../../transport/http/admin-api-policy.js';
import { resolveRepoPath } from '../../transport/repo-path.js';
import { startSshServer } from '../../transport/ssh/server.js';
import { UsageError, type CliCommand } from '../command.js';

/** `pushgate serve`: the repositories of a data folder over smart HTTP (and SSH), with accounts. */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the repositories of a data folder over smart HTTP and SSH',
  usage:
    'pushgate serve --data <dir> [--host 127.0.0.1] [--http-port 8080] [--ssh-port <port>] [--ssh-host-key FILE] ' +
    '[--authorized-keys FILE] [--allow-anonymous-push]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        'http-port': { type: 'string', default: '8080' },
        'ssh-port': { type: 'string' },
        'ssh-host-key': { type: 'string' },
        'authorized-keys': { type: 'string' },
        'allow-anonymous-push': { type: 'boolean', default: false },
      },
    });
    if (!values.data) throw new UsageError('--data <dir> is required');
    const httpPort = parsePort(values['http-port']!, '--http-port');
    const sshPort = values['ssh-port'] === undefined ? undefined : parsePort(values['ssh-port'], '--ssh-port');
    const dataDir = path.resolve(values.data);
    const log = createLogger();

    const accounts = await openAccounts({
      dataDir,
      databaseUrl: io.env.DATABASE_URL || undefined,
      authorizedKeysFile: values['authorized-keys'],
      log,
      readRefs: async (name) => {
        const found = await resolveRepoPath(dataDir, name);
        if (!found) return null;
        const repo = await openRepository(found.gitDir);
        try {
          return await repo.refs.list();
        } finally {
          await repo.close();
        }
      },
    });
    const access = values['allow-anonymous-push'] ? allowAnonymousPush(accounts.access) : accounts.access;
    if (values['allow-anonymous-push']) log.warn('anonymous push is allowed to every repository (--allow-anonymous-push)');
    const policy = new PgPolicySource(accounts.db);
    const server = await createServer({
      dataDir,
      host: values.host,
      httpPort,
      access,
      audit: accounts.audit,
      policy,
      logger: log,
      configure: async (app) => {
        await app.register(adminApi, { prefix: '/api/v1', db: accounts.db, dataDir, access: accounts.access });
        await app.register(adminPolicyApi, { prefix: '/api/v1', db: accounts.db, dataDir, access: accounts.access });
      },
    });
    await server.listen();
    const ssh =
      sshPort === undefined
        ? undefined
        : await startSshServer({
            host: values.host,
            port: sshPort,
            dataDir,
            hostKey: values['ssh-host-key'],
            access,
            audit: accounts.audit,
            policy,
            log,
          });

    io.stdout.write(
      `pushgate is serving ${dataDir} (database: ${accounts.db.kind === 'embedded' ? 'embedded, in the data folder' : 'PostgreSQL'})\n` +
        `  push to:   ${server.url}/<name>.git   (e.g. git push ${server.url}/demo.git main)\n` +
        (ssh ? `  over SSH:  ssh://git@${values.host}:${ssh.port}/<name>.git   (host key ${ssh.hostKeyFingerprint})\n` : '') +
        `  admin API: ${server.url}/api/v1\n` +
        `  create:    pushgate repo create demo --data ${values.data}\n` +
        (values['allow-anonymous-push']
          ? '  note:      anyone may push (--allow-anonymous-push)\n'
          : '  note:      pushing needs a user and a token: pushgate user add / token create\n'),
    );
    await waitForSignal();
    await ssh?.close();
    await server.close();
    await accounts.close();
    return 0;
  },
};

function parsePort(value: string, flag: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad ${flag} '${value}'`);
  return port;
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
