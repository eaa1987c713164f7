// Fetch (1), v4–v16. By topic name up to v12, by topic id from v13 (unknown id →
// UNKNOWN_TOPIC_ID, unknown name or partition → UNKNOWN_TOPIC_OR_PARTITION). Stored record
// batches are returned byte for byte, starting with the whole batch that holds the fetch
// offset. Byte limits follow Kafka's ReplicaManager.readFromLog: each partition reads at most
// min(partition_max_bytes, what is left of max_bytes), and the first partition that returns
// data returns at least one whole batch even when it is larger than both limits.
// Errored partitions carry high watermark, LSO and log start offset -1 and empty records;
// unknown topics/partitions (Kafka's FetchResponse.partitionResponse) an empty aborted
// transactions list, a failed read (out of range) a null one, as Kafka's own bytes show
// (test/golden).
// Sessions: a full fetch (epoch -1, or 0 asking for a new session) is answered sessionless
// (session id 0, which is how Kafka declines to create one); an incremental fetch (epoch > 0)
// names a session we never created: FETCH_SESSION_ID_NOT_FOUND.
// Not yet: long polling (max_wait_ms/min_bytes answer at once), read_committed filtering.

import {
  FETCH, readFetchRequest, writeFetchResponse, type FetchRequest, type FetchResponse,
} from "../protocol/messages/fetch.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import type { PartitionLog } from "../storage/partition-log.ts";

type TopicResponse = FetchResponse["responses"][number];
type PartitionResponse = TopicResponse["partitions"][number];

registerApi<FetchRequest, FetchResponse>({
  spec: FETCH,
  readRequest: readFetchRequest,
  writeResponse: writeFetchResponse,
  responseSizeHint: 64 * 1024,
  handle: fetch,
});

export function fetch(request: FetchRequest, ctx: RequestContext): FetchResponse {
  const byId = ctx.apiVersion >= 13;
  if (ctx.apiVersion >= 7 && request.sessionEpoch > 0) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [], nodeEndpoints: [] };
  }
  const store = ctx.broker.store;
  let bytesLeft = request.maxBytes;
  let minOneBatch = true;
  const responses: TopicResponse[] = [];
  for (const topic of request.topics) {
    const meta = byId ? store.metadata.topicsById.get(topic.topicId) : store.metadata.topicsByName.get(topic.topic);
    const partitions: PartitionResponse[] = [];
    for (const p of topic.partitions) {
      if (meta === undefined) {
        partitions.push(errorPartition(p.partition, byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []));
        continue;
      }
      const log = store.partition(meta.name, p.partition);
      if (log === undefined) {
        partitions.push(errorPartition(p.partition, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, []));
        continue;
      }
      const limit = Math.max(0, Math.min(p.partitionMaxBytes, bytesLeft));
      const read = log.read(p.fetchOffset, limit, minOneBatch);
      if (read === "out-of-range") {
        partitions.push(errorPartition(p.partition, ErrorCode.OFFSET_OUT_OF_RANGE, null));
        continue;
      }
      const records = concat(read.batches);
      if (records.length > 0) minOneBatch = false;
      bytesLeft = Math.max(0, bytesLeft - records.length);
      partitions.push(dataPartition(p.partition, log, records));
    }
    responses.push({ topic: meta?.name ?? topic.topic, topicId: topic.topicId, partitions });
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] };
}

function dataPartition(partitionIndex: number, log: PartitionLog, records: Uint8Array): PartitionResponse {
  return {
    partitionIndex,
    errorCode: ErrorCode.NONE,
    highWatermark: log.highWatermark,
    lastStableOffset: log.lastStableOffset,
    logStartOffset: log.logStartOffset,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions: null,
    preferredReadReplica: -1,
    records,
  };
}

function errorPartition(partitionIndex: number, errorCode: number, abortedTransactions: [] | null): PartitionResponse {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1,
    lastStableOffset: -1,
    logStartOffset: -1,
    divergingEpoch: { epoch: -1, endOffset: -1 },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1, epoch: -1 },
    abortedTransactions,
    preferredReadReplica: -1,
    records: NO_RECORDS,
  };
}

const NO_RECORDS = new Uint8Array(0);

function concat(batches: Uint8Array[]): Uint8Array {
  if (batches.length === 1) return batches[0]!;
  let total = 0;
  for (const b of batches) total += b.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const b of batches) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}
