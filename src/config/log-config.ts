// A topic's effective log settings, the way Kafka's LogConfig resolves them: the topic's own
// config (ConfigRecord), else the broker key it falls back to (with Kafka's unit synonyms:
// log.retention.ms, then .minutes, then .hours), else Kafka's default. Pure: the caller says
// where topic and broker values come from.

import { effectiveBrokerValue, type DynamicBrokerConfigSource, type StaticBrokerConfig } from "./config-values.ts";

/** A topic's own configs (topic key → value). */
export type TopicConfigs = ReadonlyMap<string, string> | undefined;
/** The broker's value of a key (dynamic or server.properties), if set. */
export type BrokerValue = (key: string) => string | undefined;

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;

export interface TopicLogConfig {
  /** cleanup.policy contains "delete". */
  deleteEnabled: boolean;
  /** cleanup.policy contains "compact". */
  compactEnabled: boolean;
  /** retention.ms; -1 is unlimited. */
  retentionMs: number;
  /** retention.bytes; -1 is unlimited. */
  retentionBytes: number;
  segmentBytes: number;
  /** segment.ms (log.roll.ms / log.roll.hours). */
  segmentMs: number;
  /** segment.jitter.ms (log.roll.jitter.ms / .hours). */
  segmentJitterMs: number;
  indexIntervalBytes: number;
  /** file.delete.delay.ms (log.segment.delete.delay.ms). */
  fileDeleteDelayMs: number;
  /** min.cleanable.dirty.ratio (log.cleaner.min.cleanable.ratio). */
  minCleanableDirtyRatio: number;
  /** min.compaction.lag.ms (log.cleaner.min.compaction.lag.ms). */
  minCompactionLagMs: number;
  /** max.compaction.lag.ms (log.cleaner.max.compaction.lag.ms). */
  maxCompactionLagMs: number;
  /** delete.retention.ms (log.cleaner.delete.retention.ms): how long tombstones stay. */
  deleteRetentionMs: number;
  /** flush.messages (log.flush.interval.messages); Kafka's default Long.MAX_VALUE: never. */
  flushMessages: number;
  /** flush.ms (log.flush.interval.ms, else log.flush.scheduler.interval.ms); default never. */
  flushMs: number;
  /** remote.storage.enable (tiered storage; the broker's remote.log.storage.system.enable must be true too). */
  remoteStorageEnable: boolean;
  /** local.retention.ms (log.local.retention.ms); -2: retention.ms. */
  localRetentionMs: number;
  /** local.retention.bytes (log.local.retention.bytes); -2: retention.bytes. */
  localRetentionBytes: number;
  /** remote.log.copy.disable (KIP-950): no more uploads; remote reads and remote retention go on. */
  remoteLogCopyDisable: boolean;
}

