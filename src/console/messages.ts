// Reading a partition's records for the console's message browser and search: batches from the
// partition log (PartitionLog.read, as Fetch reads them), records decoded where they are shown
// (records/record-batch.ts decodeRecords, compressed batches included), control batches
// (transaction markers) shown as markers, and the internal topics' records decoded into readable
// rows with their own codecs (__consumer_offsets: groups/coordinator-records.ts,
// __transaction_state: transactions/transaction-log.ts).

import { decodeCoordinatorRecord } from "../groups/coordinator-records.ts";
import { readTransactionMarker } from "../records/control-batch.ts";
import { decodeRecords, RecordBatchView, splitBatches, type DecodedRecord } from "../records/record-batch.ts";
import type { PartitionLog } from "../storage/partition-log.ts";
import { decodeTransactionRecord, TRANSACTION_STATE_TOPIC } from "../transactions/transaction-log.ts";
import { txnStateName } from "../transactions/transaction-metadata.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

/** A byte field as the console shows it: UTF-8 text when it is valid text, and always hex. */
export interface ShownBytes {
  size: number;
  /** The bytes as UTF-8, or null when they are not valid UTF-8 (then only hex is meaningful). */
  text: string | null;
  /** Hex of the first MAX_HEX_BYTES bytes. */
  hex: string;
  truncated: boolean;
}

export interface MessageRow {
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: "CreateTime" | "LogAppendTime";
  key: ShownBytes | null;
  value: ShownBytes | null;
  headers: { key: string; value: ShownBytes | null }[];
  producerId: number;
  transactional: boolean;
  /** A control batch's record: "COMMIT" or "ABORT" marker. */
  control: string | null;
  /** For internal topics: the record decoded with the broker's own codec. */
  decoded: unknown;
}

/** Most bytes of a field sent to the browser (text and hex both). */
export const MAX_SHOWN_BYTES = 64 * 1024;
const MAX_HEX_BYTES = 4096;
const utf8 = new TextDecoder("utf-8", { fatal: true });

export function showBytes(b: Uint8Array | null): ShownBytes | null {
  if (b === null) return null;
  const shown = b.length > MAX_SHOWN_BYTES ? b.subarray(0, MAX_SHOWN_BYTES) : b;
  let text: string | null;
  try {
    text = utf8.decode(shown);
  } catch {
    text = null;
  }
  return { size: b.length, text, hex: Buffer.from(shown.subarray(0, MAX_HEX_BYTES)).toString("hex"), truncated: b.length > shown.length || shown.length > MAX_HEX_BYTES };
}

/** An internal topic's record as readable fields; null when the topic is not one of them. */
export function decodeInternal(topic: string, key: Uint8Array | null, value: Uint8Array | null): unknown {
  if (key === null) return null;
  try {
    if (topic === OFFSETS_TOPIC) {
      const rec = decodeCoordinatorRecord(key, value);
      if (rec === null) return { type: "unknown coordinator record" };
      if (rec.kind === "offset") {
        return {
          type: rec.value === null ? "OffsetCommit tombstone" : "OffsetCommit", group: rec.groupId, topic: rec.topic, partition: rec.partition,
          ...(rec.value === null ? {} : {
            offset: rec.value.offset, leaderEpoch: rec.value.leaderEpoch, metadata: rec.value.metadata,
            commitTimestamp: rec.value.commitTimestamp, expireTimestamp: rec.value.expireTimestamp,
          }),
        };
      }
      const v = rec.value;
      return {
        type: v === null ? "GroupMetadata tombstone" : "GroupMetadata", group: rec.groupId,
        ...(v === null ? {} : {
          protocolType: v.protocolType, generation: v.generation, protocol: v.protocol, leader: v.leader,
          members: v.members.map((m) => ({ memberId: m.memberId, clientId: m.clientId, clientHost: m.clientHost, groupInstanceId: m.groupInstanceId })),
        }),
      };
    }
    if (topic === TRANSACTION_STATE_TOPIC) {
      const rec = decodeTransactionRecord(key, value);
      if (rec === null) return { type: "unknown transaction record" };
      const v = rec.value;
      if (v === null) return { type: "TransactionLog tombstone", transactionalId: rec.transactionalId };
      return {
        type: "TransactionLog", transactionalId: rec.transactionalId, ...jsonSafe(v), state: txnStateName(v.state),
      };
    }
  } catch (e) {
    return { type: "undecodable", error: (e as Error).message };
  }
  return null;
}

/** Maps and Sets as plain JSON (a transaction's partitions are a Map of Sets). */
function jsonSafe(v: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x instanceof Map) out[k] = Object.fromEntries([...x].map(([mk, mv]) => [String(mk), mv instanceof Set ? [...mv] : mv]));
    else if (x instanceof Set) out[k] = [...x];
    else out[k] = x;
  }
  return out;
}

/** Each batch of the partition from `offset` on, until `visit` returns false or the log ends. */
export function forEachBatch(log: PartitionLog, offset: number, maxBytes: number, visit: (view: RecordBatchView) => boolean): number {
  let next = Math.max(offset, log.logStartOffset);
  const end = log.nextOffset;
  while (next < end) {
    const read = log.read(next, maxBytes, true);
    if (read === "out-of-range" || read.batches.length === 0) break;
    let advanced = false;
    for (const chunk of read.batches) {
      for (const bytes of splitBatches(chunk)) {
        const view = new RecordBatchView(bytes);
        if (view.nextOffset <= next) continue;
        advanced = true;
        next = view.nextOffset;
        if (!visit(view)) return next;
      }
    }
    if (!advanced) break;
  }
  return next;
}

/** The rows of one batch (a control batch is one row per marker). */
export function batchRows(topic: string, partition: number, view: RecordBatchView): { rows: MessageRow[]; records: DecodedRecord[] } {
  const timestampType = view.timestampType === 1 ? "LogAppendTime" : "CreateTime";
  let records: DecodedRecord[];
  try {
    records = decodeRecords(view);
  } catch {
    return { rows: [], records: [] };
  }
  const marker = view.isControl ? readTransactionMarker(view) : null;
  const rows = records.map((r): MessageRow => ({
    partition, offset: r.offset,
    timestamp: timestampType === "LogAppendTime" ? view.maxTimestamp : r.timestamp, timestampType,
    key: view.isControl ? null : showBytes(r.key), value: view.isControl ? null : showBytes(r.value),
    headers: r.headers.map((h) => ({ key: h.key, value: showBytes(h.value) })),
    producerId: view.producerId, transactional: view.isTransactional,
    control: view.isControl ? (marker === null ? "CONTROL" : marker.type === 1 ? "COMMIT" : marker.type === 0 ? "ABORT" : `CONTROL ${marker.type}`) : null,
    decoded: view.isControl ? null : decodeInternal(topic, r.key, r.value),
  }));
  return { rows, records };
}

/** Up to `limit` rows of the partition from `offset` (clamped to the log's range). */
export function readRows(topic: string, partition: number, log: PartitionLog, offset: number, limit: number): { rows: MessageRow[]; nextOffset: number } {
  const rows: MessageRow[] = [];
  const start = Math.min(Math.max(offset, log.logStartOffset), log.nextOffset);
  let next = start;
  forEachBatch(log, start, 1024 * 1024, (view) => {
    for (const row of batchRows(topic, partition, view).rows) {
      if (row.offset < start) continue;
      if (rows.length >= limit) return false;
      rows.push(row);
      next = row.offset + 1;
    }
    if (rows.length < limit) next = view.nextOffset;
    return rows.length < limit;
  });
  return { rows, nextOffset: next };
}
