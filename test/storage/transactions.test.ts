// Transactions in the partition log (Kafka's ProducerStateManager.ongoingTxns, ProducerAppendInfo's
// marker checks, UnifiedLog's LSO and TransactionIndex): over MemoryFileSystem, whose crash()
// keeps written bytes (kill -9) or, with loseUnsynced, only fsynced ones (power loss).

import { describe, expect, test } from "bun:test";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView, TRANSACTIONAL_MASK } from "../../src/records/record-batch.ts";
import { readTransactionMarker } from "../../src/records/control-batch.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import type { LogAppendSettings } from "../../src/storage/log-validator.ts";
import { PartitionLog, ProducerAppendError, type PartitionLogOptions } from "../../src/storage/partition-log.ts";
import { decodeAbortedTxns, encodeAbortedTxn } from "../../src/storage/transaction-index.ts";
import { GroupCommit } from "../../src/storage/group-commit.ts";

const DIR = "/data/t-0";
const utf8 = new TextEncoder();
const NOW = 1_700_000_000_000;
const SETTINGS: LogAppendSettings = {
  maxMessageBytes: 1 << 20, segmentBytes: 1 << 30, logAppendTime: false,
  timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: Infinity, compacted: false,
};

function memLog(fs: MemoryFileSystem, opts: PartitionLogOptions = {}): PartitionLog {
  fs.mkdir("/data");
  return PartitionLog.open(DIR, { fs, ...opts });
}

/** A client's batch of `count` records from producer `pid`, transactional unless told otherwise. */
function txnBatch(pid: number, epoch: number, seq: number, count = 1, transactional = true): Uint8Array {
  return buildRecordBatch({
    attributes: transactional ? TRANSACTIONAL_MASK : 0,
    producerId: pid, producerEpoch: epoch, baseSequence: seq, baseTimestamp: NOW,
    records: Array.from({ length: count }, (_, i) => ({ key: utf8.encode(`k${i}`), value: utf8.encode(`p${pid}-${seq + i}`), timestamp: NOW })),
  });
}

function produce(log: PartitionLog, batch: Uint8Array): number | string {
  const r = log.appendAsLeader(new RecordBatchView(batch), SETTINGS, NOW, "t-0");
  return r.kind === "appended" ? r.baseOffset : r.kind === "duplicate" ? `dup@${r.baseOffset}` : r.error;
}

const commit = (producerId: number, producerEpoch: number, coordinatorEpoch = 0) => ({ producerId, producerEpoch, coordinatorEpoch, commit: true });
const abort = (producerId: number, producerEpoch: number, coordinatorEpoch = 0) => ({ producerId, producerEpoch, coordinatorEpoch, commit: false });

function markerError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof ProducerAppendError) return e.error;
    throw e;
  }
  return "appended";
}

const txnIndexPath = (base: number) => `${DIR}/${String(base).padStart(20, "0")}.txnindex`;

