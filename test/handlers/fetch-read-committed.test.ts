// Fetch (1) and ListOffsets (2) with isolation_level 1 (read_committed) over a log holding
// transactions, through the handler registry at every served version: whole batches below the
// LSO only, the aborted transactions overlapping what is returned (Kafka's
// LocalLog.addAbortedTransactions), and a waiting fetch woken when a marker moves the LSO. The
// v4 answer is also checked byte by byte against the layout of FetchResponse.json.

import { describe, expect, test } from "bun:test";
import "../../src/handlers/01-fetch.ts";
import "../../src/handlers/02-list-offsets.ts";
import { handlerFor } from "../../src/handlers/registry.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import * as F from "../../src/protocol/messages/fetch.ts";
import * as LO from "../../src/protocol/messages/list-offsets.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView, TRANSACTIONAL_MASK } from "../../src/records/record-batch.ts";
import type { PartitionLog } from "../../src/storage/partition-log.ts";
import { handlerHarness, type HarnessBroker } from "../support/handler-harness.ts";

const h = handlerHarness("fetch-rc");
const utf8 = new TextEncoder();
const NOW = Date.now();
const FETCH_CODEC = { spec: F.FETCH, write: F.writeFetchRequest, read: F.readFetchResponse };
const LIST_CODEC = { spec: LO.LIST_OFFSETS, write: LO.writeListOffsetsRequest, read: LO.readListOffsetsResponse };

function txnBatch(pid: number, seq: number, count: number, ts = NOW): Uint8Array {
  return buildRecordBatch({
    attributes: TRANSACTIONAL_MASK, producerId: pid, producerEpoch: 0, baseSequence: seq, baseTimestamp: ts,
    records: Array.from({ length: count }, (_, i) => ({ key: utf8.encode(`k${i}`), value: utf8.encode(`p${pid}-${seq + i}`), timestamp: ts + seq + i })),
  });
}

/**
 * The log used by every case:
 *   0-1 plain | 2-3 P1 | 4-5 P2 | 6 abort P1 | 7-8 plain | 9 commit P2 | 10-11 P3 (open) | 12-13 plain
 * LSO 10 (P3's transaction), high watermark 14.
 */
function setUp(): { b: HarnessBroker; log: PartitionLog; stored: Uint8Array[] } {
  const b = h.open();
  b.store.metadata.createTopic("tx", 1, { nodeId: 1, configs: [] });
  const log = b.store.partition("tx", 0)!;
  log.append(buildRecordBatch({ baseTimestamp: NOW, records: [{ value: utf8.encode("a") }, { value: utf8.encode("b") }] }));
  log.append(txnBatch(1, 0, 2));
  log.append(txnBatch(2, 0, 2));
  log.appendTransactionMarker({ producerId: 1, producerEpoch: 0, coordinatorEpoch: 0, commit: false }, NOW);
  log.append(buildRecordBatch({ baseTimestamp: NOW, records: [{ value: utf8.encode("c") }, { value: utf8.encode("d") }] }));
  log.appendTransactionMarker({ producerId: 2, producerEpoch: 0, coordinatorEpoch: 0, commit: true }, NOW);
  log.append(txnBatch(3, 0, 2, NOW + 100));
  log.append(buildRecordBatch({ baseTimestamp: NOW, records: [{ value: utf8.encode("e") }, { value: utf8.encode("f") }] }));
  const all = log.read(0, 1 << 20, true);
  if (all === "out-of-range") throw new Error("unreadable");
  return { b, log, stored: all.batches.map((x) => x.slice()) };
}

