// The broker's settings, read from Kafka's own server.properties keys. Defaults are Apache
// Kafka's, except log.dirs (./data beside the working directory instead of /tmp/kafka-logs).

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseProperties } from "./properties.ts";
import { KAFKA_BROKER_KEYS, type ConfigDef } from "./config-defs.ts";
import { checkConfigValue } from "./config-values.ts";
import { ConfigError } from "./config-error.ts";
import {
  isListenerSecurityKey, listenerSecurity, LISTENER_SECURITY_KEYS, SECURITY_PROTOCOLS, type ListenerSecurity, type SecurityProtocol,
} from "./listener-security.ts";
import { AUTHORIZER_KEYS, authorizerConfigFrom, type AuthorizerConfig } from "./authorizer-config.ts";

export interface Listener {
  name: string;
  /** "" means every interface, as Kafka reads `PLAINTEXT://:9092`. */
  host: string;
  port: number;
  /** From listener.security.protocol.map. */
  securityProtocol: SecurityProtocol;
}

export interface BrokerConfig {
  nodeId: number;
  listeners: Listener[];
  advertisedListeners: Listener[];
  controllerListenerNames: string[];
  logDirs: string[];
  numPartitions: number;
  defaultReplicationFactor: number;
  autoCreateTopicsEnable: boolean;
  logSegmentBytes: number;
  logIndexIntervalBytes: number;
  logRetentionMs: number;
  logRetentionBytes: number;
  messageMaxBytes: number;
  socketRequestMaxBytes: number;
  /** fetch.max.bytes: the most a consumer's Fetch response carries (Kafka caps the request's max_bytes with it). */
  fetchMaxBytes: number;
  /** Broker-wide bytes of partial requests held (server/memory-pool.ts); 0 or less: no limit. */
  queuedMaxRequestBytes: number;
  groupInitialRebalanceDelayMs: number;
  offsetsRetentionMinutes: number;
  groupMinSessionTimeoutMs: number;
  groupMaxSessionTimeoutMs: number;
  groupMaxSize: number;
  offsetsTopicNumPartitions: number;
  offsetsTopicSegmentBytes: number;
  offsetsRetentionCheckIntervalMs: number;
  offsetMetadataMaxBytes: number;
  /** TLS and SASL settings of each listener in `listeners`, by name (config/listener-security.ts). */
  listenerSecurity: Map<string, ListenerSecurity>;
  /** bunka.add.scram: SCRAM credentials written at start-up when the user has none for the mechanism. */
  bootstrapScram: string | null;
  /** The ACL authorizer (authorizer.class.name, super.users, ...); null when none is configured. */
  authorizer: AuthorizerConfig | null;
  /** The transaction coordinator's keys (Kafka's TransactionStateManagerConfig / TransactionLogConfig). */
  transactionMaxTimeoutMs: number;
  transactionStateLogNumPartitions: number;
  transactionStateLogSegmentBytes: number;
  transactionalIdExpirationMs: number;
  transactionAbortTimedOutTransactionCleanupIntervalMs: number;
  transactionRemoveExpiredTransactionCleanupIntervalMs: number;
  transactionPartitionVerificationEnable: boolean;
  /** bunka.http.listener: where /metrics and the console are served; null: off. */
  httpListener: { host: string; port: number } | null;
  /** Where the settings came from: a file path, or "embedded defaults". */
  source: string;
  /** Every key as read, for DescribeConfigs and for keys read by later features. */
  raw: Map<string, string>;
  /** Keys given that Bunka does not apply: Kafka broker keys it ignores, and keys neither knows (typos?). */
  unusedKeys: { kafkaOnly: string[]; unknown: string[] };
}

export { ConfigError };

/**
 * Bunka's default `queued.max.request.bytes` (Kafka's is -1, no limit): 256 MiB of partial
 * requests over all connections, more than two requests of socket.request.max.bytes (or one
 * socket.request.max.bytes when that is set larger).
 */
export const DEFAULT_QUEUED_MAX_REQUEST_BYTES = 256 * 1024 * 1024;

