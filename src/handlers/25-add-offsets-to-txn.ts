// AddOffsetsToTxn (25), v0–v4: the group's __consumer_offsets partition (Kafka's
// groupCoordinator.partitionFor) joins the transaction, so that the transaction's offset
// commits (TxnOffsetCommit) are completed by its markers. Errors are the transaction
// coordinator's (as AddPartitionsToTxn); PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.
// v4 is sent by clients using transaction version 2 (KIP-890), whose transaction then bumps its
// epoch at EndTxn. Authorization (KafkaApis.handleAddOffsetsToTxnRequest): WRITE on the
// transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), then READ on the group (else
// GROUP_AUTHORIZATION_FAILED).

import {
  ADD_OFFSETS_TO_TXN, readAddOffsetsToTxnRequest, writeAddOffsetsToTxnResponse,
  type AddOffsetsToTxnRequest, type AddOffsetsToTxnResponse,
} from "../protocol/messages/add-offsets-to-txn.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<AddOffsetsToTxnRequest, AddOffsetsToTxnResponse>({
  spec: ADD_OFFSETS_TO_TXN,
  readRequest: readAddOffsetsToTxnRequest,
  writeResponse: writeAddOffsetsToTxnResponse,
  handle: addOffsetsToTxn,
  errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode }),
});

export async function addOffsetsToTxn(request: AddOffsetsToTxnRequest, ctx: RequestContext): Promise<AddOffsetsToTxnResponse> {
  if (!authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
  }
  if (!authorize(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
  const coordinator = ctx.broker.transactions;
  if (coordinator === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  // The offsets topic must exist for its partition to take a marker.
  ctx.broker.groups?.ensureOffsetsTopic();
  let errorCode = await coordinator.addOffsets(request.transactionalId, request.producerId, request.producerEpoch, request.groupId,
    ctx.apiVersion >= 4 ? 2 : 0);
  if (ctx.apiVersion < 2 && errorCode === ErrorCode.PRODUCER_FENCED) errorCode = ErrorCode.INVALID_PRODUCER_EPOCH;
  return { throttleTimeMs: 0, errorCode };
}
