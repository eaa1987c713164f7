// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's magic v2 record
// batch (DefaultRecordBatch: it covers the bytes from `attributes` to the end of the batch).
// Table-driven "slicing-by-16": sixteen 256-entry tables let the main loop consume 16 bytes per
// step with independent lookups instead of one dependent lookup per byte.
//
// Measured with `bun run bench:micro` and a side-by-side script on this 2-core machine: the
// tables live in ONE Int32Array (JavaScriptCore returns Uint32Array elements >= 2^31 as
// doubles, which took the loop from ~1 GB/s to ~60 MB/s); the words are read with
// DataView.getInt32 little-endian; 16 bytes a step ran at ~1.7 GB/s against ~1.25 GB/s for 8.

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
