// The log cleaner (storage/log-cleaner.ts) on MemoryFileSystem: what Kafka's LogCleaner keeps
// (newest value per key, offsets, tombstones until delete.retention.ms, producers' last batches),
// compressed batches, the dedupe budget, the schedule, crash safety of the segment swap, and the
// cleaner worker that runs passes off the broker thread for logs on disk.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { DiskFileSystem, MemoryFileSystem } from "../../src/storage/fs.ts";
import { CleanerWorkerClient } from "../../src/storage/log-cleaner-worker-client.ts";
import { tempDir } from "../support/broker-process.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { cleanLog, LogCleaner, type CompactionPolicy } from "../../src/storage/log-cleaner.ts";
import { OffsetMap } from "../../src/storage/offset-map.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { compress, decompress } from "../../src/records/compression.ts";
import { writeTopicRecord } from "../../src/storage/metadata/records.ts";

const DIR = "/logs/c-0";
const NOW = 1_800_000_000_000;
const utf8 = new TextEncoder();
const POLICY: CompactionPolicy = {
  compactEnabled: true, minCleanableDirtyRatio: 0.5, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  deleteRetentionMs: 60_000, segmentBytes: 1 << 30,
};
const BUDGET = { dedupeBufferBytes: 1 << 20, ioMaxBytesPerSecond: Infinity, sliceBytes: 1 << 20 };
const noYield = () => Promise.resolve();

function open(fs: MemoryFileSystem): PartitionLog {
  return PartitionLog.open(DIR, { fs, segmentBytes: 400, fileDeleteDelayMs: 0 });
}

/** A batch of records "key=value" (value "null" is a tombstone). */
function kv(pairs: string[], opts: { ts?: number; codec?: number; producerId?: number; seq?: number } = {}): Uint8Array {
  const ts = opts.ts ?? NOW - 3_600_000;
  const bytes = buildRecordBatch({
    baseTimestamp: ts,
    producerId: opts.producerId, producerEpoch: opts.producerId === undefined ? undefined : 0, baseSequence: opts.seq,
    records: pairs.map((p, i) => {
      const [k, v] = p.split("=");
      return { key: utf8.encode(k!), value: v === "null" ? null : utf8.encode(v!), timestamp: ts + i };
    }),
  });
  if (!opts.codec) return bytes;
  // Recompress the records section with the codec, as a client would have sent it.
  const view = new RecordBatchView(bytes);
  return buildRetained(view, opts.codec);
}

function buildRetained(view: RecordBatchView, codec: number): Uint8Array {
  const body = compress(codec, view.bytes.subarray(61));
  const out = new Uint8Array(61 + body.length);
  out.set(view.bytes.subarray(0, 61));
  out.set(body, 61);
  const dv = new DataView(out.buffer);
  dv.setInt32(8, out.length - 12);
  dv.setInt16(21, (view.attributes & ~7) | codec);
  const v = new RecordBatchView(out);
  v.updateCrc();
  return out;
}

/** Every record in the log as "offset:key=value". */
function contents(log: PartitionLog): string[] {
  const out: string[] = [];
  for (const b of log.batchesFrom(log.logStartOffset)) {
    for (const r of decodeRecords(new RecordBatchView(b))) {
      out.push(`${r.offset}:${new TextDecoder().decode(r.key!)}=${r.value === null ? "null" : new TextDecoder().decode(r.value)}`);
    }
  }
  return out;
}

