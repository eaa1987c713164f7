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
// CoordinatorLog is the seam: OffsetsTopicLog writes the real topic, MemoryCoordinatorLog keeps
// records in memory for unit tests (and replays them to test restarts).

import { log as brokerLog } from "../log.ts";
import type { LogStore } from "../storage/log-store.ts";
import { buildRecordBatch } from "../records/record-batch-builder.ts";
import { Compression, decodeRecords, RecordBatchView } from "../records/record-batch.ts";
import { decodeCoordinatorRecord, encodeCoordinatorRecord, type CoordinatorRecord } from "./coordinator-records.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

export interface CoordinatorLog {
  /** Partitions of __consumer_offsets (groups are spread over them). */
  readonly numPartitions: number;
  /** Appends the records of one operation to a partition, as one batch; throws if it cannot. */
  append(partition: number, records: CoordinatorRecord[]): void;
  /** Resolves once what was appended to `partition` is on disk (the group commit); null: nothing to wait for. */
  whenDurable(partition: number): Promise<void> | null;
  /** Visits every stored record in log order, partition by partition. */
  replay(visit: (rec: CoordinatorRecord) => void): void;
}

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

  append(partition: number, records: CoordinatorRecord[]): void {
    if (records.length === 0) return;
    this.ensureTopic();
    const partitionLog = this.store.partition(OFFSETS_TOPIC, partition);
    if (!partitionLog) throw new Error(`${OFFSETS_TOPIC}-${partition} does not exist`);
    const batch = buildRecordBatch({ records: records.map(encodeCoordinatorRecord) });
    partitionLog.append(batch);
  }

  whenDurable(partition: number): Promise<void> | null {
    if (!this.store.metadata.topicsByName.has(OFFSETS_TOPIC)) return null;
    return this.store.partition(OFFSETS_TOPIC, partition)?.whenDurable() ?? null;
  }

  replay(visit: (rec: CoordinatorRecord) => void): void {
    const topic = this.store.metadata.topicsByName.get(OFFSETS_TOPIC);
    if (!topic) return;
    for (const p of topic.partitions) {
      const partitionLog = this.store.partition(OFFSETS_TOPIC, p.partitionId);
      if (!partitionLog) continue;
      let skipped = 0;
      for (const bytes of partitionLog.batchesFrom(partitionLog.logStartOffset)) {
        const view = new RecordBatchView(bytes);
        // Control batches (transaction markers) and transactional offset commits (pending until
        // a marker that this broker never writes) are not replayed.
        if (view.isControl || view.producerId !== -1) continue;
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
          if (decoded !== null) visit(decoded);
        }
      }
      if (skipped > 0) this.log(`${OFFSETS_TOPIC}-${p.partitionId}: ${skipped} record(s) in unreadable batches skipped`);
    }
  }
}

/** Records in memory (unit tests): what was appended, by partition, and a replay of it. */
export class MemoryCoordinatorLog implements CoordinatorLog {
  readonly numPartitions: number;
  readonly batches: { partition: number; records: CoordinatorRecord[] }[] = [];
  /** Set to make the next appends throw (a failing disk). */
  failAppends = false;

  constructor(numPartitions = 50) {
    this.numPartitions = numPartitions;
  }

  append(partition: number, records: CoordinatorRecord[]): void {
    if (records.length === 0) return;
    if (this.failAppends) throw new Error("append failed (test)");
    // Store what a disk would: the encoded form, decoded back.
    const copies = records.map((r) => {
      const e = encodeCoordinatorRecord(r);
      return decodeCoordinatorRecord(e.key, e.value)!;
    });
    this.batches.push({ partition, records: copies });
  }

  whenDurable(_partition: number): Promise<void> | null {
    return null;
  }

  replay(visit: (rec: CoordinatorRecord) => void): void {
    for (let p = 0; p < this.numPartitions; p++) {
      for (const b of this.batches) if (b.partition === p) b.records.forEach(visit);
    }
  }

  get records(): CoordinatorRecord[] {
    return this.batches.flatMap((b) => b.records);
  }
}
