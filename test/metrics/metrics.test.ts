// The metrics pieces without a broker process: the exposition format (against
// prometheus_client's parser when python3 is there), the request counting the listeners
// announce to, partition traffic counted by the log's append and by Fetch, fsync announcements
// of the group commit, retention activity, and the scrape-time gauges (lag against the LSO,
// min-ISR health, an offline log dir) on a MemoryFileSystem store.

import { describe, expect, test } from "bun:test";
import { Exposition, Histogram, escapeLabelValue } from "../../src/metrics/exposition.ts";
import { RequestMetrics } from "../../src/metrics/request-metrics.ts";
import { BrokerMetrics } from "../../src/metrics/broker-metrics.ts";
import { MemoryPool } from "../../src/server/memory-pool.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { LogCleaner } from "../../src/storage/log-cleaner.ts";
import type { LogAppendSettings } from "../../src/storage/log-validator.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView, TRANSACTIONAL_MASK } from "../../src/records/record-batch.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import "../../src/handlers/index.ts";
import { coordinator } from "../groups/helpers.ts";
import { batchOf } from "../storage/batches.ts";
import { parsePrometheus, pythonAvailable } from "./prometheus-parser.ts";

const SETTINGS: LogAppendSettings = {
  maxMessageBytes: 1 << 20, segmentBytes: 1 << 20, logAppendTime: false,
  timestampBeforeMaxMs: Infinity, timestampAfterMaxMs: Infinity, compacted: false,
};

function openStore(fs = new MemoryFileSystem()): LogStore {
  return LogStore.open({ logDirs: ["/data"], fs, segmentBytes: 1 << 20, fsyncBeforeAck: true });
}

function sampleValue(text: string, line: string): number {
  const found = text.split("\n").find((l) => l.startsWith(`${line} `));
  if (found === undefined) throw new Error(`no sample ${line} in:\n${text}`);
  return Number(found.slice(line.length + 1));
}

describe("exposition", () => {
  test("HELP/TYPE once per family, escaped label values, cumulative histogram buckets", () => {
    const h = new Histogram([0.1, 1]);
    for (const v of [0.05, 0.1, 0.5, 3]) h.observe(v);
    const out = new Exposition()
      .family("x_total", "counter", "A counter\\with a backslash\nand a newline.")
      .sample("x_total", { topic: "a\"b\\c\nd", partition: 3 }, 7)
      .family("y_seconds", "histogram", "A histogram.")
      .histogram("y_seconds", { api: "Produce" }, h)
      .text();
    expect(out).toBe([
      "# HELP x_total A counter\\\\with a backslash\\nand a newline.",
      "# TYPE x_total counter",
      "x_total{topic=\"a\\\"b\\\\c\\nd\",partition=\"3\"} 7",
      "# HELP y_seconds A histogram.",
      "# TYPE y_seconds histogram",
      "y_seconds_bucket{api=\"Produce\",le=\"0.1\"} 2",
      "y_seconds_bucket{api=\"Produce\",le=\"1\"} 3",
      "y_seconds_bucket{api=\"Produce\",le=\"+Inf\"} 4",
      "y_seconds_sum{api=\"Produce\"} 3.65",
      "y_seconds_count{api=\"Produce\"} 4",
      "",
    ].join("\n"));
    expect(() => new Exposition().family("a", "gauge", "x").family("a", "gauge", "x")).toThrow(/declared twice/);
    expect(escapeLabelValue("plain")).toBe("plain");
  });

  const hasPython = pythonAvailable();
  test.if(hasPython)(`prometheus_client reads back the awkward label values as they were${hasPython ? "" : " (SKIPPED: no python3 with venv)"}`, async () => {
    const awkward = "quote\" backslash\\ newline\n unicode ✓ {braces}=,";
    const text = new Exposition().family("z", "gauge", "Z.").sample("z", { v: awkward }, 1.5).text();
    const [family] = await parsePrometheus(text);
    expect(family!.samples[0]!.labels.v).toBe(awkward);
    expect(family!.samples[0]!.value).toBe(1.5);
  }, 120_000);
});

