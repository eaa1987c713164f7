// The remote tier of a partition log (src/storage/tiered/remote-partition-log.ts) on
// MemoryFileSystem and MemoryObjectStore: uploads of rolled segments only, local retention only of
// uploaded segments, reads below the local log start from the bucket, remote retention, an
// unreachable bucket, and crashes in the middle of an upload and of a deletion: no record lost,
// none served twice, no object left behind.

import { describe, expect, test } from "bun:test";
import { MemoryFileSystem } from "../../../src/storage/fs.ts";
import { PartitionLog, type RetentionPolicy } from "../../../src/storage/partition-log.ts";
import { RecordBatchView } from "../../../src/records/record-batch.ts";
import { MemoryObjectStore } from "../../../src/storage/tiered/memory-object-store.ts";
import { RemoteChunkCache } from "../../../src/storage/tiered/remote-chunk-cache.ts";
import { RemotePartitionLog, REMOTE_SEGMENT_SUFFIXES } from "../../../src/storage/tiered/remote-partition-log.ts";
import { ObjectStoreError } from "../../../src/storage/tiered/object-store.ts";
import { REMOTE_SEGMENTS_FILE } from "../../../src/storage/tiered/remote-segment-metadata.ts";
import { batchOf } from "../batches.ts";

const DIR = "/logs/t-0";
const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;
const KEEP_ALL: RetentionPolicy = { deleteEnabled: true, retentionMs: -1, retentionBytes: -1, remoteStorageEnable: true };
/** Local retention that keeps nothing that was uploaded. */
const LOCAL_NONE: RetentionPolicy = { ...KEEP_ALL, localRetentionBytes: 0 };

/** A broker's worth of state that survives a crash: the file system, the bucket, the log start checkpoint. */
class Node {
  readonly fs = new MemoryFileSystem();
  readonly store = new MemoryObjectStore();
  checkpointedStart: number | undefined;
  log!: PartitionLog;
  tier!: RemotePartitionLog;
  ids = 0;

  constructor() {
    this.open();
  }

  open(): void {
    this.log = PartitionLog.open(DIR, {
      fs: this.fs, segmentBytes: 1500, fileDeleteDelayMs: 0, remoteLogEnabled: true,
      logStartOffset: this.checkpointedStart, onLogStartOffsetChange: (o) => (this.checkpointedStart = o),
    });
    this.tier = new RemotePartitionLog(this.log, {
      fs: this.fs, store: this.store, cache: new RemoteChunkCache(this.store, 4096, 512), partitionKey: "t-0-abc",
      newId: () => `id${++this.ids}`,
    });
    this.log.attachRemote(this.tier);
  }

  /** A kill -9 (the page cache survives), or with powerLoss what was not fsynced is lost too; the bucket stays. */
  crash(powerLoss = false): void {
    this.fs.crash({ loseUnsynced: powerLoss });
    this.open();
  }

  /** Appends `n` batches of 10 records (each fills one 1500-byte segment), the i-th stamped T0 + i hours. */
  fill(n: number, from = 0): void {
    for (let i = from; i < from + n; i++) this.log.append(batchOf(10, { timestamp: T0 + i * HOUR, valueSize: 100 }));
  }
}

