// Dynamic configs: IncrementalAlterConfigs (44), AlterConfigs (33), what DescribeConfigs (32)
// then reports, and DescribeLogDirs (35), called through the handler registry over a real
// LogStore in a temp dir (the request encoded at the version under test, read by the handler's
// codec, the response encoded and decoded again). Expected codes and messages are what Apache
// Kafka 4.3.1 answered to the same requests (test/interop/kafka-run.sh, side by side); where
// Bunka differs on purpose the test says so.

import { afterEach, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { join } from "node:path";
import { brokerConfigFrom } from "../../src/config/broker-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import "../../src/handlers/index.ts";
import { handlerFor, registeredApis } from "../../src/handlers/registry.ts";
import { topicSettings } from "../../src/handlers/00-produce.ts";
import { effectiveBrokerValue, effectiveTopicValue } from "../../src/config/config-values.ts";
import * as IAC from "../../src/protocol/messages/incremental-alter-configs.ts";
import * as AC from "../../src/protocol/messages/alter-configs.ts";
import * as DC from "../../src/protocol/messages/describe-configs.ts";
import * as DLD from "../../src/protocol/messages/describe-log-dirs.ts";
import * as PR from "../../src/protocol/messages/produce.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { handlerHarness, type Codec, type HarnessBroker } from "../support/handler-harness.ts";
import { METADATA_RECORD_TYPES, readConfigRecord, type ConfigRecord } from "../../src/storage/metadata/records.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { log, setLogLevel } from "../../src/log.ts";

const { tempDir, open, reopen, ctx, call } = handlerHarness("configs");
type Broker = HarnessBroker;

const INCREMENTAL: Codec<IAC.IncrementalAlterConfigsRequest, IAC.IncrementalAlterConfigsResponse> = {
  spec: IAC.INCREMENTAL_ALTER_CONFIGS, write: IAC.writeIncrementalAlterConfigsRequest, read: IAC.readIncrementalAlterConfigsResponse,
};
const LEGACY: Codec<AC.AlterConfigsRequest, AC.AlterConfigsResponse> = {
  spec: AC.ALTER_CONFIGS, write: AC.writeAlterConfigsRequest, read: AC.readAlterConfigsResponse,
};
const DESCRIBE: Codec<DC.DescribeConfigsRequest, DC.DescribeConfigsResponse> = {
  spec: DC.DESCRIBE_CONFIGS, write: DC.writeDescribeConfigsRequest, read: DC.readDescribeConfigsResponse,
};
const LOG_DIRS: Codec<DLD.DescribeLogDirsRequest, DLD.DescribeLogDirsResponse> = {
  spec: DLD.DESCRIBE_LOG_DIRS, write: DLD.writeDescribeLogDirsRequest, read: DLD.readDescribeLogDirsResponse,
};
const PRODUCE: Codec<PR.ProduceRequest, PR.ProduceResponse> = { spec: PR.PRODUCE, write: PR.writeProduceRequest, read: PR.readProduceResponse };


const SET = 0, DELETE = 1, APPEND = 2, SUBTRACT = 3;
const TOPIC = 2, BROKER = 4, BROKER_LOGGER = 8, CLIENT_METRICS = 16, GROUP = 32;
type Op = [name: string, op: number, value: string | null];
interface Res { type: number; name: string; ops: Op[] }
const res = (type: number, name: string, ...ops: Op[]): Res => ({ type, name, ops });

/** IncrementalAlterConfigs; the answers as [error code, message] per resource. */
async function alter(b: Broker, resources: Res[], opts: { version?: number; validateOnly?: boolean } = {}) {
  const out = await call(b, INCREMENTAL, opts.version ?? 1, {
    validateOnly: opts.validateOnly ?? false,
    resources: resources.map((r) => ({
      resourceType: r.type, resourceName: r.name,
      configs: r.ops.map(([name, configOperation, value]) => ({ name, configOperation, value })),
    })),
  });
  expect(out.responses.map((x) => [x.resourceType, x.resourceName])).toEqual(resources.map((r) => [r.type, r.name]));
  return out.responses.map((x) => [x.errorCode, x.errorMessage] as const);
}
async function alterOne(b: Broker, r: Res, opts: { version?: number; validateOnly?: boolean } = {}) {
  return (await alter(b, [r], opts))[0]!;
}

/** AlterConfigs (every key SET). */
async function replace(b: Broker, resources: { type: number; name: string; configs: Record<string, string | null> }[], opts: { version?: number; validateOnly?: boolean } = {}) {
  const out = await call(b, LEGACY, opts.version ?? 2, {
    validateOnly: opts.validateOnly ?? false,
    resources: resources.map((r) => ({
      resourceType: r.type, resourceName: r.name,
      configs: Object.entries(r.configs).map(([name, value]) => ({ name, value })),
    })),
  });
  return out.responses.map((x) => [x.errorCode, x.errorMessage] as const);
}

async function describeOne(b: Broker, type: number, name: string, keys: string[] | null = null) {
  const out = await call(b, DESCRIBE, 4, {
    resources: [{ resourceType: type, resourceName: name, configurationKeys: keys }], includeSynonyms: true, includeDocumentation: false,
  });
  const [r] = out.results;
  return { errorCode: r!.errorCode, errorMessage: r!.errorMessage, configs: new Map(r!.configs.map((c) => [c.name, c])) };
}
/** name -> [value, source, synonyms as "name=value@source"]. */
async function described(b: Broker, type: number, name: string, keys: string[]) {
  const d = await describeOne(b, type, name, keys);
  expect(d.errorCode).toBe(0);
  return Object.fromEntries([...d.configs.values()].map((c) => [c.name, [c.value, c.configSource, c.synonyms.map((s) => `${s.name}=${s.value}@${s.source}`)]]));
}

function createTopic(b: Broker, name: string, partitions = 1, configs: Record<string, string> = {}) {
  return b.store.metadata.createTopic(name, partitions, { nodeId: 1, configs: Object.entries(configs).map(([n, value]) => ({ name: n, value })) });
}

/** The ConfigRecords written at or after `from`, in log order. */
function configRecords(store: LogStore, from: number): ConfigRecord[] {
  const out: ConfigRecord[] = [];
  for (const batch of store.metadata.metadataLog!.batchesFrom(from)) {
    const view = new RecordBatchView(batch);
    if (view.isControl) continue;
    for (const rec of decodeRecords(view)) {
      if (rec.offset < from || !rec.value) continue;
      const r = new Reader(rec.value);
      r.uvarint();
      const type = r.uvarint();
      const version = r.uvarint();
      if (type !== METADATA_RECORD_TYPES.ConfigRecord) continue;
      expect(version).toBe(0);
      out.push(readConfigRecord(r, version));
    }
  }
  return out;
}

const own = (b: Broker, topic: string) => Object.fromEntries(b.store.metadata.topicConfigs.get(topic) ?? []);
const brokerOwn = (b: Broker, name: string) => Object.fromEntries(b.store.metadata.brokerConfigs.get(name) ?? []);

describe("ApiVersions", () => {
  test("advertises AlterConfigs v0-v2, DescribeLogDirs v1-v5, IncrementalAlterConfigs v0-v1 (Kafka 4.3.1's ranges)", () => {
    const byKey = new Map(registeredApis().map((a) => [a.apiKey, [a.minVersion, a.maxVersion]]));
    expect(byKey.get(33)).toEqual([0, 2]);
    expect(byKey.get(35)).toEqual([1, 5]);
    expect(byKey.get(44)).toEqual([0, 1]);
  });
});

describe("IncrementalAlterConfigs: topics", () => {
  test("SET, DELETE, APPEND and SUBTRACT; one ConfigRecord per changed key, all resources in one batch", async () => {
    const b = open();
    createTopic(b, "t", 1, { "retention.bytes": "5000" });
    createTopic(b, "u");
    const from = b.store.metadata.nextOffset;
    expect(await alter(b, [
      res(TOPIC, "t", ["retention.ms", SET, "1000"], ["segment.bytes", SET, " 2000000 "], ["cleanup.policy", APPEND, "compact"], ["retention.bytes", DELETE, null]),
      res(TOPIC, "u", ["preallocate", SET, "TRUE"], ["min.cleanable.dirty.ratio", SET, "1"]),
    ])).toEqual([[0, null], [0, null]]);
    // Stored as Kafka prints them back (Kafka stores " 2000000 " and "TRUE" as sent; it describes them the same).
    expect(own(b, "t")).toEqual({ "retention.ms": "1000", "segment.bytes": "2000000", "cleanup.policy": "delete,compact" });
    expect(own(b, "u")).toEqual({ preallocate: "true", "min.cleanable.dirty.ratio": "1.0" });
    const records = configRecords(b.store, from);
    expect(records.map((r) => [r.resourceType, r.resourceName, r.name, r.value])).toEqual([
      [2, "t", "retention.ms", "1000"], [2, "t", "segment.bytes", "2000000"], [2, "t", "cleanup.policy", "delete,compact"],
      [2, "t", "retention.bytes", null], [2, "u", "preallocate", "true"], [2, "u", "min.cleanable.dirty.ratio", "1.0"],
    ]);
    expect(b.store.metadata.metadataLog!.nextOffset - from).toBe(6);
    expect([...b.store.metadata.metadataLog!.batchesFrom(from)].length).toBe(1);

    // APPEND adds what is missing, SUBTRACT removes; unchanged keys and DELETE of an unset key write nothing.
    const next = b.store.metadata.nextOffset;
    expect(await alterOne(b, res(TOPIC, "t", ["cleanup.policy", APPEND, "compact,delete"], ["foo", DELETE, null], ["retention.ms", SET, "1000"]))).toEqual([0, null]);
    expect(b.store.metadata.nextOffset).toBe(next);
    expect(await alterOne(b, res(TOPIC, "t", ["cleanup.policy", SUBTRACT, "delete"]))).toEqual([0, null]);
    expect(own(b, "t")["cleanup.policy"]).toBe("compact");
    expect(await alterOne(b, res(TOPIC, "t", ["cleanup.policy", SUBTRACT, "compact"]))).toEqual([0, null]);
    expect(own(b, "t")["cleanup.policy"]).toBe("");
    expect(await described(b, TOPIC, "t", ["cleanup.policy"])).toEqual({
      "cleanup.policy": ["", 1, ["cleanup.policy=@1", "log.cleanup.policy=delete@5"]],
    });
    expect(await alterOne(b, res(TOPIC, "t", ["leader.replication.throttled.replicas", APPEND, "0:1"]), { version: 0 })).toEqual([0, null]);
  });

  test("Kafka's errors and messages", async () => {
    const b = open();
    createTopic(b, "t");
    const cases: [Res, number, string | null][] = [
      [res(TOPIC, "nope", ["retention.ms", SET, "1"]), 3, "The topic 'nope' does not exist."],
      // Values are checked before the topic's existence, as Kafka's controller does.
      [res(TOPIC, "nope", ["retention.ms", SET, "x"]), 40, "Invalid value x for configuration retention.ms: Not a number of type LONG"],
      [res(TOPIC, "t", ["foo", SET, "1"]), 40, "Unknown topic config name: foo"],
      [res(TOPIC, "t", ["retention.ms", SET, "-5"]), 40, "Invalid value -5 for configuration retention.ms: Value must be at least -1"],
      [res(TOPIC, "t", ["retention.ms", SET, ""]), 40, "Invalid value  for configuration retention.ms: Not a number of type LONG"],
      [res(TOPIC, "t", ["segment.bytes", SET, "100"]), 40, "Invalid value 100 for configuration segment.bytes: Value must be at least 1048576"],
      [res(TOPIC, "t", ["cleanup.policy", SET, "compact,foo"]), 40, "Invalid value foo for configuration cleanup.policy: String must be one of: compact, delete"],
      [res(TOPIC, "t", ["retention.ms", APPEND, "5"]), 40, "Can't APPEND to key retention.ms because its type is not LIST."],
      [res(TOPIC, "t", ["retention.ms", SUBTRACT, "5"]), 40, "Can't SUBTRACT to key retention.ms because its type is not LIST."],
      [res(TOPIC, "t", ["foo", APPEND, "5"]), 40, "Can't APPEND to key foo because its type is not LIST."],
      [res(TOPIC, "t", ["retention.ms", SET, null]), 42, "Null value not supported for : retention.ms"],
      [res(TOPIC, "t", ["cleanup.policy", APPEND, null], ["retention.ms", SET, null]), 42, "Null value not supported for : cleanup.policy, retention.ms"],
      [res(TOPIC, "t", ["retention.ms", SET, "1"], ["retention.ms", SET, "2"]), 42, "Error due to duplicate config keys"],
      [res(TOPIC, "", ["retention.ms", SET, "1"]), 42, "Default topic resources are not allowed."],
      [res(TOPIC, "bad name!", ["retention.ms", SET, "1"]), 17, "Topic name is invalid: 'bad name!' contains one or more characters other than ASCII alphanumerics, '.', '_' and '-'"],
      [res(TOPIC, "t", ["min.compaction.lag.ms", SET, "100"], ["max.compaction.lag.ms", SET, "50"]), 40, "conflict topic config setting min.compaction.lag.ms (100) > max.compaction.lag.ms (50)"],
      [res(TOPIC, "t", ["remote.storage.enable", SET, "true"]), 40, "Tiered Storage functionality is disabled in the broker. Topic cannot be configured with remote log storage."],
      [res(TOPIC, "t", ["leader.replication.throttled.replicas", SET, "0:1,*"]), 40,
        "Invalid value [0:1, *] for configuration leader.replication.throttled.replicas: leader.replication.throttled.replicas must be the literal '*' or a list of replicas in the following format: [partitionId]:[brokerId],[partitionId]:[brokerId],..."],
      // Kafka 4.3.1's controller fails with UNKNOWN_SERVER_ERROR here (and gives up its leadership).
      [res(TOPIC, "t", ["retention.ms", 7, "1"]), 42, "Unknown operations type 7"],
      [res(CLIENT_METRICS, "m", ["interval.ms", SET, "1000"]), 42, "Unsupported resource type: CLIENT_METRICS"],
      [res(99, "x", ["a", SET, "1"]), 42, "Unknown resource type 99"],
      [res(0, "x"), 42, "Unknown resource type 0"],
    ];
    const from = b.store.metadata.nextOffset;
    for (const [r, code, message] of cases) expect([r.name, ...(await alterOne(b, r))]).toEqual([r.name, code, message]);
    expect(b.store.metadata.nextOffset).toBe(from);
    // A resource twice: both refused; the others answered in request order.
    expect(await alter(b, [res(TOPIC, "t"), res(TOPIC, "nope"), res(TOPIC, "t", ["retention.ms", SET, "1"]), res(99, "x")])).toEqual([
      [42, "Each resource must appear at most once."], [3, "The topic 'nope' does not exist."],
      [42, "Each resource must appear at most once."], [42, "Unknown resource type 99"],
    ]);
  });

  test("validate_only checks the same and writes nothing", async () => {
    const b = open();
    createTopic(b, "t");
    const from = b.store.metadata.nextOffset;
    expect(await alter(b, [
      res(TOPIC, "t", ["retention.ms", SET, "7777"]), res(TOPIC, "t2", ["retention.ms", SET, "1"]), res(BROKER, "", ["log.retention.ms", SET, "1"]),
    ], { validateOnly: true })).toEqual([[0, null], [3, "The topic 't2' does not exist."], [0, null]]);
    expect(await alterOne(b, res(TOPIC, "t", ["retention.ms", SET, "x"]), { validateOnly: true }))
      .toEqual([40, "Invalid value x for configuration retention.ms: Not a number of type LONG"]);
    expect(b.store.metadata.nextOffset).toBe(from);
    expect(own(b, "t")).toEqual({});
    expect(brokerOwn(b, "")).toEqual({});
  });
});

describe("IncrementalAlterConfigs: brokers", () => {
  test("this node and the cluster default; a BROKER key named gets a record even when unchanged", async () => {
    const b = open();
    const from = b.store.metadata.nextOffset;
    expect(await alter(b, [
      res(BROKER, "1", ["log.retention.ms", SET, "123456"], ["num.io.threads", SET, "9"]),
      res(BROKER, "", ["log.retention.ms", SET, " 234567 "], ["log.retention.bytes", SET, "99999"], ["foo.custom", SET, "x"]),
    ])).toEqual([[0, null], [0, null]]);
    expect(brokerOwn(b, "1")).toEqual({ "log.retention.ms": "123456", "num.io.threads": "9" });
    expect(brokerOwn(b, "")).toEqual({ "log.retention.ms": "234567", "log.retention.bytes": "99999", "foo.custom": "x" });
    expect(configRecords(b.store, from).map((r) => [r.resourceType, r.resourceName, r.name, r.value])).toEqual([
      [4, "1", "log.retention.ms", "123456"], [4, "1", "num.io.threads", "9"],
      [4, "", "log.retention.ms", "234567"], [4, "", "log.retention.bytes", "99999"], [4, "", "foo.custom", "x"],
    ]);
    const next = b.store.metadata.nextOffset;
    expect(await alterOne(b, res(BROKER, "1", ["log.retention.ms", SET, "123456"], ["node.id", DELETE, null]))).toEqual([0, null]);
    expect(configRecords(b.store, next).map((r) => [r.name, r.value])).toEqual([["log.retention.ms", "123456"], ["node.id", null]]);
    expect(await alterOne(b, res(BROKER, "", ["log.cleanup.policy", APPEND, "compact"]))).toEqual([0, null]);
    expect(brokerOwn(b, "")["log.cleanup.policy"]).toBe("delete,compact");
    expect(await alterOne(b, res(BROKER, "", ["foo.custom", DELETE, null], ["log.cleanup.policy", SUBTRACT, "delete"]))).toEqual([0, null]);
    expect(brokerOwn(b, "")).toEqual({ "log.retention.ms": "234567", "log.retention.bytes": "99999", "log.cleanup.policy": "compact" });
  });

  test("Kafka's errors and messages", async () => {
    const b = open();
    const cases: [Res, number, string | null][] = [
      [res(BROKER, "2", ["log.retention.ms", SET, "1"]), 42, "Unexpected broker id, expected 1, but received 2"],
      [res(BROKER, "-1", ["log.retention.ms", SET, "1"]), 42, "Unexpected broker id, expected 1, but received -1"],
      [res(BROKER, "x", ["log.retention.ms", SET, "1"]), 42, "Node id must be an integer, but it is: x"],
      [res(BROKER, "1", ["node.id", SET, "5"]), 42, "Cannot update these configs dynamically: [node.id]"],
      [res(BROKER, "", ["log.retention.hours", SET, "5"]), 42, "Cannot update these configs dynamically: [log.retention.hours]"],
      [res(BROKER, "1", ["log.dirs", SET, "/tmp/x"], ["num.partitions", SET, "3"]), 42, "Cannot update these configs dynamically: [log.dirs, num.partitions]"],
      [res(BROKER, "1", ["log.retention.ms", SET, "abc"]), 42, "Invalid value abc for configuration log.retention.ms: Not a number of type LONG"],
      [res(BROKER, "", ["log.segment.bytes", SET, "10"]), 42, "Invalid value 10 for configuration log.segment.bytes: Value must be at least 1048576"],
      [res(BROKER, "", ["compression.type", SET, "zip"]), 42, "Invalid value zip for configuration compression.type: String must be one of: uncompressed, zstd, lz4, snappy, gzip, producer"],
      [res(BROKER, "", ["log.message.timestamp.type", SET, "Foo"]), 42, "Invalid value Foo for configuration log.message.timestamp.type: String must be one of: CreateTime, LogAppendTime"],
      [res(BROKER, "1", ["log.retention.ms", APPEND, "1"]), 40, "Config value append is not allowed for config key: log.retention.ms"],
      [res(BROKER, "1", ["log.retention.ms", SUBTRACT, "1"]), 40, "Config value subtract is not allowed for config key: log.retention.ms"],
      [res(BROKER, "1", ["foo.bar", APPEND, "1"]), 40, "Unknown config name: foo.bar"],
      [res(BROKER, "1", ["log.retention.ms", 7, "1"]), 42, "Unknown operations type 7"],
      // Kafka can change these per broker at run time; Bunka cannot without a restart.
      [res(BROKER, "1", ["listeners", SET, "PLAINTEXT://:9093"]), 42, "Cannot update these configs dynamically: [listeners]"],
      [res(BROKER, "1", ["listener.name.plaintext.ssl.keystore.location", SET, "/x"]), 42, "Cannot update these configs dynamically: [listener.name.plaintext.ssl.keystore.location]"],
    ];
    const from = b.store.metadata.nextOffset;
    for (const [r, code, message] of cases) expect([r.name, r.ops[0]![0], ...(await alterOne(b, r))]).toEqual([r.name, r.ops[0]![0], code, message]);
    expect(b.store.metadata.nextOffset).toBe(from);
  });
});

describe("IncrementalAlterConfigs: groups and the broker logger", () => {
  test("group configs: stored as GROUP ConfigRecords, bounded by the broker's group.* keys, described with GROUP_CONFIG", async () => {
    const b = open("group.consumer.max.session.timeout.ms=70000");
    const cases: [Res, number, string | null][] = [
      [res(GROUP, "g", ["consumer.session.timeout.ms", SET, "1000"]), 40, "consumer.session.timeout.ms must be greater than or equal to group.consumer.min.session.timeout.ms"],
      [res(GROUP, "g", ["consumer.session.timeout.ms", SET, "80000"]), 40, "consumer.session.timeout.ms must be less than or equal to group.consumer.max.session.timeout.ms"],
      [res(GROUP, "g", ["share.delivery.count.limit", SET, "20"]), 40, "share.delivery.count.limit must be less than or equal to group.share.max.delivery.count.limit"],
      [res(GROUP, "g", ["streams.num.standby.replicas", SET, "5"]), 40, "streams.num.standby.replicas must be less than or equal to group.streams.max.standby.replicas"],
      [res(GROUP, "g", ["share.auto.offset.reset", SET, "bogus"]), 40,
        "Invalid value bogus for configuration share.auto.offset.reset: Invalid value `bogus` for configuration share.auto.offset.reset. The value must be either 'earliest', 'latest' or of the format 'by_duration:<PnDTnHnMn.nS>'."],
      [res(GROUP, "g", ["share.isolation.level", SET, "x"]), 40, "Invalid value x for configuration share.isolation.level: String must be one of: read_committed, read_uncommitted"],
      [res(GROUP, "g", ["foo", SET, "1"]), 40, "Unknown group config name: foo"],
      [res(GROUP, "g", ["consumer.session.timeout.ms", APPEND, "1"]), 40, "Can't APPEND to key consumer.session.timeout.ms because its type is not LIST."],
      [res(GROUP, "", ["consumer.session.timeout.ms", SET, "50000"]), 42, "Default group resources are not allowed."],
    ];
    for (const [r, code, message] of cases) expect(await alterOne(b, r)).toEqual([code, message]);
    expect(await alterOne(b, res(GROUP, "g", ["share.auto.offset.reset", SET, "by_duration:PT1H"]), { validateOnly: true })).toEqual([0, null]);
    const from = b.store.metadata.nextOffset;
    expect(await alterOne(b, res(GROUP, "g", ["consumer.session.timeout.ms", SET, " 65000 "], ["share.renew.acknowledge.enable", SET, "FALSE"]))).toEqual([0, null]);
    expect(configRecords(b.store, from).map((r) => [r.resourceType, r.resourceName, r.name, r.value])).toEqual([
      [32, "g", "consumer.session.timeout.ms", "65000"], [32, "g", "share.renew.acknowledge.enable", "false"],
    ]);
    expect(await described(b, GROUP, "g", ["consumer.session.timeout.ms", "share.renew.acknowledge.enable", "consumer.heartbeat.interval.ms"])).toEqual({
      "consumer.heartbeat.interval.ms": ["5000", 5, ["group.consumer.heartbeat.interval.ms=5000@5"]],
      "consumer.session.timeout.ms": ["65000", 8, ["consumer.session.timeout.ms=65000@8", "group.consumer.session.timeout.ms=45000@5"]],
      "share.renew.acknowledge.enable": ["false", 8, ["share.renew.acknowledge.enable=false@8", "share.renew.acknowledge.enable=true@5"]],
    });
    // Any group id is described, existing or not, as in Kafka.
    const other = await describeOne(b, GROUP, "never-seen");
    expect(other.configs.size).toBe(17);
    expect(other.configs.get("share.auto.offset.reset")).toMatchObject({ value: "latest", configSource: 5, configType: 2 });
    expect(await describeOne(b, GROUP, "")).toMatchObject({ errorCode: 42, errorMessage: "Group name must not be empty" });
  });

  test("BROKER_LOGGER sets the root logger's level at once, not persisted; other loggers and operations refused", async () => {
    const b = open();
    const wasDebug = log.enabled("debug");
    try {
      const from = b.store.metadata.nextOffset;
      expect(await alterOne(b, res(BROKER_LOGGER, "1", ["root", SET, "WARN"]), { validateOnly: true })).toEqual([0, null]);
      expect(log.enabled("info")).toBe(true);
      expect(await alterOne(b, res(BROKER_LOGGER, "1", ["root", SET, "ERROR"]))).toEqual([0, null]);
      expect(log.enabled("warn")).toBe(false);
      expect((await describeOne(b, BROKER_LOGGER, "1")).configs.get("root")).toMatchObject({ value: "ERROR", configSource: 6 });
      expect(b.store.metadata.nextOffset).toBe(from);
      const cases: [Res, number, string | null][] = [
        [res(BROKER_LOGGER, "1", ["root", SET, "LOUD"]), 40, "Cannot set the log level of root to LOUD as it is not a supported log level. Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN"],
        [res(BROKER_LOGGER, "1", ["root", SET, "info"]), 40, "Cannot set the log level of root to info as it is not a supported log level. Valid log levels are DEBUG, ERROR, FATAL, INFO, TRACE, WARN"],
        [res(BROKER_LOGGER, "1", ["no.such.logger", SET, "INFO"]), 40, "Logger no.such.logger does not exist!"],
        [res(BROKER_LOGGER, "1", ["root", DELETE, null]), 42, "Removing the log level of the root logger is not allowed"],
        [res(BROKER_LOGGER, "1", ["root", APPEND, "INFO"]), 42, "APPEND operation is not allowed for the BROKER_LOGGER resource"],
        [res(BROKER_LOGGER, "2", ["root", SET, "INFO"]), 42, "Unexpected node id. Expected 1, but received 2"],
        [res(BROKER_LOGGER, "", ["root", SET, "INFO"]), 42, "Node id must be an integer, but it is: "],
      ];
      for (const [r, code, message] of cases) expect(await alterOne(b, r)).toEqual([code, message]);
    } finally {
      setLogLevel(wasDebug ? "debug" : "info");
    }
  });
});

describe("AlterConfigs", () => {
  test("the given keys replace every dynamic config of the resource", async () => {
    const b = open();
    createTopic(b, "t", 1, { "retention.bytes": "5000", "cleanup.policy": "compact" });
    const from = b.store.metadata.nextOffset;
    expect(await replace(b, [{ type: TOPIC, name: "t", configs: { "retention.ms": "3000", "cleanup.policy": "compact" } }])).toEqual([[0, null]]);
    expect(own(b, "t")).toEqual({ "retention.ms": "3000", "cleanup.policy": "compact" });
    // The unchanged key writes nothing, the missing one is deleted.
    expect(configRecords(b.store, from).map((r) => [r.name, r.value])).toEqual([["retention.ms", "3000"], ["retention.bytes", null]]);
    expect(await replace(b, [{ type: TOPIC, name: "t", configs: {} }], { version: 0 })).toEqual([[0, null]]);
    expect(own(b, "t")).toEqual({});

    expect(await replace(b, [
      { type: BROKER, name: "1", configs: { "log.retention.bytes": "777" } },
      { type: BROKER, name: "", configs: { "log.retention.ms": "888", "message.max.bytes": "2000000" } },
    ], { version: 1 })).toEqual([[0, null], [0, null]]);
    expect(await replace(b, [{ type: BROKER, name: "", configs: { "log.retention.ms": "888" } }])).toEqual([[0, null]]);
    expect(brokerOwn(b, "")).toEqual({ "log.retention.ms": "888" });
    expect(brokerOwn(b, "1")).toEqual({ "log.retention.bytes": "777" });
  });

  test("Kafka's errors and messages", async () => {
    const b = open();
    createTopic(b, "t");
    const from = b.store.metadata.nextOffset;
    expect(await replace(b, [
      { type: TOPIC, name: "nope", configs: { "retention.ms": "1" } },
      { type: TOPIC, name: "t", configs: { foo: "1" } },
      { type: TOPIC, name: "t2", configs: { "retention.ms": null } },
      { type: BROKER, name: "1", configs: { "node.id": "1" } },
      { type: BROKER, name: "3", configs: {} },
      { type: BROKER, name: "", configs: { "log.retention.ms": "x" } },
      { type: BROKER_LOGGER, name: "1", configs: { root: "INFO" } },
      { type: 99, name: "x", configs: {} },
    ])).toEqual([
      [3, "The topic 'nope' does not exist."],
      [40, "Unknown topic config name: foo"],
      [42, "Null value not supported for : retention.ms"],
      [42, "Cannot update these configs dynamically: [node.id]"],
      [42, "Unexpected broker id, expected 1, but received 3"],
      [42, "Invalid value x for configuration log.retention.ms: Not a number of type LONG"],
      [42, "Unknown resource type 8"],
      [42, "Unknown resource type 99"],
    ]);
    // Kafka 4.3.1 fails to answer this one at all.
    expect(await replace(b, [{ type: TOPIC, name: "t", configs: {} }, { type: TOPIC, name: "t", configs: {} }]))
      .toEqual([[42, "Each resource must appear at most once."], [42, "Each resource must appear at most once."]]);
    expect(await replace(b, [{ type: TOPIC, name: "t", configs: { "retention.ms": "1" } }], { validateOnly: true })).toEqual([[0, null]]);
    expect(b.store.metadata.nextOffset).toBe(from);
  });
});

describe("DescribeConfigs with dynamic configs", () => {
  test("sources and synonyms in Kafka's order: topic, this node, the cluster default, server.properties, default", async () => {
    const b = open("log.retention.bytes=99999\nlog.roll.hours=2");
    createTopic(b, "t");
    expect(await alter(b, [
      res(BROKER, "1", ["log.retention.ms", SET, "123456"], ["log.retention.bytes", SET, "77"]),
      res(BROKER, "", ["log.retention.ms", SET, "234567"], ["log.cleaner.min.cleanable.ratio", SET, "1"], ["foo.custom", SET, "x"]),
    ])).toEqual([[0, null], [0, null]]);
    expect(await described(b, TOPIC, "t", ["retention.ms", "retention.bytes", "min.cleanable.dirty.ratio", "segment.ms"])).toEqual({
      "min.cleanable.dirty.ratio": ["1.0", 3, ["log.cleaner.min.cleanable.ratio=1.0@3", "log.cleaner.min.cleanable.ratio=0.5@5"]],
      "retention.bytes": ["77", 2, ["log.retention.bytes=77@2", "log.retention.bytes=99999@4", "log.retention.bytes=-1@5"]],
      "retention.ms": ["123456", 2, ["log.retention.ms=123456@2", "log.retention.ms=234567@3", "log.retention.hours=168@5"]],
      "segment.ms": ["7200000", 5, []],
    });
    expect(await described(b, BROKER, "1", ["log.retention.ms", "log.retention.hours", "log.retention.bytes", "foo.custom", "num.io.threads"])).toEqual({
      "foo.custom": [null, 3, ["foo.custom=null@3"]],
      "log.retention.bytes": ["77", 2, ["log.retention.bytes=77@2", "log.retention.bytes=99999@4", "log.retention.bytes=-1@5"]],
      "log.retention.hours": ["168", 5, ["log.retention.hours=168@5"]],
      "log.retention.ms": ["123456", 2, ["log.retention.ms=123456@2", "log.retention.ms=234567@3", "log.retention.hours=168@5"]],
    });
    const node = await describeOne(b, BROKER, "1", ["foo.custom", "log.retention.ms"]);
    expect(node.configs.get("foo.custom")).toMatchObject({ readOnly: true, isSensitive: true, configType: 0 });
    expect(node.configs.get("log.retention.ms")).toMatchObject({ readOnly: false, isSensitive: false, configType: 5 });
    // The cluster default: only what is set there, with synonyms of that level only.
    const cluster = await describeOne(b, BROKER, "");
    expect([...cluster.configs.values()].map((c) => [c.name, c.value, c.configSource, c.readOnly, c.synonyms.map((s) => `${s.name}=${s.value}@${s.source}`)])).toEqual([
      ["foo.custom", null, 3, true, ["foo.custom=null@3"]],
      ["log.cleaner.min.cleanable.ratio", "1.0", 3, false, ["log.cleaner.min.cleanable.ratio=1.0@3"]],
      ["log.retention.ms", "234567", 3, false, ["log.retention.ms=234567@3"]],
    ]);
    // A topic's own value comes first, then every broker layer.
    expect(await alterOne(b, res(TOPIC, "t", ["retention.ms", SET, "3000"]))).toEqual([0, null]);
    expect((await described(b, TOPIC, "t", ["retention.ms"]))["retention.ms"]).toEqual(
      ["3000", 1, ["retention.ms=3000@1", "log.retention.ms=123456@2", "log.retention.ms=234567@3", "log.retention.hours=168@5"]]);
  });

  test("CreateTopics v5+ reports inherited dynamic values with their sources", async () => {
    const b = open();
    expect(await alter(b, [res(BROKER, "1", ["log.retention.bytes", SET, "77"]), res(BROKER, "", ["log.retention.ms", SET, "5000"])])).toEqual([[0, null], [0, null]]);
    const handler = handlerFor(19)!;
    const response = await handler.handle({
      topics: [{ name: "c", numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: 30000, validateOnly: false,
    }, ctx(b, 19, 7));
    const configs = new Map(response.topics[0].configs.map((c: { name: string }) => [c.name, c]));
    expect(configs.get("retention.ms")).toMatchObject({ value: "5000", configSource: 3 });
    expect(configs.get("retention.bytes")).toMatchObject({ value: "77", configSource: 2 });
    expect(configs.get("segment.bytes")).toMatchObject({ value: "1073741824", configSource: 5 });
  });
});

describe("persistence, the change event and the effective values", () => {
  test("dynamic configs are ConfigRecords replayed at the next start", async () => {
    const b = open();
    createTopic(b, "t");
    expect(await alter(b, [
      res(TOPIC, "t", ["retention.ms", SET, "1000"]), res(BROKER, "", ["log.retention.ms", SET, "5000"]),
      res(BROKER, "1", ["message.max.bytes", SET, "2000000"]), res(GROUP, "g", ["consumer.session.timeout.ms", SET, "50000"]),
    ])).toEqual([[0, null], [0, null], [0, null], [0, null]]);
    expect(await alterOne(b, res(BROKER, "", ["log.retention.ms", DELETE, null], ["log.retention.bytes", SET, "123"]))).toEqual([0, null]);
    const again = reopen(b);
    expect(own(again, "t")).toEqual({ "retention.ms": "1000" });
    expect(brokerOwn(again, "")).toEqual({ "log.retention.bytes": "123" });
    expect(brokerOwn(again, "1")).toEqual({ "message.max.bytes": "2000000" });
    expect(Object.fromEntries(again.store.metadata.groupConfigs.get("g")!)).toEqual({ "consumer.session.timeout.ms": "50000" });
    expect((await described(again, TOPIC, "t", ["retention.ms", "retention.bytes"]))).toEqual({
      "retention.bytes": ["123", 3, ["log.retention.bytes=123@3", "log.retention.bytes=-1@5"]],
      // No log.retention.ms anywhere: Kafka's list of its synonyms starts at nothing.
      "retention.ms": ["1000", 1, ["retention.ms=1000@1"]],
    });
  });

  test("onConfigChange: once per changed resource, after the batch, with the new values in place", async () => {
    const b = open();
    createTopic(b, "t");
    const seen: string[] = [];
    const stop = b.store.metadata.onConfigChange((r) => {
      const map = b.store.metadata.configsOfType(r.type)!.get(r.name);
      seen.push(`${r.type}:${r.name}:${JSON.stringify(Object.fromEntries(map ?? []))}`);
    });
    const failing = b.store.metadata.onConfigChange(() => {
      throw new Error("a listener that fails");
    });
    expect(await alter(b, [
      res(TOPIC, "t", ["retention.ms", SET, "1000"], ["retention.bytes", SET, "5"]), res(BROKER, "", ["log.retention.ms", SET, "5000"]),
    ])).toEqual([[0, null], [0, null]]);
    expect(seen).toEqual(['2:t:{"retention.ms":"1000","retention.bytes":"5"}', '4::{"log.retention.ms":"5000"}']);
    failing();
    // validate_only, refused changes and unchanged topic keys announce nothing.
    seen.length = 0;
    await alterOne(b, res(TOPIC, "t", ["retention.ms", SET, "1"]), { validateOnly: true });
    await alterOne(b, res(TOPIC, "t", ["retention.ms", SET, "x"]));
    await alterOne(b, res(TOPIC, "t", ["retention.ms", SET, "1000"]));
    expect(seen).toEqual([]);
    // A BROKER key named is a change even when unchanged (Kafka writes the record).
    await alterOne(b, res(BROKER, "", ["log.retention.ms", SET, "5000"]));
    expect(seen).toEqual(['4::{"log.retention.ms":"5000"}']);
    // A topic created with configs, and a deleted topic whose configs go with it.
    seen.length = 0;
    createTopic(b, "c", 1, { "cleanup.policy": "compact" });
    b.store.deleteTopic(b.store.metadata.topicsByName.get("t")!.topicId);
    createTopic(b, "plain");
    expect(seen).toEqual(['2:c:{"cleanup.policy":"compact"}', "2:t:{}"]);
    stop();
    await alterOne(b, res(TOPIC, "c", ["retention.ms", SET, "1"]));
    expect(seen.length).toBe(2);
  });

  test("effectiveBrokerValue: this node's dynamic value, the cluster default, server.properties, Kafka's default", async () => {
    const b = open("log.retention.bytes= 42 \nlog.retention.hours=2");
    const { config } = b.broker;
    const md = b.store.metadata;
    expect(effectiveBrokerValue("log.retention.bytes", config, md)).toBe("42");
    expect(effectiveBrokerValue("log.cleanup.policy", config, md)).toBe("delete");
    expect(effectiveBrokerValue("log.retention.ms", config, md)).toBe(null);
    expect(effectiveBrokerValue("broker.id", config, md)).toBe("1");
    expect(effectiveTopicValue("retention.ms", undefined, config, md)).toBe("7200000");
    await alterOne(b, res(BROKER, "", ["log.retention.bytes", SET, "7"], ["log.retention.ms", SET, "5000"]));
    expect(effectiveBrokerValue("log.retention.bytes", config, md)).toBe("7");
    expect(effectiveTopicValue("retention.ms", undefined, config, md)).toBe("5000");
    await alterOne(b, res(BROKER, "1", ["log.retention.bytes", SET, "8"]));
    expect(effectiveBrokerValue("log.retention.bytes", config, md)).toBe("8");
    expect(effectiveBrokerValue("log.retention.bytes", config)).toBe("42");
    expect(effectiveTopicValue("retention.bytes", new Map([["retention.bytes", "9"]]), config, md)).toBe("9");
    expect(effectiveTopicValue("retention.bytes", undefined, config, md)).toBe("8");
  });

  test("Produce applies dynamic broker values: topicSettings falls back to the effective broker value", async () => {
    const b = open();
    createTopic(b, "p");
    expect(topicSettings(b.broker, "p")).toMatchObject({ logAppendTime: false, maxMessageBytes: 1048588, compacted: false });
    await alterOne(b, res(BROKER, "", ["log.message.timestamp.type", SET, "LogAppendTime"], ["message.max.bytes", SET, "100"], ["log.cleanup.policy", SET, "compact"]));
    expect(topicSettings(b.broker, "p")).toMatchObject({ logAppendTime: true, maxMessageBytes: 100, compacted: true });
    await alterOne(b, res(TOPIC, "p", ["max.message.bytes", SET, "5000"], ["cleanup.policy", SET, "delete"]));
    expect(topicSettings(b.broker, "p")).toMatchObject({ logAppendTime: true, maxMessageBytes: 5000, compacted: false });
    await alterOne(b, res(BROKER, "", ["message.max.bytes", SET, "100"]));
    await alterOne(b, res(TOPIC, "p", ["max.message.bytes", DELETE, null]));
    const produced = await call(b, PRODUCE, 9, {
      transactionalId: null, acks: -1, timeoutMs: 1000,
      topicData: [{ name: "p", partitionData: [{ index: 0, records: buildRecordBatch({ records: [{ value: new Uint8Array(200) }] }) }] }],
    });
    expect(produced.responses[0]!.partitionResponses[0]!.errorCode).toBe(10); // MESSAGE_TOO_LARGE
  });
});

describe("DescribeLogDirs", () => {
  let b: Broker;
  afterEach(() => b.store.close());

  test("every partition of the log dir with its size; a topic list filters; file system totals from v4", async () => {
    b = open();
    createTopic(b, "a", 2);
    createTopic(b, "b");
    const batch = buildRecordBatch({ records: [{ value: new Uint8Array(100) }] });
    b.store.partition("a", 1)!.append(batch);
    b.store.partition("a", 1)!.append(buildRecordBatch({ records: [{ value: new Uint8Array(10) }] }));
    const sizeA1 = b.store.partition("a", 1)!.sizeInBytes;
    expect(sizeA1).toBeGreaterThan(110);
    for (let v = 1; v <= 5; v++) {
      const out = await call(b, LOG_DIRS, v, { topics: null });
      expect(out.errorCode).toBe(0);
      expect(out.results.length).toBe(1);
      const [dir] = out.results;
      expect(dir!.errorCode).toBe(0);
      expect(dir!.logDir).toBe(b.broker.config.logDirs[0]!);
      expect(dir!.topics).toEqual([
        { name: "a", partitions: [
          { partitionIndex: 0, partitionSize: 0, offsetLag: 0, isFutureKey: false },
          { partitionIndex: 1, partitionSize: sizeA1, offsetLag: 0, isFutureKey: false },
        ] },
        { name: "b", partitions: [{ partitionIndex: 0, partitionSize: 0, offsetLag: 0, isFutureKey: false }] },
      ]);
      expect(b.store.openedPartition("b", 0)).toBeUndefined(); // described, not created
      if (v >= 4) {
        const fs = nodeFs.statfsSync(b.dir);
        expect(dir!.totalBytes).toBe(fs.blocks * fs.bsize);
        expect(dir!.usableBytes).toBeGreaterThan(0);
        expect(dir!.usableBytes).toBeLessThanOrEqual(dir!.totalBytes);
      } else {
        expect([dir!.totalBytes, dir!.usableBytes]).toEqual([-1, -1]);
      }
      expect(dir!.isCordoned).toBe(false);
    }
    const some = await call(b, LOG_DIRS, 5, { topics: [{ topic: "a", partitions: [1, 7] }, { topic: "nope", partitions: [0] }] });
    expect(some.results[0]!.topics).toEqual([{ name: "a", partitions: [{ partitionIndex: 1, partitionSize: sizeA1, offsetLag: 0, isFutureKey: false }] }]);
    const none = await call(b, LOG_DIRS, 5, { topics: [] });
    expect(none.results[0]!.topics).toEqual([]);
  });

  test("one result per log dir, each with the partitions it holds", async () => {
    const root = tempDir();
    const [d1, d2] = [join(root, "one"), join(root, "two")];
    // A partition directory already in the second dir (as another broker version left it).
    nodeFs.mkdirSync(join(d2, "x-1"), { recursive: true });
    const config = brokerConfigFrom(parseProperties(`node.id=1\nlog.dirs=${d1},${d2}\n`), "test");
    const store = LogStore.open({ logDirs: [d1, d2] });
    b = { broker: { config, store, clusterId: "c", groups: undefined as never }, store, dir: d1, props: "" };
    store.metadata.createTopic("x", 2, { nodeId: 1 });
    const out = await call(b, LOG_DIRS, 4, { topics: null });
    expect(out.results.map((r) => [r.logDir, r.errorCode, r.topics.map((t) => `${t.name}:${t.partitions.map((p) => p.partitionIndex)}`)])).toEqual([
      [d1, 0, ["x:0"]], [d2, 0, ["x:1"]],
    ]);
  });
});
