// OffsetDelete (47), v0, served by the group coordinator: deletes a group's committed offsets of
// topics the group does not consume. Partitions of unknown topics are UNKNOWN_TOPIC_OR_PARTITION
// (KafkaApis checks them first); a topic the group subscribes to (consumer protocol) is
// GROUP_SUBSCRIBED_TO_TOPIC; a group with members that does not use the consumer protocol is
// NON_EMPTY_GROUP; an unknown group GROUP_ID_NOT_FOUND; "" INVALID_GROUP_ID. A top-level error
// answers no topics (OffsetDeleteResponse.Builder.merge). Authorization (KafkaApis.handleOffsetDeleteRequest):
// DELETE on the group, else GROUP_AUTHORIZATION_FAILED; READ on each topic, else its partitions
// answer TOPIC_AUTHORIZATION_FAILED.

import {
  OFFSET_DELETE, readOffsetDeleteRequest, writeOffsetDeleteResponse, type OffsetDeleteRequest, type OffsetDeleteResponse,
} from "../protocol/messages/offset-delete.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";

registerApi<OffsetDeleteRequest, OffsetDeleteResponse>({
  spec: OFFSET_DELETE,
  readRequest: readOffsetDeleteRequest,
  writeResponse: writeOffsetDeleteResponse,
  handle(request, ctx) {
    if (!authorize(ctx, AclOperation.DELETE, ResourceType.GROUP, request.groupId)) {
      return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    }
    const readable = authorizedNames(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const metadata = ctx.broker.store.metadata;
    const unknown: OffsetDeleteResponse["topics"] = [];
    const valid: { name: string; partitions: number[] }[] = [];
    for (const t of request.topics) {
      if (!readable.has(t.name)) {
        unknown.push({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })) });
        continue;
      }
      const meta = metadata.topicsByName.get(t.name);
      const known = t.partitions.filter((p) => meta?.partitions.some((x) => x.partitionId === p.partitionIndex)).map((p) => p.partitionIndex);
      const missing = t.partitions.filter((p) => !known.includes(p.partitionIndex));
      if (missing.length > 0) {
        unknown.push({ name: t.name, partitions: missing.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION })) });
      }
      if (known.length > 0) valid.push({ name: t.name, partitions: known });
    }
    const result = coordinatorOf(ctx.broker).deleteOffsets(request.groupId, valid);
    if (result.errorCode !== ErrorCode.NONE) return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [] };
    const topics = [...unknown];
    for (const t of result.topics) {
      const existing = topics.find((x) => x.name === t.name);
      if (existing) existing.partitions.push(...t.partitions);
      else topics.push(t);
    }
    return { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics };
  },
});
