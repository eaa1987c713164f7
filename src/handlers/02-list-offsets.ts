// ListOffsets (2), v1–v8. Follows Kafka's Partition.fetchOffsetForTimestamp: EARLIEST (-2) → log
// start offset (remote segments included, with tiered storage); EARLIEST_LOCAL (-4, v8+) → the
// local log start offset (the same without tiered storage); LATEST (-1) → high watermark, or the last stable
// offset for read_committed (the first offset of the earliest open transaction), with the
// current leader epoch; for read_committed MAX_TIMESTAMP and timestamp lookups find only records
// below the LSO (Kafka's lastFetchableOffset);
// MAX_TIMESTAMP (-3, v7+) → the first record carrying the largest timestamp; a timestamp ≥ 0 →
// the first record whose timestamp is ≥ it (exact for uncompressed batches, the batch's first
// offset for compressed ones: storage never decompresses), or offset -1 when there is none.
// With tiered storage a timestamp lookup searches the remote segments first (the answer then waits
// for the bucket; a failure is the partition's UNKNOWN_SERVER_ERROR); MAX_TIMESTAMP looks at the
// local segments only.
// current_leader_epoch (v4+) is checked (FENCED_LEADER_EPOCH / UNKNOWN_LEADER_EPOCH).
// Unknown topic or partition → UNKNOWN_TOPIC_OR_PARTITION with -1s. An isolation level other
// than 0 and 1 fails every partition with UNKNOWN_SERVER_ERROR (Kafka's IsolationLevel.forId
// throws; ListOffsetsRequest.getErrorResponse).
// Authorization: DESCRIBE on each topic; the topics refused answer TOPIC_AUTHORIZATION_FAILED
// after the others, as KafkaApis appends them (partitionSeqByAuthorized).

import {
  LIST_OFFSETS, readListOffsetsRequest, writeListOffsetsResponse, type ListOffsetsRequest, type ListOffsetsResponse,
} from "../protocol/messages/list-offsets.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { RequestError, registerApi } from "./registry.ts";
import { localLeaderLog } from "./local-leader-log.ts";
import { AclOperation, ResourceType, authorizedNames } from "./authorization.ts";

type PartitionResponse = ListOffsetsResponse["topics"][number]["partitions"][number];
type ResolvedTopic = ListOffsetsResponse["topics"][number];

const LATEST = -1, EARLIEST = -2, MAX_TIMESTAMP = -3, EARLIEST_LOCAL = -4;
const READ_UNCOMMITTED = 0, READ_COMMITTED = 1;

registerApi<ListOffsetsRequest, ListOffsetsResponse>({
  spec: LIST_OFFSETS,
  readRequest: readListOffsetsRequest,
  writeResponse: writeListOffsetsResponse,
  handle(request, ctx) {
    const store = ctx.broker.store;
    const version = ctx.apiVersion;
    if (request.isolationLevel !== READ_UNCOMMITTED && request.isolationLevel !== READ_COMMITTED) {
      throw new RequestError(ErrorCode.UNKNOWN_SERVER_ERROR, `Unknown isolation level ${request.isolationLevel}`);
    }
    const describable = authorizedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const refused = request.topics.filter((t) => !describable.has(t.name)).map((t) => ({
      name: t.name, partitions: t.partitions.map((p) => failed(p.partitionIndex, ErrorCode.TOPIC_AUTHORIZATION_FAILED)),
    }));
    let remoteLookups = false;
    const topics = request.topics.filter((t) => describable.has(t.name)).map((t) => {
      const meta = store.metadata.topicsByName.get(t.name);
      return {
        name: t.name,
        partitions: t.partitions.map((p): PartitionResponse | Promise<PartitionResponse> => {
          const local = localLeaderLog(store, meta, p.partitionIndex, p.currentLeaderEpoch);
          if ("errorCode" in local) return failed(p.partitionIndex, local.errorCode);
          const { log, leaderEpoch } = local;
          const answer = (timestamp: number, offset: number, leaderEpoch: number): PartitionResponse =>
            ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, timestamp, offset, leaderEpoch });
          const lastFetchable = request.isolationLevel === READ_COMMITTED ? log.lastStableOffset : log.highWatermark;
          switch (p.timestamp) {
            case EARLIEST:
              return answer(-1, log.logStartOffset, log.epochForOffset(log.logStartOffset));
            case EARLIEST_LOCAL:
              // The first offset on the local disk (Kafka's localLogStartOffset; the log start offset without tiered storage).
              if (version < 8) break;
              return answer(-1, log.localLogStartOffset, log.epochForOffset(log.localLogStartOffset));
            case LATEST:
              return answer(-1, lastFetchable, leaderEpoch);
            case MAX_TIMESTAMP: {
              if (version < 7) break;
              const found = log.maxTimestampOffset();
              return found && found.offset < lastFetchable
                ? answer(found.timestamp, found.offset, log.epochForOffset(found.offset)) : answer(-1, -1, -1);
            }
          }
          if (p.timestamp < 0) return failed(p.partitionIndex, ErrorCode.UNSUPPORTED_VERSION);
          if (log.remoteTier !== null) {
            // Tiered storage: the remote segments are searched first (UnifiedLog.fetchOffsetByTimestamp).
            remoteLookups = true;
            return log.offsetForTimestampIncludingRemote(p.timestamp).then(
              (found) => found && found.offset < lastFetchable ? answer(found.timestamp, found.offset, log.epochForOffset(found.offset)) : answer(-1, -1, -1),
              // A RemoteStorageException is UNKNOWN_SERVER_ERROR for the partition.
              () => failed(p.partitionIndex, ErrorCode.UNKNOWN_SERVER_ERROR),
            );
          }
          const found = log.offsetForTimestamp(p.timestamp);
          return found && found.offset < lastFetchable
            ? answer(found.timestamp, found.offset, log.epochForOffset(found.offset)) : answer(-1, -1, -1);
        }),
      };
    });
    if (!remoteLookups) return { throttleTimeMs: 0, topics: [...topics as ResolvedTopic[], ...refused] };
    return Promise.all(topics.map(async (t) => ({ name: t.name, partitions: await Promise.all(t.partitions) })))
      .then((resolved) => ({ throttleTimeMs: 0, topics: [...resolved, ...refused] }));
  },
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => failed(p.partitionIndex, errorCode)) })),
  }),
});

function failed(partitionIndex: number, errorCode: number): PartitionResponse {
  return { partitionIndex, errorCode, timestamp: -1, offset: -1, leaderEpoch: -1 };
}
