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
// Authorization (KafkaApis.handleOffsetFetchRequest): DESCRIBE on the group, else the group
// answers GROUP_AUTHORIZATION_FAILED; offsets of topics without DESCRIBE are left out of an
// "all offsets" answer, and asked by name answer TOPIC_AUTHORIZATION_FAILED (offset -1) after the
// others.

import {
  OFFSET_FETCH, readOffsetFetchRequest, writeOffsetFetchResponse, type OffsetFetchRequest, type OffsetFetchResponse,
} from "../protocol/messages/offset-fetch.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { coordinatorOf, type OffsetFetchResult } from "../groups/group-coordinator.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";

registerApi<OffsetFetchRequest, OffsetFetchResponse>({
  spec: OFFSET_FETCH,
  readRequest: readOffsetFetchRequest,
  writeResponse: writeOffsetFetchResponse,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    if (version >= 8) {
      return {
        throttleTimeMs: 0, topics: [], errorCode: 0,
        groups: request.groups.map((g) => fetchGroupOffsets(ctx, g.groupId, g.topics, request.requireStable)),
      };
    }
    const result = fetchGroupOffsets(ctx, request.groupId, request.topics, version >= 7 && request.requireStable);
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

/** One group's offsets, as far as the principal may see them (KafkaApis.fetchOffsetsForGroup / fetchAllOffsetsForGroup). */
function fetchGroupOffsets(
  ctx: RequestContext, groupId: string, topics: { name: string; partitionIndexes: number[] }[] | null, requireStable: boolean,
): OffsetFetchResult {
  if (!authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) {
    return { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
  }
  const coordinator = coordinatorOf(ctx.broker);
  if (topics === null) {
    const all = coordinator.fetchOffsets(groupId, null, requireStable);
    if (all.errorCode !== ErrorCode.NONE) return all;
    const allowed = authorizedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, all.topics.map((t) => t.name));
    return { ...all, topics: all.topics.filter((t) => allowed.has(t.name)) };
  }
  const allowed = authorizedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topics.map((t) => t.name));
  const result = coordinator.fetchOffsets(groupId, topics.filter((t) => allowed.has(t.name)), requireStable);
  if (result.errorCode !== ErrorCode.NONE) return result;
  const refused = topics.filter((t) => !allowed.has(t.name)).map((t) => ({
    name: t.name,
    partitions: t.partitionIndexes.map((partitionIndex) => ({
      partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
    })),
  }));
  return { ...result, topics: [...result.topics, ...refused] };
}
