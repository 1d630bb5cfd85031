import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * SHA-1 with collision detection (sha1dc): Marc Stevens' counter-cryptanalysis
 * (CRYPTO 2013), as git and JGit hash objects. Each block's expanded message
 * is tested against the unavoidable bit conditions of the 32 disturbance
 * vectors used by known attacks (SHAttered among them); a block that meets a
 * DV's conditions is recompressed as the other half of the would-be collision,
 * and an equal result means this input is one half of a collision.
 *
 * The compression runs in WebAssembly (wasm/sha1dc.wasm, built from
 * wasm/sha1dc/ by `npm run build:wasm`; the method's data is transcribed from
 * the MIT-licensed sha1collisiondetection). This side keeps each hash's state,
 * buffers partial blocks and pads, so that one module instance per thread
 * (worker threads load their own) serves any number of interleaved hashes.
 */

interface Engine {
  memory: Uint8Array;
  /** The module's chaining value words, in and out of each call. */
  ihv: Uint32Array;
  input: number;
  inputSize: number;
  compressBlocks(blocks: number): number;
}

// Beside the sources in the checkout and in the package: src/objects and dist/objects are both two levels down.
const WASM_FILE = new URL('../../wasm/sha1dc.wasm', import.meta.url);
let engine: Engine | undefined;

function loadEngine(): Engine {
  const module = new WebAssembly.Module(readFileSync(fileURLToPath(WASM_FILE)));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort: () => {
        throw new Error('sha1dc: aborted');
      },
    },
  });
  const x = instance.exports as Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };
  // The module's memory has a fixed size (it never grows), so these views stay valid.
  return {
    memory: new Uint8Array(x.memory.buffer),
    ihv: new Uint32Array(x.memory.buffer, x.ihvPointer!(), 5),
    input: x.inputPointer!(),
    inputSize: x.inputSize!(),
    compressBlocks: x.compressBlocks!,
  };
}

const INITIAL = [0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0];

export interface Sha1dcResult {
  /** The SHA-1 digest (even when a collision was detected, as git reports it). */
  digest: Buffer;
  collision: boolean;
}

/** Streaming sha1dc: update() any number of times, then finish() once. */
export class Sha1dc {
  private readonly ihv = Uint32Array.from(INITIAL);
  /** Bytes of a block not yet complete. */
  private readonly pending = new Uint8Array(64);
  private pendingLength = 0;
  private total = 0;
  private collision = false;
  private finished = false;

  update(data: Uint8Array): this {
    if (this.finished) throw new Error('sha1dc: update after finish');
    this.total += data.length;
    const room = 64 - this.pendingLength;
    if (data.length < room) {
      this.pending.set(data, this.pendingLength);
      this.pendingLength += data.length;
      return this;
    }
    const e = (engine ??= loadEngine());
    e.ihv.set(this.ihv);
    let at = 0;
    let filled = 0;
    if (this.pendingLength > 0) {
      e.memory.set(this.pending.subarray(0, this.pendingLength), e.input);
      e.memory.set(data.subarray(0, room), e.input + this.pendingLength);
      at = room;
      filled = 64;
    }
    const wholeEnd = at + ((data.length - at) & ~63);
    while (true) {
      const n = Math.min(e.inputSize - filled, wholeEnd - at);
      if (n > 0) e.memory.set(data.subarray(at, at + n), e.input + filled);
      at += n;
      filled += n;
      if (filled === 0) break;
      if (e.compressBlocks(filled >>> 6)) this.collision = true;
      filled = 0;
      if (at === wholeEnd) break;
    }
    this.ihv.set(e.ihv);
    this.pendingLength = data.length - at;
    this.pending.set(data.subarray(at), 0);
    return this;
  }

  finish(): Sha1dcResult {
    if (this.finished) throw new Error('sha1dc: finished twice');
    this.finished = true;
    const e = (engine ??= loadEngine());
    const n = this.pendingLength;
    const tail = n < 56 ? 64 : 128;
    const base = e.input;
    e.memory.set(this.pending.subarray(0, n), base);
    e.memory[base + n] = 0x80;
    e.memory.fill(0, base + n + 1, base + tail - 8);
    // The message length in bits, big-endian, in the last 8 bytes.
    const bits = this.total * 8;
    const high = Math.floor(bits / 0x100000000);
    const low = bits >>> 0;
    for (let i = 0; i < 4; i++) {
      e.memory[base + tail - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
      e.memory[base + tail - 4 + i] = (low >>> (24 - 8 * i)) & 0xff;
    }
    e.ihv.set(this.ihv);
    if (e.compressBlocks(tail >>> 6)) this.collision = true;
    const digest = Buffer.allocUnsafe(20);
    for (let i = 0; i < 5; i++) digest.writeUInt32BE(e.ihv[i]!, i * 4);
    return { digest, collision: this.collision };
  }
}

/** sha1dc of bytes held in memory: the hex SHA-1, and whether they are part of a collision attack. */
export function sha1dc(data: Uint8Array): { hex: string; collision: boolean } {
  const { digest, collision } = new Sha1dc().update(data).finish();
  return { hex: digest.toString('hex'), collision };
}
