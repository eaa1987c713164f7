// Topic administration end to end: the compiled ./bunka on a free port, spoken to over a real
// socket with the generated codecs. Creating, describing, growing and deleting topics, and what
// survives a restart (the metadata log is replayed) and what does not (a deleted topic's data).

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { Reader, ZERO_UUID } from "../../src/protocol/reader.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { readApiVersionsResponse, writeApiVersionsRequest } from "../../src/protocol/messages/api-versions.ts";
import * as CT from "../../src/protocol/messages/create-topics.ts";
import * as DT from "../../src/protocol/messages/delete-topics.ts";
import * as CP from "../../src/protocol/messages/create-partitions.ts";
import * as DC from "../../src/protocol/messages/describe-configs.ts";
import * as DCL from "../../src/protocol/messages/describe-cluster.ts";
import * as DTP from "../../src/protocol/messages/describe-topic-partitions.ts";
import * as F from "../../src/protocol/messages/fetch.ts";
import * as PR from "../../src/protocol/messages/produce.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView, splitBatches } from "../../src/records/record-batch.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";

const utf8 = new TextEncoder();
const text = new TextDecoder();
const running: RunningBroker[] = [];
afterAll(async () => {
  for (const b of running) await b[Symbol.asyncDispose]();
});

async function start(logDir: string, properties: Record<string, string | number> = {}): Promise<RunningBroker> {
  const b = await startBroker({ logDir, properties });
  running.push(b);
  return b;
}

interface Spec {
  apiKey: number;
  requestFlexibleFrom: number;
  responseFlexibleFrom: number;
}

let correlation = 100;
async function call<Req, Res>(
  client: WireClient, spec: Spec, write: (w: Writer, v: number, m: Req) => void, read: (r: Reader, v: number) => Res,
  version: number, request: Req,
): Promise<Res> {
  const id = correlation++;
  client.send(spec.apiKey, version, id, version >= spec.requestFlexibleFrom ? 2 : 1, (w) => write(w, version, request));
  const r = new Reader(await client.receive());
  expect(r.int32()).toBe(id);
  if (version >= spec.responseFlexibleFrom) r.skipTaggedFields();
  const res = read(r, version);
  expect(r.failed).toBe(false);
  expect(r.remaining).toBe(0);
  return res;
}

const createTopics = (c: WireClient, topics: Partial<CT.CreateTopicsRequestCreatableTopic>[], validateOnly = false) =>
  call(c, CT.CREATE_TOPICS, CT.writeCreateTopicsRequest, CT.readCreateTopicsResponse, 7, {
    topics: topics.map((t) => ({ ...CT.defaultCreateTopicsRequestCreatableTopic(), numPartitions: 1, replicationFactor: 1, ...t })),
    timeoutMs: 30000, validateOnly,
  });
const deleteTopics = (c: WireClient, topics: DT.DeleteTopicsRequestDeleteTopicState[]) =>
  call(c, DT.DELETE_TOPICS, DT.writeDeleteTopicsRequest, DT.readDeleteTopicsResponse, 6, { topics, topicNames: [], timeoutMs: 30000 });
const describeTopicConfigs = async (c: WireClient, topic: string, keys: string[] | null = null) =>
  (await call(c, DC.DESCRIBE_CONFIGS, DC.writeDescribeConfigsRequest, DC.readDescribeConfigsResponse, 4, {
    resources: [{ resourceType: 2, resourceName: topic, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: false,
  })).results[0]!;
const describeTopic = async (c: WireClient, topic: string) =>
  (await call(c, DTP.DESCRIBE_TOPIC_PARTITIONS, DTP.writeDescribeTopicPartitionsRequest, DTP.readDescribeTopicPartitionsResponse, 0, {
    ...DTP.defaultDescribeTopicPartitionsRequest(), topics: [{ name: topic }], responsePartitionLimit: 2000,
  })).topics[0]!;
const produce = async (c: WireClient, topic: string, partition: number, values: string[]) =>
  (await call(c, PR.PRODUCE, PR.writeProduceRequest, PR.readProduceResponse, 11, {
    transactionalId: null, acks: -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch({ records: values.map((v) => ({ value: utf8.encode(v) })) }) }] }],
  })).responses[0]!.partitionResponses[0]!;
