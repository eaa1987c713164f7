// The compression codecs of magic v2 record batches: the bytes after the 61-byte batch header
// are compressed as one stream with the codec in attributes bits 0-2 (Kafka's CompressionType:
// 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). Kafka's own streams are in
// clients/src/main/java/org/apache/kafka/common/compress/; the facts this file relies on:
//
// - gzip: java.util.zip GZIP streams (RFC 1952, any number of members). node:zlib here; bytes
//   after the last member are refused (GZIPInputStream ignores them; no client writes any).
// - zstd: zstd-jni streaming frames, usually without a content size. node:zlib here, after a
//   walk over the frame and block headers: in Bun 1.4.5 node:zlib's zstdDecompressSync returns
//   an empty or partial result for a truncated frame without an error, so the walk catches it.
// - snappy: snappy-java's SnappyOutputStream ("xerial" framing): the 8-byte magic
//   82 'S' 'N' 'A' 'P' 'P' 'Y' 00, int32 version 1, int32 compatible version 1 (big endian),
//   then per chunk of at most 32 KiB of input an int32 big-endian length and one raw snappy
//   block. A stream may repeat the 16-byte header (concatenated streams). SnappyInputStream
//   decodes input without the magic as ONE raw snappy block, so the broker accepts both;
//   librdkafka and franz-go send one raw block, the Java client sends xerial.
// - lz4: Lz4BlockInputStream/OutputStream, the LZ4 frame format: magic 0x184D2204 (LE), FLG
//   (version 01, block independence, block checksum, content size, content checksum; the two
//   low bits must be 0, so no dictionary id), BD (max block size 64 KiB..4 MiB), then the
//   descriptor checksum byte = (xxhash32(FLG..) >> 8) & 0xFF. Blocks: int32 LE size (high bit =
//   stored uncompressed, 0 = end mark), data, optional xxhash32. Kafka rejects dependent
//   (linked) blocks, so `decompress` does too; `decompressLz4Frame` can decode them. Kafka's
//   wrong descriptor checksum of magic 0/1 does not exist in magic v2. Kafka skips the content
//   checksum; it is verified here (every LZ4 library that writes one writes it right).
//
// Bounded memory: `decompress` never allocates more than about `maxOutput` bytes for the
// result, whatever the input claims. Snappy and lz4 sizes are known (or bounded) from the
// headers before anything is allocated; gzip and zstd decode with zlib's maxOutputLength.
//
// Raw snappy and the LZ4 block format are written here (no dependency): both are small, and
// measured on 16 KiB and 1 MiB batches they encode and decode faster than the npm packages
// snappyjs 0.7 and lz4js 0.2 (lz4js decodes 1 MiB about as fast, 16 KiB 20x slower); neither
// package does xerial framing or bounds its output, and lz4js writes linked blocks.

import * as zlib from "node:zlib";

export const NONE = 0;
export const GZIP = 1;
export const SNAPPY = 2;
export const LZ4 = 3;
export const ZSTD = 4;

const CODEC_NAMES = ["none", "gzip", "snappy", "lz4", "zstd"];

export function codecName(codec: number): string {
  return CODEC_NAMES[codec] ?? `codec ${codec}`;
}

/** corrupt: the bytes are not a valid stream; too-large: the output would exceed maxOutput;
 *  unsupported: a valid stream Kafka does not accept (lz4 linked blocks, dictionaries, codec ids 5-7). */
export type CompressionErrorKind = "corrupt" | "too-large" | "unsupported";

export class CompressionError extends Error {
  override readonly name = "CompressionError";
  readonly codec: number;
  readonly kind: CompressionErrorKind;
  constructor(codec: number, kind: CompressionErrorKind, message: string) {
    super(`${codecName(codec)}: ${message}`);
    this.codec = codec;
    this.kind = kind;
  }
}

/** The largest output any codec returns (2 GiB - 1): sizes stay int32, which JavaScriptCore
 *  keeps as integers in the decoders' index arithmetic (a double there halved their speed). */
const MAX_OUTPUT = 0x7fffffff;

function outputLimit(maxOutput: number): number {
  return maxOutput >= MAX_OUTPUT ? MAX_OUTPUT : maxOutput > 0 ? Math.floor(maxOutput) | 0 : 0;
}

