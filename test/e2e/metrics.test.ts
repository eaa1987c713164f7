// /metrics of the compiled broker after real clients worked on it (kafkajs: admin, producer,
// consumer group), read back with prometheus_client's parser (test/metrics/prometheus-parser.ts):
// the page parses, every family is typed, histograms are cumulative, and the figures are the
// traffic the clients made: records in and out per topic, log end offsets, the group's committed
// offsets and lag, requests and errors per API, connections, fsyncs.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Kafka, logLevel, type Admin, type Producer } from "kafkajs";
import { startBroker, type RunningBroker } from "../support/broker-process.ts";
import { parsePrometheus, pythonAvailable, type ParsedFamily } from "../metrics/prometheus-parser.ts";

const hasPython = pythonAvailable();
const TOPIC = "orders";
const GROUP = "metrics-group";

let broker: RunningBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

beforeAll(async () => {
  broker = await startBroker({ properties: { "auto.create.topics.enable": false } });
  kafka = new Kafka({ clientId: "metrics-test", brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
}, 30_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.stop();
});

export async function scrape(port: number): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  expect(r.status).toBe(200);
  expect(r.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return r.text();
}

/** The value of the sample `name` whose labels include `labels` (undefined: none). */
export function value(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return Number(s.value);
    }
  }
  return undefined;
}

/** Sum of every sample `name` whose labels include `labels`. */
export function sum(families: ParsedFamily[], name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const f of families) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total += Number(s.value);
    }
  }
  return total;
}