const fetch = async (c: WireClient, topicId: string, partition: number, fetchOffset: number, maxWaitMs = 0) =>
  (await call(c, F.FETCH, F.writeFetchRequest, F.readFetchResponse, 16, {
    ...F.defaultFetchRequest(), maxWaitMs, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1,
    topics: [{ topic: "", topicId, partitions: [{ ...F.defaultFetchRequestFetchPartition(), partition, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
  })).responses[0]!.partitions[0]!;
function fetchedValues(records: Uint8Array | null): string[] {
  if (!records || records.length === 0) return [];
  const out: string[] = [];
  for (const batch of splitBatches(records)) {
    for (const r of decodeRecords(new RecordBatchView(batch))) out.push(text.decode(r.value!));
  }
  return out;
}

describe("topic administration against the compiled broker", () => {
  test("ApiVersions advertises the admin APIs with their served versions", async () => {
    const b = await start(tempDir());
    const c = await WireClient.connect(b.port);
    c.send(18, 3, 1, 2, (w) => writeApiVersionsRequest(w, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" }));
    const r = new Reader(await c.receive());
    r.int32();
    const ranges = Object.fromEntries(readApiVersionsResponse(r, 3).apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect([ranges[19], ranges[20], ranges[32], ranges[37], ranges[60]]).toEqual([[2, 7], [1, 6], [1, 4], [0, 3], [0, 1]]);
    c.close();
  });

  test("a created topic and its configs are there after a restart; validate_only leaves nothing", async () => {
    const dir = tempDir();
    let b = await start(dir, { "log.retention.hours": 1 });
    let c = await WireClient.connect(b.port);
    const created = await createTopics(c, [
      { name: "kept", numPartitions: 2, configs: [{ name: "retention.ms", value: "5000" }, { name: "cleanup.policy", value: "compact" }] },
    ]);
    expect(created.topics[0]).toMatchObject({ name: "kept", errorCode: 0, numPartitions: 2, replicationFactor: 1 });
    const dry = await createTopics(c, [{ name: "dry-run", numPartitions: 3 }], true);
    expect(dry.topics[0]!.errorCode).toBe(0);
    c.close();
    await b.stop();

    b = await start(dir, { "log.retention.hours": 1 });
    c = await WireClient.connect(b.port);
    const topic = await describeTopic(c, "kept");
    expect(topic.errorCode).toBe(0);
    expect(topic.topicId).toBe(created.topics[0]!.topicId);
    expect(topic.partitions.length).toBe(2);
    expect((await describeTopic(c, "dry-run")).errorCode).toBe(3);
    const configs = new Map((await describeTopicConfigs(c, "kept")).configs.map((x) => [x.name, x]));
    expect(configs.get("retention.ms")).toMatchObject({ value: "5000", configSource: 1 });
    expect(configs.get("cleanup.policy")).toMatchObject({ value: "compact", configSource: 1 });
    expect(configs.get("segment.bytes")).toMatchObject({ value: "1073741824", configSource: 5 });
    const other = await createTopics(c, [{ name: "inherits" }]);
    expect(other.topics[0]!.configs!.find((x) => x.name === "retention.ms")).toMatchObject({ value: "3600000", configSource: 4 });
    c.close();
  });

  test("delete: the data directory goes, a re-created topic starts empty, a parked fetch is answered at once", async () => {
    const dir = tempDir();
    const b = await start(dir);
    const c = await WireClient.connect(b.port);
    const first = (await createTopics(c, [{ name: "short-lived", numPartitions: 2 }])).topics[0]!;
    expect((await produce(c, "short-lived", 0, ["a", "b", "c"])).errorCode).toBe(0);
    expect(existsSync(join(dir, "short-lived-0"))).toBe(true);

    // A fetch parked at the end of partition 0, waiting up to 10 s for data. The sleep gives it
    // time to be parked; if it is not yet (a busy machine), it is answered 100 all the same.
    const waiter = await WireClient.connect(b.port);
    const parked = fetch(waiter, first.topicId, 0, 3, 10_000);
    await Bun.sleep(200);
    const deletedAt = Date.now();
    const deleted = await deleteTopics(c, [{ name: null, topicId: first.topicId }]);
    expect(deleted.responses).toEqual([{ name: "short-lived", topicId: first.topicId, errorCode: 0, errorMessage: null }]);
    expect((await parked).errorCode).toBe(100); // UNKNOWN_TOPIC_ID
    // "At once": ms in practice; the bound is half of the 10 s max_wait_ms the fetch would
    // otherwise have waited: a broker that let it wait fails it, a busy machine does not.
    expect(Date.now() - deletedAt).toBeLessThan(5000);
    waiter.close();

    expect(readdirSync(dir).filter((n) => n.startsWith("short-lived"))).toEqual([]);
    expect((await describeTopic(c, "short-lived")).errorCode).toBe(3);
    expect((await deleteTopics(c, [{ name: "short-lived", topicId: ZERO_UUID }])).responses[0]!.errorCode).toBe(3);

    const again = (await createTopics(c, [{ name: "short-lived", numPartitions: 1 }])).topics[0]!;
    expect(again.topicId).not.toBe(first.topicId);
    const empty = await fetch(c, again.topicId, 0, 0);
    expect(empty.errorCode).toBe(0);
    expect(empty.highWatermark).toBe(0);
    expect(fetchedValues(empty.records)).toEqual([]);
    expect(await produce(c, "short-lived", 0, ["fresh"])).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(fetchedValues((await fetch(c, again.topicId, 0, 0)).records)).toEqual(["fresh"]);
    c.close();
  });

  test("CreatePartitions, then produce to and fetch from the new partition", async () => {
    const b = await start(tempDir());
    const c = await WireClient.connect(b.port);
    const topic = (await createTopics(c, [{ name: "growing" }])).topics[0]!;
    const res = await call(c, CP.CREATE_PARTITIONS, CP.writeCreatePartitionsRequest, CP.readCreatePartitionsResponse, 3, {
      topics: [{ name: "growing", count: 3, assignments: null }], timeoutMs: 30000, validateOnly: false,
    });
    expect(res.results).toEqual([{ name: "growing", errorCode: 0, errorMessage: null }]);
    expect((await describeTopic(c, "growing")).partitions.map((p) => [p.partitionIndex, p.leaderId])).toEqual([[0, 1], [1, 1], [2, 1]]);
    expect(await produce(c, "growing", 2, ["p2"])).toMatchObject({ index: 2, errorCode: 0, baseOffset: 0 });
    expect(fetchedValues((await fetch(c, topic.topicId, 2, 0)).records)).toEqual(["p2"]);
    c.close();
  });

  test("DescribeCluster names this broker at the address the client used", async () => {
    const b = await start(tempDir());
    const c = await WireClient.connect(b.port);
    const res = await call(c, DCL.DESCRIBE_CLUSTER, DCL.writeDescribeClusterRequest, DCL.readDescribeClusterResponse, 1, {
      includeClusterAuthorizedOperations: true, endpointType: 1,
    });
    expect(res).toMatchObject({ errorCode: 0, controllerId: 1, brokers: [{ brokerId: 1, host: "127.0.0.1", port: b.port, rack: null }], clusterAuthorizedOperations: 8096 });
    expect(res.clusterId.length).toBeGreaterThan(0);
    c.close();
  });
});
