// Fetch (1), v4–v16. By topic name up to v12, by topic id from v13 (unknown id →
// UNKNOWN_TOPIC_ID, unknown name or partition → UNKNOWN_TOPIC_OR_PARTITION). Stored record
// batches are returned byte for byte, starting with the whole batch that holds the fetch
// offset. Byte limits follow Kafka's ReplicaManager.readFromLog: each partition reads at most
// min(partition_max_bytes, what is left of max_bytes), and the first partition that returns
// data returns at least one whole batch even when it is larger than both limits.
// Errored partitions carry high watermark, LSO and log start offset -1 and empty records;
// unknown topics/partitions (Kafka's FetchResponse.partitionResponse) an empty aborted
// transactions list, a failed read (out of range, fenced epoch) a null one, as Kafka's own
// bytes show (test/golden). current_leader_epoch is checked as Kafka's Partition does:
// newer than ours → UNKNOWN_LEADER_EPOCH, older → FENCED_LEADER_EPOCH.
// Long polling (DelayedFetch): with less than min_bytes available and no error, the answer
// waits for an append to one of the partitions or for max_wait_ms, without blocking anything.
// read_committed (isolation_level 1, Kafka's FetchIsolation.TXN_COMMITTED) returns whole batches
// below the last stable offset only, with the aborted transactions overlapping what it returns
// (PartitionLog.readCommitted: Kafka's range, bounded by its sparse offset index, so the list may
// reach a little past the returned data; an empty list when nothing is returned);
// read_uncommitted a null list. A marker moves the LSO and announces the append, so a waiting
// read_committed fetch wakes when its data commits.
// A fetch from a replica (replica_id >= 0; replica_state from v15) is a follower fetch, and this
// single-node broker has no followers: each existing partition answers NOT_LEADER_OR_FOLLOWER,
// as Kafka's Partition does for a replica it does not know.
// Sessions: a full fetch (epoch -1, or 0 asking for a new session) is answered sessionless
// (session id 0, which is how Kafka declines to create one when its cache is full); an
// incremental fetch (any other epoch) names a session we never created: FETCH_SESSION_ID_NOT_FOUND.
// An isolation level other than 0 and 1 fails the whole request with UNKNOWN_SERVER_ERROR once a
// partition asked for exists, as Kafka's IsolationLevel.forId throws when the read starts
// (FetchRequest.getErrorResponse: the top-level code, and before v13 every partition asked for
// carries it too).
// Tiered storage: a partition whose fetch offset lies below the local log start but not below the
// log start offset is read from remote storage (PartitionLog.readRemote, Kafka's
// RemoteLogManager.asyncRead as ReplicaManager's DelayedRemoteFetch waits for it): the answer
// waits for that read (no long poll then), and carries at most that partition's limit from the one
// remote segment holding the offset. The wait is at most remote.fetch.max.wait.ms (default 500):
// then, as when Kafka's DelayedRemoteFetch expires, the partition answers with no error and no
// records (and a null aborted transactions list), and the other partitions with what they read.
// Authorization (KafkaApis.handleFetchRequest): a consumer needs READ on each topic (else
// TOPIC_AUTHORIZATION_FAILED, before the topic's existence is looked at; an unknown topic id is
// UNKNOWN_TOPIC_ID first); a follower fetch needs CLUSTER_ACTION on the cluster (else every
// partition answers TOPIC_AUTHORIZATION_FAILED). Checked once per request, not per long-poll round.

import {
  FETCH, readFetchRequest, writeFetchResponse, type FetchRequest, type FetchResponse,
} from "../protocol/messages/fetch.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { RequestError, registerApi, type RequestContext } from "./registry.ts";
import { localLeaderLog } from "./local-leader-log.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";
import type { PartitionLog } from "../storage/partition-log.ts";

type TopicResponse = FetchResponse["responses"][number];
type PartitionResponse = TopicResponse["partitions"][number];