function corrupt(codec: number, message: string): CompressionError {
  return new CompressionError(codec, "corrupt", message);
}
/** `size`: the output size when known (a declared size, or the size reached so far). */
function tooLarge(codec: number, size: number | undefined, maxOutput: number): CompressionError {
  const of = size === undefined ? "" : ` of ${size} bytes`;
  return new CompressionError(codec, "too-large", `output${of} exceeds the limit of ${maxOutput} bytes`);
}

/** Decompresses `data` (the records section of a batch) written with `codec`. Throws a
 *  CompressionError when the input is not valid or the output would exceed `maxOutput` bytes.
 *  The result may be a view on a larger buffer; for NONE it is `data` itself. */
export function decompress(codec: number, data: Uint8Array, maxOutput: number): Uint8Array {
  switch (codec) {
    case NONE:
      if (data.length > maxOutput) throw tooLarge(codec, data.length, maxOutput);
      return data;
    case GZIP:
      return gunzip(data, maxOutput);
    case SNAPPY:
      return decompressSnappy(data, maxOutput);
    case LZ4:
      return decompressLz4Frame(data, maxOutput, { linkedBlocks: false });
    case ZSTD:
      return decompressZstd(data, maxOutput);
    default:
      throw new CompressionError(codec, "unsupported", "unknown compression codec");
  }
}

/** Compresses `data` as Kafka's Java client would for `codec`: gzip and zstd at their default
 *  levels (6 and 3), snappy in xerial framing with 32 KiB chunks, lz4 as a frame of independent
 *  64 KiB blocks without checksums (FLG 0x60, BD 0x40). */
export function compress(codec: number, data: Uint8Array): Uint8Array {
  switch (codec) {
    case NONE:
      return data;
    case GZIP:
      return zlib.gzipSync(data, { level: 6 });
    case SNAPPY:
      return compressSnappy(data);
    case LZ4:
      return compressLz4Frame(data);
    case ZSTD:
      return zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } });
    default:
      throw new CompressionError(codec, "unsupported", "unknown compression codec");
  }
}

function u32le(b: Uint8Array, i: number): number {
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}
function u32be(b: Uint8Array, i: number): number {
  return ((b[i]! << 24) | (b[i + 1]! << 16) | (b[i + 2]! << 8) | b[i + 3]!) >>> 0;
}
/** Little-endian int32 as a signed number (for hashing and comparing). */
function i32le(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Copies out[from, from + len) to out[to, ...), byte by byte when the ranges overlap
 *  (a repeating pattern, as LZ77 copies mean). */
function copyMatch(out: Uint8Array, to: number, from: number, len: number): void {
  if (to - from >= len && len > 128) {
    out.copyWithin(to, from, from + len);
  } else {
    for (let k = 0; k < len; k++) out[to + k] = out[from + k]!;
  }
}

function copyLiterals(out: Uint8Array, to: number, src: Uint8Array, from: number, len: number): void {
  if (len > 128) out.set(src.subarray(from, from + len), to);
  else for (let k = 0; k < len; k++) out[to + k] = src[from + k]!;
}

// ---------------------------------------------------------------------------------------------
// gzip and zstd: node:zlib with maxOutputLength (it grows its buffer as it goes and stops at
// the limit; measured: a 100 KB gzip of 100 MiB refused at 1 MiB raises RSS by ~1 MB).

function zlibLimit(maxOutput: number): number {
  return Math.max(1, outputLimit(maxOutput));
}

function zlibError(codec: number, e: unknown, maxOutput: number): CompressionError {
  const err = e as { code?: string; message?: string };
  if (err.code === "ERR_BUFFER_TOO_LARGE") return tooLarge(codec, undefined, maxOutput);
  return corrupt(codec, `${err.code ?? "error"}: ${err.message ?? String(e)}`);
}

function gunzip(data: Uint8Array, maxOutput: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = zlib.gunzipSync(data, { maxOutputLength: zlibLimit(maxOutput) });
  } catch (e) {
    throw zlibError(GZIP, e, maxOutput);
  }
  if (out.length > maxOutput) throw tooLarge(GZIP, out.length, maxOutput);
  return out;
}

const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_MAX_BLOCK = 128 * 1024;

function decompressZstd(data: Uint8Array, maxOutput: number): Uint8Array {
  walkZstdFrames(data, maxOutput);
  let out: Uint8Array;
  try {
    out = zlib.zstdDecompressSync(data, { maxOutputLength: zlibLimit(maxOutput) });
  } catch (e) {
    throw zlibError(ZSTD, e, maxOutput);
  }
  if (out.length > maxOutput) throw tooLarge(ZSTD, out.length, maxOutput);
  return out;
}

