import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskFileSystem, MemoryFileSystem, type FileSystem } from "../../src/storage/fs.ts";
import { PartitionLog, type PartitionLogOptions } from "../../src/storage/partition-log.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { batchOf, text } from "./batches.ts";
import { kafkaIndexProblems } from "./kafka-invariants.ts";

const DIR = "/logs/orders-0";
const TOPIC_ID = "0123456789abcdef0123456789abcdef";

function openMem(fs: MemoryFileSystem, opts: PartitionLogOptions = {}): PartitionLog {
  return PartitionLog.open(DIR, { fs, topicId: TOPIC_ID, ...opts });
}

/** Offsets of every record in the returned batches. */
function offsetsOf(res: { batches: Uint8Array[] } | "out-of-range"): number[] {
  if (res === "out-of-range") throw new Error("out of range");
  return res.batches.flatMap((b) => decodeRecords(new RecordBatchView(b)).map((r) => r.offset));
}

function baseOffsets(res: { batches: Uint8Array[] } | "out-of-range"): number[] {
  if (res === "out-of-range") throw new Error("out of range");
  return res.batches.map((b) => new RecordBatchView(b).baseOffset);
}

const tmpRoots: string[] = [];
function tmpDir(): string {
  const d = nodeFs.mkdtempSync(join(tmpdir(), "bunka-storage-"));
  tmpRoots.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpRoots) nodeFs.rmSync(d, { recursive: true, force: true });
});

describe("PartitionLog append", () => {
  test("assigns offsets, writes only baseOffset and leader epoch, keeps the client's CRC", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs);
    expect([log.logStartOffset, log.nextOffset, log.highWatermark, log.lastStableOffset]).toEqual([0, 0, 0, 0]);
    const a = batchOf(3);
    const before = a.slice();
    expect(log.append(a, { leaderEpoch: 4 })).toEqual({ baseOffset: 0, lastOffset: 2 });
    expect(a).toEqual(before); // the caller's bytes are untouched
    a.fill(0); // ... and not kept
    expect(log.append(batchOf(1))).toEqual({ baseOffset: 3, lastOffset: 3 });
    expect(log.append(batchOf(2), { leaderEpoch: 5 })).toEqual({ baseOffset: 4, lastOffset: 5 });
    expect(log.nextOffset).toBe(6);
    const res = log.read(0, 1 << 20, true);
    if (res === "out-of-range") throw new Error();
    const views = res.batches.map((b) => new RecordBatchView(b));
    expect(views.map((v) => [v.baseOffset, v.lastOffset, v.partitionLeaderEpoch, v.isCrcValid()])).toEqual([
      [0, 2, 4, true],
      [3, 3, -1, true],
      [4, 5, 5, true],
    ]);
    expect(text(decodeRecords(views[0]!)[2]!.value)).toBe("v-2");
    // The stored bytes are the client's bytes except for the first 16.
    expect(res.batches[0]!.subarray(16)).toEqual(before.subarray(16));
  });

  test("appends a subarray of a larger buffer", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs);
    const b = batchOf(2);
    const socket = new Uint8Array(b.length + 100);
    socket.set(b, 37);
    log.append(socket.subarray(37, 37 + b.length));
    socket.fill(0xee);
    expect(offsetsOf(log.read(0, 10_000, false))).toEqual([0, 1]);
  });

  test("rejects bytes that are not exactly one v2 batch", () => {
    const log = openMem(new MemoryFileSystem());
    const b = batchOf(1);
    expect(() => log.append(b.subarray(0, 40))).toThrow();
    expect(() => log.append(new Uint8Array([...b, 0]))).toThrow();
    const v1 = b.slice();
    v1[16] = 1;
    expect(() => log.append(v1)).toThrow();
    expect(log.nextOffset).toBe(0);
  });

  test("writes partition.metadata (Kafka Uuid string) and leader-epoch-checkpoint", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs, { leaderEpoch: 0 });
    expect(text(fs.readFile(`${DIR}/partition.metadata`))).toBe("version: 0\ntopic_id: ASNFZ4mrze8BI0VniavN7w");
    expect(text(fs.readFile(`${DIR}/leader-epoch-checkpoint`))).toBe("0\n0\n");
    log.append(batchOf(2));
    log.append(batchOf(1));
    log.append(batchOf(1), { leaderEpoch: 3 });
    expect(text(fs.readFile(`${DIR}/leader-epoch-checkpoint`))).toBe("0\n2\n0 0\n3 3\n");
    expect(log.topicIdOnDisk).toBe(TOPIC_ID);
    expect(fs.list(DIR)).toEqual([
      "00000000000000000000.index",
      "00000000000000000000.log",
      "00000000000000000000.timeindex",
      "leader-epoch-checkpoint",
      "partition.metadata",
    ]);
  });
});

