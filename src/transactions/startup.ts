// Starting the transaction coordinator with the broker: load __transaction_state (every
// transactional id's producer and transaction), resume the transactions that were ending, then
// serve. Called from main.ts after the group coordinator, before the listeners open.
//
// The markers go to the partition logs of this node (PartitionLog.appendTransactionMarker), and
// to __consumer_offsets through the group coordinator when it can complete a transaction's
// pending offsets (GroupCoordinator.completeTransaction), else straight into the log.

import type { BrokerConfig } from "../config/broker-config.ts";
import { log } from "../log.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import type { TransactionMarker } from "../records/control-batch.ts";
import type { LogStore } from "../storage/log-store.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import type { GroupCoordinator } from "../groups/group-coordinator.ts";
import { TimerScheduler, type Scheduler } from "../groups/scheduler.ts";
import { nextProducerId } from "./producer-ids.ts";
import { transactionVersionLevel } from "./features.ts";
import { TransactionStateTopicLog } from "./transaction-log.ts";
import { OFFSETS_TOPIC, TransactionCoordinator, type TransactionMarkerWriter } from "./transaction-coordinator.ts";

/** What the group coordinator offers for a marker on __consumer_offsets (when it does). */
interface OffsetsTransactionCompleter {
  completeTransaction(offsetsPartition: number, marker: TransactionMarker): Promise<void>;
}

/** Markers into this node's logs. */
export class LocalMarkerWriter implements TransactionMarkerWriter {
  constructor(private readonly store: LogStore, private readonly groups: OffsetsTransactionCompleter | null) {}

  async write(topic: string, partition: number, marker: TransactionMarker): Promise<number> {
    try {
      if (topic === OFFSETS_TOPIC && this.groups !== null) {
        await this.groups.completeTransaction(partition, marker);
        return ErrorCode.NONE;
      }
      const partitionLog = this.store.partition(topic, partition);
      if (partitionLog === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      partitionLog.appendTransactionMarker(marker, Date.now());
      await partitionLog.whenDurable();
      return ErrorCode.NONE;
    } catch (e) {
      if (e instanceof StorageError) return ErrorCode.KAFKA_STORAGE_ERROR;
      throw e;
    }
  }
}

function offsetsCompleter(groups: GroupCoordinator | undefined): OffsetsTransactionCompleter | null {
  const candidate = groups as Partial<OffsetsTransactionCompleter> | undefined;
  return candidate !== undefined && typeof candidate.completeTransaction === "function" ? (candidate as OffsetsTransactionCompleter) : null;
}

export function startTransactionCoordinator(
  config: BrokerConfig, store: LogStore, groups: GroupCoordinator | undefined, scheduler: Scheduler = new TimerScheduler(),
): TransactionCoordinator {
  const started = performance.now();
  const records = new TransactionStateTopicLog(store, {
    nodeId: config.nodeId,
    numPartitions: config.transactionStateLogNumPartitions,
    segmentBytes: config.transactionStateLogSegmentBytes,
    log: (msg) => log.info(msg),
  });
  const coordinator = new TransactionCoordinator(
    records,
    scheduler,
    {
      transactionMaxTimeoutMs: config.transactionMaxTimeoutMs,
      transactionalIdExpirationMs: config.transactionalIdExpirationMs,
      abortTimedOutTransactionsIntervalMs: config.transactionAbortTimedOutTransactionCleanupIntervalMs,
      removeExpiredTransactionalIdsIntervalMs: config.transactionRemoveExpiredTransactionCleanupIntervalMs,
      transactionVersionLevel: () => transactionVersionLevel(store.metadata),
    },
    () => nextProducerId(store.metadata, config.nodeId),
    new LocalMarkerWriter(store, offsetsCompleter(groups)),
    (groupId) => groups?.partitionFor(groupId) ?? 0,
    (msg) => log.info(msg),
  );
  const loaded = coordinator.load();
  if (records.exists) {
    log.info(`transaction coordinator loaded ${loaded.transactions} transactional id(s) from __transaction_state ` +
      `(${loaded.completing} transaction(s) being completed) in ${(performance.now() - started).toFixed(1)} ms`);
  }
  return coordinator;
}
