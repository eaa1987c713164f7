// Builds uncompressed magic v2 record batches: used for the records this broker writes itself
// (the KRaft metadata log) and by tests. Client batches are never rebuilt; they are stored as
// they arrived (see partition-log.ts).

import { Writer } from "../protocol/writer.ts";
import { LOG_OVERHEAD, RecordBatchView } from "./record-batch.ts";

export interface RecordToBuild {
  key?: Uint8Array | null;
  value: Uint8Array | null;
  headers?: { key: string; value: Uint8Array | null }[];
  /** Defaults to the batch's base timestamp. */
  timestamp?: number;
}

export interface BatchToBuild {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Attribute bits (compression must be 0). */
  attributes?: number;
  /** Timestamp the record deltas are relative to; defaults to the first record's, else now. */
  baseTimestamp?: number;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  records: RecordToBuild[];
}

const utf8 = new TextEncoder();

/** Encodes a batch with a valid CRC; the result is a fresh, unpooled buffer. */
export function buildRecordBatch(b: BatchToBuild): Uint8Array {
  if (b.records.length === 0) throw new Error("a record batch needs at least one record");
  // As Kafka's builder: the base timestamp is the first record's; the max is over the records.
  const baseTimestamp = b.baseTimestamp ?? b.records[0]!.timestamp ?? Date.now();
  let maxTimestamp = -1;
  for (const rec of b.records) maxTimestamp = Math.max(maxTimestamp, rec.timestamp ?? baseTimestamp);

  const w = new Writer(256, null);
  w.int64(b.baseOffset ?? 0);
  const lengthAt = w.reserveInt32();
  w.int32(b.partitionLeaderEpoch ?? -1);
  w.int8(2);
  w.uint32(0); // CRC, filled in below
  w.int16(b.attributes ?? 0);
  w.int32(b.records.length - 1);
  w.int64(baseTimestamp);
  w.int64(maxTimestamp);
  w.int64(b.producerId ?? -1);
  w.int16(b.producerEpoch ?? -1);
  w.int32(b.baseSequence ?? -1);
  w.int32(b.records.length);

  const body = new Writer(128, null);
  b.records.forEach((rec, i) => {
    body.pos = 0;
    body.int8(0); // record attributes (unused)
    body.varlong((rec.timestamp ?? baseTimestamp) - baseTimestamp);
    body.varint(i);
    body.varintBytes(rec.key ?? null);
    body.varintBytes(rec.value);
    const headers = rec.headers ?? [];
    body.varint(headers.length);
    for (const h of headers) {
      body.varintBytes(utf8.encode(h.key));
      body.varintBytes(h.value);
    }
    w.varint(body.pos);
    w.raw(body.finish());
  });

  w.setInt32(lengthAt, w.pos - LOG_OVERHEAD);
  const out = w.finish().slice();
  new RecordBatchView(out).updateCrc();
  return out;
}
