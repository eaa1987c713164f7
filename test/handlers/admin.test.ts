// Topic administration: CreateTopics (19), DeleteTopics (20), DescribeConfigs (32),
// CreatePartitions (37) and DescribeCluster (60), called through the handler registry over a real
// LogStore in a temp dir. Every call goes through the bytes: the request is encoded at the
// version under test, read by the handler's codec, handled, the response encoded at that version
// and decoded again, so each served version round-trips. Expected answers (codes, messages,
// sources, synonyms) are what Apache Kafka 4.3.1 answered to the same requests
// (test/interop/kafka-run.sh); where Bunka differs on purpose the test says so.

import { describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { join } from "node:path";
import "../../src/handlers/00-produce.ts";
import "../../src/handlers/19-create-topics.ts";
import "../../src/handlers/20-delete-topics.ts";
import "../../src/handlers/32-describe-configs.ts";
import "../../src/handlers/37-create-partitions.ts";
import "../../src/handlers/60-describe-cluster.ts";
import { TOPIC_CONFIGS } from "../../src/config/config-defs.ts";
import { checkConfigValue, javaDouble } from "../../src/config/config-values.ts";
import { createTopic } from "../../src/handlers/topic-creation.ts";
import { Reader, ZERO_UUID } from "../../src/protocol/reader.ts";
import * as CT from "../../src/protocol/messages/create-topics.ts";
import * as DT from "../../src/protocol/messages/delete-topics.ts";
import * as CP from "../../src/protocol/messages/create-partitions.ts";
import * as DC from "../../src/protocol/messages/describe-configs.ts";
import * as DCL from "../../src/protocol/messages/describe-cluster.ts";
import * as PR from "../../src/protocol/messages/produce.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { handlerHarness, type Codec, type HarnessBroker } from "../support/handler-harness.ts";
import { METADATA_RECORD_TYPES } from "../../src/storage/metadata/records.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";

const utf8 = new TextEncoder();
const { tempDir, open, reopen, call } = handlerHarness("admin");
type Broker = HarnessBroker;

const CREATE_TOPICS: Codec<CT.CreateTopicsRequest, CT.CreateTopicsResponse> = { spec: CT.CREATE_TOPICS, write: CT.writeCreateTopicsRequest, read: CT.readCreateTopicsResponse };
const DELETE_TOPICS: Codec<DT.DeleteTopicsRequest, DT.DeleteTopicsResponse> = { spec: DT.DELETE_TOPICS, write: DT.writeDeleteTopicsRequest, read: DT.readDeleteTopicsResponse };
const CREATE_PARTITIONS: Codec<CP.CreatePartitionsRequest, CP.CreatePartitionsResponse> = { spec: CP.CREATE_PARTITIONS, write: CP.writeCreatePartitionsRequest, read: CP.readCreatePartitionsResponse };
const DESCRIBE_CONFIGS: Codec<DC.DescribeConfigsRequest, DC.DescribeConfigsResponse> = { spec: DC.DESCRIBE_CONFIGS, write: DC.writeDescribeConfigsRequest, read: DC.readDescribeConfigsResponse };
const DESCRIBE_CLUSTER: Codec<DCL.DescribeClusterRequest, DCL.DescribeClusterResponse> = { spec: DCL.DESCRIBE_CLUSTER, write: DCL.writeDescribeClusterRequest, read: DCL.readDescribeClusterResponse };
const PRODUCE: Codec<PR.ProduceRequest, PR.ProduceResponse> = { spec: PR.PRODUCE, write: PR.writeProduceRequest, read: PR.readProduceResponse };


type NewTopic = Partial<CT.CreateTopicsRequestCreatableTopic> & { name: string };
const topicReq = (t: NewTopic): CT.CreateTopicsRequestCreatableTopic =>
  ({ ...CT.defaultCreateTopicsRequestCreatableTopic(), numPartitions: 1, replicationFactor: 1, ...t });
const cfg = (o: Record<string, string | null>) => Object.entries(o).map(([name, value]) => ({ name, value }));

function createTopics(b: Broker, topics: NewTopic[], opts: { version?: number; validateOnly?: boolean; timeoutMs?: number } = {}) {
  return call(b, CREATE_TOPICS, opts.version ?? 7, {
    topics: topics.map(topicReq), timeoutMs: opts.timeoutMs ?? 30000, validateOnly: opts.validateOnly ?? false,
  });
}
async function createOne(b: Broker, t: NewTopic, opts: { version?: number; validateOnly?: boolean } = {}) {
  const res = await createTopics(b, [t], opts);
  expect(res.topics.length).toBe(1);
  return res.topics[0]!;
}
/** Names go in topic_names before v6 and in topics (with the zero id) from v6. */
function deleteTopics(b: Broker, version: number, names: string[], byState: DT.DeleteTopicsRequestDeleteTopicState[] = [], timeoutMs = 30000) {
  const topics = version >= 6 ? [...names.map((name) => ({ name, topicId: ZERO_UUID })), ...byState] : byState;
  return call(b, DELETE_TOPICS, version, { topicNames: version >= 6 ? [] : names, topics, timeoutMs });
}
function createPartitions(b: Broker, topics: CP.CreatePartitionsRequestCreatePartitionsTopic[], opts: { version?: number; validateOnly?: boolean; timeoutMs?: number } = {}) {
  return call(b, CREATE_PARTITIONS, opts.version ?? 3, { topics, timeoutMs: opts.timeoutMs ?? 30000, validateOnly: opts.validateOnly ?? false });
}
async function describeConfigs(
  b: Broker, resources: { type: number; name: string; keys?: string[] | null }[],
  opts: { version?: number; synonyms?: boolean; documentation?: boolean } = {},
) {
  const res = await call(b, DESCRIBE_CONFIGS, opts.version ?? 4, {
    resources: resources.map((r) => ({ resourceType: r.type, resourceName: r.name, configurationKeys: r.keys ?? null })),
    includeSynonyms: opts.synonyms ?? false,
    includeDocumentation: opts.documentation ?? false,
  });
  return res.results;
}
async function topicConfigs(b: Broker, topic: string, opts: { version?: number; synonyms?: boolean; documentation?: boolean } = {}) {
  const [result] = await describeConfigs(b, [{ type: 2, name: topic }], opts);
  expect(result!.errorCode).toBe(0);
  return new Map(result!.configs.map((c) => [c.name, c]));
}

async function produceTo(b: Broker, topic: string, partition: number, values: string[]) {
  const res = await call(b, PRODUCE, 9, {
    transactionalId: null, acks: -1, timeoutMs: 1000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records: buildRecordBatch({ records: values.map((v) => ({ value: utf8.encode(v) })) }) }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

/** Types of the metadata records written at or after `from`, in log order. */
function metadataRecordTypes(store: LogStore, from: number): number[] {
  const types: number[] = [];
  for (const batch of store.metadata.metadataLog!.batchesFrom(from)) {
    const view = new RecordBatchView(batch);
    if (view.isControl) continue;
    for (const rec of decodeRecords(view)) {
      if (rec.offset < from || !rec.value) continue;
      const r = new Reader(rec.value);
      r.uvarint();
      types.push(r.uvarint());
    }
  }
  return types;
}

const { TopicRecord, PartitionRecord, ConfigRecord, RemoveTopicRecord } = METADATA_RECORD_TYPES;

// The topic configs Kafka 4.3.1 lists for a topic (kafka-configs --describe --all), sorted.
const KAFKA_TOPIC_CONFIG_NAMES = [
  "cleanup.policy", "compression.gzip.level", "compression.lz4.level", "compression.type", "compression.zstd.level",
  "delete.retention.ms", "file.delete.delay.ms", "flush.messages", "flush.ms", "follower.replication.throttled.replicas",
  "index.interval.bytes", "leader.replication.throttled.replicas", "local.retention.bytes", "local.retention.ms",
  "max.compaction.lag.ms", "max.message.bytes", "message.timestamp.after.max.ms", "message.timestamp.before.max.ms",
  "message.timestamp.type", "min.cleanable.dirty.ratio", "min.compaction.lag.ms", "min.insync.replicas", "preallocate",
  "remote.log.copy.disable", "remote.log.delete.on.disable", "remote.storage.enable", "retention.bytes", "retention.ms",
  "segment.bytes", "segment.index.bytes", "segment.jitter.ms", "segment.ms", "unclean.leader.election.enable",
];

describe("CreateTopics", () => {
  test("creates a topic: TopicRecord, ConfigRecords, PartitionRecords in one batch; v7 answer carries id, counts and configs", async () => {
    const b = open();
    const before = b.store.metadata.nextOffset;
    const res = await createOne(b, { name: "orders", numPartitions: 3, configs: cfg({ "retention.ms": "1000", "cleanup.policy": "compact" }) });
    expect(res.errorCode).toBe(0);
    expect(res.errorMessage).toBeNull();
    const topic = b.store.metadata.topicsByName.get("orders")!;
    expect(res.topicId).toBe(topic.topicId);
    expect(res.topicId).not.toBe(ZERO_UUID);
    expect(res.numPartitions).toBe(3);
    expect(res.replicationFactor).toBe(1);
    expect(topic.partitions.map((p) => [p.partitionId, p.leader, p.replicas, p.isr])).toEqual([[0, 1, [1], [1]], [1, 1, [1], [1]], [2, 1, [1], [1]]]);
    expect(metadataRecordTypes(b.store, before)).toEqual([TopicRecord, ConfigRecord, ConfigRecord, PartitionRecord, PartitionRecord, PartitionRecord]);
    expect(Object.fromEntries(b.store.metadata.topicConfigs.get("orders")!)).toEqual({ "retention.ms": "1000", "cleanup.policy": "compact" });
    // Every topic config, sorted by name, with its source, as Kafka's CreateTopics v5+ answer.
    expect(res.configs!.map((c) => c.name)).toEqual(KAFKA_TOPIC_CONFIG_NAMES);
    const byName = new Map(res.configs!.map((c) => [c.name, c]));
    expect(byName.get("retention.ms")).toEqual({ name: "retention.ms", value: "1000", readOnly: false, configSource: 1, isSensitive: false });
    expect(byName.get("cleanup.policy")!.configSource).toBe(1);
    expect(byName.get("segment.bytes")).toEqual({ name: "segment.bytes", value: "1073741824", readOnly: false, configSource: 5, isSensitive: false });
    expect(byName.get("flush.ms")!.value).toBe("9223372036854775807");
    expect(byName.get("local.retention.ms")!.value).toBe("-2");
    expect(byName.get("message.timestamp.after.max.ms")!.value).toBe("3600000");
    // Kafka 4 answers 3 (DYNAMIC_DEFAULT_BROKER_CONFIG) here, from the cluster-level record its
    // controller writes for ELR; Bunka has no such record.
    expect(byName.get("min.insync.replicas")!.configSource).toBe(5);
  });

  test("every served version (v2-v7) round-trips; fields appear from their version on", async () => {
    const b = open();
    for (let v = 2; v <= 7; v++) {
      const res = await createOne(b, { name: `v${v}`, numPartitions: 2 }, { version: v });
      expect(res.errorCode).toBe(0);
      expect(res.topicId).toBe(v >= 7 ? b.store.metadata.topicsByName.get(`v${v}`)!.topicId : ZERO_UUID);
      expect(res.numPartitions).toBe(v >= 5 ? 2 : -1);
      expect(res.replicationFactor).toBe(v >= 5 ? 1 : -1);
      expect(res.configs!.length).toBe(v >= 5 ? 33 : 0);
      const err = await createOne(b, { name: `v${v}` }, { version: v });
      expect(err.errorCode).toBe(36);
      expect(err.errorMessage).toBe(`Topic 'v${v}' already exists.`);
    }
  });

  test("illegal names answer INVALID_TOPIC_EXCEPTION; a '.'/'_' collision too", async () => {
    const b = open();
    const res = await createTopics(b, [{ name: "bad name" }, { name: "a".repeat(250) }, { name: "." }, { name: ".." }, { name: "" }, { name: "a".repeat(249) }]);
    expect(res.topics.map((t) => t.errorCode)).toEqual([17, 17, 17, 17, 17, 0]);
    // Messages come from topic-name.ts (Kafka 4.3.1 words them "Topic name is invalid: ...").
    expect(res.topics[0]!.errorMessage).toContain("bad name");
    expect(await createOne(b, { name: "x.y" })).toMatchObject({ errorCode: 0 });
    expect(await createOne(b, { name: "x_y" })).toMatchObject({ errorCode: 17, errorMessage: "Topic 'x_y' collides with existing topic: x.y" });
    expect(await createOne(b, { name: "x.y" })).toMatchObject({ errorCode: 36, errorMessage: "Topic 'x.y' already exists." });
  });

  test("partition counts and replication factors: Kafka's checks, order and messages", async () => {
    const b = open("num.partitions=3");
    const res = await createTopics(b, [
      { name: "np0", numPartitions: 0 }, { name: "np-2", numPartitions: -2 },
      { name: "rf0", replicationFactor: 0 }, { name: "rf-2", numPartitions: 0, replicationFactor: -2 },
      { name: "rf3", replicationFactor: 3 }, { name: "defaults", numPartitions: -1, replicationFactor: -1 },
    ]);
    const rfMessage = "Replication factor must be larger than 0, or -1 to use the default value.";
    const npMessage = "Number of partitions was set to an invalid non-positive value.";
    expect(res.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([
      ["np0", 37, npMessage], ["np-2", 37, npMessage], ["rf0", 38, rfMessage], ["rf-2", 38, rfMessage],
      ["rf3", 38, "Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered or some brokers have all their log directories cordoned."],
      ["defaults", 0, null],
    ]);
    expect(res.topics[5]!.numPartitions).toBe(3);
    expect(b.store.metadata.topicsByName.get("defaults")!.partitions.length).toBe(3);
    expect(b.store.metadata.topicsByName.has("rf3")).toBe(false);
  });

  test("manual assignments: Kafka's validation and messages; a valid one creates its partitions", async () => {
    const b = open();
    const as = (...lists: [number, number[]][]) => lists.map(([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds }));
    const res = await createTopics(b, [
      { name: "a1", numPartitions: 1, replicationFactor: -1, assignments: as([0, [1]]) },
      { name: "a2", numPartitions: -1, replicationFactor: 1, assignments: as([0, [1]]) },
      { name: "a3", numPartitions: -1, replicationFactor: -1, assignments: as([1, [1]]) },
      { name: "a4", numPartitions: -1, replicationFactor: -1, assignments: as([0, [2]]) },
      { name: "a5", numPartitions: -1, replicationFactor: -1, assignments: as([0, [1, 1]]) },
      { name: "a6", numPartitions: -1, replicationFactor: -1, assignments: as([0, []]) },
      { name: "a7", numPartitions: -1, replicationFactor: -1, assignments: as([0, [1]], [0, [1]]) },
      { name: "a8", numPartitions: -1, replicationFactor: -1, assignments: as([1, [1]], [0, [1]]) },
    ]);
    expect(res.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([
      ["a1", 42, "A manual partition assignment was specified, but numPartitions was not set to -1."],
      ["a2", 42, "A manual partition assignment was specified, but replication factor was not set to -1."],
      ["a3", 39, "partitions should be a consecutive 0-based integer sequence"],
      ["a4", 39, "The manual partition assignment includes broker 2, but no such broker is registered."],
      ["a5", 39, "The manual partition assignment includes the broker 1 more than once."],
      ["a6", 39, "The manual partition assignment includes an empty replica list."],
      ["a7", 39, "Found multiple manual partition assignments for partition 0"],
      ["a8", 0, null],
    ]);
    expect(res.topics[7]!.numPartitions).toBe(2);
    expect(b.store.metadata.topicsByName.get("a8")!.partitions.length).toBe(2);
  });

  test("topic configs: unknown names and bad values answer INVALID_CONFIG with Kafka's messages", async () => {
    const b = open();
    const cases: [Record<string, string | null>, string][] = [
      [{ "foo.bar": "1" }, "Unknown topic config name: foo.bar"],
      [{ "message.format.version": "3.0" }, "Unknown topic config name: message.format.version"],
      [{ "retention.ms": null }, "Null value not supported for topic configs: retention.ms"],
      [{ "retention.ms": "abc" }, "Invalid value abc for configuration retention.ms: Not a number of type LONG"],
      [{ "retention.ms": "" }, "Invalid value  for configuration retention.ms: Not a number of type LONG"],
      [{ "retention.ms": "-2" }, "Invalid value -2 for configuration retention.ms: Value must be at least -1"],
      [{ "retention.ms": "9223372036854775808" }, "Invalid value 9223372036854775808 for configuration retention.ms: Not a number of type LONG"],
      [{ "segment.bytes": "2147483648" }, "Invalid value 2147483648 for configuration segment.bytes: Not a number of type INT"],
      [{ "segment.bytes": "1048575" }, "Invalid value 1048575 for configuration segment.bytes: Value must be at least 1048576"],
      [{ "cleanup.policy": "foo" }, "Invalid value foo for configuration cleanup.policy: String must be one of: compact, delete"],
      [{ "cleanup.policy": " Compact , delete " }, "Invalid value Compact for configuration cleanup.policy: String must be one of: compact, delete"],
      [{ "cleanup.policy": "," }, "Configuration 'cleanup.policy' values must not be empty."],
      [{ "min.cleanable.dirty.ratio": "2" }, "Invalid value 2.0 for configuration min.cleanable.dirty.ratio: Value must be no more than 1"],
      [{ "min.cleanable.dirty.ratio": "-0.1" }, "Invalid value -0.1 for configuration min.cleanable.dirty.ratio: Value must be at least 0"],
      [{ "min.cleanable.dirty.ratio": "abc" }, "Invalid value abc for configuration min.cleanable.dirty.ratio: Not a number of type DOUBLE"],
      [{ "compression.type": "brotli" }, "Invalid value brotli for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"],
      [{ "compression.gzip.level": "0" }, "Invalid value 0 for configuration compression.gzip.level: Value must be between 1 and 9 or equal to -1"],
      [{ "compression.lz4.level": "18" }, "Invalid value 18 for configuration compression.lz4.level: Value must be no more than 17"],
      [{ "compression.zstd.level": "-131073" }, "Invalid value -131073 for configuration compression.zstd.level: Value must be at least -131072"],
      [{ preallocate: "yes" }, "Invalid value yes for configuration preallocate: Expected value to be either true or false"],
      [{ "message.timestamp.type": "createtime" }, "Invalid value createtime for configuration message.timestamp.type: String must be one of: CreateTime, LogAppendTime"],
      [{ "leader.replication.throttled.replicas": "foo" }, "Invalid value [foo] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."],
      [{ "min.compaction.lag.ms": "10", "max.compaction.lag.ms": "5" }, "conflict topic config setting min.compaction.lag.ms (10) > max.compaction.lag.ms (5)"],
      [{ "remote.storage.enable": "true" }, "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage."],
    ];
    const res = await createTopics(b, cases.map(([configs], i) => ({ name: `c${i}`, configs: cfg(configs) })));
    expect(res.topics.map((t) => [t.errorCode, t.errorMessage])).toEqual(cases.map(([, message]) => [40, message]));
    expect(b.store.metadata.topicsByName.size).toBe(0);
  });

  test("accepted values are stored as Kafka prints them (trimmed, case-folded, Java doubles)", async () => {
    const b = open();
    const res = await createOne(b, {
      name: "norm",
      configs: cfg({
        "retention.ms": " 100 ", "min.cleanable.dirty.ratio": "1", preallocate: "TRUE", "cleanup.policy": " compact , delete ",
        "leader.replication.throttled.replicas": " 0:1 , 1:1", "message.timestamp.type": " LogAppendTime ", "compression.type": " gzip",
        "segment.bytes": "+2000000",
      }),
    });
    expect(res.errorCode).toBe(0);
    expect(Object.fromEntries(b.store.metadata.topicConfigs.get("norm")!)).toEqual({
      "retention.ms": "100", "min.cleanable.dirty.ratio": "1.0", preallocate: "true", "cleanup.policy": "compact,delete",
      "leader.replication.throttled.replicas": "0:1,1:1", "message.timestamp.type": "LogAppendTime", "compression.type": "gzip",
      "segment.bytes": "2000000",
    });
    // DescribeConfigs shows the same values Kafka does for these inputs.
    const described = await topicConfigs(b, "norm");
    expect(described.get("min.cleanable.dirty.ratio")!.value).toBe("1.0");
    expect(described.get("cleanup.policy")!.value).toBe("compact,delete");
  });

  test("validate_only checks and answers the same but writes nothing", async () => {
    const b = open();
    const before = b.store.metadata.nextOffset;
    const res = await createTopics(b, [{ name: "dry", numPartitions: 4, configs: cfg({ "retention.ms": "5" }) }, { name: "bad", numPartitions: 0 }], { validateOnly: true });
    expect(res.topics[0]).toMatchObject({ name: "dry", errorCode: 0, numPartitions: 4, replicationFactor: 1 });
    expect(res.topics[0]!.topicId).not.toBe(ZERO_UUID); // Kafka answers a made-up id too
    expect(res.topics[0]!.configs!.find((c) => c.name === "retention.ms")).toMatchObject({ value: "5", configSource: 1 });
    expect(res.topics[1]!.errorCode).toBe(37);
    expect(b.store.metadata.nextOffset).toBe(before);
    expect(b.store.metadata.topicsByName.has("dry")).toBe(false);
    expect(nodeFs.readdirSync(b.dir).filter((n) => n.startsWith("dry"))).toEqual([]);
  });

  test("duplicate names and __cluster_metadata answer INVALID_REQUEST after the others; the rest is created", async () => {
    const b = open();
    const res = await createTopics(b, [{ name: "dup" }, { name: "__cluster_metadata" }, { name: "ok" }, { name: "dup" }, { name: "bad name" }]);
    expect(res.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([
      ["ok", 0, null],
      ["bad name", 17, expect.any(String)],
      ["dup", 42, "Duplicate topic name."],
      ["__cluster_metadata", 42, "Creation of internal topic __cluster_metadata is prohibited."],
    ]);
    expect([...b.store.metadata.topicsByName.keys()]).toEqual(["ok"]);
  });

  test("more than 10,000 partitions in one request refuses all of it; a timeout <= 0 too", async () => {
    const b = open();
    const big = await createTopics(b, [{ name: "b1", numPartitions: 6000 }, { name: "b2", numPartitions: 6000 }, { name: "b3", numPartitions: 1 }, { name: "b3" }]);
    const policy = "Excessively large number of partitions per request.";
    expect(big.topics.map((t) => [t.name, t.errorCode, t.errorMessage])).toEqual([["b1", 44, policy], ["b2", 44, policy], ["b3", 44, policy], ["b3", 44, policy]]);
    const huge = await createOne(b, { name: "b4", numPartitions: 2147483647 }, { validateOnly: true });
    expect(huge.errorCode).toBe(44);
    const timedOut = await createTopics(b, [{ name: "t1" }], { timeoutMs: 0 });
    expect(timedOut.topics).toEqual([expect.objectContaining({ name: "t1", errorCode: 7, errorMessage: null })]);
    expect(b.store.metadata.topicsByName.size).toBe(0);
  });

  test("configs inherited from server.properties: STATIC_BROKER_CONFIG with the converted value", async () => {
    const b = open("log.retention.hours=1\nlog.segment.bytes= 2000000\nmessage.max.bytes=2000000\nlog.roll.hours=2\nlog.cleanup.policy=compact");
    const res = await createOne(b, { name: "inherit" });
    const byName = new Map(res.configs!.map((c) => [c.name, c]));
    expect(byName.get("retention.ms")).toMatchObject({ value: "3600000", configSource: 4 });
    expect(byName.get("segment.ms")).toMatchObject({ value: "7200000", configSource: 4 });
    expect(byName.get("segment.bytes")).toMatchObject({ value: "2000000", configSource: 4 });
    expect(byName.get("max.message.bytes")).toMatchObject({ value: "2000000", configSource: 4 });
    expect(byName.get("cleanup.policy")).toMatchObject({ value: "compact", configSource: 4 });
    expect(byName.get("retention.bytes")).toMatchObject({ value: "-1", configSource: 5 });
  });

  test("a created topic and its configs survive a restart (metadata log replayed)", async () => {
    let b = open();
    const res = await createOne(b, { name: "durable", numPartitions: 2, configs: cfg({ "retention.ms": "1234" }) });
    b = reopen(b);
    const topic = b.store.metadata.topicsByName.get("durable")!;
    expect(topic.topicId).toBe(res.topicId);
    expect(topic.partitions.length).toBe(2);
    expect(b.store.metadata.topicConfigs.get("durable")!.get("retention.ms")).toBe("1234");
    expect((await topicConfigs(b, "durable")).get("retention.ms")).toMatchObject({ value: "1234", configSource: 1 });
  });

  test("Metadata's auto-creation path (createTopic) keeps its API and answers", async () => {
    const b = open("num.partitions=2");
    const created = createTopic(b.broker, { name: "auto", numPartitions: -1, replicationFactor: -1 });
    expect(created.ok).toBe(true);
    expect(created.ok && created.topic.partitions.length).toBe(2);
    expect(createTopic(b.broker, { name: "auto", numPartitions: -1, replicationFactor: -1 })).toEqual({ ok: false, errorCode: 36, message: "Topic 'auto' already exists." });
    expect(createTopic(b.broker, { name: "bad/name", numPartitions: -1, replicationFactor: -1 })).toMatchObject({ ok: false, errorCode: 17 });
  });
});

describe("DeleteTopics", () => {
  test("by name, every version v1-v6: RemoveTopicRecord written, data directories removed, gone after a restart", async () => {
    let b = open();
    for (let v = 1; v <= 6; v++) {
      await createOne(b, { name: `t${v}`, numPartitions: 2 });
      expect((await produceTo(b, `t${v}`, 1, ["x"])).errorCode).toBe(0);
      expect(nodeFs.existsSync(join(b.dir, `t${v}-1`))).toBe(true);
      const before = b.store.metadata.nextOffset;
      const id = b.store.metadata.topicsByName.get(`t${v}`)!.topicId;
      const res = await deleteTopics(b, v, [`t${v}`]);
      expect(res.responses).toEqual([{ name: `t${v}`, topicId: v >= 6 ? id : ZERO_UUID, errorCode: 0, errorMessage: null }]);
      expect(metadataRecordTypes(b.store, before)).toEqual([RemoveTopicRecord]);
      expect(b.store.metadata.topicsByName.has(`t${v}`)).toBe(false);
      expect(b.store.metadata.topicsById.has(id)).toBe(false);
      expect(nodeFs.readdirSync(b.dir).filter((n) => n.startsWith(`t${v}`))).toEqual([]);
    }
    b = reopen(b);
    expect(b.store.metadata.topicsByName.size).toBe(0);
  });

  test("by id (v6); unknown names and ids; Kafka's INVALID_REQUEST cases", async () => {
    const b = open();
    const a = (await createOne(b, { name: "a" })).topicId;
    const c = (await createOne(b, { name: "c" })).topicId;
    const d = (await createOne(b, { name: "d" })).topicId;
    const unknownId = "0123456789abcdef0123456789abcdef";
    const res = await deleteTopics(b, 6, [], [
      { name: null, topicId: a },
      { name: null, topicId: ZERO_UUID },
      { name: null, topicId: unknownId },
      { name: "c", topicId: c },
      { name: "nope", topicId: ZERO_UUID },
      { name: null, topicId: d },
      { name: null, topicId: d },
    ]);
    const sorted = (xs: DT.DeleteTopicsResponseDeletableTopicResult[]) =>
      xs.map((x) => [x.name, x.topicId, x.errorCode, x.errorMessage]).sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));
    expect(sorted(res.responses)).toEqual(sorted([
      { name: "a", topicId: a, errorCode: 0, errorMessage: null }, // Kafka names a topic deleted by id
      { name: null, topicId: ZERO_UUID, errorCode: 42, errorMessage: "Neither topic name nor id were specified." },
      { name: null, topicId: unknownId, errorCode: 100, errorMessage: "This server does not host this topic ID." },
      { name: "c", topicId: c, errorCode: 42, errorMessage: "You may not specify both topic name and topic id." },
      { name: "nope", topicId: ZERO_UUID, errorCode: 3, errorMessage: "This server does not host this topic-partition." },
      { name: null, topicId: d, errorCode: 42, errorMessage: "Duplicate topic id." },
    ]));
    expect([...b.store.metadata.topicsByName.keys()].sort()).toEqual(["c", "d"]);

    const again = await deleteTopics(b, 6, [], [{ name: "c", topicId: ZERO_UUID }, { name: null, topicId: c }]);
    expect(again.responses).toEqual([{ name: "c", topicId: c, errorCode: 42, errorMessage: "The provided topic name maps to an ID that was already supplied." }]);
    const dupNames = await deleteTopics(b, 5, ["d", "d", "zzz"]);
    expect(dupNames.responses).toEqual([
      { name: "d", topicId: ZERO_UUID, errorCode: 42, errorMessage: "Duplicate topic name." },
      { name: "zzz", topicId: ZERO_UUID, errorCode: 3, errorMessage: "This server does not host this topic-partition." },
    ]);
    // Before v5 there is no message field.
    expect((await deleteTopics(b, 4, ["zzz"])).responses).toEqual([{ name: "zzz", topicId: ZERO_UUID, errorCode: 3, errorMessage: null }]);
  });

  test("a topic re-created with the same name starts empty and with default configs", async () => {
    const b = open();
    await createOne(b, { name: "again", configs: cfg({ "retention.ms": "10" }) });
    for (let i = 0; i < 3; i++) expect((await produceTo(b, "again", 0, [`m${i}`])).errorCode).toBe(0);
    expect(b.store.partition("again", 0)!.nextOffset).toBe(3);
    await deleteTopics(b, 6, ["again"]);
    expect(b.store.metadata.topicConfigs.has("again")).toBe(false);
    const res = await createOne(b, { name: "again" });
    expect(res.errorCode).toBe(0);
    expect(b.store.partition("again", 0)!.nextOffset).toBe(0);
    expect((await produceTo(b, "again", 0, ["fresh"])).baseOffset).toBe(0);
    expect((await topicConfigs(b, "again")).get("retention.ms")).toMatchObject({ value: "604800000", configSource: 5 });
  });

  test("mapped sealed segments are unmapped before their files are removed", async () => {
    // The memory file system throws where Bun would crash: deleting a file that is still mapped.
    const fs = new MemoryFileSystem();
    const b = open("internal.log.segment.bytes=1024", "/logs", fs);
    await createOne(b, { name: "mapped" });
    // 600-byte batches in 1 KiB segments: every append rolls, so all but the last are sealed.
    for (let i = 0; i < 5; i++) expect((await produceTo(b, "mapped", 0, ["x".repeat(600)])).errorCode).toBe(0);
    const log = b.store.partition("mapped", 0)!;
    expect(fs.list("/logs/mapped-0").filter((n) => n.endsWith(".log")).length).toBeGreaterThan(1);
    const read = log.read(0, 1 << 20, true); // maps the sealed segment it reads from
    expect(read === "out-of-range" ? 0 : read.batches.length).toBeGreaterThan(0);
    const res = await deleteTopics(b, 6, ["mapped"]);
    expect(res.responses[0]!.errorCode).toBe(0);
    expect(fs.list("/logs").filter((n) => n.startsWith("mapped"))).toEqual([]);
  });

  test("a partition directory left renamed for deletion is removed when the store opens", () => {
    const dir = tempDir();
    nodeFs.mkdirSync(join(dir, "gone-0.0123456789abcdef0123456789abcdef-delete"));
    nodeFs.writeFileSync(join(dir, "gone-0.0123456789abcdef0123456789abcdef-delete", "00000000000000000000.log"), "x");
    open("", dir);
    expect(nodeFs.readdirSync(dir).filter((n) => n.endsWith("-delete"))).toEqual([]);
  });

  test("delete.topic.enable=false and a timeout <= 0 answer every topic, deleting nothing", async () => {
    const b = open("delete.topic.enable=false");
    await createOne(b, { name: "kept" });
    expect((await deleteTopics(b, 2, ["kept", "nope"])).responses.map((r) => r.errorCode)).toEqual([42, 42]);
    expect((await deleteTopics(b, 6, ["kept"])).responses).toEqual([{ name: "kept", topicId: ZERO_UUID, errorCode: 73, errorMessage: null }]);
    const c = open();
    await createOne(c, { name: "kept" });
    expect((await deleteTopics(c, 6, ["kept"], [], 0)).responses).toEqual([{ name: "kept", topicId: ZERO_UUID, errorCode: 7, errorMessage: null }]);
    expect(b.store.metadata.topicsByName.has("kept")).toBe(true);
    expect(c.store.metadata.topicsByName.has("kept")).toBe(true);
  });
});

describe("CreatePartitions", () => {
  test("adds PartitionRecords; the new partitions take produce at once and survive a restart", async () => {
    let b = open();
    await createOne(b, { name: "grow", numPartitions: 1 });
    const before = b.store.metadata.nextOffset;
    const res = await createPartitions(b, [{ name: "grow", count: 3, assignments: null }]);
    expect(res.results).toEqual([{ name: "grow", errorCode: 0, errorMessage: null }]);
    expect(metadataRecordTypes(b.store, before)).toEqual([PartitionRecord, PartitionRecord]);
    const topic = b.store.metadata.topicsByName.get("grow")!;
    expect(topic.partitions.map((p) => [p.partitionId, p.leader, p.leaderEpoch, p.replicas])).toEqual([[0, 1, 0, [1]], [1, 1, 0, [1]], [2, 1, 0, [1]]]);
    const produced = await produceTo(b, "grow", 2, ["to-new-partition"]);
    expect(produced).toMatchObject({ index: 2, errorCode: 0, baseOffset: 0 });
    b = reopen(b);
    expect(b.store.metadata.topicsByName.get("grow")!.partitions.length).toBe(3);
    expect(b.store.partition("grow", 2)!.nextOffset).toBe(1);
  });

  test("every served version (v0-v3) round-trips", async () => {
    const b = open();
    await createOne(b, { name: "v" });
    for (let v = 0; v <= 3; v++) {
      const res = await createPartitions(b, [{ name: "v", count: v + 2, assignments: [{ brokerIds: [1] }] }], { version: v });
      expect(res.results).toEqual([{ name: "v", errorCode: 0, errorMessage: null }]);
    }
    expect(b.store.metadata.topicsByName.get("v")!.partitions.length).toBe(5);
  });

  test("Kafka's errors: not an increase, unknown topic, duplicates, assignments", async () => {
    const b = open();
    await createOne(b, { name: "p", numPartitions: 2 });
    const res = await createPartitions(b, [
      { name: "p", count: 2, assignments: null },
      { name: "nope", count: 3, assignments: null },
      { name: "twice", count: 3, assignments: null },
      { name: "twice", count: 4, assignments: null },
    ]);
    expect(res.results).toEqual([
      { name: "twice", errorCode: 42, errorMessage: "Duplicate topic name." },
      { name: "p", errorCode: 37, errorMessage: "Topic already has 2 partition(s)." },
      { name: "nope", errorCode: 3, errorMessage: null },
    ]);
    const cases: [CP.CreatePartitionsRequestCreatePartitionsTopic, number, string][] = [
      [{ name: "p", count: 1, assignments: null }, 37, "The topic p currently has 2 partition(s); 1 would not be an increase."],
      [{ name: "p", count: -1, assignments: null }, 37, "The topic p currently has 2 partition(s); -1 would not be an increase."],
      [{ name: "p", count: 4, assignments: [{ brokerIds: [1] }] }, 39, "Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified."],
      [{ name: "p", count: 4, assignments: [{ brokerIds: [1] }, { brokerIds: [2] }] }, 39, "The manual partition assignment includes broker 2, but no such broker is registered."],
      [{ name: "p", count: 4, assignments: [{ brokerIds: [1] }, { brokerIds: [1, 1] }] }, 39, "The manual partition assignment includes the broker 1 more than once."],
      [{ name: "p", count: 4, assignments: [{ brokerIds: [1] }, { brokerIds: [] }] }, 39, "The manual partition assignment includes an empty replica list."],
    ];
    for (const [topic, code, message] of cases) {
      expect((await createPartitions(b, [topic])).results).toEqual([{ name: "p", errorCode: code, errorMessage: message }]);
    }
    expect(b.store.metadata.topicsByName.get("p")!.partitions.length).toBe(2);
  });

  test("validate_only writes nothing; a timeout <= 0 answers REQUEST_TIMED_OUT; over 10,000 new partitions UNKNOWN_SERVER_ERROR", async () => {
    const b = open();
    await createOne(b, { name: "q" });
    const before = b.store.metadata.nextOffset;
    expect((await createPartitions(b, [{ name: "q", count: 5, assignments: null }], { validateOnly: true })).results[0]!.errorCode).toBe(0);
    expect((await createPartitions(b, [{ name: "q", count: 5, assignments: null }], { timeoutMs: 0 })).results[0]!.errorCode).toBe(7);
    expect((await createPartitions(b, [{ name: "q", count: 10002, assignments: null }])).results[0]).toEqual({ name: "q", errorCode: -1, errorMessage: null });
    expect((await createPartitions(b, [{ name: "q", count: 2147483647, assignments: null }], { validateOnly: true })).results[0]!.errorCode).toBe(-1);
    expect(b.store.metadata.nextOffset).toBe(before);
    expect(b.store.metadata.topicsByName.get("q")!.partitions.length).toBe(1);
  });

  test("a topic replicated more widely than this one broker cannot grow without assignments", async () => {
    const b = open();
    const topic = b.store.metadata.createTopic("wide", 1, { nodeId: 1 });
    topic.partitions[0]!.replicas = [1, 2, 3]; // as a log dir from a 3-broker Kafka would say
    expect((await createPartitions(b, [{ name: "wide", count: 2, assignments: null }])).results[0]).toEqual({
      name: "wide", errorCode: 38,
      errorMessage: "Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered or some brokers have all their log directories cordoned.",
    });
    expect((await createPartitions(b, [{ name: "wide", count: 2, assignments: [{ brokerIds: [1] }] }])).results[0]!.errorMessage)
      .toBe("The manual partition assignment includes a partition with 1 replica(s), but this is not consistent with previous partitions, which have 3 replica(s).");
  });
});

describe("DescribeConfigs", () => {
  test("a topic: all of Kafka's topic configs, own values DYNAMIC_TOPIC_CONFIG, the rest DEFAULT_CONFIG", async () => {
    const b = open();
    await createOne(b, { name: "dc", configs: cfg({ "retention.ms": "1000", "cleanup.policy": "compact" }) });
    const configs = await topicConfigs(b, "dc", { synonyms: true });
    expect([...configs.keys()]).toEqual(KAFKA_TOPIC_CONFIG_NAMES);
    expect(configs.get("retention.ms")).toEqual({
      name: "retention.ms", value: "1000", readOnly: false, configSource: 1, isSensitive: false,
      synonyms: [{ name: "retention.ms", value: "1000", source: 1 }], configType: 5, documentation: null,
    });
    expect(configs.get("cleanup.policy")!.synonyms).toEqual([
      { name: "cleanup.policy", value: "compact", source: 1 }, { name: "log.cleanup.policy", value: "delete", source: 5 },
    ]);
    expect(configs.get("segment.bytes")).toMatchObject({ value: "1073741824", configSource: 5, configType: 3, synonyms: [{ name: "log.segment.bytes", value: "1073741824", source: 5 }] });
    // Kafka's synonym list starts at the first synonym's own name: log.roll.ms has no value.
    expect(configs.get("segment.ms")).toMatchObject({ value: "604800000", configSource: 5, synonyms: [] });
    expect(configs.get("flush.ms")).toMatchObject({ value: "9223372036854775807", configSource: 5, synonyms: [] });
    expect(configs.get("remote.storage.enable")).toMatchObject({ value: "false", configSource: 5, configType: 1, synonyms: [] });
    expect(configs.get("min.cleanable.dirty.ratio")).toMatchObject({ value: "0.5", configType: 6 });
    expect(configs.get("compression.type")).toMatchObject({ value: "producer", configType: 2, synonyms: [{ name: "compression.type", value: "producer", source: 5 }] });
    expect(configs.get("leader.replication.throttled.replicas")).toMatchObject({ value: "", configType: 7 });
    const withoutSynonyms = await topicConfigs(b, "dc");
    expect([...withoutSynonyms.values()].every((c) => c.synonyms.length === 0 && c.documentation === null)).toBe(true);
    const documented = await topicConfigs(b, "dc", { documentation: true });
    expect([...documented.values()].every((c) => typeof c.documentation === "string" && c.documentation.length > 0)).toBe(true);
  });

  test("topic values inherited from server.properties, with Kafka's sources and its secondary-key quirk", async () => {
    const b = open("log.retention.ms=1000\nlog.roll.hours=2\nmessage.max.bytes=2000000\nlog.flush.interval.ms=5000\nlog.cleaner.min.cleanable.ratio=0.25\nunclean.leader.election.enable=TRUE");
    await createOne(b, { name: "inh" });
    const configs = await topicConfigs(b, "inh", { synonyms: true });
    expect(configs.get("retention.ms")).toMatchObject({ value: "1000", configSource: 4, synonyms: [{ name: "log.retention.ms", value: "1000", source: 4 }, { name: "log.retention.hours", value: "168", source: 5 }] });
    // The value comes from log.roll.hours, but Kafka reports DEFAULT_CONFIG and no synonyms.
    expect(configs.get("segment.ms")).toMatchObject({ value: "7200000", configSource: 5, synonyms: [] });
    expect(configs.get("max.message.bytes")).toMatchObject({ value: "2000000", configSource: 4, synonyms: [{ name: "message.max.bytes", value: "2000000", source: 4 }, { name: "message.max.bytes", value: "1048588", source: 5 }] });
    expect(configs.get("flush.ms")).toMatchObject({ value: "5000", configSource: 4, synonyms: [{ name: "log.flush.interval.ms", value: "5000", source: 4 }, { name: "log.flush.scheduler.interval.ms", value: "9223372036854775807", source: 5 }] });
    expect(configs.get("min.cleanable.dirty.ratio")).toMatchObject({ value: "0.25", configSource: 4 });
    expect(configs.get("unclean.leader.election.enable")).toMatchObject({ value: "true", configSource: 4, synonyms: [{ name: "unclean.leader.election.enable", value: "TRUE", source: 4 }, { name: "unclean.leader.election.enable", value: "false", source: 5 }] });
    const hours = open("log.retention.hours=1");
    await createOne(hours, { name: "h" });
    expect((await topicConfigs(hours, "h", { synonyms: true })).get("retention.ms")).toMatchObject({ value: "3600000", configSource: 5, synonyms: [] });
  });

  test("configuration_keys filters; unknown and illegal topics answer errors in their resource", async () => {
    const b = open();
    await createOne(b, { name: "f", configs: cfg({ "retention.ms": "7" }) });
    const results = await describeConfigs(b, [
      { type: 2, name: "f", keys: ["retention.ms", "nope", "cleanup.policy"] },
      { type: 2, name: "f", keys: [] },
      { type: 2, name: "missing" },
      { type: 2, name: "bad name" },
    ]);
    expect(results[0]!.configs.map((c) => [c.name, c.value, c.configSource])).toEqual([["cleanup.policy", "delete", 5], ["retention.ms", "7", 1]]);
    expect(results[1]!.configs.length).toBe(33);
    expect(results[2]).toEqual({ errorCode: 3, errorMessage: "", resourceType: 2, resourceName: "missing", configs: [] });
    expect(results[3]).toMatchObject({ errorCode: 17, resourceName: "bad name", configs: [] });
  });

  test("the broker: static keys STATIC_BROKER_CONFIG, the rest DEFAULT_CONFIG, unknown keys hidden", async () => {
    const b = open("log.retention.hours=1\nfoo.unknown=bar\nnum.partitions=3");
    const [res] = await describeConfigs(b, [{ type: 4, name: "1" }], { synonyms: true, documentation: true });
    expect(res!.errorCode).toBe(0);
    const configs = new Map(res!.configs.map((c) => [c.name, c]));
    expect(configs.get("node.id")).toMatchObject({ value: "1", configSource: 4, readOnly: true, configType: 3 });
    expect(configs.get("broker.id")).toMatchObject({ value: "1", configSource: 4 }); // copied from node.id, as Kafka does
    expect(configs.get("num.partitions")).toMatchObject({ value: "3", configSource: 4, synonyms: [{ name: "num.partitions", value: "3", source: 4 }, { name: "num.partitions", value: "1", source: 5 }] });
    expect(configs.get("log.retention.hours")).toMatchObject({ value: "1", configSource: 4, readOnly: true, synonyms: [{ name: "log.retention.hours", value: "1", source: 4 }, { name: "log.retention.hours", value: "168", source: 5 }] });
    expect(configs.get("log.retention.ms")).toMatchObject({ value: null, configSource: 5, readOnly: false, synonyms: [] });
    expect(configs.get("message.max.bytes")).toMatchObject({ value: "1048588", configSource: 5, readOnly: false });
    expect(configs.get("foo.unknown")).toEqual({
      name: "foo.unknown", value: null, readOnly: true, configSource: 4, isSensitive: true,
      synonyms: [{ name: "foo.unknown", value: null, source: 4 }], configType: 0, documentation: null,
    });
    expect(res!.configs.map((c) => c.name)).toEqual([...configs.keys()].sort());
  });

  test("broker and broker-logger resource names; other types", async () => {
    const b = open();
    const results = await describeConfigs(b, [
      { type: 4, name: "" }, { type: 4, name: "2" }, { type: 4, name: "x" },
      { type: 8, name: "" }, { type: 8, name: "2" }, { type: 8, name: "1" },
      { type: 32, name: "g" }, { type: 16, name: "m" },
    ]);
    expect(results.map((r) => [r.resourceType, r.resourceName, r.errorCode, r.errorMessage, r.configs.length])).toEqual([
      [4, "", 0, "", 0],
      [4, "2", 42, "Unexpected broker id, expected 1 or empty string, but received 2", 0],
      [4, "x", 42, "Broker id must be an integer, but it is: x", 0],
      [8, "", 42, "Broker id must not be empty", 0],
      [8, "2", 42, "Unexpected broker id, expected 1 but received 2", 0],
      [8, "1", 0, "", 1],
      [32, "g", 0, "", 17],
      [16, "m", 42, "Unsupported resource type: CLIENT_METRICS", 0],
    ]);
    expect(results[5]!.configs[0]).toMatchObject({ name: "root", configSource: 6, readOnly: false, isSensitive: false, configType: 0, documentation: "" });
    expect(["DEBUG", "INFO", "WARN", "ERROR"]).toContain(results[5]!.configs[0]!.value ?? "");
    // An unknown resource type makes the whole request invalid, as Kafka's error response does.
    const bad = await describeConfigs(b, [{ type: 4, name: "1" }, { type: 99, name: "x" }]);
    expect(bad.map((r) => [r.errorCode, r.configs.length])).toEqual([[42, 0], [42, 0]]);
    expect(bad[0]!.errorMessage).toContain("malformed");
  });

  test("every served version (v1-v4) round-trips; config type and documentation from v3", async () => {
    const b = open();
    await createOne(b, { name: "v", configs: cfg({ "retention.ms": "1000" }) });
    for (let v = 1; v <= 4; v++) {
      const [res] = await describeConfigs(b, [{ type: 2, name: "v", keys: ["retention.ms"] }], { version: v, synonyms: true, documentation: true });
      expect(res!.configs).toEqual([{
        name: "retention.ms", value: "1000", readOnly: false, configSource: 1, isSensitive: false,
        synonyms: [{ name: "retention.ms", value: "1000", source: 1 }],
        configType: v >= 3 ? 5 : 0,
        documentation: v >= 3 ? expect.stringContaining("kept") : "",
      }]);
    }
  });
});

describe("DescribeCluster", () => {
  test("v0 and v1: cluster id, this broker at its advertised endpoint, controller = this node", async () => {
    const b = open("advertised.listeners=PLAINTEXT://broker.example:19092\nbroker.rack=r1");
    for (let v = 0; v <= 1; v++) {
      const res = await call(b, DESCRIBE_CLUSTER, v, { includeClusterAuthorizedOperations: v === 1, endpointType: 1 });
      expect(res).toEqual({
        throttleTimeMs: 0, errorCode: 0, errorMessage: null, endpointType: 1, clusterId: "QnVua2FGaXh0dXJlQ2x1cw",
        controllerId: 1, brokers: [{ brokerId: 1, host: "broker.example", port: 19092, rack: "r1" }],
        // Kafka's bit field for every cluster operation (CREATE, ALTER, DESCRIBE, CLUSTER_ACTION,
        // DESCRIBE_CONFIGS, ALTER_CONFIGS, IDEMPOTENT_WRITE), or the "not requested" default.
        clusterAuthorizedOperations: v === 1 ? 8096 : -2147483648,
      });
    }
  });

  test("endpoint type controllers answers MISMATCHED_ENDPOINT_TYPE, unknown types UNSUPPORTED_ENDPOINT_TYPE", async () => {
    const b = open();
    const defaults = { throttleTimeMs: 0, endpointType: 1, clusterId: "", controllerId: -1, brokers: [], clusterAuthorizedOperations: -2147483648 };
    expect(await call(b, DESCRIBE_CLUSTER, 1, { includeClusterAuthorizedOperations: true, endpointType: 2 })).toEqual({
      ...defaults, errorCode: 114, errorMessage: "The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER",
    });
    expect(await call(b, DESCRIBE_CLUSTER, 1, { includeClusterAuthorizedOperations: false, endpointType: 7 })).toEqual({
      ...defaults, errorCode: 115, errorMessage: "Unsupported endpoint type 7",
    });
  });
});

describe("config values", () => {
  test("the topic config table is Kafka 4.3.1's", () => {
    expect(TOPIC_CONFIGS.map((d) => d.name).sort()).toEqual(KAFKA_TOPIC_CONFIG_NAMES);
    for (const def of TOPIC_CONFIGS) {
      if (def.default !== null) expect(checkConfigValue(def, def.default)).toEqual({ ok: true, value: def.default });
    }
  });

  test("doubles print as Java prints them", () => {
    expect([1, 0.5, 0.25, 2, 0, 1e7, 1.5e-4, -0.1].map(javaDouble)).toEqual(["1.0", "0.5", "0.25", "2.0", "0.0", "1.0E7", "1.5E-4", "-0.1"]);
  });
});
