// ListTransactions (66), v0–v2: the coordinator's transactional ids with their producer id and
// state (Kafka's TransactionStateManager.listTransactionStates): filters by state (unknown state
// names are echoed in unknown_state_filters and then nothing matches them), producer id, v1's
// duration (running longer than; Kafka measures from the start time of any state), v2's
// transactional id pattern (a full match; INVALID_REGULAR_EXPRESSION when it does not compile,
// JavaScript's syntax standing in for Java's). Authorization (KafkaApis.handleListTransactionsRequest):
// only the transactional ids the principal may DESCRIBE are listed.

import {
  LIST_TRANSACTIONS, readListTransactionsRequest, writeListTransactionsResponse,
  type ListTransactionsRequest, type ListTransactionsResponse,
} from "../protocol/messages/list-transactions.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<ListTransactionsRequest, ListTransactionsResponse>({
  spec: LIST_TRANSACTIONS,
  readRequest: readListTransactionsRequest,
  writeResponse: writeListTransactionsResponse,
  handle: listTransactions,
});

export function listTransactions(request: ListTransactionsRequest, ctx: RequestContext): ListTransactionsResponse {
  const coordinator = ctx.broker.transactions;
  if (coordinator === undefined) {
    return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactionStates: [] };
  }
  const r = coordinator.list({
    states: request.stateFilters, producerIds: request.producerIdFilters,
    durationMs: ctx.apiVersion >= 1 ? request.durationFilter : -1,
    transactionalIdPattern: ctx.apiVersion >= 2 ? request.transactionalIdPattern : null,
  });
  return {
    throttleTimeMs: 0, errorCode: r.errorCode, unknownStateFilters: r.unknownStates,
    transactionStates: r.transactions.filter((t) => authorize(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId)).map((t) => ({ transactionalId: t.transactionalId, producerId: t.producerId, transactionState: t.state })),
  };
}
