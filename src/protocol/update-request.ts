import { ProtocolError } from '../errors.js';
import { isOid, oidHexLength, type HashAlgorithm } from '../objects/oid.js';
import { CapabilitySet } from './capabilities.js';
import { LineCounter } from './line-limits.js';
import { packetText } from './pkt-line.js';
import { PROTOCOL_ERROR } from './protocol-errors.js';
import type { PktLineReader } from './pkt-line-reader.js';

export interface RequestedUpdate {
  oldOid: string;
  newOid: string;
  refName: string;
}

export interface UpdateRequest {
  shallow: string[];
  commands: RequestedUpdate[];
  capabilities: CapabilitySet;
  /** The raw capability text of the first command (for transcripts). */
  capabilityText: string;
}

/**
 * Reads `shallow` lines and the command list up to its flush (git's
 * read_head_info). Returns null for an empty request (just a flush, the HTTP
 * probe), which git answers with nothing at all. The end of input before any
 * packet is git's "the remote end hung up unexpectedly".
 */
export async function readUpdateRequest(
  reader: PktLineReader,
  algo: HashAlgorithm,
  counter = new LineCounter(),
): Promise<UpdateRequest | null> {
  const hexLength = oidHexLength(algo);
  const shallow: string[] = [];
  const commands: RequestedUpdate[] = [];
  let capabilities = new CapabilitySet();
  let capabilityText = '';
  let sawCapabilities = false;
  for (;;) {
    const packet = await reader.read();
    if (packet === null) {
      // git's packet_read dies so when the client goes before its first packet (nothing to push, or it gave up).
      if (commands.length === 0 && shallow.length === 0) {
        throw new ProtocolError('the remote end hung up unexpectedly', { code: PROTOCOL_ERROR.eof, silentOnWire: true });
      }
      throw new ProtocolError('protocol error: unexpected end of input in the command list');
    }
    if (packet.kind === 'flush') break;
    if (packet.kind !== 'data') throw new ProtocolError('protocol error: got an unexpected packet');
    const data = packet.data;
    const nul = data.indexOf(0);
    const line = packetText(nul >= 0 ? data.subarray(0, nul) : data);
    if (line.startsWith('shallow ')) {
      const oid = line.slice(8);
      if (!isOid(oid, algo)) throw new ProtocolError(`protocol error: expected shallow sha, got '${line}'`);
      counter.count('shallow');
      shallow.push(oid);
      continue;
    }
    if (nul >= 0 && !sawCapabilities) {
      capabilityText = packetText(data.subarray(nul + 1)).trim();
      capabilities = CapabilitySet.parse(capabilityText);
      sawCapabilities = true;
      checkObjectFormat(capabilities, algo);
    }
    if (line.startsWith('push-cert')) {
      throw new ProtocolError('protocol error: push certificates are not supported (push-cert was not advertised)');
    }
    const oldOid = line.slice(0, hexLength);
    const newOid = line.slice(hexLength + 1, 2 * hexLength + 1);
    if (
      !isOid(oldOid, algo) ||
      line[hexLength] !== ' ' ||
      !isOid(newOid, algo) ||
      line[2 * hexLength + 1] !== ' ' ||
      line.length <= 2 * hexLength + 2
    ) {
      throw new ProtocolError(`protocol error: expected old/new/ref, got '${line}'`);
    }
    counter.count('command');
    commands.push({ oldOid, newOid, refName: line.slice(2 * hexLength + 2) });
  }
  if (!sawCapabilities) checkObjectFormat(capabilities, algo);
  if (commands.length === 0 && shallow.length === 0) return null;
  return { shallow, commands, capabilities, capabilityText };
}

/** A client that names no object-format speaks sha1 (git's rule). */
function checkObjectFormat(capabilities: CapabilitySet, algo: HashAlgorithm): void {
  const requested = capabilities.value('object-format') ?? 'sha1';
  if (requested !== algo) throw new ProtocolError(`error: unsupported object format '${requested}'`);
}

/** Push options: one pkt each, up to a flush (only when negotiated); `counter` limits their number. */
export async function readPushOptions(reader: PktLineReader, counter = new LineCounter({ pushOption: 1000 })): Promise<string[]> {
  const options: string[] = [];
  for (;;) {
    const packet = await reader.read();
    if (packet === null) throw new ProtocolError('protocol error: unexpected end of input in push options');
    if (packet.kind === 'flush') return options;
    if (packet.kind !== 'data') throw new ProtocolError('protocol error: got an unexpected packet');
    counter.count('pushOption');
    options.push(packetText(packet.data));
  }
}