describe.if(hasPython)(hasPython ? "/metrics after real clients" : "/metrics after real clients (SKIPPED: no python3 with venv for prometheus_client)", () => {
  test("produce 20, consume and commit them, produce 7 more: the page parses and tells exactly that", async () => {
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
    const message = (i: number) => ({ key: `k${i}`, value: `value-${i}`, partition: i % 2 });
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 20 }, (_, i) => message(i)) });

    const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 10_000, rebalanceTimeout: 10_000 });
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    let seen = 0;
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          seen += batch.messages.length;
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(Number(batch.lastOffset()) + 1) }]);
          if (seen >= 20) resolve();
        },
      });
    });
    await Promise.race([done, Bun.sleep(20_000).then(() => { throw new Error(`consumed ${seen} of 20 in 20 s`); })]);
    await consumer.disconnect();
    await producer.send({ topic: TOPIC, acks: -1, messages: Array.from({ length: 7 }, (_, i) => message(20 + i)) });
    // An error a response carries: Metadata for a topic that does not exist (auto-creation off).
    await expect(admin.fetchTopicMetadata({ topics: ["no-such-topic"] })).rejects.toThrow();

    const text = await scrape(broker.ports.HTTP!);
    const families = await parsePrometheus(text);

    // Every family typed, named by Prometheus' conventions.
    expect(families.length).toBeGreaterThan(40);
    for (const f of families) {
      expect(["counter", "gauge", "histogram"]).toContain(f.type);
      expect(f.name).toMatch(/^(bunka|process)_[a-z0-9_]+$/);
      expect(f.documentation.length).toBeGreaterThan(5);
      if (f.type === "counter") expect(f.samples.every((s) => s.name === `${f.name}_total`)).toBe(true);
    }
    // Histograms: cumulative buckets, +Inf equal to _count.
    for (const f of families.filter((f) => f.type === "histogram")) {
      const series = new Map<string, number[]>();
      for (const s of f.samples.filter((s) => s.name.endsWith("_bucket"))) {
        const { le: _le, ...rest } = s.labels;
        const key = JSON.stringify(rest);
        series.set(key, [...(series.get(key) ?? []), Number(s.value)]);
      }
      for (const [key, buckets] of series) {
        for (let i = 1; i < buckets.length; i++) expect(buckets[i]!).toBeGreaterThanOrEqual(buckets[i - 1]!);
        expect(buckets.at(-1)!).toBe(value(families, `${f.name}_count`, JSON.parse(key))!);
      }
    }

    const topic = { topic: TOPIC };
    expect(value(families, "bunka_topic_messages_in_total", topic)).toBe(27);
    expect(value(families, "bunka_messages_in_total")).toBe(27);
    expect(value(families, "bunka_topic_bytes_in_total", topic)).toBeGreaterThan(27 * "value-0".length);
    expect(value(families, "bunka_topic_messages_out_total", topic)).toBeGreaterThanOrEqual(20);
    expect(value(families, "bunka_topic_bytes_out_total", topic)).toBeGreaterThan(0);
    expect(sum(families, "bunka_partition_log_end_offset", topic)).toBe(27);
    expect(sum(families, "bunka_partition_log_start_offset", topic)).toBe(0);
    expect(sum(families, "bunka_partition_log_size_bytes", topic)).toBe(value(families, "bunka_topic_log_size_bytes", topic)!);
    expect(value(families, "bunka_topic_partitions", topic)).toBe(2);
    expect(value(families, "bunka_partition_under_min_isr", { topic: TOPIC, partition: "0" })).toBe(0);
    expect(value(families, "bunka_under_min_isr_partitions")).toBe(0);

    // The group: 10 committed on each partition, 27 - 20 behind.
    const group = { group: GROUP, topic: TOPIC };
    expect(value(families, "bunka_consumer_group_committed_offset", { ...group, partition: "0" })).toBe(10);
    expect(value(families, "bunka_consumer_group_committed_offset", { ...group, partition: "1" })).toBe(10);
    expect(value(families, "bunka_consumer_group_lag", { ...group, partition: "0" })).toBe(4);
    expect(value(families, "bunka_consumer_group_lag", { ...group, partition: "1" })).toBe(3);
    expect(value(families, "bunka_consumer_group_lag_sum", { group: GROUP })).toBe(7);
    expect(value(families, "bunka_consumer_group_members", { group: GROUP })).toBe(0);

    // Requests: counted per API, each with its latency histogram; the Metadata error.
    const produces = value(families, "bunka_requests_total", { api: "Produce" })!;
    expect(produces).toBeGreaterThanOrEqual(2);
    expect(value(families, "bunka_request_duration_seconds_count", { api: "Produce" })).toBe(produces);
    expect(value(families, "bunka_requests_total", { api: "OffsetCommit" })).toBeGreaterThanOrEqual(2);
    expect(value(families, "bunka_requests_total", { api: "JoinGroup" })).toBeGreaterThanOrEqual(1);
    expect(value(families, "bunka_request_errors_total", { api: "Metadata", error: "UNKNOWN_TOPIC_OR_PARTITION" })).toBeGreaterThanOrEqual(1);
    expect(value(families, "bunka_request_errors_total", { api: "Produce" })).toBeUndefined();
    expect(value(families, "bunka_connections", { listener: "PLAINTEXT" })).toBeGreaterThanOrEqual(1);
    expect(value(families, "bunka_network_received_bytes_total")).toBeGreaterThan(0);
    expect(value(families, "bunka_network_sent_bytes_total")).toBeGreaterThan(0);
    // Acknowledgements wait for fsync (bunka.fsync.before.ack): the produces were fsynced.
    expect(value(families, "bunka_log_fsync_duration_seconds_count")).toBeGreaterThanOrEqual(2);
    expect(value(families, "process_resident_memory_bytes")).toBeGreaterThan(1 << 20);
    expect(value(families, "bunka_event_loop_delay_seconds_count")).toBeGreaterThan(0);
    expect(value(families, "bunka_log_retention_passes_total")).toBeGreaterThanOrEqual(0);
  }, 60_000);

  test("only GET and HEAD: a POST to /metrics is 405", async () => {
    const r = await fetch(`http://127.0.0.1:${broker.ports.HTTP}/metrics`, { method: "POST", signal: AbortSignal.timeout(5000) });
    expect(r.status).toBe(405);
  }, 10_000);
});
