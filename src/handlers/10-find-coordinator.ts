// FindCoordinator (10), v0–v6. This broker is the coordinator of every group and every
// transactional id: key types 0 (group; v0 has no key type) and 1 (transaction) are answered
// with this node and the advertised endpoint of the listener the request came in on. As Kafka
// does, the first lookup creates the internal topic (__consumer_offsets with
// offsets.topic.num.partitions, __transaction_state with transaction.state.log.num.partitions,
// both compacted); Kafka answers COORDINATOR_NOT_AVAILABLE until the new topic is loaded, Bunka
// creates it synchronously and answers at once. A transaction key without a transaction
// coordinator (unit tests of other handlers) is COORDINATOR_NOT_AVAILABLE.
// Other key types (share, 2) INVALID_REQUEST. v0–v3 take one `key` and answer in the top-level fields, with
// error_message "NONE" on success (Kafka's Errors.NONE.message()); v4+ take `coordinator_keys`
// and answer one entry per key, error_message "" (the field's default: Kafka never sets it).
// An error answers node -1, host "", port -1.
// Authorization (KafkaApis.getCoordinator): DESCRIBE on the group (else GROUP_AUTHORIZATION_FAILED)
// or on the transactional id (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED), before anything else.

import {
  FIND_COORDINATOR, readFindCoordinatorRequest, writeFindCoordinatorResponse,
  type FindCoordinatorRequest, type FindCoordinatorResponse,
} from "../protocol/messages/find-coordinator.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { coordinatorOf } from "../groups/group-coordinator.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { advertisedEndpoint } from "./broker-endpoint.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

const GROUP = 0, TRANSACTION = 1;

const MESSAGES: Record<number, string> = {
  [ErrorCode.NONE]: "NONE",
  [ErrorCode.COORDINATOR_NOT_AVAILABLE]: "The coordinator is not available.",
  [ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]: "Transactional Id authorization failed.",
  [ErrorCode.GROUP_AUTHORIZATION_FAILED]: "Group authorization failed.",
  [ErrorCode.INVALID_REQUEST]: "This most likely occurs because of a request being malformed by the client library or the message was sent to an incompatible broker. See the broker logs for more details.",
};

interface Found {
  errorCode: number;
  nodeId: number;
  host: string;
  port: number;
}

registerApi<FindCoordinatorRequest, FindCoordinatorResponse>({
  spec: FIND_COORDINATOR,
  readRequest: readFindCoordinatorRequest,
  writeResponse: writeFindCoordinatorResponse,
  handle(request, ctx) {
    if (ctx.apiVersion < 4) {
      const found = findCoordinator(ctx, request.keyType, request.key);
      return {
        throttleTimeMs: 0, errorCode: found.errorCode, errorMessage: MESSAGES[found.errorCode] ?? null,
        nodeId: found.nodeId, host: found.host, port: found.port, coordinators: [],
      };
    }
    return {
      throttleTimeMs: 0, errorCode: 0, errorMessage: null, nodeId: 0, host: "", port: 0,
      coordinators: request.coordinatorKeys.map((key) => {
        const found = findCoordinator(ctx, request.keyType, key);
        return { key, ...found, errorMessage: "" };
      }),
    };
  },
});

function findCoordinator(ctx: RequestContext, keyType: number, key: string): Found {
  const noNode = { nodeId: -1, host: "", port: -1 };
  if (keyType === GROUP && !authorize(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, key)) {
    return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, ...noNode };
  }
  if (keyType === TRANSACTION && !authorize(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)) {
    return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, ...noNode };
  }
  if (keyType === GROUP) {
    coordinatorOf(ctx.broker).ensureOffsetsTopic();
    const { host, port } = advertisedEndpoint(ctx);
    return { errorCode: ErrorCode.NONE, nodeId: ctx.broker.config.nodeId, host, port };
  }
  if (keyType === TRANSACTION) {
    const transactions = ctx.broker.transactions;
    if (transactions === undefined) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, nodeId: -1, host: "", port: -1 };
    transactions.ensureStateTopic();
    const { host, port } = advertisedEndpoint(ctx);
    return { errorCode: ErrorCode.NONE, nodeId: ctx.broker.config.nodeId, host, port };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, nodeId: -1, host: "", port: -1 };
}
