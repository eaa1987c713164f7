// AlterPartitionReassignments (45), v0–v1. Follows Kafka's ControllerApis
// .handleAlterPartitionReassignments (ALTER on the cluster, else the whole request answers
// CLUSTER_AUTHORIZATION_FAILED, AlterPartitionReassignmentsRequest.getErrorResponse) and
// ReplicationControlManager.alterPartitionReassignment(s), on a cluster of one: every partition's
// replicas are this node, nothing is ever being reassigned. Per partition, with Kafka's messages
// (compared side by side with Kafka 4.3.1's single node): an unknown topic or partition →
// UNKNOWN_TOPIC_OR_PARTITION; null replicas (cancel) → NO_REASSIGNMENT_IN_PROGRESS; an empty
// list, a broker other than this one, or one twice → INVALID_REPLICA_ASSIGNMENT; this node alone
// → no change, no error. allow_replication_factor_change (v1, KIP-860) can never matter here: the
// only valid target has the current replication factor. Moving data between brokers is Apache
// Kafka's job (README, When you outgrow one node), not a home-made one here.

import {
  ALTER_PARTITION_REASSIGNMENTS, readAlterPartitionReassignmentsRequest, writeAlterPartitionReassignmentsResponse,
  type AlterPartitionReassignmentsRequest, type AlterPartitionReassignmentsRequestReassignablePartition,
  type AlterPartitionReassignmentsResponse,
} from "../protocol/messages/alter-partition-reassignments.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type BrokerContext } from "./registry.ts";
import { AclOperation, authorizeCluster } from "./authorization.ts";

registerApi<AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse>({
  spec: ALTER_PARTITION_REASSIGNMENTS,
  readRequest: readAlterPartitionReassignmentsRequest,
  writeResponse: writeAlterPartitionReassignmentsResponse,
  handle(request, ctx) {
    authorizeCluster(ctx, AclOperation.ALTER);
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: request.allowReplicationFactorChange,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      responses: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const refusal = reassignmentRefusal(ctx.broker, t.name, p);
          return { partitionIndex: p.partitionIndex, errorCode: refusal?.errorCode ?? ErrorCode.NONE, errorMessage: refusal?.message ?? null };
        }),
      })),
    };
  },
  errorResponse(request, errorCode, message) {
    return {
      throttleTimeMs: 0,
      allowReplicationFactorChange: request.allowReplicationFactorChange,
      errorCode,
      errorMessage: message,
      responses: request.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode, errorMessage: message })),
      })),
    };
  },
});

/** ReplicationControlManager.alterPartitionReassignment on one node: why the change is refused, or null (a no-op). */
function reassignmentRefusal(
  broker: BrokerContext, topicName: string, target: AlterPartitionReassignmentsRequestReassignablePartition,
): { errorCode: number; message: string } | null {
  const topic = broker.store.metadata.topicsByName.get(topicName);
  if (topic === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Unable to find a topic named ${topicName}.` };
  }
  if (topic.partitions[target.partitionIndex] === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: `Unable to find partition ${topicName}:${target.partitionIndex}.` };
  }
  if (target.replicas === null) {
    return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, message: "No partition reassignment is in progress." };
  }
  // validateManualPartitionAssignment: the broker ids in ascending order.
  if (target.replicas.length === 0) {
    return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: "The manual partition assignment includes an empty replica list." };
  }
  const sorted = [...target.replicas].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] !== broker.config.nodeId) {
      return {
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        message: `The manual partition assignment includes broker ${sorted[i]}, but no such broker is registered.`,
      };
    }
    if (i > 0 && sorted[i] === sorted[i - 1]) {
      return {
        errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        message: `The manual partition assignment includes the broker ${sorted[i]} more than once.`,
      };
    }
  }
  return null;
}
