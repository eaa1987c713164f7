// The config tables DescribeConfigs, CreateTopics and topic-config validation work from: data
// only (the logic is in config-values.ts). Facts are Apache Kafka 4.3.1's, as its DescribeConfigs
// answers them (test/interop/kafka-run.sh) and as storage/.../LogConfig.java and
// server-common/.../ServerTopicConfigSynonyms.java define them:
//
// - TOPIC_CONFIGS: every topic config Kafka 4.3.1 accepts (LogConfig, in its definition order,
//   which is the order values are checked in), with type, default, validator, and the broker
//   keys a topic inherits its value from when it does not set one ("synonyms", first wins;
//   hours/minutes are converted to milliseconds). Removed in Kafka 4.0 and rejected as unknown:
//   message.format.version, message.timestamp.difference.max.ms, message.downconversion.enable.
// - BROKER_CONFIGS: the broker keys Bunka reads, every broker key a topic config derives from,
//   and a few that tools commonly look at, with Bunka's documentation. Not all of Kafka's ~340: a
//   key missing here that is set (in server.properties or dynamically) is still described, with
//   its type from KAFKA_BROKER_KEYS, or as Kafka describes a key it does not know (type UNKNOWN,
//   value hidden). Defaults are Bunka's where Bunka differs from Kafka (node.id and broker.id 1,
//   log.dirs ./data); read_only is Kafka's (not dynamically alterable).
//
// - KAFKA_BROKER_KEYS: every broker key Kafka 4.3.1 defines (generated into
//   kafka-broker-keys.ts by build/config-keys.ts) with its type, default, validator and whether it
//   can be altered dynamically (cluster-wide or per broker only) or not at all: what dynamic
//   broker config changes are checked against.
// - GROUP_CONFIGS: the group configs of Kafka 4.3.1's GroupConfig (KIP-848 consumer groups,
//   share groups, streams groups), in its definition order, each with the broker key it
//   inherits from.
//
// Documentation strings are Bunka's own one-line summaries, not Kafka's text.

import { KAFKA_BROKER_KEY_ROWS } from "./kafka-broker-keys.ts";

/** DescribeConfigsResponse.ConfigType ids. */
export const ConfigType = {
  UNKNOWN: 0, BOOLEAN: 1, STRING: 2, INT: 3, SHORT: 4, LONG: 5, DOUBLE: 6, LIST: 7, CLASS: 8, PASSWORD: 9,
} as const;
export type ConfigTypeName = Exclude<keyof typeof ConfigType, "UNKNOWN">;

/** DescribeConfigsResponse.ConfigSource ids. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;

/** ConfigResource.Type ids. */
export const ConfigResourceType = {
  TOPIC: 2, BROKER: 4, BROKER_LOGGER: 8, CLIENT_METRICS: 16, GROUP: 32,
} as const;

/** How a value is checked beyond its type (Kafka's ConfigDef validators). */
export type ConfigValidator =
  /** ConfigDef.Range: "Value must be at least min" / "Value must be no more than max". */
  | { kind: "range"; min?: string; max?: string }
  /** ConfigDef.ValidString: the trimmed value must be one of these. */
  | { kind: "oneOf"; values: readonly string[] }
  /** ConfigDef.ValidList: every element must be one of these (an empty list is allowed). */
  | { kind: "eachOf"; values: readonly string[] }
  /** GzipCompression level: 1..9 or -1. */
  | { kind: "gzipLevel" }
  /** ThrottledReplicaListValidator: "*" or partition:broker pairs. */
  | { kind: "throttledReplicas" }
  /** ShareGroupAutoOffsetResetStrategy: latest, earliest or by_duration:<ISO-8601 duration>. */
  | { kind: "autoOffsetReset" };

export interface ConfigDef {
  name: string;
  type: ConfigTypeName;
  /** The default as Kafka prints it, or null for none. */
  default: string | null;
  validator?: ConfigValidator;
  doc: string;
}

