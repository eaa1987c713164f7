// CreateTopics (19), v2–v7. Follows Kafka 4's ControllerApis.createTopics and
// ReplicationControlManager.createTopics (validation in topic-creation.ts, shared with Metadata's
// auto-creation). Every topic is checked against the state before the request. A name given
// twice answers INVALID_REQUEST "Duplicate topic name." and __cluster_metadata INVALID_REQUEST
// (creation prohibited), both after the other topics. More than 10,000 partitions in the request
// refuses all of it (POLICY_VIOLATION), as does a timeout <= 0 (REQUEST_TIMED_OUT: Kafka's
// deadline has passed before its controller runs). A created topic is a TopicRecord, its
// ConfigRecords and its PartitionRecords in one metadata batch. validate_only checks and answers
// the same (with a made-up topic id, as Kafka does) and writes nothing. v5+ results carry the
// partition count, replication factor and every topic config with its source, sorted by name
// (KafkaConfigSchema: own value, else a server.properties synonym, else the default).
// Differences: config values are stored and echoed as Kafka prints them back (" 100 " → "100",
// "TRUE" → "true", "1" → "1.0" for a double) where Kafka keeps the string as sent (its
// DescribeConfigs shows the printed form, so readers see the same either way);
// min.insync.replicas answers DEFAULT_CONFIG (or STATIC_BROKER_CONFIG) where Kafka 4 answers
// DYNAMIC_DEFAULT_BROKER_CONFIG, from the cluster-level record its controller writes for ELR.
// Authorization (ControllerApis.createTopics): CREATE on the cluster, else on each topic; the
// topics refused answer TOPIC_AUTHORIZATION_FAILED "Authorization failed." after the others; a
// created topic whose configs the principal may not DESCRIBE_CONFIGS answers no configs, partition
// count or replication factor and topic_config_error_code TOPIC_AUTHORIZATION_FAILED.
// No quotas, no CreateTopicPolicy.

import {
  CREATE_TOPICS, readCreateTopicsRequest, writeCreateTopicsResponse,
  type CreateTopicsRequest, type CreateTopicsResponse, type CreateTopicsResponseCreatableTopicResult as TopicResult,
} from "../protocol/messages/create-topics.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { ZERO_UUID } from "../protocol/reader.ts";
import { registerApi, type BrokerContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";
import {
  MAX_RECORDS_PER_USER_OP, metadataStorageFailure, planTopicCreation, requestedPartitions, type TopicToCreate,
} from "./topic-creation.ts";
import { brokerConfigLayers, effectiveTopicConfigs } from "../config/config-values.ts";
import { newTopicId } from "../storage/cluster-metadata.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { escapeForLog, log } from "../log.ts";

const CLUSTER_METADATA_TOPIC = "__cluster_metadata";

registerApi<CreateTopicsRequest, CreateTopicsResponse>({
  spec: CREATE_TOPICS,
  readRequest: readCreateTopicsRequest,
  writeResponse: writeCreateTopicsResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    const all = request.topics;
    const wholeRequestError = (errorCode: number, message: string | null): CreateTopicsResponse => ({
      throttleTimeMs: 0,
      topics: all.map((t) => errorResult(t.name, errorCode, message)),
    });
    if (request.timeoutMs <= 0) return wholeRequestError(ErrorCode.REQUEST_TIMED_OUT, null);

    const counts = new Map<string, number>();
    for (const t of all) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const allowedNames = [...counts].filter(([name, n]) => n === 1 && name !== CLUSTER_METADATA_TOPIC).map(([name]) => name);
    const creatable = authorize(ctx, AclOperation.CREATE, ResourceType.CLUSTER, CLUSTER_NAME, false)
      ? new Set(allowedNames) : authorizedNames(ctx, AclOperation.CREATE, ResourceType.TOPIC, allowedNames);
    const describable = authorizedNames(ctx, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, allowedNames, false);
    const effective: TopicToCreate[] = all
      .filter((t) => counts.get(t.name) === 1 && t.name !== CLUSTER_METADATA_TOPIC && creatable.has(t.name))
      .map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments,
        configs: t.configs,
      }));
    if (requestedPartitions(broker, effective) > MAX_RECORDS_PER_USER_OP) {
      return wholeRequestError(ErrorCode.POLICY_VIOLATION, "Excessively large number of partitions per request.");
    }

    // Everything is checked against the state before the request, then created.
    const plans = effective.map((t) => ({ t, plan: planTopicCreation(broker, t) }));
    const topics: TopicResult[] = [];
    for (const { t, plan } of plans) {
      if ("errorCode" in plan) {
        topics.push(errorResult(t.name, plan.errorCode, plan.message));
        continue;
      }
      let topicId: string;
      if (request.validateOnly) {
        topicId = newTopicId(broker.store.metadata.topicsById);
      } else {
        const configs = [...plan.configs].map(([name, value]) => ({ name, value }));
        try {
          topicId = broker.store.metadata.createTopic(t.name, plan.partitions, { nodeId: broker.config.nodeId, configs }).topicId;
        } catch (e) {
          if (!(e instanceof StorageError)) throw e;
          const failure = metadataStorageFailure(e);
          topics.push(errorResult(t.name, failure.errorCode, failure.message));
          continue;
        }
        log.info(`created topic ${t.name} (id ${topicId}, ${plan.partitions} partition(s)${configs.length ? `, ${configs.map((c) => `${escapeForLog(c.name)}=${escapeForLog(c.value)}`).join(",")}` : ""})`);
      }
      topics.push(describable.has(t.name)
        ? successResult(broker, t.name, topicId, plan.partitions, plan.replicationFactor, plan.configs)
        : { ...errorResult(t.name, ErrorCode.NONE, null), topicId, topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED });
    }
    for (const [name, n] of counts) {
      if (n > 1) topics.push(errorResult(name, ErrorCode.INVALID_REQUEST, "Duplicate topic name."));
      else if (name === CLUSTER_METADATA_TOPIC) {
        topics.push(errorResult(name, ErrorCode.INVALID_REQUEST, `Creation of internal topic ${CLUSTER_METADATA_TOPIC} is prohibited.`));
      } else if (!creatable.has(name)) {
        topics.push(errorResult(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed."));
      }
    }
    return { throttleTimeMs: 0, topics };
  },
});

function errorResult(name: string, errorCode: number, errorMessage: string | null): TopicResult {
  return {
    name, topicId: ZERO_UUID, errorCode, errorMessage,
    topicConfigErrorCode: ErrorCode.NONE, numPartitions: -1, replicationFactor: -1, configs: [],
  };
}

function successResult(
  broker: BrokerContext, name: string, topicId: string, numPartitions: number, replicationFactor: number,
  configs: ReadonlyMap<string, string>,
): TopicResult {
  return {
    name, topicId, errorCode: ErrorCode.NONE, errorMessage: null,
    topicConfigErrorCode: ErrorCode.NONE, numPartitions, replicationFactor,
    configs: effectiveTopicConfigs(configs, brokerConfigLayers(broker.config, broker.store.metadata)).map((c) => ({
      name: c.name, value: c.value, readOnly: false, configSource: c.source, isSensitive: false,
    })),
  };
}
