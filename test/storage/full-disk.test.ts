// A full disk and I/O errors (log-dir-failures.ts), on MemoryFileSystem's full-disk and
// I/O-error modes: every append is either acknowledged, and then readable now, after freeing
// space and after a restart (kill -9 or clean), or refused with KAFKA_STORAGE_ERROR and never
// seen again; a failure that cannot be undone takes the log dir offline until restart.

import { describe, expect, test } from "bun:test";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { StorageError } from "../../src/storage/log-dir-failures.ts";
import type { LogAppendSettings } from "../../src/storage/log-validator.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { text } from "./batches.ts";
import { prng as rng } from "../support/schema-values.ts";

const ROOT = "/data";
const SEGMENT_BYTES = 4096;
const SETTINGS: LogAppendSettings = {
  maxMessageBytes: 1 << 20, segmentBytes: SEGMENT_BYTES, logAppendTime: false,
  timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: Infinity, compacted: false,
};
const utf8 = new TextEncoder();


function openStore(fs: MemoryFileSystem): LogStore {
  return LogStore.open({ logDirs: [ROOT], fs, segmentBytes: SEGMENT_BYTES, indexIntervalBytes: 256 });
}

/** An idempotent producer's batch: values "<tag>" padded to `size` bytes. */
function producerBatch(producerId: number, sequence: number, values: string[], size: number): Uint8Array {
  return buildRecordBatch({
    producerId, producerEpoch: 0, baseSequence: sequence, baseTimestamp: 1_700_000_000_000,
    records: values.map((v, i) => ({ key: utf8.encode(`k${i}`), value: utf8.encode(v.padEnd(size, ".")), timestamp: 1_700_000_000_000 + i })),
  });
}

/** Every record value in the log, in offset order, with its offset; checks CRCs and offsets. */
function readAll(log: PartitionLog): { offset: number; value: string }[] {
  const out: { offset: number; value: string }[] = [];
  for (const bytes of log.batchesFrom(log.logStartOffset)) {
    const view = new RecordBatchView(bytes);
    expect(view.isCrcValid()).toBe(true);
    for (const r of decodeRecords(view)) out.push({ offset: r.offset, value: text(r.value).replace(/\.+$/, "") });
  }
  return out;
}

interface Partition {
  log: () => PartitionLog;
  producerId: number;
  sequence: number;
  /** What was acknowledged: offset -> value. */
  acked: { offset: number; value: string }[];
}

/**
 * One seeded run: 4 partitions take batches (idempotent producers, sizes that roll 4 KiB segments
 * often) while the disk fills part way through a batch; refused batches are retried until space
 * is freed; then a restart (kill -9 or clean) must find exactly the acknowledged records.
 */
