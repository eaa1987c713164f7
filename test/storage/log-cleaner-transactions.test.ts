// The log cleaner with transactions (Kafka's Cleaner with CleanedTransactionMetadata), on
// MemoryFileSystem: never past the LSO, aborted data removed and never shadowing committed
// records, markers kept while their data is in the log and removed after their delete horizon,
// the cleaned segment's .txnindex, and a swap interrupted with its new .txnindex pending.

import { describe, expect, test } from "bun:test";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { cleanLog, type CompactionPolicy } from "../../src/storage/log-cleaner.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView, TRANSACTIONAL_MASK } from "../../src/records/record-batch.ts";
import { readTransactionMarker } from "../../src/records/control-batch.ts";
import { decodeAbortedTxns } from "../../src/storage/transaction-index.ts";

const DIR = "/logs/c-0";
const NOW = 1_800_000_000_000;
const utf8 = new TextEncoder();
const POLICY: CompactionPolicy = {
  compactEnabled: true, minCleanableDirtyRatio: 0, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
  deleteRetentionMs: 60_000, segmentBytes: 1 << 30,
};
const BUDGET = { dedupeBufferBytes: 1 << 20, ioMaxBytesPerSecond: Infinity, sliceBytes: 1 << 20 };
const noYield = () => Promise.resolve();

function open(fs: MemoryFileSystem): PartitionLog {
  return PartitionLog.open(DIR, { fs, fileDeleteDelayMs: 0 });
}

const seqs = new Map<number, number>();
/** "key=value" records; from transactional producer `pid` when given. */
function kv(pairs: string[], pid?: number): Uint8Array {
  const seq = pid === undefined ? -1 : seqs.get(pid) ?? 0;
  if (pid !== undefined) seqs.set(pid, seq + pairs.length);
  return buildRecordBatch({
    baseTimestamp: NOW - 3_600_000,
    attributes: pid === undefined ? 0 : TRANSACTIONAL_MASK,
    producerId: pid, producerEpoch: pid === undefined ? undefined : 0, baseSequence: pid === undefined ? undefined : seq,
    records: pairs.map((p) => {
      const [k, v] = p.split("=");
      return { key: utf8.encode(k!), value: utf8.encode(v!) };
    }),
  });
}

const end = (log: PartitionLog, producerId: number, commit: boolean) =>
  log.appendTransactionMarker({ producerId, producerEpoch: 0, coordinatorEpoch: 0, commit }, NOW - 3_600_000);

/** Every batch as "data:k=v,k=v" or "COMMIT(pid)"/"ABORT(pid)" ("empty" for an emptied batch), in order. */
function contents(log: PartitionLog): string[] {
  const out: string[] = [];
  for (const b of log.batchesFrom(log.logStartOffset)) {
    const view = new RecordBatchView(b);
    if (view.isControl) {
      const m = readTransactionMarker(view);
      out.push(m === null ? `empty-marker(${view.producerId})` : `${m.type === 1 ? "COMMIT" : "ABORT"}(${view.producerId})@${view.baseOffset}`);
      continue;
    }
    const records = decodeRecords(view).map((r) => `${new TextDecoder().decode(r.key!)}=${new TextDecoder().decode(r.value!)}`);
    out.push(`${view.baseOffset}:${records.join(",") || "empty"}`);
  }
  return out;
}

const clean = (log: PartitionLog, now = NOW) => cleanLog(log, log.logStartOffset, POLICY, BUDGET, now, noYield);