describe("what a pass keeps", () => {
  test("the newest record of each key, at its offset; the active segment is untouched", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    for (let round = 0; round < 12; round++) log.append(kv([`a=${round}`, `b=${round}`, `c=${round}`]));
    expect(log.segmentCount).toBeGreaterThan(2);
    const activeBase = log.segmentBaseOffsets.at(-1)!;
    const before = contents(log);
    const result = await cleanLog(log, 0, POLICY, BUDGET, NOW, noYield);
    expect(result).not.toBeNull();
    expect(result!.cleanedTo).toBe(activeBase);
    const after = contents(log);
    const offsetOf = (r: string) => Number(r.split(":")[0]);
    // The active segment's records are all still there, as they were.
    expect(after.filter((r) => offsetOf(r) >= activeBase)).toEqual(before.filter((r) => offsetOf(r) >= activeBase));
    // Below it, each key once: the newest of the cleaned section, at its original offset.
    const cleaned = after.filter((r) => offsetOf(r) < activeBase);
    const newest = new Map<string, string>();
    for (const r of before.filter((x) => offsetOf(x) < activeBase)) newest.set(r.split(":")[1]!.split("=")[0]!, r);
    expect(cleaned).toEqual([...newest.values()].sort((x, y) => offsetOf(x) - offsetOf(y)));
    for (const b of log.batchesFrom(0)) expect(new RecordBatchView(b).isCrcValid()).toBe(true);
    expect(log.nextOffset).toBe(36);
    // The cleaned segment has its indexes at once; the merged segments' snapshots are gone.
    const bases = new Set(log.segmentBaseOffsets.map((b) => String(b).padStart(20, "0")));
    const files = fs.list(DIR);
    for (const b of bases) expect(files).toContain(`${b}.index`);
    expect(files.filter((n) => n.endsWith(".snapshot") && !bases.has(n.slice(0, 20)))).toEqual([]);
    // Read back through a reopened log too (indexes rebuilt from the cleaned segment).
    log.close();
    expect(contents(open(fs))).toEqual(after);
  });

  test("tombstones stay until delete.retention.ms after the first pass that kept them (KIP-534), then go", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    log.append(kv(["a=1", "b=1"]));
    log.append(kv(["a=null"]));
    log.roll();
    log.append(kv(["c=1"]));
    await cleanLog(log, 0, POLICY, BUDGET, NOW, noYield);
    expect(contents(log)).toEqual(["1:b=1", "2:a=null", "3:c=1"]);
    const stamped = [...log.batchesFrom(0)].map((b) => new RecordBatchView(b)).find((v) => v.baseOffset === 2)!;
    expect(stamped.deleteHorizonMs).toBe(NOW + POLICY.deleteRetentionMs);
    // Before the horizon the tombstone stays; after it, it goes (a dirty segment triggers the pass).
    log.append(kv(["d=1"]));
    log.roll();
    log.append(kv(["e=1"]));
    await cleanLog(log, 3, { ...POLICY, minCleanableDirtyRatio: 0 }, BUDGET, NOW + 1000, noYield);
    expect(contents(log)).toContain("2:a=null");
    log.append(kv(["f=1"]));
    log.roll();
    log.append(kv(["g=1"]));
    await cleanLog(log, 5, { ...POLICY, minCleanableDirtyRatio: 0 }, BUDGET, NOW + POLICY.deleteRetentionMs + 1, noYield);
    expect(contents(log).some((r) => r.includes("a=null"))).toBe(false);
    expect(contents(log)).toContain("1:b=1");
  });

  test("records without a key are removed; a producer's last batch is kept empty so its sequence survives", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    const settings = { maxMessageBytes: 1 << 20, segmentBytes: 400, logAppendTime: false, timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: Infinity, compacted: true };
    expect(log.appendAsLeader(new RecordBatchView(kv(["a=1"], { producerId: 7, seq: 0 })), settings, NOW, "c-0").kind).toBe("appended");
    log.append(kv(["a=2"]));
    log.roll();
    log.append(kv(["z=1"]));
    await cleanLog(log, 0, POLICY, BUDGET, NOW, noYield);
    const views = [...log.batchesFrom(0)].map((b) => new RecordBatchView(b));
    expect(views[0]).toMatchObject({ baseOffset: 0, producerId: 7, baseSequence: 0, recordCount: 0, lastOffsetDelta: 0 });
    expect(views[0]!.isCrcValid()).toBe(true);
    expect(contents(log)).toEqual(["1:a=2", "2:z=1"]);
    // The producer goes on with sequence 1, no OUT_OF_ORDER_SEQUENCE_NUMBER.
    expect(log.appendAsLeader(new RecordBatchView(kv(["q=1"], { producerId: 7, seq: 1 })), settings, NOW, "c-0").kind).toBe("appended");
  });
});

describe("compressed batches", () => {
  for (const [codec, name] of [[1, "gzip"], [2, "snappy"], [3, "lz4"], [4, "zstd"]] as const) {
    test(`${name}: inflated to find the keys, the retained records recompressed with ${name}`, async () => {
      const fs = new MemoryFileSystem();
      const log = PartitionLog.open(DIR, { fs, segmentBytes: 1 << 20, fileDeleteDelayMs: 0 });
      log.append(kv(["a=1", "b=1", "c=1"], { codec }));
      log.append(kv(["a=2", "b=2"], { codec }));
      log.roll();
      log.append(kv(["x=1"]));
      await cleanLog(log, 0, POLICY, BUDGET, NOW, noYield);
      expect(contents(log)).toEqual(["2:c=1", "3:a=2", "4:b=2", "5:x=1"]);
      const first = new RecordBatchView([...log.batchesFrom(0)][0]!);
      expect(first.compression).toBe(codec);
      expect(first.isCrcValid()).toBe(true);
      expect(first.lastOffsetDelta).toBe(2); // the original last offset is kept
      expect(decompress(codec, first.bytes.subarray(61), 1 << 20).length).toBeGreaterThan(0);
    });
  }
});