describe("PartitionLog announces appends", () => {
  test("every append (client or broker-written) and the close call the listeners; unsubscribed ones are not called", () => {
    const log = openMem(new MemoryFileSystem());
    const heard: string[] = [];
    const stopA = log.onAppend(() => heard.push("a"));
    log.onAppend(() => heard.push("b"));
    log.append(batchOf(2));
    expect(heard).toEqual(["a", "b"]);
    stopA();
    log.append(batchOf(1));
    expect(heard).toEqual(["a", "b", "b"]);
    log.close();
    expect(heard).toEqual(["a", "b", "b", "b"]);
  });

  test("appendAsLeader: a rejected batch is not written and not announced", () => {
    const log = openMem(new MemoryFileSystem());
    let heard = 0;
    log.onAppend(() => heard++);
    const settings = { maxMessageBytes: 1 << 20, segmentBytes: 1 << 30, logAppendTime: false, timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: 3_600_000, compacted: false };
    const bad = batchOf(2);
    bad[bad.length - 1]! ^= 0xff; // breaks the CRC
    const rejected = log.appendAsLeader(new RecordBatchView(bad), settings, Date.now(), "orders-0");
    expect(rejected).toMatchObject({ kind: "rejected", error: "CORRUPT_MESSAGE", inLog: false });
    expect(log.nextOffset).toBe(0);
    expect(heard).toBe(0);
    expect(log.appendAsLeader(new RecordBatchView(batchOf(2)), settings, Date.now(), "orders-0")).toEqual({ kind: "appended", baseOffset: 0, logAppendTime: -1 });
    expect(heard).toBe(1);
  });
});

