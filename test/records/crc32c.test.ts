import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32c, crc32cImplementation, crc32cNative, crc32cUpdate, crc32cUpdateTypeScript, selfTest } from "../../src/records/crc32c.ts";
import { buildNativeCrc32c, type NativeCrc32c } from "../../src/records/crc32c-native.ts";
import { ATTRIBUTES, CRC } from "../../src/records/record-batch.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/codecrafters-logdir");
const KAFKA_LOG = join(import.meta.dir, "../fixtures/kafka-logdir/fixture-topic-0/00000000000000000000.log");
const KAFKA_README = join(import.meta.dir, "../fixtures/kafka-logdir/README.md");

describe("crc32c", () => {
  test("standard check value", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
  });

  test("RFC 3720 vectors (iSCSI)", () => {
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
  });

  test("empty input and ranges", () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const b = new TextEncoder().encode("xx123456789yy");
    expect(crc32c(b, 2, 11)).toBe(0xe3069283);
  });

  test("every length and alignment agrees with the bytewise definition", () => {
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 131 + 7) & 0xff);
    const slow = (bytes: Uint8Array, s: number, e: number) => {
      let c = ~0;
      for (let i = s; i < e; i++) {
        c ^= bytes[i]!;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
      }
      return ~c >>> 0;
    };
    for (let s = 0; s < 9; s++) for (let e = s; e < 300; e += 13) expect(crc32c(data, s, e)).toBe(slow(data, s, e));
  });

  test("incremental update equals one pass", () => {
    const data = Uint8Array.from({ length: 1000 }, (_, i) => i & 0xff);
    expect(crc32cUpdate(crc32c(data, 0, 333), data, 333, 1000)).toBe(crc32c(data));
  });

  test("CRC of a batch written by the CodeCrafters tester (Go hash/crc32 Castagnoli)", () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, "foo-0/00000000000000000000.log")));
    const stored = new DataView(bytes.buffer, bytes.byteOffset).getUint32(CRC);
    expect(stored).toBe(0x6a879bd0);
    expect(crc32c(bytes, ATTRIBUTES, bytes.length)).toBe(stored);
  });

  test.if(existsSync(KAFKA_README))("CRC of the first batch Apache Kafka wrote, as its DumpLogSegments printed it", () => {
    const readme = readFileSync(KAFKA_README, "utf8");
    const m = /^baseOffset: 0 .*? position: 0 .*? size: (\d+) magic: 2 compresscodec: none crc: (\d+) isvalid: true$/m.exec(readme)!;
    const size = Number(m[1]);
    const bytes = new Uint8Array(readFileSync(KAFKA_LOG)).subarray(0, size);
    expect(crc32c(bytes, ATTRIBUTES, size)).toBe(Number(m[2]));
  });
});

// Both implementations on the same inputs. The native one is expected wherever it can exist (an
// x86-64 CPU with SSE4.2), so a broken build fails here rather than falling back unnoticed.
const SSE42 = process.arch === "x64" && /\bsse4_2\b/.test(safeRead("/proc/cpuinfo"));