function num(v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === "") return undefined;
  const n = Number(v.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** The first of a broker key's unit synonyms that is set, in milliseconds. */
function brokerMs(broker: BrokerValue, ms: string, ...others: [string, number][]): number | undefined {
  const direct = num(broker(ms));
  if (direct !== undefined) return direct;
  for (const [key, unit] of others) {
    const v = num(broker(key));
    if (v !== undefined) return v < 0 ? -1 : v * unit;
  }
  return undefined;
}

export function topicLogConfig(topic: TopicConfigs, broker: BrokerValue): TopicLogConfig {
  const policy = (topic?.get("cleanup.policy") ?? broker("log.cleanup.policy") ?? "delete")
    .split(",").map((p) => p.trim().toLowerCase());
  return {
    deleteEnabled: policy.includes("delete"),
    compactEnabled: policy.includes("compact"),
    retentionMs: num(topic?.get("retention.ms"))
      ?? brokerMs(broker, "log.retention.ms", ["log.retention.minutes", MINUTE_MS], ["log.retention.hours", HOUR_MS])
      ?? 168 * HOUR_MS,
    retentionBytes: num(topic?.get("retention.bytes")) ?? num(broker("log.retention.bytes")) ?? -1,
    segmentBytes: num(topic?.get("segment.bytes")) ?? num(broker("log.segment.bytes")) ?? 1024 * 1024 * 1024,
    segmentMs: num(topic?.get("segment.ms")) ?? brokerMs(broker, "log.roll.ms", ["log.roll.hours", HOUR_MS]) ?? 168 * HOUR_MS,
    segmentJitterMs: num(topic?.get("segment.jitter.ms"))
      ?? brokerMs(broker, "log.roll.jitter.ms", ["log.roll.jitter.hours", HOUR_MS]) ?? 0,
    indexIntervalBytes: num(topic?.get("index.interval.bytes")) ?? num(broker("log.index.interval.bytes")) ?? 4096,
    fileDeleteDelayMs: num(topic?.get("file.delete.delay.ms")) ?? num(broker("log.segment.delete.delay.ms")) ?? 60_000,
    minCleanableDirtyRatio: num(topic?.get("min.cleanable.dirty.ratio")) ?? num(broker("log.cleaner.min.cleanable.ratio")) ?? 0.5,
    minCompactionLagMs: num(topic?.get("min.compaction.lag.ms")) ?? num(broker("log.cleaner.min.compaction.lag.ms")) ?? 0,
    maxCompactionLagMs: num(topic?.get("max.compaction.lag.ms")) ?? num(broker("log.cleaner.max.compaction.lag.ms")) ?? Number.MAX_SAFE_INTEGER,
    deleteRetentionMs: num(topic?.get("delete.retention.ms")) ?? num(broker("log.cleaner.delete.retention.ms")) ?? 86_400_000,
    flushMessages: never(num(topic?.get("flush.messages")) ?? num(broker("log.flush.interval.messages"))),
    flushMs: never(num(topic?.get("flush.ms")) ?? num(broker("log.flush.interval.ms")) ?? num(broker("log.flush.scheduler.interval.ms"))),
    remoteStorageEnable: (topic?.get("remote.storage.enable") ?? "false").trim().toLowerCase() === "true"
      && (broker("remote.log.storage.system.enable") ?? "false").trim().toLowerCase() === "true",
    localRetentionMs: num(topic?.get("local.retention.ms")) ?? num(broker("log.local.retention.ms")) ?? -2,
    localRetentionBytes: num(topic?.get("local.retention.bytes")) ?? num(broker("log.local.retention.bytes")) ?? -2,
    remoteLogCopyDisable: (topic?.get("remote.log.copy.disable") ?? "false").trim().toLowerCase() === "true",
  };
}

/** Kafka's Long.MAX_VALUE defaults mean "never". */
function never(v: number | undefined): number {
  return v === undefined || v >= Number.MAX_SAFE_INTEGER ? Infinity : v;
}

/**
 * bunka.fsync.before.ack (Bunka's own key, default true): a produce is answered once its
 * batches are fsynced (group commit). false: Kafka's behaviour, answered from the page cache,
 * flushed only by flush.messages / flush.ms, segment rolls and shutdown.
 */
export function fsyncBeforeAck(broker: BrokerValue): boolean {
  return (broker("bunka.fsync.before.ack") ?? "true").trim().toLowerCase() !== "false";
}

/**
 * bunka.log.mapped.resident.bytes (Bunka's own key): the bytes of mmapped segments that may stay
 * resident in the broker's memory; unset: storage/resident-mappings.ts's default (64 MiB).
 */
export function mappedResidentBytes(broker: BrokerValue): number | undefined {
  return num(broker("bunka.log.mapped.resident.bytes"));
}

/** The log cleaner's own keys (log.cleaner.*), with Kafka's defaults. */
export function cleanerSettings(broker: BrokerValue) {
  return {
    enabled: (broker("log.cleaner.enable") ?? "true").trim().toLowerCase() !== "false",
    dedupeBufferBytes: num(broker("log.cleaner.dedupe.buffer.size")) ?? 134_217_728,
    ioMaxBytesPerSecond: num(broker("log.cleaner.io.max.bytes.per.second")) ?? Infinity,
    backoffMs: num(broker("log.cleaner.backoff.ms")) ?? 15_000,
  };
}

/** log.flush.offset.checkpoint.interval.ms: how often recovery points are checkpointed (Kafka's default: 1 minute). */
export function recoveryPointCheckpointIntervalMs(broker: BrokerValue): number {
  const v = num(broker("log.flush.offset.checkpoint.interval.ms"));
  return v !== undefined && v > 0 ? v : 60_000;
}

/** log.retention.check.interval.ms (Kafka's default: 5 minutes). */
export function retentionCheckIntervalMs(broker: BrokerValue): number {
  const v = num(broker("log.retention.check.interval.ms"));
  return v !== undefined && v > 0 ? v : 300_000;
}

/**
 * A topic's log settings from the broker's static config and its dynamic configs (anything with
 * ClusterMetadata's topicConfigs and brokerConfigs maps), read again at every call, so that
 * IncrementalAlterConfigs changes apply at once.
 */
export function logConfigResolver(
  config: StaticBrokerConfig, dynamic: DynamicBrokerConfigSource & { topicConfigs: ReadonlyMap<string, ReadonlyMap<string, string>> },
): { brokerValue: BrokerValue; forTopic: (topic: string) => TopicLogConfig } {
  const brokerValue: BrokerValue = (key) => effectiveBrokerValue(key, config, dynamic) ?? undefined;
  return { brokerValue, forTopic: (topic) => topicLogConfig(dynamic.topicConfigs.get(topic), brokerValue) };
}

/**
 * Tiered storage's broker settings: Kafka's remote.log.storage.system.enable,
 * remote.log.manager.task.interval.ms and remote.fetch.max.wait.ms, and Bunka's keys for the S3-compatible store Bun's client
 * talks to (bunka.remote.storage.s3.endpoint, .bucket, .region, .prefix), with the usual AWS
 * environment variables where a key is unset (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, AWS_REGION
 * / AWS_DEFAULT_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN). Credentials
 * are never config keys (they would show in DescribeConfigs): only the environment holds them.
 * null when tiered storage is off.
 */
export function tieredStorageSettings(broker: BrokerValue, env: Record<string, string | undefined> = process.env) {
  if ((broker("remote.log.storage.system.enable") ?? "false").trim().toLowerCase() !== "true") return null;
  const bucket = broker("bunka.remote.storage.s3.bucket") ?? env.AWS_BUCKET ?? env.S3_BUCKET;
  if (bucket === undefined || bucket.trim() === "") {
    throw new Error("remote.log.storage.system.enable=true needs bunka.remote.storage.s3.bucket (or AWS_BUCKET)");
  }
  let prefix = (broker("bunka.remote.storage.s3.prefix") ?? "").trim();
  if (prefix !== "" && !prefix.endsWith("/")) prefix += "/";
  const interval = num(broker("remote.log.manager.task.interval.ms"));
  const fetchWait = num(broker("remote.fetch.max.wait.ms"));
  return {
    endpoint: broker("bunka.remote.storage.s3.endpoint") ?? env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL ?? env.S3_ENDPOINT,
    bucket: bucket.trim(),
    region: broker("bunka.remote.storage.s3.region") ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1",
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
    sessionToken: env.AWS_SESSION_TOKEN,
    prefix,
    taskIntervalMs: interval !== undefined && interval > 0 ? interval : 30_000,
    cacheBytes: num(broker("bunka.remote.storage.cache.bytes")),
    fetchMaxWaitMs: fetchWait !== undefined && fetchWait > 0 ? fetchWait : 500,
  };
}
