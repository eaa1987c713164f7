// Retention, DeleteRecords and time-based rolling of a partition log, and the log start offset
// checkpoint of the store (Kafka's UnifiedLog.deleteOldSegments, deleteRecords,
// log-start-offset-checkpoint), on MemoryFileSystem: crash modes included.

import { describe, expect, test } from "bun:test";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { DELETED_SUFFIX, PartitionLog, type PartitionLogOptions } from "../../src/storage/partition-log.ts";
import { LOG_START_OFFSET_CHECKPOINT, LogStore } from "../../src/storage/log-store.ts";
import { RecordBatchView } from "../../src/records/record-batch.ts";
import { batchOf } from "./batches.ts";

const DIR = "/logs/t-0";
const T0 = 1_700_000_000_000;
const KEEP_ALL = { deleteEnabled: true, retentionMs: -1, retentionBytes: -1 };

/** A log with small segments: each batchOf(10, valueSize 100) is one segment. */
function smallLog(fs: MemoryFileSystem, opts: PartitionLogOptions = {}): PartitionLog {
  return PartitionLog.open(DIR, { fs, segmentBytes: 1500, fileDeleteDelayMs: 0, ...opts });
}

/** Appends `n` batches of 10 records, the i-th stamped T0 + i hours. */
function fill(log: PartitionLog, n: number, from = 0): void {
  for (let i = from; i < from + n; i++) log.append(batchOf(10, { timestamp: T0 + i * 3_600_000, valueSize: 100 }));
}

function firstOffsetRead(log: PartitionLog, offset: number): number | "out-of-range" {
  const res = log.read(offset, 1 << 20, true);
  return res === "out-of-range" ? res : new RecordBatchView(res.batches[0]!).baseOffset;
}

describe("retention by time", () => {
  test("segments whose newest record is older than retention.ms go, oldest first; the log start offset follows", () => {
    const fs = new MemoryFileSystem();
    const log = smallLog(fs);
    fill(log, 5);
    expect(log.segmentBaseOffsets).toEqual([0, 10, 20, 30, 40]);
    // "now" is 5 h after the last batch's hour: batches 0..2 are more than 2.5 h... older than 6 h.
    const now = T0 + 4 * 3_600_000 + 9 + 2.5 * 3_600_000;
    expect(log.deleteOldSegments({ ...KEEP_ALL, retentionMs: 5 * 3_600_000 }, now)).toBe(2);
    expect(log.segmentBaseOffsets).toEqual([20, 30, 40]);
    expect(log.logStartOffset).toBe(20);
    expect(log.read(19, 1 << 20, true)).toBe("out-of-range");
    expect(firstOffsetRead(log, 20)).toBe(20);
    // The files are gone (file.delete.delay.ms 0 here), nothing left behind.
    expect(fs.list(DIR).filter((n) => n.startsWith("00000000000000000000") || n.endsWith(DELETED_SUFFIX))).toEqual([]);
  });

  test("when every segment has expired the log rolls first: an empty active segment stays at the end", () => {
    const fs = new MemoryFileSystem();
    const log = smallLog(fs);
    fill(log, 3);
    expect(log.deleteOldSegments({ ...KEEP_ALL, retentionMs: 1000 }, T0 + 100 * 3_600_000)).toBe(3);
    expect(log.segmentBaseOffsets).toEqual([30]);
    expect([log.logStartOffset, log.nextOffset]).toEqual([30, 30]);
    log.append(batchOf(1, { timestamp: Date.now() }));
    expect(firstOffsetRead(log, 30)).toBe(30);
    // An empty active segment is never deleted.
    expect(log.deleteOldSegments({ ...KEEP_ALL, retentionMs: 0 }, Date.now() + 10_000)).toBe(1);
    expect(log.deleteOldSegments({ ...KEEP_ALL, retentionMs: 0 }, Date.now() + 10_000)).toBe(0);
    expect(log.segmentBaseOffsets).toEqual([31]);
  });

  test("cleanup.policy without delete keeps everything; retention.ms -1 keeps everything", () => {
    const log = smallLog(new MemoryFileSystem());
    fill(log, 3);
    expect(log.deleteOldSegments({ deleteEnabled: false, retentionMs: 1, retentionBytes: 1 }, T0 * 2)).toBe(0);
    expect(log.deleteOldSegments(KEEP_ALL, T0 * 2)).toBe(0);
    expect(log.segmentBaseOffsets).toEqual([0, 10, 20]);
  });
});

describe("retention by size", () => {
  test("whole segments go while the log stays at or above retention.bytes without them", () => {
    const log = smallLog(new MemoryFileSystem());
    fill(log, 4);
    const segment = log.sizeInBytes / 4;
    // Room for 2.5 segments: two go, the log keeps 2 (never below retention.bytes by a partial one).
    expect(log.deleteOldSegments({ ...KEEP_ALL, retentionBytes: Math.floor(segment * 2.5) }, T0)).toBe(1);
    expect(log.segmentBaseOffsets).toEqual([10, 20, 30]);
    expect(log.deleteOldSegments({ ...KEEP_ALL, retentionBytes: Math.floor(segment * 1.5) }, T0)).toBe(1);
    expect(log.segmentBaseOffsets).toEqual([20, 30]);
    expect(log.logStartOffset).toBe(20);
  });
});

