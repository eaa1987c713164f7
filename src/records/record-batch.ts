// The magic v2 record batch as an opaque view over its bytes (Kafka's DefaultRecordBatch):
//
//   baseOffset int64 | batchLength int32 | partitionLeaderEpoch int32 | magic int8 | crc uint32 |
//   attributes int16 | lastOffsetDelta int32 | baseTimestamp int64 | maxTimestamp int64 |
//   producerId int64 | producerEpoch int16 | baseSequence int32 | recordsCount int32 | records...
//
// batchLength counts the bytes after the length field, so a batch occupies LOG_OVERHEAD +
// batchLength bytes. The CRC-32C covers attributes..end, so the broker may assign baseOffset and
// partitionLeaderEpoch in place without touching the client's CRC. Attributes: bits 0-2
// compression, 3 timestamp type (1 = LogAppendTime), 4 transactional, 5 control, 6 delete horizon.
//
// Records are decoded only where something needs them (the metadata log, the log cleaner,
// timestamp lookups); `decodeRecords` inflates compressed batches (compression.ts).

import { Reader } from "../protocol/reader.ts";
import { crc32c } from "./crc32c.ts";
import { decompress } from "./compression.ts";
import { getInt64, setInt64 } from "./int64.ts";

export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORDS_COUNT = 57;
/** Size of the batch header; the first record starts here. */
export const RECORD_BATCH_OVERHEAD = 61;
/** baseOffset + batchLength: the bytes not counted by batchLength. */
export const LOG_OVERHEAD = 12;

export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;
export const DELETE_HORIZON_MASK = 0x40;

/** Compression codecs (attributes bits 0-2). */
export const Compression = { None: 0, Gzip: 1, Snappy: 2, Lz4: 3, Zstd: 4 } as const;

export const NO_TIMESTAMP = -1;

export class RecordBatchView {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;

