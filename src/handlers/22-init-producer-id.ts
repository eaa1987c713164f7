// InitProducerId (22), v0–v5: producer ids for idempotent and transactional producers.
//
// transactional_id null (an idempotent producer): a fresh producer id with epoch 0, always, as
// Kafka's TransactionCoordinator.handleInitProducerId does for a null transactional id — also
// when the request (v3+) carries the producer's current id and epoch (KIP-360): Kafka does not
// bump the epoch of a non-transactional producer on the broker, it "blindly" hands out a new id
// (the Java client bumps an idempotent producer's epoch locally). A producer_id without an
// epoch, or the other way round, is INVALID_REQUEST, as in KafkaApis.
//
// transactional_id non-null: the transaction coordinator (transactions/transaction-coordinator.ts)
// answers: a new id with epoch 0 on first use, an epoch bump after, PRODUCER_FENCED /
// CONCURRENT_TRANSACTIONS / INVALID_TRANSACTION_TIMEOUT as Kafka; an empty transactional_id is
// INVALID_REQUEST. Without a coordinator (unit tests of other handlers) it answers
// COORDINATOR_NOT_AVAILABLE.
//
// Ids come from transactions/producer-ids.ts (blocks recorded in the metadata log). Not done:
// two-phase commit (v6, KIP-939; Bunka serves up to v5).
//
// Authorization, before anything else (KafkaApis.handleInitProducerIdRequest): a transactional
// id needs WRITE on it (else TRANSACTIONAL_ID_AUTHORIZATION_FAILED); an idempotent producer
// needs IDEMPOTENT_WRITE on the cluster or, since KIP-679, WRITE on at least one topic
// (Authorizer.authorizeByResourceType), else CLUSTER_AUTHORIZATION_FAILED.

import {
  INIT_PRODUCER_ID, readInitProducerIdRequest, writeInitProducerIdResponse,
  type InitProducerIdRequest, type InitProducerIdResponse,
} from "../protocol/messages/init-producer-id.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizeByResourceType } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { log } from "../log.ts";
import { nextProducerId } from "../transactions/producer-ids.ts";

registerApi<InitProducerIdRequest, InitProducerIdResponse>({
  spec: INIT_PRODUCER_ID,
  readRequest: readInitProducerIdRequest,
  writeResponse: writeInitProducerIdResponse,
  handle: initProducerId,
});

export function initProducerId(request: InitProducerIdRequest, ctx: RequestContext): InitProducerIdResponse | Promise<InitProducerIdResponse> {
  const txnId = request.transactionalId;
  if (txnId !== null && !authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txnId)) {
    return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  if (txnId === null && !authorize(ctx, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME, false) &&
    !authorizeByResourceType(ctx, AclOperation.WRITE, ResourceType.TOPIC)) {
    return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  }
  if ((request.producerId === -1) !== (request.producerEpoch === -1)) return failed(ErrorCode.INVALID_REQUEST);
  if (txnId === "") return failed(ErrorCode.INVALID_REQUEST);
  if (txnId !== null) {
    const coordinator = ctx.broker.transactions;
    if (coordinator === undefined) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const expected = request.producerId === -1 ? null : { producerId: request.producerId, producerEpoch: request.producerEpoch };
    return coordinator.initProducerId(txnId, request.transactionTimeoutMs, expected).then((r) => ({
      throttleTimeMs: 0,
      // KafkaApis: clients before v4 do not know PRODUCER_FENCED.
      errorCode: ctx.apiVersion < 4 && r.errorCode === ErrorCode.PRODUCER_FENCED ? ErrorCode.INVALID_PRODUCER_EPOCH : r.errorCode,
      producerId: r.producerId, producerEpoch: r.producerEpoch,
    }));
  }
  let producerId: number;
  try {
    producerId = nextProducerId(ctx.broker.store.metadata, ctx.broker.config.nodeId);
  } catch (e) {
    log.error(`InitProducerId: cannot allocate a producer id: ${(e as Error).message}`);
    // A block the metadata log cannot record: Kafka's RPCProducerIdManager, without a block,
    // answers COORDINATOR_LOAD_IN_PROGRESS (retriable).
    return failed(e instanceof StorageError ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.UNKNOWN_SERVER_ERROR);
  }
  return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
}

function failed(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
}
