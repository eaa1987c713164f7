// AddPartitionsToTxn (24), v0–v5. v0–v3: a client adds partitions to its transaction; v4+: the
// batched form (several transactional ids, verify_only) that Kafka brokers send each other to
// verify a transactional append; Bunka serves it too (kafka tools and tests use it).
//
// Kafka's KafkaApis.handleAddPartitionsToTxnRequest: a partition of an unknown topic fails the
// whole transaction's request (UNKNOWN_TOPIC_OR_PARTITION for it, OPERATION_NOT_ATTEMPTED for
// the others); else the transaction coordinator answers one error for every partition
// (transactions/transaction-coordinator.ts: INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED,
// CONCURRENT_TRANSACTIONS, ...), or per partition with verify_only (TRANSACTION_ABORTABLE for
// one not in the transaction). PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2, as in Kafka.
// A null transactional id in v4+ is INVALID_REQUEST for the whole request.
// Authorization (KafkaApis.handleAddPartitionsToTxnRequest): v4+ (broker to broker) needs
// CLUSTER_ACTION on the cluster, else the request answers CLUSTER_AUTHORIZATION_FAILED; v0–v3 need
// WRITE on the transactional id (else every partition answers TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
// and WRITE on each topic: a partition of a topic refused (internal topics always are) answers
// TOPIC_AUTHORIZATION_FAILED and fails the transaction's request as an unknown one does.

import {
  ADD_PARTITIONS_TO_TXN, readAddPartitionsToTxnRequest, writeAddPartitionsToTxnResponse,
  type AddPartitionsToTxnRequest, type AddPartitionsToTxnResponse,
} from "../protocol/messages/add-partitions-to-txn.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type RequestContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizeCluster, authorizedNames } from "./authorization.ts";
import { isInternalTopic } from "./topic-name.ts";
import type { TopicPartitions } from "../transactions/transaction-metadata.ts";

type TopicResult = AddPartitionsToTxnResponse["resultsByTransaction"][number]["topicResults"][number];

interface TxnRequest {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: { name: string; partitions: number[] }[];
}

registerApi<AddPartitionsToTxnRequest, AddPartitionsToTxnResponse>({
  spec: ADD_PARTITIONS_TO_TXN,
  readRequest: readAddPartitionsToTxnRequest,
  writeResponse: writeAddPartitionsToTxnResponse,
  handle: addPartitionsToTxn,
  errorResponse: (request, errorCode, _message, ctx) => ctx.apiVersion < 4
    ? { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: sameError(request.v3AndBelowTopics, errorCode) }
    : { throttleTimeMs: 0, errorCode, resultsByTransaction: [], resultsByTopicV3AndBelow: [] },
});

export async function addPartitionsToTxn(request: AddPartitionsToTxnRequest, ctx: RequestContext): Promise<AddPartitionsToTxnResponse> {
  const version = ctx.apiVersion;
  if (version >= 4) authorizeCluster(ctx, AclOperation.CLUSTER_ACTION);
  const txns: TxnRequest[] = version < 4
    ? [{
      transactionalId: request.v3AndBelowTransactionalId, producerId: request.v3AndBelowProducerId,
      producerEpoch: request.v3AndBelowProducerEpoch, verifyOnly: false, topics: request.v3AndBelowTopics,
    }]
    : request.transactions;
  const results = await Promise.all(txns.map((t) => addForTransaction(t, ctx)));
  if (version < 4) return { throttleTimeMs: 0, errorCode: 0, resultsByTransaction: [], resultsByTopicV3AndBelow: results[0]! };
  return {
    throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTopicV3AndBelow: [],
    resultsByTransaction: txns.map((t, i) => ({ transactionalId: t.transactionalId, topicResults: results[i]! })),
  };
}

async function addForTransaction(t: TxnRequest, ctx: RequestContext): Promise<TopicResult[]> {
  const coordinator = ctx.broker.transactions;
  // Clients (v0–v3) need WRITE on the transactional id and on each (non-internal) topic.
  const fromClient = ctx.apiVersion < 4;
  if (fromClient && !authorize(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, t.transactionalId)) {
    return sameError(t.topics, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  }
  const writable = fromClient
    ? authorizedNames(ctx, AclOperation.WRITE, ResourceType.TOPIC, t.topics.map((x) => x.name).filter((n) => !isInternalTopic(n)))
    : null;
  if (coordinator === undefined) return sameError(t.topics, ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const partitions: TopicPartitions = new Map();
  const unknown = new Set<string>();
  const refused = new Set<string>();
  for (const topic of t.topics) {
    const known = ctx.broker.store.metadata.topicsByName.get(topic.name);
    let set = partitions.get(topic.name);
    if (set === undefined) partitions.set(topic.name, (set = new Set()));
    for (const p of topic.partitions) {
      set.add(p);
      if (writable !== null && !writable.has(topic.name)) refused.add(`${topic.name}\0${p}`);
      else if (known === undefined || p < 0 || p >= known.partitions.length) unknown.add(`${topic.name}\0${p}`);
    }
  }
  if (unknown.size > 0 || refused.size > 0) {
    return [...partitions].map(([name, ps]) => ({
      name,
      resultsByPartition: [...ps].map((p) => ({
        partitionIndex: p,
        partitionErrorCode: refused.has(`${name}\0${p}`) ? ErrorCode.TOPIC_AUTHORIZATION_FAILED
          : unknown.has(`${name}\0${p}`) ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : ErrorCode.OPERATION_NOT_ATTEMPTED,
      })),
    }));
  }
  if (t.verifyOnly) {
    const verified = coordinator.verifyPartitions(t.transactionalId, t.producerId, t.producerEpoch, partitions);
    return [...verified].map(([name, ps]) => ({
      name, resultsByPartition: [...ps].map(([p, code]) => ({ partitionIndex: p, partitionErrorCode: code })),
    }));
  }
  let error = await coordinator.addPartitions(t.transactionalId, t.producerId, t.producerEpoch, partitions, 0);
  if (ctx.apiVersion < 2 && error === ErrorCode.PRODUCER_FENCED) error = ErrorCode.INVALID_PRODUCER_EPOCH;
  return [...partitions].map(([name, ps]) => ({
    name, resultsByPartition: [...ps].map((p) => ({ partitionIndex: p, partitionErrorCode: error })),
  }));
}

function sameError(topics: { name: string; partitions: number[] }[], errorCode: number): TopicResult[] {
  return topics.map((t) => ({ name: t.name, resultsByPartition: t.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: errorCode })) }));
}