describe("the offset map (SkimpyOffsetMap)", () => {
  test("newest offset per key, -1 for unknown keys, refused once full, exact for 100k random keys", () => {
    const map = new OffsetMap(100_000 * 24 * 2);
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 100_000; i++) keys.push(utf8.encode(`key-${i}-${(i * 7919) % 1000}`));
    keys.forEach((k, i) => expect(map.put(k, 0, k.length, i)).toBe(true));
    keys.forEach((k, i) => map.put(k, 0, k.length, i + 1_000_000));
    expect(map.size).toBe(100_000);
    let wrong = 0;
    keys.forEach((k, i) => { if (map.get(k, 0, k.length) !== i + 1_000_000) wrong++; });
    expect(wrong).toBe(0);
    expect(map.get(utf8.encode("never-put"), 0, 9)).toBe(-1);
    // A key inside a larger buffer is the same key.
    const buf = utf8.encode("xxkey-5-" + String((5 * 7919) % 1000) + "yy");
    expect(map.get(buf, 2, buf.length - 2)).toBe(1_000_005);
    const small = new OffsetMap(16 * 24);
    let accepted = 0;
    for (let i = 0; i < 30; i++) if (small.put(utf8.encode(`k${i}`), 0, `k${i}`.length, i)) accepted++;
    expect(accepted).toBe(14);
    expect(small.put(utf8.encode("k3"), 0, 2, 99)).toBe(true); // an existing key still updates
    expect(small.get(utf8.encode("k3"), 0, 2)).toBe(99);
  });
});

describe("budgets and schedule", () => {
  test("a dedupe buffer too small for the dirty section cleans part of it; the next pass goes on", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    for (let i = 0; i < 40; i++) log.append(kv([`key-${i % 20}=${i}`]));
    log.append(kv(["last=1"]));
    // 16 slots of 24 bytes: 14 keys at the 0.9 load factor, fewer than the 20 keys written.
    const tiny = { ...BUDGET, dedupeBufferBytes: 16 * 24 };
    const first = (await cleanLog(log, 0, POLICY, tiny, NOW, noYield))!;
    expect(first.cleanedTo).toBeLessThan(40);
    let to = first.cleanedTo;
    for (let i = 0; i < 20 && to < 40; i++) to = (await cleanLog(log, to, { ...POLICY, minCleanableDirtyRatio: 0 }, tiny, NOW, noYield))?.cleanedTo ?? 40;
    expect(contents(log).filter((r) => r.includes("key-")).length).toBe(20);
  });

  test("min.compaction.lag.ms keeps recent segments dirty; below min.cleanable.dirty.ratio nothing runs", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    for (let i = 0; i < 10; i++) log.append(kv([`k=${i}`], { ts: NOW - 1000 }));
    expect(await cleanLog(log, 0, { ...POLICY, minCompactionLagMs: 60_000 }, BUDGET, NOW, noYield)).toBeNull();
    expect(await cleanLog(log, log.sealedSegments().at(-1)!.endOffset, POLICY, BUDGET, NOW, noYield)).toBeNull();
    expect(await cleanLog(log, 0, POLICY, BUDGET, NOW, noYield)).not.toBeNull();
  });

  test("LogCleaner picks compacted topics only and keeps the first dirty offset in cleaner-offset-checkpoint", async () => {
    const fs = new MemoryFileSystem();
    const store = LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 400 });
    store.metadata.createTopic("compacted", 1, { nodeId: 1 });
    store.metadata.createTopic("plain", 1, { nodeId: 1 });
    for (const t of ["compacted", "plain"]) {
      const log = store.partition(t, 0)!;
      for (let i = 0; i < 12; i++) log.append(kv([`k=${i}`]));
    }
    const cleaner = new LogCleaner(store, (t) => ({ ...POLICY, compactEnabled: t === "compacted" }), BUDGET, () => {});
    const pass = await cleaner.cleanOnce(NOW);
    expect(pass?.topic).toBe("compacted");
    expect(await cleaner.cleanOnce(NOW)).toBeNull(); // clean now
    expect(contents(store.partition("plain", 0)!).length).toBe(12);
    expect(new TextDecoder().decode(fs.readFile("/data/cleaner-offset-checkpoint"))).toBe(`0\n1\ncompacted 0 ${pass!.result.cleanedTo}\n`);
    void writeTopicRecord;
  });

  test("a pass never opens (so never creates) the log of a partition not written since start-up", async () => {
    // 1,000 such topics made every pass create 1,000 directories on the event loop (seconds).
    const fs = new MemoryFileSystem();
    const store = LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 400 });
    store.metadata.createTopic("compacted", 3, { nodeId: 1 });
    const cleaner = new LogCleaner(store, () => ({ ...POLICY, compactEnabled: true }), BUDGET, () => {});
    expect(await cleaner.cleanOnce(NOW)).toBeNull();
    expect([0, 1, 2].map((p) => store.openedPartition("compacted", p))).toEqual([undefined, undefined, undefined]);
    expect(fs.list("/data").filter((n) => n.startsWith("compacted-"))).toEqual([]);
  });
});