// Keys this broker reads (with BUNKA_KEYS); any other key is accepted, and main.ts warns about it
// once at start-up.
const KNOWN_KEYS = new Set([
  "node.id", "broker.id", "listeners", "advertised.listeners", "controller.listener.names",
  "listener.security.protocol.map", "log.dirs", "log.dir", "num.partitions",
  "default.replication.factor", "auto.create.topics.enable", "log.segment.bytes",
  "log.index.interval.bytes", "log.retention.ms", "log.retention.minutes", "log.retention.hours",
  "log.retention.bytes", "message.max.bytes", "socket.request.max.bytes", "queued.max.request.bytes", "fetch.max.bytes",
  "group.initial.rebalance.delay.ms", "offsets.retention.minutes", "process.roles",
  "group.min.session.timeout.ms", "group.max.session.timeout.ms", "group.max.size", "offsets.topic.num.partitions",
  "offsets.topic.segment.bytes", "offsets.retention.check.interval.ms", "offset.metadata.max.bytes",
  "transaction.max.timeout.ms", "transaction.state.log.num.partitions", "transaction.state.log.segment.bytes",
  "transactional.id.expiration.ms", "transaction.abort.timed.out.transaction.cleanup.interval.ms",
  "transaction.remove.expired.transaction.cleanup.interval.ms", "transaction.partition.verification.enable",
  "controller.quorum.voters", "controller.quorum.bootstrap.servers", "delete.topic.enable", "broker.rack",
  "log.message.timestamp.type", "log.message.timestamp.before.max.ms", "log.message.timestamp.after.max.ms",
  "log.cleanup.policy", "compression.type",
  "log.retention.check.interval.ms", "log.segment.delete.delay.ms", "log.roll.ms", "log.roll.hours",
  "log.roll.jitter.ms", "log.roll.jitter.hours", "log.cleaner.enable", "log.cleaner.backoff.ms",
  "log.cleaner.dedupe.buffer.size", "log.cleaner.io.max.bytes.per.second", "log.cleaner.min.cleanable.ratio",
  "log.cleaner.min.compaction.lag.ms", "log.cleaner.max.compaction.lag.ms", "log.cleaner.delete.retention.ms",
  "log.flush.interval.messages", "log.flush.interval.ms", "log.flush.scheduler.interval.ms",
  // Tiered storage (storage/tiered).
  "remote.log.storage.system.enable", "remote.log.manager.task.interval.ms", "remote.fetch.max.wait.ms",
  "log.local.retention.ms", "log.local.retention.bytes",
  // Security (config/listener-security.ts), also as listener.name.<l>.<key>.
  ...LISTENER_SECURITY_KEYS,
  ...AUTHORIZER_KEYS,
]);

/** bunka.http.listener's default: every interface, port 9404. */
export const DEFAULT_HTTP_LISTENER = ":9404";

