// Metadata (3), v0–v12. Follows KafkaApis.handleTopicMetadataRequest: all topics when the list
// is empty (v0) or null (v1+); by topic id from v12 (unknown id → UNKNOWN_TOPIC_ID with a null
// name). Refused as a whole with Kafka's error response (MetadataRequest.getErrorResponse: every
// topic asked for with the error, a null name as "", no brokers, no cluster id): ids or null names
// before v12 (INVALID_REQUEST), and from v12 a null name without an id when no topic is asked by
// id (UNKNOWN_SERVER_ERROR: Kafka 4.3.1 meets a NullPointerException validating it). Unknown
// names → UNKNOWN_TOPIC_OR_PARTITION, illegal names → INVALID_TOPIC_EXCEPTION, unless
// auto-creation applies (allow_auto_topic_creation, v4+, and auto.create.topics.enable, not for
// "all topics"), which creates the topic with num.partitions. Kafka's controller answers
// LEADER_NOT_AVAILABLE until the new topic reaches its cache; this broker creates it
// synchronously, so the answer already carries the topic (what Kafka answers on the retry).
// Brokers: this node at its advertised endpoint for the listener the request came in on;
// controller id = this node (KRaft brokers report an alive broker). Authorized operations,
// when asked (v8+; cluster only v8–v10): the operations the principal may do on each topic
// described (every supported one without an authorizer); the cluster's is 0 without DESCRIBE on it.
// Authorization (KafkaApis.handleTopicMetadataRequest): topics without DESCRIBE are left out of
// an "all topics" answer; asked by name they answer TOPIC_AUTHORIZATION_FAILED with the zero id
// (whether they exist is not disclosed), by id with a null name and the id; a topic to
// auto-create needs CREATE on the cluster or on the topic, else TOPIC_AUTHORIZATION_FAILED. Answer
// order as Kafka's: unknown ids, described topics, refused creations, refused descriptions.

import {
  METADATA, readMetadataRequest, writeMetadataResponse, type MetadataRequest, type MetadataResponse,
} from "../protocol/messages/metadata.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import { InvalidRequestError, RequestError, registerApi, type BrokerContext } from "./registry.ts";
import { advertisedEndpoint } from "./broker-endpoint.ts";
import { isInternalTopic, topicNameProblem } from "./topic-name.ts";
import { createTopic } from "./topic-creation.ts";
import { OPERATIONS_NOT_REQUESTED, authorizedOperations } from "./authorized-operations.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";
import type { TopicMetadata } from "../storage/cluster-metadata.ts";

type ResponseTopic = MetadataResponse["topics"][number];

