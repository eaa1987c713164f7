// The record batch codecs: round trips, hand-built streams for the format features no encoder
// here writes, corrupt input, the maxOutput guard, batches captured from kcat (librdkafka), the
// Java client and franz-go (test/fixtures/compression), and, with BUNKA_INTEROP=1 and the jars
// of test/interop/kafka-dist.sh, Kafka's own Java codecs reading what this file's codecs wrote
// (and the other way round).

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import * as zlib from "node:zlib";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import {
  CompressionError,
  GZIP,
  LZ4,
  NONE,
  SNAPPY,
  ZSTD,
  codecName,
  compress,
  decompress,
  decompressLz4Frame,
  xxhash32,
} from "../../src/records/compression.ts";
import { crc32c } from "../../src/records/crc32c.ts";

const CODECS = [NONE, GZIP, SNAPPY, LZ4, ZSTD];
const MiB = 1024 * 1024;

/** mulberry32: a small deterministic generator so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const enc = new TextEncoder();
const dec = new TextDecoder();

const GENERATORS: Record<string, (n: number, seed: number) => Uint8Array> = {
  random(n, seed) {
    const r = rng(seed);
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
    return b;
  },
  zeros: (n) => new Uint8Array(n),
  text(n, seed) {
    const words = ["lorem", "ipsum", "dolor", "sit", "amet", "kafka", "bunka", "record", "batch", "value"];
    const r = rng(seed);
    let s = "";
    while (s.length < n) s += words[(r() * words.length) | 0] + (r() < 0.1 ? "\n" : " ");
    return enc.encode(s.slice(0, n));
  },
  /** Record-like: a varint-ish header, a key and a JSON value per entry. */
  records(n, seed) {
    const r = rng(seed);
    const b = new Uint8Array(n);
    let i = 0;
    for (let k = 0; i < n; k++) {
      const rec = enc.encode(`\x00\x14${String.fromCharCode(k & 0x7f)}key-${k}{"id":${k},"user":"u${(r() * 50) | 0}","amount":${(r() * 1e4).toFixed(2)}}`);
      b.set(rec.subarray(0, n - i), i);
      i += rec.length;
    }
    return b;
  },
  /** Random runs of repeated bytes and short random stretches (long and overlapping matches). */
  runs(n, seed) {
    const r = rng(seed);
    const b = new Uint8Array(n);
    let i = 0;
    while (i < n) {
      const len = 1 + ((r() * (r() < 0.5 ? 8 : 600)) | 0);
      const fill = r() < 0.5;
      const v = (r() * 256) | 0;
      for (let k = 0; k < len && i < n; k++, i++) b[i] = fill ? v : (r() * 256) | 0;
    }
    return b;
  },
  /** Half random, then the same bytes again: matches exactly one window back. */
  repeatHalf(n, seed) {
    const half = GENERATORS.random!(Math.ceil(n / 2), seed);
    const b = new Uint8Array(n);
    b.set(half);
    b.set(half.subarray(0, n - half.length), half.length);
    return b;
  },
};

const SIZES = [0, 1, 2, 3, 4, 5, 7, 11, 12, 13, 14, 15, 16, 17, 31, 59, 60, 61, 64, 65, 100, 255, 256, 257, 1000, 4096,
  16 * 1024, 32 * 1024 - 1, 32 * 1024, 32 * 1024 + 1, 65535, 65536, 65537, 100_000, 131_072 + 17];

function expectError(fn: () => unknown, kind?: CompressionError["kind"]): CompressionError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(CompressionError);
    if (kind !== undefined) expect((e as CompressionError).kind).toBe(kind);
    return e as CompressionError;
  }
  throw new Error("expected a CompressionError");
}