function fetchRequest(b: HarnessBroker, fetchOffset: number, isolationLevel: number, opts: { maxWaitMs?: number; minBytes?: number; partitionMaxBytes?: number } = {}): F.FetchRequest {
  const meta = b.store.metadata.topicsByName.get("tx")!;
  return {
    ...F.defaultFetchRequest(), isolationLevel, maxWaitMs: opts.maxWaitMs ?? 0, minBytes: opts.minBytes ?? 0,
    topics: [{
      topic: "tx", topicId: meta.topicId,
      partitions: [{ ...F.defaultFetchRequestFetchPartition(), fetchOffset, partitionMaxBytes: opts.partitionMaxBytes ?? 1 << 20 }],
    }],
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const baseOf = (b: Uint8Array) => new RecordBatchView(b).baseOffset;

describe("Fetch read_committed", () => {
  const { b, log, stored } = setUp();
  test("the log is as the cases expect", () => {
    expect(stored.map(baseOf)).toEqual([0, 2, 4, 6, 7, 9, 10, 12]);
    expect([log.lastStableOffset, log.highWatermark]).toEqual([10, 14]);
  });

  for (const version of [4, 5, 7, 11, 12, 13, 15, 16]) {
    test(`v${version}: batches below the LSO, with the aborted transactions they overlap`, async () => {
      const res = await h.call(b, FETCH_CODEC, version, fetchRequest(b, 0, 1));
      const p = res.responses[0]!.partitions[0]!;
      expect(p.errorCode).toBe(ErrorCode.NONE);
      expect([p.highWatermark, p.lastStableOffset]).toEqual([14, 10]);
      expect(p.records).toEqual(concat(stored.slice(0, 6)));
      expect(p.abortedTransactions).toEqual([{ producerId: 1, firstOffset: 2 }]);
      // read_uncommitted: everything, and a null list.
      const all = (await h.call(b, FETCH_CODEC, version, fetchRequest(b, 0, 0))).responses[0]!.partitions[0]!;
      expect(all.records).toEqual(concat(stored));
      expect(all.abortedTransactions).toBeNull();
    });
  }

  test("from past the abort marker: no aborted transaction overlaps", async () => {
    const p = (await h.call(b, FETCH_CODEC, 12, fetchRequest(b, 7, 1))).responses[0]!.partitions[0]!;
    expect(p.records).toEqual(concat(stored.slice(4, 6)));
    expect(p.abortedTransactions).toEqual([]);
  });

  test("as Kafka's: the list reaches to the segment's end when no offset index entry follows the returned bytes", async () => {
    // partitionMaxBytes 1: one whole batch (the first partition returns at least one). Kafka 4.3.1
    // answered the same way for its own log (test/fixtures/kafka-txn): every abort from the fetch
    // offset to the segment's end, whatever the fetch returned.
    const p = (await h.call(b, FETCH_CODEC, 12, fetchRequest(b, 0, 1, { partitionMaxBytes: 1 }))).responses[0]!.partitions[0]!;
    expect(p.records).toEqual(stored[0]!);
    expect(p.abortedTransactions).toEqual([{ producerId: 1, firstOffset: 2 }]);
    const q = (await h.call(b, FETCH_CODEC, 12, fetchRequest(b, 7, 1, { partitionMaxBytes: 1 }))).responses[0]!.partitions[0]!;
    expect(q.records).toEqual(stored[4]!);
    expect(q.abortedTransactions).toEqual([]);
  });

  test("at or past the LSO (below the high watermark): no records, an empty list, no error", async () => {
    for (const offset of [10, 11, 13]) {
      const p = (await h.call(b, FETCH_CODEC, 12, fetchRequest(b, offset, 1))).responses[0]!.partitions[0]!;
      expect([p.errorCode, p.records?.length, p.lastStableOffset]).toEqual([ErrorCode.NONE, 0, 10]);
      expect(p.abortedTransactions).toEqual([]);
    }
  });

  test("v4 bytes: partition header, LSO, aborted transactions array, then the records", async () => {
    const handler = handlerFor(F.FETCH.apiKey)!;
    const w = new Writer(256, null);
    F.writeFetchRequest(w, 4, fetchRequest(b, 0, 1));
    const request = handler.readRequest(new Reader(w.finish().slice()), 4);
    const response = await handler.handle(request, h.ctx(b, F.FETCH.apiKey, 4));
    const out = new Writer(256, null);
    handler.writeResponse(out, 4, response);
    const bytes = out.finish().slice();
    const records = concat(stored.slice(0, 6));
    // throttle_time_ms | [topics] name "tx" | [partitions] index, error, hw, lso, [aborted] {pid, first}, records
    const expected = new Uint8Array(4 + 4 + 2 + 2 + 4 + 4 + 2 + 8 + 8 + 4 + 16 + 4 + records.length);
    const dv = new DataView(expected.buffer);
    let p = 0;
    dv.setInt32(p, 0); p += 4;
    dv.setInt32(p, 1); p += 4;
    dv.setInt16(p, 2); p += 2;
    expected.set(utf8.encode("tx"), p); p += 2;
    dv.setInt32(p, 1); p += 4;
    dv.setInt32(p, 0); p += 4;
    dv.setInt16(p, 0); p += 2;
    dv.setBigInt64(p, 14n); p += 8;
    dv.setBigInt64(p, 10n); p += 8;
    dv.setInt32(p, 1); p += 4;
    dv.setBigInt64(p, 1n); p += 8;
    dv.setBigInt64(p, 2n); p += 8;
    dv.setInt32(p, records.length); p += 4;
    expected.set(records, p);
    expect(bytes).toEqual(expected);
  });
});

describe("long polling and ListOffsets", () => {
  test("a waiting read_committed fetch wakes when a marker moves the LSO", async () => {
    const { b, log, stored } = setUp();
    const started = Date.now();
    const pending = h.call(b, FETCH_CODEC, 12, fetchRequest(b, 10, 1, { maxWaitMs: 5000, minBytes: 1 }));
    // Data past the LSO does not answer the fetch.
    setTimeout(() => log.append(txnBatch(3, 2, 1)), 20);
    setTimeout(() => log.appendTransactionMarker({ producerId: 3, producerEpoch: 0, coordinatorEpoch: 0, commit: true }, Date.now()), 150);
    const p = (await pending).responses[0]!.partitions[0]!;
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(140);
    expect(waited).toBeLessThan(4000);
    expect(p.lastStableOffset).toBe(16);
    const records = p.records!;
    expect(new RecordBatchView(records).baseOffset).toBe(10);
    expect(records.subarray(0, stored[6]!.length)).toEqual(stored[6]!);
  });

  test("ListOffsets: LATEST is the LSO for read_committed; a timestamp at or past the LSO finds nothing", async () => {
    const { b } = setUp();
    const list = async (isolationLevel: number, timestamp: number) => {
      const res = await h.call(b, LIST_CODEC, 8, {
        ...LO.defaultListOffsetsRequest(), isolationLevel,
        topics: [{ name: "tx", partitions: [{ ...LO.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 0, timestamp }] }],
      });
      return res.topics[0]!.partitions[0]!.offset;
    };
    expect(await list(1, -1)).toBe(10);
    expect(await list(0, -1)).toBe(14);
    // P1's second record (offset 3) has NOW+1; P3's (offsets 10-11, past the LSO) NOW+100 and NOW+101.
    expect(await list(1, NOW + 1)).toBe(3);
    expect(await list(1, NOW + 100)).toBe(-1);
    expect(await list(0, NOW + 100)).toBe(10);
    expect(await list(0, NOW + 101)).toBe(11);
  });
});