describe("DeleteRecords", () => {
  test("moves the log start offset (inside a segment too), removes whole segments below it, -1 is the high watermark", () => {
    const fs = new MemoryFileSystem();
    const moved: number[] = [];
    const log = smallLog(fs, { onLogStartOffsetChange: (o) => moved.push(o) });
    fill(log, 4);
    expect(log.deleteRecordsBefore(15)).toBe(15);
    expect(log.segmentBaseOffsets).toEqual([10, 20, 30]);
    expect(log.read(14, 1 << 20, true)).toBe("out-of-range");
    // A fetch at the start gets the batch containing it (Kafka returns whole batches).
    expect(firstOffsetRead(log, 15)).toBe(10);
    expect(log.deleteRecordsBefore(12)).toBe(15); // never backwards
    expect(log.deleteRecordsBefore(41)).toBe("out-of-range");
    expect(log.deleteRecordsBefore(-2)).toBe("out-of-range");
    expect(log.deleteRecordsBefore(-1)).toBe(40);
    // As in Kafka, the active segment stays until it rolls, though nothing in it is readable.
    expect(log.segmentBaseOffsets).toEqual([30]);
    expect([log.logStartOffset, log.nextOffset]).toEqual([40, 40]);
    expect(log.read(39, 1 << 20, true)).toBe("out-of-range");
    expect(moved).toEqual([15, 40]);
  });

  test("the leader epoch checkpoint is truncated from the start", () => {
    const log = smallLog(new MemoryFileSystem());
    log.setLeaderEpoch(1);
    fill(log, 2);
    log.setLeaderEpoch(2);
    fill(log, 2, 2);
    expect(log.leaderEpochs).toEqual([{ epoch: 1, startOffset: 0 }, { epoch: 2, startOffset: 20 }]);
    log.deleteRecordsBefore(25);
    expect(log.leaderEpochs).toEqual([{ epoch: 2, startOffset: 25 }]);
    log.close();
  });
});

describe("rolling by time (segment.ms)", () => {
  test("a batch whose timestamp is more than segment.ms after the active segment's first starts a new segment", () => {
    const log = smallLog(new MemoryFileSystem(), { segmentBytes: 1 << 30, segmentMs: 3_600_000 });
    log.append(batchOf(1, { timestamp: T0 }));
    log.append(batchOf(1, { timestamp: T0 + 3_600_000 }));
    expect(log.segmentBaseOffsets).toEqual([0]);
    log.append(batchOf(1, { timestamp: T0 + 3_600_001 }));
    expect(log.segmentBaseOffsets).toEqual([0, 2]);
    log.configure({ segmentMs: 10 });
    log.append(batchOf(1, { timestamp: T0 + 3_600_100 }));
    expect(log.segmentBaseOffsets).toEqual([0, 2, 3]);
  });
});

describe("deleted files", () => {
  test("removed segments stay as *.deleted until file.delete.delay.ms has passed; leftovers go at the next open", async () => {
    const fs = new MemoryFileSystem();
    const log = smallLog(fs, { fileDeleteDelayMs: 50 });
    fill(log, 3);
    // A fetch response holding a view of the first segment's mapping keeps it readable.
    const res = log.read(0, 1 << 20, true);
    if (res === "out-of-range") throw new Error();
    const held = res.batches[0]!;
    log.deleteRecordsBefore(10);
    expect(fs.list(DIR).filter((n) => n.endsWith(DELETED_SUFFIX)).length).toBe(3);
    expect(new RecordBatchView(held).baseOffset).toBe(0);
    await Bun.sleep(200);
    expect(fs.list(DIR).filter((n) => n.endsWith(DELETED_SUFFIX))).toEqual([]);
    // A crash between the rename and the removal: the next open removes the leftovers.
    log.deleteRecordsBefore(20);
    fs.crash({ loseUnsynced: true });
    const reopened = smallLog(fs);
    expect(fs.list(DIR).filter((n) => n.endsWith(DELETED_SUFFIX))).toEqual([]);
    expect(reopened.segmentBaseOffsets).toEqual([20]);
  });
});

describe("log-start-offset-checkpoint", () => {
  test("DeleteRecords survives kill -9: the checkpoint is written when the start moves", () => {
    const fs = new MemoryFileSystem();
    const store = LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 1500 });
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    const log = store.partition("t", 0)!;
    fill(log, 3);
    expect(log.deleteRecordsBefore(15)).toBe(15);
    const text = new TextDecoder().decode(fs.readFile(`/data/${LOG_START_OFFSET_CHECKPOINT}`));
    expect(text).toBe("0\n1\nt 0 15\n");
    fs.crash(); // the process dies: files keep what was written
    const after = LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 1500 });
    const reopened = after.partition("t", 0)!;
    expect([reopened.logStartOffset, reopened.nextOffset]).toEqual([15, 30]);
    expect(reopened.read(14, 1 << 20, true)).toBe("out-of-range");
  });

  test("retention across every partition of the store (LogManager.cleanupLogs)", () => {
    const fs = new MemoryFileSystem();
    const store = LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 1500 });
    store.metadata.createTopic("a", 2, { nodeId: 1 });
    store.metadata.createTopic("b", 1, { nodeId: 1 });
    for (const [t, p] of [["a", 0], ["a", 1], ["b", 0]] as const) fill(store.partition(t, p)!, 3);
    const deleted = store.applyRetention((t) => (t === "a" ? { ...KEEP_ALL, retentionMs: 1000 } : KEEP_ALL), T0 + 100 * 3_600_000);
    expect(deleted).toBe(6);
    expect(store.partition("a", 1)!.logStartOffset).toBe(30);
    expect(store.partition("b", 0)!.logStartOffset).toBe(0);
  });
});