/** How a broker key may change at run time (Kafka's DynamicBrokerConfig). */
export type BrokerKeyMode = "static" | "cluster-wide" | "per-broker";

/** A broker key as Kafka 4.3.1 defines it. */
export interface KafkaBrokerKeyDef extends ConfigDef {
  mode: BrokerKeyMode;
}

/** A broker key a topic config inherits from; hours/minutes values are converted to ms. */
export interface ConfigSynonym {
  name: string;
  unit?: "hours" | "minutes";
}

export interface TopicConfigDef extends ConfigDef {
  synonyms: readonly ConfigSynonym[];
}

export interface BrokerConfigDef extends ConfigDef {
  /** True when Kafka cannot alter it dynamically. */
  readOnly: boolean;
}

const LONG_MAX = "9223372036854775807";
const at = (min: string): ConfigValidator => ({ kind: "range", min });
const syn = (name: string, unit?: "hours" | "minutes"): ConfigSynonym => (unit ? { name, unit } : { name });

export const TOPIC_CONFIGS: readonly TopicConfigDef[] = [
  { name: "segment.bytes", type: "INT", default: "1073741824", validator: at("1048576"), synonyms: [syn("log.segment.bytes")],
    doc: "Size in bytes at which a partition's active segment file is rolled." },
  { name: "segment.ms", type: "LONG", default: "604800000", validator: at("1"), synonyms: [syn("log.roll.ms"), syn("log.roll.hours", "hours")],
    doc: "Time after which the active segment is rolled even if it is not full." },
  { name: "segment.jitter.ms", type: "LONG", default: "0", validator: at("0"), synonyms: [syn("log.roll.jitter.ms"), syn("log.roll.jitter.hours", "hours")],
    doc: "Maximum random jitter subtracted from segment.ms." },
  { name: "segment.index.bytes", type: "INT", default: "10485760", validator: at("4"), synonyms: [syn("log.index.size.max.bytes")],
    doc: "Size of the offset and time index files preallocated for a segment." },
  { name: "flush.messages", type: "LONG", default: LONG_MAX, validator: at("1"), synonyms: [syn("log.flush.interval.messages")],
    doc: "Number of messages after which the log is fsynced." },
  { name: "flush.ms", type: "LONG", default: LONG_MAX, validator: at("0"), synonyms: [syn("log.flush.interval.ms"), syn("log.flush.scheduler.interval.ms")],
    doc: "Time after which the log is fsynced." },
  { name: "retention.bytes", type: "LONG", default: "-1", synonyms: [syn("log.retention.bytes")],
    doc: "Maximum size of a partition before old segments are deleted (-1: no limit)." },
  { name: "retention.ms", type: "LONG", default: "604800000", validator: at("-1"),
    synonyms: [syn("log.retention.ms"), syn("log.retention.minutes", "minutes"), syn("log.retention.hours", "hours")],
    doc: "How long a segment is kept before it is deleted (-1: no limit)." },
  { name: "max.message.bytes", type: "INT", default: "1048588", validator: at("0"), synonyms: [syn("message.max.bytes")],
    doc: "Largest record batch the topic accepts, after compression." },
  { name: "index.interval.bytes", type: "INT", default: "4096", validator: at("0"), synonyms: [syn("log.index.interval.bytes")],
    doc: "Bytes of log between two offset index entries." },
  { name: "delete.retention.ms", type: "LONG", default: "86400000", validator: at("0"), synonyms: [syn("log.cleaner.delete.retention.ms")],
    doc: "How long tombstones are kept in a compacted topic." },
  { name: "min.compaction.lag.ms", type: "LONG", default: "0", validator: at("0"), synonyms: [syn("log.cleaner.min.compaction.lag.ms")],
    doc: "Minimum time a message stays uncompacted." },
  { name: "max.compaction.lag.ms", type: "LONG", default: LONG_MAX, validator: at("1"), synonyms: [syn("log.cleaner.max.compaction.lag.ms")],
    doc: "Maximum time a message stays ineligible for compaction." },
  { name: "file.delete.delay.ms", type: "LONG", default: "60000", validator: at("0"), synonyms: [syn("log.segment.delete.delay.ms")],
    doc: "Delay before a deleted segment's files are removed from disk." },
  { name: "min.cleanable.dirty.ratio", type: "DOUBLE", default: "0.5", validator: { kind: "range", min: "0", max: "1" },
    synonyms: [syn("log.cleaner.min.cleanable.ratio")],
    doc: "Share of the log that must be uncompacted before the cleaner compacts it." },
  { name: "cleanup.policy", type: "LIST", default: "delete", validator: { kind: "eachOf", values: ["compact", "delete"] },
    synonyms: [syn("log.cleanup.policy")],
    doc: "What happens to old segments: delete, compact, or both." },
  { name: "unclean.leader.election.enable", type: "BOOLEAN", default: "false", synonyms: [syn("unclean.leader.election.enable")],
    doc: "Whether an out-of-sync replica may become leader." },
  { name: "min.insync.replicas", type: "INT", default: "1", validator: at("1"), synonyms: [syn("min.insync.replicas")],
    doc: "Replicas that must acknowledge a write with acks=all." },
  { name: "compression.type", type: "STRING", default: "producer",
    validator: { kind: "oneOf", values: ["uncompressed", "zstd", "lz4", "snappy", "gzip", "producer"] },
    synonyms: [syn("compression.type")],
    doc: "Compression of stored batches; producer keeps what the producer sent." },
  { name: "compression.gzip.level", type: "INT", default: "-1", validator: { kind: "gzipLevel" }, synonyms: [syn("compression.gzip.level")],
    doc: "Level used when compression.type is gzip." },
  { name: "compression.lz4.level", type: "INT", default: "9", validator: { kind: "range", min: "1", max: "17" },
    synonyms: [syn("compression.lz4.level")],
    doc: "Level used when compression.type is lz4." },
  { name: "compression.zstd.level", type: "INT", default: "3", validator: { kind: "range", min: "-131072", max: "22" },
    synonyms: [syn("compression.zstd.level")],
    doc: "Level used when compression.type is zstd." },
  { name: "preallocate", type: "BOOLEAN", default: "false", synonyms: [syn("log.preallocate")],
    doc: "Whether a new segment file is preallocated." },
  { name: "message.timestamp.type", type: "STRING", default: "CreateTime", validator: { kind: "oneOf", values: ["CreateTime", "LogAppendTime"] },
    synonyms: [syn("log.message.timestamp.type")],
    doc: "Whether record timestamps are the producer's (CreateTime) or the broker's (LogAppendTime)." },
  { name: "message.timestamp.before.max.ms", type: "LONG", default: LONG_MAX, validator: at("0"),
    synonyms: [syn("log.message.timestamp.before.max.ms")],
    doc: "How far in the past a CreateTime timestamp may be." },
  { name: "message.timestamp.after.max.ms", type: "LONG", default: "3600000", validator: at("0"),
    synonyms: [syn("log.message.timestamp.after.max.ms")],
    doc: "How far in the future a CreateTime timestamp may be." },
  { name: "leader.replication.throttled.replicas", type: "LIST", default: "", validator: { kind: "throttledReplicas" }, synonyms: [],
    doc: "Replicas whose leader-side replication is throttled: partition:broker pairs, or *." },
  { name: "follower.replication.throttled.replicas", type: "LIST", default: "", validator: { kind: "throttledReplicas" }, synonyms: [],
    doc: "Replicas whose follower-side replication is throttled: partition:broker pairs, or *." },
  { name: "remote.storage.enable", type: "BOOLEAN", default: "false", synonyms: [],
    doc: "Whether the topic uses tiered storage (not available on Bunka)." },
  { name: "local.retention.ms", type: "LONG", default: "-2", validator: at("-2"), synonyms: [syn("log.local.retention.ms")],
    doc: "Local retention time with tiered storage (-2: retention.ms)." },
  { name: "local.retention.bytes", type: "LONG", default: "-2", validator: at("-2"), synonyms: [syn("log.local.retention.bytes")],
    doc: "Local retention size with tiered storage (-2: retention.bytes)." },
  { name: "remote.log.copy.disable", type: "BOOLEAN", default: "false", synonyms: [],
    doc: "Stops copying segments to tiered storage." },
  { name: "remote.log.delete.on.disable", type: "BOOLEAN", default: "false", synonyms: [],
    doc: "Deletes tiered data when tiered storage is turned off." },
];