const READ_UNCOMMITTED = 0, READ_COMMITTED = 1;
const INITIAL_EPOCH = 0, FINAL_EPOCH = -1;

registerApi<FetchRequest, FetchResponse>({
  spec: FETCH,
  readRequest: readFetchRequest,
  writeResponse: writeFetchResponse,
  responseSizeHint: 16 * 1024,
  zeroCopyBytes: 8 * 1024,
  handle: fetch,
  errorResponse: (request, errorCode, _message, ctx) => ({
    throttleTimeMs: 0, errorCode, sessionId: request.sessionId, nodeEndpoints: [],
    responses: ctx.apiVersion >= 13 ? [] : request.topics.map((t) => ({
      topic: t.topic, topicId: t.topicId, partitions: t.partitions.map((p) => errorPartition(p.partition, errorCode, [])),
    })),
  }),
});

interface FetchRound {
  response: FetchResponse;
  bytes: number;
  hasError: boolean;
  logs: PartitionLog[];
  /** What each partition returned, counted (PartitionTraffic.fetched) only if this round is the answer. */
  reads: { log: PartitionLog; batches: Uint8Array[] }[];
  /** Partitions to be read from remote storage before the answer: their entries are filled in then. */
  remote: { entry: PartitionResponse; log: PartitionLog; fetchOffset: number; limit: number; minOneBatch: boolean; committed: boolean }[];
}

/** The round's response, its bytes counted as sent (Kafka's KafkaApis: brokerTopicStats.updateBytesOut). */
function answer(round: FetchRound): FetchResponse {
  for (const r of round.reads) r.log.traffic.fetched(r.batches);
  return round.response;
}

export function fetch(request: FetchRequest, ctx: RequestContext): FetchResponse | Promise<FetchResponse> {
  if (request.isolationLevel !== READ_UNCOMMITTED && request.isolationLevel !== READ_COMMITTED && asksForAPartition(request, ctx)) {
    throw new RequestError(ErrorCode.UNKNOWN_SERVER_ERROR, `Unknown isolation level ${request.isolationLevel}`);
  }
  if (ctx.apiVersion >= 7 && request.sessionEpoch !== INITIAL_EPOCH && request.sessionEpoch !== FINAL_EPOCH) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0, responses: [], nodeEndpoints: [] };
  }
  const readable = readableTopics(request, ctx);
  const first = readOnce(request, ctx, readable);
  if (first.remote.length > 0) return readRemote(first).then(answer);
  if (request.maxWaitMs <= 0 || first.bytes >= request.minBytes || first.hasError || first.logs.length === 0) {
    return answer(first);
  }
  return (async () => {
    const deadline = Date.now() + request.maxWaitMs;
    let round = first;
    for (;;) {
      const appended = await waitForAppend(round.logs, deadline - Date.now());
      round = readOnce(request, ctx, readable);
      // Local retention removed a fetch offset's segment while this fetch waited: read it remotely.
      if (round.remote.length > 0) return answer(await readRemote(round));
      if (!appended || round.bytes >= request.minBytes || round.hasError || Date.now() >= deadline) return answer(round);
    }
  })();
}