describe("open transactions and the last stable offset", () => {
  test("a transactional batch opens a transaction at its base offset; a marker ends it", () => {
    const fs = new MemoryFileSystem();
    const log = memLog(fs);
    expect(produce(log, batchOf(3))).toBe(0);
    expect(log.lastStableOffset).toBe(3);
    expect(produce(log, txnBatch(7, 0, 0, 2))).toBe(3);
    expect(produce(log, txnBatch(7, 0, 2, 2))).toBe(5);
    expect(log.highWatermark).toBe(7);
    expect(log.lastStableOffset).toBe(3);
    expect(log.describeProducers()).toEqual([
      { producerId: 7, producerEpoch: 0, lastSequence: 3, lastTimestamp: NOW, coordinatorEpoch: -1, currentTxnStartOffset: 3 },
    ]);
    // Kafka: a non-transactional write while the transaction is open.
    expect(produce(log, txnBatch(7, 0, 4, 1, false))).toBe("INVALID_TXN_STATE");
    const marker = log.appendTransactionMarker(commit(7, 0, 3), NOW);
    expect(marker).toEqual({ baseOffset: 7, lastOffset: 7 });
    expect(log.lastStableOffset).toBe(8);
    expect(log.describeProducers()[0]).toMatchObject({ coordinatorEpoch: 3, currentTxnStartOffset: -1 });
    // The next transaction starts where its first batch lands.
    expect(produce(log, txnBatch(7, 0, 4))).toBe(8);
    expect(log.lastStableOffset).toBe(8);
    // A commit writes no .txnindex.
    expect(log.abortedTransactions(0, 100)).toEqual([]);
    expect(fs.exists(txnIndexPath(0))).toBe(false);
  });

  test("two producers: the LSO is the earliest open transaction; the abort's index entry records the LSO after it", () => {
    const fs = new MemoryFileSystem();
    const log = memLog(fs);
    expect(produce(log, txnBatch(1, 0, 0, 2))).toBe(0); // 0-1
    expect(produce(log, txnBatch(2, 0, 0, 2))).toBe(2); // 2-3
    expect(log.lastStableOffset).toBe(0);
    log.appendTransactionMarker(abort(1, 0), NOW); // 4
    expect(log.lastStableOffset).toBe(2);
    expect(fs.readFile(txnIndexPath(0))).toEqual(encodeAbortedTxn({ producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 }));
    log.appendTransactionMarker(abort(2, 0), NOW); // 5
    expect(log.lastStableOffset).toBe(6);
    expect(log.abortedTransactions(0, 6)).toEqual([
      { producerId: 1, firstOffset: 0, lastOffset: 4, lastStableOffset: 2 },
      { producerId: 2, firstOffset: 2, lastOffset: 5, lastStableOffset: 6 },
    ]);
    // Kafka's collectAbortedTxns: lastOffset >= fetchOffset and firstOffset < upperBound.
    expect(log.abortedTransactions(5, 6).map((t) => t.producerId)).toEqual([2]);
    expect(log.abortedTransactions(0, 1).map((t) => t.producerId)).toEqual([1]);
    // 34 bytes an entry, version 0, as Kafka's AbortedTxn.
    const bytes = fs.readFile(txnIndexPath(0));
    expect(bytes.length).toBe(68);
    expect(decodeAbortedTxns(bytes).length).toBe(2);
  });

  test("a marker with no transaction open completes nothing and indexes nothing", () => {
    const fs = new MemoryFileSystem();
    const log = memLog(fs);
    log.appendTransactionMarker(abort(4, 0), NOW);
    expect(log.lastStableOffset).toBe(1);
    expect(fs.exists(txnIndexPath(0))).toBe(false);
  });

  test("read with the LSO as bound returns whole batches below it only", () => {
    const log = memLog(new MemoryFileSystem());
    produce(log, batchOf(2)); // 0-1
    produce(log, txnBatch(3, 0, 0, 2)); // 2-3
    produce(log, batchOf(2)); // 4-5
    const bases = (r: ReturnType<PartitionLog["read"]>) => (r === "out-of-range" ? r : r.batches.map((b) => new RecordBatchView(b).baseOffset));
    expect(bases(log.read(0, 1 << 20, true, log.lastStableOffset))).toEqual([0]);
    expect(bases(log.read(1, 1 << 20, true, log.lastStableOffset))).toEqual([0]);
    expect(bases(log.read(2, 1 << 20, true, log.lastStableOffset))).toEqual([]);
    expect(bases(log.read(5, 1 << 20, true, log.lastStableOffset))).toEqual([]);
    expect(bases(log.read(0, 1 << 20, true))).toEqual([0, 2, 4]);
    log.appendTransactionMarker(commit(3, 0), NOW);
    expect(bases(log.read(0, 1 << 20, true, log.lastStableOffset))).toEqual([0, 2, 4, 6]);
  });
});