function concat(...parts: (Uint8Array | number[])[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const le32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24];
const be32 = (v: number) => [v >>> 24, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

describe("round trips", () => {
  for (const codec of CODECS) {
    for (const [gen, make] of Object.entries(GENERATORS)) {
      test(`${codecName(codec)} ${gen}, ${SIZES.length} sizes`, () => {
        for (const size of SIZES) {
          const data = make(size, size * 31 + codec);
          const c = compress(codec, data);
          const back = decompress(codec, c, size);
          expect(back.length).toBe(size);
          expect(Buffer.compare(back, data)).toBe(0);
        }
      });
    }
    test(`${codecName(codec)} 1 MiB of each kind, and 16 KiB`, () => {
      for (const make of Object.values(GENERATORS)) {
        for (const size of [16 * 1024, MiB, MiB + 3]) {
          const data = make(size, 7);
          expect(Buffer.compare(decompress(codec, compress(codec, data), size), data)).toBe(0);
        }
      }
    });
  }

  test("compressible data gets smaller, random data grows by little", () => {
    const text = GENERATORS.text!(MiB, 1);
    const random = GENERATORS.random!(MiB, 1);
    for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) {
      expect(compress(codec, text).length).toBeLessThan(text.length / 2);
      expect(compress(codec, random).length).toBeLessThan(random.length * 1.01 + 64);
    }
  });

  test("maxOutput equal to the output size is enough, one byte less is not", () => {
    const data = GENERATORS.records!(50_000, 3);
    for (const codec of CODECS) {
      const c = compress(codec, data);
      expect(decompress(codec, c, data.length).length).toBe(data.length);
      expectError(() => decompress(codec, c, data.length - 1), "too-large");
    }
  });

  test("unknown codec ids are refused", () => {
    for (const codec of [5, 6, 7, -1]) {
      expectError(() => decompress(codec, new Uint8Array(10), 100), "unsupported");
      expectError(() => compress(codec, new Uint8Array(10)), "unsupported");
    }
  });
});

describe("xxhash32", () => {
  test("agrees with Bun.hash.xxHash32 at every length to 300 and on 1 MiB", () => {
    const data = GENERATORS.random!(300, 9);
    for (let n = 0; n <= 300; n++) expect(xxhash32(data, 0, n)).toBe(Bun.hash.xxHash32(data.subarray(0, n), 0));
    for (let s = 1; s < 20; s++) expect(xxhash32(data, s, 250)).toBe(Bun.hash.xxHash32(data.subarray(s, 250), 0));
    const big = GENERATORS.random!(MiB, 10);
    expect(xxhash32(big)).toBe(Bun.hash.xxHash32(big, 0));
    expect(xxhash32(new Uint8Array(0))).toBe(0x02cc5d05);
  });
});

// -------------------------------------------------------------------------------------------
// Snappy: the framing and the element kinds.

const XERIAL_HEADER = [0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1];

/** The raw blocks of a xerial stream written by compress(). */
function xerialChunks(c: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let p = 16; p < c.length; ) {
    const n = (c[p]! << 24) | (c[p + 1]! << 16) | (c[p + 2]! << 8) | c[p + 3]!;
    out.push(c.subarray(p + 4, p + 4 + n));
    p += 4 + n;
  }
  return out;
}

