// Recovery after an unclean shutdown (Kafka's LogLoader.recoverLog and LogSegment.recover), the
// recovery point and its checkpoint, the clean shutdown marker, and the log dir lock: all on
// MemoryFileSystem, whose crash() keeps written bytes (kill -9) or only fsynced ones (power loss).

import { describe, expect, test } from "bun:test";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { PartitionLog, type PartitionLogOptions } from "../../src/storage/partition-log.ts";
import {
  CLEAN_SHUTDOWN_FILE, LogDirLockedError, LogStore, RECOVERY_POINT_OFFSET_CHECKPOINT,
} from "../../src/storage/log-store.ts";
import { decodeRecords, RecordBatchView, splitBatches } from "../../src/records/record-batch.ts";
import { batchOf } from "./batches.ts";
import { kafkaIndexProblems } from "./kafka-invariants.ts";

const DIR = "/logs/orders-0";
const OPTS: PartitionLogOptions = { segmentBytes: 1200, indexIntervalBytes: 150 };
const segName = (base: number, suffix = ".log") => `${String(base).padStart(20, "0")}${suffix}`;

function offsetsOf(log: PartitionLog, from = 0): number[] {
  const out: number[] = [];
  for (const b of log.batchesFrom(from)) for (const r of decodeRecords(new RecordBatchView(b))) out.push(r.offset);
  return out;
}

/** Appends `n` batches of 2 records (~130 bytes each). */
function fill(log: PartitionLog, n: number): void {
  for (let i = 0; i < n; i++) log.append(batchOf(2, { valueSize: 30, timestamp: 1_700_000_000_000 + i }));
}

/** Flips one byte in the middle of the `k`-th batch (of the records, inside the CRC) of a segment file; returns that batch's position and base offset. */
function corruptBatch(fs: MemoryFileSystem, path: string, k: number): { position: number; baseOffset: number } {
  const bytes = fs.readFile(path);
  let position = 0;
  let i = 0;
  for (const b of splitBatches(bytes)) {
    if (i++ === k) {
      bytes[position + Math.floor(b.length / 2) + 10]! ^= 0x40;
      fs.writeFileAtomic(path, bytes);
      return { position, baseOffset: new RecordBatchView(b).baseOffset };
    }
    position += b.length;
  }
  throw new Error(`${path} has only ${i} batches`);
}

function batchCount(fs: MemoryFileSystem, path: string): number {
  return [...splitBatches(fs.readFile(path))].length;
}