describe("PartitionLog read", () => {
  function fiveBatches(opts: PartitionLogOptions = {}) {
    const fs = new MemoryFileSystem();
    const log = openMem(fs, opts);
    // offsets: [0..2] [3] [4..7] [8,9] [10]
    for (const n of [3, 1, 4, 2, 1]) log.append(batchOf(n));
    return { fs, log };
  }

  test("a fetch offset inside a batch returns that whole batch", () => {
    const { log } = fiveBatches();
    expect(baseOffsets(log.read(0, 1 << 20, true))).toEqual([0, 3, 4, 8, 10]);
    expect(baseOffsets(log.read(1, 1 << 20, true))).toEqual([0, 3, 4, 8, 10]);
    expect(baseOffsets(log.read(3, 1 << 20, true))).toEqual([3, 4, 8, 10]);
    expect(baseOffsets(log.read(6, 1 << 20, true))).toEqual([4, 8, 10]);
    expect(baseOffsets(log.read(10, 1 << 20, true))).toEqual([10]);
  });

  test("out of range below the log start and above the log end; empty at the end", () => {
    const { log } = fiveBatches();
    expect(log.read(11, 100, true)).toEqual({ batches: [] });
    expect(log.read(12, 100, true)).toBe("out-of-range");
    expect(log.read(-1, 100, true)).toBe("out-of-range");
  });

  test("maxBytes returns whole batches only; minOneBatch returns an oversized first batch", () => {
    const { log } = fiveBatches();
    const all = log.read(0, 1 << 20, true);
    if (all === "out-of-range") throw new Error();
    const sizes = all.batches.map((b) => b.length);
    expect(baseOffsets(log.read(0, sizes[0]! + sizes[1]!, false))).toEqual([0, 3]);
    expect(baseOffsets(log.read(0, sizes[0]! + sizes[1]! + sizes[2]! - 1, false))).toEqual([0, 3]);
    expect(baseOffsets(log.read(0, sizes[0]! - 1, false))).toEqual([]);
    expect(baseOffsets(log.read(0, sizes[0]! - 1, true))).toEqual([0]);
    expect(baseOffsets(log.read(5, 1, true))).toEqual([4]);
    expect(baseOffsets(log.read(5, 0, true))).toEqual([4]);
    expect(baseOffsets(log.read(5, 0, false))).toEqual([]);
  });

  test("segments roll at segmentBytes, named by base offset; reads span segments", () => {
    const b = batchOf(2, { valueSize: 100 });
    const fs = new MemoryFileSystem();
    const log = openMem(fs, { segmentBytes: b.length * 3 + 10 });
    for (let i = 0; i < 10; i++) log.append(batchOf(2, { valueSize: 100 }));
    expect(log.segmentBaseOffsets).toEqual([0, 6, 12, 18]);
    expect(fs.list(DIR).filter((n) => n.endsWith(".log"))).toEqual([
      "00000000000000000000.log",
      "00000000000000000006.log",
      "00000000000000000012.log",
      "00000000000000000018.log",
    ]);
    expect(fs.size(`${DIR}/00000000000000000006.log`)).toBe(b.length * 3);
    expect(offsetsOf(log.read(0, 1 << 20, true))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(baseOffsets(log.read(7, b.length * 4, false))).toEqual([6, 8, 10, 12]);
    expect(baseOffsets(log.read(13, 1 << 20, false))).toEqual([12, 14, 16, 18]);
    expect(log.read(20, 10, true)).toEqual({ batches: [] });
  });

  test("an empty segment takes a batch larger than segmentBytes; a non-empty one rolls first", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs, { segmentBytes: 200 });
    log.append(batchOf(1, { valueSize: 500 }));
    log.append(batchOf(1, { valueSize: 500 }));
    log.append(batchOf(1));
    expect(log.segmentBaseOffsets).toEqual([0, 1, 2]);
    expect(offsetsOf(log.read(0, 1, true))).toEqual([0]);
  });

  test("offset index: one entry per indexIntervalBytes, found by lookup, valid for Kafka", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs, { indexIntervalBytes: 1000, segmentBytes: 8000 });
    let n = 0;
    while (log.nextOffset < 400) log.append(batchOf(1 + (n++ % 4), { valueSize: 60, timestamp: 1_000_000 + n * 10 }));
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(2);
    const idx = fs.readFile(`${DIR}/00000000000000000000.index`);
    expect(idx.length).toBeGreaterThanOrEqual(8 * 5);
    expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
    for (let off = 0; off < 400; off += 7) {
      const res = log.read(off, 1, true);
      if (res === "out-of-range") throw new Error();
      const v = new RecordBatchView(res.batches[0]!);
      expect(v.baseOffset <= off && off <= v.lastOffset).toBe(true);
    }
    log.close();
    expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
  });

  test("offsetForTimestamp: first record with timestamp >= ts, via the time index", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs, { indexIntervalBytes: 300, segmentBytes: 1500 });
    // batch i has 3 records with timestamps 1000*i + 0..2
    for (let i = 1; i <= 40; i++) log.append(batchOf(3, { timestamp: 1000 * i, valueSize: 20 }));
    expect(log.segmentBaseOffsets.length).toBeGreaterThan(3);
    expect(log.offsetForTimestamp(0)).toEqual({ timestamp: 1000, offset: 0 });
    expect(log.offsetForTimestamp(1001)).toEqual({ timestamp: 1001, offset: 1 });
    expect(log.offsetForTimestamp(1003)).toEqual({ timestamp: 2000, offset: 3 });
    expect(log.offsetForTimestamp(25_002)).toEqual({ timestamp: 25_002, offset: 74 });
    expect(log.offsetForTimestamp(40_002)).toEqual({ timestamp: 40_002, offset: 119 });
    expect(log.offsetForTimestamp(40_003)).toBeNull();
  });
});