describe("snappy", () => {
  test("output is xerial framed like snappy-java: header, then 32 KiB chunks", () => {
    const data = GENERATORS.text!(100_000, 2);
    const c = compress(SNAPPY, data);
    expect([...c.subarray(0, 16)]).toEqual(XERIAL_HEADER);
    const chunks = xerialChunks(c);
    expect(chunks.length).toBe(4);
    expect(chunks.map((b) => decompress(SNAPPY, b, 1 << 16).length)).toEqual([32768, 32768, 32768, 100_000 - 3 * 32768]);
    expect([...compress(SNAPPY, new Uint8Array(0))]).toEqual(XERIAL_HEADER);
  });

  test("raw blocks (librdkafka, franz-go) decode as one block", () => {
    const data = GENERATORS.records!(30_000, 4);
    const [raw] = xerialChunks(compress(SNAPPY, data));
    expect(Buffer.compare(decompress(SNAPPY, raw!, 30_000), data)).toBe(0);
    expect(decompress(SNAPPY, new Uint8Array([0]), 0).length).toBe(0);
  });

  test("concatenated xerial streams decode to the concatenation (snappy-java reads the repeated header)", () => {
    const a = GENERATORS.text!(40_000, 5);
    const b = GENERATORS.runs!(50_000, 6);
    const out = decompress(SNAPPY, concat(compress(SNAPPY, a), compress(SNAPPY, b)), 90_000);
    expect(Buffer.compare(out, concat(a, b))).toBe(0);
  });

  test("every element kind, hand built", () => {
    // literal "abcd" (short tag), copy1 len 8 off 4, copy2 len 10 off 12, copy4 len 3 off 22,
    // literal with a 1-byte length (61 bytes), then a 2-byte-length literal (300 bytes).
    const lit61 = new Uint8Array(61).fill(0x41);
    const lit300 = new Uint8Array(300).fill(0x42);
    const block = concat(
      varint(4 + 8 + 10 + 3 + 61 + 300),
      [3 << 2, 0x61, 0x62, 0x63, 0x64],
      [((8 - 4) << 2) | 1, 4],
      [((10 - 1) << 2) | 2, 12, 0],
      [((3 - 1) << 2) | 3, 22, 0, 0, 0],
      [60 << 2, 60],
      lit61,
      [61 << 2, 299 & 0xff, 299 >> 8],
      lit300,
    );
    const want = "abcd" + "abcdabcd" + "abcdabcdab" + "abc" + "A".repeat(61) + "B".repeat(300);
    expect(dec.decode(decompress(SNAPPY, block, 1000))).toBe(want);
    const framed = concat(XERIAL_HEADER, be32(block.length), block);
    expect(dec.decode(decompress(SNAPPY, framed, 1000))).toBe(want);
  });

  test("copies cannot reach into the previous xerial chunk (each chunk is its own block)", () => {
    const first = concat(varint(4), [3 << 2, 1, 2, 3, 4]);
    const second = concat(varint(4), [((4 - 1) << 2) | 2, 4, 0]);
    expectError(() => decompress(SNAPPY, concat(XERIAL_HEADER, be32(first.length), first, be32(second.length), second), 100), "corrupt");
  });

  test("bad offsets, lengths and framing are corrupt", () => {
    const cases: Record<string, number[] | Uint8Array> = {
      "offset 0": [...varint(8), 3 << 2, 1, 2, 3, 4, ((4 - 1) << 2) | 2, 0, 0],
      "offset past the start": [...varint(8), 3 << 2, 1, 2, 3, 4, ((4 - 1) << 2) | 2, 5, 0],
      "copy4 offset past the start": [...varint(8), 3 << 2, 1, 2, 3, 4, ((4 - 1) << 2) | 3, 0, 0, 0, 0x80],
      "output shorter than declared": [...varint(9), 3 << 2, 1, 2, 3, 4],
      "output longer than declared": [...varint(3), 3 << 2, 1, 2, 3, 4],
      "literal past the input": [...varint(8), 7 << 2, 1, 2, 3],
      "truncated literal length": [...varint(100), 61 << 2, 5],
      "truncated copy": [...varint(8), 3 << 2, 1, 2, 3, 4, ((4 - 1) << 2) | 2, 4],
      "varint too long": [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
      "varint over 2^32": [0xff, 0xff, 0xff, 0xff, 0x1f],
      "truncated varint": [0x80],
      "empty input": [],
      "declared length impossible for the input": [...varint(10_000), 0, 1],
      "xerial header cut": XERIAL_HEADER.slice(0, 12),
      "xerial chunk length past the end": [...XERIAL_HEADER, 0, 0, 0, 9, 0],
      "xerial chunk length 0": [...XERIAL_HEADER, 0, 0, 0, 0],
      "xerial chunk length cut": [...XERIAL_HEADER, 0, 0],
      "xerial repeated header cut": [...XERIAL_HEADER, 0x82, 0x53, 0x4e, 0x41, 0x50],
    };
    for (const [name, bytes] of Object.entries(cases)) {
      const e = expectError(() => decompress(SNAPPY, Uint8Array.from(bytes), 1 << 20), "corrupt");
      expect(name && e.message.length).toBeGreaterThan(0);
    }
  });
});

// -------------------------------------------------------------------------------------------
// LZ4 frames: builders for the features compress() does not write.

interface FrameOptions {
  flg?: number; // extra FLG bits over version 01
  bd?: number;
  contentSize?: number;
  contentChecksum?: boolean;
  blockChecksum?: boolean;
  independent?: boolean;
  badHeaderChecksum?: boolean;
}

/** A frame around the given blocks (compressed unless marked `stored`). */
function lz4Frame(blocks: { data: Uint8Array; stored?: boolean }[], content: Uint8Array, o: FrameOptions = {}): Uint8Array {
  const flg = 0x40 | (o.independent === false ? 0 : 0x20) | (o.blockChecksum ? 0x10 : 0) | (o.contentSize !== undefined ? 0x08 : 0) |
    (o.contentChecksum ? 0x04 : 0) | (o.flg ?? 0);
  const desc: number[] = [flg, o.bd ?? 0x40];
  if (o.contentSize !== undefined) desc.push(...le32(o.contentSize % 2 ** 32), ...le32(Math.floor(o.contentSize / 2 ** 32)));
  const hc = ((xxhash32(Uint8Array.from(desc)) >>> 8) & 0xff) ^ (o.badHeaderChecksum ? 1 : 0);
  const parts: (Uint8Array | number[])[] = [le32(0x184d2204), desc, [hc]];
  for (const b of blocks) {
    parts.push(le32((b.data.length | (b.stored ? 0x80000000 : 0)) >>> 0), b.data);
    if (o.blockChecksum) parts.push(le32(xxhash32(b.data)));
  }
  parts.push(le32(0));
  if (o.contentChecksum) parts.push(le32(xxhash32(content)));
  return concat(...parts);
}

/** The compressed blocks of a frame written by compress(). */
function lz4Blocks(frame: Uint8Array): { data: Uint8Array; stored: boolean }[] {
  const out: { data: Uint8Array; stored: boolean }[] = [];
  const dv = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  for (let p = 7; ; ) {
    const w = dv.getUint32(p, true);
    if (w === 0) return out;
    const n = w & 0x7fffffff;
    out.push({ data: frame.subarray(p + 4, p + 4 + n), stored: w >= 0x80000000 });
    p += 4 + n;
  }
}

/** One block of literals only. */
function literalBlock(bytes: Uint8Array): Uint8Array {
  const n = bytes.length;
  const head = n < 15 ? [n << 4] : [0xf0, ...Array(Math.floor((n - 15) / 255)).fill(255), (n - 15) % 255];
  return concat(head, bytes);
}

describe("lz4", () => {
  test("output is a frame as Kafka's Java client writes it: FLG 0x60, BD 0x40, 64 KiB blocks", () => {
    const data = GENERATORS.records!(200_000, 8);
    const c = compress(LZ4, data);
    expect([...c.subarray(0, 7)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, (xxhash32(Uint8Array.of(0x60, 0x40)) >>> 8) & 0xff]);
    expect(lz4Blocks(c).length).toBe(4);
    expect([...c.subarray(c.length - 4)]).toEqual([0, 0, 0, 0]);
    // Incompressible blocks are stored.
    expect(lz4Blocks(compress(LZ4, GENERATORS.random!(100_000, 8))).every((b) => b.stored)).toBe(true);
  });

  test("block checksums, content size, content checksum, stored blocks, all block sizes", () => {
    const data = GENERATORS.text!(150_000, 11);
    const blocks = lz4Blocks(compress(LZ4, data));
    for (const o of [{ blockChecksum: true }, { contentSize: data.length }, { contentChecksum: true },
      { blockChecksum: true, contentSize: data.length, contentChecksum: true }]) {
      expect(Buffer.compare(decompress(LZ4, lz4Frame(blocks, data, o), data.length), data)).toBe(0);
    }
    // Stored blocks and bigger block sizes (BD 5, 6, 7), as franz-go's 4 MiB blocks.
    for (const bd of [0x40, 0x50, 0x60, 0x70]) {
      const frame = lz4Frame([{ data: data.subarray(0, 60_000), stored: true }, { data: literalBlock(data.subarray(60_000, 65_000)) }], data.subarray(0, 65_000), { bd, contentChecksum: true });
      expect(Buffer.compare(decompress(LZ4, frame, 65_000), data.subarray(0, 65_000))).toBe(0);
    }
    const big = lz4Frame([{ data: literalBlock(data.subarray(0, 150_000)) }], data, { bd: 0x60 });
    expect(Buffer.compare(decompress(LZ4, big, data.length), data)).toBe(0);
    expectError(() => decompress(LZ4, lz4Frame([{ data: literalBlock(data.subarray(0, 70_000)) }], data, { bd: 0x40 }), MiB), "corrupt");
  });

  test("linked blocks: refused by decompress as Kafka refuses them, decoded by decompressLz4Frame", () => {
    const first = enc.encode("0123456789abcdef");
    // Second block: 0 literals, match offset 16 (into the first block) length 16, then 1 literal.
    const second = Uint8Array.of((0 << 4) | (16 - 4), 16, 0, 1 << 4, 0x21);
    const content = concat(first, first, [0x21]);
    const frame = lz4Frame([{ data: literalBlock(first) }, { data: second }], content, { independent: false, contentChecksum: true });
    expectError(() => decompress(LZ4, frame, 100), "unsupported");
    expect(Buffer.compare(decompressLz4Frame(frame, 100, { linkedBlocks: true }), content)).toBe(0);
    // The same block in an independent frame reaches before its window.
    const indep = lz4Frame([{ data: literalBlock(first) }, { data: second }], content);
    expectError(() => decompress(LZ4, indep, 100), "corrupt");
  });

  test("overlapping matches (offset 1, offset 3) and long length bytes", () => {
    // "ab" then match offset 2 length 4+15+255+10 = 284, then "z".
    const block = Uint8Array.of((2 << 4) | 15, 0x61, 0x62, 2, 0, 255, 10, 1 << 4, 0x7a);
    const out = dec.decode(decompress(LZ4, lz4Frame([{ data: block }], new Uint8Array(0)), 1000));
    expect(out).toBe("ab".repeat(143) + "z");
  });

  test("bad checksums, offsets, flags and framing", () => {
    const data = GENERATORS.text!(20_000, 12);
    const blocks = lz4Blocks(compress(LZ4, data));
    const withChecks = lz4Frame(blocks, data, { blockChecksum: true, contentChecksum: true });
    const flip = (b: Uint8Array, at: number) => {
      const c = b.slice();
      c[at]! ^= 0x01;
      return c;
    };
    const blockEnd = 7 + 4 + blocks[0]!.data.length;
    expect(expectError(() => decompress(LZ4, flip(withChecks, blockEnd), MiB), "corrupt").message).toContain("block checksum");
    expect(expectError(() => decompress(LZ4, flip(withChecks, withChecks.length - 1), MiB), "corrupt").message).toContain("content checksum");
    expect(expectError(() => decompress(LZ4, lz4Frame(blocks, data, { badHeaderChecksum: true }), MiB), "corrupt").message).toContain("descriptor");
    const cases: Record<string, [Uint8Array, string]> = {
      "bad magic": [concat(le32(0x184d2205), [0x60, 0x40, 0x82, 0, 0, 0, 0]), "corrupt"],
      "skippable frame": [concat(le32(0x184d2a50), le32(0)), "unsupported"],
      "version 0": [lz4Frame([], data, { flg: -0x40 }), "unsupported"],
      "reserved FLG bit": [lz4Frame([], data, { flg: 0x02 }), "corrupt"],
      "dictionary id": [lz4Frame([], data, { flg: 0x01 }), "unsupported"],
      "reserved BD bit": [lz4Frame([], data, { bd: 0x41 }), "corrupt"],
      "block size id 3": [lz4Frame([], data, { bd: 0x30 }), "corrupt"],
      "offset 0": [lz4Frame([{ data: Uint8Array.of(0x10, 0x61, 0, 0, 0x00) }], data), "corrupt"],
      "offset past the start": [lz4Frame([{ data: Uint8Array.of(0x10, 0x61, 2, 0, 0x00) }], data), "corrupt"],
      "block ends after a match": [lz4Frame([{ data: Uint8Array.of(0x10, 0x61, 1, 0) }], data), "corrupt"],
      "truncated offset": [lz4Frame([{ data: Uint8Array.of(0x10, 0x61, 1) }], data), "corrupt"],
      "truncated length bytes": [lz4Frame([{ data: Uint8Array.of(0xf0, 255) }], data), "corrupt"],
      "literals past the block": [lz4Frame([{ data: Uint8Array.of(0x50, 1, 2) }], data), "corrupt"],
      "empty compressed block": [lz4Frame([{ data: new Uint8Array(0) }], data), "corrupt"],
      "content size mismatch": [lz4Frame(blocks, data, { contentSize: data.length + 1 }), "corrupt"],
      "content size smaller": [lz4Frame(blocks, data, { contentSize: data.length - 1 }), "corrupt"],
      "bytes after the end mark": [concat(compress(LZ4, data), [0]), "corrupt"],
      "missing end mark": [compress(LZ4, data).subarray(0, -4), "corrupt"],
    };
    for (const [name, [bytes, kind]] of Object.entries(cases)) {
      const e = expectError(() => decompress(LZ4, bytes, MiB));
      expect(`${name}: ${e.kind}`).toBe(`${name}: ${kind}`);
    }
  });
});

// -------------------------------------------------------------------------------------------
// Corrupt input for every codec: truncations and random damage.

describe("corrupt input", () => {
  const data = GENERATORS.records!(70_000, 13);

  test("every truncation of a small stream, sampled truncations of a large one, are rejected", () => {
    for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) {
      for (const input of [data.subarray(0, 700), data]) {
        const c = compress(codec, input);
        // A xerial stream cut between chunks is a shorter valid stream (as for snappy-java).
        const chunkEnds = new Set<number>([16]);
        if (codec === SNAPPY) for (let p = 16; p < c.length; ) chunkEnds.add((p += 4 + ((c[p]! << 24) | (c[p + 1]! << 16) | (c[p + 2]! << 8) | c[p + 3]!)));
        const step = c.length < 2000 ? 1 : 7;
        for (let cut = 0; cut < c.length; cut += step) {
          if (codec === SNAPPY && chunkEnds.has(cut)) {
            expect(decompress(codec, c.subarray(0, cut), MiB).length).toBeLessThan(input.length);
            continue;
          }
          expectError(() => decompress(codec, c.subarray(0, cut), MiB), "corrupt");
        }
      }
    }
  });

  test("random byte damage never throws anything but CompressionError, and checksummed codecs notice it", () => {
    const r = rng(14);
    const tally: Record<string, { ok: number; rejected: number }> = {};
    for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) {
      const c = compress(codec, data);
      const t = (tally[codecName(codec)] = { ok: 0, rejected: 0 });
      for (let k = 0; k < 1500; k++) {
        const bad = c.slice();
        const flips = 1 + ((r() * 4) | 0);
        for (let f = 0; f < flips; f++) bad[(r() * bad.length) | 0] = (r() * 256) | 0;
        try {
          decompress(codec, bad, 200_000);
          t.ok++;
        } catch (e) {
          if (!(e instanceof CompressionError)) throw e;
          t.rejected++;
        }
      }
    }
    // gzip has a CRC-32 over the content; the others are checked where damage is structural.
    expect(tally.gzip!.rejected).toBeGreaterThan(1400);
    for (const t of Object.values(tally)) expect(t.rejected).toBeGreaterThan(200);
  });

  test("random bytes with a valid magic are rejected or bounded", () => {
    const r = rng(15);
    const magics: Record<number, number[]> = {
      [GZIP]: [0x1f, 0x8b, 8, 0],
      [SNAPPY]: XERIAL_HEADER,
      [LZ4]: [0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82],
      [ZSTD]: [0x28, 0xb5, 0x2f, 0xfd],
    };
    for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) {
      for (let k = 0; k < 500; k++) {
        const tail = GENERATORS.random!((r() * 300) | 0, k);
        try {
          expect(decompress(codec, concat(magics[codec]!, tail), 10_000).length).toBeLessThanOrEqual(10_000);
        } catch (e) {
          expect(e).toBeInstanceOf(CompressionError);
        }
      }
    }
  });

  test("gzip CRC and zstd content checksum mismatches", () => {
    const gz = compress(GZIP, data).slice();
    gz[gz.length - 6]! ^= 1;
    expectError(() => decompress(GZIP, gz, MiB), "corrupt");
    const zs = zlib.zstdCompressSync(data, { params: { [zlib.constants.ZSTD_c_checksumFlag]: 1 } }).slice();
    expect(Buffer.compare(decompress(ZSTD, zs, MiB), data)).toBe(0);
    zs[zs.length - 1]! ^= 1;
    expectError(() => decompress(ZSTD, zs, MiB), "corrupt");
    expectError(() => decompress(ZSTD, concat(compress(ZSTD, data), [1, 2, 3]), MiB), "corrupt");
    expectError(() => decompress(ZSTD, new Uint8Array(0), MiB), "corrupt");
    expectError(() => decompress(GZIP, new Uint8Array(0), MiB), "corrupt");
  });

  test("concatenated gzip members and zstd frames, and zstd skippable frames, are accepted", () => {
    const a = data.subarray(0, 30_000);
    const b = data.subarray(30_000);
    for (const codec of [GZIP, ZSTD]) expect(Buffer.compare(decompress(codec, concat(compress(codec, a), compress(codec, b)), MiB), data)).toBe(0);
    const skippable = concat(le32(0x184d2a5e), le32(3), [1, 2, 3]);
    expect(Buffer.compare(decompress(ZSTD, concat(skippable, compress(ZSTD, a)), MiB), a)).toBe(0);
  });
});

