// FindCoordinator (10), v0–v6. This broker is the coordinator of every group: key type 0 (group;
// v0 has no key type) is answered with this node and the advertised endpoint of the listener the
// request came in on. As Kafka does, the first group lookup creates __consumer_offsets
// (offsets.topic.num.partitions, compacted); Kafka answers COORDINATOR_NOT_AVAILABLE until the
// new topic is loaded, Bunka creates it synchronously and answers at once. Transaction keys
// (type 1) are TRANSACTIONAL_ID_AUTHORIZATION_FAILED: Bunka has no transaction coordinator yet
// and answers as a Kafka whose authorizer grants no DESCRIBE on the transactional id
// (KafkaApis.getCoordinator checks that first). Every client gives up on that at once (Java:
// TransactionalIdAuthorizationException from initTransactions(); librdkafka: fatal error;
// franz-go: the error from BeginTransaction/InitProducerID), where COORDINATOR_NOT_AVAILABLE made
// them retry for minutes. Each refusal is logged at INFO with the client id (rate-limited).
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
import { RateLimitedLog, escapeForLog } from "../log.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";

const refusals = new RateLimitedLog(10_000);

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
    refusals.info(`txn:${ctx.clientId}`, `FindCoordinator: refused the transaction coordinator for transactional id ` +
      `${escapeForLog(key)} of client ${escapeForLog(ctx.clientId)}: Bunka has no transactions yet (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)`);
    return { errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, nodeId: -1, host: "", port: -1 };
  }
  return { errorCode: ErrorCode.INVALID_REQUEST, nodeId: -1, host: "", port: -1 };
}
