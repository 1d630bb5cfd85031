import { ProtocolError } from '../errors.js';
import { isOid, type HashAlgorithm } from '../objects/oid.js';
import { TimeSlicer } from '../time-slice.js';
import { LineCounter } from './line-limits.js';
import { addOnce, emptyDeepenRequest, newParseState, parseDeepenLine, type DeepenRequest } from './upload-request.js';

/** Arguments of a v2 `fetch` (gitprotocol-v2 "fetch"). */
export interface FetchArguments extends DeepenRequest {
  wants: string[];
  haves: string[];
  done: boolean;
  thinPack: boolean;
  ofsDelta: boolean;
  noProgress: boolean;
  includeTag: boolean;
  waitForDone: boolean;
}

/** Arguments of a v2 `ls-refs`. */
export interface LsRefsArguments {
  peel: boolean;
  symrefs: boolean;
  unborn: boolean;
  /** Empty = every ref. */
  prefixes: string[];
}

/** Past this many ref-prefix lines git ignores them all (ls-refs.c TOO_MANY_PREFIXES). */
const TOO_MANY_PREFIXES = 65536;

/** The arguments of one `fetch` (repeated wants and shallows dropped), counted against `counter`'s limits; in slices. */
export async function parseFetchArguments(
  args: readonly string[],
  algo: HashAlgorithm,
  counter = new LineCounter(),
): Promise<FetchArguments> {
  const request: FetchArguments = {
    ...emptyDeepenRequest(),
    wants: [],
    haves: [],
    done: false,
    thinPack: false,
    ofsDelta: false,
    noProgress: false,
    includeTag: false,
    waitForDone: false,
  };
  const state = newParseState(counter);
  const slicer = new TimeSlicer();
  for (const arg of args) {
    await slicer.tick();
    if (arg.startsWith('want ')) {
      const oid = arg.slice(5);
      if (!isOid(oid, algo)) throw new ProtocolError(`git upload-pack: protocol error, expected to get oid, not '${arg}'`);
      if (addOnce(state.wants, oid)) {
        counter.count('want');
        request.wants.push(oid);
      }
    } else if (arg.startsWith('have ')) {
      const oid = arg.slice(5);
      if (!isOid(oid, algo)) throw new ProtocolError(`git upload-pack: expected SHA1 object, got '${oid}'`);
      // Not deduplicated: git acknowledges a have as often as it is named.
      counter.count('have');
      request.haves.push(oid);
    } else if (arg === 'thin-pack') request.thinPack = true;
    else if (arg === 'ofs-delta') request.ofsDelta = true;
    else if (arg === 'no-progress') request.noProgress = true;
    else if (arg === 'include-tag') request.includeTag = true;
    else if (arg === 'done') request.done = true;
    else if (arg === 'wait-for-done') request.waitForDone = true;
    else if (arg === 'deepen-relative') request.deepenRelative = true;
    else if (!parseDeepenLine(arg, request, algo, state)) throw new ProtocolError(`unexpected line: '${arg}'`);
  }
  return request;
}

export async function parseLsRefsArguments(args: readonly string[], allowUnborn: boolean): Promise<LsRefsArguments> {
  const request: LsRefsArguments = { peel: false, symrefs: false, unborn: false, prefixes: [] };
  const slicer = new TimeSlicer();
  for (const arg of args) {
    await slicer.tick();
    if (arg === 'peel') request.peel = true;
    else if (arg === 'symrefs') request.symrefs = true;
    else if (arg === 'unborn') request.unborn = allowUnborn;
    else if (arg.startsWith('ref-prefix ')) {
      if (request.prefixes.length < TOO_MANY_PREFIXES) request.prefixes.push(arg.slice(11));
    } else throw new ProtocolError(`unexpected line: '${arg}'`);
  }
  if (request.prefixes.length >= TOO_MANY_PREFIXES) request.prefixes = [];
  return request;
}