// -------------------------------------------------------------------------------------------
// The maxOutput guard: streams that expand ~100x-1000x are refused at the limit, without the
// decoder allocating (or touching) the full size.

/** A stream that decodes to `mib` MiB of one byte, near each codec's best ratio. */
function bomb(codec: number, mib: number): Uint8Array {
  const one = new Uint8Array(MiB).fill(0x61);
  switch (codec) {
    case GZIP:
    case ZSTD: {
      const member = compress(codec, one);
      return concat(...Array<Uint8Array>(mib).fill(member));
    }
    case SNAPPY: {
      const c = compress(SNAPPY, one);
      return concat(XERIAL_HEADER, ...Array<Uint8Array>(mib).fill(c.subarray(16)));
    }
    default: {
      // One 64 KiB block: literal 'a', match offset 1 of 65535 bytes, empty last sequence.
      const ml = 65535 - 4 - 15;
      const block = concat([0x1f, 0x61, 1, 0], Array(Math.floor(ml / 255)).fill(255), [ml % 255, 0x00]);
      return lz4Frame(Array(mib * 16).fill({ data: block }), new Uint8Array(0));
    }
  }
}

describe("maxOutput guard", () => {
  test("the bombs are real: 8 MiB versions decode to 8 MiB", () => {
    for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) {
      const out = decompress(codec, bomb(codec, 8), 8 * MiB);
      expect(out.length).toBe(8 * MiB);
      expect(out[8 * MiB - 1]).toBe(0x61);
    }
  });

  test("100 MiB bombs are refused at a 1 MiB limit, fast, and memory stays flat", () => {
    const bombs = [GZIP, SNAPPY, LZ4, ZSTD].map((codec) => [codec, bomb(codec, 100)] as const);
    const sizes = Object.fromEntries(bombs.map(([c, b]) => [codecName(c), b.length]));
    // Best ratios: zstd and gzip ~1000x or more, lz4 ~250x, snappy ~21x (its format's limit).
    expect(sizes.zstd!).toBeLessThan(10_000);
    expect(sizes.gzip!).toBeLessThan(120_000);
    expect(sizes.lz4!).toBeLessThan(500_000);
    Bun.gc(true);
    const rss0 = process.memoryUsage().rss;
    // Track what the codecs ask the Uint8Array constructor for (the in-house decoders allocate
    // their output in one piece).
    let largest = 0;
    const Real = globalThis.Uint8Array;
    const spy: Uint8ArrayConstructor = new Proxy(Real, {
      construct(target, args, newTarget): object {
        if (typeof args[0] === "number") largest = Math.max(largest, args[0]);
        return Reflect.construct(target, args, newTarget === spy ? target : newTarget);
      },
    });
    globalThis.Uint8Array = spy;
    const t0 = performance.now();
    try {
      for (const [codec, b] of bombs) expectError(() => decompress(codec, b, MiB), "too-large");
    } finally {
      globalThis.Uint8Array = Real;
    }
    const ms = performance.now() - t0;
    expect(largest).toBeGreaterThan(0); // the spy saw the decoders' allocations
    expect(largest).toBeLessThanOrEqual(MiB);
    expect(ms).toBeLessThan(2000);
    expect(process.memoryUsage().rss - rss0).toBeLessThan(40 * MiB);
  });

  test("a 1 KB stream claiming 100 MB is refused before anything is allocated", () => {
    const claim = 100_000_000;
    const filler = new Uint8Array(1000);
    // snappy raw: a declared length no input of this size can produce; then a plausible one over the limit.
    expectError(() => decompress(SNAPPY, concat(varint(claim), filler), 2 * claim), "corrupt");
    expectError(() => decompress(SNAPPY, concat(varint(20_000), filler), 10_000), "too-large");
    expectError(() => decompress(SNAPPY, concat(XERIAL_HEADER, be32(1005), varint(claim), filler), 2 * claim), "corrupt");
    // lz4 content size
    const one = lz4Frame([{ data: literalBlock(filler) }], filler, { contentSize: claim });
    expectError(() => decompress(LZ4, one, MiB), "too-large");
    expectError(() => decompress(LZ4, one, 2 * claim), "corrupt");
    // zstd frame content size (FCS 4 bytes, single segment) with one raw block of 1000 bytes
    const zs = concat(le32(0xfd2fb528), [0xa0], le32(claim), [(1000 << 3) & 0xff | 1, (1000 >> 5) & 0xff, 0], filler);
    expectError(() => decompress(ZSTD, zs, MiB), "too-large");
    expectError(() => decompress(ZSTD, zs, 2 * claim), "corrupt");
    // none: the input is the output
    expectError(() => decompress(NONE, filler, 999), "too-large");
  });
});

