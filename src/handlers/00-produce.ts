// Produce (0), v3–v12, advertised from v0 as Kafka 4 does (KAFKA-18659: librdkafka disables
// features when Produce v0 is missing); a v0–v2 request closes the connection, as in Kafka.
//
// Followed, in Kafka's order (KafkaApis.handleProduceRequest → ReplicaManager → UnifiedLog.append
// → LogValidator → ProducerStateManager):
//  0. Authorization: a transactional id needs WRITE on it (else every partition answers
//     TRANSACTIONAL_ID_AUTHORIZATION_FAILED); each topic needs WRITE (else its partitions answer
//     TOPIC_AUTHORIZATION_FAILED, before any check of the topic's existence, and are not
//     verified with the transaction coordinator).
//  1. A transactional batch anywhere in the request without a transactional id → every partition
//     gets TRANSACTIONAL_ID_AUTHORIZATION_FAILED (Kafka's authorizer check). Otherwise each
//     partition whose transactional batch opens a transaction there is verified with the
//     transaction coordinator first (transaction.partition.verification.enable, default true):
//     with v12 (transaction version 2, KIP-890) the partition is added to the transaction on the
//     client's behalf, before v12 it must have been added (AddPartitionsToTxn) — errors as
//     Kafka's ReplicaManager translates them (see verifyTransactionalPartitions). v12 is v11 on
//     the wire. While a request waits for that verification, later produces of the same
//     transactional id wait behind it (Kafka handles a connection's requests one at a time), and
//     the partition log refuses batches above the sequence being verified (VerificationStateEntry).
//  2. Per partition: unknown topic or partition → UNKNOWN_TOPIC_OR_PARTITION (never auto-created;
//     the producer's Metadata request does that); exactly one magic-2 batch (INVALID_RECORD,
//     CORRUPT_MESSAGE when its framing is broken, UNSUPPORTED_COMPRESSION_TYPE for zstd before v7);
//     acks other than 0, 1, -1 → INVALID_REQUIRED_ACKS; internal topics (__consumer_offsets, ...)
//     → INVALID_TOPIC_EXCEPTION unless the client id is "__admin_client".
// Steps 3-6 belong to the partition log (PartitionLog.appendAsLeader, storage/log-validator.ts),
// which answers with Kafka's error names; this handler maps them to codes and responses.
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
// Storage failures (storage/log-dir-failures.ts): a batch the log cannot write (a full disk, an
// offline log dir) gets KAFKA_STORAGE_ERROR with no offsets and no log start offset, as Kafka's
// ReplicaManager.appendToLocalLog answers a KafkaStorageException; nothing of it stays in the
// log, and the connection stays open. (Kafka 4.3.1 with one log dir answers 56 to the appends in
// flight, then halts; Bunka keeps serving and takes writes again once space is freed.)
//
// Compressed batches (gzip, snappy, lz4, zstd) are inflated to validate their records like
// uncompressed ones (up to 64 MiB inflated: MAX_INFLATED_PRODUCE_BYTES; beyond that, or corrupt,
// the batch is refused) and stored and served as sent: unlike Kafka, a batch whose inner offsets
// are not 0..n-1 is not recompressed.
// Also unlike Kafka: a record header count of -1 is read as none (the CodeCrafters tester writes
// it; Kafka refuses it as INVALID_RECORD). Not done: acks=-1 waits for nothing
// (single replica, always in sync).

import {
  PRODUCE, readProduceRequest, writeProduceResponse, type ProduceRequest, type ProduceResponse,
} from "../protocol/messages/produce.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { InvalidRequestError, registerApi, type BrokerContext, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";
import {
  ATTRIBUTES, BATCH_LENGTH, Compression, LOG_OVERHEAD, MAGIC, RECORD_BATCH_OVERHEAD, RecordBatchView, TRANSACTIONAL_MASK,
} from "../records/record-batch.ts";
import type { PartitionLog } from "../storage/partition-log.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import type { LogAppendSettings } from "../storage/log-validator.ts";
import { escapeForLog, log } from "../log.ts";
import { effectiveBrokerValue } from "../config/config-values.ts";
import type { TransactionCoordinator } from "../transactions/transaction-coordinator.ts";
import type { TopicPartitions } from "../transactions/transaction-metadata.ts";
import { isInternalTopic } from "./topic-name.ts";

