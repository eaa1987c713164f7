// Where the transaction coordinator's state lives: the internal topic __transaction_state, as
// Kafka keeps it (TransactionLog, TransactionStateManager). A transactional id belongs to
// partition abs(javaStringHashCode(transactionalId)) % partitions; every state change is one
// record appended to that partition, and answered only once it is durable. On startup every
// partition is read from its log start and the last record of each id wins (a tombstone
// forgets it).
//
// Record format (Kafka's TransactionLog.keyToBytes / valueToBytes):
//   key   int16 version 0 | TransactionLogKey {transactionalId}
//   value int16 version   | TransactionLogValue {producerId, producerEpoch, transactionTimeoutMs,
//         transactionStatus, transactionPartitions (null when Empty), lastUpdate, start; tagged
//         (v1): previousProducerId, nextProducerId, clientTransactionVersion, nextProducerEpoch}
//   Version 1 (flexible) is what Kafka writes once transaction.version >= 1; Bunka always
//   finalizes transaction.version 2, so it writes version 1 and reads both.
//   Dead (an expired id) is a tombstone: a null value.
//
// The topic is created on first need as Kafka creates it (TransactionLogConfig):
// transaction.state.log.num.partitions partitions, replication factor 1, cleanup.policy=compact,
// compression.type=uncompressed, min.insync.replicas=1 (the RF), unclean leader election off,
// segment.bytes=transaction.state.log.segment.bytes.
//
// TransactionLog is the seam: TransactionStateTopicLog writes the real topic,
// MemoryTransactionLog keeps records in memory for unit tests (and replays them for restarts).

import { log as brokerLog } from "../log.ts";
import type { LogStore } from "../storage/log-store.ts";
import { buildRecordBatch } from "../records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView } from "../records/record-batch.ts";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import {
  readTransactionLogKey, readTransactionLogValue, TRANSACTION_RECORD_VERSIONS, writeTransactionLogKey, writeTransactionLogValue,
} from "../storage/transaction/records.ts";
import { partitionForGroup } from "../groups/offsets-topic.ts";
import { TxnState, type TopicPartitions, type TransactionTransit } from "./transaction-metadata.ts";

export const TRANSACTION_STATE_TOPIC = "__transaction_state";
/** What Kafka writes with transaction.version >= 1 (TransactionVersion.transactionLogValueVersion). */
export const TRANSACTION_LOG_VALUE_VERSION = 1;

export interface TransactionRecord {
  transactionalId: string;
  /** null: a tombstone (the id expired). */
  value: TransactionTransit | null;
}

export interface TransactionLog {
  readonly numPartitions: number;
  /** Creates the topic if it does not exist yet (FindCoordinator's first lookup). */
  ensureTopic(): void;
  /**
   * The coordinator epoch markers carry: Kafka's is the leader epoch of the transaction's
   * __transaction_state partition (0 until leadership moves, e.g. when Bunka takes over a log
   * dir Kafka wrote), so the partitions' "coordinator fenced" check sees the same numbers.
   */
  coordinatorEpoch(partition: number): number;
  /** Appends one record to a partition; throws if it cannot. */
  append(partition: number, record: TransactionRecord): void;
  /** Resolves once what was appended to `partition` is on disk; null: nothing to wait for. */
  whenDurable(partition: number): Promise<void> | null;
  /** Visits every stored record in log order, partition by partition. */
  replay(visit: (rec: TransactionRecord) => void): void;
}

/** Kafka's TransactionStateManager.partitionFor (the same hash as groups). */
export function partitionForTransactionalId(transactionalId: string, numPartitions: number): number {
  return partitionForGroup(transactionalId, numPartitions);
}

