// ListPartitionReassignments (46), v0. Follows Kafka's ControllerApis
// .handleListPartitionReassignments (DESCRIBE on the cluster, else CLUSTER_AUTHORIZATION_FAILED
// for the request, ListPartitionReassignmentsRequest.getErrorResponse) and
// ReplicationControlManager.listPartitionReassignments: only partitions being reassigned are
// listed, unknown topics are left out, and on a cluster of one nothing is ever being reassigned,
// so the answer is an empty list (as Kafka 4.3.1's single node answers, compared side by side).

import {
  LIST_PARTITION_REASSIGNMENTS, readListPartitionReassignmentsRequest, writeListPartitionReassignmentsResponse,
  type ListPartitionReassignmentsRequest, type ListPartitionReassignmentsResponse,
} from "../protocol/messages/list-partition-reassignments.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi } from "./registry.ts";
import { AclOperation, authorizeCluster } from "./authorization.ts";

registerApi<ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse>({
  spec: LIST_PARTITION_REASSIGNMENTS,
  readRequest: readListPartitionReassignmentsRequest,
  writeResponse: writeListPartitionReassignmentsResponse,
  handle(_request, ctx) {
    authorizeCluster(ctx, AclOperation.DESCRIBE);
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, topics: [] };
  },
  errorResponse(request, errorCode, message) {
    return {
      throttleTimeMs: 0,
      errorCode,
      errorMessage: message,
      topics: (request.topics ?? []).map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, replicas: [], addingReplicas: [], removingReplicas: [] })),
      })),
    };
  },
});
