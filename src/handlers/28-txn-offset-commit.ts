// TxnOffsetCommit (28), v0–v5: a transactional producer's offset commit for a consumer group
// (Kafka's KafkaApis.handleTxnOffsetCommitRequest + the group coordinator's
// commitTransactionalOffset). As KafkaApis does, partitions of unknown topics (or beyond a
// topic's partition count) are answered UNKNOWN_TOPIC_OR_PARTITION without reaching the
// coordinator, and a request left with none is answered at once. The coordinator answers an
// empty group id INVALID_GROUP_ID, asks the transaction coordinator whether the transaction may
// write to the group's __consumer_offsets partition (v0–v4: AddOffsetsToTxn must have added it,
// else INVALID_TXN_STATE; v5: added implicitly, transaction version 2), checks membership from
// v3 (KIP-447: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID, FENCED_INSTANCE_ID; not the group's state,
// so a rebalance does not hold it back), refuses metadata longer than offset.metadata.max.bytes
// (OFFSET_METADATA_TOO_LARGE), and appends the offsets as one transactional batch, answered
// once on disk; they become visible when the transaction commits. Before v2 Kafka turns
// COORDINATOR_LOAD_IN_PROGRESS into COORDINATOR_NOT_AVAILABLE; this broker never answers it.
// Authorization (KafkaApis.handleTxnOffsetCommitRequest): WRITE on the transactional id, else
// every partition answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED; READ on the group, else
// GROUP_AUTHORIZATION_FAILED; READ on each topic, else its partitions answer
// TOPIC_AUTHORIZATION_FAILED (before the topic's existence is looked at).

import {
  TXN_OFFSET_COMMIT, readTxnOffsetCommitRequest, writeTxnOffsetCommitResponse,
  type TxnOffsetCommitRequest, type TxnOffsetCommitResponse,
} from "../protocol/messages/txn-offset-commit.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { RequestError, registerApi } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";
import { TopicResponses } from "./topic-responses.ts";

type TopicRequest = TxnOffsetCommitRequest["topics"][number];
type PartitionResponse = TxnOffsetCommitResponse["topics"][number]["partitions"][number];

registerApi<TxnOffsetCommitRequest, TxnOffsetCommitResponse>({
  spec: TXN_OFFSET_COMMIT,
  readRequest: readTxnOffsetCommitRequest,
  writeResponse: writeTxnOffsetCommitResponse,
  // Kafka's TxnOffsetCommitRequest.getErrorResponse: every partition gets the error.
  errorResponse: (request, errorCode) => ({
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })) })),
  }),
  handle(request, ctx) {
    const version = ctx.apiVersion;
    const metadata = ctx.broker.store.metadata;
    // Kafka's TxnOffsetCommitResponse.Builder: partitions refused here first, by topic in
    // request order, then the coordinator's answers merged into the same topics (or appended).
    if (!authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
      throw new RequestError(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, `WRITE on transactional id ${request.transactionalId} is not authorized`);
    }
    if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) {
      throw new RequestError(ErrorCode.GROUP_AUTHORIZATION_FAILED, `READ on group ${request.groupId} is not authorized`);
    }
    const readable = authorizedNames(ctx, AclOperation.READ, ResourceType.TOPIC, request.topics.map((t) => t.name));
    const response = new TopicResponses<PartitionResponse>();
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
    if (valid.length === 0) return { throttleTimeMs: 0, topics: response.topics };
    // The request's strings are copies (the coordinator may keep them past this call).
    return coordinatorOf(ctx.broker).commitTransactionalOffsets({
      transactionalId: request.transactionalId,
      groupId: request.groupId,
      producerId: request.producerId,
      producerEpoch: request.producerEpoch,
      generationId: version >= 3 ? request.generationId : -1,
      memberId: version >= 3 ? request.memberId : "",
      groupInstanceId: version >= 3 ? request.groupInstanceId : null,
      topics: valid.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({
          partitionIndex: p.partitionIndex, committedOffset: p.committedOffset,
          committedLeaderEpoch: version >= 2 ? p.committedLeaderEpoch : -1, committedMetadata: p.committedMetadata,
        })),
      })),
      apiVersion: version,
    }).then((results) => {
      for (const r of results) response.add(r.name, r.partitions);
      return { throttleTimeMs: 0, topics: response.topics };
    });
  },
});
