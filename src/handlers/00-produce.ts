// Produce (0), v3–v11, advertised from v0 as Kafka 4 does (KAFKA-18659: librdkafka disables
// features when Produce v0 is missing); a v0–v2 request closes the connection, as in Kafka.
//
// Followed, in Kafka's order (KafkaApis.handleProduceRequest → ReplicaManager → UnifiedLog.append
// → LogValidator → ProducerStateManager):
//  1. A transactional batch anywhere in the request → every partition gets
//     TRANSACTIONAL_ID_AUTHORIZATION_FAILED: Bunka has no transaction coordinator and behaves as a
//     Kafka whose authorizer grants no transactional id (see 22-init-producer-id.ts).
//  2. Per partition: unknown topic or partition → UNKNOWN_TOPIC_OR_PARTITION (never auto-created;
//     the producer's Metadata request does that); exactly one magic-2 batch (INVALID_RECORD,
//     CORRUPT_MESSAGE when its framing is broken, UNSUPPORTED_COMPRESSION_TYPE for zstd before v7);
//     acks other than 0, 1, -1 → INVALID_REQUIRED_ACKS; internal topics (__consumer_offsets, ...)
//     → INVALID_TOPIC_EXCEPTION unless the client id is "__admin_client".
//  3. The batch (UnifiedLog.analyzeAndValidateRecords, LogValidator.validateBatch): base offset 0,
//     size within the topic's max.message.bytes (broker message.max.bytes) → MESSAGE_TOO_LARGE,
//     CRC-32C → CORRUPT_MESSAGE, record count = lastOffsetDelta + 1 > 0, no control batch, a
//     producer id needs a base sequence >= 0 → INVALID_RECORD; larger than segment.bytes →
//     RECORD_LIST_TOO_LARGE.
//  4. Records (LogValidator.validateRecord), for uncompressed batches by walking the record
//     framing (varints only, nothing copied): framing and count (INVALID_RECORD); with CreateTime,
//     timestamps within message.timestamp.before.max.ms / after.max.ms (defaults: unlimited / 1 h,
//     Kafka 4's) → INVALID_TIMESTAMP; keys on compacted topics → INVALID_RECORD. These are
//     reported as Kafka's RecordValidationException: record_errors (batch index + message) and
//     error_message; the batch is not appended.
//  5. Idempotent batches (producerId >= 0) against the partition's producer state
//     (storage/producer-state.ts): a retry of one of the producer's last 5 batches is not
//     appended and gets its original base offset (error NONE; log_append_time_ms is the stored
//     batch's timestamp, as in Kafka); stale epoch → INVALID_PRODUCER_EPOCH; sequence gap, or a
//     new epoch not starting at 0 → OUT_OF_ORDER_SEQUENCE_NUMBER.
//  6. Append. The client's bytes are stored as sent (storage writes only the base offset and
//     leader epoch, outside the CRC), except where Kafka rewrites the header too: on a
//     LogAppendTime topic (message.timestamp.type, broker log.message.timestamp.type) the
//     timestamp-type bit is set, maxTimestamp becomes the append time, the CRC is recomputed,
//     and the response carries log_append_time_ms; with CreateTime, a maxTimestamp (or
//     LogAppendTime bit) that disagrees with the records is corrected the same way.
// acks=0: no response; if any partition failed, the connection is closed (as Kafka does, so the
// client notices). error_message is null except with record errors, as in Kafka.
//
// Compressed batches (gzip, snappy, lz4, zstd) are stored and served as sent, never decompressed.
// Everything above that needs only the header applies to them. What needs the records is
// skipped for them: record framing and count, keys on compacted topics, inner records marked
// compressed, non-consecutive inner offsets (Kafka recompresses such a batch), and exact
// per-record timestamps: the timestamp check uses the header instead (maxTimestamp against
// after.max.ms, baseTimestamp against before.max.ms — what every client writes), rejecting the
// batch with INVALID_TIMESTAMP but no record_errors; the header's maxTimestamp is trusted.
// Also unlike Kafka: a record header count of -1 is read as none (the CodeCrafters tester writes
// it; Kafka refuses it as INVALID_RECORD). Not done: transactions; acks=-1 waits for nothing
// (single replica, always in sync).