describe("crash safety of the swap", () => {
  test("a replacement whose segments went meanwhile (retention, DeleteRecords) is refused and leaves nothing behind", () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    for (let round = 0; round < 12; round++) log.append(kv([`a=${round}`, `b=${round}`, `c=${round}`]));
    const [first] = log.sealedSegments();
    const replacement = log.startReplacement([first!.baseOffset])!;
    for (const b of log.segmentBatches(first!.baseOffset)) replacement.append(b);
    log.deleteRecordsBefore(first!.endOffset + 1);
    const after = contents(log);
    expect(replacement.commit()).toBe(false);
    expect(contents(log)).toEqual(after);
    expect(fs.list(DIR).filter((n) => n.endsWith(".cleaned") || n.endsWith(".swap"))).toEqual([]);
  });

  test("a committed swap is completed on open; an uncommitted .cleaned file is dropped", async () => {
    const fs = new MemoryFileSystem();
    let log = open(fs);
    for (let round = 0; round < 6; round++) log.append(kv([`a=${round}`, `b=${round}`]));
    log.append(kv(["a=last"]));
    const before = contents(log);
    log.close();
    // Uncommitted: a .cleaned file next to intact segments.
    fs.writeFileAtomic(`${DIR}/00000000000000000000.log.cleaned`, new Uint8Array([1, 2, 3]));
    log = open(fs);
    expect(fs.exists(`${DIR}/00000000000000000000.log.cleaned`)).toBe(false);
    expect(contents(log)).toEqual(before);
    // Committed: run a real pass, then undo its last two steps by hand, as a crash would leave it.
    const sealed = log.sealedSegments().map((s) => s.baseOffset);
    await cleanLog(log, 0, POLICY, BUDGET, NOW, noYield);
    const cleanedContents = contents(log);
    log.close();
    const swapped = `${DIR}/00000000000000000000.log`;
    fs.rename(swapped, `${swapped}.swap`);
    fs.writeFileAtomic(`${DIR}/00000000000000000000.cleaner-swap`, utf8.encode(sealed.join("\n") + "\n"));
    // An old segment's file that step 4 had not renamed yet.
    fs.writeFileAtomic(`${DIR}/${String(sealed[1]).padStart(20, "0")}.log`, kv(["stale=1"]));
    log = open(fs);
    expect(contents(log)).toEqual(cleanedContents);
    expect(fs.list(DIR).filter((n) => n.endsWith(".swap") || n.endsWith(".cleaner-swap"))).toEqual([]);
  });
});