  /** `bytes` must hold exactly one batch (LOG_OVERHEAD + batchLength bytes). */
  constructor(bytes: Uint8Array) {
    if (bytes.length < RECORD_BATCH_OVERHEAD) throw new RangeError(`record batch too short: ${bytes.length} bytes`);
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private int64(at: number): number {
    return getInt64(this.dv, at);
  }

  get sizeInBytes(): number {
    return this.bytes.length;
  }
  get baseOffset(): number {
    return this.int64(BASE_OFFSET);
  }
  get batchLength(): number {
    return this.dv.getInt32(BATCH_LENGTH);
  }
  get partitionLeaderEpoch(): number {
    return this.dv.getInt32(PARTITION_LEADER_EPOCH);
  }
  get magic(): number {
    return this.dv.getInt8(MAGIC);
  }
  get crc(): number {
    return this.dv.getUint32(CRC);
  }
  get attributes(): number {
    return this.dv.getInt16(ATTRIBUTES);
  }
  get compression(): number {
    return this.attributes & COMPRESSION_MASK;
  }
  /** 0 = CreateTime, 1 = LogAppendTime. */
  get timestampType(): 0 | 1 {
    return this.attributes & TIMESTAMP_TYPE_MASK ? 1 : 0;
  }
  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_MASK) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & CONTROL_MASK) !== 0;
  }
  /** KIP-534: the cleaner set a delete horizon, stored as baseTimestamp. */
  get deleteHorizonMs(): number {
    return (this.attributes & DELETE_HORIZON_MASK) !== 0 ? this.baseTimestamp : NO_TIMESTAMP;
  }
  get lastOffsetDelta(): number {
    return this.dv.getInt32(LAST_OFFSET_DELTA);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  get nextOffset(): number {
    return this.lastOffset + 1;
  }
  get baseTimestamp(): number {
    return this.int64(BASE_TIMESTAMP);
  }
  get maxTimestamp(): number {
    return this.int64(MAX_TIMESTAMP);
  }
  get producerId(): number {
    return this.int64(PRODUCER_ID);
  }
  get producerEpoch(): number {
    return this.dv.getInt16(PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return this.dv.getInt32(BASE_SEQUENCE);
  }
  get recordCount(): number {
    return this.dv.getInt32(RECORDS_COUNT);
  }

  /** CRC-32C of attributes..end, what the `crc` field should hold. */
  computeCrc(): number {
    return crc32c(this.bytes, ATTRIBUTES, this.bytes.length);
  }

  isCrcValid(): boolean {
    return this.computeCrc() === this.crc;
  }

  /** Writes baseOffset in place (outside the CRC). */
  setBaseOffset(offset: number): void {
    setInt64(this.dv, BASE_OFFSET, offset);
  }

  /** Writes partitionLeaderEpoch in place (outside the CRC). */
  setPartitionLeaderEpoch(epoch: number): void {
    this.dv.setInt32(PARTITION_LEADER_EPOCH, epoch);
  }

  /** Recomputes and stores the CRC (for batches this broker builds itself). */
  updateCrc(): void {
    this.dv.setUint32(CRC, this.computeCrc());
  }
}

/** Where the complete batches in a buffer end, and why scanning stopped. */
export interface BatchScan {
  /** Number of complete, structurally valid batches from the start of the buffer. */
  count: number;
  /** Byte position just after the last complete batch (0 if none). */
  validBytes: number;
  /**
   * "end": the buffer ends exactly after a batch; "partial": the last batch is cut short;
   * "corrupt": a batch header is invalid (bad length or magic) or, with checkCrc, its CRC fails.
   */
  stop: "end" | "partial" | "corrupt";
  /** Offset of the first record after the valid batches (lastOffset + 1 of the last one), or -1. */
  nextOffset: number;
}

/**
 * Scans the batches of a buffer (a produce payload, or a log segment being recovered) without
 * copying: checks each batch's length and magic and, if `checkCrc`, its CRC.
 */
export function scanBatches(bytes: Uint8Array, checkCrc = true, start = 0, end = bytes.length): BatchScan {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = start;
  let count = 0;
  let nextOffset = -1;
  for (;;) {
    if (pos === end) return { count, validBytes: pos - start, stop: "end", nextOffset };
    if (end - pos < LOG_OVERHEAD) return { count, validBytes: pos - start, stop: "partial", nextOffset };
    const length = dv.getInt32(pos + BATCH_LENGTH);
    if (length < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
      return { count, validBytes: pos - start, stop: "corrupt", nextOffset };
    }
    const size = LOG_OVERHEAD + length;
    if (end - pos < size) {
      // The magic byte may already be readable: a wrong one means garbage, not a short write.
      const stop = end - pos > MAGIC && bytes[pos + MAGIC] !== 2 ? "corrupt" : "partial";
      return { count, validBytes: pos - start, stop, nextOffset };
    }
    if (bytes[pos + MAGIC] !== 2) return { count, validBytes: pos - start, stop: "corrupt", nextOffset };
    if (checkCrc && crc32c(bytes, pos + ATTRIBUTES, pos + size) !== dv.getUint32(pos + CRC)) {
      return { count, validBytes: pos - start, stop: "corrupt", nextOffset };
    }
    const base = getInt64(dv, pos);
    nextOffset = base + dv.getInt32(pos + LAST_OFFSET_DELTA) + 1;
    count++;
    pos += size;
  }
}

/**
 * Yields each complete batch in `bytes` as a zero-copy subarray. Stops at the first incomplete
 * batch or impossible length (no CRC check: use scanBatches to validate).
 */
export function* splitBatches(bytes: Uint8Array): Generator<Uint8Array> {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  while (bytes.length - pos >= LOG_OVERHEAD) {
    const length = dv.getInt32(pos + BATCH_LENGTH);
    if (length < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || bytes.length - pos < LOG_OVERHEAD + length) return;
    yield bytes.subarray(pos, pos + LOG_OVERHEAD + length);
    pos += LOG_OVERHEAD + length;
  }
}

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface DecodedRecord {
  attributes: number;
  offset: number;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
}

/** The largest records section a compressed batch may inflate to here (a decompression-bomb guard). */
export const MAX_INFLATED_RECORDS_BYTES = 256 * 1024 * 1024;

/**
 * The records section of a batch: the batch's own bytes after the header, or for a compressed
 * batch its decompressed form (compression.ts; CompressionError on corrupt input or past
 * `maxInflated` bytes).
 */
export function recordsSection(view: RecordBatchView, maxInflated = MAX_INFLATED_RECORDS_BYTES): Uint8Array {
  const raw = view.bytes.subarray(RECORD_BATCH_OVERHEAD);
  return view.compression === Compression.None ? raw : decompress(view.compression, raw, maxInflated);
}

/**
 * Decodes the records of a batch, compressed ones included (key and value are subarrays of the
 * batch, or of its decompressed records). Throws on malformed records.
 */
/**
 * The first record of `view` at or after `timestamp` and at or above `startingOffset` (ListOffsets
 * by timestamp; Kafka's LogSegment.findOffsetByTimestamp within the batch found by the time
 * index). LogAppendTime batches stamp every record with the batch's max timestamp. A control
 * batch, or one that does not decode, answers at batch level: its max timestamp, its base offset.
 */
export function offsetForTimestampInBatch(view: RecordBatchView, timestamp: number, startingOffset: number): { timestamp: number; offset: number } {
  if (!view.isControl) {
    try {
      for (const r of decodeRecords(view)) {
        const t = view.timestampType === 1 ? view.maxTimestamp : r.timestamp;
        if (t >= timestamp && r.offset >= startingOffset) return { timestamp: t, offset: r.offset };
      }
    } catch {
      // the batch-level answer below
    }
  }
  return { timestamp: view.maxTimestamp, offset: Math.max(view.baseOffset, startingOffset) };
}

export function decodeRecords(view: RecordBatchView, maxInflated = MAX_INFLATED_RECORDS_BYTES): DecodedRecord[] {
  const count = view.recordCount;
  const baseOffset = view.baseOffset;
  const baseTimestamp = view.baseTimestamp;
  const r = new Reader(recordsSection(view, maxInflated));
  const out: DecodedRecord[] = [];
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    const end = r.pos + length;
    if (r.failed || length < 0 || end > r.end) throw new Error(`malformed record ${i} in batch at offset ${baseOffset}`);
    const attributes = r.int8();
    const timestampDelta = r.varlong();
    const offsetDelta = r.varint();
    const key = r.varintBytes();
    const value = r.varintBytes();
    // Some writers (the CodeCrafters tester) encode "no headers" as -1; Kafka itself writes 0.
    const headerCount = Math.max(0, r.varint());
    const headers: RecordHeader[] = [];
    for (let h = 0; h < headerCount && !r.failed; h++) {
      const keyBytes = r.varintBytes();
      const hv = r.varintBytes();
      headers.push({ key: keyBytes ? new TextDecoder().decode(keyBytes) : "", value: hv });
    }
    if (r.failed || r.pos !== end) throw new Error(`malformed record ${i} in batch at offset ${baseOffset}`);
    out.push({ attributes, offset: baseOffset + offsetDelta, timestamp: baseTimestamp + timestampDelta, key, value, headers });
  }
  return out;
}
