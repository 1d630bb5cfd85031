import type { ResponseWriter } from '../protocol/response-writer.js';
import type { HookContext, ReceivePackSession } from './types.js';

/** What in-process hooks see of a push; their messages reach the client as `remote:` lines. */
export function hookContextOf(session: ReceivePackSession, pushOptions: string[], writer: ResponseWriter): HookContext {
  return {
    repo: session.repo,
    repoName: session.repoName,
    identity: session.identity,
    pushOptions,
    message: (line) => writer.text(`${line}\n`),
  };
}
