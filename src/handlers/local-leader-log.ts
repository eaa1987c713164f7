// Kafka's Partition.localLogWithEpochOrThrow, shared by Fetch, ListOffsets and
// OffsetForLeaderEpoch: the partition must exist here, and a request that names the leader
// epoch it expects (-1: not checked) is refused when ours differs — newer than ours →
// UNKNOWN_LEADER_EPOCH, older → FENCED_LEADER_EPOCH.

import { ErrorCode } from "../protocol/error-codes.ts";
import type { LogStore } from "../storage/log-store.ts";
import type { TopicMetadata } from "../storage/cluster-metadata.ts";
import type { PartitionLog } from "../storage/partition-log.ts";

export type LocalLeaderLog =
  | { log: PartitionLog; leaderEpoch: number }
  /** unknown: the topic or partition does not exist (else the epoch check failed). */
  | { errorCode: number; unknown: boolean };

export function localLeaderLog(store: LogStore, topic: TopicMetadata | undefined, partition: number,
  currentLeaderEpoch: number): LocalLeaderLog {
  const meta = topic?.partitions.find((p) => p.partitionId === partition);
  const log = topic && meta ? store.partition(topic.name, partition) : undefined;
  if (meta === undefined || log === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, unknown: true };
  if (currentLeaderEpoch !== -1 && currentLeaderEpoch !== meta.leaderEpoch) {
    const errorCode = currentLeaderEpoch > meta.leaderEpoch ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
    return { errorCode, unknown: false };
  }
  return { log, leaderEpoch: meta.leaderEpoch };
}