export const BROKER_CONFIGS: readonly BrokerConfigDef[] = [
  // Identity, listeners, KRaft.
  { name: "node.id", type: "INT", default: "1", readOnly: true, doc: "This node's id (Bunka: 1 when not set)." },
  { name: "broker.id", type: "INT", default: "1", readOnly: true, doc: "The broker id; node.id when only that is set." },
  { name: "broker.rack", type: "STRING", default: null, readOnly: true, doc: "The broker's rack." },
  { name: "process.roles", type: "LIST", default: "broker,controller", readOnly: true, doc: "Roles of this process (Bunka: always broker and controller)." },
  { name: "listeners", type: "LIST", default: "PLAINTEXT://:9092", readOnly: false, doc: "Addresses the broker listens on." },
  { name: "advertised.listeners", type: "LIST", default: null, readOnly: true, doc: "Addresses given to clients; the non-controller listeners when not set." },
  { name: "controller.listener.names", type: "LIST", default: null, readOnly: true, doc: "Listener names used by the controller." },
  { name: "inter.broker.listener.name", type: "STRING", default: null, readOnly: true, doc: "Listener used between brokers." },
  { name: "listener.security.protocol.map", type: "STRING", default: "SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT",
    readOnly: false, doc: "Security protocol of each listener name (Bunka serves PLAINTEXT)." },
  { name: "controller.quorum.voters", type: "LIST", default: "", readOnly: true, doc: "Static KRaft voters." },
  { name: "controller.quorum.bootstrap.servers", type: "LIST", default: "", readOnly: true, doc: "KRaft quorum bootstrap addresses." },
  // Log directories and topic defaults.
  { name: "log.dirs", type: "LIST", default: "./data", readOnly: true, doc: "Directories holding partition logs (Bunka: ./data when not set)." },
  { name: "log.dir", type: "LIST", default: "/tmp/kafka-logs", readOnly: true, doc: "Log directory used when log.dirs is not set." },
  { name: "num.partitions", type: "INT", default: "1", readOnly: true, doc: "Partitions of a topic created without a count." },
  { name: "default.replication.factor", type: "INT", default: "1", readOnly: true, doc: "Replication factor of a topic created without one." },
  { name: "auto.create.topics.enable", type: "BOOLEAN", default: "true", readOnly: true, doc: "Whether Metadata requests create unknown topics." },
  { name: "delete.topic.enable", type: "BOOLEAN", default: "true", readOnly: true, doc: "Whether DeleteTopics may delete topics." },
  { name: "message.max.bytes", type: "INT", default: "1048588", readOnly: false, doc: "Largest record batch accepted (topic: max.message.bytes)." },
  { name: "socket.request.max.bytes", type: "INT", default: "104857600", readOnly: true, doc: "Largest request the broker reads." },
  { name: "queued.max.request.bytes", type: "LONG", default: "268435456", readOnly: true, doc: "Bytes of partially received requests held over all connections before reading waits (Bunka's default; Kafka's is -1, no limit)." },
  { name: "log.segment.bytes", type: "INT", default: "1073741824", readOnly: false, doc: "Segment size (topic: segment.bytes)." },
  { name: "log.roll.ms", type: "LONG", default: null, readOnly: false, doc: "Segment roll time in ms (topic: segment.ms)." },
  { name: "log.roll.hours", type: "INT", default: "168", readOnly: true, doc: "Segment roll time in hours, when log.roll.ms is not set." },
  { name: "log.roll.jitter.ms", type: "LONG", default: null, readOnly: false, doc: "Segment roll jitter in ms (topic: segment.jitter.ms)." },
  { name: "log.roll.jitter.hours", type: "INT", default: "0", readOnly: true, doc: "Segment roll jitter in hours, when log.roll.jitter.ms is not set." },
  { name: "log.index.size.max.bytes", type: "INT", default: "10485760", readOnly: false, doc: "Index file size (topic: segment.index.bytes)." },
  { name: "log.index.interval.bytes", type: "INT", default: "4096", readOnly: false, doc: "Bytes between index entries (topic: index.interval.bytes)." },
  { name: "log.flush.interval.messages", type: "LONG", default: LONG_MAX, readOnly: false, doc: "Messages between fsyncs (topic: flush.messages)." },
  { name: "log.flush.interval.ms", type: "LONG", default: null, readOnly: false, doc: "Time between fsyncs (topic: flush.ms)." },
  { name: "log.flush.scheduler.interval.ms", type: "LONG", default: LONG_MAX, readOnly: true, doc: "How often logs are checked for a flush." },
  { name: "log.flush.offset.checkpoint.interval.ms", type: "INT", default: "60000", readOnly: true, doc: "How often recovery points are written to recovery-point-offset-checkpoint." },
  { name: "log.retention.ms", type: "LONG", default: null, readOnly: false, doc: "Retention time in ms (topic: retention.ms)." },
  { name: "log.retention.minutes", type: "INT", default: null, readOnly: true, doc: "Retention time in minutes, when log.retention.ms is not set." },
  { name: "log.retention.hours", type: "INT", default: "168", readOnly: true, doc: "Retention time in hours, when neither ms nor minutes is set." },
  { name: "log.retention.bytes", type: "LONG", default: "-1", readOnly: false, doc: "Retention size (topic: retention.bytes)." },
  { name: "log.cleanup.policy", type: "LIST", default: "delete", readOnly: false, doc: "Cleanup policy (topic: cleanup.policy)." },
  { name: "log.cleaner.delete.retention.ms", type: "LONG", default: "86400000", readOnly: false, doc: "Tombstone retention (topic: delete.retention.ms)." },
  { name: "log.cleaner.min.compaction.lag.ms", type: "LONG", default: "0", readOnly: false, doc: "Topic: min.compaction.lag.ms." },
  { name: "log.cleaner.max.compaction.lag.ms", type: "LONG", default: LONG_MAX, readOnly: false, doc: "Topic: max.compaction.lag.ms." },
  { name: "log.cleaner.min.cleanable.ratio", type: "DOUBLE", default: "0.5", readOnly: false, doc: "Topic: min.cleanable.dirty.ratio." },
  { name: "log.segment.delete.delay.ms", type: "LONG", default: "60000", readOnly: false, doc: "Topic: file.delete.delay.ms." },
  { name: "log.preallocate", type: "BOOLEAN", default: "false", readOnly: false, doc: "Topic: preallocate." },
  { name: "log.message.timestamp.type", type: "STRING", default: "CreateTime", readOnly: false, doc: "Topic: message.timestamp.type." },
  { name: "log.message.timestamp.before.max.ms", type: "LONG", default: LONG_MAX, readOnly: false, doc: "Topic: message.timestamp.before.max.ms." },
  { name: "log.message.timestamp.after.max.ms", type: "LONG", default: "3600000", readOnly: false, doc: "Topic: message.timestamp.after.max.ms." },
  { name: "log.local.retention.ms", type: "LONG", default: "-2", readOnly: false, doc: "Topic: local.retention.ms." },
  { name: "log.local.retention.bytes", type: "LONG", default: "-2", readOnly: false, doc: "Topic: local.retention.bytes." },
  { name: "remote.log.storage.system.enable", type: "BOOLEAN", default: "false", readOnly: true, doc: "Tiered storage on this broker (storage/tiered)." },
  { name: "remote.log.manager.task.interval.ms", type: "LONG", default: "30000", readOnly: true, doc: "How often rolled segments are uploaded and remote retention applied." },
  { name: "remote.fetch.max.wait.ms", type: "INT", default: "500", readOnly: true, doc: "How long a Fetch waits for a remote read before answering without it." },
  { name: "unclean.leader.election.enable", type: "BOOLEAN", default: "false", readOnly: false, doc: "Topic: unclean.leader.election.enable." },
  { name: "min.insync.replicas", type: "INT", default: "1", readOnly: false, doc: "Topic: min.insync.replicas." },
  { name: "compression.type", type: "STRING", default: "producer", readOnly: false, doc: "Topic: compression.type." },
  { name: "compression.gzip.level", type: "INT", default: "-1", readOnly: false, doc: "Topic: compression.gzip.level." },
  { name: "compression.lz4.level", type: "INT", default: "9", readOnly: false, doc: "Topic: compression.lz4.level." },
  { name: "compression.zstd.level", type: "INT", default: "3", readOnly: false, doc: "Topic: compression.zstd.level." },
  // Groups.
  { name: "group.initial.rebalance.delay.ms", type: "INT", default: "3000", readOnly: true, doc: "Delay before the first rebalance of a new group." },
  { name: "group.min.session.timeout.ms", type: "INT", default: "6000", readOnly: true, doc: "Smallest session timeout a member may ask for." },
  { name: "group.max.session.timeout.ms", type: "INT", default: "1800000", readOnly: true, doc: "Largest session timeout a member may ask for." },
  { name: "offsets.retention.minutes", type: "INT", default: "10080", readOnly: true, doc: "How long committed offsets of an empty group are kept." },
  { name: "offsets.topic.num.partitions", type: "INT", default: "50", readOnly: true, doc: "Partitions of __consumer_offsets." },
  { name: "offsets.topic.replication.factor", type: "SHORT", default: "3", readOnly: true, doc: "Replication factor of __consumer_offsets." },
];

