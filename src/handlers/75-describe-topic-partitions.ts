// DescribeTopicPartitions (75), v0. Follows Kafka's DescribeTopicPartitionsRequestHandler and
// KRaftMetadataCache: topics sorted by name (all topics when none are named), the cursor's topic
// must be among the named ones and its partition index >= 0 (else INVALID_REQUEST for every
// topic asked for, Kafka's DescribeTopicPartitionsRequest.getErrorResponse), partitions counted against min(limit, 2000) with
// next_cursor set where the answer is cut; unknown names answer UNKNOWN_TOPIC_OR_PARTITION (or
// INVALID_TOPIC_EXCEPTION for an illegal name) with the zero topic id. Authorization
// (DescribeTopicPartitionsRequestHandler): topics without DESCRIBE are left out of an "all topics"
// answer and, asked by name, answer TOPIC_AUTHORIZATION_FAILED with the zero id after the others;
// each topic answered reports the topic operations the principal may do (all of them, 0x0df8,
// without an authorizer).

import {
  DESCRIBE_TOPIC_PARTITIONS, readDescribeTopicPartitionsRequest, writeDescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsRequest, type DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseDescribeTopicPartitionsResponseTopic as ResponseTopic,
  type DescribeTopicPartitionsResponseDescribeTopicPartitionsResponsePartition as ResponsePartition,
} from "../protocol/messages/describe-topic-partitions.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import { InvalidRequestError, registerApi } from "./registry.ts";
import { isInternalTopic, topicNameProblem } from "./topic-name.ts";
import { OPERATIONS_NOT_REQUESTED, authorizedOperations } from "./authorized-operations.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

const MAX_REQUEST_PARTITION_SIZE_LIMIT = 2000;

registerApi<DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse>({
  spec: DESCRIBE_TOPIC_PARTITIONS,
  readRequest: readDescribeTopicPartitionsRequest,
  writeResponse: writeDescribeTopicPartitionsResponse,
  handle(request, ctx) {
    const metadata = ctx.broker.store.metadata;
    const nodeId = ctx.broker.config.nodeId;
    const cursor = request.cursor;
    const cursorTopic = cursor?.topicName ?? "";
    const fetchAll = request.topics.length === 0;
    const names = new Set<string>();
    for (const name of fetchAll ? metadata.topicsByName.keys() : request.topics.map((t) => t.name)) {
      if (name >= cursorTopic) names.add(name);
    }
    if (cursor && !fetchAll && !names.has(cursor.topicName)) {
      throw new InvalidRequestError(`topic list should contain the cursor topic: ${cursor.topicName}`);
    }
    if (cursor && cursor.partitionIndex < 0) {
      throw new InvalidRequestError(`cursor partition must be valid: ${cursor.partitionIndex}`);
    }

    const refused: ResponseTopic[] = [];
    for (const name of [...names].sort()) {
      if (authorize(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name)) continue;
      names.delete(name);
      if (!fetchAll) refused.push({ ...topicEntry(ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, ZERO_UUID, []), isInternal: false });
    }
    const response: DescribeTopicPartitionsResponse = { throttleTimeMs: 0, topics: [], nextCursor: null };
    let remaining = Math.max(Math.min(MAX_REQUEST_PARTITION_SIZE_LIMIT, request.responsePartitionLimit), 1);
    for (const name of [...names].sort()) {
      if (remaining === 0) {
        response.nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      const topic = metadata.topicsByName.get(name);
      if (topic === undefined) {
        if (!fetchAll) {
          response.topics.push(topicEntry(
            topicNameProblem(name) === null ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.INVALID_TOPIC_EXCEPTION,
            name, ZERO_UUID, []));
        }
        continue;
      }
      const start = name === cursorTopic && cursor ? cursor.partitionIndex : 0;
      const upper = Math.min(topic.partitions.length, start + remaining);
      const partitions: ResponsePartition[] = [];
      for (let i = start; i < upper; i++) {
        const p = topic.partitions[i];
        if (p === undefined) continue;
        partitions.push({
          errorCode: ErrorCode.NONE,
          partitionIndex: p.partitionId,
          leaderId: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: p.replicas,
          isrNodes: p.isr,
          eligibleLeaderReplicas: p.eligibleLeaderReplicas ?? [],
          lastKnownElr: p.lastKnownElr ?? [],
          // A single-node cluster: any replica that is not this broker is offline.
          offlineReplicas: p.replicas.filter((id) => id !== nodeId),
        });
      }
      response.topics.push(topicEntry(ErrorCode.NONE, name, topic.topicId, partitions));
      if (upper < topic.partitions.length) {
        response.nextCursor = { topicName: name, partitionIndex: upper };
        break;
      }
      remaining -= partitions.length;
    }
    for (const t of response.topics) t.topicAuthorizedOperations = authorizedOperations(ctx, ResourceType.TOPIC, t.name ?? "");
    response.topics.push(...refused);
    return response;
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => ({
        errorCode, name: t.name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
      })),
      nextCursor: null,
    };
  },
});

function topicEntry(errorCode: number, name: string, topicId: string, partitions: ResponsePartition[]): ResponseTopic {
  return {
    errorCode, name, topicId, isInternal: isInternalTopic(name), partitions,
    topicAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
  };
}