// Bunka's own keys, with the type and range they are checked against.
// internal.log.segment.bytes is for tests only: log.segment.bytes past Kafka's 1 MiB minimum.
// Kafka keeps the same escape for its own tests as internal configs (LogConfig's
// internal.segment.bytes, KRaftConfigs' internal.metadata.log.segment.bytes); 14 bytes is the
// minimum Kafka had before 4.0 (LegacyRecord.RECORD_OVERHEAD_V0).
const BUNKA_KEYS: ReadonlyMap<string, ConfigDef> = new Map([
  ["internal.log.segment.bytes", { name: "internal.log.segment.bytes", type: "INT", default: null,
    validator: { kind: "range", min: "14" }, doc: "Tests only: log.segment.bytes without its 1 MiB minimum." }],
  ["bunka.fsync.before.ack", { name: "bunka.fsync.before.ack", type: "BOOLEAN", default: "true",
    doc: "Answer a produce (and an offset commit) only once it is fsynced (group commit); false: from the page cache, as Kafka." }],
  ["bunka.add.scram", { name: "bunka.add.scram", type: "PASSWORD", default: null,
    doc: "SCRAM credentials to create at start-up when missing, as kafka-storage format --add-scram takes them, separated by ';'." }],
  // storage/resident-mappings.ts: DEFAULT_MAPPED_RESIDENT_BYTES, and at least one CHUNK_BYTES.
  ["bunka.log.mapped.resident.bytes", { name: "bunka.log.mapped.resident.bytes", type: "LONG", default: "67108864",
    validator: { kind: "range", min: "2097152" },
    doc: "The most bytes of mmapped log segments kept resident in the broker (its VmRSS); pages read less recently go back to the page cache." }],
  // http/server.ts. On by default (a port that is taken is a WARN, not a failure: the Kafka
  // listeners keep serving); 9404 is the port Kafka's Prometheus exporters (jmx_exporter as
  // Strimzi runs it) commonly use.
  ["bunka.http.listener", { name: "bunka.http.listener", type: "STRING", default: DEFAULT_HTTP_LISTENER,
    doc: "HOST:PORT of the HTTP listener serving /metrics and the web console (empty host: every interface; port 0: a free one; empty: off)." }],
  // Tiered storage (storage/tiered, config/log-config.ts tieredStorageSettings); credentials come
  // from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY only.
  ["bunka.remote.storage.s3.endpoint", { name: "bunka.remote.storage.s3.endpoint", type: "STRING", default: null,
    doc: "Tiered storage: the S3-compatible endpoint URL (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, else AWS's own)." }],
  ["bunka.remote.storage.s3.bucket", { name: "bunka.remote.storage.s3.bucket", type: "STRING", default: null,
    doc: "Tiered storage: the bucket remote log segments go to (default: AWS_BUCKET)." }],
  ["bunka.remote.storage.s3.region", { name: "bunka.remote.storage.s3.region", type: "STRING", default: null,
    doc: "Tiered storage: the bucket's region (default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1)." }],
  ["bunka.remote.storage.s3.prefix", { name: "bunka.remote.storage.s3.prefix", type: "STRING", default: "",
    doc: "Tiered storage: a key prefix for every object (a '/' is added if missing)." }],
  ["bunka.remote.storage.cache.bytes", { name: "bunka.remote.storage.cache.bytes", type: "LONG", default: "67108864",
    validator: { kind: "range", min: "1048576" },
    doc: "Tiered storage: bytes of remote segment data kept in memory for reads below the local log start." }],
]);

export const DEFAULT_PROPERTIES = `# Bunka embedded defaults (used when no server.properties is given)
node.id=1
listeners=PLAINTEXT://:9092
log.dirs=./data
num.partitions=1
`;

export function loadBrokerConfig(path: string | undefined): BrokerConfig {
  if (path === undefined) return brokerConfigFrom(parseProperties(DEFAULT_PROPERTIES), "embedded defaults");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read the file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return brokerConfigFrom(parseProperties(text), resolve(path));
}

/**
 * The broker's settings from server.properties keys. Every value of a key Kafka or Bunka defines
 * is checked first with Kafka's type and range (KafkaConfig's ConfigDef, as kafka-broker-keys.ts
 * lists them), and a bad one is a ConfigError with Kafka's ConfigException text, as Kafka refuses
 * to start on it.
 */