describe("PartitionLog recovery", () => {
  test("restart after a clean close recovers nextOffset and keeps the indexes", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs, { indexIntervalBytes: 200, segmentBytes: 4000 });
    for (let i = 0; i < 60; i++) log.append(batchOf(2, { valueSize: 30, timestamp: 5000 + i }), { leaderEpoch: i < 30 ? 1 : 2 });
    log.close();
    const indexBefore = fs.readFile(`${DIR}/${"0".repeat(20)}.index`);
    const re = openMem(fs, { indexIntervalBytes: 200, segmentBytes: 4000 });
    expect(re.nextOffset).toBe(120);
    expect(re.leaderEpochs).toEqual([
      { epoch: 1, startOffset: 0 },
      { epoch: 2, startOffset: 60 },
    ]);
    expect(fs.readFile(`${DIR}/${"0".repeat(20)}.index`)).toEqual(indexBefore);
    expect(re.append(batchOf(1))).toEqual({ baseOffset: 120, lastOffset: 120 });
    expect(offsetsOf(re.read(100, 1 << 20, true))).toEqual(Array.from({ length: 21 }, (_, i) => 100 + i));
    expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
  });

  test("a process crash (no close) loses nothing that was appended", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs, { indexIntervalBytes: 100 });
    for (let i = 0; i < 30; i++) log.append(batchOf(1, { valueSize: 50 }));
    fs.crash();
    const re = openMem(fs, { indexIntervalBytes: 100 });
    expect(re.nextOffset).toBe(30);
    expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
  });

  test("a torn last write is cut away; the log continues from the last whole batch", () => {
    for (const keep of [0, 5, 12, 30, 61, 100]) {
      const fs = new MemoryFileSystem();
      const messages: string[] = [];
      const log = openMem(fs, { indexIntervalBytes: 150 });
      for (let i = 0; i < 20; i++) log.append(batchOf(1, { prefix: `m${i}` }));
      const sizeBefore = fs.size(`${DIR}/${"0".repeat(20)}.log`);
      log.append(batchOf(1, { valueSize: 200 }));
      fs.crash({ tearLastWriteTo: keep });
      expect(fs.size(`${DIR}/${"0".repeat(20)}.log`)).toBe(sizeBefore + keep);
      const re = PartitionLog.open(DIR, { fs, indexIntervalBytes: 150, log: (m) => messages.push(m) });
      expect(re.nextOffset).toBe(20);
      expect(fs.size(`${DIR}/${"0".repeat(20)}.log`)).toBe(sizeBefore);
      if (keep > 0) expect(messages.some((m) => m.includes("truncating"))).toBe(true);
      expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
      expect(re.append(batchOf(1))).toEqual({ baseOffset: 20, lastOffset: 20 });
      expect(offsetsOf(re.read(19, 1 << 20, true))).toEqual([19, 20]);
    }
  });

  test("power loss: what was not flushed is gone, the rest is recovered", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs, { indexIntervalBytes: 100 });
    for (let i = 0; i < 10; i++) log.append(batchOf(2));
    log.flush();
    for (let i = 0; i < 10; i++) log.append(batchOf(2));
    fs.crash({ loseUnsynced: true });
    const re = openMem(fs, { indexIntervalBytes: 100 });
    expect(re.nextOffset).toBe(20);
    expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
  });

  test("a corrupt batch in the active segment truncates the log there", () => {
    const fs = new MemoryFileSystem();
    const log = openMem(fs);
    const sizes: number[] = [];
    for (let i = 0; i < 6; i++) {
      const b = batchOf(1);
      sizes.push(b.length);
      log.append(b);
    }
    log.close();
    const path = `${DIR}/${"0".repeat(20)}.log`;
    const bytes = fs.readFile(path);
    const at = sizes[0]! + sizes[1]! + sizes[2]! + 65; // a byte inside the 4th batch's records
    bytes[at]! ^= 0x55;
    fs.writeFileAtomic(path, bytes);
    const re = openMem(fs);
    expect(re.nextOffset).toBe(3);
    expect(fs.size(path)).toBe(sizes[0]! + sizes[1]! + sizes[2]!);
  });

  test("missing or garbage indexes are rebuilt", () => {
    const fs = new MemoryFileSystem();
    const opts = { indexIntervalBytes: 120, segmentBytes: 2500 };
    const log = openMem(fs, opts);
    for (let i = 0; i < 80; i++) log.append(batchOf(1, { valueSize: 40, timestamp: 100 + i }));
    log.close();
    const names = fs.list(DIR).filter((n) => n.endsWith("index"));
    const saved = new Map(names.map((n) => [n, fs.readFile(`${DIR}/${n}`)]));
    const [sealedIdx, lastIdx] = [names[0]!, names.filter((n) => n.endsWith(".index")).at(-1)!];
    fs.remove(`${DIR}/${sealedIdx}`);
    fs.writeFileAtomic(`${DIR}/${lastIdx}`, new Uint8Array([0, 0, 0, 9, 0, 0, 0x7f, 0, 1]));
    const re = openMem(fs, opts);
    expect(re.nextOffset).toBe(80);
    expect(offsetsOf(re.read(0, 1 << 20, true)).length).toBe(80);
    for (const n of names) expect([n, fs.readFile(`${DIR}/${n}`)]).toEqual([n, saved.get(n)!]);
    expect(kafkaIndexProblems(fs, DIR)).toEqual([]);
  });
});

