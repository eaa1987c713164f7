// Entry point: `bunka [path/to/server.properties]`.

import { loadBrokerConfig, ConfigError } from "./config/broker-config.ts";
import { LogDirLockedError, LogStore } from "./storage/log-store.ts";
import { LogDirFailures } from "./storage/log-dir-failures.ts";
import { startListeners } from "./server/listener.ts";
import { readClusterId } from "./storage/meta-properties.ts";
import type { BrokerContext } from "./handlers/registry.ts";
import "./handlers/index.ts";
import { log } from "./log.ts";
import { startGroupCoordinator } from "./groups/startup.ts";
import { cleanerSettings, logConfigResolver, recoveryPointCheckpointIntervalMs, retentionCheckIntervalMs } from "./config/log-config.ts";
import { CONFIG_RESOURCE_BROKER, CONFIG_RESOURCE_TOPIC } from "./storage/cluster-metadata.ts";
import { LogCleaner } from "./storage/log-cleaner.ts";

// The cleaner worker's entry point, relative to this file: true from source and in the compiled
// binary, where build/compile.ts lists it as an entry point next to this one.
const CLEANER_WORKER_URL = new URL("./storage/log-cleaner-worker.ts", import.meta.url).href;

function main(argv: string[]): void {
  const started = performance.now();
  const configPath = argv[0];
  let config;
  try {
    config = loadBrokerConfig(configPath);
  } catch (e) {
    if (e instanceof ConfigError) {
      log.error(`config: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
  if (configPath === undefined) {
    log.info(`no server.properties given: embedded defaults (node.id=${config.nodeId}, ` +
      `listeners=PLAINTEXT://:9092, log.dirs=${config.logDirs.join(",")})`);
  } else {
    log.info(`config from ${config.source}`);
  }
  // A topic's log settings: its configs over the broker's dynamic and static ones, read again at
  // every use (the store's metadata is there by the time the first partition log opens).
  const logConfigOf = (topic: string) => resolver.forTopic(topic);
  const store: LogStore = openStore({
    logDirs: config.logDirs,
    segmentBytes: config.logSegmentBytes,
    indexIntervalBytes: config.logIndexIntervalBytes,
    topicSettings: (topic) => {
      const c = logConfigOf(topic);
      return {
        segmentBytes: c.segmentBytes, indexIntervalBytes: c.indexIntervalBytes, segmentMs: c.segmentMs,
        segmentJitterMs: c.segmentJitterMs, fileDeleteDelayMs: c.fileDeleteDelayMs,
      };
    },
    log: (msg) => log.info(msg),
    failures: new LogDirFailures((msg) => log.error(msg)),
  });
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
  // Retention (Kafka's LogManager cleanup task): every log.retention.check.interval.ms.
  const retention = setInterval(() => {
    try {
      store.applyRetention(logConfigOf, Date.now());
    } catch (e) {
      log.error(`retention check failed: ${(e as Error).stack ?? e}`);
    }
  }, retentionCheckIntervalMs(brokerValue));
  // The log cleaner (compacted topics, __consumer_offsets among them), in the background.
  const cleaning = cleanerSettings(brokerValue);
  const cleaner = new LogCleaner(store, logConfigOf, { ...cleaning, sliceBytes: 1024 * 1024 }, (msg) => log.info(msg), CLEANER_WORKER_URL);
  if (cleaning.enabled) cleaner.start(cleaning.backoffMs);
  const claimed = store.metadata.claimLeadership(config.nodeId);
  if (claimed > 0) log.info(`node ${config.nodeId} took leadership of ${claimed} partition(s)`);
  const groups = startGroupCoordinator(config, store);
  const broker: BrokerContext = { config, store, clusterId: readClusterId(config.logDirs), groups };
  let running;
  try {
    running = startListeners(config.listeners, broker);
  } catch (e) {
    log.error(`cannot listen: ${(e as Error).message}`);
    process.exit(1);
  }
  log.info(`Bunka node ${config.nodeId} started in ${(performance.now() - started).toFixed(1)} ms; ` +
    `data in ${config.logDirs.join(",")}; ${store.metadata.topicsByName.size} topic(s)`);

  const shutdown = (signal: string) => {
    log.info(`${signal}: shutting down`);
    for (const l of running) l.stop();
    clearInterval(retention);
    clearInterval(recoveryCheckpoints);
    cleaner.stop();
    groups.shutdown();
    store.close();
    process.exit(0);
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

/** LogStore.open; a log dir locked by another broker is a one-line error and exit 1. */
function openStore(opts: Parameters<typeof LogStore.open>[0]): LogStore {
  try {
    return LogStore.open(opts);
  } catch (e) {
    if (e instanceof LogDirLockedError) {
      log.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}

main(process.argv.slice(2));
