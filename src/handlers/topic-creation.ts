// Creating topics the way Kafka's controller validates them (ReplicationControlManager): legal
// name, partitions >= 1 (or -1 for num.partitions), replication factor 1 (or -1 for the
// default) on this single broker, known topic configs. Used by CreateTopics and by Metadata's
// auto-creation, so both answer the same errors.

import { ErrorCode } from "../protocol/error-codes.ts";
import type { BrokerContext } from "./registry.ts";
import { topicNameProblem } from "./topic-name.ts";
import type { TopicMetadata } from "../storage/cluster-metadata.ts";

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
  const nodeId = broker.config.nodeId;
  if (t.assignments !== undefined && t.assignments.length > 0) {
    if (t.numPartitions !== -1 || t.replicationFactor !== -1) {
      return { errorCode: ErrorCode.INVALID_REQUEST, message: "A manual partition assignment was specified, but numPartitions or replicationFactor was not set to -1." };
    }
    const sorted = t.assignments.map((a) => a.partitionIndex).sort((a, b) => a - b);
    if (sorted.some((p, i) => p !== i)) {
      return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: "Partitions should be a consecutive 0-based integer sequence" };
    }
    for (const a of t.assignments) {
      if (a.brokerIds.length === 0 || a.brokerIds.some((id) => id !== nodeId) || new Set(a.brokerIds).size !== a.brokerIds.length) {
        return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, message: `The manual partition assignment includes broker(s) other than ${nodeId}, or duplicates` };
      }
    }
    return null;
  }
  const partitions = t.numPartitions === -1 ? broker.config.numPartitions : t.numPartitions;
  if (partitions <= 0) return { errorCode: ErrorCode.INVALID_PARTITIONS, message: "Number of partitions was set to an invalid non-positive value." };
  const rf = t.replicationFactor === -1 ? broker.config.defaultReplicationFactor : t.replicationFactor;
  if (rf <= 0) return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: "Replication factor must be larger than 0, or -1 to use the default value." };
  if (rf > 1) {
    return { errorCode: ErrorCode.INVALID_REPLICATION_FACTOR, message: `Unable to replicate the partition ${rf} time(s): The target replication factor of ${rf} cannot be reached because only 1 broker(s) are registered.` };
  }
  return null;
}

/** Validates and creates a topic, writing its records to the metadata log. */
export function createTopic(broker: BrokerContext, t: TopicToCreate): CreationResult {
  const problem = checkTopicCreation(broker, t);
  if (problem !== null) return { ok: false, ...problem };
  const partitions = t.assignments?.length ? t.assignments.length
    : t.numPartitions === -1 ? broker.config.numPartitions : t.numPartitions;
  const configs = (t.configs ?? []).filter((c): c is { name: string; value: string } => c.value !== null);
  const topic = broker.store.metadata.createTopic(t.name, partitions, { nodeId: broker.config.nodeId, configs });
  return { ok: true, topic };
}

/** Kafka treats '.' and '_' as the same in metric names, so such names collide. */
function collidingTopic(name: string, existing: Iterable<string>): string | null {
  const unified = name.replace(/\./g, "_");
  for (const other of existing) {
    if (other !== name && other.replace(/\./g, "_") === unified) return other;
  }
  return null;
}
