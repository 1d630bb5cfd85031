import { parseArgs } from 'node:util';
import path from 'node:path';
import { createLogger } from '../../logger.js';
import { createServer } from '../../server.js';
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
    const databaseUrl = io.env.DATABASE_URL || undefined;

    const server = await createServer({
      dataDir,
      host: values.host,
      httpPort,
      database: databaseUrl ? { url: databaseUrl } : 'embedded',
      authorizedKeys: values['authorized-keys'],
      allowAnonymousPush: values['allow-anonymous-push'],
      sshPort,
      sshHostKey: values['ssh-host-key'],
      logger: createLogger(),
    });
    try {
      await server.listen();
    } catch (err) {
      await server.close();
      throw err;
    }
    const { ssh } = server;
    io.stdout.write(
      `pushgate is serving ${dataDir} (database: ${server.accounts?.db.kind === 'embedded' ? 'embedded, in the data folder' : 'PostgreSQL'})\n` +
        `  push to:   ${server.url}/<name>.git   (e.g. git push ${server.url}/demo.git main)\n` +
        (ssh ? `  over SSH:  ssh://git@${values.host}:${ssh.port}/<name>.git   (host key ${ssh.hostKeyFingerprint})\n` : '') +
        `  admin API: ${server.url}/api/v1\n` +
        `  create:    pushgate repo create demo --data ${values.data}\n` +
        (values['allow-anonymous-push']
          ? '  note:      anyone may push (--allow-anonymous-push)\n'
          : '  note:      pushing needs a user and a token: pushgate user add / token create\n'),
    );
    await waitForSignal();
    await server.close();
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