type PartitionResponse = ProduceResponse["responses"][number]["partitionResponses"][number];

registerApi<ProduceRequest, ProduceResponse>({
  spec: PRODUCE,
  minVersion: 3,
  advertisedMinVersion: 0,
  readRequest: readProduceRequest,
  writeResponse: writeProduceResponse,
  handle: produce,
  // Kafka's ProduceRequest.getErrorResponse: none with acks=0 (the connection is closed).
  errorResponse: (request, errorCode, message) => request.acks === 0 ? null : {
    throttleTimeMs: 0,
    nodeEndpoints: [],
    responses: request.topicData.map((t) => ({
      name: t.name,
      partitionResponses: t.partitionData.map((p) => ({ ...failed(p.index, errorCode), errorMessage: message })),
    })),
  },
});

/** AdminUtils.ADMIN_CLIENT_ID: the one client allowed to write internal topics. */
const ADMIN_CLIENT_ID = "__admin_client";
const DEFAULT_TIMESTAMP_AFTER_MAX_MS = 3_600_000;

export function produce(request: ProduceRequest, ctx: RequestContext): ProduceResponse | null | Promise<ProduceResponse | null> {
  const acks = request.acks;
  if (request.transactionalId !== null && !authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
    const responses: ProduceResponse["responses"] = request.topicData.map((topic) => ({
      name: topic.name, partitionResponses: topic.partitionData.map((p) => failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)),
    }));
    if (acks === 0) throw new InvalidRequestError("transactional id not authorized, acks=0 (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)");
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  }
  const writable = authorizedNames(ctx, AclOperation.WRITE, ResourceType.TOPIC, request.topicData.map((t) => t.name));
  if (hasTransactionalRecords(request)) {
    // KafkaApis: transactional records need a transactional id (the authorizer's check).
    if (request.transactionalId === null || ctx.broker.transactions === undefined) {
      const responses: ProduceResponse["responses"] = request.topicData.map((topic) => ({
        name: topic.name, partitionResponses: topic.partitionData.map((p) => failed(p.index, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED)),
      }));
      if (acks === 0) throw new InvalidRequestError("transactional records, acks=0 (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)");
      return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
    }
    const transactionalId = request.transactionalId;
    const transactions = ctx.broker.transactions;
    const queue = verificationQueue(ctx.broker);
    const earlier = queue.get(transactionalId);
    if (earlier === undefined) {
      const verified = verifyTransactionalPartitions(request, ctx, transactionalId, transactions, writable);
      if (!(verified instanceof Promise)) return appendAll(request, ctx, verified, writable);
      const copy = copyRecords(request);
      return inQueue(queue, transactionalId, verified.then((refused) => ({ answer: appendAll(copy, ctx, refused, writable) })));
    }
    // A produce of this transactional id is still waiting for its verification: this one waits
    // its turn, so that its batches cannot overtake that one's (Kafka handles a connection's
    // requests one at a time, so a producer's appends keep its order there).
    const copy = copyRecords(request);
    return inQueue(queue, transactionalId, earlier.then(async () => {
      const verified = verifyTransactionalPartitions(copy, ctx, transactionalId, transactions, writable);
      return { answer: appendAll(copy, ctx, verified instanceof Promise ? await verified : verified, writable) };
    }));
  }
  return appendAll(request, ctx, null, writable);
}

/**
 * The request's bytes are views of the receive buffer, which the next socket read overwrites:
 * copies to keep across a wait (`new Uint8Array(view)` copies whatever the view's class; a
 * Buffer's slice() would not).
 */
function copyRecords(request: ProduceRequest): ProduceRequest {
  return {
    ...request,
    topicData: request.topicData.map((t) => ({
      ...t, partitionData: t.partitionData.map((p) => ({ ...p, records: p.records === null ? null : new Uint8Array(p.records) })),
    })),
  };
}