function runSeed(seed: number): { acked: number; refused: number; topicsRefused: number } {
  const random = rng(seed);
  const fs = new MemoryFileSystem();
  let store = openStore(fs);
  store.metadata.createTopic("t", 4, { nodeId: 1 });
  const parts: Partition[] = [0, 1, 2, 3].map((p) => ({
    log: () => store.partition("t", p)!, producerId: 1000 + p, sequence: 0, acked: [],
  }));
  let refused = 0;
  let topicsRefused = 0;
  const createdTopics: string[] = [];
  const refusedTopics: string[] = [];
  let n = 0;
  /** Appends the next batch of a partition; retries it (same sequence) until acknowledged if `retry`. */
  const produce = (p: Partition): boolean => {
    const count = 1 + Math.floor(random() * 5);
    const size = 10 + Math.floor(random() * 300);
    const values = Array.from({ length: count }, (_, i) => `s${seed}-b${n}-r${i}`);
    n++;
    const batch = producerBatch(p.producerId, p.sequence, values, size);
    const outcome = p.log().appendAsLeader(new RecordBatchView(batch), SETTINGS, 1_700_000_000_000, "t");
    if (outcome.kind === "rejected") {
      expect(outcome.error).toBe("KAFKA_STORAGE_ERROR");
      refused++;
      return false;
    }
    expect(outcome.kind).toBe("appended");
    p.sequence += count;
    values.forEach((v, i) => p.acked.push({ offset: outcome.baseOffset + i, value: v }));
    return true;
  };

  // Phase 1: plenty of room.
  for (let i = 0; i < 40; i++) produce(parts[Math.floor(random() * 4)]!);
  // Phase 2: the disk fills a few KiB from now, somewhere inside a batch.
  fs.setCapacity(fs.usedBytes + 1000 + Math.floor(random() * 12_000), { shortWrites: random() < 0.8 });
  for (let i = 0; i < 150; i++) {
    produce(parts[Math.floor(random() * 4)]!);
    if (i % 40 === 7) {
      // A metadata write on the full disk: created and remembered, or refused and gone.
      const name = `extra-${seed}-${i}`;
      try {
        store.metadata.createTopic(name, 1, { nodeId: 1 });
        createdTopics.push(name);
      } catch (e) {
        expect(e).toBeInstanceOf(StorageError);
        expect((e as StorageError).offline).toBe(false);
        refusedTopics.push(name);
        topicsRefused++;
      }
    }
  }
  expect(refused).toBeGreaterThan(0);
  expect(store.failures.offline.size).toBe(0);
  // Everything acknowledged is readable while the disk is still full.
  for (const p of parts) expect(readAll(p.log())).toEqual(p.acked);
  // Phase 3: space is freed; writes resume, the refused batch's retry (same sequence) included.
  fs.setCapacity(null);
  for (let i = 0; i < 40; i++) expect(produce(parts[i % 4]!)).toBe(true);
  for (const p of parts) expect(readAll(p.log())).toEqual(p.acked);

  // Phase 4: restart: kill -9 (page cache survives) or clean shutdown.
  if (random() < 0.5) fs.crash();
  else store.close();
  store = openStore(fs);
  for (const [i, p] of parts.entries()) {
    const log = store.partition("t", i)!;
    expect(readAll(log)).toEqual(p.acked);
    expect(log.nextOffset).toBe(p.acked.length === 0 ? 0 : p.acked.at(-1)!.offset + 1);
    // The producers go on where they were (the producer state survived).
    const next = producerBatch(p.producerId, p.sequence, ["after-restart"], 10);
    expect(log.appendAsLeader(new RecordBatchView(next), SETTINGS, 1_700_000_000_000, "t").kind).toBe("appended");
  }
  for (const name of createdTopics) expect(store.metadata.topicsByName.has(name)).toBe(true);
  for (const name of refusedTopics) expect(store.metadata.topicsByName.has(name)).toBe(false);
  store.close();
  return { acked: parts.reduce((a, p) => a + p.acked.length, 0), refused, topicsRefused };
}

describe("full disk (MemoryFileSystem capacity)", () => {
  test("MemoryFileSystem: a write past the capacity lands in part, then fails with ENOSPC", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    const f = fs.open("/d/a");
    fs.setCapacity(10);
    f.append(new Uint8Array(6));
    expect(() => f.appendv([new Uint8Array(3), new Uint8Array(3)])).toThrow(/ENOSPC/);
    expect(fs.usedBytes).toBe(10);
    expect(() => fs.writeFileAtomic("/d/b", new Uint8Array(1))).toThrow(/ENOSPC/);
    expect(fs.exists("/d/b")).toBe(false);
    f.truncate(6);
    fs.setCapacity(10, { shortWrites: false });
    expect(() => f.append(new Uint8Array(5))).toThrow(/ENOSPC/);
    expect(f.size).toBe(6);
    fs.failIo((op) => op === "sync");
    expect(() => f.sync()).toThrow(/EIO/);
  });

  test("every append is acknowledged and kept, or refused with KAFKA_STORAGE_ERROR (randomized over seeds)", () => {
    const deadline = Date.now() + 15_000;
    let seeds = 0;
    let totals = { acked: 0, refused: 0, topicsRefused: 0 };
    for (let seed = 1; seed <= 40 && Date.now() < deadline; seed++) {
      const r = runSeed(seed);
      totals = { acked: totals.acked + r.acked, refused: totals.refused + r.refused, topicsRefused: totals.topicsRefused + r.topicsRefused };
      seeds++;
    }
    expect(seeds).toBeGreaterThanOrEqual(10);
    expect(totals.refused).toBeGreaterThan(seeds);
    expect(totals.topicsRefused).toBeGreaterThan(0);
  }, 30_000);

  test("a failed roll leaves the old segment active; the next append after freeing space rolls", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(`${ROOT}/r-0`, { fs, segmentBytes: 1024 });
    const batch = (tag: string) => producerBatch(-1, -1, [tag], 300);
    while (log.segmentCount === 1) log.append(batch("fill"));
    const before = { segments: log.segmentBaseOffsets, next: log.nextOffset };
    fs.setCapacity(fs.usedBytes + 20);
    // Fill the active segment up to the roll point, then the roll's index writes fail.
    let refused = 0;
    for (let i = 0; i < 6; i++) {
      try {
        log.append(batch(`x${i}`));
      } catch (e) {
        expect(e).toBeInstanceOf(StorageError);
        refused++;
      }
    }
    expect(refused).toBeGreaterThan(0);
    fs.setCapacity(null);
    const after = log.append(batch("after"));
    expect(after.baseOffset).toBeGreaterThanOrEqual(before.next);
    const values = [...log.batchesFrom(0)].flatMap((b) => decodeRecords(new RecordBatchView(b)).map((r) => text(r.value).replace(/\.+$/, "")));
    expect(values.at(-1)).toBe("after");
    expect(values.filter((v) => v.startsWith("x")).length).toBe(6 - refused);
    log.close();
    const again = PartitionLog.open(`${ROOT}/r-0`, { fs, segmentBytes: 1024 });
    expect(again.nextOffset).toBe(log.nextOffset);
    again.close();
  });
});