export function brokerConfigFrom(given: Map<string, string>, source: string): BrokerConfig {
  const unusedKeys = { kafkaOnly: [] as string[], unknown: [] as string[] };
  for (const [key, value] of given) {
    const def = BUNKA_KEYS.get(key) ?? KAFKA_BROKER_KEYS.get(key);
    if (def !== undefined) {
      const checked = checkConfigValue(def, value);
      if (!checked.ok) throw new ConfigError(checked.message);
    }
    if (KNOWN_KEYS.has(key) || BUNKA_KEYS.has(key) || isListenerSecurityKey(key)) continue;
    (def === undefined ? unusedKeys.unknown : unusedKeys.kafkaOnly).push(key);
  }
  const segmentOverride = given.get("internal.log.segment.bytes");
  const props = segmentOverride === undefined ? given : new Map([...given, ["log.segment.bytes", segmentOverride.trim()]]);
  // Kafka's ranges were checked above; a `min` here is Bunka's own, for keys Kafka does not range-check
  // (a negative replication factor, timeout or size makes no sense to Bunka either).
  const int = (key: string, dflt: number, min = Number.MIN_SAFE_INTEGER): number => {
    const v = props.get(key)?.trim();
    if (v === undefined || v === "") return dflt;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new ConfigError(`${key}=${v} is not an integer >= ${min}`);
    return n;
  };
  const bool = (key: string, dflt: boolean): boolean => {
    const v = props.get(key)?.trim().toLowerCase();
    if (v === undefined || v === "") return dflt;
    if (v !== "true" && v !== "false") throw new ConfigError(`${key}=${v} is not true or false`);
    return v === "true";
  };

  const securityMap = parseSecurityProtocolMap(props.get("listener.security.protocol.map"));
  const listeners = parseListeners(props.get("listeners") ?? "PLAINTEXT://:9092", "listeners", securityMap);
  if (listeners.length === 0) throw new ConfigError("listeners is empty");
  const controllerListenerNames = (props.get("controller.listener.names") ?? "")
    .split(",").map((s) => s.trim()).filter((s) => s !== "");
  const advertisedRaw = props.get("advertised.listeners");
  const advertisedListeners = advertisedRaw !== undefined && advertisedRaw.trim() !== ""
    ? parseListeners(advertisedRaw, "advertised.listeners", securityMap)
    : listeners.filter((l) => !controllerListenerNames.includes(l.name));

  const logDirsRaw = props.get("log.dirs") ?? props.get("log.dir") ?? "./data";
  const logDirs = logDirsRaw.split(",").map((s) => s.trim()).filter((s) => s !== "").map((d) => resolve(d));
  if (logDirs.length === 0) throw new ConfigError("log.dirs is empty");

  // KafkaConfig.logRetentionTimeMillis: ms, else minutes, else hours; any negative is -1 (no limit).
  const retentionMs = Math.max(-1, props.has("log.retention.ms") ? int("log.retention.ms", 0)
    : props.has("log.retention.minutes") ? int("log.retention.minutes", 0) * 60_000
    : int("log.retention.hours", 168) * 3_600_000);

  // Kafka's SimpleMemoryPool refuses a pool smaller than one request (socket.request.max.bytes);
  // Bunka's default grows with socket.request.max.bytes, so a file Kafka accepts starts here too.
  const socketRequestMaxBytes = int("socket.request.max.bytes", 104857600, 1);
  const queuedMaxRequestBytes = int("queued.max.request.bytes",
    Math.max(DEFAULT_QUEUED_MAX_REQUEST_BYTES, socketRequestMaxBytes), -Number.MAX_SAFE_INTEGER);
  if (queuedMaxRequestBytes > 0 && queuedMaxRequestBytes < socketRequestMaxBytes) {
    throw new ConfigError(`queued.max.request.bytes=${queuedMaxRequestBytes} is smaller than socket.request.max.bytes=${socketRequestMaxBytes}`);
  }

  const security = new Map<string, ListenerSecurity>();
  // Every bound listener, the controller's too (Bunka serves the broker APIs on it as well).
  for (const l of listeners) security.set(l.name, listenerSecurity(props, l.name, l.securityProtocol));
  let authorizer: AuthorizerConfig | null;
  try {
    authorizer = authorizerConfigFrom((key) => props.get(key));
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }

  return {
    nodeId: props.has("node.id") ? int("node.id", 1) : int("broker.id", 1, 0),
    listeners,
    advertisedListeners,
    controllerListenerNames,
    logDirs,
    numPartitions: int("num.partitions", 1),
    defaultReplicationFactor: int("default.replication.factor", 1, 1),
    autoCreateTopicsEnable: bool("auto.create.topics.enable", true),
    logSegmentBytes: int("log.segment.bytes", 1073741824),
    logIndexIntervalBytes: int("log.index.interval.bytes", 4096),
    logRetentionMs: retentionMs,
    logRetentionBytes: Math.max(-1, int("log.retention.bytes", -1)),
    messageMaxBytes: int("message.max.bytes", 1048588),
    socketRequestMaxBytes,
    queuedMaxRequestBytes,
    fetchMaxBytes: int("fetch.max.bytes", 57671680),
    groupInitialRebalanceDelayMs: int("group.initial.rebalance.delay.ms", 3000, 0),
    offsetsRetentionMinutes: int("offsets.retention.minutes", 10080),
    groupMinSessionTimeoutMs: int("group.min.session.timeout.ms", 6000, 0),
    groupMaxSessionTimeoutMs: int("group.max.session.timeout.ms", 1800000, 0),
    groupMaxSize: int("group.max.size", 2147483647),
    offsetsTopicNumPartitions: int("offsets.topic.num.partitions", 50),
    offsetsTopicSegmentBytes: int("offsets.topic.segment.bytes", 104857600),
    offsetsRetentionCheckIntervalMs: int("offsets.retention.check.interval.ms", 600000),
    offsetMetadataMaxBytes: int("offset.metadata.max.bytes", 4096, 0),
    listenerSecurity: security,
    bootstrapScram: props.get("bunka.add.scram") ?? null,
    authorizer,
    transactionMaxTimeoutMs: int("transaction.max.timeout.ms", 900000, 1),
    transactionStateLogNumPartitions: int("transaction.state.log.num.partitions", 50, 1),
    transactionStateLogSegmentBytes: int("transaction.state.log.segment.bytes", 104857600, 1),
    transactionalIdExpirationMs: int("transactional.id.expiration.ms", 604800000, 1),
    transactionAbortTimedOutTransactionCleanupIntervalMs: int("transaction.abort.timed.out.transaction.cleanup.interval.ms", 10000, 1),
    transactionRemoveExpiredTransactionCleanupIntervalMs: int("transaction.remove.expired.transaction.cleanup.interval.ms", 3600000, 1),
    transactionPartitionVerificationEnable: bool("transaction.partition.verification.enable", true),
    httpListener: parseHttpListener(props.get("bunka.http.listener") ?? DEFAULT_HTTP_LISTENER),
    source,
    raw: props,
    unusedKeys,
  };
}

