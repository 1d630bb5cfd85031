import { PUSHGATE_VERSION } from '../version.js';
import { UsageError, type CliIO } from './command.js';
import { commandLoaders } from './commands/index.js';

async function helpText(): Promise<string> {
  const commands = await Promise.all(commandLoaders.map((c) => c.load()));
  const width = Math.max(...commands.map((c) => c.name.length));
  const lines = commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`);
  return `usage: pushgate <command> [<args>]\n\nCommands:\n${lines.join('\n')}\n\nRun 'pushgate <command> --help' for a command's options.\n`;
}

/** Entry point of the `pushgate` binary; returns (and sets) the exit status. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.stdout.write(await helpText());
    return name ? 0 : 129;
  }
  if (name === 'version' || name === '--version') {
    io.stdout.write(`pushgate ${PUSHGATE_VERSION}\n`);
    return 0;
  }
  const command = await commandLoaders.find((c) => c.name === name)?.load();
  if (!command) {
    io.stderr.write(`pushgate: '${name}' is not a pushgate command. See 'pushgate help'.\n`);
    process.exitCode = 129;
    return 129;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`usage: ${command.usage}\n`);
    return 0;
  }
  let status: number;
  try {
    status = await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`error: ${(err as Error).message}\nusage: ${command.usage}\n`);
      status = 129;
    } else {
      io.stderr.write(`fatal: ${(err as Error).message ?? String(err)}\n`);
      status = 128;
    }
  }
  process.exitCode = status;
  // A client may keep its end open after the exchange (dulwich does after an empty push): stop reading, so the process can end.
  if (io.stdin === process.stdin) process.stdin.destroy();
  return status;
}

function defaultIO(): CliIO {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env };
}
