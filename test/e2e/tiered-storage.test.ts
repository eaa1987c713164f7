// Tiered storage end to end: the compiled broker with remote.log.storage.system.enable and a real
// S3-compatible server (test/support/s3-server.ts) started here. A topic with
// remote.storage.enable=true and local.retention.bytes=0: produce, segments roll, are uploaded and
// leave the disk, and a kafkajs consumer from offset 0 reads every record, in order, once (the
// old ones from the bucket). Then the bucket goes away for a while: produce keeps working on the
// local disk, nothing is deleted locally, and once the bucket is back the uploads catch up and a
// consumer from 0 still reads everything. DeleteTopics deletes a topic's objects from the bucket,
// also when the bucket is down at the time and the broker is killed (-9) before it comes back.
// remote.log.copy.disable set by AlterConfigs stops uploads (remote reads go on) until unset.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type Admin, type Producer } from "kafkajs";
import { startBroker, type RunningBroker } from "../support/broker-process.ts";
import { S3TestServer, s3ServerBinary } from "../support/s3-server.ts";
import { S3ObjectStore } from "../../src/storage/tiered/s3-object-store.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { readListOffsetsResponse, writeListOffsetsRequest } from "../../src/protocol/messages/list-offsets.ts";
import { WireClient } from "../support/wire-client.ts";
import { defaultFetchRequest, defaultFetchRequestFetchPartition, readFetchResponse, writeFetchRequest } from "../../src/protocol/messages/fetch.ts";

const binary = s3ServerBinary();
if (binary === null) console.warn("tiered-storage.test.ts: SKIPPED: no S3 test server (test/support/s3-server-dist.sh needs Go)");

const TOPIC = "tiered";
const VALUE = "x".repeat(300);

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(100);
  }
}

