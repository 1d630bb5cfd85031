// Collision-detecting SHA-1 (sha1dc) as a WebAssembly module. The method and
// its data are Marc Stevens' and Dan Shumow's (sha1collisiondetection, MIT);
// this is our own port. The JavaScript side (src/objects/sha1dc.ts) owns each
// hash's state, buffers partial blocks and pads; this module only compresses
// whole blocks and says whether one of them was a collision block.
import { INPUT, INPUT_SIZE, IHV } from "./message";
import { compress } from "./compress";
import { ubcCheck } from "./ubc";
import { recheck } from "./recompress";

export function inputPointer(): usize {
  return INPUT;
}

export function inputSize(): i32 {
  return INPUT_SIZE;
}

export function ihvPointer(): usize {
  return IHV;
}

/** Compresses `blocks` 64-byte blocks from INPUT into IHV; true if any collided. */
export function compressBlocks(blocks: i32): bool {
  let found = false;
  for (let i = 0; i < blocks; i++) {
    const p = INPUT + (<usize>i << 6);
    compress(p);
    const mask = ubcCheck();
    if (mask != 0 && recheck(mask)) found = true;
  }
  return found;
}