describe("the cleaner and transactions", () => {
  test("aborted data goes and never hides a committed value; markers stay while their data does", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    log.append(kv(["a=1", "b=1"])); // 0-1
    log.append(kv(["a=aborted", "c=aborted"], 7)); // 2-3 aborted
    end(log, 7, false); // 4
    log.append(kv(["b=committed"], 8)); // 5
    end(log, 8, true); // 6
    log.append(kv(["x=1"])); // 7
    log.roll();
    log.append(kv(["y=1"])); // active
    expect(await clean(log)).not.toBeNull();
    // a=1 survives: the aborted a=aborted was not mapped. b=1 is replaced by the committed value.
    // Both markers stay: this pass saw data of their transactions.
    expect(contents(log)).toEqual([
      "0:a=1",
      // producer 7's aborted batch is its last data batch: kept empty for its sequence.
      "2:empty",
      "ABORT(7)@4",
      "5:b=committed",
      "COMMIT(8)@6",
      "7:x=1",
      "8:y=1",
    ]);
    // The cleaned segment's .txnindex keeps the abort whose marker it kept.
    expect(log.abortedTransactions(0, 9)).toEqual([{ producerId: 7, firstOffset: 2, lastOffset: 4, lastStableOffset: 5 }]);

    // Next pass: producer 7's data is gone (its empty batch holds no records, but is still its
    // batch: the marker stays); the COMMIT marker's data is still there.
    log.roll();
    expect(await clean(log)).not.toBeNull();
    expect(contents(log)).toContain("ABORT(7)@4");
    expect(contents(log)).toContain("COMMIT(8)@6");
  });

  test("a marker with no data left gets a delete horizon, and goes once it has passed", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    log.append(kv(["k=1"], 3)); // 0, aborted
    end(log, 3, false); // 1
    log.append(kv(["k=2"], 4)); // 2, its data compacted away below
    end(log, 4, true); // 3
    log.append(kv(["k=3"], 4)); // 4, producer 4's last data batch
    end(log, 4, true); // 5
    log.append(kv(["z=1"])); // 6
    log.roll();
    log.append(kv(["y=1"]));
    await clean(log);
    // Pass 1: aborted data dropped (producer 3's last batch: kept empty); k=2 compacted away (an
    // empty batch that is not producer 4's last: dropped).
    expect(contents(log)).toEqual(["0:empty", "ABORT(3)@1", "COMMIT(4)@3", "4:k=3", "COMMIT(4)@5", "6:z=1", "7:y=1"]);
    const horizonOf = (offset: number) => {
      for (const b of log.batchesFrom(0)) {
        const v = new RecordBatchView(b);
        if (v.baseOffset === offset) return v.deleteHorizonMs;
      }
      return undefined;
    };
    expect(horizonOf(3)).toBe(-1); // its data was still seen in this pass
    log.roll();
    await clean(log, NOW + 1000);
    // Pass 2: COMMIT@3 saw no data of its transaction: stamped, kept.
    expect(horizonOf(3)).toBe(NOW + 1000 + POLICY.deleteRetentionMs);
    expect(contents(log)).toContain("COMMIT(4)@3");
    // Producer 3's emptied batch is still a batch of the aborted transaction (as in Kafka, which
    // calls onBatchRead for it): the ABORT marker and its index entry stay while it does.
    expect(horizonOf(1)).toBe(-1);
    expect(log.abortedTransactions(0, 100)).toEqual([{ producerId: 3, firstOffset: 0, lastOffset: 1, lastStableOffset: 2 }]);
    log.roll();
    await clean(log, NOW + 1000 + POLICY.deleteRetentionMs);
    // Pass 3: past its horizon, COMMIT@3 goes; COMMIT@5 still has its data (k=3).
    expect(contents(log)).toEqual(["0:empty", "ABORT(3)@1", "4:k=3", "COMMIT(4)@5", "6:z=1", "7:y=1"]);
  });

  test("a producer whose last record is its marker (TV2 bumped the epoch) keeps it, emptied, past its horizon", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    log.append(kv(["k=aborted"], 6)); // 0, epoch 0
    log.appendTransactionMarker({ producerId: 6, producerEpoch: 1, coordinatorEpoch: 0, commit: false }, NOW - 3_600_000, { transactionVersion: 2 }); // 1
    log.append(kv(["z=1"])); // 2
    log.roll();
    log.append(kv(["y=1"]));
    expect(log.producerLastRecord(6)).toEqual({ lastDataOffset: -1, epoch: 1 });
    await clean(log);
    // The data batch is not the producer's last record any more: it goes whole.
    expect(contents(log)).toEqual(["ABORT(6)@1", "2:z=1", "3:y=1"]);
    log.roll();
    await clean(log, NOW);
    log.roll();
    await clean(log, NOW + POLICY.deleteRetentionMs);
    // Past the horizon the marker's record goes, but the batch stays: it holds producer 6's epoch.
    expect(contents(log)).toEqual(["empty-marker(6)", "2:z=1", "3:y=1"]);
    let epoch = -1;
    for (const b of log.batchesFrom(0)) {
      const v = new RecordBatchView(b);
      if (v.producerId === 6) epoch = v.producerEpoch;
    }
    expect(epoch).toBe(1);
  });

  test("the cleaner never cleans a segment at or past the LSO", async () => {
    const fs = new MemoryFileSystem();
    const log = open(fs);
    log.append(kv(["a=1"])); // 0
    log.append(kv(["a=2"])); // 1
    log.roll();
    log.append(kv(["t=open"], 5)); // 2: open transaction
    log.append(kv(["a=3"])); // 3
    log.roll();
    log.append(kv(["a=4"])); // 4
    log.roll();
    expect(log.lastStableOffset).toBe(2);
    const result = await clean(log);
    expect(result?.cleanedTo).toBe(2);
    expect(contents(log)).toEqual(["1:a=2", "2:t=open", "3:a=3", "4:a=4"]);
    end(log, 5, true);
    log.roll();
    expect((await clean(log))?.cleanedTo).toBe(log.segmentBaseOffsets.at(-1));
    expect(contents(log)).toEqual(["2:t=open", "4:a=4", "COMMIT(5)@5"]);
  });

  test("a swap interrupted after its commit point installs the cleaned .txnindex; one before it leaves the old", async () => {
    for (const crashAfterCommitPoint of [true, false]) {
      const fs = new MemoryFileSystem();
      let log = open(fs);
      log.append(kv(["a=1"], 9)); // 0
      log.append(kv(["b=1"])); // 1
      end(log, 9, false); // 2
      log.roll();
      log.append(kv(["c=1"])); // 3
      log.roll();
      const before = fs.readFile(`${DIR}/00000000000000000000.txnindex`).slice();
      expect(decodeAbortedTxns(before)).toEqual([{ producerId: 9, firstOffset: 0, lastOffset: 2, lastStableOffset: 3 }]);
      // Stop the swap at the rename that would finish it (the .swap log into place).
      const realRename = fs.rename.bind(fs);
      let stopped = false;
      fs.rename = (from: string, to: string) => {
        const stopHere = crashAfterCommitPoint ? from.endsWith(".txnindex.swap") : from.endsWith(".log.cleaned");
        if (stopHere && !stopped) {
          stopped = true;
          throw new Error("simulated crash");
        }
        realRename(from, to);
      };
      await expect(clean(log)).rejects.toThrow("simulated crash");
      fs.rename = realRename;
      fs.crash();
      log = open(fs);
      // Either way the data and the index agree: the aborted batch is read as aborted.
      expect(log.abortedTransactions(0, 4).map((t) => [t.producerId, t.firstOffset, t.lastOffset])).toEqual([[9, 0, 2]]);
      expect(fs.list(DIR).filter((n) => n.includes(".swap") || n.includes(".cleaned"))).toEqual([]);
      const kept = contents(log);
      expect(kept).toContain("ABORT(9)@2");
      expect(kept).toContain(crashAfterCommitPoint ? "0:empty" : "0:a=1");
    }
  });
});