// -------------------------------------------------------------------------------------------
// Batches captured from real clients (test/fixtures/compression/README.md).

const FIXTURES = join(import.meta.dir, "../fixtures/compression");

function valueOf(n: number): string {
  return `value-${n}` + " lorem ipsum dolor sit amet".repeat(1 + (n % 4));
}

interface Rec { offsetDelta: number; key: string | null; value: string | null }

/** Decodes `count` records (DefaultRecord) from an uncompressed records section. */
function parseRecords(b: Uint8Array, count: number): Rec[] {
  let p = 0;
  const varlong = (): number => {
    let v = 0;
    let shift = 1;
    for (;;) {
      const c = b[p++]!;
      v += (c & 0x7f) * shift;
      if (c < 0x80) break;
      shift *= 128;
    }
    return v % 2 === 0 ? v / 2 : -(v + 1) / 2;
  };
  const bytes = (): string | null => {
    const n = varlong();
    if (n < 0) return null;
    const s = dec.decode(b.subarray(p, p + n));
    p += n;
    return s;
  };
  const out: Rec[] = [];
  for (let k = 0; k < count; k++) {
    const len = varlong();
    const end = p + len;
    p++; // attributes
    varlong(); // timestamp delta
    const offsetDelta = varlong();
    const key = bytes();
    const value = bytes();
    const headers = varlong();
    expect(headers).toBe(0);
    expect(p).toBe(end);
    out.push({ offsetDelta, key, value });
  }
  expect(p).toBe(b.length);
  return out;
}