/**
 * Kafka's DynamicBrokerConfig.brokerConfigSynonyms: the keys that set the same broker value, in
 * priority order. Keys not listed are their own only synonym.
 */
export const BROKER_SYNONYM_GROUPS: readonly (readonly string[])[] = [
  ["log.roll.ms", "log.roll.hours"],
  ["log.roll.jitter.ms", "log.roll.jitter.hours"],
  ["log.flush.interval.ms", "log.flush.scheduler.interval.ms"],
  ["log.retention.ms", "log.retention.minutes", "log.retention.hours"],
];

/** Kafka's validator text (ConfigDef.Range, ValidString, ValidList, ...) as a ConfigValidator; undefined when Bunka does not check it. */
function validatorFromKafka(type: string, text: string): ConfigValidator | undefined {
  if (text === "") return undefined;
  if (text === "[1,...,9] or -1") return { kind: "gzipLevel" };
  let m = /^\[(-?[\d.E]+),\.\.\.\]$/.exec(text);
  if (m) return { kind: "range", min: m[1]! };
  m = /^\[\.\.\.,(-?[\d.E]+)\]$/.exec(text);
  if (m) return { kind: "range", max: m[1]! };
  m = /^\[(-?[\d.E]+),\.\.\.,(-?[\d.E]+)\]$/.exec(text);
  if (m) return { kind: "range", min: m[1]!, max: m[2]! };
  m = /^\[(.*)\]$/.exec(text);
  if (m) {
    const values = m[1]!.split(", ");
    return type === "LIST" ? { kind: "eachOf", values } : { kind: "oneOf", values };
  }
  return undefined; // non-empty/non-null strings, case-insensitive lists: only on static keys
}