describe("request metrics", () => {
  test("counts requests and latency per API key, and every non-zero errorCode in the response (byte fields skipped)", () => {
    const m = new RequestMetrics();
    const produceResponse = {
      responses: [{ name: "t", partitionResponses: [
        { index: 0, errorCode: ErrorCode.NONE, records: new Uint8Array([1, 2]) },
        { index: 1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER },
        { index: 2, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER },
      ] }],
      throttleTimeMs: 0,
    };
    m.requestCompleted(0, 2.5, produceResponse);
    m.requestCompleted(0, 0.05, null);
    m.requestCompleted(3, 1, { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, topics: [] });
    m.requestCompleted(-1, 1, { errorCode: 1 });
    expect(m.requests[0]).toBe(2);
    expect(m.requests[3]).toBe(1);
    expect([...m.errors[0]!]).toEqual([[ErrorCode.NOT_LEADER_OR_FOLLOWER, 2]]);
    expect([...m.errors[3]!]).toEqual([[ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 1]]);
    const h = m.latency[0]!;
    expect(h.count).toBe(2);
    expect(h.sum).toBeCloseTo(0.00255, 9);
    // 0.05 ms is in the first bucket (0.1 ms), 2.5 ms in the 2.5 ms one.
    expect(h.counts[0]).toBe(1);
    expect(h.counts[h.bounds.indexOf(0.0025)]).toBe(1);
    m.bytesReceived(10);
    m.bytesSent(32);
    expect([m.bytesIn, m.bytesOut]).toEqual([10, 32]);
  });
});

describe("partition traffic, fsync and retention activity", () => {
  test("appendAsLeader counts bytes and records in, per log and broker-wide; a fetch counts what it sent; deleting the topic keeps the broker's totals", () => {
    const store = openStore();
    const topic = store.metadata.createTopic("t", 2, { nodeId: 1 });
    const log = store.partition("t", 0)!;
    const batch = new RecordBatchView(batchOf(5));
    expect(log.appendAsLeader(batch, SETTINGS, Date.now(), "t-0").kind).toBe("appended");
    // A batch appended by the broker itself (a coordinator's records) is no client traffic.
    log.append(batchOf(3));
    expect([log.traffic.bytesIn, log.traffic.messagesIn]).toEqual([batch.sizeInBytes, 5]);
    const read = log.read(0, 1 << 20, true);
    if (read === "out-of-range") throw new Error("out of range");
    log.traffic.fetched(read.batches);
    expect(log.traffic.messagesOut).toBe(8);
    expect(log.traffic.bytesOut).toBe(read.batches.reduce((n, b) => n + b.length, 0));
    expect(store.traffic.messagesIn).toBe(5);
    expect(store.traffic.messagesOut).toBe(8);
    store.deleteTopic(topic.topicId);
    expect([store.traffic.messagesIn, store.traffic.messagesOut]).toEqual([5, 8]);
    store.close();
  });

  test("the group commit announces each log's fdatasync time", async () => {
    const store = openStore();
    store.metadata.createTopic("t", 2, { nodeId: 1 });
    const seen: number[] = [];
    store.groupCommit.onFsync((s) => seen.push(s));
    for (const p of [0, 1]) store.partition("t", p)!.appendAsLeader(new RecordBatchView(batchOf(1)), SETTINGS, Date.now(), `t-${p}`);
    const waits = [0, 1].map((p) => store.partition("t", p)!.whenDurable()!);
    await Promise.race([Promise.all(waits), Bun.sleep(5000).then(() => { throw new Error("not durable in 5 s"); })]);
    expect(seen.length).toBe(2);
    for (const s of seen) expect(s).toBeGreaterThanOrEqual(0);
    store.close();
  }, 10_000);

  test("a retention pass counts itself and the segments and bytes it deleted", () => {
    const store = LogStore.open({ logDirs: ["/data"], fs: new MemoryFileSystem(), segmentBytes: 1500, topicSettings: () => ({ segmentBytes: 1500, fileDeleteDelayMs: 0 }) });
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    const log = store.partition("t", 0)!;
    for (let i = 0; i < 4; i++) log.append(batchOf(10, { timestamp: 1_700_000_000_000 + i * 3_600_000, valueSize: 100 }));
    const before = log.sizeInBytes;
    expect(log.segmentCount).toBe(4);
    const deleted = store.applyRetention(() => ({ deleteEnabled: true, retentionMs: -1, retentionBytes: 1 }), Date.now());
    expect(deleted).toBe(3);
    expect(store.retentionActivity).toEqual({ passes: 1, segmentsDeleted: 3, bytesDeleted: before - log.sizeInBytes });
    store.close();
  });
});

