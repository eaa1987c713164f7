// Where the group coordinator's records live: the internal topic __consumer_offsets, as Kafka
// keeps it. A group belongs to partition abs(javaStringHashCode(groupId)) % partitions; every
// coordinator operation that changes state appends its records to that partition as ONE record
// batch (so a commit of many partitions is stored atomically), before the change is applied in
// memory and answered. On startup every partition is read from its log start and replayed
// (Kafka's coordinator loading), so a restart — even after kill -9, since appends reach the
// page cache synchronously — finds every commit and group generation that was answered.
//
// The topic is created on first need, as Kafka's broker creates it: offsets.topic.num.partitions
// partitions, replication factor 1, cleanup.policy=compact, compression.type=producer,
// segment.bytes=offsets.topic.segment.bytes. When it already exists its partition count wins
// over the configured one (as Kafka's coordinator reads it from the metadata).
//
// Transactional offset commits (TxnOffsetCommit) are appended as one transactional batch with
// the producer's id and epoch (Kafka's CoordinatorRuntime writes them so: transactional bit,
// base sequence 0), and their transaction ends with a marker (a control batch,
// records/control-batch.ts) that the transaction coordinator has the group coordinator write.
// Replay hands each record over with its log offset and its batch's producer id, and each
// marker with its producer id, in log order (Kafka's CoordinatorLoaderImpl): the coordinator
// keeps a transactional record pending until its producer's marker. A log the cleaner compacted
// needs nothing special: a marker whose records were removed completes nothing, and records
// whose marker is not in the log (their transaction is still open) stay pending.
//
// CoordinatorLog is the seam: OffsetsTopicLog writes the real topic, MemoryCoordinatorLog keeps
// records in memory for unit tests (and replays them to test restarts).

import { log as brokerLog } from "../log.ts";
import type { LogStore } from "../storage/log-store.ts";
import { ProducerAppendError } from "../storage/partition-log.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { buildRecordBatch } from "../records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView, TRANSACTIONAL_MASK } from "../records/record-batch.ts";
import { ControlRecordType, readTransactionMarker, type TransactionMarker } from "../records/control-batch.ts";
import { decodeCoordinatorRecord, encodeCoordinatorRecord, type CoordinatorRecord } from "./coordinator-records.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

/** The producer a transactional batch is written for (TxnOffsetCommit's producer id and epoch). */
export interface TransactionalProducer {
  producerId: number;
  producerEpoch: number;
}

/** What replay hands over with each record: where it is and the producer of its batch. */
export interface RecordPosition {
  partition: number;
  /** The record's offset in the partition. */
  offset: number;
  /** -1 for a record of a non-transactional batch. */
  producerId: number;
  producerEpoch: number;
}

export interface ReplayVisitor {
  record(rec: CoordinatorRecord, at: RecordPosition): void;
  /** An end-transaction marker (COMMIT or ABORT) for the producer's transaction in `partition`. */
  marker(partition: number, producerId: number, producerEpoch: number, commit: boolean): void;
}

export interface CoordinatorLog {
  /** Partitions of __consumer_offsets (groups are spread over them). */
  readonly numPartitions: number;
  /**
   * Appends the records of one operation to a partition, as one batch (transactional for
   * `transaction`'s producer when given); returns the offset of its first record. Throws if it
   * cannot.
   */
  append(partition: number, records: CoordinatorRecord[], transaction?: TransactionalProducer): number;
  /** Appends an end-transaction marker (timestamp `now`) to a partition. Throws if it cannot (or the log refuses it). */
  appendMarker(partition: number, marker: TransactionMarker, now: number): void;
  /** Resolves once what was appended to `partition` is on disk (the group commit); null: nothing to wait for. */
  whenDurable(partition: number): Promise<void> | null;
  /** Visits every stored record and marker in log order, partition by partition. */
  replay(visitor: ReplayVisitor): void;
}

/** Kafka's CoordinatorRuntime numbers a transactional batch's records from sequence 0. */
const TRANSACTIONAL_BASE_SEQUENCE = 0;

/** Java's String.hashCode over UTF-16 code units (32-bit overflow). */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** Kafka's partitionFor: Utils.abs(groupId.hashCode) % partitions (abs(MIN_VALUE) is 0). */
export function partitionForGroup(groupId: string, numPartitions: number): number {
  const h = javaStringHashCode(groupId);
  const abs = h === -2147483648 ? 0 : Math.abs(h);
  return abs % numPartitions;
}

