// Entry point: `bunka [path/to/server.properties]`, `bunka --help`, `bunka --version`.
// Operator errors (a bad config, an unusable log dir, a port in use) are one ERROR line and exit
// code 1, as Kafka's kafka.Kafka exits 1 on a ConfigException or a failed bind.

import { accessSync, constants as fsConstants, mkdirSync, statSync } from "node:fs";
import { loadBrokerConfig, ConfigError, type BrokerConfig } from "./config/broker-config.ts";
import { LogDirLockedError, LogStore } from "./storage/log-store.ts";
import { LogDirFailures } from "./storage/log-dir-failures.ts";
import { ListenError, startListeners } from "./server/listener.ts";
import { startHttpListener } from "./http/server.ts";
import { consoleRoutes } from "./console/console.ts";
import { saslBasicAuthenticator } from "./http/basic-auth.ts";
import { MemoryPool } from "./server/memory-pool.ts";
import { RequestMetrics } from "./metrics/request-metrics.ts";
import { EventLoopDelay } from "./metrics/event-loop-delay.ts";
import { BrokerMetrics } from "./metrics/broker-metrics.ts";
import { MetaPropertiesError, readClusterId, readDirectoryId } from "./storage/meta-properties.ts";
import type { BrokerContext } from "./handlers/registry.ts";
import { authorizerFor } from "./handlers/authorization.ts";
import "./handlers/index.ts";
import { log } from "./log.ts";
import { startGroupCoordinator } from "./groups/startup.ts";
import { startTransactionCoordinator } from "./transactions/startup.ts";
import { DiskFileSystem } from "./storage/fs.ts";
import {
  cleanerSettings, fsyncBeforeAck, logConfigResolver, mappedResidentBytes, recoveryPointCheckpointIntervalMs, retentionCheckIntervalMs, tieredStorageSettings,
} from "./config/log-config.ts";
import { TieredStorage } from "./storage/tiered/tiered-storage.ts";
import { S3ObjectStore } from "./storage/tiered/s3-object-store.ts";
import { CONFIG_RESOURCE_BROKER, CONFIG_RESOURCE_TOPIC, MetadataTooNewError } from "./storage/cluster-metadata.ts";
import { QuorumStateTooNewError } from "./storage/kraft/quorum-state.ts";
import { LogCleaner } from "./storage/log-cleaner.ts";
import { COMMIT, VERSION } from "./version.ts";
import { crc32cImplementation } from "./records/crc32c.ts";
import { applyBootstrapScram, parseBootstrapScram } from "./security/scram-bootstrap.ts";

const USAGE = `Usage: bunka [path/to/server.properties]
       bunka --help | --version

Starts Bunka, a Kafka-compatible broker, with Kafka's server.properties keys
(without a file: node.id=1, listeners=PLAINTEXT://:9092, log.dirs=./data).
BUNKA_LOG_LEVEL=debug|info|warn|error sets the log level (default info).
`;

/** meta.properties' cluster id (written when missing), or one ERROR line and exit 1 when a file disagrees. */
function clusterIdOf(config: BrokerConfig): string {
  try {
    return readClusterId(config.logDirs, config.nodeId);
  } catch (e) {
    if (e instanceof MetaPropertiesError) fail(e.message);
    throw e;
  }
}

/** Prints the message as one ERROR line and exits 1. */
function fail(message: string): never {
  log.error(message);
  process.exit(1);
}

/**
 * Creates each log dir if missing and checks it is a directory Bunka can read and write, so a bad
 * log.dirs is one line rather than a stack trace from deep in storage (Kafka's
 * LogManager.createAndValidateLogDirs: "Failed to create data directory", "is not a readable log
 * directory"; with every dir unusable it stops the broker).
 */
function checkLogDirs(config: BrokerConfig): void {
  for (const dir of config.logDirs) {
    let problem: string | null = null;
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, fsConstants.R_OK | fsConstants.W_OK | fsConstants.X_OK);
    } catch (e) {
      problem = (e as { code?: string }).code === "EEXIST" ? "not a directory (ENOTDIR)" : systemErrorText(e);
    }
    if (problem === null && !statSync(dir).isDirectory()) problem = "not a directory (ENOTDIR)";
    if (problem !== null) fail(`log.dirs: ${dir} is not a usable log directory: ${problem}`);
  }
}