/** Fills in the partitions of `round` that read from remote storage (KafkaApis answers once the remote read is done). */
async function readRemote(round: FetchRound): Promise<FetchRound> {
  await Promise.all(round.remote.map(async (r) => {
    let read: Awaited<ReturnType<PartitionLog["readRemote"]>>;
    try {
      read = await r.log.readRemote(r.fetchOffset, r.limit, r.minOneBatch, r.committed);
    } catch (e) {
      // Kafka's RemoteLogReader: a failed remote read is the partition's UNKNOWN_SERVER_ERROR.
      Object.assign(r.entry, errorPartition(r.entry.partitionIndex, ErrorCode.UNKNOWN_SERVER_ERROR, null));
      round.hasError = true;
      return;
    }
    if (read === "out-of-range") {
      Object.assign(r.entry, errorPartition(r.entry.partitionIndex, ErrorCode.OFFSET_OUT_OF_RANGE, null));
      round.hasError = true;
      return;
    }
    if (read === "expired") {
      // Kafka's DelayedRemoteFetch expired (remote.fetch.max.wait.ms): the partition's local read
      // result, no error, no records, no aborted transactions list; the client fetches again.
      r.entry.abortedTransactions = null;
      return;
    }
    r.entry.records = concat(read.batches);
    if (r.committed) r.entry.abortedTransactions = read.abortedTransactions.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
    round.bytes += r.entry.records.length;
    if (read.batches.length > 0) round.reads.push({ log: r.log, batches: read.batches });
  }));
  return round;
}

/** Whether any partition asked for exists (Kafka reads, and meets the isolation level, only then). */
function asksForAPartition(request: FetchRequest, ctx: RequestContext): boolean {
  const metadata = ctx.broker.store.metadata;
  return request.topics.some((t) => {
    const meta = ctx.apiVersion >= 13 ? metadata.topicsById.get(t.topicId) : metadata.topicsByName.get(t.topic);
    return meta !== undefined && t.partitions.some((p) => meta.partitions.some((x) => x.partitionId === p.partition));
  });
}

/** The topic names the request may read: READ on each for a consumer, CLUSTER_ACTION for a follower. */
function readableTopics(request: FetchRequest, ctx: RequestContext): Set<string> {
  const metadata = ctx.broker.store.metadata;
  // An unknown topic id answers UNKNOWN_TOPIC_ID whatever the ACLs: nothing to check.
  const names = request.topics.flatMap((t) => ctx.apiVersion >= 13 ? metadata.topicsById.get(t.topicId)?.name ?? [] : [t.topic]);
  if (isFromFollower(request, ctx)) {
    return authorize(ctx, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME) ? new Set(names) : new Set();
  }
  return authorizedNames(ctx, AclOperation.READ, ResourceType.TOPIC, names);
}

function isFromFollower(request: FetchRequest, ctx: RequestContext): boolean {
  return (ctx.apiVersion >= 15 ? request.replicaState.replicaId : request.replicaId) >= 0;
}

