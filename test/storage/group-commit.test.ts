// Durable acknowledgements (group-commit.ts, PartitionLog.whenDurable): an append is acknowledged
// once the group commit has fsynced it, one round covers every append that arrived meanwhile on
// any partition, and a power loss (MemoryFileSystem's crash with loseUnsynced: every write not
// fsynced is gone) never takes an acknowledged record; recovery always succeeds.

import { describe, expect, test } from "bun:test";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import type { PartitionLog } from "../../src/storage/partition-log.ts";
import { StorageError } from "../../src/storage/log-dir-failures.ts";
import type { LogAppendSettings } from "../../src/storage/log-validator.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { prng as rng } from "../support/schema-values.ts";

const ROOT = "/data";
const SEGMENT_BYTES = 2048;
const SETTINGS: LogAppendSettings = {
  maxMessageBytes: 1 << 20, segmentBytes: SEGMENT_BYTES, logAppendTime: false,
  timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: Infinity, compacted: false,
};
const utf8 = new TextEncoder();
const turn = () => new Promise((r) => setImmediate(r));


function openStore(fs: MemoryFileSystem, extra: Partial<Parameters<typeof LogStore.open>[0]> = {}): LogStore {
  return LogStore.open({ logDirs: [ROOT], fs, segmentBytes: SEGMENT_BYTES, indexIntervalBytes: 256, ...extra });
}

function batch(values: string[]): RecordBatchView {
  return new RecordBatchView(buildRecordBatch({
    baseTimestamp: 1_700_000_000_000,
    records: values.map((v, i) => ({ key: utf8.encode(`k${i}`), value: utf8.encode(v.padEnd(60, ".")), timestamp: 1_700_000_000_000 + i })),
  }));
}

function values(log: PartitionLog): string[] {
  const out: string[] = [];
  for (const bytes of log.batchesFrom(log.logStartOffset)) {
    const view = new RecordBatchView(bytes);
    expect(view.isCrcValid()).toBe(true);
    for (const r of decodeRecords(view)) out.push(new TextDecoder().decode(r.value!).replace(/\.+$/, ""));
  }
  return out;
}

describe("group commit", () => {
  test("appends on several partitions in one turn share one round; each waiter hears once its log is on disk", async () => {
    const fs = new MemoryFileSystem();
    const store = openStore(fs);
    store.metadata.createTopic("t", 4, { nodeId: 1 });
    const logs = [0, 1, 2, 3].map((p) => store.partition("t", p)!);
    const before = store.groupCommit.roundCount;
    const waits: Promise<void>[] = [];
    for (let i = 0; i < 12; i++) {
      const log = logs[i % 4]!;
      expect(log.appendAsLeader(batch([`v${i}`]), SETTINGS, Date.now(), `t-${i % 4}`).kind).toBe("appended");
      waits.push(log.whenDurable()!);
    }
    await Promise.race([Promise.all(waits), Bun.sleep(5000).then(() => { throw new Error("not durable within 5 s"); })]);
    expect(store.groupCommit.roundCount - before).toBe(1);
    // What was acknowledged survives a power loss.
    fs.crash({ loseUnsynced: true });
    const reopened = openStore(fs);
    for (let p = 0; p < 4; p++) expect(values(reopened.partition("t", p)!)).toEqual([0, 1, 2].map((k) => `v${k * 4 + p}`));
    reopened.close();
  });

  test("power loss at random moments never takes an acknowledged record; recovery always succeeds", async () => {
    const seeds = Number(process.env.BUNKA_POWER_LOSS_SEEDS ?? 30);
    const deadline = Date.now() + 20_000;
    let crashes = 0;
    for (let seed = 1; seed <= seeds && Date.now() < deadline; seed++) {
      const random = rng(seed);
      const fs = new MemoryFileSystem();
      let store = openStore(fs);
      store.metadata.createTopic("t", 3, { nodeId: 1 });
      // Per partition: the values acknowledged so far (in order), and every value ever appended.
      const acked: Set<string>[] = [new Set(), new Set(), new Set()];
      const appended: string[][] = [[], [], []];
      for (let round = 0; round < 3; round++) {
        const steps = 20 + Math.floor(random() * 60);
        for (let i = 0; i < steps; i++) {
          const p = Math.floor(random() * 3);
          const log = store.partition("t", p)!;
          const vs = Array.from({ length: 1 + Math.floor(random() * 4) }, (_, k) => `s${seed}r${round}i${i}k${k}`);
          if (log.appendAsLeader(batch(vs), SETTINGS, Date.now(), `t-${p}`).kind !== "appended") throw new Error("append refused");
          appended[p]!.push(...vs);
          // A flush still in flight when the power goes fails (its file handle is gone): never acknowledged.
          log.whenDurable()!.then(() => { for (const v of vs) acked[p]!.add(v); }, () => {});
          // Sometimes let the event loop (and the group commit) run.
          if (random() < 0.3) await turn();
        }
        // The power goes at a random point: between turns, with fsyncs in flight or not.
        if (random() < 0.5) await turn();
        fs.crash({ loseUnsynced: true });
        crashes++;
        store = openStore(fs);
        for (let p = 0; p < 3; p++) {
          const got = values(store.partition("t", p)!);
          // Everything acknowledged is there; what is there is a prefix of what was appended.
          for (const v of acked[p]!) expect(got).toContain(v);
          expect(appended[p]!.slice(0, got.length)).toEqual(got);
          appended[p] = got;
          acked[p] = new Set(got);
        }
      }
      store.close();
    }
    expect(crashes).toBeGreaterThanOrEqual(30);
  }, 30_000);

  test("a failed fdatasync rejects its waiters with StorageError and takes the log dir offline", async () => {
    const fs = new MemoryFileSystem();
    const store = openStore(fs);
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    const log = store.partition("t", 0)!;
    log.appendAsLeader(batch(["a"]), SETTINGS, Date.now(), "t-0");
    fs.failIo((op) => op === "sync");
    const error = await log.whenDurable()!.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(StorageError);
    expect(store.failures.isOffline(ROOT)).toBe(true);
    const refused = log.appendAsLeader(batch(["b"]), SETTINGS, Date.now(), "t-0");
    expect(refused).toMatchObject({ kind: "rejected", error: "KAFKA_STORAGE_ERROR" });
  });

  test("bunka.fsync.before.ack=false: nothing waits; flush.messages still flushes in the background", async () => {
    const fs = new MemoryFileSystem();
    const store = openStore(fs, { fsyncBeforeAck: false });
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    const log = store.partition("t", 0)!;
    log.appendAsLeader(batch(["a"]), SETTINGS, Date.now(), "t-0");
    expect(log.whenDurable()).toBeNull();
    await turn();
    await turn();
    fs.crash({ loseUnsynced: true });
    let reopened = openStore(fs, { fsyncBeforeAck: false });
    expect(values(reopened.partition("t", 0)!)).toEqual([]); // page cache only: lost
    const log2 = reopened.partition("t", 0)!;
    log2.configure({ flushMessages: 2 });
    log2.appendAsLeader(batch(["b", "c"]), SETTINGS, Date.now(), "t-0");
    await turn();
    await turn();
    fs.crash({ loseUnsynced: true });
    reopened = openStore(fs, { fsyncBeforeAck: false });
    expect(values(reopened.partition("t", 0)!)).toEqual(["b", "c"]);
    reopened.close();
  });
});
