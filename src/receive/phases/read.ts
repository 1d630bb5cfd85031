import { PushgateError } from '../../errors.js';
import { ByteReader } from '../../protocol/byte-reader.js';
import { LineCounter } from '../../protocol/line-limits.js';
import { pktLine } from '../../protocol/pkt-line.js';
import { PktLineReader } from '../../protocol/pkt-line-reader.js';
import { readPushOptions, readUpdateRequest } from '../../protocol/update-request.js';
import { writeToStream } from '../../streams.js';
import { ReceiveCommand } from '../command.js';
import type { Push } from '../push.js';
import { ResponseWriter } from '../response-writer.js';

/**
 * Phase 2. The commands (git's read_head_info) and, when both sides agreed
 * on push-options, the options. Sets up the writer the rest of the push
 * answers through. Returns the byte reader the pack follows on, or null
 * when there is nothing more to do: a flush alone (git answers nothing) or a
 * protocol error (answered, exit status 128).
 */
export async function readCommands(push: Push): Promise<ByteReader | null> {
  const { session, settings } = push;
  const bytes = new ByteReader(session.input);
  const packets = new PktLineReader(bytes, settings.maxCommandBytes);
  const counter = new LineCounter(settings.limits);
  try {
    push.request = (await readUpdateRequest(packets, push.repo.algo, counter)) ?? undefined;
  } catch (err) {
    await failConnection(push, err);
    return null;
  }
  if (!push.request) return null;

  const caps = push.request.capabilities;
  push.writer = new ResponseWriter(session.output, {
    sideband: caps.has('side-band-64k'),
    stderr: session.stderr,
    keepAliveSeconds: settings.keepAliveSeconds,
  });
  push.commands = push.request.commands.map((c) => new ReceiveCommand(c.refName, c.oldOid, c.newOid));
  try {
    if (caps.has('push-options') && settings.advertisePushOptions) push.pushOptions = await readPushOptions(packets, counter);
  } catch (err) {
    await failConnection(push, err);
    return null;
  }
  return bytes;
}

/**
 * A fatal protocol error: tell the client why (ERR pkt-line, or band 3 once
 * side-band is on) and the operator (stderr), then end with status 128.
 */
async function failConnection(push: Push, err: unknown): Promise<void> {
  if (!(err instanceof PushgateError)) throw err;
  const { session } = push;
  push.log?.warn({ err: { code: err.code, message: err.message } }, 'push refused: protocol error');
  // A client that has gone gets nothing on the wire; git only dies with the message on stderr.
  const toClient = !err.data.silentOnWire;
  if (toClient && push.writer?.sideband) await push.writer.fatal(err.message);
  else if (toClient) await writeToStream(session.output, pktLine(`ERR ${err.message}\n`));
  if (session.stderr) await writeToStream(session.stderr, Buffer.from(`fatal: ${err.message}\n`));
  push.commands = [];
  push.exitCode = 128;
}
