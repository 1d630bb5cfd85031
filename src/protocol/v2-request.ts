import { ProtocolError } from '../errors.js';
import { FLUSH_PKT, pktLine } from './pkt-line.js';
import { packetText } from './pkt-line.js';
import type { PktLineReader } from './pkt-line-reader.js';

/** One protocol v2 request: `command=<name>`, capability lines, delim, arguments, flush. */
export interface V2Request {
  command: string;
  /** Capability lines as sent (`agent=…`, `object-format=sha1`, `server-option=…`). */
  capabilities: string[];
  /** Argument lines, newline removed. */
  args: string[];
}

/** One advertised v2 capability: `name` or `name=value`. */
export interface V2Capability {
  name: string;
  value?: string;
  /** Requests may name it as `command=<name>`. */
  command?: boolean;
}

/** The capability advertisement (gitprotocol-v2 "Capability Advertisement"). */
export function encodeV2Capabilities(capabilities: readonly V2Capability[]): Buffer {
  const lines = [pktLine('version 2\n')];
  for (const c of capabilities) lines.push(pktLine(c.value === undefined ? `${c.name}\n` : `${c.name}=${c.value}\n`));
  lines.push(FLUSH_PKT);
  return Buffer.concat(lines);
}

/**
 * Reads one request as git's serve loop does. Returns null when the client
 * ends the session: end of stream, or a flush with nothing before it.
 */
export async function readV2Request(reader: PktLineReader, advertised: readonly V2Capability[]): Promise<V2Request | null> {
  let command: string | undefined;
  const capabilities: string[] = [];
  let sawKey = false;
  let packet = await reader.read();
  if (packet === null) return null;
  for (;;) {
    if (packet === null) throw new ProtocolError('the remote end hung up unexpectedly');
    if (packet.kind === 'flush') {
      if (!sawKey) return null;
      if (!command) throw new ProtocolError('no command requested');
      return { command, capabilities, args: [] };
    }
    if (packet.kind === 'delim') break;
    if (packet.kind !== 'data') throw new ProtocolError('protocol error: unexpected stateless separator packet');
    const line = packetText(packet.data);
    sawKey = true;
    if (line.startsWith('command=')) {
      const name = line.slice(8);
      if (command) throw new ProtocolError(`command '${name}' requested after already requesting command '${command}'`);
      if (!advertised.some((c) => c.command && c.name === name)) throw new ProtocolError(`invalid command '${name}'`);
      command = name;
    } else if (advertised.some((c) => line === c.name || line.startsWith(`${c.name}=`))) {
      capabilities.push(line);
    } else {
      throw new ProtocolError(`unknown capability '${line}'`);
    }
    packet = await reader.read();
  }
  if (!command) throw new ProtocolError('no command requested');
  const args: string[] = [];
  for (;;) {
    const arg = await reader.read();
    if (arg === null) throw new ProtocolError('the remote end hung up unexpectedly');
    if (arg.kind === 'flush') return { command, capabilities, args };
    if (arg.kind !== 'data') throw new ProtocolError(`expected flush after ${command} arguments`);
    args.push(packetText(arg.data));
  }
}

/** Value of a capability line such as `object-format=sha1`. */
export function capabilityValue(capabilities: readonly string[], name: string): string | undefined {
  const line = capabilities.find((c) => c.startsWith(`${name}=`));
  return line?.slice(name.length + 1);
}
