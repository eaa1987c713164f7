// OffsetFetch (9), v1–v9 (Kafka 4 serves no v0), served by the group coordinator. v1–v7 ask for
// one group, v8+ for several (each answered with its own error code). A null topic list (v2+)
// asks for every committed offset of the group. As Kafka's coordinator does, a partition with
// no committed offset — of an unknown group, topic or partition alike — is answered offset -1,
// leader epoch -1, metadata "" and no error. Before v2 there is no top-level error code, so a
// group-level error goes to every partition (OffsetFetchResponse). With require_stable (v7+),
// a partition with a transactional offset still pending (its transaction has not ended) is
// answered UNSTABLE_OFFSET_COMMIT with offset -1, a partition-level error, as Kafka 4.3.1
// answers (the client retries); without it, the last committed offset. member_id/member_epoch
// (v9) belong to the KIP-848 protocol and are not checked for classic groups, as in Kafka.
// Not done: authorization.

import {
  OFFSET_FETCH, readOffsetFetchRequest, writeOffsetFetchResponse, type OffsetFetchRequest, type OffsetFetchResponse,
} from "../protocol/messages/offset-fetch.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";

registerApi<OffsetFetchRequest, OffsetFetchResponse>({
  spec: OFFSET_FETCH,
  readRequest: readOffsetFetchRequest,
  writeResponse: writeOffsetFetchResponse,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    const groups = coordinatorOf(ctx.broker);
    if (version >= 8) {
      return {
        throttleTimeMs: 0, topics: [], errorCode: 0,
        groups: request.groups.map((g) => groups.fetchOffsets(g.groupId, g.topics, request.requireStable)),
      };
    }
    const result = groups.fetchOffsets(request.groupId, request.topics, version >= 7 && request.requireStable);
    const groupError = result.errorCode;
    return {
      throttleTimeMs: 0,
      errorCode: groupError,
      groups: [],
      topics: result.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => version < 2 && groupError !== ErrorCode.NONE
          ? { partitionIndex: p.partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: groupError }
          : p),
      })),
    };
  },
});