import {
  PRODUCE, readProduceRequest, writeProduceResponse, type ProduceRequest, type ProduceResponse,
} from "../protocol/messages/produce.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { InvalidRequestError, registerApi, type BrokerContext, type RequestContext } from "./registry.ts";
import { notifyAppended } from "./append-waiters.ts";
import {
  ATTRIBUTES, BASE_TIMESTAMP, CRC, Compression, LOG_OVERHEAD, MAGIC, MAX_TIMESTAMP, RECORD_BATCH_OVERHEAD,
  RecordBatchView, TIMESTAMP_TYPE_MASK, TRANSACTIONAL_MASK,
} from "../storage/record-batch.ts";
import { crc32c, crc32cUpdate } from "../storage/crc32c.ts";
import type { PartitionLog } from "../storage/partition-log.ts";
import { log } from "../log.ts";

type PartitionResponse = ProduceResponse["responses"][number]["partitionResponses"][number];
type RecordError = PartitionResponse["recordErrors"][number];

registerApi<ProduceRequest, ProduceResponse>({
  spec: PRODUCE,
  minVersion: 3,
  advertisedMinVersion: 0,
  readRequest: readProduceRequest,
  writeResponse: writeProduceResponse,
  handle: produce,
});

/** Kafka's Topic.isInternal. */
const INTERNAL_TOPICS = new Set(["__consumer_offsets", "__transaction_state", "__share_group_state"]);
/** AdminUtils.ADMIN_CLIENT_ID: the one client allowed to write internal topics. */
const ADMIN_CLIENT_ID = "__admin_client";
const NO_TIMESTAMP = -1;
const DEFAULT_TIMESTAMP_AFTER_MAX_MS = 3_600_000;

export function produce(request: ProduceRequest, ctx: RequestContext): ProduceResponse | null {
  const acks = request.acks;
  const responses: ProduceResponse["responses"] = [];
  if (hasTransactionalRecords(request)) {
    for (const topic of request.topicData) {
      responses.push({ name: topic.name, partitionResponses: topic.partitionData.map((p) => failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)) });
    }
    if (acks === 0) throw new InvalidRequestError("transactional records, acks=0 (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)");
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  }
  const now = Date.now();
  let anyError = false;
  for (const topic of request.topicData) {
    const partitionResponses: PartitionResponse[] = [];
    const settings = topicSettings(ctx.broker, topic.name);
    for (const p of topic.partitionData) {
      const res = appendPartition(topic.name, p.index, p.records, settings, acks, now, ctx);
      if (res.errorCode !== ErrorCode.NONE) anyError = true;
      partitionResponses.push(res);
    }
    responses.push({ name: topic.name, partitionResponses });
  }
  if (acks === 0) {
    if (anyError) {
      const errors = responses.flatMap((t) => t.partitionResponses.filter((p) => p.errorCode !== 0).map((p) => `${t.name}-${p.index}: ${p.errorCode}`));
      throw new InvalidRequestError(`error with acks=0, closing the connection as Kafka does (${errors.join(", ")})`);
    }
    return null;
  }
  return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
}

/** Kafka's RequestUtils.hasTransactionalRecords: the first batch of any partition is transactional. */
function hasTransactionalRecords(request: ProduceRequest): boolean {
  for (const topic of request.topicData) {
    for (const p of topic.partitionData) {
      const r = p.records;
      if (r !== null && r.length >= RECORD_BATCH_OVERHEAD && r[MAGIC] === 2 && (r[ATTRIBUTES + 1]! & TRANSACTIONAL_MASK) !== 0) return true;
    }
  }
  return false;
}

/** The topic's settings that Produce applies: topic config, else the broker's, else Kafka's default. */
export interface TopicSettings {
  maxMessageBytes: number;
  segmentBytes: number;
  logAppendTime: boolean;
  timestampBeforeMaxMs: number;
  timestampAfterMaxMs: number;
  compacted: boolean;
}

