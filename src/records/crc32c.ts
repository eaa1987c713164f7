// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's magic v2 record
// batch (DefaultRecordBatch: it covers the bytes from `attributes` to the end of the batch).
// Two implementations behind one API: the SSE4.2 instruction through bun:ffi (crc32c-native.ts),
// chosen at start-up when it builds and passes a self-test against known vectors and this file's
// own results, and this TypeScript one, always here, used for short inputs and as the fallback.
//
// TypeScript: table-driven "slicing-by-16": sixteen 256-entry tables let the main loop consume
// 16 bytes per step with independent lookups instead of one dependent lookup per byte.
//
// Measured with `bun run bench:micro` and a side-by-side script on this 2-core machine: the
// tables live in ONE Int32Array (JavaScriptCore returns Uint32Array elements >= 2^31 as
// doubles, which took the loop from ~1 GB/s to ~60 MB/s); the words are read with
// DataView.getInt32 little-endian; 16 bytes a step ran at ~1.7 GB/s against ~1.25 GB/s for 8.

import { buildNativeCrc32c, type NativeCrc32c } from "./crc32c-native.ts";

const POLY = 0x82f63b78;
const SLICES = 16;

/** T[k * 256 + b] = CRC of byte b followed by k zero bytes. */
const T = new Int32Array(SLICES * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = T[n]!;
  for (let k = 1; k < SLICES; k++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[k * 256 + n] = c;
  }
}

/** CRC-32C of bytes[start, end), as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  return crc32cUpdate(0, bytes, start, end);
}

/** Continues a CRC-32C: crc32cUpdate(crc32c(a), b) === crc32c(a ++ b). */
export function crc32cUpdate(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (native !== null && end - start >= NATIVE_MIN_BYTES && end <= 0x7fffffff) {
    // The native code trusts its range: one out of bounds would read foreign memory.
    if (start < 0 || end > bytes.length) throw new RangeError(`crc32c range [${start}, ${end}) outside ${bytes.length} bytes`);
    return native(bytes, start, end - start, crc | 0) >>> 0;
  }
  return crc32cUpdateTypeScript(crc, bytes, start, end);
}

/** The TypeScript CRC-32C, whatever crc32cUpdate chose (for tests and benchmarks). */
export function crc32cUpdateTypeScript(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = ~crc | 0;
  let i = start;
  // Byte at a time until the remaining length is a multiple of 16.
  while (i < end && ((end - i) & 15) !== 0) {
    c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
    i++;
  }
  if (i >= end) return ~c >>> 0;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  while (i < end) {
    const a = c ^ dv.getInt32(i, true);
    const b = dv.getInt32(i + 4, true);
    const d = dv.getInt32(i + 8, true);
    const e = dv.getInt32(i + 12, true);
    c =
      T[3840 + (a & 0xff)]! ^ T[3584 + ((a >>> 8) & 0xff)]! ^ T[3328 + ((a >>> 16) & 0xff)]! ^ T[3072 + (a >>> 24)]! ^
      T[2816 + (b & 0xff)]! ^ T[2560 + ((b >>> 8) & 0xff)]! ^ T[2304 + ((b >>> 16) & 0xff)]! ^ T[2048 + (b >>> 24)]! ^
      T[1792 + (d & 0xff)]! ^ T[1536 + ((d >>> 8) & 0xff)]! ^ T[1280 + ((d >>> 16) & 0xff)]! ^ T[1024 + (d >>> 24)]! ^
      T[768 + (e & 0xff)]! ^ T[512 + ((e >>> 8) & 0xff)]! ^ T[256 + ((e >>> 16) & 0xff)]! ^ T[e >>> 24]!;
    i += 16;
  }
  return ~c >>> 0;
}

// ---- the choice, made once at start-up --------------------------------------------------------

// Below this many bytes the TypeScript loop wins: a bun:ffi call costs ~20-25 ns, and under 16 B
// the table loop goes a byte at a time without a DataView. Time TS / native, 7 alternating
// rounds: 8 B 0.58×, 12 B 0.72×, 16 B 1.85×, 32 B 2.15× (medians; `bun run bench:micro crc32c`).
const NATIVE_MIN_BYTES = 16;

/** Known answers: "123456789" (the CRC catalogue's check value) and the RFC 3720 B.4 vectors. */
const VECTORS: [Uint8Array, number][] = [
  [new TextEncoder().encode("123456789"), 0xe3069283],
  [new Uint8Array(32), 0x8a9136aa],
  [new Uint8Array(32).fill(0xff), 0x62a8ab43],
  [Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
  [Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
];

/**
 * Null when the native CRC agrees with the known vectors and with the TypeScript one on every
 * path it has (one stream, the 512 B and 8 KiB three-stream blocks, odd offsets, a continued
 * CRC); else what disagreed.
 */
export function selfTest(fn: NativeCrc32c): string | null {
  for (const [bytes, want] of VECTORS) {
    const got = fn(bytes, 0, bytes.length, 0) >>> 0;
    if (got !== want) return `vector of ${bytes.length} bytes: ${got.toString(16)}, expected ${want.toString(16)}`;
  }
  const data = new Uint8Array(3 * 8192 * 2 + 1600);
  let x = 0x9e3779b9;
  for (let i = 0; i < data.length; i++) data[i] = (x = (Math.imul(x, 1103515245) + 12345) | 0) >>> 24;
  for (const length of [1, 7, 8, 15, 16, 17, 1535, 1536, 1537, 3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1537, data.length - 3]) {
    for (const offset of [0, 1, 3]) {
      if (offset + length > data.length) continue;
      const seed = length * 2654435761 >>> 0;
      const got = fn(data, offset, length, seed | 0) >>> 0;
      const want = crc32cUpdateTypeScript(seed, data, offset, offset + length);
      if (got !== want) return `${length} bytes at offset ${offset}: ${got.toString(16)}, expected ${want.toString(16)}`;
    }
  }
  return null;
}

function choose(): { fn: NativeCrc32c | null; description: string } {
  const started = performance.now();
  const built = buildNativeCrc32c();
  if (!built.ok) return { fn: null, description: `TypeScript slicing-by-16 (${built.reason})` };
  const failed = selfTest(built.fn);
  if (failed !== null) return { fn: null, description: `TypeScript slicing-by-16 (the SSE4.2 one failed its self-test: ${failed})` };
  return {
    fn: built.fn,
    description: `SSE4.2 crc32 instruction through bun:ffi cc (compiled and self-tested in ${(performance.now() - started).toFixed(1)} ms; ` +
      `TypeScript below ${NATIVE_MIN_BYTES} B)`,
  };
}

const chosen = choose();
const native = chosen.fn;

/** Which CRC-32C is in use and why, for the start-up log. */
export const crc32cImplementation: string = chosen.description;

/** The native CRC-32C when it was chosen, else null (for tests and benchmarks). */
export const crc32cNative: NativeCrc32c | null = native;
