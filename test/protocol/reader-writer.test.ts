// Unit and property tests of the byte primitives (src/protocol/reader.ts, writer.ts).

import { describe, expect, test } from "bun:test";
import { Reader, ZERO_UUID } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { prng } from "../support/schema-values.ts";


function encode(fn: (w: Writer) => void, initial = 8): Uint8Array {
  const w = new Writer(initial, null);
  fn(w);
  return w.finish().slice();
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const bytes = (...b: number[]): Uint8Array => new Uint8Array(b);

describe("fixed-width integers", () => {
  test("int8/int16/int32 are big-endian two's complement", () => {
    const b = encode((w) => {
      w.int8(-1);
      w.int8(127);
      w.int16(-2);
      w.int16(0x1234);
      w.int32(-3);
      w.int32(0x7fffffff);
      w.int32(-0x80000000);
    });
    expect(hex(b)).toBe("ff7ffffe1234fffffffd7fffffff80000000");
    const r = new Reader(b);
    expect([r.int8(), r.int8(), r.int16(), r.int16(), r.int32(), r.int32(), r.int32()]).toEqual([
      -1, 127, -2, 0x1234, -3, 0x7fffffff, -0x80000000,
    ]);
    expect(r.failed).toBe(false);
    expect(r.remaining).toBe(0);
  });

  test("uint8/uint16/uint32", () => {
    const b = encode((w) => {
      w.uint8(255);
      w.uint16(65535);
      w.uint16(9092);
      w.uint32(4294967295);
      w.uint32(0x80000000);
    });
    expect(hex(b)).toBe("ffffff2384ffffffff80000000");
    const r = new Reader(b);
    expect([r.uint8(), r.uint16(), r.uint16(), r.uint32(), r.uint32()]).toEqual([255, 65535, 9092, 4294967295, 0x80000000]);
  });

  test("int64 as a number: known encodings and ±2^53 boundaries", () => {
    const cases: [number, string][] = [
      [0, "0000000000000000"],
      [1, "0000000000000001"],
      [-1, "ffffffffffffffff"],
      [2 ** 32, "0000000100000000"],
      [-(2 ** 32), "ffffffff00000000"],
      [Number.MAX_SAFE_INTEGER, "001fffffffffffff"],
      [-Number.MAX_SAFE_INTEGER, "ffe0000000000001"],
      [1_700_000_000_123, "0000018bcfe5687b"],
    ];
    for (const [v, h] of cases) {
      const b = encode((w) => w.int64(v));
      expect(hex(b)).toBe(h);
      expect(new Reader(b).int64()).toBe(v);
    }
  });

  test("int64 random round trip within ±2^53", () => {
    const rnd = prng(64);
    for (let i = 0; i < 5000; i++) {
      const v = Math.round((rnd() * 2 - 1) * Number.MAX_SAFE_INTEGER * (rnd() < 0.5 ? 1 : rnd() ** 8));
      const r = new Reader(encode((w) => w.int64(v)));
      expect(r.int64()).toBe(v === 0 ? 0 : v);
    }
  });

  test("float64 and bool", () => {
    const b = encode((w) => {
      w.float64(1.5);
      w.float64(-1e-300);
      w.bool(true);
      w.bool(false);
    });
    expect(hex(b.subarray(0, 8))).toBe("3ff8000000000000");
    const r = new Reader(b);
    expect(r.float64()).toBe(1.5);
    expect(r.float64()).toBe(-1e-300);
    expect(r.bool()).toBe(true);
    expect(r.bool()).toBe(false);
    // Any non-zero byte reads as true.
    expect(new Reader(bytes(2)).bool()).toBe(true);
  });
});

describe("varints", () => {
  test("uvarint known encodings", () => {
    const cases: [number, number[]][] = [
      [0, [0]],
      [1, [1]],
      [127, [0x7f]],
      [128, [0x80, 0x01]],
      [300, [0xac, 0x02]],
      [16383, [0xff, 0x7f]],
      [16384, [0x80, 0x80, 0x01]],
      [2 ** 31 - 1, [0xff, 0xff, 0xff, 0xff, 0x07]],
      [2 ** 32 - 1, [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [v, enc] of cases) {
      expect([...encode((w) => w.uvarint(v))]).toEqual(enc);
      const r = new Reader(new Uint8Array(enc));
      expect(r.uvarint()).toBe(v);
      expect(r.failed).toBe(false);
    }
  });

  test("uvarint rejects more than 32 bits and more than 5 bytes", () => {
    const r1 = new Reader(bytes(0xff, 0xff, 0xff, 0xff, 0x1f));
    expect(r1.uvarint()).toBe(0);
    expect(r1.failed).toBe(true);
    const r2 = new Reader(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01));
    expect(r2.uvarint()).toBe(0);
    expect(r2.failed).toBe(true);
    const r3 = new Reader(bytes(0x80, 0x80)); // truncated
    expect(r3.uvarint()).toBe(0);
    expect(r3.failed).toBe(true);
  });

  test("zigzag varint known encodings", () => {
    const cases: [number, number[]][] = [
      [0, [0]],
      [-1, [1]],
      [1, [2]],
      [-2, [3]],
      [63, [0x7e]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [2 ** 31 - 1, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
      [-(2 ** 31), [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [v, enc] of cases) {
      expect([...encode((w) => w.varint(v))]).toEqual(enc);
      expect(new Reader(new Uint8Array(enc)).varint()).toBe(v);
      expect([...encode((w) => w.varlong(v))]).toEqual(enc);
      expect(new Reader(new Uint8Array(enc)).varlong()).toBe(v);
    }
  });

  test("uvarint property: random 32-bit values round trip with the minimal length", () => {
    const rnd = prng(1);
    for (let i = 0; i < 20000; i++) {
      const bits = Math.floor(rnd() * 33);
      const v = Math.floor(rnd() * 2 ** bits);
      const b = encode((w) => w.uvarint(v));
      expect(b.length).toBe(Math.max(1, Math.ceil(Math.log2(v + 1) / 7)));
      const r = new Reader(b);
      expect(r.uvarint()).toBe(v);
      expect(r.remaining).toBe(0);
    }
  });

  test("varint property: random int32 values and boundaries round trip", () => {
    const rnd = prng(2);
    const values = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 2 ** 31 - 2, -(2 ** 31) + 1, 127, -128, 8191, -8192];
    for (let i = 0; i < 20000; i++) {
      const bits = Math.floor(rnd() * 32);
      values.push(Math.floor((rnd() * 2 - 1) * 2 ** bits));
    }
    for (const v of values) {
      const r = new Reader(encode((w) => w.varint(v)));
      expect(r.varint()).toBe(v === 0 ? 0 : v);
      expect(r.failed).toBe(false);
      expect(r.remaining).toBe(0);
    }
  });

  test("varlong property: random values up to ±2^52 and boundaries round trip", () => {
    // Exact for |v| <= 2^52: zigzag doubles the magnitude, which must stay below 2^53 + 1.
    const rnd = prng(3);
    const values = [0, -1, 1, 2 ** 31, -(2 ** 31) - 1, 2 ** 32, -(2 ** 32), 2 ** 52, -(2 ** 52), 2 ** 52 - 1, -(2 ** 52) + 1,
      Number.MAX_SAFE_INTEGER, 1_700_000_000_000, -1_700_000_000_000];
    for (let i = 0; i < 20000; i++) {
      const bits = Math.floor(rnd() * 53);
      values.push(Math.floor((rnd() * 2 - 1) * 2 ** bits));
    }
    for (const v of values) {
      const b = encode((w) => w.varlong(v));
      expect(b.length).toBeLessThanOrEqual(10);
      const r = new Reader(b);
      expect(r.varlong()).toBe(v === 0 ? 0 : v);
      expect(r.failed).toBe(false);
      expect(r.remaining).toBe(0);
    }
  });

  test("varlong: max 10 bytes, truncated input fails", () => {
    const eleven = new Uint8Array(11).fill(0x80);
    const r = new Reader(eleven);
    expect(r.varlong()).toBe(0);
    expect(r.failed).toBe(true);
    const t = new Reader(bytes(0xff, 0xff));
    expect(t.varlong()).toBe(0);
    expect(t.failed).toBe(true);
  });
});

describe("uuid", () => {
  test("32 lowercase hex digits, big-endian bytes", () => {
    const id = "0123456789abcdef0011223344556677";
    const b = encode((w) => w.uuid(id));
    expect(hex(b)).toBe(id);
    expect(new Reader(b).uuid()).toBe(id);
    expect(new Reader(new Uint8Array(16)).uuid()).toBe(ZERO_UUID);
    const short = new Reader(new Uint8Array(15));
    expect(short.uuid()).toBe(ZERO_UUID);
    expect(short.failed).toBe(true);
  });

  test("random uuids round trip", () => {
    const rnd = prng(4);
    for (let i = 0; i < 1000; i++) {
      let id = "";
      for (let j = 0; j < 32; j++) id += Math.floor(rnd() * 16).toString(16);
      expect(new Reader(encode((w) => w.uuid(id))).uuid()).toBe(id);
    }
  });
});

describe("strings", () => {
  const samples = ["", "a", "topic-1", "é", "日本語のトピック", "🙂 emoji", "x".repeat(63), "y".repeat(64), "z".repeat(1000),
    "ascii then é after".repeat(2)];

  test("string / compactString round trip incl. UTF-8 and the ASCII fast path", () => {
    for (const s of samples) {
      const b = encode((w) => {
        w.string(s);
        w.compactString(s);
        w.nullableString(s);
        w.compactNullableString(s);
      });
      const r = new Reader(b);
      expect(r.string()).toBe(s);
      expect(r.compactString()).toBe(s);
      expect(r.nullableString()).toBe(s);
      expect(r.compactNullableString()).toBe(s);
      expect(r.failed).toBe(false);
      expect(r.remaining).toBe(0);
    }
  });

  test("known encodings", () => {
    expect(hex(encode((w) => w.string("abc")))).toBe("0003616263");
    expect(hex(encode((w) => w.compactString("abc")))).toBe("04616263");
    expect(hex(encode((w) => w.string("é")))).toBe("0002c3a9");
    expect(hex(encode((w) => w.nullableString(null)))).toBe("ffff");
    expect(hex(encode((w) => w.compactNullableString(null)))).toBe("00");
    expect(hex(encode((w) => w.compactString("")))).toBe("01");
  });

  test("null strings", () => {
    expect(new Reader(bytes(0xff, 0xff)).nullableString()).toBeNull();
    expect(new Reader(bytes(0)).compactNullableString()).toBeNull();
    // A null where a non-nullable string is expected fails.
    const r1 = new Reader(bytes(0xff, 0xff));
    expect(r1.string()).toBe("");
    expect(r1.failed).toBe(true);
    const r2 = new Reader(bytes(0));
    expect(r2.compactString()).toBe("");
    expect(r2.failed).toBe(true);
  });

  test("length past the end fails", () => {
    const r = new Reader(bytes(0, 5, 0x61, 0x62));
    expect(r.string()).toBe("");
    expect(r.failed).toBe(true);
  });
});

describe("bytes", () => {
  test("all variants round trip, including null", () => {
    const data = bytes(1, 2, 3, 250);
    const b = encode((w) => {
      w.bytes(data);
      w.nullableBytes(null);
      w.nullableBytes(data);
      w.compactBytes(data);
      w.compactNullableBytes(null);
      w.compactNullableBytes(new Uint8Array(0));
      w.varintBytes(data);
      w.varintBytes(null);
    });
    expect(hex(b)).toBe("00000004010203faffffffff00000004010203fa05010203fa000108010203fa01");
    const r = new Reader(b);
    expect(r.bytes()).toEqual(data);
    expect(r.nullableBytes()).toBeNull();
    expect(r.nullableBytes()).toEqual(data);
    expect(r.compactBytes()).toEqual(data);
    expect(r.compactNullableBytes()).toBeNull();
    expect(r.compactNullableBytes()).toEqual(new Uint8Array(0));
    expect(r.varintBytes()).toEqual(data);
    expect(r.varintBytes()).toBeNull();
    expect(r.failed).toBe(false);
    expect(r.remaining).toBe(0);
  });

  test("reads are zero-copy views of the input", () => {
    const input = bytes(0xaa, 0, 0, 0, 3, 7, 8, 9, 0xbb);
    const r = new Reader(input, 1);
    const out = r.bytes();
    expect(out.buffer).toBe(input.buffer);
    expect(out.byteOffset).toBe(5);
    expect([...out]).toEqual([7, 8, 9]);
  });

  test("over a Node Buffer the views are plain Uint8Arrays, so slice() copies (a Buffer's slice is a view)", () => {
    // Bun's socket chunks are Buffers; a handler that keeps a field with slice() must own it.
    const input = Buffer.from([0, 0, 0, 3, 7, 8, 9]);
    const out = new Reader(input).bytes();
    expect(Buffer.isBuffer(out)).toBe(false);
    expect(out.buffer).toBe(input.buffer);
    const kept = out.slice();
    input.fill(0xee);
    expect([...kept]).toEqual([7, 8, 9]);
    expect([...out]).toEqual([0xee, 0xee, 0xee]);
  });

  test("negative and oversized lengths fail", () => {
    const r1 = new Reader(bytes(0xff, 0xff, 0xff, 0xfe));
    expect(r1.bytes()).toEqual(new Uint8Array(0));
    expect(r1.failed).toBe(true);
    const r2 = new Reader(bytes(0, 0, 0, 9, 1));
    r2.bytes();
    expect(r2.failed).toBe(true);
    const r3 = new Reader(bytes(0xff, 0xff, 0xff, 0xff)); // -1 is null only for nullableBytes
    r3.bytes();
    expect(r3.failed).toBe(true);
  });
});

describe("arrays", () => {
  test("array lengths, null arrays", () => {
    expect(hex(encode((w) => w.arrayLength(3)))).toBe("00000003");
    expect(hex(encode((w) => w.arrayLength(-1)))).toBe("ffffffff");
    expect(hex(encode((w) => w.compactArrayLength(3)))).toBe("04");
    expect(hex(encode((w) => w.compactArrayLength(-1)))).toBe("00");
    expect(new Reader(bytes(0xff, 0xff, 0xff, 0xff)).arrayLength()).toBe(-1);
    expect(new Reader(bytes(0)).compactArrayLength()).toBe(-1);
    const r = new Reader(bytes(0, 0, 0, 2, 1, 2));
    expect(r.arrayLength()).toBe(2);
    expect(r.failed).toBe(false);
  });

  test("counts larger than the remaining bytes fail without allocating", () => {
    const r1 = new Reader(bytes(0x7f, 0xff, 0xff, 0xff, 0, 0));
    expect(r1.arrayLength()).toBe(0);
    expect(r1.failed).toBe(true);
    const r2 = new Reader(bytes(0x05, 1, 2, 3));
    expect(r2.compactArrayLength()).toBe(0); // 4 elements, 3 bytes left
    expect(r2.failed).toBe(true);
    const r3 = new Reader(bytes(0xff, 0xff, 0xff, 0xfe)); // -2
    expect(r3.arrayLength()).toBe(0);
    expect(r3.failed).toBe(true);
  });
});

describe("sticky failure", () => {
  test("a truncated read fails and every later read returns zero values", () => {
    const r = new Reader(bytes(0, 0, 0, 1, 0, 0));
    expect(r.int32()).toBe(1);
    expect(r.int32()).toBe(0); // only 2 bytes left
    expect(r.failed).toBe(true);
    expect(r.remaining).toBe(0);
    expect(r.int8()).toBe(0);
    expect(r.int16()).toBe(0);
    expect(r.int64()).toBe(0);
    expect(r.uvarint()).toBe(0);
    expect(r.string()).toBe("");
    expect(r.compactNullableString()).toBeNull(); // uvarint 0 is null
    expect(r.bytes()).toEqual(new Uint8Array(0));
    expect(r.uuid()).toBe(ZERO_UUID);
    expect(r.failed).toBe(true);
  });

  test("every primitive fails on empty input", () => {
    const reads: ((r: Reader) => unknown)[] = [
      (r) => r.int8(), (r) => r.uint8(), (r) => r.int16(), (r) => r.uint16(), (r) => r.int32(), (r) => r.uint32(),
      (r) => r.int64(), (r) => r.float64(), (r) => r.bool(), (r) => r.uvarint(), (r) => r.varint(), (r) => r.varlong(),
      (r) => r.uuid(), (r) => r.string(), (r) => r.nullableString(), (r) => r.compactString(),
      (r) => r.compactNullableString(), (r) => r.bytes(), (r) => r.nullableBytes(), (r) => r.compactBytes(),
      (r) => r.compactNullableBytes(), (r) => r.arrayLength(), (r) => r.compactArrayLength(), (r) => r.skipTaggedFields(),
    ];
    for (const read of reads) {
      const r = new Reader(new Uint8Array(0));
      read(r);
      expect(r.failed).toBe(true);
    }
  });

  test("a reader window ends at `end`, not at the end of the buffer", () => {
    const r = new Reader(bytes(1, 2, 3, 4, 5, 6), 1, 3);
    expect(r.remaining).toBe(2);
    expect(r.int16()).toBe(0x0203);
    expect(r.int8()).toBe(0);
    expect(r.failed).toBe(true);
  });

  test("skip: negative or past the end fails", () => {
    const r1 = new Reader(bytes(1, 2));
    r1.skip(-1);
    expect(r1.failed).toBe(true);
    const r2 = new Reader(bytes(1, 2));
    r2.skip(2);
    expect(r2.failed).toBe(false);
    r2.skip(1);
    expect(r2.failed).toBe(true);
  });
});

describe("tagged fields", () => {
  test("skipTaggedFields skips unknown fields", () => {
    // 2 fields: tag 0 size 2, tag 5 size 1; then a trailing int8.
    const r = new Reader(bytes(2, 0, 2, 0xaa, 0xbb, 5, 1, 0xcc, 0x42));
    r.skipTaggedFields();
    expect(r.int8()).toBe(0x42);
    expect(r.failed).toBe(false);
  });

  test("a tagged field longer than the input fails", () => {
    const r = new Reader(bytes(1, 0, 9, 0xaa));
    r.skipTaggedFields();
    expect(r.failed).toBe(true);
  });
});

describe("Writer", () => {
  test("grows from a tiny buffer and keeps what was written", () => {
    const w = new Writer(1, null);
    const rnd = prng(5);
    const values: number[] = [];
    for (let i = 0; i < 10000; i++) {
      const v = Math.floor(rnd() * 2 ** 32) - 2 ** 31;
      values.push(v);
      w.int32(v);
    }
    const r = new Reader(w.finish());
    for (const v of values) expect(r.int32()).toBe(v);
    expect(r.remaining).toBe(0);
  });

  test("reserveInt32 / setInt32 back-fill a size prefix", () => {
    const w = new Writer(4, null);
    const at = w.reserveInt32();
    w.compactString("hello");
    w.setInt32(at, w.pos - at - 4);
    expect(hex(w.finish())).toBe("0000000606" + Buffer.from("hello").toString("hex"));
  });
});