describe("recovery after an unclean shutdown", () => {
  test("a flipped byte mid-segment in a sealed segment after the recovery point: cut at that batch, later segments deleted", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(DIR, { fs, ...OPTS });
    fill(log, 60);
    const bases = log.segmentBaseOffsets;
    expect(bases.length).toBeGreaterThan(5);
    fs.crash(); // kill -9: every write is still there
    const bad = corruptBatch(fs, `${DIR}/${segName(bases[3]!)}`, 4);
    const sizeFrom = (i: number) => bases.slice(i).reduce((n, b) => n + fs.size(`${DIR}/${segName(b)}`), 0);
    const cutInSegment = fs.size(`${DIR}/${segName(bases[3]!)}`) - bad.position;
    const lostBytes = cutInSegment + sizeFrom(4);

    const logged: string[] = [];
    const re = PartitionLog.open(DIR, { fs, ...OPTS, recoveryPoint: bases[2]! + 1, log: (m) => logged.push(m) });
    expect(re.nextOffset).toBe(bad.baseOffset);
    expect(re.segmentBaseOffsets).toEqual(bases.slice(0, 4));
    expect(fs.list(DIR).filter((n) => /^\d{20}\./.test(n) && Number(n.slice(0, 20)) > bases[3]!)).toEqual([]);
    // Segments 2 and 3 were validated (from the one holding the recovery point), 0 and 1 not.
    expect(re.recovery.segmentsValidated).toBe(2);
    expect(re.recovery.batchesValidated).toBe(batchCount(fs, `${DIR}/${segName(bases[2]!)}`) + 4);
    expect(re.recovery.truncatedBytes).toBe(lostBytes);
    const line = logged.find((m) => m.includes("truncating"));
    expect(line).toContain(`${segName(bases[3]!)}: truncating ${cutInSegment} bytes from position ${bad.position} (offset ${bad.baseOffset}): CRC mismatch`);
    expect(logged.some((m) => m.includes(`deleted ${bases.length - 4} segment(s) after the invalid batch at offset ${bad.baseOffset}`))).toBe(true);
    // Everything before the bad batch reads back; the log continues from it.
    expect(offsetsOf(re)).toEqual(Array.from({ length: bad.baseOffset }, (_, i) => i));
    expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
    expect(re.append(batchOf(1))).toEqual({ baseOffset: bad.baseOffset, lastOffset: bad.baseOffset });
    expect(re.leaderEpochs.every((e) => e.startOffset <= bad.baseOffset)).toBe(true);
  });

  test("a flipped byte in the active segment before its last index entry is found (not only the tail after it)", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(DIR, { fs, indexIntervalBytes: 150 });
    fill(log, 40);
    log.flush(); // the index entries reach the file
    fs.crash();
    const path = `${DIR}/${segName(0)}`;
    const index = fs.readFile(`${DIR}/${segName(0, ".index")}`);
    expect(index.length / 8).toBeGreaterThan(10); // many index entries after the bad batch
    const bad = corruptBatch(fs, path, 10);
    const logged: string[] = [];
    const re = PartitionLog.open(DIR, { fs, indexIntervalBytes: 150, log: (m) => logged.push(m) });
    expect(re.nextOffset).toBe(bad.baseOffset);
    expect(fs.size(path)).toBe(bad.position);
    expect(re.recovery).toEqual({ segmentsValidated: 1, batchesValidated: 10, bytesValidated: bad.position, truncatedBytes: re.recovery.truncatedBytes });
    expect(re.recovery.truncatedBytes).toBeGreaterThan(29 * 100);
    expect(logged.filter((m) => m.includes("truncating"))).toEqual([
      `${path}: truncating ${re.recovery.truncatedBytes} bytes from position ${bad.position} (offset ${bad.baseOffset}): ` +
        logged.find((m) => m.includes("truncating"))!.split("): ")[1],
    ]);
    expect(logged.find((m) => m.includes("truncating"))).toMatch(/CRC mismatch \(stored \d+, computed \d+\)$/);
    expect(offsetsOf(re)).toEqual(Array.from({ length: bad.baseOffset }, (_, i) => i));
    expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
  });

  test("segments below the recovery point's segment are trusted, as Kafka trusts them", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(DIR, { fs, ...OPTS });
    fill(log, 60);
    const bases = log.segmentBaseOffsets;
    fs.crash();
    corruptBatch(fs, `${DIR}/${segName(bases[1]!)}`, 2);
    const re = PartitionLog.open(DIR, { fs, ...OPTS, recoveryPoint: bases[4]! });
    expect(re.nextOffset).toBe(120);
    expect(re.recovery.segmentsValidated).toBe(bases.length - 4);
    // With the recovery point at 0 (no checkpoint) the same corruption is found.
    fs.crash();
    expect(PartitionLog.open(DIR, { fs, ...OPTS, recoveryPoint: 0 }).segmentBaseOffsets).toEqual(bases.slice(0, 2));
  });

  test("after a clean shutdown nothing is validated", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(DIR, { fs, ...OPTS });
    fill(log, 60);
    log.close();
    const re = PartitionLog.open(DIR, { fs, ...OPTS, hadCleanShutdown: true });
    expect(re.nextOffset).toBe(120);
    expect(re.recovery).toEqual({ segmentsValidated: 0, batchesValidated: 0, bytesValidated: re.recovery.bytesValidated, truncatedBytes: 0 });
    // Only the batch headers after the active segment's last index entry were read.
    expect(re.recovery.bytesValidated).toBeLessThan(400);
    expect(re.recoveryPoint).toBe(120);
    expect(offsetsOf(re).length).toBe(120);
  });
});

describe("the recovery point", () => {
  test("moves with flush, roll and markFlushed, never back and never past the log end", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(DIR, { fs, ...OPTS });
    expect(log.recoveryPoint).toBe(0);
    fill(log, 5);
    expect(log.recoveryPoint).toBe(0); // appended, not fsynced
    log.flush();
    expect(log.recoveryPoint).toBe(10);
    fill(log, 20); // rolls: the old segment is fsynced at the roll
    expect(log.segmentCount).toBeGreaterThan(1);
    expect(log.recoveryPoint).toBe(log.segmentBaseOffsets.at(-1)!);
    log.markFlushed(1_000);
    expect(log.recoveryPoint).toBe(50);
    log.markFlushed(3);
    expect(log.recoveryPoint).toBe(50);
  });

  test("power loss: everything below the checkpointed recovery point survives and is not re-validated", () => {
    const fs = new MemoryFileSystem();
    // One segment: a roll would fsync what it seals.
    const store = LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 1 << 20, indexIntervalBytes: 150 });
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    store.metadata.metadataLog!.flush();
    const log = store.partition("t", 0)!;
    fill(log, 30);
    store.flush();
    store.checkpointRecoveryPoints();
    expect(new TextDecoder().decode(fs.readFile(`/data/${RECOVERY_POINT_OFFSET_CHECKPOINT}`))).toBe("0\n1\nt 0 60\n");
    fill(log, 7); // not fsynced: lost with the power
    fs.crash({ loseUnsynced: true });
    const after = LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 1 << 20, indexIntervalBytes: 150 });
    expect(after.loadLogs()).toBe(1);
    const re = after.partition("t", 0)!;
    expect(re.nextOffset).toBe(60);
    expect(re.recoveryPoint).toBe(60);
    expect(re.recovery.segmentsValidated).toBe(1); // only the segment holding offset 60
    expect(offsetsOf(re)).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });

  test("segments recovered (not fsynced) after kill -9 are fsynced before the recovery point passes them", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(DIR, { fs, ...OPTS });
    fill(log, 30);
    // As if none of it had reached the disk before a kill -9 (the page cache still has it):
    // every segment's synced contents are made empty, its written contents kept.
    fs.crash();
    const names = fs.list(DIR).filter((n) => n.endsWith(".log"));
    for (const n of names) {
      const f = fs.open(`${DIR}/${n}`);
      const bytes = f.read(0, f.size);
      f.truncate(0);
      f.sync(); // synced: empty
      f.append(bytes); // written again, unsynced
    }
    fs.crash();
    const re = PartitionLog.open(DIR, { fs, ...OPTS });
    expect(re.nextOffset).toBe(60);
    expect(re.recoveryPoint).toBe(0);
    re.flush();
    expect(re.recoveryPoint).toBe(60);
    fs.crash({ loseUnsynced: true });
    expect(offsetsOf(PartitionLog.open(DIR, { fs, ...OPTS }))).toEqual(Array.from({ length: 60 }, (_, i) => i));
  });
});

