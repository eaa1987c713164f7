// DescribeTransactions (65), v0: a transactional id's state, producer, timeout, start time and
// partitions, from the transaction coordinator (Kafka's handleDescribeTransactions): an unknown
// (or expiring) id is TRANSACTIONAL_ID_NOT_FOUND, an empty one INVALID_REQUEST. Authorization
// (KafkaApis.handleDescribeTransactionsRequest): DESCRIBE on the transactional id, else
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED; only the partitions of topics the principal may DESCRIBE
// are listed.

import {
  DESCRIBE_TRANSACTIONS, readDescribeTransactionsRequest, writeDescribeTransactionsResponse,
  type DescribeTransactionsRequest, type DescribeTransactionsResponse,
} from "../protocol/messages/describe-transactions.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

registerApi<DescribeTransactionsRequest, DescribeTransactionsResponse>({
  spec: DESCRIBE_TRANSACTIONS,
  readRequest: readDescribeTransactionsRequest,
  writeResponse: writeDescribeTransactionsResponse,
  handle: describeTransactions,
});

export function describeTransactions(request: DescribeTransactionsRequest, ctx: RequestContext): DescribeTransactionsResponse {
  const coordinator = ctx.broker.transactions;
  return {
    throttleTimeMs: 0,
    transactionStates: request.transactionalIds.map((id) => {
      if (coordinator === undefined) {
        return {
          errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, transactionalId: id, transactionState: "", transactionTimeoutMs: 0,
          transactionStartTimeMs: 0, producerId: 0, producerEpoch: 0, topics: [],
        };
      }
      if (!authorize(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, id)) {
        return {
          errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, transactionalId: id, transactionState: "", transactionTimeoutMs: 0,
          transactionStartTimeMs: 0, producerId: 0, producerEpoch: 0, topics: [],
        };
      }
      const d = coordinator.describe(id);
      return {
        errorCode: d.errorCode, transactionalId: id, transactionState: d.state, transactionTimeoutMs: d.timeoutMs,
        transactionStartTimeMs: d.startTimeMs, producerId: d.producerId, producerEpoch: d.producerEpoch,
        topics: [...d.partitions].filter(([topic]) => authorize(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic))
          .map(([topic, ps]) => ({ topic, partitions: [...ps] })),
      };
    }),
  };
}