describe("readCommitted (UnifiedLog.read with TXN_COMMITTED)", () => {
  test("aborted transactions up to the first offset index entry past the returned bytes, as Kafka's fetchUpperBoundOffset", () => {
    // An index entry for every batch but the first (index.interval.bytes 1).
    const log = memLog(new MemoryFileSystem(), { indexIntervalBytes: 1 });
    produce(log, batchOf(1)); // 0
    produce(log, txnBatch(1, 0, 0)); // 1
    log.appendTransactionMarker(abort(1, 0), NOW); // 2
    produce(log, batchOf(1)); // 3
    produce(log, txnBatch(2, 0, 0)); // 4
    log.appendTransactionMarker(abort(2, 0), NOW); // 5
    produce(log, txnBatch(3, 0, 0)); // 6
    log.appendTransactionMarker(abort(3, 0), NOW); // 7
    const read = (offset: number, maxBytes: number) => {
      const r = log.readCommitted(offset, maxBytes, true);
      if (r === "out-of-range") throw new Error("out of range");
      return { bases: r.batches.map((b) => new RecordBatchView(b).baseOffset), aborted: r.abortedTransactions.map((t) => t.producerId) };
    };
    // Batch 0 returned; the next entry is batch 1's (offset 1): producer 1's transaction starts
    // at 1, not below the bound, so none is listed.
    expect(read(0, 1)).toEqual({ bases: [0], aborted: [] });
    // Batch 1 returned; the next entry is the marker's (offset 2): producer 1's.
    expect(read(1, 1)).toEqual({ bases: [1], aborted: [1] });
    expect(read(3, 1)).toEqual({ bases: [3], aborted: [] });
    expect(read(0, 1 << 20)).toEqual({ bases: [0, 1, 2, 3, 4, 5, 6, 7], aborted: [1, 2, 3] });
    expect(read(8, 1 << 20)).toEqual({ bases: [], aborted: [] });
  });

  test("without index entries after the returned bytes: up to the segment's end (the next segment's base)", () => {
    const log = memLog(new MemoryFileSystem(), { segmentBytes: 250 });
    produce(log, batchOf(1)); // 0
    produce(log, txnBatch(1, 0, 0)); // 1
    log.appendTransactionMarker(abort(1, 0), NOW); // 2
    for (let i = 0; i < 3; i++) produce(log, txnBatch(2, 0, i));
    log.appendTransactionMarker(abort(2, 0), NOW);
    expect(log.segmentCount).toBeGreaterThan(1);
    const second = log.segmentBaseOffsets[1]!;
    const r = log.readCommitted(0, 1, true);
    if (r === "out-of-range") throw new Error("out of range");
    expect(r.batches.length).toBe(1);
    // Producer 2's transaction starts before the second segment's base only if it began in the first.
    const expected = log.abortedTransactions(0, second).map((t) => t.producerId);
    expect(r.abortedTransactions.map((t) => t.producerId)).toEqual(expected);
    expect(expected).toContain(1);
  });
});

describe("marker checks (ProducerAppendInfo.appendEndTxnMarker)", () => {
  test("transaction version 0/1: an older epoch is INVALID_PRODUCER_EPOCH, the same or newer is written", () => {
    const log = memLog(new MemoryFileSystem());
    produce(log, txnBatch(5, 3, 0));
    expect(markerError(() => log.appendTransactionMarker(commit(5, 2), NOW))).toBe("INVALID_PRODUCER_EPOCH");
    expect(log.nextOffset).toBe(1);
    expect(log.lastStableOffset).toBe(0);
    expect(markerError(() => log.appendTransactionMarker(commit(5, 3), NOW))).toBe("appended");
    expect(log.lastStableOffset).toBe(2);
  });

  test("transaction version 2: the marker's epoch must be newer (the coordinator bumped it); a retry of a written one is accepted", () => {
    const log = memLog(new MemoryFileSystem());
    produce(log, txnBatch(5, 3, 0));
    const tv2 = { transactionVersion: 2 };
    expect(markerError(() => log.appendTransactionMarker(commit(5, 3), NOW, tv2))).toBe("INVALID_PRODUCER_EPOCH");
    expect(log.nextOffset).toBe(1);
    expect(markerError(() => log.appendTransactionMarker(commit(5, 4), NOW, tv2))).toBe("appended");
    expect(log.lastStableOffset).toBe(2);
    expect(log.describeProducers()[0]!.producerEpoch).toBe(4);
    // The same marker again (coordinator reload, lost response): written, completes nothing (KAFKA-19999).
    expect(markerError(() => log.appendTransactionMarker(commit(5, 4), NOW, tv2))).toBe("appended");
    expect(log.nextOffset).toBe(3);
    // The next transaction runs at the bumped epoch; its data at the old one is fenced.
    expect(produce(log, txnBatch(5, 3, 1))).toBe("INVALID_PRODUCER_EPOCH");
    expect(produce(log, txnBatch(5, 4, 0))).toBe(3);
    expect(markerError(() => log.appendTransactionMarker(commit(5, 4), NOW, tv2))).toBe("INVALID_PRODUCER_EPOCH");
    expect(markerError(() => log.appendTransactionMarker(commit(5, 5), NOW, tv2))).toBe("appended");
  });

  test("an older coordinator epoch is TRANSACTION_COORDINATOR_FENCED", () => {
    const log = memLog(new MemoryFileSystem());
    produce(log, txnBatch(5, 0, 0));
    log.appendTransactionMarker(commit(5, 0, 7), NOW);
    produce(log, txnBatch(5, 0, 1));
    expect(markerError(() => log.appendTransactionMarker(abort(5, 0, 6), NOW))).toBe("TRANSACTION_COORDINATOR_FENCED");
    expect(log.lastStableOffset).toBe(2);
    expect(markerError(() => log.appendTransactionMarker(abort(5, 0, 7), NOW))).toBe("appended");
  });

  test("a coordinator's transactional batch (baseSequence -1) opens a transaction without sequence checks; an older epoch is refused", () => {
    const log = memLog(new MemoryFileSystem());
    const offsetCommit = (epoch: number) => buildRecordBatch({
      attributes: TRANSACTIONAL_MASK, producerId: 9, producerEpoch: epoch, baseSequence: -1, baseTimestamp: NOW,
      records: [{ key: utf8.encode("group"), value: utf8.encode("offset") }],
    });
    expect(log.append(offsetCommit(2), { origin: "coordinator" }).baseOffset).toBe(0);
    expect(log.append(offsetCommit(2), { origin: "coordinator" }).baseOffset).toBe(1);
    expect(log.lastStableOffset).toBe(0);
    expect(log.describeProducers()[0]!.currentTxnStartOffset).toBe(0);
    expect(markerError(() => log.append(offsetCommit(1), { origin: "coordinator" }))).toBe("INVALID_PRODUCER_EPOCH");
    expect(log.nextOffset).toBe(2);
    log.appendTransactionMarker(commit(9, 2), NOW);
    expect(log.lastStableOffset).toBe(3);
  });
});