export function encodeTransactionRecord(rec: TransactionRecord): { key: Uint8Array; value: Uint8Array | null } {
  const kw = new Writer(32 + rec.transactionalId.length * 3, null);
  kw.int16(0);
  writeTransactionLogKey(kw, 0, { transactionalId: rec.transactionalId });
  const key = kw.finish().slice();
  if (rec.value === null) return { key, value: null };
  const t = rec.value;
  if (t.state === TxnState.Dead) return { key, value: null };
  const vw = new Writer(128, null);
  vw.int16(TRANSACTION_LOG_VALUE_VERSION);
  writeTransactionLogValue(vw, TRANSACTION_LOG_VALUE_VERSION, {
    producerId: t.producerId,
    previousProducerId: t.previousProducerId,
    nextProducerId: t.nextProducerId,
    producerEpoch: t.producerEpoch,
    nextProducerEpoch: -1,
    transactionTimeoutMs: t.txnTimeoutMs,
    transactionStatus: t.state,
    transactionPartitions: t.state === TxnState.Empty ? null
      : [...t.partitions].map(([topic, ps]) => ({ topic, partitionIds: [...ps].sort((a, b) => a - b) })),
    transactionLastUpdateTimestampMs: t.txnLastUpdateTimestamp,
    transactionStartTimestampMs: t.txnStartTimestamp,
    clientTransactionVersion: t.clientTransactionVersion,
  });
  return { key, value: vw.finish().slice() };
}

/** Decodes a record of __transaction_state; null for an unknown key version. Throws on malformed bytes. */
export function decodeTransactionRecord(key: Uint8Array, value: Uint8Array | null): TransactionRecord | null {
  const kr = new Reader(key);
  const keyVersion = kr.int16();
  if (kr.failed) throw new Error("record key too short");
  if (keyVersion !== 0) return null;
  const k = readTransactionLogKey(kr, 0);
  if (kr.failed) throw new Error("malformed TransactionLogKey");
  if (value === null) return { transactionalId: k.transactionalId, value: null };
  const vr = new Reader(value);
  const version = vr.int16();
  const { minVersion, maxVersion } = TRANSACTION_RECORD_VERSIONS.TransactionLogValue;
  if (vr.failed || version < minVersion || version > maxVersion) throw new Error(`unknown TransactionLogValue version ${version}`);
  const v = readTransactionLogValue(vr, version);
  if (vr.failed) throw new Error("malformed TransactionLogValue");
  if (v.transactionStatus < 0 || v.transactionStatus > 7) throw new Error(`unknown transaction state ${v.transactionStatus}`);
  const partitions: TopicPartitions = new Map();
  for (const tp of v.transactionPartitions ?? []) {
    let set = partitions.get(tp.topic);
    if (set === undefined) partitions.set(tp.topic, (set = new Set()));
    for (const p of tp.partitionIds) set.add(p);
  }
  return {
    transactionalId: k.transactionalId,
    value: {
      producerId: v.producerId,
      previousProducerId: v.previousProducerId,
      nextProducerId: v.nextProducerId,
      producerEpoch: v.producerEpoch,
      // Kafka's TransactionLog.readTxnRecordValue does not keep the last epoch.
      lastProducerEpoch: -1,
      txnTimeoutMs: v.transactionTimeoutMs,
      state: v.transactionStatus as TxnState,
      partitions,
      txnStartTimestamp: v.transactionStartTimestampMs,
      txnLastUpdateTimestamp: v.transactionLastUpdateTimestampMs,
      clientTransactionVersion: v.clientTransactionVersion,
    },
  };
}

export interface TransactionStateTopicOptions {
  nodeId: number;
  /** transaction.state.log.num.partitions (used when the topic does not exist yet). */
  numPartitions: number;
  /** transaction.state.log.segment.bytes. */
  segmentBytes: number;
  log?: (msg: string) => void;
}

export class TransactionStateTopicLog implements TransactionLog {
  private readonly store: LogStore;
  private readonly opts: TransactionStateTopicOptions;
  private readonly log: (msg: string) => void;

  constructor(store: LogStore, opts: TransactionStateTopicOptions) {
    this.store = store;
    this.opts = opts;
    this.log = opts.log ?? ((msg) => brokerLog.info(msg));
  }

  get exists(): boolean {
    return this.store.metadata.topicsByName.has(TRANSACTION_STATE_TOPIC);
  }

  get numPartitions(): number {
    return this.store.metadata.topicsByName.get(TRANSACTION_STATE_TOPIC)?.partitions.length || this.opts.numPartitions;
  }

  /** Creates __transaction_state if it does not exist yet (Kafka's transactionTopicConfigs). */
  ensureTopic(): void {
    if (this.exists) return;
    this.store.metadata.createTopic(TRANSACTION_STATE_TOPIC, this.opts.numPartitions, {
      nodeId: this.opts.nodeId,
      configs: [
        { name: "cleanup.policy", value: "compact" },
        { name: "compression.type", value: "uncompressed" },
        { name: "min.insync.replicas", value: "1" },
        { name: "segment.bytes", value: String(this.opts.segmentBytes) },
        { name: "unclean.leader.election.enable", value: "false" },
      ],
    });
    this.log(`created ${TRANSACTION_STATE_TOPIC} with ${this.opts.numPartitions} partitions`);
  }