export interface OffsetsTopicOptions {
  nodeId: number;
  /** offsets.topic.num.partitions (used when the topic does not exist yet). */
  numPartitions: number;
  /** offsets.topic.segment.bytes. */
  segmentBytes: number;
  log?: (msg: string) => void;
}

export class OffsetsTopicLog implements CoordinatorLog {
  private readonly store: LogStore;
  private readonly opts: OffsetsTopicOptions;
  private readonly log: (msg: string) => void;

  constructor(store: LogStore, opts: OffsetsTopicOptions) {
    this.store = store;
    this.opts = opts;
    this.log = opts.log ?? ((msg) => brokerLog.info(msg));
  }

  get exists(): boolean {
    return this.store.metadata.topicsByName.has(OFFSETS_TOPIC);
  }

  get numPartitions(): number {
    return this.store.metadata.topicsByName.get(OFFSETS_TOPIC)?.partitions.length || this.opts.numPartitions;
  }

  /** Creates __consumer_offsets if it does not exist yet. */
  ensureTopic(): void {
    if (this.exists) return;
    this.store.metadata.createTopic(OFFSETS_TOPIC, this.opts.numPartitions, {
      nodeId: this.opts.nodeId,
      configs: [
        { name: "cleanup.policy", value: "compact" },
        { name: "compression.type", value: "producer" },
        { name: "segment.bytes", value: String(this.opts.segmentBytes) },
      ],
    });
    this.log(`created ${OFFSETS_TOPIC} with ${this.opts.numPartitions} partitions`);
  }

  append(partition: number, records: CoordinatorRecord[], transaction?: TransactionalProducer): number {
    if (records.length === 0) return this.exists ? (this.store.partition(OFFSETS_TOPIC, partition)?.nextOffset ?? 0) : 0;
    const partitionLog = this.partitionLog(partition);
    const batch = buildRecordBatch(transaction
      ? {
        records: records.map(encodeCoordinatorRecord), attributes: TRANSACTIONAL_MASK,
        producerId: transaction.producerId, producerEpoch: transaction.producerEpoch, baseSequence: TRANSACTIONAL_BASE_SEQUENCE,
      }
      : { records: records.map(encodeCoordinatorRecord) });
    // AppendOrigin.COORDINATOR for a transactional batch: its epoch is checked, never a sequence.
    return withErrorCode(() => partitionLog.append(batch, transaction ? { origin: "coordinator" } : {}).baseOffset);
  }

  appendMarker(partition: number, marker: TransactionMarker, now: number): void {
    withErrorCode(() => this.partitionLog(partition).appendTransactionMarker(marker, now));
  }

  private partitionLog(partition: number) {
    this.ensureTopic();
    const partitionLog = this.store.partition(OFFSETS_TOPIC, partition);
    if (!partitionLog) throw new Error(`${OFFSETS_TOPIC}-${partition} does not exist`);
    return partitionLog;
  }

  whenDurable(partition: number): Promise<void> | null {
    if (!this.store.metadata.topicsByName.has(OFFSETS_TOPIC)) return null;
    return this.store.partition(OFFSETS_TOPIC, partition)?.whenDurable() ?? null;
  }

  replay(visitor: ReplayVisitor): void {
    const topic = this.store.metadata.topicsByName.get(OFFSETS_TOPIC);
    if (!topic) return;
    for (const p of topic.partitions) {
      const partitionLog = this.store.partition(OFFSETS_TOPIC, p.partitionId);
      if (!partitionLog) continue;
      let skipped = 0;
      for (const bytes of partitionLog.batchesFrom(partitionLog.logStartOffset)) {
        const view = new RecordBatchView(bytes);
        if (view.isControl) {
          // Other control records (none in this topic) and markers cleaned empty are skipped.
          const marker = readTransactionMarker(view);
          if (marker !== null && (marker.type === ControlRecordType.COMMIT || marker.type === ControlRecordType.ABORT)) {
            visitor.marker(p.partitionId, view.producerId, view.producerEpoch, marker.type === ControlRecordType.COMMIT);
          }
          continue;
        }
        // Kafka's loader takes any batch with a producer id as transactional.
        const at = { partition: p.partitionId, offset: 0, producerId: view.producerId, producerEpoch: view.producerEpoch };
        let records;
        try {
          records = decodeRecords(view);
        } catch (e) {
          skipped += view.recordCount;
          this.log(`${OFFSETS_TOPIC}-${p.partitionId} offset ${view.baseOffset}: ${(e as Error).message}; batch skipped`);
          continue;
        }
        for (const rec of records) {
          if (rec.key === null) continue;
          let decoded: CoordinatorRecord | null;
          try {
            decoded = decodeCoordinatorRecord(rec.key, rec.value);
          } catch (e) {
            this.log(`${OFFSETS_TOPIC}-${p.partitionId} offset ${rec.offset}: ${(e as Error).message}; skipped`);
            continue;
          }
          if (decoded !== null) visitor.record(decoded, { ...at, offset: rec.offset });
        }
      }
      if (skipped > 0) this.log(`${OFFSETS_TOPIC}-${p.partitionId}: ${skipped} record(s) in unreadable batches skipped`);
    }
  }
}

