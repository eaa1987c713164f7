// WriteTxnMarkers (27), v1–v2: write transaction markers to partitions of this node. Kafka's
// coordinators send it to partition leaders; here the transaction coordinator writes its markers
// directly, and this API serves the admin tools (`kafka-transactions --abort` writes an ABORT
// marker for a hanging transaction). Each marker goes through the coordinator's marker path
// (TransactionCoordinator.writeMarker → PartitionLog.appendTransactionMarker, or the group
// coordinator for __consumer_offsets), answered per producer and partition once durable (Kafka's
// KafkaApis.handleWriteTxnMarkersRequest: UNKNOWN_TOPIC_OR_PARTITION for a partition it does not
// have; the partition's own refusal, INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED;
// v2's transaction_version 2 makes the partition check that the marker's epoch is new).
// Authorization (KafkaApis.handleWriteTxnMarkersRequest): ALTER on the cluster, else
// CLUSTER_ACTION on it, else every partition answers CLUSTER_AUTHORIZATION_FAILED
// (WriteTxnMarkersRequest.getErrorResponse).

import {
  WRITE_TXN_MARKERS, readWriteTxnMarkersRequest, writeWriteTxnMarkersResponse,
  type WriteTxnMarkersRequest, type WriteTxnMarkersResponse,
} from "../protocol/messages/write-txn-markers.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizeCluster } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";

registerApi<WriteTxnMarkersRequest, WriteTxnMarkersResponse>({
  spec: WRITE_TXN_MARKERS,
  readRequest: readWriteTxnMarkersRequest,
  writeResponse: writeWriteTxnMarkersResponse,
  handle: writeTxnMarkers,
  errorResponse: (request, errorCode) => ({
    markers: request.markers.map((m) => ({
      producerId: m.producerId,
      topics: m.topics.map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((partitionIndex) => ({ partitionIndex, errorCode })) })),
    })),
  }),
});

export async function writeTxnMarkers(request: WriteTxnMarkersRequest, ctx: RequestContext): Promise<WriteTxnMarkersResponse> {
  if (!authorize(ctx, AclOperation.ALTER, ResourceType.CLUSTER, CLUSTER_NAME, false)) authorizeCluster(ctx, AclOperation.CLUSTER_ACTION);
  const coordinator = ctx.broker.transactions;
  const markers = await Promise.all(request.markers.map(async (m) => {
    const marker = { producerId: m.producerId, producerEpoch: m.producerEpoch, coordinatorEpoch: m.coordinatorEpoch, commit: m.transactionResult };
    const topics = await Promise.all(m.topics.map(async (t) => ({
      name: t.name,
      partitions: await Promise.all(t.partitionIndexes.map(async (p) => ({
        partitionIndex: p,
        errorCode: coordinator === undefined ? ErrorCode.COORDINATOR_NOT_AVAILABLE
          : await coordinator.writeMarker(t.name, p, marker, ctx.apiVersion >= 2 ? m.transactionVersion : 0),
      }))),
    })));
    return { producerId: m.producerId, topics };
  }));
  return { markers };
}
