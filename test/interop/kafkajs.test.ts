// Interop: kafkajs (unmodified, default settings) against the broker.
//
// Admin creates 3-partition topics, lists them, grows one to 4 partitions, describes a topic's
// configs and the cluster, and deletes a topic; a plain producer and an
// idempotent producer each send 10,000 keyed messages with headers and explicit timestamps.
// kafkajs' consumer needs consumer groups, so the messages are read back with raw Fetch requests
// (test/interop/raw-fetch.ts) and checked: every message exactly once, contiguous offsets, send
// order kept within each partition, one partition per key, keys/headers/timestamps intact, and
// producer id / sequence numbers as the producer kind implies.
//
// The broker: a fresh ./bunka on a free port, or the one at INTEROP_BOOTSTRAP (host:port) — point
// it at a real Kafka to check the test itself. INTEROP_BROKER_LOG=<file>: save Bunka's log there.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type RecordMetadata } from "kafkajs";
import { startBroker, type RunningBroker } from "../support/broker-process.ts";
import { connect, fetchPartition } from "./raw-fetch.ts";

const MESSAGES = 10_000;
const PER_SEND = 1_000;
const PARTITIONS = 3;
const KEYS = 97;

const suffix = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const plainTopic = `kafkajs-plain-${suffix}`;
const idemTopic = `kafkajs-idem-${suffix}`;
const scratchTopic = `kafkajs-scratch-${suffix}`;

let broker: RunningBroker | null = null;
let bootstrap: string;
let kafka: Kafka;
let admin: Admin | null = null;

beforeAll(async () => {
  if (process.env.INTEROP_BOOTSTRAP) {
    bootstrap = process.env.INTEROP_BOOTSTRAP;
  } else {
    broker = await startBroker();
    bootstrap = `127.0.0.1:${broker.port}`;
  }
  kafka = new Kafka({ clientId: "bunka-interop-kafkajs", brokers: [bootstrap], logLevel: logLevel.NOTHING });
});

afterAll(async () => {
  await admin?.disconnect().catch(() => {});
  if (broker) {
    if (process.env.INTEROP_BROKER_LOG) writeFileSync(process.env.INTEROP_BROKER_LOG, broker.output());
    await broker.stop();
  }
});

interface Sent {
  key: string;
  value: string;
  timestamp: number;
  headers: Record<string, string>;
}

function messagesFor(kind: string, baseTimestamp: number): Sent[] {
  return Array.from({ length: MESSAGES }, (_, i) => ({
    key: `key-${i % KEYS}`,
    value: `${kind}:${i}:${"v".repeat(i % 50)}`,
    timestamp: baseTimestamp + i,
    headers: { "h-index": String(i), "h-kind": kind, "h-empty": "" },
  }));
}

async function getAdmin(): Promise<Admin> {
  if (!admin) {
    const a = kafka.admin();
    await a.connect();
    admin = a;
  }
  return admin;
}

const dec = new TextDecoder();

/**
 * Reads every partition of `topic` with raw fetches and checks it holds exactly `sent`, each
 * partition in send order, with keys, headers and timestamps intact. Returns what is wrong, and
 * the batches of each partition.
 */
