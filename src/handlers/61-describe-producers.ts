// DescribeProducers (61), v0: the producers a partition's producer state holds
// (PartitionLog.describeProducers, Kafka's UnifiedLog.activeProducers): id, epoch, last sequence
// and timestamp, the coordinator epoch of its last marker, and the first offset of its open
// transaction (-1 when none). What
// `kafka-transactions describe-producers` and `--abort` read. An invalid topic name is
// INVALID_TOPIC_EXCEPTION and an unknown topic UNKNOWN_TOPIC_OR_PARTITION with Kafka's message
// (ApiError); an unknown partition of a known topic has no message. Authorization
// (KafkaApis.handleDescribeProducersRequest): READ on the topic, checked after the name's
// validity and before its existence, else TOPIC_AUTHORIZATION_FAILED "Topic authorization failed.".

import {
  DESCRIBE_PRODUCERS, readDescribeProducersRequest, writeDescribeProducersResponse,
  type DescribeProducersRequest, type DescribeProducersResponse,
} from "../protocol/messages/describe-producers.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AUTHORIZATION_FAILED_MESSAGES, AclOperation, ResourceType, authorize } from "./authorization.ts";
import { topicNameProblem } from "./topic-name.ts";

type PartitionResponse = DescribeProducersResponse["topics"][number]["partitions"][number];

const UNKNOWN_MESSAGE = "This server does not host this topic-partition.";

registerApi<DescribeProducersRequest, DescribeProducersResponse>({
  spec: DESCRIBE_PRODUCERS,
  readRequest: readDescribeProducersRequest,
  writeResponse: writeDescribeProducersResponse,
  handle: describeProducers,
});

export function describeProducers(request: DescribeProducersRequest, ctx: RequestContext): DescribeProducersResponse {
  const metadata = ctx.broker.store.metadata;
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => {
      const problem = topicNameProblem(t.name);
      const topicError: { code: number; message: string } | null = problem !== null
        ? { code: ErrorCode.INVALID_TOPIC_EXCEPTION, message: problem }
        : !authorize(ctx, AclOperation.READ, ResourceType.TOPIC, t.name)
          ? { code: ErrorCode.TOPIC_AUTHORIZATION_FAILED, message: AUTHORIZATION_FAILED_MESSAGES[ErrorCode.TOPIC_AUTHORIZATION_FAILED]! }
        : metadata.topicsByName.has(t.name) ? null : { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: UNKNOWN_MESSAGE };
      return {
        name: t.name,
        partitions: t.partitionIndexes.map((p): PartitionResponse => {
          if (topicError !== null) return { partitionIndex: p, errorCode: topicError.code, errorMessage: topicError.message, activeProducers: [] };
          const log = ctx.broker.store.partition(t.name, p);
          if (log === undefined) return { partitionIndex: p, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null, activeProducers: [] };
          return { partitionIndex: p, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: log.describeProducers() };
        }),
      };
    }),
  };
}

