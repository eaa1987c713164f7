// EndTxn (26), v0–v5: commit or abort the transaction (transactions/transaction-coordinator.ts).
// Answered once PrepareCommit / PrepareAbort is durable in __transaction_state, as Kafka does;
// the markers are written after. v5 means the client uses transaction version 2 (KIP-890): the
// epoch is bumped by every end, and the response carries the producer id and the new epoch.
// PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2, as in Kafka. Authorization
// (KafkaApis.handleEndTxnRequest): WRITE on the transactional id, else TRANSACTIONAL_ID_AUTHORIZATION_FAILED.

import {
  END_TXN, readEndTxnRequest, writeEndTxnResponse, type EndTxnRequest, type EndTxnResponse,
} from "../protocol/messages/end-txn.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<EndTxnRequest, EndTxnResponse>({
  spec: END_TXN,
  readRequest: readEndTxnRequest,
  writeResponse: writeEndTxnResponse,
  handle: endTxn,
  errorResponse: (_request, errorCode) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 }),
});

export async function endTxn(request: EndTxnRequest, ctx: RequestContext): Promise<EndTxnResponse> {
  if (!authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId)) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, producerId: -1, producerEpoch: -1 };
  }
  const coordinator = ctx.broker.transactions;
  if (coordinator === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 };
  // KafkaApis: v5+ is a client using transaction version 2.
  const clientTransactionVersion = ctx.apiVersion >= 5 ? 2 : 0;
  const r = await coordinator.handleEndTransaction(request.transactionalId, request.producerId, request.producerEpoch, request.committed,
    clientTransactionVersion);
  const errorCode = ctx.apiVersion < 2 && r.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode;
  return { throttleTimeMs: 0, errorCode, producerId: r.producerId, producerEpoch: r.producerEpoch };
}