/**
 * Per broker: transactional id → the last of its produce requests that waits for verification
 * with the coordinator (and for the ones queued behind it). Found by the bench's transactional
 * workload (h): with the Java producer's 5 requests in flight, a request that needed no
 * verification appended a later sequence while an earlier request of the same producer still
 * waited for the coordinator, and the earlier one then met OUT_OF_ORDER_SEQUENCE_NUMBER, which
 * the client treats as fatal.
 */
const verificationQueues = new WeakMap<BrokerContext, Map<string, Promise<unknown>>>();

function verificationQueue(broker: BrokerContext): Map<string, Promise<unknown>> {
  let q = verificationQueues.get(broker);
  if (q === undefined) verificationQueues.set(broker, (q = new Map()));
  return q;
}

/**
 * `appended` (settled once the batches are appended; the answer may still wait for the fsync)
 * becomes the transactional id's queue tail until it settles, then the id leaves the queue.
 */
function inQueue(
  queue: Map<string, Promise<unknown>>, transactionalId: string, appended: Promise<{ answer: ReturnType<typeof appendAll> }>,
): Promise<ProduceResponse | null> {
  const tail = appended.then(() => {}, () => {});
  queue.set(transactionalId, tail);
  void tail.then(() => {
    if (queue.get(transactionalId) === tail) queue.delete(transactionalId);
  });
  return appended.then((a) => a.answer);
}

/**
 * Kafka's transaction verification before a transactional append (ReplicaManager
 * .appendRecords with transaction.partition.verification.enable, AddPartitionsToTxnManager): a
 * partition where the producer has no open transaction at this epoch is checked with the
 * transaction coordinator — with transaction version 2 (Produce v12+) the partition is added
 * to the transaction on the client's behalf, else it must already be in it. The coordinator's
 * errors are translated as Kafka's ReplicaManager does: PRODUCER_FENCED → INVALID_PRODUCER_EPOCH,
 * TRANSACTION_ABORTABLE → INVALID_TXN_STATE before v11, retriable coordinator errors →
 * NOT_ENOUGH_REPLICAS (which every producer retries; CONCURRENT_TRANSACTIONS stays from v12). Returns the refused partitions
 * ("topic\0partition" → error), or a promise of them.
 */
function verifyTransactionalPartitions(
  request: ProduceRequest, ctx: RequestContext, transactionalId: string, coordinator: TransactionCoordinator, writable: Set<string>,
): Map<string, number> | Promise<Map<string, number>> {
  const refused = new Map<string, number>();
  if (!ctx.broker.config.transactionPartitionVerificationEnable) return refused;
  const needed: TopicPartitions = new Map();
  let producer: { producerId: number; producerEpoch: number } | null = null;
  for (const topic of request.topicData) {
    if (!writable.has(topic.name)) continue; // answered TOPIC_AUTHORIZATION_FAILED, never verified
    for (const p of topic.partitionData) {
      const batch = checkRequestFraming(p.records, ctx.apiVersion);
      if (!(batch instanceof RecordBatchView) || !batch.isTransactional || batch.producerId < 0) continue;
      let log: PartitionLog | undefined;
      try {
        log = ctx.broker.store.partition(topic.name, p.index);
      } catch {
        continue; // answered by the append (KAFKA_STORAGE_ERROR)
      }
      if (log === undefined) continue;
      if (log.hasOngoingTransaction(batch.producerId, batch.producerEpoch)) continue;
      log.startTransactionVerification(batch.producerId, batch.producerEpoch, batch.baseSequence);
      producer ??= { producerId: batch.producerId, producerEpoch: batch.producerEpoch };
      let set = needed.get(topic.name);
      if (set === undefined) needed.set(topic.name, (set = new Set()));
      set.add(p.index);
    }
  }
  if (producer === null) return refused;
  const version = ctx.apiVersion;
  const refuse = (topic: string, partition: number, code: number) => {
    if (code !== ErrorCode.NONE) refused.set(`${topic}\0${partition}`, verificationError(code, version));
  };
  if (version >= 12) {
    return coordinator.addPartitionsImplicitly(transactionalId, producer.producerId, producer.producerEpoch, needed).then((code) => {
      for (const [topic, ps] of needed) for (const p of ps) refuse(topic, p, code);
      return refused;
    });
  }
  for (const [topic, ps] of coordinator.verifyPartitions(transactionalId, producer.producerId, producer.producerEpoch, needed)) {
    for (const [p, code] of ps) refuse(topic, p, code);
  }
  return refused;
}