export function topicSettings(broker: BrokerContext, topic: string): TopicSettings {
  const configs = broker.store.metadata.topicConfigs.get(topic);
  const raw = broker.config.raw;
  const setting = (topicKey: string, brokerKey: string): string | undefined => configs?.get(topicKey) ?? raw.get(brokerKey)?.trim();
  const num = (v: string | undefined, dflt: number): number => {
    if (v === undefined || v === "") return dflt;
    const n = Number(v);
    return Number.isFinite(n) ? n : dflt;
  };
  return {
    maxMessageBytes: num(configs?.get("max.message.bytes"), broker.config.messageMaxBytes),
    segmentBytes: num(configs?.get("segment.bytes"), broker.config.logSegmentBytes),
    logAppendTime: setting("message.timestamp.type", "log.message.timestamp.type") === "LogAppendTime",
    timestampBeforeMaxMs: num(setting("message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms"), Infinity),
    timestampAfterMaxMs: num(setting("message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms"), DEFAULT_TIMESTAMP_AFTER_MAX_MS),
    compacted: (setting("cleanup.policy", "log.cleanup.policy") ?? "delete").split(",").some((s) => s.trim() === "compact"),
  };
}

function appendPartition(
  topic: string, partition: number, records: Uint8Array | null, settings: TopicSettings, acks: number, now: number, ctx: RequestContext,
): PartitionResponse {
  const version = ctx.apiVersion;
  const log = ctx.broker.store.partition(topic, partition);
  if (log === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const framing = checkRequestFraming(records, version);
  if (!(framing instanceof RecordBatchView)) return failed(partition, framing.errorCode, framing.message);
  if (acks !== 0 && acks !== 1 && acks !== -1) return failed(partition, ErrorCode.INVALID_REQUIRED_ACKS);
  if (INTERNAL_TOPICS.has(topic) && ctx.clientId !== ADMIN_CLIENT_ID) {
    return failed(partition, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic}`);
  }
  const batch = framing;
  const checked = checkBatch(batch, settings.maxMessageBytes, `${topic}-${partition}`);
  if (checked !== null) {
    // Kafka reports the log start offset with errors raised inside the log, not with these.
    const withStart = checked.errorCode !== ErrorCode.MESSAGE_TOO_LARGE && checked.errorCode !== ErrorCode.CORRUPT_MESSAGE;
    return failed(partition, checked.errorCode, checked.message, withStart ? log.logStartOffset : -1);
  }
  const validated = validateRecords(batch, settings, now, `${topic}-${partition}`);
  if ("errorCode" in validated) {
    const res = failed(partition, validated.errorCode, validated.message, log.logStartOffset);
    if (validated.recordErrors !== undefined) {
      res.recordErrors = validated.recordErrors;
      res.errorMessage = validated.message;
    }
    return res;
  }
  if (batch.sizeInBytes > settings.segmentBytes) {
    return failed(partition, ErrorCode.RECORD_LIST_TOO_LARGE,
      `Message batch size is ${batch.sizeInBytes} bytes in append to partition ${topic}-${partition}, which exceeds the maximum configured segment size of ${settings.segmentBytes}.`);
  }
  const stored = validated.rewrite === null ? batch.bytes : rewriteHeader(batch.bytes, validated.rewrite);
  if (batch.producerId >= 0) {
    const verdict = log.producerState.check({
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      baseSequence: batch.baseSequence,
      lastOffsetDelta: batch.lastOffsetDelta,
      isTransactional: batch.isTransactional,
    }, log.nextOffset);
    switch (verdict.kind) {
      case "duplicate":
        return succeeded(partition, verdict.firstOffset, verdict.timestamp, log);
      case "invalid-epoch":
        return failed(partition, ErrorCode.INVALID_PRODUCER_EPOCH, verdict.message, log.logStartOffset);
      case "out-of-order":
        return failed(partition, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER, verdict.message, log.logStartOffset);
      case "invalid-txn-state":
        return failed(partition, ErrorCode.INVALID_TXN_STATE, verdict.message, log.logStartOffset);
    }
  }
  const appended = log.append(stored);
  notifyAppended(log);
  return succeeded(partition, appended.baseOffset, settings.logAppendTime ? now : NO_TIMESTAMP, log);
}

export interface BatchProblem {
  errorCode: number;
  /** For the broker's log only: Kafka sends no error_message with these. */
  message: string;
}

/**
 * Kafka's ProduceRequest.validateRecords (and the batch iterator under it): exactly one magic-2
 * batch, no zstd before v7. Returns the batch or the problem.
 */
export function checkRequestFraming(records: Uint8Array | null, version: number): RecordBatchView | BatchProblem {
  if (records === null || records.length < LOG_OVERHEAD) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Produce requests with version ${version} must have at least one record batch per partition` };
  }
  const view = new DataView(records.buffer, records.byteOffset, records.byteLength);
  const size = view.getInt32(8);
  if (size < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `Record size ${size} is less than the minimum record overhead` };
  }
  if (records.length < LOG_OVERHEAD + size) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `Record batch of ${size} bytes is cut short at ${records.length - LOG_OVERHEAD}` };
  }
  const magic = records[MAGIC]!;
  if (magic !== 2) {
    return { errorCode: magic > 2 ? ErrorCode.CORRUPT_MESSAGE : ErrorCode.INVALID_RECORD, message: `Produce requests with version ${version} are only allowed to contain record batches with magic version 2` };
  }
  const batch = new RecordBatchView(records.subarray(0, LOG_OVERHEAD + size));
  if (version < 7 && batch.compression === Compression.Zstd) {
    return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, message: `Produce requests with version ${version} are not allowed to use ZStandard compression` };
  }
  if (records.length > LOG_OVERHEAD + size) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Produce requests with version ${version} are only allowed to contain exactly one record batch per partition` };
  }
  return batch;
}

/**
 * The header checks of UnifiedLog.analyzeAndValidateRecords and LogValidator.validateBatch, in
 * Kafka's order; null when the batch passes.
 */
export function checkBatch(batch: RecordBatchView, maxMessageBytes: number, topicPartition: string): BatchProblem | null {
  if (batch.baseOffset !== 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `The baseOffset of the record batch in the append to ${topicPartition} should be 0, but it is ${batch.baseOffset}` };
  }
  if (batch.sizeInBytes > maxMessageBytes) {
    return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, message: `The record batch size in the append to ${topicPartition} is ${batch.sizeInBytes} bytes which exceeds the maximum configured value of ${maxMessageBytes}.` };
  }
  if (!batch.isCrcValid()) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `Record is corrupt (stored crc = ${batch.crc}) in topic partition ${topicPartition}.` };
  }
  const count = batch.recordCount;
  const delta = batch.lastOffsetDelta;
  if (delta < 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Batch has an invalid offset range: [0, ${delta}] in topic partition ${topicPartition}` };
  }
  if (count <= 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Invalid reported count for record batch: ${count} in topic partition ${topicPartition}` };
  }
  if (delta + 1 !== count) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Inconsistent batch offset range [0, ${delta}] and count of records ${count} in topic partition ${topicPartition}` };
  }
  if (batch.isControl) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Clients are not allowed to write control records in topic partition ${topicPartition}` };
  }
  if (batch.producerId >= 0 && batch.baseSequence < 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Invalid sequence number ${batch.baseSequence} in record batch with producerId ${batch.producerId} in topic partition ${topicPartition}` };
  }
  return null;
}