function safeRead(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

describe("crc32c: native and TypeScript paths", () => {
  // One test whatever the CPU (no test skipped in silence): it checks the choice this CPU calls for.
  test("the SSE4.2 path is chosen where the CPU has it; elsewhere the TypeScript path, saying why", () => {
    if (SSE42) {
      expect(crc32cImplementation).toStartWith("SSE4.2 crc32 instruction through bun:ffi cc");
      expect(crc32cNative).not.toBeNull();
    } else {
      expect(crc32cImplementation).toStartWith("TypeScript slicing-by-16 (");
      expect(crc32cNative).toBeNull();
    }
  });

  const native = crc32cNative;
  type Update = (crc: number, b: Uint8Array, s: number, e: number) => number;
  const paths: [string, Update][] = [["TypeScript", crc32cUpdateTypeScript], ["dispatch (crc32cUpdate)", crc32cUpdate]];
  if (native !== null) paths.push(["native", (crc, b, s, e) => native(b, s, e - s, crc | 0) >>> 0]);

  for (const [name, update] of paths) {
    test(`${name}: known vectors`, () => {
      expect(update(0, new TextEncoder().encode("123456789"), 0, 9)).toBe(0xe3069283);
      const v = Uint8Array.from({ length: 32 }, (_, i) => i);
      expect(update(0, v, 0, 32)).toBe(0x46dd794e);
      expect(update(0, new Uint8Array(32).fill(0xff), 0, 32)).toBe(0x62a8ab43);
      expect(update(0, new Uint8Array(32), 0, 32)).toBe(0x8a9136aa);
    });
  }

  test.if(native !== null)("native equals TypeScript on random inputs: sizes, offsets, odd byteOffset subarrays, continued CRCs", () => {
    const fn = native!;
    const data = crypto.getRandomValues(new Uint8Array(3 * 8192 * 3 + 4096));
    const sizes = [0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 63, 64, 65, 255, 1024, 1535, 1536, 1537, 3071, 3072, 3073, 4096, 16384,
      3 * 8192 - 1, 3 * 8192, 3 * 8192 + 1, 3 * 8192 + 1536 + 7, 6 * 8192 + 3 * 512 + 5, data.length - 13];
    for (let i = 0; i < 200; i++) sizes.push(Math.floor(Math.random() * (data.length - 13)));
    let checked = 0;
    for (const size of sizes) {
      for (const offset of [0, 1, 3, 5, 8, 13]) {
        const seed = (Math.random() * 2 ** 32) >>> 0;
        const want = crc32cUpdateTypeScript(seed, data, offset, offset + size);
        expect(fn(data, offset, size, seed | 0) >>> 0).toBe(want);
        expect(crc32cUpdate(seed, data, offset, offset + size)).toBe(want);
        // The same bytes through a subarray whose byteOffset is odd.
        const sub = data.subarray(offset, offset + size);
        expect(crc32cUpdate(seed, sub)).toBe(want);
        if (size > 2) expect(crc32c(sub, 1, size - 1)).toBe(crc32cUpdateTypeScript(0, data, offset + 1, offset + size - 1));
        checked++;
      }
    }
    expect(checked).toBe(sizes.length * 6);
  });

  test.if(native !== null)("a continued CRC over any split equals one pass", () => {
    const data = crypto.getRandomValues(new Uint8Array(60_000));
    const whole = crc32c(data);
    expect(whole).toBe(crc32cUpdateTypeScript(0, data));
    for (const cut of [1, 15, 16, 17, 1536, 24_576, 30_001, 59_999]) expect(crc32cUpdate(crc32c(data, 0, cut), data, cut)).toBe(whole);
  });

  test.if(native !== null)("a range outside the bytes is a RangeError, never a read past them", () => {
    const b = new Uint8Array(64);
    expect(() => crc32c(b, 0, 65)).toThrow(RangeError);
    expect(() => crc32c(b.subarray(10, 50), 0, 41)).toThrow(RangeError);
    expect(() => crc32c(b, -1, 40)).toThrow(RangeError);
  });

  test("the self-test rejects an implementation that is wrong anywhere", () => {
    const good: NativeCrc32c = (b, s, n, crc) => crc32cUpdateTypeScript(crc >>> 0, b, s, s + n);
    expect(selfTest(good)).toBeNull();
    expect(selfTest((b, s, n, crc) => good(b, s, n, crc) ^ 1)).toContain("vector of 9 bytes");
    // Right on the vectors, wrong only past 1535 bytes (a three-stream path).
    expect(selfTest((b, s, n, crc) => n >= 1536 ? good(b, s, n, crc) ^ 0x100 : good(b, s, n, crc))).toContain("1536 bytes at offset 0");
    // Right from offset 0 only.
    expect(selfTest((b, s, n, crc) => good(b, 0, n, crc))).toContain("at offset 1");
  });

  test("the native build fails soft: a reason, never a throw", () => {
    const built = buildNativeCrc32c();
    if (built.ok) expect(built.fn(new TextEncoder().encode("123456789"), 0, 9, 0) >>> 0).toBe(0xe3069283);
    else expect(built.reason.length).toBeGreaterThan(0);
    expect(built.ok).toBe(SSE42);
  });
});