  coordinatorEpoch(partition: number): number {
    const p = this.store.metadata.topicsByName.get(TRANSACTION_STATE_TOPIC)?.partitions.find((x) => x.partitionId === partition);
    return Math.max(0, p?.leaderEpoch ?? 0);
  }

  append(partition: number, record: TransactionRecord): void {
    this.ensureTopic();
    const partitionLog = this.store.partition(TRANSACTION_STATE_TOPIC, partition);
    if (!partitionLog) throw new Error(`${TRANSACTION_STATE_TOPIC}-${partition} does not exist`);
    partitionLog.append(buildRecordBatch({ records: [encodeTransactionRecord(record)] }));
  }

  whenDurable(partition: number): Promise<void> | null {
    if (!this.exists) return null;
    return this.store.partition(TRANSACTION_STATE_TOPIC, partition)?.whenDurable() ?? null;
  }

  replay(visit: (rec: TransactionRecord) => void): void {
    const topic = this.store.metadata.topicsByName.get(TRANSACTION_STATE_TOPIC);
    if (!topic) return;
    for (const p of topic.partitions) {
      const partitionLog = this.store.partition(TRANSACTION_STATE_TOPIC, p.partitionId);
      if (!partitionLog) continue;
      for (const bytes of partitionLog.batchesFrom(partitionLog.logStartOffset)) {
        const view = new RecordBatchView(bytes);
        if (view.isControl) continue;
        let records;
        try {
          records = decodeRecords(view);
        } catch (e) {
          this.log(`${TRANSACTION_STATE_TOPIC}-${p.partitionId} offset ${view.baseOffset}: ${(e as Error).message}; batch skipped`);
          continue;
        }
        for (const rec of records) {
          if (rec.key === null) continue;
          let decoded: TransactionRecord | null;
          try {
            decoded = decodeTransactionRecord(rec.key, rec.value);
          } catch (e) {
            this.log(`${TRANSACTION_STATE_TOPIC}-${p.partitionId} offset ${rec.offset}: ${(e as Error).message}; skipped`);
            continue;
          }
          if (decoded !== null) visit(decoded);
        }
      }
    }
  }
}

/** Records in memory (unit tests): what was appended, by partition, and a replay of it. */
export class MemoryTransactionLog implements TransactionLog {
  readonly numPartitions: number;
  readonly appended: { partition: number; key: Uint8Array; value: Uint8Array | null }[] = [];
  /** Set to make the next appends throw (a failing disk). */
  failAppends = false;
  /** Set to hold durability until release() (a slow disk). */
  private holding: { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } | null = null;

  constructor(numPartitions = 50) {
    this.numPartitions = numPartitions;
  }

  ensureTopic(): void {}

  coordinatorEpoch(_partition: number): number {
    return 0;
  }

  append(partition: number, record: TransactionRecord): void {
    if (this.failAppends) throw new Error("append failed (test)");
    this.appended.push({ partition, ...encodeTransactionRecord(record) });
  }

  /** Makes whenDurable wait until release() or failDurability(). */
  hold(): void {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej; });
    promise.catch(() => {});
    this.holding = { promise, resolve, reject };
  }

  release(): void {
    this.holding?.resolve();
    this.holding = null;
  }

  failDurability(message = "fsync failed (test)"): void {
    this.holding?.reject(new Error(message));
    this.holding = null;
  }

  whenDurable(_partition: number): Promise<void> | null {
    return this.holding?.promise ?? null;
  }

  replay(visit: (rec: TransactionRecord) => void): void {
    for (let p = 0; p < this.numPartitions; p++) {
      for (const a of this.appended) {
        if (a.partition !== p) continue;
        const rec = decodeTransactionRecord(a.key, a.value);
        if (rec !== null) visit(rec);
      }
    }
  }

  /** The decoded records, in append order. */
  get records(): TransactionRecord[] {
    return this.appended.map((a) => decodeTransactionRecord(a.key, a.value)!);
  }
}