describe("the clean shutdown marker (.kafka_cleanshutdown)", () => {
  const open = (fs: MemoryFileSystem, logged: string[] = []) =>
    LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 1200, indexIntervalBytes: 150, log: (m) => logged.push(m) });

  test("written at close as Kafka writes it, deleted at open; a clean restart validates nothing, a crash makes the next start validate", () => {
    const fs = new MemoryFileSystem();
    const store = open(fs);
    store.metadata.createTopic("t", 2, { nodeId: 1 });
    for (const p of [0, 1]) fill(store.partition("t", p)!, 40);
    store.loadLogs();
    store.close();
    expect(new TextDecoder().decode(fs.readFile(`/data/${CLEAN_SHUTDOWN_FILE}`))).toBe('{"version":0,"brokerEpoch":-1}');
    expect(new TextDecoder().decode(fs.readFile(`/data/${RECOVERY_POINT_OFFSET_CHECKPOINT}`))).toBe("0\n2\nt 0 80\nt 1 80\n");

    const logged: string[] = [];
    const clean = open(fs, logged);
    expect(fs.exists(`/data/${CLEAN_SHUTDOWN_FILE}`)).toBe(false);
    expect(clean.loadLogs()).toBe(0);
    expect(logged).toContain("skipping recovery of the logs in /data: clean shutdown file found");
    for (const p of [0, 1]) {
      const log = clean.partition("t", p)!;
      expect(log.recovery.batchesValidated).toBe(0);
      expect(log.nextOffset).toBe(80);
    }
    fill(clean.partition("t", 0)!, 1);
    fs.crash(); // kill -9: no marker written

    const unclean = open(fs);
    expect(unclean.loadLogs()).toBe(2); // every partition recovered at start-up
    const log0 = unclean.partition("t", 0)!;
    expect(log0.nextOffset).toBe(82);
    expect(log0.recovery.segmentsValidated).toBe(1);
    expect(log0.recovery.batchesValidated).toBeGreaterThan(0);
    unclean.close();
    expect(fs.exists(`/data/${CLEAN_SHUTDOWN_FILE}`)).toBe(true);
  });

  test("a store that did not recover every log after an unclean start writes no marker", () => {
    const fs = new MemoryFileSystem();
    const store = open(fs);
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    fill(store.partition("t", 0)!, 3);
    fs.crash();
    const again = open(fs); // no loadLogs()
    again.close();
    expect(fs.exists(`/data/${CLEAN_SHUTDOWN_FILE}`)).toBe(false);
  });
});

describe("the log dir lock (.lock)", () => {
  test("a second store on the same dir is refused, naming the dir and the holder; free again after close or a crash", () => {
    const fs = new MemoryFileSystem();
    const first = LogStore.open({ logDirs: ["/a", "/b"], fs });
    expect(fs.exists("/a/.lock")).toBe(true);
    let err: unknown;
    try {
      LogStore.open({ logDirs: ["/c", "/b"], fs });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LogDirLockedError);
    expect((err as LogDirLockedError).dir).toBe("/b");
    expect((err as LogDirLockedError).holderPid).toBe(process.pid);
    expect((err as Error).message).toStartWith(`log dir /b is in use: this process ${process.pid}`);
    expect((err as Error).message).toContain("/b/.lock");
    // The refused store let go of the dir it had locked first.
    LogStore.open({ logDirs: ["/c"], fs }).close();
    first.close();
    expect(fs.exists("/a/.lock")).toBe(false);
    const second = LogStore.open({ logDirs: ["/a", "/b"], fs });
    fs.crash(); // kill -9: the lock dies with the process
    LogStore.open({ logDirs: ["/a", "/b"], fs }).close();
    void second;
  });
});