/** Checks that `data` is a sequence of complete zstd (or skippable) frames, and that no frame
 *  declares more content than maxOutput. The block contents are left to libzstd. */
function walkZstdFrames(data: Uint8Array, maxOutput: number): void {
  const n = data.length;
  if (n === 0) throw corrupt(ZSTD, "empty input");
  let p = 0;
  while (p < n) {
    if (p + 4 > n) throw corrupt(ZSTD, "truncated frame magic");
    const magic = u32le(data, p);
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      if (p + 8 > n) throw corrupt(ZSTD, "truncated skippable frame");
      p += 8 + u32le(data, p + 4);
      if (p > n) throw corrupt(ZSTD, "truncated skippable frame");
      continue;
    }
    if (magic !== ZSTD_MAGIC) throw corrupt(ZSTD, `bad frame magic 0x${magic.toString(16)} at ${p}`);
    p += 4;
    if (p >= n) throw corrupt(ZSTD, "truncated frame header");
    const fhd = data[p++]!;
    if (fhd & 0x08) throw corrupt(ZSTD, "reserved frame header bit set");
    const singleSegment = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >>> 6;
    const dictBytes = [0, 1, 2, 4][fhd & 3]!;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
    const headerEnd = p + (singleSegment ? 0 : 1) + dictBytes + fcsBytes;
    if (headerEnd > n) throw corrupt(ZSTD, "truncated frame header");
    p += singleSegment ? 0 : 1;
    let dictId = 0;
    for (let k = dictBytes - 1; k >= 0; k--) dictId = dictId * 256 + data[p + k]!;
    if (dictId !== 0) throw new CompressionError(ZSTD, "unsupported", `frame needs dictionary ${dictId}`);
    p += dictBytes;
    if (fcsBytes > 0) {
      let size = 0;
      for (let k = fcsBytes - 1; k >= 0; k--) size = size * 256 + data[p + k]!;
      if (fcsBytes === 2) size += 256;
      if (size > maxOutput) throw tooLarge(ZSTD, size, maxOutput);
    }
    p = headerEnd;
    for (;;) {
      if (p + 3 > n) throw corrupt(ZSTD, "truncated block header");
      const h = data[p]! | (data[p + 1]! << 8) | (data[p + 2]! << 16);
      p += 3;
      const type = (h >>> 1) & 3;
      const size = h >>> 3;
      if (type === 3) throw corrupt(ZSTD, "reserved block type");
      if (size > ZSTD_MAX_BLOCK) throw corrupt(ZSTD, `block of ${size} bytes`);
      p += type === 1 ? 1 : size;
      if (p > n) throw corrupt(ZSTD, "truncated block");
      if (h & 1) break;
    }
    if (fhd & 0x04) {
      p += 4;
      if (p > n) throw corrupt(ZSTD, "truncated content checksum");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Snappy. A raw block is a varint of the uncompressed length, then elements whose tag's low two
// bits say: 0 literal (length-1 in the upper six bits, or 60..63 = 1..4 more bytes of it),
// 1 copy with a 3-bit length-4 and an 11-bit offset, 2 copy with 6-bit length-1 and a 16-bit
// offset, 3 the same with a 32-bit offset (little endian). Copies may overlap their output.

const XERIAL_MAGIC = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00];
const XERIAL_HEADER_SIZE = 16;
/** The first four magic bytes read as a big-endian chunk length: a repeated header. */
const XERIAL_MAGIC_HEAD = 0x82534e41;
/** snappy-java's SnappyOutputStream block size. */
const XERIAL_CHUNK = 32 * 1024;

function hasXerialMagic(b: Uint8Array, at: number): boolean {
  if (at + 8 > b.length) return false;
  for (let k = 0; k < 8; k++) if (b[at + k] !== XERIAL_MAGIC[k]) return false;
  return true;
}

/** Reads a raw block's varint length at `p`: [length, bytes read], or throws. */
function snappyLength(b: Uint8Array, p: number, end: number): [number, number] {
  let len = 0;
  for (let k = 0; k < 5; k++) {
    if (p + k >= end) throw corrupt(SNAPPY, "truncated length");
    const c = b[p + k]!;
    len += (c & 0x7f) * 2 ** (7 * k);
    if (c < 0x80) {
      if (len > 0xffffffff) break;
      if (len > MAX_OUTPUT) throw new CompressionError(SNAPPY, "too-large", `block of ${len} bytes`);
      return [len | 0, k + 1]; // an int32 keeps the decoder's indexes integers (JSC)
    }
  }
  throw corrupt(SNAPPY, "bad length varint");
}

/** Uncompressed length of the raw block src[start, end), checked against what its elements
 *  could possibly produce (at most 64 bytes per 3 input bytes). */
function snappyBlockLength(src: Uint8Array, start: number, end: number): [number, number] {
  const [len, hdr] = snappyLength(src, start, end);
  if (len * 3 > (end - start - hdr) * 64) throw corrupt(SNAPPY, `block of ${end - start} bytes claims ${len}`);
  return [len, hdr];
}

function decompressSnappy(data: Uint8Array, maxOutput: number): Uint8Array {
  maxOutput = outputLimit(maxOutput);
  if (data.length === 0) throw corrupt(SNAPPY, "empty input");
  if (!hasXerialMagic(data, 0)) {
    const [len, hdr] = snappyBlockLength(data, 0, data.length);
    if (len > maxOutput) throw tooLarge(SNAPPY, len, maxOutput);
    const out = new Uint8Array(len);
    snappyDecodeBlock(data, hdr, data.length, out, 0, len);
    return out;
  }
  // Xerial: first sum the chunks' declared lengths, then decode each into its place.
  const chunks: number[] = []; // start, end, uncompressed length, header bytes
  let total = 0;
  let p = 0;
  while (p < data.length) {
    if (hasXerialMagic(data, p)) {
      if (p + XERIAL_HEADER_SIZE > data.length) throw corrupt(SNAPPY, "truncated xerial header");
      p += XERIAL_HEADER_SIZE;
      continue;
    }
    if (p + 4 > data.length) throw corrupt(SNAPPY, "truncated chunk length");
    const size = u32be(data, p);
    if (size === XERIAL_MAGIC_HEAD) throw corrupt(SNAPPY, "truncated xerial header");
    if (size === 0 || size > data.length - p - 4) throw corrupt(SNAPPY, `bad chunk length ${size} at ${p}`);
    const [len, hdr] = snappyBlockLength(data, p + 4, p + 4 + size);
    total += len;
    if (total > maxOutput) throw tooLarge(SNAPPY, total, maxOutput);
    chunks.push(p + 4 + hdr, p + 4 + size, len);
    p += 4 + size;
  }
  const out = new Uint8Array(total);
  let op = 0;
  for (let k = 0; k < chunks.length; k += 3) {
    const len = chunks[k + 2]!;
    snappyDecodeBlock(data, chunks[k]!, chunks[k + 1]!, out, op, op + len);
    op += len;
  }
  return out;
}

/** Decodes the elements src[sp, send) into exactly out[op, oend); copies reach back to `op`. */
function snappyDecodeBlock(src: Uint8Array, sp: number, send: number, out: Uint8Array, op: number, oend: number): void {
  const ostart = op;
  while (sp < send) {
    const tag = src[sp++]!;
    const type = tag & 3;
    if (type === 0) {
      let len = (tag >>> 2) + 1;
      if (len > 60) {
        const nb = len - 60;
        if (sp + nb > send) throw corrupt(SNAPPY, "truncated literal length");
        len = 0;
        for (let k = nb - 1; k >= 0; k--) len = len * 256 + src[sp + k]!;
        len += 1;
        sp += nb;
      }
      if (len > send - sp) throw corrupt(SNAPPY, "literal runs past the input");
      if (len > oend - op) throw corrupt(SNAPPY, "literal runs past the declared length");
      copyLiterals(out, op, src, sp, len);
      sp += len;
      op += len;
      continue;
    }
    let len: number;
    let offset: number;
    if (type === 1) {
      if (sp >= send) throw corrupt(SNAPPY, "truncated copy");
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | src[sp++]!;
    } else if (type === 2) {
      if (sp + 2 > send) throw corrupt(SNAPPY, "truncated copy");
      len = (tag >>> 2) + 1;
      offset = src[sp]! | (src[sp + 1]! << 8);
      sp += 2;
    } else {
      if (sp + 4 > send) throw corrupt(SNAPPY, "truncated copy");
      len = (tag >>> 2) + 1;
      offset = u32le(src, sp);
      sp += 4;
    }
    if (offset === 0 || offset > op - ostart) throw corrupt(SNAPPY, `copy offset ${offset} at output ${op - ostart}`);
    if (len > oend - op) throw corrupt(SNAPPY, "copy runs past the declared length");
    copyMatch(out, op, op - offset, len);
    op += len;
  }
  if (op !== oend) throw corrupt(SNAPPY, `block decodes to ${op - ostart} bytes, declared ${oend - ostart}`);
}

function compressSnappy(data: Uint8Array): Uint8Array {
  const n = data.length;
  const chunks = Math.ceil(n / XERIAL_CHUNK);
  // Per chunk: length 4 + varint 5 + worst case of literals (1 tag per 60 bytes, 5 per run).
  const out = new Uint8Array(XERIAL_HEADER_SIZE + n + chunks * (4 + 5 + 5 + Math.ceil(XERIAL_CHUNK / 60)));
  out.set(XERIAL_MAGIC, 0);
  out[11] = 1; // version 1
  out[15] = 1; // compatible version 1
  let op = XERIAL_HEADER_SIZE;
  for (let start = 0; start < n; start += XERIAL_CHUNK) {
    const end = Math.min(n, start + XERIAL_CHUNK);
    const lenAt = op;
    op += 4;
    let len = end - start;
    while (len >= 0x80) {
      out[op++] = (len & 0x7f) | 0x80;
      len >>>= 7;
    }
    out[op++] = len;
    op = snappyEncodeBlock(data, start, end, out, op);
    const size = op - lenAt - 4;
    out[lenAt] = size >>> 24;
    out[lenAt + 1] = size >>> 16;
    out[lenAt + 2] = size >>> 8;
    out[lenAt + 3] = size;
  }
  return out.slice(0, op);
}

const SNAPPY_HASH_BITS = 14;
/** Positions by hash of the 4 bytes there; entries left over from earlier calls are harmless
 *  because every candidate is compared byte for byte. */
const snappyTable = new Int32Array(1 << SNAPPY_HASH_BITS);

function snappyEmitLiteral(out: Uint8Array, op: number, src: Uint8Array, from: number, len: number): number {
  const n = len - 1;
  if (n < 60) {
    out[op++] = n << 2;
  } else if (n < 0x100) {
    out[op++] = 60 << 2;
    out[op++] = n;
  } else {
    out[op++] = 61 << 2; // chunks are at most 32 KiB: two length bytes suffice
    out[op++] = n & 0xff;
    out[op++] = n >>> 8;
  }
  copyLiterals(out, op, src, from, len);
  return op + len;
}

function snappyEmitCopy(out: Uint8Array, op: number, offset: number, len: number): number {
  // Copies of up to 64 bytes, keeping at least 4 for the last so a 1-byte-offset form fits.
  while (len >= 68) {
    out[op++] = (63 << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    len -= 64;
  }
  if (len > 64) {
    out[op++] = (59 << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    len -= 60;
  }
  if (len < 12 && offset < 2048) {
    out[op++] = ((offset >>> 8) << 5) | ((len - 4) << 2) | 1;
    out[op++] = offset & 0xff;
  } else {
    out[op++] = ((len - 1) << 2) | 2;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
  }
  return op;
}

/** Greedy single-pass match finder: hash the 4 bytes at each position, take the previous
 *  position with the same hash if its bytes match, and skip ahead faster after many misses. */
function snappyEncodeBlock(src: Uint8Array, start: number, end: number, out: Uint8Array, op: number): number {
  const table = snappyTable;
  const shift = 32 - SNAPPY_HASH_BITS;
  let anchor = start;
  let ip = start;
  const ipLimit = end - 15;
  let misses = 32;
  while (ip <= ipLimit) {
    const seq = i32le(src, ip);
    const h = Math.imul(seq, 0x1e35a7bd) >>> shift;
    const cand = table[h]!;
    table[h] = ip;
    if (cand < start || cand >= ip || i32le(src, cand) !== seq) {
      ip += misses++ >> 5;
      continue;
    }
    let m = ip + 4;
    let c = cand + 4;
    while (m < end && src[m] === src[c]) {
      m++;
      c++;
    }
    if (ip > anchor) op = snappyEmitLiteral(out, op, src, anchor, ip - anchor);
    op = snappyEmitCopy(out, op, ip - cand, m - ip);
    ip = anchor = m;
    if (ip - 1 <= ipLimit) table[Math.imul(i32le(src, ip - 1), 0x1e35a7bd) >>> shift] = ip - 1;
    misses = 32;
  }
  if (end > anchor) op = snappyEmitLiteral(out, op, src, anchor, end - anchor);
  return op;
}

// ---------------------------------------------------------------------------------------------
// xxHash32 (the LZ4 frame's checksums).

const P1 = 0x9e3779b1 | 0;
const P2 = 0x85ebca77 | 0;
const P3 = 0xc2b2ae3d | 0;
const P4 = 0x27d4eb2f;
const P5 = 0x165667b1;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

/** xxHash32 of b[start, end) with seed 0, as an unsigned number. */
export function xxhash32(b: Uint8Array, start = 0, end = b.length): number {
  let i = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (P1 + P2) | 0;
    let v2 = P2;
    let v3 = 0;
    let v4 = -P1 | 0;
    const limit = end - 16;
    while (i <= limit) {
      v1 = Math.imul(rotl((v1 + Math.imul(i32le(b, i), P2)) | 0, 13), P1);
      v2 = Math.imul(rotl((v2 + Math.imul(i32le(b, i + 4), P2)) | 0, 13), P1);
      v3 = Math.imul(rotl((v3 + Math.imul(i32le(b, i + 8), P2)) | 0, 13), P1);
      v4 = Math.imul(rotl((v4 + Math.imul(i32le(b, i + 12), P2)) | 0, 13), P1);
      i += 16;
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) | 0;
  } else {
    h = P5;
  }
  h = (h + (end - start)) | 0;
  for (; i + 4 <= end; i += 4) h = Math.imul(rotl((h + Math.imul(i32le(b, i), P3)) | 0, 17), P4);
  for (; i < end; i++) h = Math.imul(rotl((h + Math.imul(b[i]!, P5)) | 0, 11), P1);
  h ^= h >>> 15;
  h = Math.imul(h, P2);
  h ^= h >>> 13;
  h = Math.imul(h, P3);
  h ^= h >>> 16;
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// LZ4. A block is a run of sequences: token (literal length << 4 | match length - 4, each 15 =
// more length bytes follow, 255 = and more), literals, 2-byte LE offset, extra match length
// bytes. The last sequence has literals only.

const LZ4_MAGIC = 0x184d2204;
const LZ4_UNCOMPRESSED = 0x80000000;
const LZ4_BLOCK = 64 * 1024;

/** Decodes the LZ4 frame `data` (one frame, nothing after it). `linkedBlocks` also accepts
 *  frames whose blocks refer back to earlier blocks, which Kafka refuses. */
export function decompressLz4Frame(data: Uint8Array, maxOutput: number, options: { linkedBlocks: boolean }): Uint8Array {
  maxOutput = outputLimit(maxOutput);
  const n = data.length;
  if (n < 7) throw corrupt(LZ4, "truncated frame header");
  const magic = u32le(data, 0);
  if (magic !== LZ4_MAGIC) {
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) throw new CompressionError(LZ4, "unsupported", "skippable frame");
    throw corrupt(LZ4, `bad frame magic 0x${magic.toString(16)}`);
  }
  const flg = data[4]!;
  const bd = data[5]!;
  if (flg >>> 6 !== 1) throw new CompressionError(LZ4, "unsupported", `frame version ${flg >>> 6}`);
  if (flg & 0x02) throw corrupt(LZ4, "reserved FLG bit set");
  if (flg & 0x01) throw new CompressionError(LZ4, "unsupported", "dictionary id");
  const independent = (flg & 0x20) !== 0;
  if (!independent && !options.linkedBlocks) throw new CompressionError(LZ4, "unsupported", "dependent (linked) blocks");
  const blockChecksum = (flg & 0x10) !== 0;
  const hasContentSize = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  if (bd & 0x8f) throw corrupt(LZ4, "reserved BD bits set");
  const bsid = (bd >>> 4) & 7;
  if (bsid < 4) throw corrupt(LZ4, `block size id ${bsid}`);
  const blockMax = 1 << (2 * bsid + 8);
  let p = 6;
  let contentSize = -1;
  if (hasContentSize) {
    if (p + 9 > n) throw corrupt(LZ4, "truncated frame header");
    contentSize = u32le(data, p + 4) * 2 ** 32 + u32le(data, p);
    p += 8;
  }
  if (((xxhash32(data, 4, p) >>> 8) & 0xff) !== data[p]) throw corrupt(LZ4, "frame descriptor checksum mismatch");
  p++;
  const firstBlock = p;

  // Walk the block headers: the frame must be complete, and its output is bounded by the sum
  // over blocks of min(block max, 255 x compressed size) (one input byte yields <= 255 bytes).
  let bound = 0;
  for (;;) {
    if (p + 4 > n) throw corrupt(LZ4, "truncated block header");
    const word = u32le(data, p);
    p += 4;
    if (word === 0) break;
    const size = word & ~LZ4_UNCOMPRESSED;
    if (size > blockMax) throw corrupt(LZ4, `block of ${size} bytes exceeds max ${blockMax}`);
    bound += word & LZ4_UNCOMPRESSED ? size : Math.min(blockMax, size * 255);
    p += size + (blockChecksum ? 4 : 0);
    if (p > n) throw corrupt(LZ4, "truncated block");
  }
  if (contentChecksum) p += 4;
  if (p > n) throw corrupt(LZ4, "truncated content checksum");
  if (p < n) throw corrupt(LZ4, `${n - p} bytes after the end of the frame`);

  let cap: number;
  let capIsLimit = false;
  if (contentSize >= 0) {
    if (contentSize > maxOutput) throw tooLarge(LZ4, contentSize, maxOutput);
    if (contentSize > bound) throw corrupt(LZ4, `content size ${contentSize} larger than the blocks can hold`);
    cap = contentSize | 0;
  } else if (bound > maxOutput) {
    cap = maxOutput;
    capIsLimit = true;
  } else {
    cap = bound | 0;
  }
  const out = new Uint8Array(cap);
  let op = 0;
  p = firstBlock;
  for (;;) {
    const word = u32le(data, p);
    p += 4;
    if (word === 0) break;
    const size = word & ~LZ4_UNCOMPRESSED;
    if (blockChecksum && xxhash32(data, p, p + size) !== u32le(data, p + size)) throw corrupt(LZ4, "block checksum mismatch");
    const limit = Math.min(cap, op + blockMax);
    let end: number;
    if (word & LZ4_UNCOMPRESSED) {
      end = op + size > limit ? -1 : op + size;
      if (end >= 0) out.set(data.subarray(p, p + size), op);
    } else {
      end = lz4DecodeBlock(data, p, p + size, out, op, limit, independent ? op : 0);
    }
    if (end < 0) {
      if (capIsLimit && limit === cap) throw tooLarge(LZ4, undefined, maxOutput);
      throw corrupt(LZ4, contentSize >= 0 && limit === cap ? "more output than the content size" : "block decodes past the max block size");
    }
    op = end;
    p += size + (blockChecksum ? 4 : 0);
  }
  if (contentSize >= 0 && op !== contentSize) throw corrupt(LZ4, `decoded ${op} bytes, content size ${contentSize}`);
  if (contentChecksum && xxhash32(out, 0, op) !== u32le(data, p)) throw corrupt(LZ4, "content checksum mismatch");
  return op === cap ? out : out.subarray(0, op);
}

/** Decodes the block src[sp, send) to out[op, ...); returns the output end, or -1 when the
 *  output would pass `olimit`. Matches may reach back to `windowStart`. */
function lz4DecodeBlock(src: Uint8Array, sp: number, send: number, out: Uint8Array, op: number, olimit: number, windowStart: number): number {
  for (;;) {
    if (sp >= send) throw corrupt(LZ4, "block ends without its last literals");
    const token = src[sp++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (sp >= send) throw corrupt(LZ4, "truncated literal length");
        b = src[sp++]!;
        lit += b;
      } while (b === 255);
    }
    if (lit > send - sp) throw corrupt(LZ4, "literals run past the block");
    if (lit > olimit - op) return -1;
    copyLiterals(out, op, src, sp, lit);
    sp += lit;
    op += lit;
    if (sp === send) return op;
    if (sp + 2 > send) throw corrupt(LZ4, "truncated match offset");
    const offset = src[sp]! | (src[sp + 1]! << 8);
    sp += 2;
    if (offset === 0 || offset > op - windowStart) throw corrupt(LZ4, `match offset ${offset} before the window`);
    let len = (token & 15) + 4;
    if (len === 19) {
      let b: number;
      do {
        if (sp >= send) throw corrupt(LZ4, "truncated match length");
        b = src[sp++]!;
        len += b;
      } while (b === 255);
    }
    if (len > olimit - op) return -1;
    copyMatch(out, op, op - offset, len);
    op += len;
  }
}

const LZ4_HASH_BITS = 15;
const lz4Table = new Int32Array(1 << LZ4_HASH_BITS);
/** The format's end-of-block rules: the last 5 bytes are literals, and the last match starts
 *  at least 12 bytes before the end. */
const LZ4_LAST_LITERALS = 5;
const LZ4_MF_LIMIT = 12;

function compressLz4Frame(data: Uint8Array): Uint8Array {
  const n = data.length;
  const blocks = Math.ceil(n / LZ4_BLOCK);
  const out = new Uint8Array(7 + blocks * (4 + LZ4_BLOCK + Math.ceil(LZ4_BLOCK / 255) + 16) + 4);
  out[0] = 0x04;
  out[1] = 0x22;
  out[2] = 0x4d;
  out[3] = 0x18;
  out[4] = 0x60; // version 01, independent blocks, no checksums, no content size
  out[5] = 0x40; // 64 KiB blocks
  out[6] = (xxhash32(out, 4, 6) >>> 8) & 0xff;
  let op = 7;
  for (let start = 0; start < n; start += LZ4_BLOCK) {
    const end = Math.min(n, start + LZ4_BLOCK);
    let size = lz4EncodeBlock(data, start, end, out, op + 4) - op - 4;
    let word = size;
    if (size >= end - start) {
      size = end - start;
      out.set(data.subarray(start, end), op + 4);
      word = (size | LZ4_UNCOMPRESSED) >>> 0;
    }
    out[op] = word & 0xff;
    out[op + 1] = (word >>> 8) & 0xff;
    out[op + 2] = (word >>> 16) & 0xff;
    out[op + 3] = word >>> 24;
    op += 4 + size;
  }
  out.fill(0, op, op + 4); // end mark
  op += 4;
  return out.slice(0, op);
}

function lz4WriteLength(out: Uint8Array, op: number, rest: number): number {
  while (rest >= 255) {
    out[op++] = 255;
    rest -= 255;
  }
  out[op++] = rest;
  return op;
}

/** Greedy match finder over one independent block (positions before `start` are never used). */
function lz4EncodeBlock(src: Uint8Array, start: number, end: number, out: Uint8Array, op: number): number {
  const table = lz4Table;
  const shift = 32 - LZ4_HASH_BITS;
  let anchor = start;
  let ip = start;
  const ipLimit = end - LZ4_MF_LIMIT;
  const matchLimit = end - LZ4_LAST_LITERALS;
  let misses = 64;
  while (ip < ipLimit) {
    const seq = i32le(src, ip);
    const h = Math.imul(seq, 0x9e3779b1 | 0) >>> shift;
    let cand = table[h]!;
    table[h] = ip;
    if (cand < start || cand >= ip || ip - cand > 0xffff || i32le(src, cand) !== seq) {
      ip += misses++ >> 6;
      continue;
    }
    while (ip > anchor && cand > start && src[ip - 1] === src[cand - 1]) {
      ip--;
      cand--;
    }
    let m = ip + 4;
    let c = cand + 4;
    while (m < matchLimit && src[m] === src[c]) {
      m++;
      c++;
    }
    const lit = ip - anchor;
    const ml = m - ip - 4;
    const tokenAt = op++;
    out[tokenAt] = ((lit >= 15 ? 15 : lit) << 4) | (ml >= 15 ? 15 : ml);
    if (lit >= 15) op = lz4WriteLength(out, op, lit - 15);
    copyLiterals(out, op, src, anchor, lit);
    op += lit;
    const offset = ip - cand;
    out[op++] = offset & 0xff;
    out[op++] = offset >>> 8;
    if (ml >= 15) op = lz4WriteLength(out, op, ml - 15);
    ip = anchor = m;
    if (ip - 2 < ipLimit) table[Math.imul(i32le(src, ip - 2), 0x9e3779b1 | 0) >>> shift] = ip - 2;
    misses = 64;
  }
  const lit = end - anchor;
  out[op++] = (lit >= 15 ? 15 : lit) << 4;
  if (lit >= 15) op = lz4WriteLength(out, op, lit - 15);
  copyLiterals(out, op, src, anchor, lit);
  return op + lit;
}