function parseSecurityProtocolMap(raw: string | undefined): Map<string, string> {
  const map = new Map<string, string>([
    ["PLAINTEXT", "PLAINTEXT"], ["SSL", "SSL"], ["SASL_PLAINTEXT", "SASL_PLAINTEXT"], ["SASL_SSL", "SASL_SSL"],
  ]);
  for (const entry of (raw ?? "").split(",")) {
    if (entry.trim() === "") continue;
    const [name, proto] = entry.split(":").map((s) => s.trim());
    if (!name || !proto) throw new ConfigError(`listener.security.protocol.map entry "${entry}" is not NAME:PROTOCOL`);
    if (!(SECURITY_PROTOCOLS as readonly string[]).includes(proto.toUpperCase())) {
      throw new ConfigError(`listener.security.protocol.map: ${proto} is not a security protocol (${SECURITY_PROTOCOLS.join(", ")})`);
    }
    map.set(name.toUpperCase(), proto.toUpperCase());
  }
  return map;
}

/** bunka.http.listener: `HOST:PORT` (HOST empty, a name, an IPv4 or a [bracketed] IPv6); "" is off. */
export function parseHttpListener(raw: string): { host: string; port: number } | null {
  const value = raw.trim();
  if (value === "") return null;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:\[\]\/]*):(\d{1,5})$/.exec(value);
  if (!m || Number(m[2]) > 65535) throw new ConfigError(`bunka.http.listener: "${value}" is not HOST:PORT (empty to turn the HTTP listener off)`);
  return { host: m[1]!.startsWith("[") ? m[1]!.slice(1, -1) : m[1]!, port: Number(m[2]) };
}

/** `NAME://host:port`, comma separated; host may be empty, a name, an IPv4 or a [bracketed] IPv6. */
export function parseListeners(raw: string, key: string, securityMap = parseSecurityProtocolMap(undefined)): Listener[] {
  const out: Listener[] = [];
  for (const item of raw.split(",").map((s) => s.trim()).filter((s) => s !== "")) {
    const m = /^([A-Za-z0-9_]+):\/\/(\[[0-9a-fA-F:.]+\]|[^:\[\]\/]*):(\d{1,5})$/.exec(item);
    if (!m) throw new ConfigError(`${key}: "${item}" is not a listener of the form NAME://host:port`);
    const name = m[1]!.toUpperCase();
    const port = Number(m[3]);
    if (port > 65535) throw new ConfigError(`${key}: port ${port} in "${item}" is out of range`);
    const protocol = securityMap.get(name);
    if (protocol === undefined) throw new ConfigError(`${key}: listener ${name} has no entry in listener.security.protocol.map`);
    const host = m[2]!.startsWith("[") ? m[2]!.slice(1, -1) : m[2]!;
    out.push({ name, host, port, securityProtocol: protocol as SecurityProtocol });
  }
  return out;
}
