// Starting the group coordinator with the broker: load __consumer_offsets (every committed
// offset and group generation), then serve. Called from main.ts before the listeners open, so
// no request ever sees a coordinator that is still loading.

import type { BrokerConfig } from "../config/broker-config.ts";
import { log } from "../log.ts";
import type { LogStore } from "../storage/log-store.ts";
import { coordinatorConfigFrom, GroupCoordinator } from "./group-coordinator.ts";
import { OffsetsTopicLog } from "./offsets-topic.ts";
import { TimerScheduler } from "./scheduler.ts";

export function startGroupCoordinator(config: BrokerConfig, store: LogStore): GroupCoordinator {
  const started = performance.now();
  const records = new OffsetsTopicLog(store, {
    nodeId: config.nodeId,
    numPartitions: config.offsetsTopicNumPartitions,
    segmentBytes: config.offsetsTopicSegmentBytes,
    log: (msg) => log.info(msg),
  });
  const coordinator = new GroupCoordinator(records, new TimerScheduler(), coordinatorConfigFrom(config));
  const loaded = coordinator.load();
  if (records.exists) {
    log.info(`group coordinator loaded ${loaded.groups} group(s), ${loaded.offsets} committed offset(s) and ` +
      `${loaded.openTransactions} open transaction(s) from __consumer_offsets in ${(performance.now() - started).toFixed(1)} ms`);
  }
  return coordinator;
}