/** A change to the batch header that Kafka makes before storing it. */
export interface HeaderRewrite {
  logAppendTime: boolean;
  maxTimestamp: number;
}

export type RecordValidation =
  | { rewrite: HeaderRewrite | null }
  | { errorCode: number; message: string; recordErrors?: RecordError[] };

/**
 * LogValidator's record checks. Uncompressed batches: the records' framing is walked (varints;
 * keys, values and headers are skipped, never copied). Compressed: the header only.
 */
export function validateRecords(batch: RecordBatchView, s: TopicSettings, now: number, topicPartition: string): RecordValidation {
  const batchLogAppendTime = batch.timestampType === 1;
  const createTime = !s.logAppendTime;
  const errors: RecordError[] = [];
  let maxTimestamp = NO_TIMESTAMP;
  let invalidTimestamp = false;
  const outOfRange = (ts: number) => now - ts > s.timestampBeforeMaxMs || ts - now > s.timestampAfterMaxMs;
  const rangeMessage = (ts: number, offset: number) =>
    `Timestamp ${ts} of message with offset ${offset} is out of range. The timestamp should be within [${javaLongSum(now, -s.timestampBeforeMaxMs)}, ${javaLongSum(now, s.timestampAfterMaxMs)}]`;

  if (batch.compression !== Compression.None) {
    if (createTime) {
      const base = batch.baseTimestamp;
      const max = batch.maxTimestamp;
      if (batchLogAppendTime ? max !== NO_TIMESTAMP && outOfRange(max) : (base !== NO_TIMESTAMP && now - base > s.timestampBeforeMaxMs) || (max !== NO_TIMESTAMP && max - now > s.timestampAfterMaxMs)) {
        return { errorCode: ErrorCode.INVALID_TIMESTAMP, message: "One or more records have been rejected due to invalid timestamp", recordErrors: [] };
      }
      if (batchLogAppendTime && max === NO_TIMESTAMP) {
        return { errorCode: ErrorCode.INVALID_TIMESTAMP, message: "One or more records have been rejected due to invalid timestamp", recordErrors: [] };
      }
      return { rewrite: batchLogAppendTime ? { logAppendTime: false, maxTimestamp: max } : null };
    }
    if (batchLogAppendTime) {
      return { errorCode: ErrorCode.INVALID_TIMESTAMP, message: "One or more records have been rejected due to invalid timestamp", recordErrors: [] };
    }
    return { rewrite: { logAppendTime: true, maxTimestamp: now } };
  }

  // DefaultRecord.readFrom, record by record, each record's fields bounded by its length.
  const buf = batch.bytes;
  const end = buf.length;
  const count = batch.recordCount;
  const baseTimestamp = batch.baseTimestamp;
  const headerMax = batch.maxTimestamp;
  const invalid = (message: string): RecordValidation => ({ errorCode: ErrorCode.INVALID_RECORD, message });
  cursor = RECORD_BATCH_OVERHEAD;
  for (let i = 0; i < count; i++) {
    if (cursor >= end) return invalid("Found invalid record structure: the batch ends before its declared record count");
    const size = varint(buf, end);
    if (cursor < 0) return invalid("Found invalid record structure");
    const start = cursor;
    if (size < 0 || size > end - start) {
      return invalid(`Invalid record size: expected to read ${size} bytes in record payload, but instead the buffer has only ${end - start} remaining bytes.`);
    }
    const recordEnd = start + size;
    cursor++; // attributes
    const timestampDelta = varint(buf, recordEnd);
    const offsetDelta = varint(buf, recordEnd);
    const keySize = varint(buf, recordEnd);
    if (keySize > 0 && cursor >= 0) cursor += keySize;
    const valueSize = varint(buf, recordEnd);
    if (valueSize > 0 && cursor >= 0) cursor += valueSize;
    let headers = varint(buf, recordEnd);
    // Kafka refuses a negative header count; the CodeCrafters tester sends -1 for none.
    if (headers === -1) headers = 0;
    if (headers < 0) return invalid(`Found invalid number of record headers ${headers}`);
    for (let h = 0; h < headers && cursor >= 0; h++) {
      const k = varint(buf, recordEnd);
      if (k < 0) return invalid(`Invalid negative header key size ${k}`);
      cursor += k;
      const v = varint(buf, recordEnd);
      if (v > 0 && cursor >= 0) cursor += v;
    }
    if (cursor < 0 || cursor > recordEnd) return invalid("Found invalid record structure");
    if (cursor !== recordEnd) {
      return invalid(`Invalid record size: expected to read ${size} bytes in record payload, but instead read ${cursor - start}`);
    }
    // A LogAppendTime batch's records all carry its maxTimestamp.
    const ts = batchLogAppendTime ? headerMax : baseTimestamp + timestampDelta;
    if (s.compacted && keySize < 0) {
      errors.push({ batchIndex: i, batchIndexErrorMessage: `Compacted topic cannot accept message without key in topic partition ${topicPartition}` });
    } else if (createTime && ts !== NO_TIMESTAMP) {
      if (outOfRange(ts)) {
        errors.push({ batchIndex: i, batchIndexErrorMessage: rangeMessage(ts, offsetDelta) });
        invalidTimestamp = true;
      }
    } else if (batchLogAppendTime) {
      errors.push({
        batchIndex: i,
        batchIndexErrorMessage: `Invalid timestamp type in message DefaultRecord(offset=${offsetDelta}, timestamp=${ts}, key=${Math.max(keySize, 0)} bytes, value=${Math.max(valueSize, 0)} bytes). Producer should not set timestamp type to LogAppendTime.`,
      });
      invalidTimestamp = true;
    }
    if (ts > maxTimestamp) maxTimestamp = ts;
  }
  if (cursor !== end) return invalid("Incorrect declared batch size, records still remaining in file");
  if (errors.length > 0) {
    if (invalidTimestamp) {
      return { errorCode: ErrorCode.INVALID_TIMESTAMP, message: "One or more records have been rejected due to invalid timestamp", recordErrors: errors };
    }
    const shown = errors.slice(0, 3).map((e) => `RecordError(batchIndex=${e.batchIndex}, message='${e.batchIndexErrorMessage}')`);
    return {
      errorCode: ErrorCode.INVALID_RECORD,
      message: `One or more records have been rejected due to ${errors.length} record errors in total, and only showing the first three errors at most: [${shown.join(", ")}]`,
      recordErrors: errors,
    };
  }
  if (s.logAppendTime) return { rewrite: { logAppendTime: true, maxTimestamp: now } };
  // DefaultRecordBatch.setMaxTimestamp: rewritten only when type or value differ.
  return { rewrite: batchLogAppendTime || maxTimestamp !== headerMax ? { logAppendTime: false, maxTimestamp } : null };
}

