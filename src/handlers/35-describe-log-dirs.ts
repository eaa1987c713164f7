// DescribeLogDirs (35), v1–v5. Follows Kafka 4's KafkaApis.handleDescribeLogDirsRequest and
// ReplicaManager.describeLogDirs: one result per log dir of log.dirs (its absolute path), each
// with the partitions it holds among those asked for (a null topic list asks for every
// partition; topics and partitions that do not exist are left out, as are topics with none
// left): partition size in bytes (the sum of its segments), offset lag 0 (a leader's log end
// offset is its own), not a future replica. v4+ carries the file system's total and usable bytes
// (statfs of the dir: blocks and blocks available to unprivileged users, times the block size, as
// Java's FileStore reports them); a dir whose file system cannot be read answers
// KAFKA_STORAGE_ERROR. v5's is_cordoned is false (Bunka has no cordoned.log.dirs). Every
// partition of the metadata is reported, so a partition log not yet opened is opened (and
// recovered) here, as Kafka has them all open. The __cluster_metadata log is not a partition
// log and is not reported, as in Kafka. Authorization: DESCRIBE on the cluster, else
// CLUSTER_AUTHORIZATION_FAILED with no results.

import { statfsSync } from "node:fs";
import { dirname } from "node:path";
import {
  DESCRIBE_LOG_DIRS, readDescribeLogDirsRequest, writeDescribeLogDirsResponse,
  type DescribeLogDirsRequest, type DescribeLogDirsResponse,
  type DescribeLogDirsResponseDescribeLogDirsResult as DirResult,
  type DescribeLogDirsResponseDescribeLogDirsTopic as TopicResult,
} from "../protocol/messages/describe-log-dirs.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi, type BrokerContext } from "./registry.ts";
import { AclOperation, ResourceType, authorize } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";

registerApi<DescribeLogDirsRequest, DescribeLogDirsResponse>({
  spec: DESCRIBE_LOG_DIRS,
  readRequest: readDescribeLogDirsRequest,
  writeResponse: writeDescribeLogDirsResponse,
  handle(request, ctx) {
    if (!authorize(ctx, AclOperation.DESCRIBE, ResourceType.CLUSTER, CLUSTER_NAME)) {
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, results: [] };
    }
    const wanted = request.topics === null ? null
      : new Set(request.topics.flatMap((t) => t.partitions.map((p) => `${t.topic}\u0000${p}`)));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, results: describeLogDirs(ctx.broker, wanted) };
  },
});

/** One result per log dir; `wanted` holds "<topic>\0<partition>" keys, or null for every partition. */
function describeLogDirs(broker: BrokerContext, wanted: Set<string> | null): DirResult[] {
  const store = broker.store;
  // Partition sizes by the log dir that holds them, topics in metadata order.
  const byDir = new Map<string, Map<string, TopicResult>>();
  for (const topic of store.metadata.topicsByName.values()) {
    for (const p of topic.partitions) {
      if (wanted !== null && !wanted.has(`${topic.name}\u0000${p.partitionId}`)) continue;
      // A partition not written since start-up has no log open: size 0, in the dir that holds its
      // directory or would; opening it here would create it (Kafka's logs all exist).
      const log = store.openedPartition(topic.name, p.partitionId);
      const parent = log === undefined ? store.logDirOf(topic.name, p.partitionId) : dirname(log.dir);
      let topics = byDir.get(parent);
      if (!topics) byDir.set(parent, (topics = new Map()));
      let t = topics.get(topic.name);
      if (!t) topics.set(topic.name, (t = { name: topic.name, partitions: [] }));
      t.partitions.push({ partitionIndex: p.partitionId, partitionSize: log?.sizeInBytes ?? 0, offsetLag: 0, isFutureKey: false });
    }
  }
  return store.logDirs.map((dir): DirResult => {
    let totalBytes: number;
    let usableBytes: number;
    try {
      const s = statfsSync(dir);
      totalBytes = s.blocks * s.bsize;
      usableBytes = s.bavail * s.bsize;
    } catch {
      return { errorCode: ErrorCode.KAFKA_STORAGE_ERROR, logDir: dir, topics: [], totalBytes: -1, usableBytes: -1, isCordoned: false };
    }
    return {
      errorCode: ErrorCode.NONE,
      logDir: dir,
      topics: [...(byDir.get(dir)?.values() ?? [])],
      totalBytes,
      usableBytes,
      isCordoned: false,
    };
  });
}
