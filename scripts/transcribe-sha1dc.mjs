#!/usr/bin/env node
// One-off transcription of the data of Marc Stevens' and Dan Shumow's
// sha1collisiondetection (MIT; https://github.com/cr-marc/sha1collisiondetection,
// vendored by git as sha1dc/ubc_check.c) into AssemblyScript:
// the 32 disturbance vectors (their expanded-message XOR differences and the
// step to recompress from) and the unavoidable bit conditions, each a test on
// the expanded message that clears the bits of the DVs it rules out.
//   node scripts/transcribe-sha1dc.mjs path/to/ubc_check.c > wasm/sha1dc/ubc.ts
// The output is checked in; the build (scripts/build-sha1dc.mjs) needs only it.
import { readFileSync } from 'node:fs';

const source = readFileSync(process.argv[2], 'utf8');

// DV names → bit index, in their declared order.
const bits = new Map();
for (const m of source.matchAll(/static const uint32_t (DV_\w+_bit)\s*= \(uint32_t\)\(1\) << (\d+);/g)) bits.set(m[1], Number(m[2]));
if (bits.size !== 32) throw new Error(`expected 32 DV bits, found ${bits.size}`);

const dvs = [];
for (const m of source.matchAll(/\{\s*(\d+),(\d+),(\d+),(\d+),(\d+),(\d+),\s*\{([^}]*)\}\s*\}/g)) {
  const [type, k, b, testt, maski, maskb] = m.slice(1, 7).map(Number);
  if (type === 0) continue;
  const dm = m[7].split(',').map((s) => s.trim());
  if (dm.length !== 80 || maski !== 0) throw new Error('unexpected DV layout');
  dvs.push({ type, k, b, testt, maskb, dm });
}
if (dvs.length !== 32 || dvs.some((dv, i) => dv.maskb !== i)) throw new Error('DVs are not the 32 in mask order');

// The body of ubc_check(): the conditions as C expressions over W[], which
// are valid AssemblyScript once W[i] reads our message buffer and the DV
// names become their masks.
const body = source.slice(source.indexOf('uint32_t mask = ~((uint32_t)(0));') + 34, source.indexOf('dvmask[0]=mask;'));
const hex = (n) => '0x' + (n >>> 0).toString(16).padStart(8, '0');
const translated = body
  .replace(/DV_\w+_bit/g, (name) => {
    if (!bits.has(name)) throw new Error(`unknown ${name}`);
    return hex(2 ** bits.get(name));
  })
  .replace(/W\[(\d+)\]/g, (_, i) => `w(${i})`)
  .replace(/\(1<<(\d+)\)/g, (_, n) => `(<u32>1 << ${n})`)
  .replace(/\b0-\(/g, '<u32>0 - (')
  .replace(/\)-1\)/g, ') - <u32>1)')
  .replace(/^\s*\n/gm, '');

const out = [];
out.push('// Transcribed by scripts/transcribe-sha1dc.mjs from sha1collisiondetection');
out.push("// (Marc Stevens, Dan Shumow; MIT), git's sha1dc/ubc_check.c. Do not edit by hand.");
out.push('');
out.push('import { w } from "./message";');
out.push('');
out.push('/** Disturbance vectors, in the order of their bit in the UBC mask. */');
out.push('// ' + dvs.map((dv) => `${dv.type === 1 ? 'I' : 'II'}(${dv.k},${dv.b})`).join(' '));
out.push('export const DV_COUNT = 32;');
out.push('/** The step each DV recompresses from (states kept for these only). */');
out.push(`export const DV_TESTT: StaticArray<u8> = [${dvs.map((dv) => dv.testt).join(', ')}];`);
out.push('/** Per DV, the 80 XOR differences to apply to the expanded message. */');
out.push('export const DV_DM: StaticArray<u32> = [');
for (const dv of dvs) out.push('  ' + dv.dm.join(', ') + ',');
out.push('];');
out.push('');
out.push('/**');
out.push(' * Unavoidable bit conditions: the mask of DVs whose conditions the expanded');
out.push(' * message (80 words at w()) all meets; only those are recompressed.');
out.push(' */');
out.push('export function ubcCheck(): u32 {');
out.push('  let mask: u32 = 0xffffffff;');
out.push(translated.replace(/^\t/gm, '  ').replace(/\t/g, '  ').trimEnd());
out.push('  return mask;');
out.push('}');
process.stdout.write(out.join('\n') + '\n');