/** Every record offset a consumer starting at `from` reads, through the remote tier and the local log. */
async function consumeAll(log: PartitionLog, from: number): Promise<number[]> {
  const offsets: number[] = [];
  let next = from;
  while (next < log.nextOffset) {
    const read = log.readsRemote(next) ? await log.readRemote(next, 2000, true, false) : log.read(next, 2000, true);
    if (read === "out-of-range") throw new Error(`offset ${next} out of range (log start ${log.logStartOffset})`);
    if (read === "expired") throw new Error(`the remote read at offset ${next} expired`);
    if (read.batches.length === 0) throw new Error(`no progress at offset ${next}`);
    for (const b of read.batches) {
      const v = new RecordBatchView(b);
      for (let o = v.baseOffset; o < v.nextOffset; o++) if (o >= next) offsets.push(o);
      next = Math.max(next, v.nextOffset);
    }
  }
  return offsets;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

/** The base offsets of the objects in the bucket, each counted once per segment id. */
function remoteSegmentsInBucket(store: MemoryObjectStore): string[] {
  return [...new Set(store.keys().map((k) => k.replace(/\.[a-z-]+$/, "")))];
}

describe("copy", () => {
  test("rolled segments are uploaded with their indexes, snapshot and epochs; the active one is not", async () => {
    const n = new Node();
    n.fill(4);
    expect(n.log.segmentBaseOffsets).toEqual([0, 10, 20, 30]);
    const result = await n.tier.copy(T0);
    expect(result).toEqual({ segments: 3, bytes: expect.any(Number), error: null });
    expect(n.tier.highestCopiedOffset).toBe(29);
    expect(n.tier.metadata.all.map((s) => [s.baseOffset, s.endOffset, s.state])).toEqual([
      [0, 9, "COPY_SEGMENT_FINISHED"], [10, 19, "COPY_SEGMENT_FINISHED"], [20, 29, "COPY_SEGMENT_FINISHED"],
    ]);
    expect(n.store.keys()).toContain("t-0-abc/00000000000000000000-id1.log");
    expect(n.store.keys().length).toBe(3 * REMOTE_SEGMENT_SUFFIXES.length);
    // The .log object is the local file byte for byte.
    const local = n.fs.readFile(`${DIR}/00000000000000000010.log`);
    expect(await n.store.get("t-0-abc/00000000000000000010-id2.log")).toEqual(local);
    // A second pass has nothing to do: nothing is put twice.
    expect((await n.tier.copy(T0)).segments).toBe(0);
    expect([...n.store.putsByKey.values()].every((c) => c === 1)).toBe(true);
    // The metadata file is in the partition dir and survives a crash.
    expect(n.fs.exists(`${DIR}/${REMOTE_SEGMENTS_FILE}`)).toBe(true);
    n.crash();
    expect(n.tier.highestCopiedOffset).toBe(29);
  });

  test("a segment holding an open transaction's data is not uploaded until the transaction ends", async () => {
    const n = new Node();
    n.fill(2);
    // A transactional batch left open in the third segment, then more segments.
    const { buildRecordBatch } = await import("../../../src/records/record-batch-builder.ts");
    n.log.append(buildRecordBatch({
      baseTimestamp: T0, producerId: 7, producerEpoch: 0, baseSequence: 0, attributes: 0x10, // transactional
      records: [{ key: null, value: new Uint8Array(1400), timestamp: T0 }],
    }));
    n.fill(2, 2);
    expect(n.log.lastStableOffset).toBe(20);
    await n.tier.copy(T0);
    expect(n.tier.highestCopiedOffset).toBe(19);
  });
});

describe("local retention and remote reads", () => {
  test("only uploaded segments leave the disk; the log start offset stays; a consumer from 0 reads everything once", async () => {
    const n = new Node();
    n.fill(6);
    // Nothing uploaded: local retention deletes nothing.
    expect(n.log.deleteOldSegments(LOCAL_NONE, T0)).toBe(0);
    await n.tier.copy(T0);
    expect(n.log.deleteOldSegments(LOCAL_NONE, T0)).toBe(5);
    expect(n.log.segmentBaseOffsets).toEqual([50]);
    expect([n.log.logStartOffset, n.log.localLogStartOffset]).toEqual([0, 50]);
    expect(n.log.readsRemote(0)).toBe(true);
    expect(n.log.read(0, 1000, true)).toBe("out-of-range");
    expect(await consumeAll(n.log, 0)).toEqual(range(0, 60));
    expect(await consumeAll(n.log, 37)).toEqual(range(37, 60));
    // After a crash the checkpointed log start offset still reaches into the bucket.
    n.crash();
    expect([n.log.logStartOffset, n.log.localLogStartOffset]).toEqual([0, 50]);
    expect(await consumeAll(n.log, 0)).toEqual(range(0, 60));
  });

  test("ListOffsets by timestamp searches the remote segments first, then the local ones", async () => {
    const n = new Node();
    n.fill(6);
    await n.tier.copy(T0);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    expect(n.log.segmentBaseOffsets).toEqual([50]);
    // Record j of batch i is stamped T0 + i hours + j ms.
    expect(await n.log.offsetForTimestampIncludingRemote(T0 + 2 * HOUR + 5)).toEqual({ timestamp: T0 + 2 * HOUR + 5, offset: 25 });
    expect(await n.log.offsetForTimestampIncludingRemote(T0 + 2 * HOUR + 100)).toEqual({ timestamp: T0 + 3 * HOUR, offset: 30 });
    expect(await n.log.offsetForTimestampIncludingRemote(0)).toEqual({ timestamp: T0, offset: 0 });
    expect(await n.log.offsetForTimestampIncludingRemote(T0 + 5 * HOUR + 3)).toEqual({ timestamp: T0 + 5 * HOUR + 3, offset: 53 });
    expect(await n.log.offsetForTimestampIncludingRemote(T0 + 9 * HOUR)).toBeNull();
    // Without the remote tier only the local segment answers.
    expect(n.log.offsetForTimestamp(T0 + 2 * HOUR + 5)).toEqual({ timestamp: T0 + 5 * HOUR, offset: 50 });
  });

  test("local.retention.ms keeps recent uploaded segments on disk", async () => {
    const n = new Node();
    n.fill(5);
    await n.tier.copy(T0);
    // Segments 0..3 uploaded, stamped hours 0..3; local retention 1.5 h at hour 4: 0..2 go.
    const deleted = n.log.deleteOldSegments({ ...KEEP_ALL, localRetentionMs: 1.5 * HOUR }, T0 + 4 * HOUR);
    expect(deleted).toBe(3);
    expect(n.log.segmentBaseOffsets).toEqual([30, 40]);
  });

  test("remote reads go through a bounded chunk cache", async () => {
    const n = new Node();
    n.fill(6);
    await n.tier.copy(T0);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    const cache = new RemoteChunkCache(n.store, 2048, 512);
    const tier = new RemotePartitionLog(n.log, { fs: n.fs, store: n.store, cache, partitionKey: "t-0-abc" });
    n.log.attachRemote(tier);
    expect(await consumeAll(n.log, 0)).toEqual(range(0, 60));
    expect(cache.cachedBytes).toBeLessThanOrEqual(2048);
    expect(cache.stats.evictions).toBeGreaterThan(0);
    const gets = n.store.counts.get;
    await consumeAll(n.log, 0);
    expect(n.store.counts.get).toBeGreaterThan(gets);
  });
});

describe("remote retention", () => {
  test("retention.ms deletes remote segments and moves the log start offset first", async () => {
    const n = new Node();
    n.fill(6);
    await n.tier.copy(T0);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    // At hour 5 + 2.5 h, retention 5 h: segments stamped hours 0, 1 and 2 (newest record ~h) are expired.
    const result = await n.tier.expire({ ...KEEP_ALL, retentionMs: 5 * HOUR }, T0 + 7.5 * HOUR);
    expect(result.segments).toBe(3);
    expect(n.log.logStartOffset).toBe(30);
    expect(n.checkpointedStart).toBe(30);
    expect(remoteSegmentsInBucket(n.store)).toEqual(["t-0-abc/00000000000000000030-id4", "t-0-abc/00000000000000000040-id5"]);
    expect(await n.log.readRemote(29, 1000, true, false)).toBe("out-of-range");
    expect(await consumeAll(n.log, 30)).toEqual(range(30, 60));
  });

  test("retention.bytes counts remote and local-only bytes", async () => {
    const n = new Node();
    n.fill(6);
    await n.tier.copy(T0);
    const segmentSize = n.tier.metadata.all[0]!.sizeInBytes;
    // 6 segments in all (5 remote, the active local); keep 3 segments' worth.
    const result = await n.tier.expire({ ...KEEP_ALL, retentionBytes: 3 * segmentSize }, T0);
    expect(result.segments).toBe(3);
    expect(n.log.logStartOffset).toBe(30);
    // The local copies below the new log start went with them.
    expect(n.log.segmentBaseOffsets[0]).toBe(30);
    expect(await consumeAll(n.log, 30)).toEqual(range(30, 60));
  });
});

describe("failures", () => {
  test("the bucket unreachable: produce keeps working, nothing leaves the disk, uploads catch up later", async () => {
    const n = new Node();
    n.fill(3);
    n.store.unreachable = true;
    const failed = await n.tier.copy(T0);
    expect(failed.error).toContain("unreachable");
    n.fill(4, 3);
    expect(n.log.deleteOldSegments(LOCAL_NONE, T0)).toBe(0);
    expect(n.log.segmentBaseOffsets.length).toBe(7);
    n.store.unreachable = false;
    const caughtUp = await n.tier.copy(T0);
    expect(caughtUp).toEqual({ segments: 6, bytes: expect.any(Number), error: null });
    expect(n.log.deleteOldSegments(LOCAL_NONE, T0)).toBe(6);
    expect(await consumeAll(n.log, 0)).toEqual(range(0, 70));
    // The failed attempt put nothing (the first put failed) and left no entry.
    expect(n.tier.metadata.all.every((s) => s.state === "COPY_SEGMENT_FINISHED")).toBe(true);
  });

  test("a remote read while the bucket is unreachable fails (the cache is empty), and works again after", async () => {
    const n = new Node();
    n.fill(3);
    await n.tier.copy(T0);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    n.store.unreachable = true;
    const failed = await n.log.readRemote(0, 1000, true, false).catch((e) => e);
    expect(failed).toBeInstanceOf(ObjectStoreError);
    n.store.unreachable = false;
    expect(await consumeAll(n.log, 0)).toEqual(range(0, 30));
  });

  test("a crash in the middle of an upload: the half-uploaded objects are removed and the segment uploaded once", async () => {
    const n = new Node();
    n.fill(4);
    let puts = 0;
    n.store.before = (op) => {
      // Die after the second segment's fourth object (of six).
      if (op === "put" && ++puts === REMOTE_SEGMENT_SUFFIXES.length + 4) throw new Error("killed");
    };
    await n.tier.copy(T0);
    n.store.before = null;
    expect(n.tier.metadata.all.map((s) => s.state)).toEqual(["COPY_SEGMENT_FINISHED", "COPY_SEGMENT_STARTED"]);
    n.crash();
    // The half-done upload is not readable and does not count as copied.
    expect(n.tier.highestCopiedOffset).toBe(9);
    expect(n.log.deleteOldSegments(LOCAL_NONE, T0)).toBe(1);
    await n.tier.copy(T0);
    expect(n.tier.metadata.all.map((s) => [s.baseOffset, s.state])).toEqual([
      [0, "COPY_SEGMENT_FINISHED"], [10, "COPY_SEGMENT_FINISHED"], [20, "COPY_SEGMENT_FINISHED"],
    ]);
    // One object set per segment: the aborted attempt's objects are gone.
    expect(remoteSegmentsInBucket(n.store).map((k) => k.slice(8, 28))).toEqual(["00000000000000000000", "00000000000000000010", "00000000000000000020"]);
    expect(n.store.keys().length).toBe(3 * REMOTE_SEGMENT_SUFFIXES.length);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    expect(await consumeAll(n.log, 0)).toEqual(range(0, 40));
  });

  test("an upload reads the segment a part at a time; a crash between two parts leaves no object, and the retry puts it once", async () => {
    const n = new Node();
    n.fill(3);
    n.store.partBytes = 256;
    let parts = 0;
    n.store.before = (op, key) => {
      // Die in the middle of the second segment's .log (about 1500 bytes: 6 parts of 256).
      if (op === "part" && key.endsWith("-id2.log") && ++parts === 3) throw new Error("killed");
    };
    const first = await n.tier.copy(T0);
    n.store.before = null;
    expect(first.segments).toBe(1);
    expect(first.error).toContain("killed");
    expect(n.store.largestUploadRead).toBe(256);
    // Nothing of the interrupted .log is visible (a multipart upload appears at its completion).
    expect(n.store.keys().filter((k) => k.endsWith("-id2.log"))).toEqual([]);
    expect(n.tier.metadata.all.map((s) => [s.baseOffset, s.id, s.state])).toEqual([
      [0, "id1", "COPY_SEGMENT_FINISHED"], [10, "id2", "COPY_SEGMENT_STARTED"],
    ]);
    n.crash();
    const second = await n.tier.copy(T0);
    expect(second).toEqual({ segments: 1, bytes: expect.any(Number), error: null });
    expect(n.tier.metadata.all.map((s) => [s.baseOffset, s.state])).toEqual([[0, "COPY_SEGMENT_FINISHED"], [10, "COPY_SEGMENT_FINISHED"]]);
    // The first attempt's objects are gone; the retry's .log is the local file byte for byte.
    expect(n.store.keys().filter((k) => k.includes("-id2."))).toEqual([]);
    const retried = n.tier.metadata.all[1]!;
    expect(await n.store.get(n.tier.objectKey(retried, ".log"))).toEqual(n.fs.readFile(`${DIR}/00000000000000000010.log`));
    expect(n.store.keys().length).toBe(2 * REMOTE_SEGMENT_SUFFIXES.length);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    expect(await consumeAll(n.log, 0)).toEqual(range(0, 30));
  });

  test("a power loss after uploads and local deletion: every uploaded record is still there, once", async () => {
    const n = new Node();
    n.fill(5);
    await n.tier.copy(T0);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    n.fill(1, 5);
    n.crash(true);
    // The metadata file and the sealed segments were fsynced; the active segment's last batch may be lost.
    expect(n.tier.highestCopiedOffset).toBe(39);
    expect(n.log.logStartOffset).toBe(0);
    expect(n.log.nextOffset).toBeGreaterThanOrEqual(40);
    expect(await consumeAll(n.log, 0)).toEqual(range(0, n.log.nextOffset));
  });

  test("a crash in the middle of a deletion: finished at the next pass; nothing below the log start is served", async () => {
    const n = new Node();
    n.fill(5);
    await n.tier.copy(T0);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    let deletes = 0;
    n.store.before = (op) => {
      if (op === "delete" && ++deletes === 2) throw new Error("killed");
    };
    const segmentSize = n.tier.metadata.all[0]!.sizeInBytes;
    await n.tier.expire({ ...KEEP_ALL, retentionBytes: 3 * segmentSize }, T0);
    n.store.before = null;
    expect(n.tier.metadata.all.map((s) => s.state)[0]).toBe("DELETE_SEGMENT_STARTED");
    n.crash();
    expect(n.log.logStartOffset).toBe(20);
    expect(await n.log.readRemote(5, 1000, true, false)).toBe("out-of-range");
    expect(await n.tier.recover()).toBe(1);
    await n.tier.expire({ ...KEEP_ALL, retentionBytes: 3 * segmentSize }, T0);
    expect(remoteSegmentsInBucket(n.store).map((k) => k.slice(8, 28))).toEqual(["00000000000000000020", "00000000000000000030"]);
    expect(await consumeAll(n.log, 20)).toEqual(range(20, 50));
  });
});

describe("read_committed below the local log start", () => {
  test("the aborted transactions come from the remote .txnindex of the segment holding the marker", async () => {
    const n = new Node();
    n.fill(1);
    const { buildRecordBatch } = await import("../../../src/records/record-batch-builder.ts");
    n.log.append(buildRecordBatch({
      baseTimestamp: T0, producerId: 7, producerEpoch: 0, baseSequence: 0, attributes: 0x10, // transactional
      records: [{ key: null, value: new Uint8Array(1400), timestamp: T0 }],
    }));
    const marker = n.log.appendTransactionMarker({ producerId: 7, producerEpoch: 0, coordinatorEpoch: 0, commit: false }, T0);
    n.fill(3, 2);
    await n.tier.copy(T0);
    expect(n.tier.highestCopiedOffset).toBeGreaterThan(marker.baseOffset);
    const withIndex = n.tier.metadata.finished.filter((s) => s.txnIndexSize > 0).map((s) => s.baseOffset);
    expect(withIndex).toEqual([n.tier.metadata.finished.find((s) => s.baseOffset <= marker.baseOffset && marker.baseOffset <= s.endOffset)!.baseOffset]);
    n.log.deleteOldSegments(LOCAL_NONE, T0);
    expect(n.log.readsRemote(10)).toBe(true);
    const committed = await n.log.readRemote(10, 100_000, true, true);
    if (committed === "out-of-range" || committed === "expired") throw new Error(committed);
    expect(new RecordBatchView(committed.batches[0]!).producerId).toBe(7);
    expect(committed.abortedTransactions.map((t) => [t.producerId, t.firstOffset])).toEqual([[7, 10]]);
    // From an offset after the transaction, none.
    const after = await n.log.readRemote(marker.baseOffset + 1, 100_000, true, true);
    if (after === "out-of-range" || after === "expired") throw new Error(after);
    expect(after.abortedTransactions).toEqual([]);
  });
});