describe("a restart on a disk that is still full", () => {
  test("recovery opens every log, reads everything acknowledged, refuses appends until space is freed", () => {
    for (const kill of [true, false]) {
      const fs = new MemoryFileSystem();
      let store = openStore(fs);
      store.metadata.createTopic("t", 2, { nodeId: 1 });
      const acked: string[][] = [[], []];
      fs.setCapacity(fs.usedBytes + 20_000);
      for (let i = 0; i < 200; i++) {
        const p = i % 2;
        try {
          store.partition("t", p)!.append(producerBatch(-1, -1, [`v${i}`], 150));
          acked[p]!.push(`v${i}`);
        } catch (e) {
          expect(e).toBeInstanceOf(StorageError);
        }
      }
      expect(acked[0]!.length + acked[1]!.length).toBeLessThan(200);
      if (kill) fs.crash();
      else store.close();
      store = openStore(fs);
      for (const p of [0, 1]) {
        expect(readAll(store.partition("t", p)!).map((r) => r.value)).toEqual(acked[p]!);
        expect(() => store.partition("t", p)!.append(producerBatch(-1, -1, ["full"], 150))).toThrow(StorageError);
      }
      fs.setCapacity(null);
      store.partition("t", 0)!.append(producerBatch(-1, -1, ["freed"], 150));
      expect(readAll(store.partition("t", 0)!).map((r) => r.value)).toEqual([...acked[0]!, "freed"]);
      store.close();
    }
  });
});

describe("a log cleaner swap on a full disk", () => {
  test("a commit that cannot write its swap record changes nothing and leaves no .cleaned file holding space", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(`${ROOT}/c-0`, { fs, segmentBytes: 1024 });
    for (let i = 0; i < 12; i++) log.append(producerBatch(-1, -1, [`v${i}`], 200));
    const values = () => [...log.batchesFrom(0)].flatMap((b) => decodeRecords(new RecordBatchView(b)).map((r) => text(r.value).replace(/\.+$/, "")));
    const before = values();
    const [first] = log.sealedSegments();
    const replacement = log.startReplacement([first!.baseOffset])!;
    for (const b of log.segmentBatches(first!.baseOffset)) replacement.append(b);
    fs.setCapacity(fs.usedBytes);
    expect(() => replacement.commit()).toThrow(StorageError);
    expect(fs.list(`${ROOT}/c-0`).filter((n) => /\.(cleaned|swap|cleaner-swap|tmp)$/.test(n))).toEqual([]);
    expect(values()).toEqual(before);
    fs.setCapacity(null);
    log.append(producerBatch(-1, -1, ["after"], 20));
    expect(values()).toEqual([...before, "after"]);
  });
});