async function verifyTopic(topic: string, sent: Sent[], kind: string) {
  const client = await connect(bootstrap);
  const problems: string[] = [];
  const seen = new Uint8Array(sent.length);
  const keyPartition = new Map<string, number>();
  const batchesByPartition: Awaited<ReturnType<typeof fetchPartition>>["batches"][] = [];
  try {
    for (let p = 0; p < PARTITIONS; p++) {
      let got;
      try {
        got = await fetchPartition(client, topic, p);
      } catch (e) {
        problems.push((e as Error).message);
        batchesByPartition.push([]);
        continue;
      }
      batchesByPartition.push(got.batches);
      let expectOffset = 0;
      let lastIndex = -1;
      for (const { view, records } of got.batches) {
        if (records === null) {
          problems.push(`p${p}: batch at ${view.baseOffset} is compressed (codec ${view.compression}); kafkajs sends none by default`);
          continue;
        }
        if (view.timestampType !== 0) problems.push(`p${p}: batch at ${view.baseOffset} has LogAppendTime`);
        for (const rec of records) {
          if (rec.offset !== expectOffset) problems.push(`p${p}: offset ${rec.offset}, expected ${expectOffset}`);
          expectOffset = rec.offset + 1;
          const value = rec.value ? dec.decode(rec.value) : null;
          const m = value ? /^([a-z]+):(\d+):/.exec(value) : null;
          if (!m || m[1] !== kind) {
            problems.push(`p${p}@${rec.offset}: unexpected value ${JSON.stringify(value?.slice(0, 40))}`);
            continue;
          }
          const i = Number(m[2]);
          const want = sent[i]!;
          if (value !== want.value) problems.push(`p${p}@${rec.offset}: value of #${i} differs`);
          if (seen[i]) problems.push(`#${i} appears twice (again at p${p}@${rec.offset})`);
          seen[i] = 1;
          if (i <= lastIndex) problems.push(`p${p}@${rec.offset}: #${i} after #${lastIndex} (out of send order)`);
          lastIndex = i;
          const key = rec.key ? dec.decode(rec.key) : null;
          if (key !== want.key) problems.push(`p${p}@${rec.offset}: key ${key}, expected ${want.key}`);
          const kp = keyPartition.get(want.key);
          if (kp !== undefined && kp !== p) problems.push(`key ${want.key} in partitions ${kp} and ${p}`);
          keyPartition.set(want.key, p);
          if (rec.timestamp !== want.timestamp) problems.push(`p${p}@${rec.offset}: timestamp ${rec.timestamp}, expected ${want.timestamp}`);
          const headers = Object.fromEntries(rec.headers.map((h) => [h.key, h.value ? dec.decode(h.value) : null]));
          if (rec.headers.length !== 3 || JSON.stringify(headers) !== JSON.stringify(want.headers)) {
            problems.push(`p${p}@${rec.offset}: headers ${JSON.stringify(headers)}, expected ${JSON.stringify(want.headers)}`);
          }
        }
      }
      if (expectOffset !== got.highWatermark) problems.push(`p${p}: read up to ${expectOffset}, high watermark ${got.highWatermark}`);
      if (got.batches.length === 0) problems.push(`p${p}: empty (${KEYS} keys should spread over all ${PARTITIONS} partitions)`);
    }
  } finally {
    client.close();
  }
  const missing = sent.length - seen.reduce((a, b) => a + b, 0);
  if (missing > 0) problems.push(`${missing} of ${sent.length} messages never read back`);
  return { problems, batchesByPartition };
}

async function produceAll(topic: string, sent: Sent[], idempotent: boolean): Promise<RecordMetadata[]> {
  const producer = kafka.producer({ idempotent });
  await producer.connect();
  const results: RecordMetadata[] = [];
  try {
    for (let at = 0; at < sent.length; at += PER_SEND) {
      results.push(...await producer.send({
        topic,
        messages: sent.slice(at, at + PER_SEND).map((m) => ({
          key: m.key, value: m.value, timestamp: String(m.timestamp), headers: m.headers,
        })),
      }));
    }
  } finally {
    await producer.disconnect();
  }
  for (const r of results) expect(r.errorCode).toBe(0);
  return results;
}

