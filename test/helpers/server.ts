import type { Test } from 'tap';
import pino from 'pino';
import { createServer, type PushgateServer, type ServerOptions } from '../../src/server.js';

/** A pushgate server on an ephemeral loopback port, closed when the test ends. */
export async function startTestServer(t: Test, options: Partial<ServerOptions> & { dataDir: string }): Promise<PushgateServer> {
  const server = await createServer({
    host: '127.0.0.1',
    httpPort: 0,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...options,
  });
  await server.listen();
  t.teardown(() => server.close());
  return server;
}