function readOnce(request: FetchRequest, ctx: RequestContext, readable: Set<string>): FetchRound {
  const byId = ctx.apiVersion >= 13;
  const readCommitted = request.isolationLevel === READ_COMMITTED;
  const fromFollower = isFromFollower(request, ctx);
  const store = ctx.broker.store;
  // KafkaApis.handleFetchRequest: a consumer's max_bytes is capped by fetch.max.bytes, which
  // also bounds what one unread response can hold in memory.
  let bytesLeft = fromFollower ? request.maxBytes : Math.min(request.maxBytes, ctx.broker.config.fetchMaxBytes);
  let minOneBatch = true;
  let bytes = 0;
  let hasError = false;
  const logs: PartitionLog[] = [];
  const reads: FetchRound["reads"] = [];
  const remote: FetchRound["remote"] = [];
  const responses: TopicResponse[] = [];
  for (const topic of request.topics) {
    const meta = byId ? store.metadata.topicsById.get(topic.topicId) : store.metadata.topicsByName.get(topic.topic);
    const partitions: PartitionResponse[] = [];
    const denied = !(byId && meta === undefined) && !readable.has(meta?.name ?? topic.topic);
    for (const p of topic.partitions) {
      if (denied) {
        hasError = true;
        partitions.push(errorPartition(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED, []));
        continue;
      }
      const local = localLeaderLog(store, meta, p.partition, p.currentLeaderEpoch);
      if ("errorCode" in local) {
        hasError = true;
        const code = local.unknown && meta === undefined && byId ? ErrorCode.UNKNOWN_TOPIC_ID : local.errorCode;
        partitions.push(errorPartition(p.partition, code, local.unknown ? [] : null));
        continue;
      }
      if (fromFollower) {
        hasError = true;
        partitions.push(errorPartition(p.partition, ErrorCode.NOT_LEADER_OR_FOLLOWER, null));
        continue;
      }
      const log = local.log;
      logs.push(log);
      const limit = Math.max(0, Math.min(p.partitionMaxBytes, bytesLeft));
      let aborted: { producerId: number; firstOffset: number }[] | null = null;
      if (log.readsRemote(p.fetchOffset)) {
        const entry: PartitionResponse = {
          ...errorPartition(p.partition, ErrorCode.NONE, readCommitted ? [] : null),
          highWatermark: log.highWatermark, lastStableOffset: log.lastStableOffset, logStartOffset: log.logStartOffset,
        };
        remote.push({ entry, log, fetchOffset: p.fetchOffset, limit, minOneBatch, committed: readCommitted });
        partitions.push(entry);
        minOneBatch = false;
        bytesLeft = Math.max(0, bytesLeft - limit);
        continue;
      }
      let read: { batches: Uint8Array[] } | "out-of-range";
      if (readCommitted) {
        const committed = log.readCommitted(p.fetchOffset, limit, minOneBatch);
        if (committed !== "out-of-range") aborted = committed.abortedTransactions.map((t) => ({ producerId: t.producerId, firstOffset: t.firstOffset }));
        read = committed;
      } else {
        read = log.read(p.fetchOffset, limit, minOneBatch);
      }
      if (read === "out-of-range") {
        hasError = true;
        partitions.push(errorPartition(p.partition, ErrorCode.OFFSET_OUT_OF_RANGE, null));
        continue;
      }
      if (read.batches.length > 0) reads.push({ log, batches: read.batches });
      const records = concat(read.batches);
      if (records.length > 0) minOneBatch = false;
      bytesLeft = Math.max(0, bytesLeft - records.length);
      bytes += records.length;
      partitions.push({
        partitionIndex: p.partition,
        errorCode: ErrorCode.NONE,
        highWatermark: log.highWatermark,
        lastStableOffset: log.lastStableOffset,
        logStartOffset: log.logStartOffset,
        divergingEpoch: { epoch: -1, endOffset: -1 },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1, epoch: -1 },
        abortedTransactions: aborted,
        preferredReadReplica: -1,
        records,
      });
    }
    responses.push({ topic: meta?.name ?? topic.topic, topicId: topic.topicId, partitions });
  }
  return {
    response: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] },
    bytes, hasError, logs, reads, remote,
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

/**
 * The batches as one view: storage hands out consecutive views of one mapping or read, which
 * join without copying; batches from different segments are copied together.
 */
function concat(batches: Uint8Array[]): Uint8Array {
  if (batches.length === 1) return batches[0]!;
  if (batches.length === 0) return NO_RECORDS;
  const first = batches[0]!;
  let end = first.byteOffset + first.length;
  let contiguous = true;
  for (let i = 1; i < batches.length && contiguous; i++) {
    const b = batches[i]!;
    contiguous = b.buffer === first.buffer && b.byteOffset === end;
    end += b.length;
  }
  if (contiguous) return new Uint8Array(first.buffer, first.byteOffset, end - first.byteOffset);
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

/**
 * Resolves true when any of `logs` announces an append (or is closed or deleted: the next round
 * then answers for it), false when `timeoutMs` passes first. Waiting never blocks the event
 * loop: other connections keep being served.
 */
function waitForAppend(logs: PartitionLog[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const unsubscribe: (() => void)[] = [];
    const finish = (appended: boolean) => {
      clearTimeout(timer);
      for (const u of unsubscribe) u();
      unsubscribe.length = 0;
      resolve(appended);
    };
    const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
    for (const log of logs) unsubscribe.push(log.onAppend(() => finish(true)));
  });
}