describe("durability", () => {
  test("kill -9 in the middle of a transaction: the LSO stays at its start after recovery; then a marker completes it", () => {
    const fs = new MemoryFileSystem();
    let log = memLog(fs);
    produce(log, batchOf(2));
    produce(log, txnBatch(1, 0, 0, 3)); // 2-4
    produce(log, batchOf(1)); // 5
    expect(log.lastStableOffset).toBe(2);
    fs.crash();
    log = memLog(fs);
    expect(log.recovery.segmentsValidated).toBe(1);
    expect(log.nextOffset).toBe(6);
    expect(log.lastStableOffset).toBe(2);
    expect(produce(log, txnBatch(1, 0, 3))).toBe(6);
    log.appendTransactionMarker(abort(1, 0), NOW); // 7
    expect(log.lastStableOffset).toBe(8);
    expect(log.abortedTransactions(0, 8)).toEqual([{ producerId: 1, firstOffset: 2, lastOffset: 7, lastStableOffset: 8 }]);
  });

  test("power loss: only the fsynced part counts; a transaction open at the last flush is open again", () => {
    const fs = new MemoryFileSystem();
    let log = memLog(fs);
    produce(log, txnBatch(1, 0, 0, 2)); // 0-1
    log.flush();
    log.appendTransactionMarker(commit(1, 0), NOW); // 2, never fsynced
    expect(log.lastStableOffset).toBe(3);
    fs.crash({ loseUnsynced: true });
    log = memLog(fs, { recoveryPoint: 2 });
    expect(log.nextOffset).toBe(2);
    expect(log.lastStableOffset).toBe(0);
    log.appendTransactionMarker(commit(1, 0), NOW);
    expect(log.lastStableOffset).toBe(3);
  });

  test("clean close and reopen: the open transaction comes back from the snapshot (currentTxnFirstOffset)", () => {
    const fs = new MemoryFileSystem();
    let log = memLog(fs);
    produce(log, batchOf(1));
    produce(log, txnBatch(1, 0, 0));
    expect(log.close()).toBe(true);
    log = memLog(fs, { hadCleanShutdown: true });
    expect(log.producerState.loadedSnapshotOffset).toBe(2);
    expect(log.producerState.scannedBatches).toBe(0);
    expect(log.lastStableOffset).toBe(1);
  });

  test("recovery rebuilds the .txnindex of the segments it recovers, byte for byte, from the producer state before them", () => {
    const fs = new MemoryFileSystem();
    let log = memLog(fs, { segmentBytes: 300 });
    produce(log, txnBatch(1, 0, 0, 2)); // 0-1, its transaction spans segments
    produce(log, txnBatch(2, 0, 0, 2));
    for (let i = 0; i < 6; i++) produce(log, batchOf(2));
    log.appendTransactionMarker(abort(2, 0), NOW);
    log.appendTransactionMarker(abort(1, 0), NOW);
    produce(log, txnBatch(3, 0, 0));
    log.appendTransactionMarker(abort(3, 0), NOW);
    expect(log.segmentCount).toBeGreaterThan(2);
    const indexes = new Map<string, Uint8Array>();
    for (const name of fs.list(DIR)) if (name.endsWith(".txnindex")) indexes.set(name, fs.readFile(`${DIR}/${name}`).slice());
    expect([...indexes.values()].reduce((n, b) => n + b.length, 0)).toBe(3 * 34);
    const aborted = log.abortedTransactions(0, log.nextOffset);
    expect(aborted.map((t) => t.producerId)).toEqual([2, 1, 3]);
    // The transactions' first segment is below the recovery point; the markers' segments are not.
    const recoveryPoint = log.segmentBaseOffsets[1]!;
    fs.crash();
    for (const name of indexes.keys()) fs.remove(`${DIR}/${name}`);
    log = memLog(fs, { segmentBytes: 300, recoveryPoint });
    expect(log.recovery.segmentsValidated).toBe(log.segmentCount - 1);
    for (const [name, bytes] of indexes) expect(fs.readFile(`${DIR}/${name}`)).toEqual(bytes);
    expect(log.abortedTransactions(0, log.nextOffset)).toEqual(aborted);
    expect(log.lastStableOffset).toBe(log.nextOffset);
  });

  test("a transaction open across a roll: the snapshot at the roll carries it through a crash", () => {
    const fs = new MemoryFileSystem();
    let log = memLog(fs, { segmentBytes: 300 });
    produce(log, batchOf(2)); // 0-1
    produce(log, txnBatch(1, 0, 0, 2)); // 2-3
    for (let i = 0; i < 5; i++) produce(log, batchOf(2));
    expect(log.segmentCount).toBeGreaterThan(2);
    expect(log.lastStableOffset).toBe(2);
    const lastBase = log.segmentBaseOffsets.at(-1)!;
    fs.crash();
    // Recovery from the newest segment: the producer state comes from the snapshot at its base.
    log = memLog(fs, { segmentBytes: 300, recoveryPoint: lastBase });
    expect(log.producerState.loadedSnapshotOffset).toBe(lastBase);
    expect(log.lastStableOffset).toBe(2);
    log.appendTransactionMarker(commit(1, 0), NOW);
    expect(log.lastStableOffset).toBe(log.nextOffset);
  });

  test("a marker's acknowledgement waits for the group commit (whenDurable), which makes it and its index entry survive power loss", async () => {
    const fs = new MemoryFileSystem();
    let log = memLog(fs, { groupCommit: new GroupCommit() });
    produce(log, txnBatch(1, 0, 0));
    log.appendTransactionMarker(abort(1, 0), NOW);
    const durable = log.whenDurable();
    expect(durable).not.toBeNull();
    await Promise.race([durable, Bun.sleep(5000).then(() => { throw new Error("whenDurable did not resolve in 5 s"); })]);
    expect(log.recoveryPoint).toBe(2);
    fs.crash({ loseUnsynced: true });
    log = memLog(fs, { recoveryPoint: 2 });
    expect(log.nextOffset).toBe(2);
    expect(log.lastStableOffset).toBe(2);
    expect(log.abortedTransactions(0, 2)).toEqual([{ producerId: 1, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }]);
  });

  test("a .txnindex is fsynced when the recovery point passes its segment (a roll): power loss keeps it", () => {
    const fs = new MemoryFileSystem();
    let log = memLog(fs);
    produce(log, txnBatch(1, 0, 0));
    log.appendTransactionMarker(abort(1, 0), NOW);
    log.roll();
    produce(log, batchOf(1));
    fs.crash({ loseUnsynced: true });
    // Recovery starts at the second segment: the first one's index is trusted as it is on disk.
    log = memLog(fs, { recoveryPoint: 2 });
    expect(log.recovery.segmentsValidated).toBe(1);
    expect(fs.size(txnIndexPath(0))).toBe(34);
    expect(log.abortedTransactions(0, 3).map((t) => t.producerId)).toEqual([1]);
  });

  test("a torn .txnindex entry is dropped by recovery", () => {
    const fs = new MemoryFileSystem();
    let log = memLog(fs);
    produce(log, txnBatch(1, 0, 0));
    log.appendTransactionMarker(abort(1, 0), NOW);
    log.flush();
    produce(log, txnBatch(1, 0, 1));
    log.appendTransactionMarker(abort(1, 0), NOW);
    fs.crash({ tearLastWriteTo: 20 }); // the last write was the second entry
    log = memLog(fs, { recoveryPoint: 0 });
    expect(fs.size(txnIndexPath(0))).toBe(68);
    expect(log.abortedTransactions(0, 4).map((t) => [t.firstOffset, t.lastOffset])).toEqual([[0, 1], [2, 3]]);
  });
});