describe("the cleaner worker (logs on disk)", () => {
  const WORKER_URL = new URL("../../src/storage/log-cleaner-worker.ts", import.meta.url).href;

  /** The same records into a fresh log on disk, compressed batches among them, producers' batches and transactions. */
  function fill(dir: string): PartitionLog {
    const log = PartitionLog.open(dir, { fs: new DiskFileSystem(), segmentBytes: 400, fileDeleteDelayMs: 0 });
    for (let round = 0; round < 12; round++) {
      log.append(kv([`a=${round}`, `b=${round}`, `c=${round}`], { codec: round % 5 }));
      if (round % 3 === 0) log.append(kv([`p=${round}`], { producerId: 7, seq: round / 3 }));
      if (round % 4 === 1) {
        // A transaction of producer 8, aborted every other time (its records then must go).
        const txn = new RecordBatchView(kv([`a=txn${round}`, `t=${round}`], { producerId: 8, seq: round }));
        const bytes = txn.bytes.slice();
        new DataView(bytes.buffer).setInt16(21, txn.attributes | 0x10); // transactional
        new RecordBatchView(bytes).updateCrc();
        log.append(bytes);
        log.appendTransactionMarker({ producerId: 8, producerEpoch: 0, coordinatorEpoch: 0, commit: round % 8 === 1 }, NOW - 3_600_000);
      }
    }
    log.append(kv(["a=null"]));
    log.roll();
    log.append(kv(["z=1"]));
    return log;
  }

  test("a pass in the worker writes what a pass in the broker thread writes, byte for byte", async () => {
    const inThread = fill(`${tempDir("bunka-cleaner-a-")}/c-0`);
    const inWorker = fill(`${tempDir("bunka-cleaner-b-")}/c-0`);
    const expected = await cleanLog(inThread, 0, POLICY, BUDGET, NOW, noYield);
    const client = new CleanerWorkerClient(WORKER_URL, () => {});
    try {
      const result = await Promise.race([
        client.clean(inWorker, 0, POLICY, BUDGET, NOW),
        Bun.sleep(20_000).then(() => { throw new Error("the cleaner worker did not answer in 20 s"); }),
      ]);
      expect(result).toEqual(expected);
      expect(result!.recordsRemoved).toBeGreaterThan(0);
    } finally {
      client.terminate();
    }
    expect(contents(inWorker)).toEqual(contents(inThread));
    expect(inWorker.segmentBaseOffsets).toEqual(inThread.segmentBaseOffsets);
    for (const base of inThread.segmentBaseOffsets) {
      const name = `${String(base).padStart(20, "0")}.log`;
      expect(readFileSync(`${inWorker.dir}/${name}`).equals(readFileSync(`${inThread.dir}/${name}`))).toBe(true);
    }
    expect(readdirSync(inWorker.dir).filter((n) => n.endsWith(".cleaned") || n.endsWith(".swap"))).toEqual([]);
    // The aborted transactions' records are gone, their index entries kept with their markers.
    expect(contents(inThread).some((r) => r.includes("=txn5"))).toBe(false);
    expect(contents(inThread).some((r) => r.endsWith(":t=9"))).toBe(true);
    const txnIndexes = (dir: string) => readdirSync(dir).filter((n) => n.endsWith(".txnindex")).sort();
    expect(txnIndexes(inWorker.dir)).toEqual(txnIndexes(inThread.dir));
    for (const name of txnIndexes(inThread.dir)) expect(readFileSync(`${inWorker.dir}/${name}`).equals(readFileSync(`${inThread.dir}/${name}`))).toBe(true);
    expect(inWorker.abortedTransactions(0, inWorker.nextOffset)).toEqual(inThread.abortedTransactions(0, inThread.nextOffset));
    expect(inThread.abortedTransactions(0, inThread.nextOffset).map((t) => t.firstOffset).length).toBe(1);
    inThread.close();
    inWorker.close();
  });

  test("a swap the broker thread refuses (retention took the segments meanwhile) leaves the log as it was", async () => {
    const log = fill(`${tempDir("bunka-cleaner-c-")}/c-0`);
    // Between the worker's writing and the swap, DeleteRecords removes the first segments.
    const cut = log.sealedSegments()[2]!.baseOffset;
    const swapInCleaned = log.swapInCleaned.bind(log);
    let swaps = 0;
    log.swapInCleaned = (bases) => {
      swaps++;
      log.deleteRecordsBefore(cut);
      return swapInCleaned(bases);
    };
    const before = contents(log);
    const client = new CleanerWorkerClient(WORKER_URL, () => {});
    try {
      expect(await Promise.race([
        client.clean(log, 0, POLICY, BUDGET, NOW),
        Bun.sleep(20_000).then(() => { throw new Error("the cleaner worker did not answer in 20 s"); }),
      ])).toBeNull();
    } finally {
      client.terminate();
    }
    expect(swaps).toBe(1);
    expect(contents(log)).toEqual(before.filter((r) => Number(r.split(":")[0]) >= cut));
    expect(readdirSync(log.dir).filter((n) => n.endsWith(".cleaned") || n.endsWith(".swap"))).toEqual([]);
    log.close();
  });
});
