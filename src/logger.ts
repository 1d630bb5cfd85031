import pino, { type Logger } from 'pino';

/** One root logger: JSON lines by default, pretty on a terminal when pino-pretty is installed. */
export function createLogger(options: { level?: string; pretty?: boolean } = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const redact = { paths: ['token', 'password', '*.token', '*.password', 'req.headers.authorization'], remove: true };
  if (options.pretty ?? process.stdout.isTTY) {
    try {
      return pino({
        level,
        redact,
        transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' } },
      });
    } catch {
      // pino-pretty is a dev dependency; plain JSON without it.
    }
  }
  return pino({ level, redact });
}