describe("a new partition on a full disk", () => {
  test("opens without its checkpoint files, refuses appends, takes them once space is freed; the files are there after a restart", () => {
    const fs = new MemoryFileSystem();
    let store = openStore(fs);
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    fs.setCapacity(fs.usedBytes);
    const log = store.partition("t", 0)!;
    expect(fs.exists(`${ROOT}/t-0/partition.metadata`)).toBe(false);
    const append = (v: string) => log.appendAsLeader(new RecordBatchView(producerBatch(-1, -1, [v], 20)), SETTINGS, 1_700_000_000_000, "t");
    expect(append("refused")).toMatchObject({ kind: "rejected", error: "KAFKA_STORAGE_ERROR", inLog: false });
    fs.setCapacity(null);
    expect(append("ok").kind).toBe("appended");
    store.close();
    store = openStore(fs);
    expect(readAll(store.partition("t", 0)!).map((r) => r.value)).toEqual(["ok"]);
    expect(fs.exists(`${ROOT}/t-0/partition.metadata`)).toBe(true);
    expect(fs.exists(`${ROOT}/t-0/leader-epoch-checkpoint`)).toBe(true);
    store.close();
  });
});

describe("I/O errors (MemoryFileSystem failIo)", () => {
  test("an I/O error takes the log dir offline: writes refused until restart, reads go on, nothing acknowledged lost", () => {
    const fs = new MemoryFileSystem();
    let store = openStore(fs);
    store.metadata.createTopic("t", 2, { nodeId: 1 });
    const acked: string[] = [];
    const append = (p: number, v: string) => store.partition("t", p)!.appendAsLeader(
      new RecordBatchView(producerBatch(-1, -1, [v], 20)), SETTINGS, 1_700_000_000_000, "t");
    for (let i = 0; i < 10; i++) {
      expect(append(i % 2, `a${i}`).kind).toBe("appended");
      acked.push(`a${i}`);
    }
    fs.failIo((op, path) => op === "write" && path.includes("/t-1/"));
    const failed = append(1, "lost");
    expect(failed).toMatchObject({ kind: "rejected", error: "KAFKA_STORAGE_ERROR" });
    expect(store.failures.isOffline(ROOT)).toBe(true);
    fs.failIo(null);
    // Offline until restart: every write in the dir is refused, the metadata log's too.
    expect(append(0, "refused")).toMatchObject({ kind: "rejected", error: "KAFKA_STORAGE_ERROR" });
    expect(() => store.metadata.createTopic("u", 1, { nodeId: 1 })).toThrow(StorageError);
    // Reads go on.
    const read = (s: LogStore) => [0, 1].flatMap((p) => readAll(s.partition("t", p)!).map((r) => r.value)).sort();
    expect(read(store)).toEqual([...acked].sort());
    fs.crash();
    store = openStore(fs);
    expect(store.failures.offline.size).toBe(0);
    expect(read(store)).toEqual([...acked].sort());
    expect(append(1, "again").kind).toBe("appended");
    store.close();
  });

  test("a full disk whose partial write cannot be truncated away takes the log dir offline", () => {
    const fs = new MemoryFileSystem();
    const store = openStore(fs);
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    const log = store.partition("t", 0)!;
    log.append(producerBatch(-1, -1, ["ok"], 20));
    fs.setCapacity(fs.usedBytes + 30);
    fs.failIo((op) => op === "truncate");
    expect(() => log.append(producerBatch(-1, -1, ["torn"], 200))).toThrow(StorageError);
    expect(store.failures.isOffline(ROOT)).toBe(true);
    fs.failIo(null);
    fs.setCapacity(null);
    expect(() => log.append(producerBatch(-1, -1, ["after"], 20))).toThrow(/offline/);
    // A restart truncates the torn bytes (recovery) and the log takes writes again.
    fs.crash();
    const again = openStore(fs);
    const log2 = again.partition("t", 0)!;
    expect(readAll(log2).map((r) => r.value)).toEqual(["ok"]);
    log2.append(producerBatch(-1, -1, ["after"], 20));
    expect(readAll(log2).map((r) => r.value)).toEqual(["ok", "after"]);
    again.close();
  });

  test("a failed fsync takes the log dir offline", () => {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(`${ROOT}/f-0`, { fs });
    log.append(producerBatch(-1, -1, ["a"], 20));
    fs.failIo((op) => op === "sync");
    expect(() => log.flush()).toThrow(StorageError);
    fs.failIo(null);
    expect(() => log.append(producerBatch(-1, -1, ["b"], 20))).toThrow(/offline/);
  });
});
