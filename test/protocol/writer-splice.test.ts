import { expect, test } from "bun:test";
import { Writer } from "../../src/protocol/writer.ts";

test("byte fields above the splice threshold are referenced, and the chunks spell the same message", () => {
  const big = new Uint8Array(100).fill(9);
  const small = Uint8Array.of(1, 2, 3);
  const encode = (threshold: number) => {
    const w = new Writer(16, null);
    w.spliceThreshold = threshold;
    const at = w.reserveInt32();
    w.int16(7);
    w.bytes(big);
    w.compactBytes(small);
    w.compactBytes(big);
    w.int8(-1);
    w.setInt32(at, w.pos + w.splicedBytes - 4);
    return w;
  };
  const copied = encode(Infinity);
  const spliced = encode(50);
  expect(copied.chunks().length).toBe(1);
  const chunks = spliced.chunks();
  expect(chunks.length).toBe(5);
  expect(chunks[1]).toBe(big); // the same memory, not a copy
  expect(spliced.splicedBytes).toBe(200);
  expect(Buffer.concat(chunks)).toEqual(Buffer.from(copied.finish()));
});
