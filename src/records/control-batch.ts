// Transaction markers: the control batches a transaction coordinator writes to every partition
// of a transaction when it ends (Kafka's EndTransactionMarker and ControlRecordType). A control
// batch has the transactional and control attribute bits set, the producer's id and epoch, no
// sequence, and exactly one record:
//   key:   version int16 (0) | type int16 (0 = ABORT, 1 = COMMIT)
//   value: version int16 (0) | coordinatorEpoch int32   (EndTxnMarker.json)
// Both the storage layer (producer state, LSO, aborted-transaction index) and the coordinators
// read markers through this module; nothing else parses them.

import { buildRecordBatch } from "./record-batch-builder.ts";
import { CONTROL_MASK, RecordBatchView, TRANSACTIONAL_MASK, decodeRecords } from "./record-batch.ts";

export const ControlRecordType = { ABORT: 0, COMMIT: 1 } as const;

export interface TransactionMarker {
  producerId: number;
  producerEpoch: number;
  coordinatorEpoch: number;
  commit: boolean;
}

/** A control batch holding one end-transaction marker (offset 0; the log assigns the real one). */
export function buildTransactionMarkerBatch(marker: TransactionMarker, timestamp: number, partitionLeaderEpoch = -1): Uint8Array {
  const key = new Uint8Array(4);
  new DataView(key.buffer).setInt16(2, marker.commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT);
  const value = new Uint8Array(6);
  new DataView(value.buffer).setInt32(2, marker.coordinatorEpoch);
  return buildRecordBatch({
    partitionLeaderEpoch,
    attributes: TRANSACTIONAL_MASK | CONTROL_MASK,
    baseTimestamp: timestamp,
    producerId: marker.producerId,
    producerEpoch: marker.producerEpoch,
    baseSequence: -1,
    records: [{ key, value, timestamp }],
  });
}

export interface ReadMarker {
  /** ControlRecordType: 0 abort, 1 commit; other types (Kafka has a few KRaft ones) as read. */
  type: number;
  coordinatorEpoch: number;
  timestamp: number;
}

/**
 * The end-transaction marker of a control batch, or null for a control batch without records
 * (its transaction cleaned away) or whose key is not a marker's.
 */
export function readTransactionMarker(view: RecordBatchView): ReadMarker | null {
  if (!view.isControl) return null;
  try {
    const record = decodeRecords(view)[0];
    if (record === undefined || record.key === null || record.key.length < 4) return null;
    const key = new DataView(record.key.buffer, record.key.byteOffset, record.key.byteLength);
    const value = record.value;
    const coordinatorEpoch = value && value.length >= 6
      ? new DataView(value.buffer, value.byteOffset, value.byteLength).getInt32(2)
      : -1;
    return { type: key.getInt16(2), coordinatorEpoch, timestamp: record.timestamp };
  } catch {
    return null;
  }
}
