// Builds magic v2 record batches: uncompressed ones for the records this broker writes itself
// (the KRaft metadata log, the group coordinator) and for tests, and the log cleaner's retained
// batches (any codec). Client batches are otherwise never rebuilt; they are stored as they
// arrived (see partition-log.ts).

import { Writer } from "../protocol/writer.ts";
import {
  Compression, DELETE_HORIZON_MASK, LOG_OVERHEAD, NO_TIMESTAMP, RECORD_BATCH_OVERHEAD, RecordBatchView,
} from "./record-batch.ts";

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

/** A record kept by the log cleaner, at its original offset and timestamp. */
export interface RetainedRecord {
  offset: number;
  timestamp: number;
  attributes: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
}

/**
 * The batch the log cleaner writes in place of `original` (Kafka's MemoryRecords.filterTo →
 * buildRetainedRecordsInto): the same base offset, last offset (so the producer's last sequence
 * survives), producer id, epoch, base sequence, leader epoch, flags and codec, holding only
 * `retained`. With `deleteHorizonMs` (KIP-534) the delete-horizon flag is set and the horizon is
 * the base timestamp; else the base timestamp is the first record's. An empty `retained` gives
 * the header-only batch Kafka keeps for a producer's last batch (DefaultRecordBatch.writeEmptyHeader).
 */
export function buildRetainedBatch(
  original: RecordBatchView,
  retained: RetainedRecord[],
  opts: { deleteHorizonMs?: number; compress: (codec: number, records: Uint8Array) => Uint8Array },
): Uint8Array {
  const codec = original.compression;
  const logAppendTime = original.timestampType === 1;
  let attributes = original.attributes & ~DELETE_HORIZON_MASK;
  if (opts.deleteHorizonMs !== undefined) attributes |= DELETE_HORIZON_MASK;
  let maxTimestamp = logAppendTime ? original.maxTimestamp : NO_TIMESTAMP;
  if (!logAppendTime) for (const r of retained) maxTimestamp = Math.max(maxTimestamp, r.timestamp);
  const baseTimestamp = opts.deleteHorizonMs ?? (retained.length > 0 ? retained[0]!.timestamp : original.maxTimestamp);
  if (retained.length === 0) maxTimestamp = original.maxTimestamp;

  const records = new Writer(256, null);
  const one = new Writer(128, null);
  for (const rec of retained) {
    one.pos = 0;
    one.int8(rec.attributes);
    one.varlong(rec.timestamp - baseTimestamp);
    one.varint(rec.offset - original.baseOffset);
    one.varintBytes(rec.key);
    one.varintBytes(rec.value);
    one.varint(rec.headers.length);
    for (const h of rec.headers) {
      one.varintBytes(utf8.encode(h.key));
      one.varintBytes(h.value);
    }
    records.varint(one.pos);
    records.raw(one.finish());
  }
  let body = records.finish();
  if (codec !== Compression.None && retained.length > 0) body = opts.compress(codec, body);

  const w = new Writer(RECORD_BATCH_OVERHEAD + body.length, null);
  w.int64(original.baseOffset);
  w.int32(RECORD_BATCH_OVERHEAD - LOG_OVERHEAD + (retained.length > 0 ? body.length : 0));
  w.int32(original.partitionLeaderEpoch);
  w.int8(2);
  w.uint32(0); // CRC, below
  w.int16(attributes);
  w.int32(original.lastOffsetDelta);
  w.int64(baseTimestamp);
  w.int64(maxTimestamp);
  w.int64(original.producerId);
  w.int16(original.producerEpoch);
  w.int32(original.baseSequence);
  w.int32(retained.length);
  if (retained.length > 0) w.raw(body);
  const out = w.finish().slice();
  new RecordBatchView(out).updateCrc();
  return out;
}