/** Every broker key Kafka 4.3.1 defines, by name. */
export const KAFKA_BROKER_KEYS: ReadonlyMap<string, KafkaBrokerKeyDef> = new Map(
  KAFKA_BROKER_KEY_ROWS.map(([name, type, dflt, validator, mode]) => [name, {
    name, type: type as ConfigTypeName, default: dflt, validator: validatorFromKafka(type, validator), mode, doc: "",
  }]),
);

/** A group config (GroupConfig) and the broker key whose value it takes when the group does not set it. */
export interface GroupConfigDef extends ConfigDef {
  synonym: string | null;
}

export const GROUP_CONFIGS: readonly GroupConfigDef[] = [
  { name: "consumer.session.timeout.ms", type: "INT", default: "45000", validator: at("1"), synonym: "group.consumer.session.timeout.ms",
    doc: "Session timeout of a consumer group member (consumer protocol)." },
  { name: "consumer.heartbeat.interval.ms", type: "INT", default: "5000", validator: at("1"), synonym: "group.consumer.heartbeat.interval.ms",
    doc: "Heartbeat interval of a consumer group member (consumer protocol)." },
  { name: "consumer.assignment.interval.ms", type: "INT", default: "1000", validator: at("0"), synonym: "group.consumer.assignment.interval.ms",
    doc: "Minimum time between two assignments of a consumer group." },
  { name: "share.session.timeout.ms", type: "INT", default: "45000", validator: at("1"), synonym: "group.share.session.timeout.ms",
    doc: "Session timeout of a share group member." },
  { name: "share.heartbeat.interval.ms", type: "INT", default: "5000", validator: at("1"), synonym: "group.share.heartbeat.interval.ms",
    doc: "Heartbeat interval of a share group member." },
  { name: "share.record.lock.duration.ms", type: "INT", default: "30000", validator: at("1000"), synonym: "group.share.record.lock.duration.ms",
    doc: "How long a share group member holds a record it acquired." },
  { name: "share.delivery.count.limit", type: "INT", default: "5", validator: at("2"), synonym: "group.share.delivery.count.limit",
    doc: "Deliveries of a record to a share group before it is archived." },
  { name: "share.partition.max.record.locks", type: "INT", default: "2000", validator: at("100"), synonym: "group.share.partition.max.record.locks",
    doc: "Records a share partition may have acquired at once." },
  { name: "share.auto.offset.reset", type: "STRING", default: "latest", validator: { kind: "autoOffsetReset" }, synonym: null,
    doc: "Where a share group starts reading: latest, earliest, or by_duration:<ISO-8601 duration>." },
  { name: "share.isolation.level", type: "STRING", default: "read_uncommitted", validator: { kind: "oneOf", values: ["read_committed", "read_uncommitted"] },
    synonym: null, doc: "Whether a share group reads only committed transactional records." },
  { name: "share.renew.acknowledge.enable", type: "BOOLEAN", default: "true", synonym: null,
    doc: "Whether share group members may renew their acquisition locks." },
  { name: "share.assignment.interval.ms", type: "INT", default: "1000", validator: at("0"), synonym: "group.share.assignment.interval.ms",
    doc: "Minimum time between two assignments of a share group." },
  { name: "streams.session.timeout.ms", type: "INT", default: "45000", validator: at("1"), synonym: "group.streams.session.timeout.ms",
    doc: "Session timeout of a streams group member." },
  { name: "streams.heartbeat.interval.ms", type: "INT", default: "5000", validator: at("1"), synonym: "group.streams.heartbeat.interval.ms",
    doc: "Heartbeat interval of a streams group member." },
  { name: "streams.num.standby.replicas", type: "INT", default: "0", validator: at("0"), synonym: "group.streams.num.standby.replicas",
    doc: "Standby replicas of each task in a streams group." },
  { name: "streams.initial.rebalance.delay.ms", type: "INT", default: "3000", validator: at("0"), synonym: "group.streams.initial.rebalance.delay.ms",
    doc: "Delay before the first rebalance of a new streams group." },
  { name: "streams.assignment.interval.ms", type: "INT", default: "1000", validator: at("0"), synonym: "group.streams.assignment.interval.ms",
    doc: "Minimum time between two assignments of a streams group." },
];