registerApi<MetadataRequest, MetadataResponse>({
  spec: METADATA,
  readRequest: readMetadataRequest,
  writeResponse: writeMetadataResponse,
  responseSizeHint: 16 * 1024,
  handle(request, ctx) {
    const version = ctx.apiVersion;
    const broker = ctx.broker;
    const metadata = broker.store.metadata;
    const allTopics = request.topics === null || (version === 0 && request.topics.length === 0);
    if (!allTopics && version < 12) {
      for (const t of request.topics!) {
        if (t.name === null) throw new InvalidRequestError(`Topic name can not be null for version ${version}`);
        if (t.topicId !== ZERO_UUID) throw new InvalidRequestError(`Topic IDs are not supported in requests for version ${version}`);
      }
    }
    const includeTopicOps = version >= 8 && request.includeTopicAuthorizedOperations;
    const opsOf = (name: string | null) => includeTopicOps ? authorizedOperations(ctx, ResourceType.TOPIC, name ?? "") : OPERATIONS_NOT_REQUESTED;
    const describable = (names: Iterable<string>) => authorizedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, names, !allTopics);
    const unknownIds: ResponseTopic[] = [];
    const topics: ResponseTopic[] = [];
    const refusedCreations: ResponseTopic[] = [];
    const refusedDescriptions: ResponseTopic[] = [];
    if (allTopics) {
      const allowed = describable(metadata.topicsByName.keys());
      for (const topic of metadata.topicsByName.values()) if (allowed.has(topic.name)) topics.push(describeTopic(broker, topic, opsOf(topic.name)));
    } else {
      const ids = request.topics!.map((t) => t.topicId).filter((id) => id !== ZERO_UUID);
      if (ids.length > 0) {
        const known = [...new Set(ids)].flatMap((id) => metadata.topicsById.get(id) ?? []);
        const allowed = describable(known.map((t) => t.name));
        for (const id of new Set(ids)) {
          const topic = metadata.topicsById.get(id);
          if (!topic) unknownIds.push(errorTopic(ErrorCode.UNKNOWN_TOPIC_ID, null, id, false, OPERATIONS_NOT_REQUESTED));
          else if (allowed.has(topic.name)) topics.push(describeTopic(broker, topic, opsOf(topic.name)));
          else refusedDescriptions.push(errorTopic(ErrorCode.TOPIC_AUTHORIZATION_FAILED, null, id, false, OPERATIONS_NOT_REQUESTED));
        }
      } else {
        if (request.topics!.some((t) => t.name === null)) {
          throw new RequestError(ErrorCode.UNKNOWN_SERVER_ERROR, "Topic name can not be null without a topic id");
        }
        const autoCreate = broker.config.autoCreateTopicsEnable && (version < 4 || request.allowAutoTopicCreation);
        const names = [...new Set(request.topics!.map((t) => t.name!))];
        const allowed = describable(names);
        // A topic to auto-create needs CREATE on the cluster, else on the topic itself.
        const missing = names.filter((name) => allowed.has(name) && !metadata.topicsByName.has(name));
        const creatable = !autoCreate || missing.length === 0 || authorize(ctx, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME, false)
          ? new Set(missing) : authorizedNames(ctx, AclOperation.CREATE, ResourceType.TOPIC, missing);
        for (const name of names) {
          if (!allowed.has(name)) {
            refusedDescriptions.push(errorTopic(ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, ZERO_UUID, false, OPERATIONS_NOT_REQUESTED));
            continue;
          }
          const existing = metadata.topicsByName.get(name);
          if (existing) {
            topics.push(describeTopic(broker, existing, opsOf(name)));
            continue;
          }
          if (!creatable.has(name)) {
            refusedCreations.push(errorTopic(ErrorCode.TOPIC_AUTHORIZATION_FAILED, name, ZERO_UUID, isInternalTopic(name), OPERATIONS_NOT_REQUESTED));
            continue;
          }
          if (topicNameProblem(name) !== null) {
            topics.push(errorTopic(ErrorCode.INVALID_TOPIC_EXCEPTION, name, ZERO_UUID, isInternalTopic(name), opsOf(name)));
            continue;
          }
          if (autoCreate) {
            const created = createTopic(broker, { name, numPartitions: -1, replicationFactor: -1 });
            topics.push(created.ok ? describeTopic(broker, created.topic, opsOf(name))
              : errorTopic(created.errorCode, name, ZERO_UUID, isInternalTopic(name), opsOf(name)));
            continue;
          }
          topics.push(errorTopic(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, ZERO_UUID, isInternalTopic(name), opsOf(name)));
        }
      }
    }
    const askedClusterOps = version >= 8 && version <= 10 && request.includeClusterAuthorizedOperations;
    const endpoint = advertisedEndpoint(ctx);
    return {
      throttleTimeMs: 0,
      brokers: [{ nodeId: broker.config.nodeId, host: endpoint.host, port: endpoint.port, rack: null }],
      clusterId: broker.clusterId,
      controllerId: broker.config.nodeId,
      topics: [...unknownIds, ...topics, ...refusedCreations, ...refusedDescriptions],
      clusterAuthorizedOperations: !askedClusterOps ? OPERATIONS_NOT_REQUESTED
        : authorize(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME) ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME) : 0,
    };
  },
  errorResponse(request, errorCode) {
    return {
      throttleTimeMs: 0,
      brokers: [],
      clusterId: null,
      controllerId: -1,
      topics: (request.topics ?? []).map((t) => errorTopic(errorCode, t.name ?? "", t.topicId, false, OPERATIONS_NOT_REQUESTED)),
      clusterAuthorizedOperations: OPERATIONS_NOT_REQUESTED,
    };
  },
});

function describeTopic(broker: BrokerContext, topic: TopicMetadata, authorizedOps: number): ResponseTopic {
  const nodeId = broker.config.nodeId;
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: isInternalTopic(topic.name),
    partitions: topic.partitions.map((p) => ({
      errorCode: p.leader === -1 ? ErrorCode.LEADER_NOT_AVAILABLE : ErrorCode.NONE,
      partitionIndex: p.partitionId,
      leaderId: p.leader,
      leaderEpoch: p.leaderEpoch,
      replicaNodes: p.replicas,
      isrNodes: p.isr,
      // A single-node cluster: any replica that is not this broker is offline.
      offlineReplicas: p.replicas.filter((id) => id !== nodeId),
    })),
    topicAuthorizedOperations: authorizedOps,
  };
}

function errorTopic(errorCode: number, name: string | null, topicId: string, isInternal: boolean, authorizedOps: number): ResponseTopic {
  return { errorCode, name, topicId, isInternal, partitions: [], topicAuthorizedOperations: authorizedOps };
}