const fixtureFiles = nodeFs.readdirSync(FIXTURES).filter((f) => f.endsWith(".hex")).sort();

describe("batches from real clients", () => {
  test("all 24 fixtures are present", () => expect(fixtureFiles.length).toBe(24));

  for (const file of fixtureFiles) {
    test(file, () => {
      const [, codecWord, size] = file.replace(".hex", "").split("-");
      const batch = Buffer.from(nodeFs.readFileSync(join(FIXTURES, file), "utf8").trim(), "hex");
      const dv = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
      expect(dv.getInt32(8)).toBe(batch.length - 12);
      expect(batch[16]).toBe(2);
      expect(dv.getUint32(17)).toBe(crc32c(batch, 21));
      const codec = dv.getInt16(21) & 7;
      expect(codecName(codec)).toBe(codecWord!);
      const count = dv.getInt32(57);
      expect(count).toBe(size === "big" ? 1000 : 50);
      const section = batch.subarray(61);
      const raw = decompress(codec, section, MiB);
      const records = parseRecords(raw, count);
      records.forEach((r, n) => {
        expect(r.offsetDelta).toBe(n);
        expect(r.key).toBe(`key-${n}`);
        expect(r.value).toBe(valueOf(n));
      });
      // Recompressing gives a stream that decodes to the same records.
      expect(Buffer.compare(decompress(codec, compress(codec, raw), raw.length), raw)).toBe(0);
      // Every truncation of a small batch's section is refused (or, for a cut between xerial
      // chunks, is shorter).
      if (size === "small") {
        for (let cut = 0; cut < section.length; cut++) {
          try {
            expect(decompress(codec, section.subarray(0, cut), MiB).length).toBeLessThan(raw.length);
          } catch (e) {
            expect(e).toBeInstanceOf(CompressionError);
          }
        }
      }
    });
  }

  test("what each client sends", () => {
    const section = (f: string) => Buffer.from(nodeFs.readFileSync(join(FIXTURES, f), "utf8").trim(), "hex").subarray(61);
    // snappy: the Java client frames (xerial); librdkafka and franz-go send one raw block.
    expect([...section("java-snappy-big.hex").subarray(0, 16)]).toEqual(XERIAL_HEADER);
    expect(section("kcat-snappy-big.hex")[0]).not.toBe(0x82);
    expect(section("franzgo-snappy-big.hex")[0]).not.toBe(0x82);
    // lz4 FLG/BD: Java and librdkafka 0x60/0x40 (64 KiB blocks, no checksums); franz-go
    // (pierrec/lz4) 0x64/0x70 (content checksum, 4 MiB blocks).
    expect([...section("java-lz4-big.hex").subarray(4, 6)]).toEqual([0x60, 0x40]);
    expect([...section("kcat-lz4-big.hex").subarray(4, 6)]).toEqual([0x60, 0x40]);
    expect([...section("franzgo-lz4-big.hex").subarray(4, 6)]).toEqual([0x64, 0x70]);
    // zstd frame header descriptor: Java and librdkafka stream without a content size (0x00);
    // franz-go writes a 4-byte content size and a checksum (0x84).
    expect(section("java-zstd-big.hex")[4]).toBe(0x00);
    expect(section("kcat-zstd-big.hex")[4]).toBe(0x00);
    expect(section("franzgo-zstd-big.hex")[4]).toBe(0x84);
  });
});

