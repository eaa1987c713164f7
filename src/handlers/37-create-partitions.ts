// CreatePartitions (37), v0–v3. Follows Kafka 4's ControllerApis.createPartitions and
// ReplicationControlManager.createPartitions: a name given twice answers INVALID_REQUEST
// "Duplicate topic name." (those come first); an unknown topic UNKNOWN_TOPIC_OR_PARTITION (no
// message); a count equal to or below the current one INVALID_PARTITIONS; assignments must
// number exactly the new partitions, each a valid replica list for this broker with as many
// replicas as the topic's partitions have (else INVALID_REPLICA_ASSIGNMENT); without
// assignments the topic's replication factor must be placeable on this one broker
// (INVALID_REPLICATION_FACTOR). Each new partition is a PartitionRecord led by this broker
// (epoch 0); its log directory is created on first use. validate_only checks and writes nothing.
// More than 10,000 new partitions in one request: the topic that crosses the limit answers
// UNKNOWN_SERVER_ERROR, as Kafka's bounded record list makes it. A timeout <= 0 answers every
// topic REQUEST_TIMED_OUT. Authorization: ALTER on each topic, else TOPIC_AUTHORIZATION_FAILED
// (no message), answered after the duplicates and before the others. No quotas, no policy.

import {
  CREATE_PARTITIONS, readCreatePartitionsRequest, writeCreatePartitionsResponse,
  type CreatePartitionsRequest, type CreatePartitionsResponse,
  type CreatePartitionsRequestCreatePartitionsTopic as RequestTopic,
  type CreatePartitionsResponseCreatePartitionsTopicResult as TopicResult,
} from "../protocol/messages/create-partitions.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { AclOperation, ResourceType, authorizedNames } from "./authorization.ts";
import { registerApi, type BrokerContext } from "./registry.ts";
import { MAX_RECORDS_PER_USER_OP, replicaAssignmentProblem } from "./topic-creation.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { metadataStorageFailure } from "./topic-creation.ts";

registerApi<CreatePartitionsRequest, CreatePartitionsResponse>({
  spec: CREATE_PARTITIONS,
  readRequest: readCreatePartitionsRequest,
  writeResponse: writeCreatePartitionsResponse,
  handle(request, ctx) {
    if (request.timeoutMs <= 0) {
      return {
        throttleTimeMs: 0,
        results: request.topics.map((t) => ({ name: t.name, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: null })),
      };
    }
    const counts = new Map<string, number>();
    for (const t of request.topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: TopicResult[] = [];
    for (const [name, n] of counts) {
      if (n > 1) results.push({ name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: "Duplicate topic name." });
    }
    // ControllerApis.createPartitions: ALTER on each topic; the refused ones answer first.
    const alterable = authorizedNames(ctx, AclOperation.ALTER, ResourceType.TOPIC, [...counts].filter(([, n]) => n === 1).map(([name]) => name));
    for (const [name, n] of counts) {
      if (n === 1 && !alterable.has(name)) results.push({ name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: null });
    }
    let records = 0;
    for (const t of request.topics) {
      if (counts.get(t.name) !== 1 || !alterable.has(t.name)) continue;
      const outcome = addPartitions(ctx.broker, t, request.validateOnly, MAX_RECORDS_PER_USER_OP - records);
      if ("added" in outcome) {
        records += outcome.added;
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } else {
        results.push({ name: t.name, errorCode: outcome.errorCode, errorMessage: outcome.message });
      }
    }
    return { throttleTimeMs: 0, results };
  },
});

function addPartitions(
  broker: BrokerContext, t: RequestTopic, validateOnly: boolean, recordsLeft: number,
): { added: number } | { errorCode: number; message: string | null } {
  const metadata = broker.store.metadata;
  const topic = metadata.topicsByName.get(t.name);
  if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null };
  const current = topic.partitions.length;
  if (t.count === current) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, message: `Topic already has ${current} partition(s).` };
  }
  if (t.count < current) {
    return {
      errorCode: ErrorCode.INVALID_PARTITIONS,
      message: `The topic ${t.name} currently has ${current} partition(s); ${t.count} would not be an increase.`,
    };
  }
  const additional = t.count - current;
  if (t.assignments !== null && t.assignments.length !== additional) {
    return {
      errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
      message: `Attempted to add ${additional} additional partition(s), but only ${t.assignments.length} assignment(s) were specified.`,
    };
  }
  const replicationFactor = topic.partitions[0]?.replicas.length ?? 1;
  const nodeId = broker.config.nodeId;
  if (t.assignments !== null) {
    for (const a of t.assignments) {
      const problem = replicaAssignmentProblem(a.brokerIds, nodeId, replicationFactor);
      if (problem !== null) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: problem };
    }
  } else if (replicationFactor > 1) {
    return {
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      message: `Unable to replicate the partition ${replicationFactor} time(s): The target replication factor of ${replicationFactor} cannot be reached because only 1 broker(s) are registered or some brokers have all their log directories cordoned.`,
    };
  }
  if (additional > recordsLeft) return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, message: null };
  if (!validateOnly) {
    try {
      metadata.createPartitions(topic.topicId, t.count, { nodeId });
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      return metadataStorageFailure(e);
    }
  }
  return { added: additional };
}
