// remote.fetch.max.wait.ms (Kafka's DelayedRemoteFetch): a Fetch that needs the bucket waits for
// it at most that long; on expiry the remote partition answers with no error, no records and a
// null aborted transactions list (Kafka's local read result for it), and the local partitions of
// the same Fetch with what they read, without waiting for min_bytes. The read goes on in the
// background and fills the cache, so the next Fetch is served. The bucket is held up here by the
// fake store's delay hook.

import { describe, expect, test } from "bun:test";
import { brokerConfigFrom } from "../../../src/config/broker-config.ts";
import { parseProperties } from "../../../src/config/properties.ts";
import { authorizerFor } from "../../../src/handlers/authorization.ts";
import "../../../src/handlers/01-fetch.ts";
import { FETCH, defaultFetchRequest, defaultFetchRequestFetchPartition, readFetchResponse, writeFetchRequest, type FetchRequest, type FetchResponse } from "../../../src/protocol/messages/fetch.ts";
import { MemoryFileSystem } from "../../../src/storage/fs.ts";
import { LogStore } from "../../../src/storage/log-store.ts";
import { PartitionLog, type RetentionPolicy } from "../../../src/storage/partition-log.ts";
import { MemoryObjectStore } from "../../../src/storage/tiered/memory-object-store.ts";
import { RemoteChunkCache } from "../../../src/storage/tiered/remote-chunk-cache.ts";
import { RemotePartitionLog } from "../../../src/storage/tiered/remote-partition-log.ts";
import { TieredStorage } from "../../../src/storage/tiered/tiered-storage.ts";
import { RecordBatchView } from "../../../src/records/record-batch.ts";
import { handlerHarness, type Codec, type HarnessBroker } from "../../support/handler-harness.ts";
import { batchOf } from "../batches.ts";

const KEEP_ALL: RetentionPolicy = { deleteEnabled: true, retentionMs: -1, retentionBytes: -1, remoteStorageEnable: true };
const LOCAL_NONE: RetentionPolicy = { ...KEEP_ALL, localRetentionBytes: 0 };
const WAIT_MS = 150;

/** A gate the fake bucket's reads wait behind while it is closed. */
class Gate {
  private open: (() => void) | null = null;
  private promise: Promise<void> | null = null;
  close(): void {
    this.promise = new Promise((resolve) => (this.open = resolve));
  }
  release(): void {
    this.open?.();
    this.promise = null;
  }
  wait(): Promise<void> | null {
    return this.promise;
  }
}

describe("RemotePartitionLog.read and remote.fetch.max.wait.ms", () => {
  test("a stuck bucket: 'expired' after the wait; the read goes on and fills the cache for the next one", async () => {
    const fs = new MemoryFileSystem();
    const store = new MemoryObjectStore();
    const log = PartitionLog.open("/logs/t-0", { fs, segmentBytes: 1500, fileDeleteDelayMs: 0, remoteLogEnabled: true });
    const tier = new RemotePartitionLog(log, { fs, store, cache: new RemoteChunkCache(store, 1 << 20), partitionKey: "t-0-x", fetchMaxWaitMs: WAIT_MS });
    log.attachRemote(tier);
    for (let i = 0; i < 4; i++) log.append(batchOf(10, { valueSize: 100 }));
    await tier.copy(Date.now());
    log.deleteOldSegments(LOCAL_NONE, Date.now());
    expect(log.readsRemote(0)).toBe(true);
    const gate = new Gate();
    store.delay = () => gate.wait();
    gate.close();
    const started = performance.now();
    expect(await log.readRemote(0, 10_000, true, false)).toBe("expired");
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 5);
    expect(waited).toBeLessThan(WAIT_MS + 2000);
    gate.release();
    // The background read completes into the cache: the next read needs no GET.
    await Bun.sleep(20);
    const gets = store.counts.get;
    const read = await log.readRemote(0, 10_000, true, false);
    if (read === "expired" || read === "out-of-range") throw new Error(read);
    expect(new RecordBatchView(read.batches[0]!).baseOffset).toBe(0);
    expect(store.counts.get).toBe(gets);
  });
});