// -------------------------------------------------------------------------------------------
// Kafka's own codecs (kafka-clients 4.3.1) read our output, and we read theirs.

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const interop = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile);
const roots: string[] = [];
afterAll(() => {
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});

const JAVA_CHECK = `
import java.io.*;
import java.nio.ByteBuffer;
import java.nio.file.*;
import java.util.*;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.internal.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.ByteBufferOutputStream;

// For each <name>.raw in the directory and each codec: decode <name>.<codec> (written by
// Bunka) with Kafka's stream and compare; write <name>.<codec>.java with Kafka's stream.
public class CodecCheck {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    List<Path> raws = new ArrayList<>();
    try (var files = Files.list(dir)) { files.filter(p -> p.toString().endsWith(".raw")).forEach(raws::add); }
    for (Path rawPath : raws) {
      byte[] raw = Files.readAllBytes(rawPath);
      String name = rawPath.getFileName().toString().replace(".raw", "");
      for (String codec : new String[] {"gzip", "snappy", "lz4", "zstd"}) {
        Compression c = Compression.of(codec).build();
        try {
          byte[] ours = Files.readAllBytes(dir.resolve(name + "." + codec));
          byte[] out;
          try (InputStream in = c.wrapForInput(ByteBuffer.wrap(ours), RecordBatch.MAGIC_VALUE_V2, BufferSupplier.NO_CACHING)) {
            out = in.readAllBytes();
          }
          System.out.println((Arrays.equals(out, raw) ? "ok " : "FAIL ") + name + "." + codec + " " + ours.length + " -> " + out.length);
          ByteBufferOutputStream bo = new ByteBufferOutputStream(1024);
          try (OutputStream os = c.wrapForOutput(bo, RecordBatch.MAGIC_VALUE_V2)) { os.write(raw); }
          ByteBuffer bb = bo.buffer().duplicate();
          bb.flip();
          byte[] theirs = new byte[bb.remaining()];
          bb.get(theirs);
          Files.write(dir.resolve(name + "." + codec + ".java"), theirs);
        } catch (Exception e) {
          System.out.println("FAIL " + name + "." + codec + " " + e);
        }
      }
    }
  }
}
`;

