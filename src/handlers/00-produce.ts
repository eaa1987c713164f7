// Produce (0), v3–v11, advertised from v0 as Kafka 4 does (KAFKA-18659: librdkafka disables
// features when Produce v0 is missing); a v0–v2 request closes the connection, as in Kafka. Each partition's records must be exactly one magic-2 record batch
// (Kafka's ProduceRequest.validateRecords: INVALID_RECORD otherwise, CORRUPT_MESSAGE when the
// batch framing itself is broken, UNSUPPORTED_COMPRESSION_TYPE for zstd before v7), then
// UnifiedLog.analyzeAndValidateRecords / LogValidator: base offset 0, size within
// message.max.bytes (MESSAGE_TOO_LARGE), CRC-32C (CORRUPT_MESSAGE), lastOffsetDelta + 1 ==
// record count (INVALID_RECORD). A valid batch is appended as sent: storage writes only the
// assigned base offset and leader epoch, outside the CRC. Unknown topic or partition →
// UNKNOWN_TOPIC_OR_PARTITION with base offset, append time and log start offset all -1.
// acks=0 gets no response at all; acks other than 0, 1, -1 → INVALID_REQUIRED_ACKS.
// Not yet: idempotent sequence checks, transactions, LogAppendTime topics.

import {
  PRODUCE, readProduceRequest, writeProduceResponse, type ProduceRequest, type ProduceResponse,
} from "../protocol/messages/produce.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { notifyAppended } from "./append-waiters.ts";
import {
  RecordBatchView, Compression, LOG_OVERHEAD, MAGIC, RECORD_BATCH_OVERHEAD,
} from "../storage/record-batch.ts";

type PartitionResponse = ProduceResponse["responses"][number]["partitionResponses"][number];

registerApi<ProduceRequest, ProduceResponse>({
  spec: PRODUCE,
  minVersion: 3,
  advertisedMinVersion: 0,
  readRequest: readProduceRequest,
  writeResponse: writeProduceResponse,
  handle: produce,
});

export function produce(request: ProduceRequest, ctx: RequestContext): ProduceResponse | null {
  const acks = request.acks;
  const responses: ProduceResponse["responses"] = [];
  for (const topic of request.topicData) {
    const partitionResponses: PartitionResponse[] = [];
    for (const p of topic.partitionData) {
      if (acks !== 0 && acks !== 1 && acks !== -1) {
        partitionResponses.push(failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS, null));
        continue;
      }
      partitionResponses.push(appendPartition(topic.name, p.index, p.records, ctx));
    }
    responses.push({ name: topic.name, partitionResponses });
  }
  if (acks === 0) return null;
  return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
}

function appendPartition(topic: string, partition: number, records: Uint8Array | null, ctx: RequestContext): PartitionResponse {
  const log = ctx.broker.store.partition(topic, partition);
  if (log === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
  const checked = validateBatch(records, ctx.apiVersion, ctx.broker.config.messageMaxBytes);
  if (!(checked instanceof RecordBatchView)) return failed(partition, checked.errorCode, checked.message);
  const appended = log.append(checked.bytes);
  notifyAppended(log);
  return {
    index: partition,
    errorCode: ErrorCode.NONE,
    baseOffset: appended.baseOffset,
    logAppendTimeMs: -1,
    logStartOffset: log.logStartOffset,
    recordErrors: [],
    errorMessage: null,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

export interface BatchProblem {
  errorCode: number;
  message: string;
}

/** Checks a partition's produce payload the way Kafka does; returns the batch or the problem. */
export function validateBatch(records: Uint8Array | null, version: number, maxMessageBytes: number): RecordBatchView | BatchProblem {
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
  if (batch.baseOffset !== 0) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `The base offset of the record batch in the append should be 0, but it is ${batch.baseOffset}` };
  }
  if (records.length > maxMessageBytes) {
    return { errorCode: ErrorCode.MESSAGE_TOO_LARGE, message: `The record batch of ${records.length} bytes exceeds the maximum of ${maxMessageBytes} (message.max.bytes)` };
  }
  if (!batch.isCrcValid()) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: `Record batch is corrupt (stored crc = ${batch.crc}, computed crc = ${batch.computeCrc()})` };
  }
  if (batch.recordCount <= 0 || batch.lastOffsetDelta + 1 !== batch.recordCount) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Inconsistent batch: lastOffsetDelta ${batch.lastOffsetDelta} but ${batch.recordCount} records` };
  }
  return batch;
}

function failed(index: number, errorCode: number, message: string | null): PartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1,
    logAppendTimeMs: -1,
    logStartOffset: -1,
    recordErrors: [],
    errorMessage: message,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}
