import { parseArgs } from 'node:util';
import path from 'node:path';
import { createServer } from '../../server.js';
import { createLogger } from '../../logger.js';
import { UsageError, type CliCommand } from '../command.js';

/** `pushgate serve`: smart HTTP over the repositories in a data folder. */
export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Serve the repositories of a data folder over smart HTTP',
  usage: 'pushgate serve --data <dir> [--host 127.0.0.1] [--http-port 8080] [--allow-anonymous-push]',
  async run(args, io) {
    const { values } = parseArgs({
      args,
      options: {
        data: { type: 'string' },
        host: { type: 'string', default: '127.0.0.1' },
        'http-port': { type: 'string', default: '8080' },
        'allow-anonymous-push': { type: 'boolean', default: false },
      },
    });
    if (!values.data) throw new UsageError('--data <dir> is required');
    const port = Number(values['http-port']);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --http-port '${values['http-port']}'`);
    const dataDir = path.resolve(values.data);
    const log = createLogger();
    const server = await createServer({
      dataDir,
      host: values.host,
      httpPort: port,
      allowAnonymousPush: values['allow-anonymous-push'],
      logger: log,
    });
    await server.listen();
    io.stdout.write(
      `pushgate is serving ${dataDir}\n` +
        `  push to:   ${server.url}/<name>.git   (e.g. git push ${server.url}/demo.git main)\n` +
        `  create:    pushgate repo create demo --data ${values.data}\n` +
        (values['allow-anonymous-push']
          ? ''
          : '  note:      anonymous HTTP push is off; restart with --allow-anonymous-push to allow it\n'),
    );
    await waitForSignal();
    await server.close();
    return 0;
  },
};

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
