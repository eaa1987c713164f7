// Creating topics the way Kafka's controller validates them (ReplicationControlManager
// .createTopics, in its order): legal name, no collision ('.' vs '_') with an existing topic, not
// already there, no null config values, known topic configs with valid values (config-values.ts),
// then either a manual assignment (numPartitions and replicationFactor -1, each partition on
// this broker once, indexes 0..n-1) or a replication factor of 1 (or -1 for the default) and a
// partition count >= 1 (or -1 for num.partitions). Used by CreateTopics and by Metadata's
// auto-creation, so both answer the same errors with Kafka's messages.

import { ErrorCode } from "../protocol/error-codes.ts";
import type { BrokerContext } from "./registry.ts";
import { topicNameProblem } from "./topic-name.ts";
import { brokerConfigLayers, validateTopicConfigs } from "../config/config-values.ts";
import type { TopicMetadata } from "../storage/cluster-metadata.ts";
import { StorageError } from "../storage/log-dir-failures.ts";
import { log } from "../log.ts";

/** Most records one request may write (Kafka's MAX_RECORDS_PER_USER_OP). */
export const MAX_RECORDS_PER_USER_OP = 10000;

export interface TopicToCreate {
  name: string;
  /** -1: num.partitions. */
  numPartitions: number;
  /** -1: default.replication.factor. */
  replicationFactor: number;
  /** Explicit assignments (CreateTopics); when given, numPartitions/replicationFactor must be -1. */
  assignments?: { partitionIndex: number; brokerIds: number[] }[];
  configs?: { name: string; value: string | null }[];
}

export type CreationResult =
  | { ok: true; topic: TopicMetadata }
  | { ok: false; errorCode: number; message: string };

export interface CreationCheck {
  errorCode: number;
  message: string;
}

/** Validates a creation without doing it; null when it would succeed. */
export function checkTopicCreation(broker: BrokerContext, t: TopicToCreate): CreationCheck | null {
  const plan = planTopicCreation(broker, t);
  return "errorCode" in plan ? plan : null;
}

/** Validates and creates a topic, writing its records to the metadata log. */
export function createTopic(broker: BrokerContext, t: TopicToCreate): CreationResult {
  const plan = planTopicCreation(broker, t);
  if ("errorCode" in plan) return { ok: false, ...plan };
  const configs = [...plan.configs].map(([name, value]) => ({ name, value }));
  try {
    const topic = broker.store.metadata.createTopic(t.name, plan.partitions, { nodeId: broker.config.nodeId, configs });
    return { ok: true, topic };
  } catch (e) {
    if (!(e instanceof StorageError)) throw e;
    return { ok: false, ...metadataStorageFailure(e) };
  }
}

/** What a valid creation would write: its partition count, replication factor and configs (as Kafka prints them). */
export interface CreationPlan {
  partitions: number;
  replicationFactor: number;
  configs: Map<string, string>;
}