/** Where varint() reads next; -1 once a varint ran past its bound or was too long. */
let cursor = 0;

/**
 * A zigzag varint/varlong at `cursor` (at most 10 bytes, before `bound`), advancing `cursor`.
 * Integer arithmetic up to 28 bits (every length and, in practice, every timestamp delta).
 */
function varint(buf: Uint8Array, bound: number): number {
  let p = cursor;
  if (p < 0) return 0;
  let result = 0;
  let shift = 0;
  for (;;) {
    if (p >= bound || shift > 63) {
      cursor = -1;
      return 0;
    }
    const b = buf[p++]!;
    if (shift < 28) result |= (b & 0x7f) << shift;
    else result += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) break;
  }
  cursor = p;
  if (result < 0x80000000) return (result >>> 1) ^ -(result & 1);
  return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
}

/**
 * A copy of the batch with the timestamp type bit and maxTimestamp set and the CRC recomputed
 * (DefaultRecordBatch.setMaxTimestamp). The rest of the bytes are the client's.
 */
export function rewriteHeader(bytes: Uint8Array, change: HeaderRewrite): Uint8Array {
  const out = bytes.slice();
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const attributes = dv.getInt16(ATTRIBUTES);
  dv.setInt16(ATTRIBUTES, change.logAppendTime ? attributes | TIMESTAMP_TYPE_MASK : attributes & ~TIMESTAMP_TYPE_MASK);
  dv.setInt32(MAX_TIMESTAMP, Math.floor(change.maxTimestamp / 4294967296));
  dv.setUint32(MAX_TIMESTAMP + 4, change.maxTimestamp >>> 0);
  dv.setUint32(CRC, crc32cUpdate(crc32c(out, ATTRIBUTES, BASE_TIMESTAMP), out, BASE_TIMESTAMP, out.length));
  return out;
}

/** a + b as Java's long arithmetic prints it (Long.MAX_VALUE stands for "unlimited"). */
function javaLongSum(a: number, b: number): string {
  const big = (n: number) => (n === Infinity ? 9223372036854775807n : n === -Infinity ? -9223372036854775807n : BigInt(Math.trunc(n)));
  return BigInt.asIntN(64, big(a) + big(b)).toString();
}

function succeeded(index: number, baseOffset: number, logAppendTimeMs: number, log: PartitionLog): PartitionResponse {
  return {
    index,
    errorCode: ErrorCode.NONE,
    baseOffset,
    logAppendTimeMs,
    logStartOffset: log.logStartOffset,
    recordErrors: [],
    errorMessage: null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

/**
 * A failed partition as Kafka answers it: no offsets, no error_message (the message goes to the
 * debug log), the log start offset only for errors raised inside the log.
 */
function failed(index: number, errorCode: number, message: string | null = null, logStartOffset = -1): PartitionResponse {
  if (message !== null && log.enabled("debug")) log.debug(`Produce: partition ${index}: error ${errorCode}: ${message}`);
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset,
    recordErrors: [],
    errorMessage: null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}
