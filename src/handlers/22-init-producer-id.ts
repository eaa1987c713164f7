// InitProducerId (22), v0–v5: producer ids for idempotent producers.
//
// transactional_id null (an idempotent producer): a fresh producer id with epoch 0, always, as
// Kafka's TransactionCoordinator.handleInitProducerId does for a null transactional id — also
// when the request (v3+) carries the producer's current id and epoch (KIP-360): Kafka does not
// bump the epoch of a non-transactional producer on the broker, it "blindly" hands out a new id
// (the Java client bumps an idempotent producer's epoch locally). A producer_id without an
// epoch, or the other way round, is INVALID_REQUEST, as in KafkaApis.
//
// Ids come in blocks of 1000 (Kafka's ProducerIdsBlock), each recorded as a ProducerIdsRecord in
// the KRaft metadata log before any id of it is used (ClusterMetadata.allocateProducerIds), so
// ids never repeat, across restarts too: a restart starts a new block, skipping what was left of
// the old one, as a restarted Kafka broker does. A log dir written by Kafka continues after its
// last ProducerIdsRecord.
//
// transactional_id non-null: Bunka has no transaction coordinator. It answers
// TRANSACTIONAL_ID_AUTHORIZATION_FAILED (producer id -1, epoch -1), what Kafka answers when its
// authorizer grants no WRITE on the transactional id (checked before anything else); an empty
// transactional_id is INVALID_REQUEST, as Kafka 4.3.1 answers it without an authorizer.
// Clients treat it as fatal right away (Java: TransactionalIdAuthorizationException from
// initTransactions(); librdkafka: fatal error), instead of retrying until a timeout as they do
// for COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR. Clients ask FindCoordinator for a transaction
// coordinator first, so what they see depends on its answer too (10-find-coordinator.ts).
// Produce refuses transactional batches the same way (00-produce.ts).
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
import type { ClusterMetadata } from "../storage/cluster-metadata.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { RateLimitedLog, escapeForLog, log } from "../log.ts";

const refusals = new RateLimitedLog(10_000);

registerApi<InitProducerIdRequest, InitProducerIdResponse>({
  spec: INIT_PRODUCER_ID,
  readRequest: readInitProducerIdRequest,
  writeResponse: writeInitProducerIdResponse,
  handle: initProducerId,
});

export function initProducerId(request: InitProducerIdRequest, ctx: RequestContext): InitProducerIdResponse {
  const txnId = request.transactionalId;
  if (txnId !== null && !authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, txnId)) {
    return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  if (txnId === null && !authorize(ctx, AclOperation.IDEMPOTENT_WRITE, ResourceType.CLUSTER, CLUSTER_NAME, false) &&
    !authorizeByResourceType(ctx, AclOperation.WRITE, ResourceType.TOPIC)) {
    return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  }
  if (txnId !== null && txnId !== "") {
    refusals.info(`txn:${ctx.clientId}`, `InitProducerId: refused transactional id ${escapeForLog(txnId)} of client ` +
      `${escapeForLog(ctx.clientId)}: Bunka has no transactions yet (TRANSACTIONAL_ID_AUTHORIZATION_FAILED)`);
    return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  if ((request.producerId === -1) !== (request.producerEpoch === -1)) return failed(ErrorCode.INVALID_REQUEST);
  if (txnId === "") return failed(ErrorCode.INVALID_REQUEST);
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

/** The block being handed out (Kafka's broker-side RPCProducerIdManager), per metadata model. */
const blocks = new WeakMap<ClusterMetadata, { next: number; end: number }>();

/** The next unused producer id, allocating (and recording) a new block when needed. */
export function nextProducerId(metadata: ClusterMetadata, nodeId: number): number {
  let block = blocks.get(metadata);
  if (block === undefined || block.next >= block.end) {
    const { firstProducerId, size } = metadata.allocateProducerIds(undefined, nodeId);
    block = { next: firstProducerId, end: firstProducerId + size };
    blocks.set(metadata, block);
  }
  return block.next++;
}
