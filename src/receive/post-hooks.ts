import type { Logger } from 'pino';
import type { ResponseWriter } from '../protocol/response-writer.js';
import type { ReceiveCommand } from './command.js';
import { HookRunner } from './hooks/index.js';
import type { ReceivePackSession } from './types.js';
import { hookContextOf } from './hook-context.js';

/** post-receive then post-update, after the report; their results do not change the push. */
export async function runPostHooks(options: {
  session: ReceivePackSession;
  commands: ReceiveCommand[];
  pushOptions: string[];
  writer: ResponseWriter;
  log?: Logger;
}): Promise<void> {
  const { session, commands, writer } = options;
  if (!commands.some((c) => c.status === 'ok')) return;
  const hooks = new HookRunner({
    gitDir: session.repo.gitDir,
    config: session.repo.config,
    output: (chunk) => writer.hookOutput(chunk),
    env: session.hookEnv,
  });
  try {
    await hooks.postReceive(commands, { pushOptions: options.pushOptions });
    await hooks.postUpdate(commands);
    if (session.hooks?.postReceive) {
      await session.hooks.postReceive(
        hookContextOf(session, options.pushOptions, writer),
        commands.filter((c) => c.status === 'ok'),
      );
    }
  } catch (err) {
    options.log?.warn({ err }, 'post hook failed');
  }
}
