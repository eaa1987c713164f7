// Starting the transaction coordinator with the broker: load __transaction_state (every
// transactional id's producer and transaction), resume the transactions that were ending, then
// serve. Called from main.ts after the group coordinator, before the listeners open.
//
// The wiring to the rest of the broker is here:
// - markers go to this node's partition logs (PartitionLog.appendTransactionMarker), and to
//   __consumer_offsets through the group coordinator (GroupCoordinator.completeTransaction),
//   which commits or drops the transaction's pending offsets;
// - the group coordinator asks this coordinator before a transactional offset commit
//   (TransactionVerifier): was the group's partition added (AddOffsetsToTxn; TxnOffsetCommit
//   v0–v4), or may it be added now (v5, transaction version 2)?

import type { BrokerConfig } from "../config/broker-config.ts";
import { log } from "../log.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import type { TransactionMarker } from "../records/control-batch.ts";
import type { LogStore } from "../storage/log-store.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { ProducerAppendError } from "../storage/partition-log.ts";
import type { GroupCoordinator, TransactionVerifier } from "../groups/group-coordinator.ts";
import { TimerScheduler, type Scheduler } from "../groups/scheduler.ts";
import { nextProducerId } from "./producer-ids.ts";
import { transactionVersionLevel } from "./features.ts";
import { TransactionStateTopicLog } from "./transaction-log.ts";
import { OFFSETS_TOPIC, TransactionCoordinator, type TransactionMarkerWriter } from "./transaction-coordinator.ts";

/** Markers into this node's logs. */
export class LocalMarkerWriter implements TransactionMarkerWriter {
  constructor(private readonly store: LogStore, private readonly groups: GroupCoordinator | undefined) {}

  async write(topic: string, partition: number, marker: TransactionMarker, transactionVersion = 0): Promise<number> {
    try {
      if (topic === OFFSETS_TOPIC && this.groups !== undefined) {
        await this.groups.completeTransaction(partition, marker);
        return ErrorCode.NONE;
      }
      const partitionLog = this.store.partition(topic, partition);
      if (partitionLog === undefined) return ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      partitionLog.appendTransactionMarker(marker, Date.now(), { transactionVersion });
      await partitionLog.whenDurable();
      return ErrorCode.NONE;
    } catch (e) {
      if (e instanceof StorageError) return ErrorCode.KAFKA_STORAGE_ERROR;
      if (e instanceof ProducerAppendError) return ErrorCode[e.error];
      const code = (e as { errorCode?: unknown }).errorCode; // the group coordinator's GroupError
      if (typeof code === "number") return code;
      throw e;
    }
  }
}

/**
 * The group coordinator's question before a transactional offset commit, answered as Kafka's
 * AddPartitionsToTxnManager answers it for the group coordinator (measured on Kafka 4.3.1 by the
 * group side: v3 without AddOffsetsToTxn 48, v5 adds the partition, a wrong epoch 47, an unknown
 * producer 49); retriable coordinator errors become COORDINATOR_NOT_AVAILABLE, which every
 * client retries (Kafka's GroupCoordinatorService.normalizeException), CONCURRENT_TRANSACTIONS
 * staying for v5 as for Produce v12.
 */
export function transactionVerifier(coordinator: TransactionCoordinator): TransactionVerifier {
  const translate = (code: number, apiVersion: number): number => {
    switch (code) {
      case ErrorCode.PRODUCER_FENCED:
        return ErrorCode.INVALID_PRODUCER_EPOCH;
      case ErrorCode.TRANSACTION_ABORTABLE:
        return ErrorCode.INVALID_TXN_STATE;
      case ErrorCode.CONCURRENT_TRANSACTIONS:
        return apiVersion >= 5 ? code : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
      case ErrorCode.NOT_COORDINATOR:
        return ErrorCode.COORDINATOR_NOT_AVAILABLE;
      default:
        return code;
    }
  };
  return {
    async verifyTransactionalOffsetCommit({ transactionalId, producerId, producerEpoch, offsetsPartition, apiVersion }) {
      const partitions = new Map([[OFFSETS_TOPIC, new Set([offsetsPartition])]]);
      if (apiVersion >= 5) {
        return translate(await coordinator.addPartitionsImplicitly(transactionalId, producerId, producerEpoch, partitions), apiVersion);
      }
      const verified = coordinator.verifyPartitions(transactionalId, producerId, producerEpoch, partitions);
      return translate(verified.get(OFFSETS_TOPIC)!.get(offsetsPartition)!, apiVersion);
    },
  };
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
    new LocalMarkerWriter(store, groups),
    (groupId) => groups?.partitionFor(groupId) ?? 0,
    (msg) => log.info(msg),
  );
  const loaded = coordinator.load();
  groups?.useTransactionVerifier(transactionVerifier(coordinator));
  if (records.exists) {
    log.info(`transaction coordinator loaded ${loaded.transactions} transactional id(s) from __transaction_state ` +
      `(${loaded.completing} transaction(s) being completed) in ${(performance.now() - started).toFixed(1)} ms`);
  }
  return coordinator;
}
