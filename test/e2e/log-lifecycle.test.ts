// The log lifecycle end to end, on the compiled broker with small segments and fast checks:
// time retention, size retention, DeleteRecords, a compacted topic (newest value per key, no
// tombstone once delete.retention.ms has passed), a live retention.ms change, and all of it
// after kill -9 and a restart.
// Clients: kafkajs (unmodified) for admin and produce; raw Fetch requests to read back.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ConfigResourceTypes, Kafka, logLevel, type Admin, type Producer } from "kafkajs";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { connect, fetchPartition } from "../interop/raw-fetch.ts";

const PROPS = {
  "log.segment.bytes": 2048,
  "log.retention.check.interval.ms": 200,
  "log.cleaner.backoff.ms": 200,
  "log.segment.delete.delay.ms": 0,
  "num.partitions": 1,
};
const HOUR = 3_600_000;

let logDir: string;
let broker: RunningBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

async function start(): Promise<void> {
  broker = await startBroker({ logDir, properties: PROPS });
  kafka = new Kafka({ clientId: "bunka-log-lifecycle", brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
}

async function stopClients(): Promise<void> {
  await producer?.disconnect().catch(() => {});
  await admin?.disconnect().catch(() => {});
}

beforeAll(async () => {
  logDir = tempDir("bunka-lifecycle-");
  await start();
});

afterAll(async () => {
  await stopClients();
  await broker?.stop();
});

async function earliest(topic: string): Promise<number> {
  const [p] = await admin.fetchTopicOffsets(topic);
  return Number(p!.low);
}

/** Polls until `cond` holds, every 100 ms, failing with `what` after `ms`. */
async function until(what: string, cond: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; broker output:\n${broker.output()}`);
    await Bun.sleep(100);
  }
}

/** Every record from the log start: "key=value" ("key=null" for a tombstone), in offset order. */
async function readAll(topic: string): Promise<string[]> {
  const client = await connect(`127.0.0.1:${broker.port}`);
  try {
    const from = await earliest(topic);
    const got = await fetchPartition(client, topic, 0, { fromOffset: from });
    const dec = new TextDecoder();
    return got.batches.flatMap((b) => (b.records ?? []).map((r) =>
      `${r.key ? dec.decode(r.key) : ""}=${r.value === null ? "null" : dec.decode(r.value)}`));
  } finally {
    client.close();
  }
}

const value = (i: number) => `v${i}-${"x".repeat(200)}`;

describe("retention, DeleteRecords and compaction on a running broker", () => {
  test("time retention: segments whose records are older than retention.ms go; the log start offset follows", async () => {
    await admin.createTopics({ topics: [{ topic: "timed", configEntries: [{ name: "retention.ms", value: String(HOUR) }] }] });
    const old = Date.now() - 2 * HOUR;
    for (let i = 0; i < 40; i++) await producer.send({ topic: "timed", messages: [{ key: `k${i}`, value: value(i), timestamp: String(old) }] });
    for (let i = 40; i < 45; i++) await producer.send({ topic: "timed", messages: [{ key: `k${i}`, value: value(i) }] });
    // Every segment holding only records from two hours ago goes (the retention check may also
    // run while the old records are still being sent, and take what was there then).
    await until("the old segments to be deleted", async () => (await earliest("timed")) >= 30);
    // The new records are never deleted: at most the old ones sharing their segment remain.
    expect(await earliest("timed")).toBeLessThanOrEqual(40);
    const left = await readAll("timed");
    expect(left.slice(-5)).toEqual([40, 41, 42, 43, 44].map((i) => `k${i}=${value(i)}`));
  }, 60_000);

  test("size retention: the log keeps at most retention.bytes (whole segments)", async () => {
    await admin.createTopics({ topics: [{ topic: "sized", configEntries: [{ name: "retention.bytes", value: "4096" }] }] });
    for (let i = 0; i < 60; i++) await producer.send({ topic: "sized", messages: [{ key: `k${i}`, value: value(i) }] });
    await until("the log to shrink", async () => (await earliest("sized")) > 0);
    const left = await readAll("sized");
    expect(left.length).toBeLessThan(60);
    expect(left.at(-1)).toBe(`k59=${value(59)}`);
  }, 60_000);

  test("DeleteRecords (kafkajs deleteTopicRecords): the low watermark moves, reads below it are out of range", async () => {
    await admin.createTopics({ topics: [{ topic: "purged" }] });
    for (let i = 0; i < 30; i++) await producer.send({ topic: "purged", messages: [{ key: `k${i}`, value: value(i) }] });
    // kafkajs looks the leader up in the admin client's metadata cache: refresh it first.
    await admin.fetchTopicMetadata({ topics: ["purged"] });
    await admin.deleteTopicRecords({ topic: "purged", partitions: [{ partition: 0, offset: "17" }] });
    expect(await earliest("purged")).toBe(17);
    const left = await readAll("purged");
    expect(left[0]).toBe(`k17=${value(17)}`);
    const client = await connect(`127.0.0.1:${broker.port}`);
    try {
      await expect(fetchPartition(client, "purged", 0, { fromOffset: 3, timeoutMs: 5000 })).rejects.toThrow(/OFFSET_OUT_OF_RANGE/);
    } finally {
      client.close();
    }
  }, 60_000);

  test("compaction: consumers see the newest value of each key, and no tombstone after delete.retention.ms", async () => {
    await admin.createTopics({
      topics: [{
        topic: "compacted",
        configEntries: [
          { name: "cleanup.policy", value: "compact" },
          { name: "min.cleanable.dirty.ratio", value: "0.01" },
          { name: "delete.retention.ms", value: "1000" },
          { name: "segment.ms", value: "100" },
        ],
      }],
    });
    for (let round = 0; round < 10; round++) {
      await producer.send({ topic: "compacted", messages: Array.from({ length: 5 }, (_, k) => ({ key: `key${k}`, value: `r${round}-${"y".repeat(100)}` })) });
    }
    await producer.send({ topic: "compacted", messages: [{ key: "key0", value: null }] });
    // A later record rolls the segment (segment.ms) so that the tombstone's segment can be cleaned.
    await Bun.sleep(150);
    await producer.send({ topic: "compacted", messages: [{ key: "later", value: "1" }] });
    await until("the tombstone to be cleaned away", async () => {
      await Bun.sleep(150);
      // Appends keep rolling segments so that everything before them is cleanable.
      await producer.send({ topic: "compacted", messages: [{ key: "later", value: "1" }] });
      const all = await readAll("compacted");
      return !all.some((r) => r.startsWith("key0=")) && all.filter((r) => r.startsWith("key1=")).length === 1;
    }, 30_000);
    const all = await readAll("compacted");
    for (let k = 1; k < 5; k++) expect(all.filter((r) => r.startsWith(`key${k}=`))).toEqual([`key${k}=r9-${"y".repeat(100)}`]);
    // The passes ran in the cleaner worker of the compiled binary.
    expect(broker.output()).toMatch(/log cleaner: compacted-0: \d+ segment\(s\) cleaned/);
    expect(broker.output()).not.toContain("log cleaner worker failed");
  }, 60_000);

  test("a live config change (AlterConfigs: retention.ms lowered) takes effect without a restart", async () => {
    await admin.createTopics({ topics: [{ topic: "altered" }] });
    const old = Date.now() - 2 * HOUR;
    for (let i = 0; i < 30; i++) await producer.send({ topic: "altered", messages: [{ key: `k${i}`, value: value(i), timestamp: String(old) }] });
    await producer.send({ topic: "altered", messages: [{ key: "new", value: "1" }] });
    // The default retention (7 days) keeps everything through several checks.
    await Bun.sleep(600);
    expect(await earliest("altered")).toBe(0);
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: "altered", configEntries: [{ name: "retention.ms", value: String(HOUR) }] }],
    });
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: "altered", configNames: ["retention.ms"] }] });
    expect(described.resources[0]!.configEntries[0]).toMatchObject({ configName: "retention.ms", configValue: String(HOUR) });
    await until("the lowered retention.ms to delete the old segments", async () => (await earliest("altered")) > 0);
  }, 60_000);

  test("after kill -9 and a restart: the log start offsets and the compacted contents are as before", async () => {
    const before = {
      timed: await earliest("timed"), sized: await earliest("sized"), purged: await earliest("purged"), altered: await earliest("altered"),
      compacted: (await readAll("compacted")).filter((r) => !r.startsWith("later=")),
    };
    await stopClients();
    await broker.kill9();
    await start();
    expect(await earliest("timed")).toBeGreaterThanOrEqual(before.timed);
    expect(await earliest("sized")).toBeGreaterThanOrEqual(before.sized);
    expect(await earliest("purged")).toBe(before.purged);
    // The altered config survived too (a ConfigRecord): retention keeps applying it.
    expect(await earliest("altered")).toBeGreaterThanOrEqual(before.altered);
    const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: "altered", configNames: ["retention.ms"] }] });
    expect(described.resources[0]!.configEntries[0]!.configValue).toBe(String(HOUR));
    expect((await readAll("compacted")).filter((r) => !r.startsWith("later="))).toEqual(before.compacted);
  }, 60_000);
});