/** A partition refused by transaction verification; Kafka says why only for INVALID_TXN_STATE (measured, 4.3.1). */
function refusedByVerification(index: number, errorCode: number): PartitionResponse {
  const res = failed(index, errorCode);
  if (errorCode === ErrorCode.INVALID_TXN_STATE) res.errorMessage = "Partition was not added to the transaction";
  return res;
}

/** Kafka's translation of a verification error for the producer (AddPartitionsToTxnManager, ReplicaManager). */
function verificationError(code: number, produceVersion: number): number {
  switch (code) {
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.TRANSACTION_ABORTABLE:
      return produceVersion > 10 ? code : ErrorCode.INVALID_TXN_STATE;
    case ErrorCode.CONCURRENT_TRANSACTIONS:
      // Measured: Kafka 4.3.1 answers a v12 produce that arrives while the previous transaction's
      // markers are being written with CONCURRENT_TRANSACTIONS, which TV2 clients retry.
      return produceVersion >= 12 ? code : ErrorCode.NOT_ENOUGH_REPLICAS;
    case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
    case ErrorCode.NOT_COORDINATOR:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
    default:
      return code;
  }
}

function appendAll(
  request: ProduceRequest, ctx: RequestContext, refused: Map<string, number> | null, writable: Set<string>,
): ProduceResponse | null | Promise<ProduceResponse | null> {
  const acks = request.acks;
  const responses: ProduceResponse["responses"] = [];
  const now = Date.now();
  let anyError = false;
  const durable: Durable[] = [];
  for (const topic of request.topicData) {
    if (!writable.has(topic.name)) {
      responses.push({ name: topic.name, partitionResponses: topic.partitionData.map((p) => failed(p.index, ErrorCode.TOPIC_AUTHORIZATION_FAILED)) });
      anyError = true;
      continue;
    }
    const partitionResponses: PartitionResponse[] = [];
    const settings = topicSettings(ctx.broker, topic.name);
    for (const p of topic.partitionData) {
      const refusal = refused?.get(`${topic.name}\0${p.index}`);
      const res = refusal !== undefined ? refusedByVerification(p.index, refusal) : appendPartition(topic.name, p.index, p.records, settings, acks, now, ctx, durable);
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
  const response: ProduceResponse = { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  if (durable.length === 0) return response;
  // Answered once the batches are on disk (bunka.fsync.before.ack); a failed flush is the
  // storage error Kafka answers for a failed append (the log dir is offline by then).
  return Promise.all(durable.map(({ response: res, wait }) => wait.catch((e: unknown) => {
    Object.assign(res, failed(res.index, ErrorCode.KAFKA_STORAGE_ERROR, e instanceof Error ? e.message : String(e)));
  }))).then(() => response);
}

/** A partition's answer waiting for its log's group commit. */
interface Durable {
  response: PartitionResponse;
  wait: Promise<void>;
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

/**
 * The topic's settings that an append applies: topic config, else the broker's effective value
 * (this node's dynamic config, the cluster-wide dynamic default, server.properties), else Kafka's
 * default.
 */
export function topicSettings(broker: BrokerContext, topic: string): LogAppendSettings {
  const metadata = broker.store.metadata;
  const configs = metadata.topicConfigs.get(topic);
  const brokerValue = (brokerKey: string): string | undefined => effectiveBrokerValue(brokerKey, broker.config, metadata) ?? undefined;
  const setting = (topicKey: string, brokerKey: string): string | undefined => configs?.get(topicKey) ?? brokerValue(brokerKey);
  const num = (v: string | undefined, dflt: number): number => {
    if (v === undefined || v === "") return dflt;
    const n = Number(v);
    return Number.isFinite(n) ? n : dflt;
  };
  return {
    maxMessageBytes: num(setting("max.message.bytes", "message.max.bytes"), broker.config.messageMaxBytes),
    segmentBytes: num(setting("segment.bytes", "log.segment.bytes"), broker.config.logSegmentBytes),
    logAppendTime: setting("message.timestamp.type", "log.message.timestamp.type") === "LogAppendTime",
    timestampBeforeMaxMs: num(setting("message.timestamp.before.max.ms", "log.message.timestamp.before.max.ms"), Infinity),
    timestampAfterMaxMs: num(setting("message.timestamp.after.max.ms", "log.message.timestamp.after.max.ms"), DEFAULT_TIMESTAMP_AFTER_MAX_MS),
    compacted: (setting("cleanup.policy", "log.cleanup.policy") ?? "delete").split(",").some((s) => s.trim() === "compact"),
  };
}

function appendPartition(
  topic: string, partition: number, records: Uint8Array | null, settings: LogAppendSettings, acks: number, now: number, ctx: RequestContext,
  durable: Durable[],
): PartitionResponse {
  const version = ctx.apiVersion;
  let log: PartitionLog | undefined;
  try {
    log = ctx.broker.store.partition(topic, partition);
  } catch (e) {
    // A partition that cannot be opened (its directory not creatable on a full disk, its log
    // dir offline): ReplicaManager's KafkaStorageException.
    if (!(e instanceof StorageError)) throw e;
    return failed(partition, ErrorCode.KAFKA_STORAGE_ERROR, e.message);
  }
  if (log === undefined) return failed(partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const framing = checkRequestFraming(records, version);
  if (!(framing instanceof RecordBatchView)) return failed(partition, framing.errorCode, framing.message);
  if (acks !== 0 && acks !== 1 && acks !== -1) return failed(partition, ErrorCode.INVALID_REQUIRED_ACKS);
  if (isInternalTopic(topic) && ctx.clientId !== ADMIN_CLIENT_ID) {
    return failed(partition, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic}`);
  }
  const outcome = log.appendAsLeader(framing, settings, now, `${topic}-${partition}`);
  switch (outcome.kind) {
    case "appended":
    case "duplicate": {
      // A duplicate waits too: the batch it repeats may still be on its way to disk.
      const response = succeeded(partition, outcome.baseOffset, outcome.logAppendTime, log);
      const wait = log.whenDurable();
      if (wait !== null) {
        if (acks === 0) wait.catch(() => {}); // flushed all the same; nobody to answer
        else durable.push({ response, wait });
      }
      return response;
    }
    case "rejected": {
      const res = failed(partition, ErrorCode[outcome.error], outcome.message, outcome.inLog ? log.logStartOffset : -1);
      if (outcome.recordErrors !== undefined) {
        res.recordErrors = outcome.recordErrors.map((e) => ({ batchIndex: e.batchIndex, batchIndexErrorMessage: e.message }));
        res.errorMessage = outcome.message;
      }
      return res;
    }
  }
}

export interface FramingProblem {
  errorCode: number;
  /** For the broker's log only: Kafka sends no error_message with these. */
  message: string;
}

/**
 * Kafka's ProduceRequest.validateRecords (and the batch iterator under it): exactly one magic-2
 * batch, no zstd before v7. Returns the batch or the problem.
 */
export function checkRequestFraming(records: Uint8Array | null, version: number): RecordBatchView | FramingProblem {
  if (records === null || records.length < LOG_OVERHEAD) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `Produce requests with version ${version} must have at least one record batch per partition` };
  }
  // The batch length (BATCH_LENGTH) is read here, the rest of the header only through the view.
  const size = (records[BATCH_LENGTH]! << 24) | (records[BATCH_LENGTH + 1]! << 16) | (records[BATCH_LENGTH + 2]! << 8) | records[BATCH_LENGTH + 3]!;
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
  if (message !== null && log.enabled("debug")) log.debug(`Produce: partition ${index}: error ${errorCode}: ${escapeForLog(message)}`);
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