/** Validates a creation and says what it would create, or why not. */
export function planTopicCreation(broker: BrokerContext, t: TopicToCreate): CreationPlan | CreationCheck {
  const problem = topicNameProblem(t.name);
  if (problem !== null) return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: problem };
  const metadata = broker.store.metadata;
  if (metadata.topicsByName.has(t.name)) {
    return { errorCode: ErrorCode.TOPIC_ALREADY_EXISTS, message: `Topic '${t.name}' already exists.` };
  }
  const collision = collidingTopic(t.name, metadata.topicsByName.keys());
  if (collision !== null) {
    return { errorCode: ErrorCode.INVALID_TOPIC_EXCEPTION, message: `Topic '${t.name}' collides with existing topic: ${collision}` };
  }
  const configs = validateTopicConfigs(t.configs ?? [], brokerConfigLayers(broker.config, broker.store.metadata));
  if (!configs.ok) return { errorCode: ErrorCode.INVALID_CONFIG, message: configs.message };

  const nodeId = broker.config.nodeId;
  if (t.assignments !== undefined && t.assignments.length > 0) {
    if (t.replicationFactor !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, message: "A manual partition assignment was specified, but replication factor was not set to -1." };
    }
    if (t.numPartitions !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, message: "A manual partition assignment was specified, but numPartitions was not set to -1." };
    }
    const seen = new Set<number>();
    let replicas: number | null = null;
    for (const a of t.assignments) {
      if (seen.has(a.partitionIndex)) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `Found multiple manual partition assignments for partition ${a.partitionIndex}` };
      }
      seen.add(a.partitionIndex);
      const bad = replicaAssignmentProblem(a.brokerIds, nodeId, replicas);
      if (bad !== null) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: bad };
      replicas = a.brokerIds.length;
    }
    for (let i = 0; i < seen.size; i++) {
      if (!seen.has(i)) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: "partitions should be a consecutive 0-based integer sequence" };
    }
    return { partitions: seen.size, replicationFactor: replicas ?? 1, configs: configs.values };
  }
  if (t.replicationFactor < -1 || t.replicationFactor === 0) {
    return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: "Replication factor must be larger than 0, or -1 to use the default value." };
  }
  if (t.numPartitions < -1 || t.numPartitions === 0) {
    return { errorCode: ErrorCode.INVALID_PARTITIONS, message: "Number of partitions was set to an invalid non-positive value." };
  }
  const partitions = t.numPartitions === -1 ? broker.config.numPartitions : t.numPartitions;
  const rf = t.replicationFactor === -1 ? broker.config.defaultReplicationFactor : t.replicationFactor;
  if (rf > 1) {
    return {
      errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
      message: `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only 1 broker(s) are registered or some brokers have all their log directories cordoned.`,
    };
  }
  return { partitions, replicationFactor: rf, configs: configs.values };
}

/**
 * Kafka's validateManualPartitionAssignment on a one-broker cluster: a non-empty list of
 * registered brokers (only this one), none twice, as many as the other partitions have.
 */
export function replicaAssignmentProblem(brokerIds: readonly number[], nodeId: number, expectedReplicas: number | null): string | null {
  if (brokerIds.length === 0) return "The manual partition assignment includes an empty replica list.";
  const sorted = [...brokerIds].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] !== nodeId) return `The manual partition assignment includes broker ${sorted[i]}, but no such broker is registered.`;
    if (i > 0 && sorted[i] === sorted[i - 1]) return `The manual partition assignment includes the broker ${sorted[i]} more than once.`;
  }
  if (expectedReplicas !== null && sorted.length !== expectedReplicas) {
    return `The manual partition assignment includes a partition with ${sorted.length} replica(s), but this is not consistent with previous partitions, which have ${expectedReplicas} replica(s).`;
  }
  return null;
}

/**
 * The partitions a request asks for, counted as Kafka's validateTotalNumberOfPartitions does
 * (assignments, else numPartitions, -1 being num.partitions); over MAX_RECORDS_PER_USER_OP, the
 * whole request is refused with POLICY_VIOLATION.
 */
export function requestedPartitions(broker: BrokerContext, topics: readonly TopicToCreate[]): number {
  let total = 0;
  for (const t of topics) {
    if (t.assignments !== undefined && t.assignments.length > 0) total += t.assignments.length;
    else if (t.numPartitions === -1) total += broker.config.numPartitions;
    else if (t.numPartitions > 0) total += t.numPartitions;
  }
  return total;
}

/** Kafka treats '.' and '_' as the same in metric names, so such names collide. */
function collidingTopic(name: string, existing: Iterable<string>): string | null {
  const unified = name.replace(/\./g, "_");
  for (const other of existing) {
    if (other !== name && other.replace(/\./g, "_") === unified) return other;
  }
  return null;
}

/**
 * The answer to a metadata-log write refused by the storage (log-dir-failures.ts): nothing was
 * created or changed. Kafka has no such answer: a failed write to its only (or its metadata) log
 * dir halts the process (ReplicaManager/LogManager.handleLogDirFailure, or the raft IO thread's
 * fatal fault handler). Measured with Kafka 4.3.1 on a full tmpfs: CreateTopics answered NONE
 * (the metadata record still fit in the file's last page), then writing the new partition's
 * leader-epoch-checkpoint failed and the broker halted. Bunka answers KAFKA_STORAGE_ERROR
 * (retriable) and keeps running.
 */
export function metadataStorageFailure(e: StorageError): CreationCheck {
  log.error(`metadata log write refused: ${e.message}`);
  return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, message: `The metadata log cannot be written: ${e.message}` };
}