describe("with segment rolls, DeleteRecords and retention", () => {
  test("the LSO never falls below the log start offset; a removed segment's .txnindex goes with it", () => {
    const fs = new MemoryFileSystem();
    const log = memLog(fs, { segmentBytes: 200, fileDeleteDelayMs: 0 });
    produce(log, txnBatch(1, 0, 0)); // 0
    log.appendTransactionMarker(abort(1, 0), NOW); // 1
    produce(log, txnBatch(2, 0, 0)); // open from 2
    for (let i = 0; i < 4; i++) produce(log, batchOf(2));
    expect(log.segmentCount).toBeGreaterThan(1);
    expect(fs.exists(txnIndexPath(0))).toBe(true);
    expect(log.lastStableOffset).toBe(2);
    const second = log.segmentBaseOffsets[1]!;
    expect(log.deleteRecordsBefore(second)).toBe(second);
    expect(fs.exists(txnIndexPath(0))).toBe(false);
    expect(fs.list(DIR).some((n) => n.includes(".txnindex"))).toBe(false);
    // The open transaction's data is gone; Kafka's firstUnstableOffset is clamped to the log start.
    expect(log.lastStableOffset).toBe(second);
    log.appendTransactionMarker(commit(2, 0), NOW);
    expect(log.lastStableOffset).toBe(log.nextOffset);
  });
});