describe.if(interop)(interop ? "Kafka's Java codecs and ours"
  : "Kafka's Java codecs and ours (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh; .ci/run sets both up)", () => {
  test("Kafka decodes what we compress, we decode what Kafka compresses", () => {
    const dir = nodeFs.mkdtempSync(join(tmpdir(), "bunka-codecs-"));
    roots.push(dir);
    const inputs: Record<string, Uint8Array> = {};
    for (const [gen, make] of Object.entries(GENERATORS)) {
      for (const size of [0, 1, 13, 100, 5000, 40_000, 70_000, 300_000]) inputs[`${gen}-${size}`] = make(size, size + 1);
    }
    for (const [name, raw] of Object.entries(inputs)) {
      nodeFs.writeFileSync(join(dir, `${name}.raw`), raw);
      for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) nodeFs.writeFileSync(join(dir, `${name}.${codecName(codec)}`), compress(codec, raw));
    }
    nodeFs.writeFileSync(join(dir, "CodecCheck.java"), JAVA_CHECK);
    const cp = nodeFs.readFileSync(classpathFile, "utf8").trim();
    const r = Bun.spawnSync(["java", "-cp", cp, join(dir, "CodecCheck.java"), dir], { stderr: "pipe" });
    const lines = r.stdout.toString().trim().split("\n");
    expect(r.stderr.toString()).not.toContain("Exception");
    expect(lines.filter((l) => !l.startsWith("ok "))).toEqual([]);
    expect(lines.length).toBe(Object.keys(inputs).length * 4);
    for (const [name, raw] of Object.entries(inputs)) {
      for (const codec of [GZIP, SNAPPY, LZ4, ZSTD]) {
        const theirs = nodeFs.readFileSync(join(dir, `${name}.${codecName(codec)}.java`));
        expect(Buffer.compare(decompress(codec, theirs, raw.length), raw)).toBe(0);
      }
    }
  }, 120_000);
});
