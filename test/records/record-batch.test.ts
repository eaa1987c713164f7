import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import {
  decodeRecords,
  LOG_OVERHEAD,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
  scanBatches,
  splitBatches,
} from "../../src/records/record-batch.ts";
import { batchOf, text } from "../storage/batches.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/codecrafters-logdir");
const read = (p: string) => new Uint8Array(readFileSync(join(FIXTURES, p)));

describe("RecordBatchView", () => {
  test("reads every header field of a batch written by the CodeCrafters tester", () => {
    const v = new RecordBatchView(read("foo-0/00000000000000000000.log"));
    expect(v.baseOffset).toBe(0);
    expect(v.batchLength).toBe(68);
    expect(v.sizeInBytes).toBe(68 + LOG_OVERHEAD);
    expect(v.partitionLeaderEpoch).toBe(0);
    expect(v.magic).toBe(2);
    expect(v.crc).toBe(0x6a879bd0);
    expect(v.isCrcValid()).toBe(true);
    expect(v.attributes).toBe(0);
    expect(v.compression).toBe(0);
    expect(v.timestampType).toBe(0);
    expect(v.isTransactional).toBe(false);
    expect(v.isControl).toBe(false);
    expect(v.lastOffsetDelta).toBe(0);
    expect(v.lastOffset).toBe(0);
    expect(v.baseTimestamp).toBe(1726045973899);
    expect(v.maxTimestamp).toBe(1726045973899);
    expect(v.producerId).toBe(0);
    expect(v.producerEpoch).toBe(0);
    expect(v.baseSequence).toBe(0);
    expect(v.recordCount).toBe(1);
    const [r] = decodeRecords(v);
    expect(r!.key).toBeNull();
    expect(text(r!.value)).toBe("Hello World!");
    expect(r!.headers).toEqual([]);
    expect(r!.offset).toBe(0);
    expect(r!.timestamp).toBe(1726045973899);
  });

  test("base offset and leader epoch are written in place without breaking the CRC", () => {
    const bytes = read("foo-0/00000000000000000000.log");
    const v = new RecordBatchView(bytes);
    v.setBaseOffset(2 ** 40 + 5);
    v.setPartitionLeaderEpoch(7);
    expect(v.baseOffset).toBe(2 ** 40 + 5);
    expect(v.lastOffset).toBe(2 ** 40 + 5);
    expect(v.partitionLeaderEpoch).toBe(7);
    expect(v.isCrcValid()).toBe(true);
    bytes[bytes.length - 1]! ^= 1;
    expect(v.isCrcValid()).toBe(false);
  });

  test("attribute bits", () => {
    const b = buildRecordBatch({ attributes: 0x08 | 0x10 | 0x20, records: [{ value: null }] });
    const v = new RecordBatchView(b);
    expect(v.timestampType).toBe(1);
    expect(v.isTransactional).toBe(true);
    expect(v.isControl).toBe(true);
    expect(v.isCrcValid()).toBe(true);
  });

  test("builder round trip: keys, values, headers, timestamps, offsets", () => {
    const b = buildRecordBatch({
      baseOffset: 10,
      baseTimestamp: 1000,
      producerId: 42,
      producerEpoch: 3,
      baseSequence: 9,
      records: [
        { key: new Uint8Array([1]), value: new TextEncoder().encode("a"), timestamp: 1000, headers: [{ key: "h", value: new Uint8Array([2, 3]) }] },
        { value: null, timestamp: 1500 },
        { value: new Uint8Array(300), timestamp: 1200 },
      ],
    });
    const v = new RecordBatchView(b);
    expect(v.isCrcValid()).toBe(true);
    expect([v.baseOffset, v.lastOffset, v.recordCount, v.maxTimestamp, v.producerId, v.producerEpoch, v.baseSequence]).toEqual([
      10, 12, 3, 1500, 42, 3, 9,
    ]);
    const rs = decodeRecords(v);
    expect(rs.map((r) => r.offset)).toEqual([10, 11, 12]);
    expect(rs.map((r) => r.timestamp)).toEqual([1000, 1500, 1200]);
    expect(rs[0]!.headers).toEqual([{ key: "h", value: new Uint8Array([2, 3]) }]);
    expect(rs[1]!.value).toBeNull();
    expect(rs[2]!.value!.length).toBe(300);
  });

  test("decodeRecords refuses compressed batches and malformed records", () => {
    const b = batchOf(2);
    expect(() => decodeRecords(new RecordBatchView(buildRecordBatch({ attributes: 1, records: [{ value: null }] })))).toThrow();
    const cut = b.slice();
    cut[RECORD_BATCH_OVERHEAD] = 0x7e; // first record claims 63 bytes
    expect(() => decodeRecords(new RecordBatchView(cut))).toThrow();
  });
});

describe("scanBatches / splitBatches", () => {
  const three = [batchOf(1), batchOf(3), batchOf(2)];
  const whole = Buffer.concat(three);

  test("counts complete batches and where they end", () => {
    expect(scanBatches(whole)).toEqual({ count: 3, validBytes: whole.length, stop: "end", nextOffset: 2 });
    expect([...splitBatches(whole)].map((b) => b.length)).toEqual(three.map((b) => b.length));
  });

  test("a cut-short last batch is partial", () => {
    for (const cut of [1, 11, 20, three[2]!.length - 1]) {
      const s = scanBatches(whole.subarray(0, whole.length - cut));
      expect(s.count).toBe(2);
      expect(s.validBytes).toBe(three[0]!.length + three[1]!.length);
      expect(s.stop).toBe("partial");
    }
  });

  test("a bad CRC, magic or length is corrupt", () => {
    const bad = new Uint8Array(whole);
    bad[three[0]!.length + 70]! ^= 0xff;
    expect(scanBatches(bad)).toMatchObject({ count: 1, stop: "corrupt" });
    expect(scanBatches(bad, false)).toMatchObject({ count: 3, stop: "end" });
    const badMagic = new Uint8Array(whole);
    badMagic[16] = 1;
    expect(scanBatches(badMagic)).toMatchObject({ count: 0, stop: "corrupt" });
    const badLen = new Uint8Array(whole);
    badLen.set([0, 0, 0, 3], 8);
    expect(scanBatches(badLen)).toMatchObject({ count: 0, stop: "corrupt" });
    expect([...splitBatches(badLen)]).toEqual([]);
  });

  test("the CodeCrafters metadata log holds 4 valid batches", () => {
    const s = scanBatches(read("__cluster_metadata-0/00000000000000000000.log"));
    expect(s).toMatchObject({ count: 4, stop: "end" });
  });
});