describe("PartitionLog on disk", () => {
  test("sealed segments are served as zero-copy views of an mmap", () => {
    const dir = join(tmpDir(), "t-0");
    const fs = new DiskFileSystem();
    const log = PartitionLog.open(dir, { fs, segmentBytes: 1000, topicId: TOPIC_ID });
    for (let i = 0; i < 30; i++) log.append(batchOf(2, { valueSize: 40 }));
    const a = log.read(0, 1 << 20, true);
    const b = log.read(2, 1 << 20, true);
    if (a === "out-of-range" || b === "out-of-range") throw new Error();
    expect(a.batches.length).toBe(30);
    expect(a.batches[1]!.buffer).toBe(b.batches[0]!.buffer); // same mapping
    expect(a.batches[1]!.buffer).toBe(a.batches[0]!.buffer);
    expect(new RecordBatchView(a.batches[1]!).baseOffset).toBe(2);
    log.close();
    expect(kafkaIndexProblems(fs, dir)).toEqual([]);
  });

  test("restart after the log file was truncated on disk (torn tail) and its index deleted", () => {
    const dir = join(tmpDir(), "t-1");
    const fs: FileSystem = new DiskFileSystem();
    const log = PartitionLog.open(dir, { fs, indexIntervalBytes: 200 });
    const sizes: number[] = [];
    for (let i = 0; i < 25; i++) {
      const b = batchOf(3, { valueSize: 20 });
      sizes.push(b.length);
      log.append(b);
    }
    log.close();
    const logPath = join(dir, "00000000000000000000.log");
    const full = nodeFs.statSync(logPath).size;
    nodeFs.truncateSync(logPath, full - 7);
    const re = PartitionLog.open(dir, { fs, indexIntervalBytes: 200 });
    expect(re.nextOffset).toBe(72);
    expect(nodeFs.statSync(logPath).size).toBe(full - sizes[24]!);
    re.append(batchOf(1));
    re.close();

    nodeFs.rmSync(join(dir, "00000000000000000000.index"));
    nodeFs.rmSync(join(dir, "00000000000000000000.timeindex"));
    const again = PartitionLog.open(dir, { fs, indexIntervalBytes: 200 });
    expect(again.nextOffset).toBe(73);
    expect(nodeFs.statSync(join(dir, "00000000000000000000.index")).size).toBeGreaterThan(0);
    expect(offsetsOf(again.read(40, 1 << 20, true))[0]).toBe(39);
    again.close();
    expect(kafkaIndexProblems(fs, dir)).toEqual([]);
  });
});