/** One append to a MemoryCoordinatorLog: a batch of records or a marker. */
export type MemoryLogEntry =
  | { kind: "records"; partition: number; baseOffset: number; producerId: number; producerEpoch: number; records: CoordinatorRecord[] }
  | { kind: "marker"; partition: number; baseOffset: number; marker: TransactionMarker };

/**
 * Records and markers in memory (unit tests): what was appended, by partition, with offsets
 * numbered per partition as a log would, and a replay of it.
 */
export class MemoryCoordinatorLog implements CoordinatorLog {
  readonly numPartitions: number;
  readonly entries: MemoryLogEntry[] = [];
  /** Set to make the next appends throw (a failing disk). */
  failAppends = false;
  /** Set to make whenDurable reject (a failed fsync). */
  failFlushes = false;
  private readonly nextOffsets = new Map<number, number>();

  constructor(numPartitions = 50) {
    this.numPartitions = numPartitions;
  }

  private take(partition: number, count: number): number {
    const base = this.nextOffsets.get(partition) ?? 0;
    this.nextOffsets.set(partition, base + count);
    return base;
  }

  append(partition: number, records: CoordinatorRecord[], transaction?: TransactionalProducer): number {
    if (records.length === 0) return this.nextOffsets.get(partition) ?? 0;
    if (this.failAppends) throw new Error("append failed (test)");
    // Store what a disk would: the encoded form, decoded back.
    const copies = records.map((r) => {
      const e = encodeCoordinatorRecord(r);
      return decodeCoordinatorRecord(e.key, e.value)!;
    });
    const baseOffset = this.take(partition, copies.length);
    this.entries.push({
      kind: "records", partition, baseOffset, producerId: transaction?.producerId ?? -1, producerEpoch: transaction?.producerEpoch ?? -1, records: copies,
    });
    return baseOffset;
  }

  appendMarker(partition: number, marker: TransactionMarker, _now: number): void {
    if (this.failAppends) throw new Error("append failed (test)");
    this.entries.push({ kind: "marker", partition, baseOffset: this.take(partition, 1), marker: { ...marker } });
  }

  whenDurable(_partition: number): Promise<void> | null {
    return this.failFlushes ? Promise.reject(new Error("flush failed (test)")) : null;
  }

  replay(visitor: ReplayVisitor): void {
    for (let p = 0; p < this.numPartitions; p++) {
      for (const e of this.entries) {
        if (e.partition !== p) continue;
        if (e.kind === "marker") {
          visitor.marker(p, e.marker.producerId, e.marker.producerEpoch, e.marker.commit);
        } else {
          e.records.forEach((rec, i) => visitor.record(rec, { partition: p, offset: e.baseOffset + i, producerId: e.producerId, producerEpoch: e.producerEpoch }));
        }
      }
    }
  }

  /** Drops entries as the log cleaner would (tests of replay over a compacted log). */
  removeWhere(drop: (e: MemoryLogEntry) => boolean): void {
    const kept = this.entries.filter((e) => !drop(e));
    this.entries.length = 0;
    this.entries.push(...kept);
  }

  /** The batches of records (not markers). */
  get batches(): { partition: number; records: CoordinatorRecord[] }[] {
    return this.entries.flatMap((e) => (e.kind === "records" ? [{ partition: e.partition, records: e.records }] : []));
  }

  get records(): CoordinatorRecord[] {
    return this.batches.flatMap((b) => b.records);
  }
}

/** A producer-state refusal of the log (ProducerAppendError) as the Kafka error code it stands for. */
function withErrorCode<T>(append: () => T): T {
  try {
    return append();
  } catch (e) {
    if (e instanceof ProducerAppendError) throw Object.assign(new Error(e.message), { errorCode: ErrorCode[e.error] });
    throw e;
  }
}
