// OffsetCommit (8), v2–v9 (Kafka 4 serves no v0/v1), served by the group coordinator: the
// offsets, leader epochs (v6+) and metadata are appended to the group's __consumer_offsets
// partition as one batch before the answer. As KafkaApis does, partitions of unknown topics (or
// beyond a topic's partition count) are answered UNKNOWN_TOPIC_OR_PARTITION without reaching the
// coordinator. Group checks as Kafka's ClassicGroup.validateOffsetCommit: ILLEGAL_GENERATION,
// UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID (v7+ group.instance.id), REBALANCE_IN_PROGRESS while the
// group awaits its assignment; generation -1 with no member id commits "standalone" to a group
// without members (creating it when needed). A commit to an unknown group with a generation is
// ILLEGAL_GENERATION before v9, GROUP_ID_NOT_FOUND from v9. retention_time_ms (v2–v4) other than
// -1 gives the offsets an expiry time of their own (OffsetCommitValue v1). Metadata longer than
// offset.metadata.max.bytes is OFFSET_METADATA_TOO_LARGE.
// Authorization (KafkaApis.handleOffsetCommitRequest): READ on the group, else every partition
// answers GROUP_AUTHORIZATION_FAILED; READ on each topic, else its partitions answer
// TOPIC_AUTHORIZATION_FAILED (before the topic's existence is looked at).

import {
  OFFSET_COMMIT, readOffsetCommitRequest, writeOffsetCommitResponse, type OffsetCommitRequest, type OffsetCommitResponse,
} from "../protocol/messages/offset-commit.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";
import { TopicResponses } from "./topic-responses.ts";

type TopicRequest = OffsetCommitRequest["topics"][number];
type PartitionResponse = OffsetCommitResponse["topics"][number]["partitions"][number];

registerApi<OffsetCommitRequest, OffsetCommitResponse>({
  spec: OFFSET_COMMIT,
  readRequest: readOffsetCommitRequest,
  writeResponse: writeOffsetCommitResponse,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    const metadata = ctx.broker.store.metadata;
    // Kafka's OffsetCommitResponse.Builder: partitions refused here first, by topic in request
    // order, then the coordinator's answers merged into the same topics (or appended).
    const response = new TopicResponses<PartitionResponse>();
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
      for (const t of request.topics) {
        response.add(t.name, t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED })));
      }
      return { throttleTimeMs: 0, topics: response.topics };
    }
    const readable = authorizedNames(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const valid: TopicRequest[] = [];
    for (const t of request.topics) {
      if (!readable.has(t.name)) {
        response.add(t.name, t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })));
        continue;
      }
      const meta = metadata.topicsByName.get(t.name);
      const known = t.partitions.filter((p) => meta?.partitions.some((x) => x.partitionId === p.partitionIndex));
      for (const p of t.partitions) {
        if (!known.includes(p)) response.add(t.name, [{ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }]);
      }
      if (known.length > 0) valid.push({ ...t, partitions: known });
    }
    if (valid.length > 0) {
      const results = coordinatorOf(ctx.broker).commitOffsets({
        groupId: request.groupId,
        generationId: request.generationIdOrMemberEpoch,
        memberId: request.memberId,
        groupInstanceId: version >= 7 ? request.groupInstanceId : null,
        retentionTimeMs: version <= 4 ? request.retentionTimeMs : -1,
        topics: valid.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex, committedOffset: p.committedOffset,
            committedLeaderEpoch: version >= 6 ? p.committedLeaderEpoch : -1, committedMetadata: p.committedMetadata,
          })),
        })),
        apiVersion: version,
      });
      for (const r of results) response.add(r.name, r.partitions);
      // Answered once the commit is on disk (bunka.fsync.before.ack); a failed flush is a
      // storage error, which Kafka's coordinator answers with NOT_COORDINATOR.
      const wait = coordinatorOf(ctx.broker).whenDurable(request.groupId);
      if (wait !== null) {
        return wait.then(() => ({ throttleTimeMs: 0, topics: response.topics }), () => ({
          throttleTimeMs: 0,
          topics: response.topics.map((t) => ({
            ...t, partitions: t.partitions.map((p) => ({ ...p, errorCode: p.errorCode === ErrorCode.NONE ? ErrorCode.NOT_COORDINATOR : p.errorCode })),
          })),
        }));
      }
    }
    return { throttleTimeMs: 0, topics: response.topics };
  },
});
