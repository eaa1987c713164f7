import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { crc32c, crc32cUpdate } from "../../src/records/crc32c.ts";
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
