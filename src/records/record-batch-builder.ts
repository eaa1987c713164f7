// Builds magic v2 record batches: uncompressed ones for the records this broker writes itself
// (the KRaft metadata log, the group coordinator) and for tests, and the log cleaner's retained
// batches (any codec). Client batches are otherwise never rebuilt; they are stored as they
// arrived (see partition-log.ts).

import { Writer } from "../protocol/writer.ts";
import { putVarlong, varlongSize } from "./record-walk.ts";
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

/** The records the log cleaner keeps of a batch: spans of its records section, in order. */
export interface RetainedSpans {
  /** The batch's records section (decompressed if need be). */
  section: Uint8Array;
  /** Per kept record: start, end, timestampStart, timestampEnd (of the timestampDelta varlong). */
  bounds: number[];
  /** Per kept record: its timestampDelta. */
  timestampDeltas: number[];
}

/**
 * The batch the log cleaner writes in place of `original` (Kafka's MemoryRecords.filterTo →
 * buildRetainedRecordsInto): the same base offset, last offset (so the producer's last sequence
 * survives), producer id, epoch, base sequence, leader epoch, flags and codec, holding only the
 * kept records. Their bytes are copied as they are (offset deltas stay right: the base offset is
 * kept; so do timestamp deltas while the base timestamp is kept), except that with
 * `deleteHorizonMs` (KIP-534) the delete-horizon flag is set, the horizon becomes the base
 * timestamp and each record's timestampDelta is rewritten against it. No kept records gives the
 * header-only batch Kafka keeps for a producer's last batch (DefaultRecordBatch.writeEmptyHeader).
 */
export function buildRetainedBatch(
  original: RecordBatchView,
  kept: RetainedSpans,
  opts: { deleteHorizonMs?: number; compress: (codec: number, records: Uint8Array) => Uint8Array },
): Uint8Array {
  const codec = original.compression;
  const count = kept.timestampDeltas.length;
  const oldBase = original.baseTimestamp;
  let attributes = original.attributes & ~DELETE_HORIZON_MASK;
  if (opts.deleteHorizonMs !== undefined) attributes |= DELETE_HORIZON_MASK;
  const base = count === 0 ? original.maxTimestamp : opts.deleteHorizonMs ?? oldBase;
  let maxTimestamp = original.maxTimestamp;
  if (original.timestampType === 0 && count > 0) {
    maxTimestamp = NO_TIMESTAMP;
    for (const d of kept.timestampDeltas) maxTimestamp = Math.max(maxTimestamp, oldBase + d);
  }

  // The records: copied, or with a new timestampDelta (and so a new length).
  const { section, bounds, timestampDeltas } = kept;
  let size = 0;
  const shift = oldBase - base;
  const innerSizes: number[] = [];
  for (let r = 0; r < count; r++) {
    const start = bounds[4 * r]!, end = bounds[4 * r + 1]!, tsEnd = bounds[4 * r + 3]!;
    if (shift === 0) {
      size += end - start;
      innerSizes.push(0);
      continue;
    }
    const inner = 1 + varlongSize(timestampDeltas[r]! + shift) + (end - tsEnd);
    innerSizes.push(inner);
    size += varlongSize(inner) + inner;
  }
  let body: Uint8Array = new Uint8Array(size);
  let at = 0;
  for (let r = 0; r < count; r++) {
    const start = bounds[4 * r]!, end = bounds[4 * r + 1]!, tsStart = bounds[4 * r + 2]!, tsEnd = bounds[4 * r + 3]!;
    if (shift === 0) {
      body.set(section.subarray(start, end), at);
      at += end - start;
      continue;
    }
    at = putVarlong(body, at, innerSizes[r]!);
    body[at++] = section[tsStart - 1]!; // attributes
    at = putVarlong(body, at, timestampDeltas[r]! + shift);
    body.set(section.subarray(tsEnd, end), at);
    at += end - tsEnd;
  }
  if (codec !== Compression.None && count > 0) body = opts.compress(codec, body);

  const w = new Writer(RECORD_BATCH_OVERHEAD + body.length, null);
  w.int64(original.baseOffset);
  w.int32(RECORD_BATCH_OVERHEAD - LOG_OVERHEAD + (count > 0 ? body.length : 0));
  w.int32(original.partitionLeaderEpoch);
  w.int8(2);
  w.uint32(0); // CRC, below
  w.int16(attributes);
  w.int32(original.lastOffsetDelta);
  w.int64(base);
  w.int64(maxTimestamp);
  w.int64(original.producerId);
  w.int16(original.producerEpoch);
  w.int32(original.baseSequence);
  w.int32(count);
  if (count > 0) w.raw(body);
  const out = w.finish().slice();
  new RecordBatchView(out).updateCrc();
  return out;
}