describe.skipIf(binary === null)("tiered storage against a real S3 server", () => {
  let s3: S3TestServer;
  let broker: RunningBroker;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let bucket: S3ObjectStore;

  let logDir: string;
  const brokerOptions = () => ({
    logDir,
    properties: {
      "internal.log.segment.bytes": 4096,
      "log.segment.delete.delay.ms": 0,
      "log.retention.check.interval.ms": 200,
      "remote.log.storage.system.enable": true,
      "remote.log.manager.task.interval.ms": 200,
      // Not Kafka's 500 ms: a loaded test machine must not turn a slow remote read into an empty answer.
      "remote.fetch.max.wait.ms": 5000,
      "bunka.remote.storage.s3.endpoint": s3.endpoint,
      "bunka.remote.storage.s3.bucket": s3.bucket,
      "bunka.remote.storage.s3.prefix": "bunka",
    },
    env: { AWS_ACCESS_KEY_ID: "bunka", AWS_SECRET_ACCESS_KEY: "bunka-secret", AWS_REGION: "us-east-1" },
  });

  /** Starts the broker on logDir (again) with its admin and producer connected. */
  async function startAndConnect(): Promise<void> {
    broker = await startBroker(brokerOptions());
    kafka = new Kafka({ clientId: "bunka-tiered", brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
  }

  beforeAll(async () => {
    s3 = await S3TestServer.start(binary!);
    bucket = new S3ObjectStore({ ...s3.settings, prefix: "bunka/" });
    logDir = mkdtempSync(join(tmpdir(), "bunka-tiered-"));
    await startAndConnect();
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, configEntries: [
        { name: "remote.storage.enable", value: "true" }, { name: "local.retention.bytes", value: "0" },
      ] }],
    });
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect();
    await admin?.disconnect();
    await broker?.stop();
    await s3?.stop();
    if (logDir) rmSync(logDir, { recursive: true, force: true });
  });

  /** A raw Fetch v12 at `fetchOffset`: the partition's error code and how many record bytes came back. */
  async function rawFetch(fetchOffset: number): Promise<{ errorCode: number; bytes: number }> {
    const client = await WireClient.connect(broker.port);
    client.send(1, 12, 9, 2, (w) => writeFetchRequest(w, 12, {
      ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1,
      topics: [{ topic: TOPIC, topicId: "0".repeat(32), partitions: [{ ...defaultFetchRequestFetchPartition(), partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
    }));
    const r = new Reader(await client.receive());
    expect(r.int32()).toBe(9);
    r.skipTaggedFields();
    const p = readFetchResponse(r, 12).responses[0]!.partitions[0]!;
    client.close();
    return { errorCode: p.errorCode, bytes: p.records?.length ?? 0 };
  }

  /** ListOffsets v8 for EARLIEST (-2) and EARLIEST_LOCAL (-4). */
  async function earliestAndEarliestLocal(): Promise<[number, number]> {
    const client = await WireClient.connect(broker.port);
    client.send(2, 8, 7, 2, (w) => writeListOffsetsRequest(w, 8, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: TOPIC, partitions: [-2, -4].map((timestamp) => ({ partitionIndex: 0, currentLeaderEpoch: -1, timestamp })) }],
    }));
    const r = new Reader(await client.receive());
    expect(r.int32()).toBe(7);
    r.skipTaggedFields();
    const res = readListOffsetsResponse(r, 8);
    client.close();
    const [earliest, local] = res.topics[0]!.partitions;
    return [Number(earliest!.offset), Number(local!.offset)];
  }

  const localSegments = () => readdirSync(`${broker.logDir}/${TOPIC}-0`).filter((n) => n.endsWith(".log")).length;
  const remoteSegments = async () => (await bucket.list(`${TOPIC}-0-`)).filter((k) => k.endsWith(".log")).length;

  async function produce(from: number, count: number): Promise<void> {
    for (let i = from; i < from + count; i += 5) {
      await producer.send({ topic: TOPIC, messages: Array.from({ length: 5 }, (_, j) => ({ key: `k${i + j}`, value: `${i + j}:${VALUE}` })) });
    }
  }

  async function consumeFromStart(expected: number): Promise<number[]> {
    const consumer = kafka.consumer({ groupId: `g-${Date.now()}-${Math.random()}`, maxBytesPerPartition: 4096 });
    const seen: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      seen.push(Number(message.value!.toString().split(":")[0]));
    } });
    try {
      await until(`${expected} records consumed (got ${seen.length})`, () => seen.length >= expected, 30_000);
    } finally {
      await consumer.disconnect();
    }
    return seen;
  }

  test("rolled segments go to the bucket and leave the disk; a consumer from offset 0 reads everything once", async () => {
    await produce(0, 200);
    await until("segments uploaded and deleted locally", async () => (await remoteSegments()) >= 10 && localSegments() <= 2);
    const offsets = await admin.fetchTopicOffsets(TOPIC);
    expect(offsets[0]!.low).toBe("0");
    expect(offsets[0]!.high).toBe("200");
    const [earliest, earliestLocal] = await earliestAndEarliestLocal();
    expect(earliest).toBe(0);
    expect(earliestLocal).toBeGreaterThan(150);
    // By timestamp: the remote segments are searched first (a local-only search would answer the first local offset).
    expect((await admin.fetchTopicOffsetsByTimestamp(TOPIC, 1))[0]!.offset).toBe("0");
    // A raw fetch at offset 0 is served from the bucket.
    const remote = await rawFetch(0);
    expect(remote.errorCode).toBe(0);
    expect(remote.bytes).toBeGreaterThan(0);
    expect(await consumeFromStart(200)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  }, 90_000);

  test("the bucket unreachable for a while: produce keeps working, uploads catch up, nothing is lost", async () => {
    await s3.pause();
    const before = localSegments();
    await produce(200, 200);
    // Several task and retention intervals pass: nothing leaves the disk without being uploaded.
    await Bun.sleep(1500);
    expect(localSegments()).toBeGreaterThan(before + 5);
    expect(broker.output()).toContain("copy to remote storage stopped");
    // Remote data read before (the consumer above) is served from the chunk cache meanwhile
    // (an uncached read fails: remote-partition-log.test.ts); local reads work.
    const cached = await rawFetch(0);
    expect(cached.errorCode).toBe(0);
    expect(cached.bytes).toBeGreaterThan(0);
    expect((await rawFetch(390)).errorCode).toBe(0);
    await s3.resume();
    await until("uploads caught up", async () => localSegments() <= 2 && (await remoteSegments()) >= 20, 30_000);
    expect(await consumeFromStart(400)).toEqual(Array.from({ length: 400 }, (_, i) => i));
  }, 120_000);

  test("kill -9 while uploads run: after the restart every segment is in the bucket once and nothing is lost", async () => {
    await s3.resume(); // in case the test before failed while it was stopped
    await produce(400, 200);
    // Uploads every 200 ms: the kill lands during or between them.
    await Bun.sleep(150);
    await producer.disconnect();
    await admin.disconnect();
    await broker.kill9();
    await startAndConnect();
    await until("uploads caught up after the restart", async () => localSegments() <= 2 && (await remoteSegments()) >= 30, 30_000);
    // One object set per base offset: no segment uploaded twice.
    const logs = (await bucket.list(`${TOPIC}-0-`)).filter((k) => k.endsWith(".log")).map((k) => k.split("/").pop()!.slice(0, 20));
    expect(new Set(logs).size).toBe(logs.length);
    expect(await consumeFromStart(600)).toEqual(Array.from({ length: 600 }, (_, i) => i));
  }, 120_000);

  /** A topic with remote.storage.enable whose segments are in the bucket: its name and how many .log objects. */
  async function topicInBucket(name: string): Promise<number> {
    await admin.createTopics({
      topics: [{ topic: name, numPartitions: 1, configEntries: [
        { name: "remote.storage.enable", value: "true" }, { name: "local.retention.bytes", value: "0" },
      ] }],
    });
    // A producer of its own, gone before the topic is deleted: a producer that knows a topic
    // refreshes its metadata and, as with Kafka, auto-creates it again.
    const own = kafka.producer({ allowAutoTopicCreation: false });
    await own.connect();
    try {
      for (let i = 0; i < 100; i += 5) {
        await own.send({ topic: name, messages: Array.from({ length: 5 }, (_, j) => ({ value: `${i + j}:${VALUE}` })) });
      }
    } finally {
      await own.disconnect();
    }
    let logs = 0;
    await until(`${name}'s segments uploaded`, async () => (logs = (await bucket.list(`${name}-0-`)).filter((k) => k.endsWith(".log")).length) >= 5, 30_000);
    return logs;
  }
  const deleteDirs = () => readdirSync(broker.logDir).filter((n) => n.endsWith("-delete"));

  test("DeleteTopics deletes the topic's objects from the bucket; with the bucket down and a kill -9, after the restart", async () => {
    await s3.resume(); // in case a test before failed while it was stopped
    await topicInBucket("stays");
    const kept = await bucket.list("stays-0-");
    // The bucket up: the objects go at once.
    expect(await topicInBucket("gone")).toBeGreaterThanOrEqual(5);
    await admin.deleteTopics({ topics: ["gone"] });
    await until("gone's objects deleted", async () => (await bucket.list("gone-0-")).length === 0 && deleteDirs().length === 0, 30_000);
    // The bucket down: the -delete dir stays with its marker; kill -9; the bucket back; restart.
    expect(await topicInBucket("doomed")).toBeGreaterThanOrEqual(5);
    const doomedObjects = (await bucket.list("doomed-0-")).length;
    await s3.pause();
    await admin.deleteTopics({ topics: ["doomed"] });
    await until("doomed's -delete dir holding only its marker", () => {
      const [dir] = deleteDirs();
      return dir !== undefined && readdirSync(`${broker.logDir}/${dir}`).join() === "remote-log-delete.json";
    });
    await producer.disconnect();
    await admin.disconnect();
    await broker.kill9();
    await s3.resume();
    // Still there (an upload under way when the bucket went may have added some).
    expect((await bucket.list("doomed-0-")).length).toBeGreaterThanOrEqual(doomedObjects);
    await startAndConnect();
    await until("doomed's objects deleted after the restart", async () => (await bucket.list("doomed-0-")).length === 0 && deleteDirs().length === 0, 30_000);
    expect(broker.output()).toContain("finishing the deletion of");
    // The other topic's objects are untouched, and the deleted topics are gone.
    expect((await bucket.list("stays-0-")).filter((k) => kept.includes(k))).toEqual(kept);
    const topics = await admin.listTopics();
    expect(topics).toContain("stays");
    expect(topics.filter((t) => t === "gone" || t === "doomed")).toEqual([]);
  }, 120_000);

  test("remote.log.copy.disable=true by AlterConfigs: uploads stop, remote reads go on; false again: they resume", async () => {
    await s3.resume();
    const before = await topicInBucket("frozen");
    const logObjects = async () => (await bucket.list("frozen-0-")).filter((k) => k.endsWith(".log")).length;
    const alter = (value: string) => admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2 /* TOPIC */, name: "frozen", configEntries: [{ name: "remote.log.copy.disable", value }] }],
    });
    await alter("true");
    // Uploads under way finish (the count holds for a second; a fixed 500 ms assumed a quick
    // machine); then nothing more goes up while more segments roll.
    let frozen = await logObjects();
    for (let since = Date.now(), deadline = since + 20_000; Date.now() - since < 1000;) {
      if (Date.now() > deadline) throw new Error(`uploads did not stop after remote.log.copy.disable=true (${frozen} .log objects and counting)`);
      await Bun.sleep(100);
      const now = await logObjects();
      if (now !== frozen) [frozen, since] = [now, Date.now()];
    }
    expect(frozen).toBeGreaterThanOrEqual(before);
    const own = kafka.producer({ allowAutoTopicCreation: false });
    await own.connect();
    try {
      for (let i = 100; i < 200; i += 5) {
        await own.send({ topic: "frozen", messages: Array.from({ length: 5 }, (_, j) => ({ value: `${i + j}:${VALUE}` })) });
      }
    } finally {
      await own.disconnect();
    }
    await Bun.sleep(1500);
    expect(await logObjects()).toBe(frozen);
    // The remote part is still read: a consumer from 0 gets all 200.
    const consumer = kafka.consumer({ groupId: `frozen-${Date.now()}`, maxBytesPerPartition: 4096 });
    const seen: number[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic: "frozen", fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => {
      seen.push(Number(message.value!.toString().split(":")[0]));
    } });
    try {
      await until(`200 records of frozen (got ${seen.length})`, () => seen.length >= 200, 30_000);
    } finally {
      await consumer.disconnect();
    }
    expect(seen).toEqual(Array.from({ length: 200 }, (_, i) => i));
    await alter("false");
    await until("uploads resumed", async () => (await logObjects()) > frozen, 30_000);
  }, 120_000);
});