describe("Fetch with remote.fetch.max.wait.ms", () => {
  const harness = handlerHarness("remote-fetch-wait");
  const codec: Codec<FetchRequest, FetchResponse> = { spec: FETCH, write: writeFetchRequest, read: readFetchResponse };

  /** A broker with topic "r" (its first segments only in the bucket) and topic "l" (local only). */
  async function broker(): Promise<{ b: HarnessBroker; store: MemoryObjectStore; gate: Gate }> {
    const dir = "/logs";
    const fs = new MemoryFileSystem();
    const store = new MemoryObjectStore();
    const gate = new Gate();
    store.delay = () => gate.wait();
    const tiered = new TieredStorage({ store, fs, fetchMaxWaitMs: WAIT_MS });
    const logs = LogStore.open({
      logDirs: [dir], fs, tiered, nodeId: 1,
      topicSettings: (t) => ({ segmentBytes: 1500, fileDeleteDelayMs: 0, remoteStorageEnable: t === "r" }),
    });
    for (const t of ["r", "l"]) {
      logs.metadata.createTopic(t, 1, { nodeId: 1 });
      for (let i = 0; i < 4; i++) logs.partition(t, 0)!.append(batchOf(10, { valueSize: 100 }));
    }
    await tiered.runOnce(() => KEEP_ALL);
    logs.partition("r", 0)!.deleteOldSegments(LOCAL_NONE, Date.now());
    expect(logs.partition("r", 0)!.readsRemote(0)).toBe(true);
    const config = brokerConfigFrom(parseProperties(`node.id=1\nlog.dirs=${dir}`), "test");
    const b: HarnessBroker = {
      broker: { config, store: logs, clusterId: "QnVua2FGaXh0dXJlQ2x1cw", groups: undefined as never, authorizer: authorizerFor(config, logs.metadata) },
      store: logs, dir, props: "", fs,
    };
    return { b, store, gate };
  }

  /** A Fetch v12 of r-0 and l-0 from offset 0, long-polling for far more than is there. */
  function fetchBoth(isolationLevel: number): FetchRequest {
    const p = { ...defaultFetchRequestFetchPartition(), partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 };
    return {
      ...defaultFetchRequest(), maxWaitMs: 10_000, minBytes: 10 << 20, maxBytes: 50 << 20, isolationLevel, sessionEpoch: -1,
      topics: [{ topic: "r", topicId: "0".repeat(32), partitions: [p] }, { topic: "l", topicId: "0".repeat(32), partitions: [p] }],
    };
  }

  test("a stuck bucket: the answer comes after remote.fetch.max.wait.ms, the remote partition empty without error, the local one with its data", async () => {
    const { b, gate } = await broker();
    gate.close();
    try {
      for (const isolation of [0, 1]) {
        const started = performance.now();
        const res = await harness.call(b, codec, 12, fetchBoth(isolation));
        const waited = performance.now() - started;
        // Not min_bytes' 10 s long poll: the remote wait bounds the answer.
        expect(waited).toBeGreaterThanOrEqual(WAIT_MS - 5);
        expect(waited).toBeLessThan(5000);
        const [r, l] = res.responses.map((t) => t.partitions[0]!);
        expect(r!.errorCode).toBe(0);
        expect(r!.records?.length ?? 0).toBe(0);
        expect(r!.abortedTransactions).toBeNull();
        expect(r!.highWatermark).toBe(40);
        expect(r!.logStartOffset).toBe(0);
        expect(l!.errorCode).toBe(0);
        expect(l!.records!.length).toBeGreaterThan(0);
        expect(new RecordBatchView(l!.records!).baseOffset).toBe(0);
      }
    } finally {
      gate.release();
    }
    // The bucket answers again: the remote partition's data comes.
    const res = await harness.call(b, codec, 12, fetchBoth(0));
    const r = res.responses[0]!.partitions[0]!;
    expect(r.errorCode).toBe(0);
    expect(new RecordBatchView(r.records!).baseOffset).toBe(0);
  }, 20_000);
});