/** "permission denied (EACCES)" for a Node system error, else its message. */
function systemErrorText(e: unknown): string {
  const { code, message } = e as { code?: string; message?: string };
  return code !== undefined && message !== undefined ? message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "") + ` (${code})` : String(e);
}

// The cleaner worker's entry point, relative to this file: true from source and in the compiled
// binary, where build/compile.ts lists it as an entry point next to this one.
const CLEANER_WORKER_URL = new URL("./storage/log-cleaner-worker.ts", import.meta.url).href;

function main(argv: string[]): void {
  const started = performance.now();
  if (argv[0] === "--help" || argv[0] === "-h") {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (argv[0] === "--version") {
    process.stdout.write(`bunka ${VERSION} (commit ${COMMIT}, Bun ${Bun.version})\n`);
    process.exit(0);
  }
  if (argv[0]?.startsWith("-") || argv.length > 1) {
    process.stderr.write(`bunka: unexpected argument${argv.length > 1 ? "s" : ""} ${argv.join(" ")}\n${USAGE}`);
    process.exit(1);
  }
  const configPath = argv[0];
  // The signal handlers first: a SIGTERM that lands before they are installed kills the process
  // with the default action (exit 143, no clean shutdown). Measured: a stop sent as soon as the
  // "started in" line appeared did that 4 times in 5 when they were installed after that line.
  // A handler runs only once this synchronous start-up is over, when `stop` is set.
  let stop: ((signal: string) => void) | null = null;
  process.on("SIGINT", () => stop?.("SIGINT"));
  process.on("SIGTERM", () => stop?.("SIGTERM"));
  log.info(`Bunka ${VERSION} (commit ${COMMIT}) on Bun ${Bun.version}`);
  log.info(`CRC-32C: ${crc32cImplementation}`);
  let config;
  try {
    config = loadBrokerConfig(configPath);
  } catch (e) {
    if (e instanceof ConfigError) fail(`config${configPath === undefined ? "" : ` ${configPath}`}: ${e.message}`);
    throw e;
  }
  if (configPath === undefined) {
    log.info(`no server.properties given: embedded defaults (node.id=${config.nodeId}, ` +
      `listeners=PLAINTEXT://:9092, log.dirs=${config.logDirs.join(",")})`);
  } else {
    log.info(`config from ${config.source}`);
  }
  // AbstractConfig.logUnused's sentence, once; Bunka also tells a Kafka key it ignores from a key
  // nobody defines (a typo such as listener=).
  if (config.unusedKeys.unknown.length > 0) {
    log.warn(`These configurations '[${config.unusedKeys.unknown.join(", ")}]' were supplied but are not used yet. ` +
      `They are not Kafka broker configurations (a typo?).`);
  }
  if (config.unusedKeys.kafkaOnly.length > 0) {
    log.warn(`These configurations '[${config.unusedKeys.kafkaOnly.join(", ")}]' were supplied but are not used yet. ` +
      `They are Kafka broker configurations Bunka does not apply.`);
  }
  // A topic's log settings: its configs over the broker's dynamic and static ones, read again at
  // every use (the store's metadata is there by the time the first partition log opens).
  const logConfigOf = (topic: string) => resolver.forTopic(topic);
  checkLogDirs(config);
  const tiered = tieredStorageOf(config);
  // meta.properties first: the metadata log's PartitionRecords name the log dir's directory.id.
  const clusterId = clusterIdOf(config);
  const store: LogStore = openStore(() => LogStore.open({
    logDirs: config.logDirs,
    segmentBytes: config.logSegmentBytes,
    indexIntervalBytes: config.logIndexIntervalBytes,
    topicSettings: (topic) => {
      const c = logConfigOf(topic);
      return {
        segmentBytes: c.segmentBytes, indexIntervalBytes: c.indexIntervalBytes, segmentMs: c.segmentMs,
        segmentJitterMs: c.segmentJitterMs, fileDeleteDelayMs: c.fileDeleteDelayMs, flushMessages: c.flushMessages, flushMs: c.flushMs,
        remoteStorageEnable: c.remoteStorageEnable,
      };
    },
    fsyncBeforeAck: fsyncBeforeAck((key) => config.raw.get(key)),
    nodeId: config.nodeId,
    // One log dir: every partition is in it, so its PartitionRecords say so (as Kafka's do). With
    // several, Kafka's broker assigns the directories itself after graduating.
    directoryId: config.logDirs.length === 1 ? readDirectoryId(config.logDirs[0]!) : undefined,
    fs: new DiskFileSystem({ mappedResidentBytes: mappedResidentBytes((key) => config.raw.get(key)) }),
    log: (msg) => log.info(msg),
    failures: new LogDirFailures((msg) => log.error(msg)),
    tiered: tiered ?? undefined,
  }));
  const resolver = logConfigResolver(config, store.metadata);
  const brokerValue = resolver.brokerValue;
  // After an unclean shutdown every partition log is recovered now, before clients arrive.
  store.loadLogs();
  // Kafka's LogManager checkpoint task: recovery points to recovery-point-offset-checkpoint.
  const recoveryCheckpoints = setInterval(() => {
    try {
      store.checkpointRecoveryPoints();
    } catch (e) {
      log.error(`writing recovery-point-offset-checkpoint failed: ${(e as Error).stack ?? e}`);
    }
  }, recoveryPointCheckpointIntervalMs(brokerValue));
  // Config changes (IncrementalAlterConfigs, AlterConfigs) reach the open partition logs at once;
  // retention and the cleaner read the settings at each pass anyway.
  store.metadata.onConfigChange((resource) => {
    if (resource.type === CONFIG_RESOURCE_TOPIC) store.reconfigure(resource.name);
    else if (resource.type === CONFIG_RESOURCE_BROKER) for (const topic of store.metadata.topicsByName.keys()) store.reconfigure(topic);
  });
  // flush.ms (Kafka's LogManager flush task): checked every second.
  const flusher = setInterval(() => store.flushDue(Date.now()), 1000);
  // Retention (Kafka's LogManager cleanup task): every log.retention.check.interval.ms.
  const retention = setInterval(() => {
    try {
      store.applyRetention(logConfigOf, Date.now());
    } catch (e) {
      log.error(`retention check failed: ${(e as Error).stack ?? e}`);
    }
  }, retentionCheckIntervalMs(brokerValue));
  // Tiered storage (Kafka's RemoteLogManager tasks): every remote.log.manager.task.interval.ms.
  tiered?.start(logConfigOf);
  // The log cleaner (compacted topics, __consumer_offsets among them), in the background.
  const cleaning = cleanerSettings(brokerValue);
  const cleaner = new LogCleaner(store, logConfigOf, { ...cleaning, sliceBytes: 1024 * 1024 }, (msg) => log.info(msg), CLEANER_WORKER_URL);
  if (cleaning.enabled) cleaner.start(cleaning.backoffMs);
  const claimed = store.metadata.claimLeadership(config.nodeId);
  if (claimed > 0) log.info(`node ${config.nodeId} took leadership of ${claimed} partition(s)`);
  if (config.bootstrapScram !== null) {
    try {
      const created = applyBootstrapScram(store.metadata, parseBootstrapScram(config.bootstrapScram));
      if (created.length > 0) log.info(`bunka.add.scram: created SCRAM credentials ${created.join(", ")}`);
    } catch (e) {
      if (e instanceof ConfigError) fail(`config: ${e.message}`);
      throw e;
    }
  }
  const groups = startGroupCoordinator(config, store);
  const transactions = startTransactionCoordinator(config, store, groups);
  // Kafka's StandardAuthorizer, fed by the ACL records of __cluster_metadata.
  const authorizer = authorizerFor(config, store.metadata);
  if (authorizer) {
    log.info(`authorizer: StandardAuthorizer with ${authorizer.aclCount} ACL(s); super.users=${config.authorizer!.superUsers.join(",")}; ` +
      `allow.everyone.if.no.acl.found=${config.authorizer!.allowEveryoneIfNoAclFound}`);
  }
  const broker: BrokerContext = { config, store, clusterId, groups, transactions, authorizer };
  // The listeners announce their work to the request metrics (server/server-observer.ts).
  const pool = new MemoryPool(config.queuedMaxRequestBytes);
  const requests = new RequestMetrics();
  const eventLoop = new EventLoopDelay().start();
  let running: ReturnType<typeof startListeners> = [];
  const metrics = new BrokerMetrics({
    config, store, groups, pool, requests, cleaner, eventLoop, listeners: () => running,
    minInsyncReplicas: (topic) => Number(store.metadata.topicConfigs.get(topic)?.get("min.insync.replicas") ?? brokerValue("min.insync.replicas") ?? 1),
  });
  try {
    running = startListeners(config.listeners, broker, pool, requests);
  } catch (e) {
    if (e instanceof ListenError) fail(e.message);
    throw e;
  }
  // /metrics and the console (bunka.http.listener): a port in use is a WARN, Kafka goes on.
  const http = config.httpListener === null ? null : startHttpListener(config.httpListener, {
    routes: [metrics.route(), consoleRoutes(broker)],
    // With a SASL listener, HTTP Basic against the same users (http/basic-auth.ts).
    authenticate: saslBasicAuthenticator(config, store.metadata),
  });
  log.info(`Bunka ${VERSION} node ${config.nodeId} started in ${(performance.now() - started).toFixed(1)} ms; ` +
    `data in ${config.logDirs.join(",")}; ${store.metadata.topicsByName.size} topic(s); ` +
    (fsyncBeforeAck((key) => config.raw.get(key))
      ? "acknowledgements wait for fsync (group commit; bunka.fsync.before.ack=false: Kafka's page-cache acknowledgements)"
      : "acknowledgements from the page cache, as Kafka's (bunka.fsync.before.ack=false)"));

  stop = (signal: string) => {
    log.info(`${signal}: shutting down`);
    for (const l of running) l.stop();
    http?.stop();
    eventLoop.stop();
    clearInterval(retention);
    void tiered?.stop();
    clearInterval(flusher);
    clearInterval(recoveryCheckpoints);
    cleaner.stop();
    groups.shutdown();
    transactions.shutdown();
    // Kafka's controlled shutdown: the partitions this node leads are left without a leader, so a
    // Kafka started on this log dir leads them only once its broker is registered (no coordinator
    // load at a leader epoch its controller is about to replace). The next start claims them back.
    try {
      const resigned = store.metadata.resignLeadership(config.nodeId);
      if (resigned > 0) log.info(`node ${config.nodeId} resigned leadership of ${resigned} partition(s)`);
    } catch (e) {
      log.warn(`could not write the leader changes of a controlled shutdown: ${(e as Error).message}`);
    }
    store.close();
    process.exit(0);
  };
}

/**
 * LogStore.open, with a log dir locked by another broker, or a file system error while reading
 * the log dirs, as one ERROR line and exit 1.
 */
function openStore(open: () => LogStore): LogStore {
  try {
    return open();
  } catch (e) {
    if (e instanceof LogDirLockedError || e instanceof MetadataTooNewError || e instanceof QuorumStateTooNewError) fail(e.message);
    const { code, path } = e as { code?: string; path?: string };
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) fail(`log.dirs: cannot open ${path ?? "the log dirs"}: ${systemErrorText(e)}`);
    throw e;
  }
}

main(process.argv.slice(2));

/** Tiered storage from remote.log.storage.system.enable and the bunka.remote.storage.s3.* keys; null when off. */
function tieredStorageOf(config: BrokerConfig): TieredStorage | null {
  let settings: ReturnType<typeof tieredStorageSettings>;
  try {
    // Static keys (Kafka's remote.log.* broker keys are read-only): server.properties or the default.
    settings = tieredStorageSettings((key) => config.raw.get(key)?.trim());
  } catch (e) {
    fail(`config: ${(e as Error).message}`);
  }
  if (settings === null) return null;
  const store = new S3ObjectStore(settings);
  log.info(`tiered storage: ${store.description}, task every ${settings.taskIntervalMs} ms`);
  return new TieredStorage({
    store, fs: new DiskFileSystem(), taskIntervalMs: settings.taskIntervalMs, cacheBytes: settings.cacheBytes,
    fetchMaxWaitMs: settings.fetchMaxWaitMs,
    log: (msg) => (msg.startsWith("warn:") ? log.warn(msg.slice(6)) : log.info(msg)),
  });
}
