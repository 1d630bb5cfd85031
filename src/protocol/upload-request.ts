import { ProtocolError } from '../errors.js';
import { isOid, oidHexLength, type HashAlgorithm } from '../objects/oid.js';
import { CapabilitySet } from './capabilities.js';
import { LineCounter } from './line-limits.js';
import { packetText } from './pkt-line.js';
import type { PktLineReader } from './pkt-line-reader.js';

/** The shallow-related lines a fetch may carry (v0 and v2 alike). */
export interface DeepenRequest {
  /** Commits the client has as shallow (`shallow <oid>`). */
  shallows: string[];
  /** `deepen <n>`; 0 when absent. */
  depth: number;
  /** `deepen-since <seconds>`. */
  deepenSince?: number;
  /** `deepen-not <ref>`, as written. */
  deepenNot: string[];
  /** `deepen-relative` (a capability in v0, an argument in v2). */
  deepenRelative: boolean;
}

/** What a v0/v1 client asks for before negotiating (git's receive_needs). */
export interface UploadRequest extends DeepenRequest {
  wants: string[];
  /** The features named after the wants' object ids. */
  capabilities: CapabilitySet;
  /** `filter <spec>` (only accepted when the filter capability was negotiated). */
  filter?: string;
}

export function emptyDeepenRequest(): DeepenRequest {
  return { shallows: [], depth: 0, deepenNot: [], deepenRelative: false };
}

/** What a request parser keeps while it reads: the ids seen (repeats are dropped in constant time) and the counts. */
export interface ParseState {
  wants: Set<string>;
  shallows: Set<string>;
  counter: LineCounter;
}

export function newParseState(counter = new LineCounter()): ParseState {
  return { wants: new Set(), shallows: new Set(), counter };
}

/**
 * Applies a shallow/deepen line to `request`; false when the line is none of
 * those. Throws git's messages for malformed values.
 */
export function parseDeepenLine(line: string, request: DeepenRequest, algo: HashAlgorithm, state: ParseState): boolean {
  if (line.startsWith('shallow ')) {
    const oid = line.slice(8);
    if (!isOid(oid, algo)) throw new ProtocolError(`invalid shallow line: ${line}`);
    if (addOnce(state.shallows, oid)) {
      state.counter.count('shallow');
      request.shallows.push(oid);
    }
    return true;
  }
  if (line.startsWith('deepen ')) {
    const value = line.slice(7);
    const depth = /^[0-9]+$/.test(value) ? Number(value) : NaN;
    if (!(depth > 0) || depth > 0x7fffffff) throw new ProtocolError(`Invalid deepen: ${line}`);
    request.depth = depth;
    return true;
  }
  if (line.startsWith('deepen-since ')) {
    const value = line.slice(13);
    const since = /^[0-9]+$/.test(value) ? Number(value) : NaN;
    if (!(since > 0)) throw new ProtocolError(`Invalid deepen-since: ${line}`);
    request.deepenSince = since;
    return true;
  }
  if (line.startsWith('deepen-not ')) {
    state.counter.count('shallow');
    request.deepenNot.push(line.slice(11));
    return true;
  }
  return false;
}

/** Whether `oid` is new to `seen` (and now in it). */
export function addOnce(seen: Set<string>, oid: string): boolean {
  if (seen.has(oid)) return false;
  seen.add(oid);
  return true;
}

/**
 * Reads want, shallow, deepen and filter lines up to the flush. Returns null
 * when the stream ends first (a client that only looked at the refs).
 */
export async function readUploadRequest(
  reader: PktLineReader,
  algo: HashAlgorithm,
  options: { allowFilter?: boolean; counter?: LineCounter } = {},
): Promise<UploadRequest | null> {
  const hexLength = oidHexLength(algo);
  const request: UploadRequest = { ...emptyDeepenRequest(), wants: [], capabilities: new CapabilitySet() };
  const features = new Set<string>();
  const state = newParseState(options.counter);
  for (;;) {
    const packet = await reader.read();
    if (packet === null) return null;
    if (packet.kind === 'flush') break;
    if (packet.kind !== 'data') throw new ProtocolError('protocol error: got an unexpected packet');
    const line = packetText(packet.data);
    if (parseDeepenLine(line, request, algo, state)) continue;
    if (line.startsWith('filter ')) {
      if (!options.allowFilter || !features.has('filter')) {
        throw new ProtocolError('git upload-pack: filtering capability not negotiated');
      }
      request.filter = line.slice(7);
      continue;
    }
    const oid = line.slice(5, 5 + hexLength);
    const rest = line.slice(5 + hexLength);
    if (!line.startsWith('want ') || !isOid(oid, algo) || (rest !== '' && !rest.startsWith(' '))) {
      throw new ProtocolError(`git upload-pack: protocol error, expected to get object ID, not '${line}'`);
    }
    for (const feature of rest.split(' ')) if (feature) features.add(feature);
    if (addOnce(state.wants, oid)) {
      state.counter.count('want');
      request.wants.push(oid);
    }
  }
  request.capabilities = new CapabilitySet([...features]);
  if (request.capabilities.has('deepen-relative')) request.deepenRelative = true;
  return request;
}

/** One line of the have/done part of v0 negotiation. */
export type NegotiationLine = { kind: 'have'; oid: string } | { kind: 'done' } | { kind: 'flush' } | { kind: 'eof' };

/** `counter` counts the haves of the whole session (they come in rounds). */
export async function readNegotiationLine(
  reader: PktLineReader,
  algo: HashAlgorithm,
  counter?: LineCounter,
): Promise<NegotiationLine> {
  const packet = await reader.read();
  if (packet === null) return { kind: 'eof' };
  if (packet.kind === 'flush') return { kind: 'flush' };
  if (packet.kind !== 'data') throw new ProtocolError('protocol error: got an unexpected packet');
  const line = packetText(packet.data);
  if (line === 'done') return { kind: 'done' };
  if (line.startsWith('have ')) {
    const oid = line.slice(5);
    if (!isOid(oid, algo)) throw new ProtocolError(`git upload-pack: expected SHA1 object, got '${oid}'`);
    counter?.count('have');
    return { kind: 'have', oid };
  }
  throw new ProtocolError(`git upload-pack: expected SHA1 list, got '${line}'`);
}