describe("kafkajs", () => {
  test("admin: createTopics makes 3-partition topics with leaders", async () => {
    const a = await getAdmin();
    const created = await a.createTopics({
      topics: [plainTopic, idemTopic, scratchTopic].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })),
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    const meta = await a.fetchTopicMetadata({ topics: [plainTopic, idemTopic, scratchTopic] });
    for (const t of meta.topics) {
      expect(t.partitions.map((p) => p.partitionId).sort()).toEqual([0, 1, 2]);
      for (const p of t.partitions) {
        expect(p.partitionErrorCode).toBe(0);
        expect(p.leader).toBeGreaterThanOrEqual(0);
      }
    }
    // Creating one again is an error (TOPIC_ALREADY_EXISTS makes createTopics resolve false).
    expect(await a.createTopics({ topics: [{ topic: scratchTopic, numPartitions: PARTITIONS, replicationFactor: 1 }] })).toBe(false);
  });

  test("admin: listTopics lists the new topics", async () => {
    const topics = await (await getAdmin()).listTopics();
    expect({ notListed: [plainTopic, idemTopic, scratchTopic].filter((t) => !topics.includes(t)) }).toEqual({ notListed: [] });
  });

  test("admin: createPartitions grows a topic from 3 to 4 partitions", async () => {
    const a = await getAdmin();
    await a.createPartitions({ topicPartitions: [{ topic: scratchTopic, count: 4 }] });
    let ids: number[] = [];
    for (let i = 0; i < 50; i++) {
      const meta = await a.fetchTopicMetadata({ topics: [scratchTopic] });
      ids = meta.topics[0]!.partitions.map((p) => p.partitionId).sort();
      if (ids.length === 4) break;
      await Bun.sleep(100);
    }
    expect(ids).toEqual([0, 1, 2, 3]);
  });

  test("admin: describeConfigs (topic) and describeCluster", async () => {
    const a = await getAdmin();
    const { resources } = await a.describeConfigs({
      resources: [{ type: ConfigResourceTypes.TOPIC, name: plainTopic }], includeSynonyms: false,
    });
    expect(resources.length).toBe(1);
    expect(resources[0]!.errorCode).toBe(0);
    expect(resources[0]!.resourceName).toBe(plainTopic);
    const configs = new Map(resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(configs.get("cleanup.policy")).toBe("delete");
    expect(configs.get("retention.ms")).toMatch(/^-?\d+$/);
    expect(configs.get("max.message.bytes")).toMatch(/^\d+$/);
    const cluster = await a.describeCluster();
    const [host, port] = [bootstrap.slice(0, bootstrap.lastIndexOf(":")), Number(bootstrap.slice(bootstrap.lastIndexOf(":") + 1))];
    expect(cluster.brokers).toEqual([expect.objectContaining({ host, port })]);
    expect(cluster.brokers[0]!.nodeId).toBe(cluster.controller!);
    expect(cluster.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  test("admin: deleteTopics removes a topic", async () => {
    const a = await getAdmin();
    await a.deleteTopics({ topics: [scratchTopic] });
    // Deletion is asynchronous on a real cluster: give the metadata a moment to catch up.
    let topics: string[] = [];
    for (let i = 0; i < 50; i++) {
      topics = await a.listTopics();
      if (!topics.includes(scratchTopic)) break;
      await Bun.sleep(100);
    }
    expect(topics).not.toContain(scratchTopic);
    expect({ notListed: [plainTopic, idemTopic].filter((t) => !topics.includes(t)) }).toEqual({ notListed: [] });
  });

  test("producer: 10,000 keyed messages with headers, read back intact and in order", async () => {
    const sent = messagesFor("plain", Date.now() - 60_000);
    const results = await produceAll(plainTopic, sent, false);
    expect(results.length).toBeGreaterThan(0);
    const { problems, batchesByPartition } = await verifyTopic(plainTopic, sent, "plain");
    for (const { view } of batchesByPartition.flat()) {
      if (view.producerId !== -1) problems.push(`batch at ${view.baseOffset} has producer id ${view.producerId}; the producer is not idempotent`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
  });

  test("idempotent producer: 10,000 messages, producer id and gap-free sequences per partition", async () => {
    const sent = messagesFor("idem", Date.now() - 60_000);
    await produceAll(idemTopic, sent, true);
    const { problems, batchesByPartition } = await verifyTopic(idemTopic, sent, "idem");
    const ids = new Set<string>();
    batchesByPartition.forEach((partition, p) => {
      let sequence = 0;
      for (const { view } of partition) {
        ids.add(`${view.producerId}/${view.producerEpoch}`);
        if (view.producerId < 0 || view.producerEpoch < 0) {
          problems.push(`p${p}: batch at ${view.baseOffset} has producer id ${view.producerId}, epoch ${view.producerEpoch}`);
        }
        if (view.baseSequence !== sequence) problems.push(`p${p}: batch at ${view.baseOffset} has base sequence ${view.baseSequence}, expected ${sequence}`);
        sequence = view.baseSequence + view.recordCount;
      }
    });
    if (ids.size > 1) problems.push(`${ids.size} producer id/epoch pairs: ${[...ids].slice(0, 3).join(", ")}`);
    expect(problems.slice(0, 10)).toEqual([]);
  });
});