test("a cleaner pass counts segments, bytes read and written, records removed", async () => {
  const store = LogStore.open({ logDirs: ["/data"], fs: new MemoryFileSystem(), segmentBytes: 400 });
  store.metadata.createTopic("c", 1, { nodeId: 1 });
  const log = store.partition("c", 0)!;
  const utf8 = new TextEncoder();
  const now = 1_800_000_000_000;
  for (let i = 0; i < 12; i++) {
    log.append(buildRecordBatch({ baseTimestamp: now - 3_600_000, records: [{ key: utf8.encode("k"), value: utf8.encode(`${i}`), timestamp: now - 3_600_000 }] }));
  }
  const policy = { compactEnabled: true, minCleanableDirtyRatio: 0.5, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER, deleteRetentionMs: 60_000, segmentBytes: 1 << 30 };
  const cleaner = new LogCleaner(store, () => policy, { dedupeBufferBytes: 1 << 20, ioMaxBytesPerSecond: Infinity, sliceBytes: 1 << 20 }, () => {});
  const pass = await cleaner.cleanOnce(now);
  expect(pass).not.toBeNull();
  const a = cleaner.activity;
  expect(a.passes).toBe(1);
  expect(a.segmentsCleaned).toBe(pass!.result.segments);
  expect([a.bytesRead, a.bytesWritten, a.recordsRemoved]).toEqual([pass!.result.bytesBefore, pass!.result.bytesAfter, pass!.result.recordsRemoved]);
  expect(a.recordsRemoved).toBeGreaterThan(0);
  expect(a.lastPassEndMs).toBeGreaterThan(0);
  store.close();
});

describe("scrape-time gauges", () => {
  function brokerMetrics(store: LogStore, minIsr = 1) {
    const { c: groups } = coordinator();
    const metrics = new BrokerMetrics({
      config: { nodeId: 1 }, store, groups, listeners: () => [], pool: new MemoryPool(1 << 20), requests: new RequestMetrics(),
      minInsyncReplicas: () => minIsr,
    });
    return { metrics, groups };
  }

  test("lag is against the last stable offset: an open transaction's records are not lag yet", () => {
    const store = openStore();
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    const log = store.partition("t", 0)!;
    log.append(batchOf(4));
    // Three records of producer 7's transaction, not ended.
    log.append(buildRecordBatch({ producerId: 7, producerEpoch: 0, baseSequence: 0, attributes: TRANSACTIONAL_MASK,
      records: [0, 1, 2].map((i) => ({ key: null, value: new Uint8Array([i]) })) }));
    expect([log.lastStableOffset, log.highWatermark]).toEqual([4, 7]);
    const { metrics, groups } = brokerMetrics(store);
    groups.offsets.put("g", "t", 0, { offset: 1, leaderEpoch: -1, metadata: "", commitTimestamp: 0, expireTimestamp: -1, recordOffset: 0 });
    const text = metrics.render();
    expect(sampleValue(text, 'bunka_consumer_group_lag{group="g",topic="t",partition="0"}')).toBe(3);
    expect(sampleValue(text, 'bunka_consumer_group_committed_offset{group="g",topic="t",partition="0"}')).toBe(1);
    expect(sampleValue(text, 'bunka_partition_last_stable_offset{topic="t",partition="0"}')).toBe(4);
    expect(sampleValue(text, 'bunka_partition_log_end_offset{topic="t",partition="0"}')).toBe(7);
    store.close();
  });

  test("a partition never written has zeros and is not opened (no directory created by a scrape)", () => {
    const store = openStore();
    store.metadata.createTopic("quiet", 2, { nodeId: 1 });
    const text = brokerMetrics(store, 1).metrics.render();
    expect(sampleValue(text, 'bunka_partition_log_end_offset{topic="quiet",partition="1"}')).toBe(0);
    expect(sampleValue(text, 'bunka_topic_partitions{topic="quiet"}')).toBe(2);
    expect([0, 1].map((p) => store.openedPartition("quiet", p))).toEqual([undefined, undefined]);
  });

  test("min.insync.replicas above the single replica, and an offline log dir, show as unhealthy", () => {
    const store = openStore();
    store.metadata.createTopic("t", 2, { nodeId: 1 });
    store.partition("t", 0);
    let text = brokerMetrics(store, 2).metrics.render();
    expect(sampleValue(text, 'bunka_partition_under_min_isr{topic="t",partition="1"}')).toBe(1);
    expect(sampleValue(text, "bunka_under_min_isr_partitions")).toBe(2);
    text = brokerMetrics(store, 1).metrics.render();
    expect(sampleValue(text, "bunka_under_min_isr_partitions")).toBe(0);
    expect(sampleValue(text, "bunka_offline_partitions")).toBe(0);
    store.failures.markOffline("/data", "test: disk gone");
    text = brokerMetrics(store, 1).metrics.render();
    expect(sampleValue(text, 'bunka_partition_offline{topic="t",partition="0"}')).toBe(1);
    expect(sampleValue(text, "bunka_under_min_isr_partitions")).toBe(2);
    expect(sampleValue(text, "bunka_offline_log_dirs")).toBe(1);
  });
});