describe("retention", () => {
  test("retention removing the start of an open transaction: the LSO is the new log start", () => {
    const fs = new MemoryFileSystem();
    const log = memLog(fs, { segmentBytes: 200, fileDeleteDelayMs: 0 });
    produce(log, txnBatch(1, 0, 0)); // 0, open
    for (let i = 0; i < 4; i++) produce(log, batchOf(2));
    expect(log.segmentCount).toBeGreaterThan(2);
    // Everything is older than retention.ms = 1 ms: all but the active segment go.
    const deleted = log.deleteOldSegments({ deleteEnabled: true, retentionMs: 1, retentionBytes: -1 }, NOW + 10_000);
    expect(deleted).toBeGreaterThan(0);
    expect(log.logStartOffset).toBeGreaterThan(0);
    expect(log.lastStableOffset).toBe(log.logStartOffset);
    expect(log.describeProducers()[0]!.currentTxnStartOffset).toBe(0);
  });
});

describe("control batches", () => {
  test("a marker is a control batch Kafka's reader reads back", () => {
    const log = memLog(new MemoryFileSystem());
    produce(log, txnBatch(1, 0, 0));
    log.appendTransactionMarker(abort(1, 0, 5), NOW);
    const r = log.read(1, 1 << 20, true);
    if (r === "out-of-range") throw new Error("out of range");
    const view = new RecordBatchView(r.batches[0]!);
    expect([view.isControl, view.producerId, view.baseOffset]).toEqual([true, 1, 1]);
    expect(readTransactionMarker(view)).toEqual({ type: 0, coordinatorEpoch: 5, timestamp: NOW });
  });
});

function batchOf(count: number): Uint8Array {
  return buildRecordBatch({ baseTimestamp: NOW, records: Array.from({ length: count }, (_, i) => ({ key: utf8.encode(`k${i}`), value: utf8.encode(`v${i}`), timestamp: NOW })) });
}
