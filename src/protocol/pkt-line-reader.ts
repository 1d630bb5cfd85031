import { LimitError, ProtocolError } from '../errors.js';
import { TimeSlicer } from '../time-slice.js';
import type { ByteReader } from './byte-reader.js';
import { MAX_PKT_LENGTH, parsePktLength, type Packet } from './pkt-line.js';
import { PROTOCOL_ERROR } from './protocol-errors.js';

/** Reads pkt-lines from a ByteReader; `null` at a clean end of stream. */
export class PktLineReader {
  /** Payload bytes read so far, checked against maxBytes (receive.maxCommandBytes-like). */
  private total = 0;
  /** Packets already buffered come without a wait: a long run of them must still let others in. */
  private readonly slicer = new TimeSlicer();

  constructor(
    readonly bytes: ByteReader,
    private readonly maxBytes = Number.MAX_SAFE_INTEGER,
  ) {}

  async read(): Promise<Packet | null> {
    await this.slicer.tick();
    const header = await this.bytes.readExact(4, 'pkt-line length');
    if (!header) return null;
    const length = parsePktLength(header);
    if (length === 0) return { kind: 'flush' };
    if (length === 1) return { kind: 'delim' };
    if (length === 2) return { kind: 'response-end' };
    if (length < 4 || length > MAX_PKT_LENGTH) throw new ProtocolError(`protocol error: bad line length ${length}`);
    this.total += length;
    if (this.total > this.maxBytes) {
      throw new LimitError(PROTOCOL_ERROR.commandTooLarge, `commands exceed the limit of ${this.maxBytes} bytes`);
    }
    const data = (await this.bytes.readExact(length - 4, 'pkt-line')) ?? Buffer.alloc(0);
    if (data.length >= 4 && data.toString('latin1', 0, 4) === 'ERR ') {
      throw new ProtocolError(`remote error: ${data.toString('utf8', 4).replace(/\n$/, '')}`);
    }
    return { kind: 'data', data };
  }
}
