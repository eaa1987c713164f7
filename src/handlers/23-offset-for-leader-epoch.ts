// OffsetForLeaderEpoch (23), v2–v4. Answers from the partition's leader epoch cache the way
// Kafka's LeaderEpochFileCache.endOffsetFor does: the current epoch ends at the log end offset;
// an older epoch ends where the next epoch starts (answered with the largest epoch ≤ the one
// asked); an unknown or future epoch → -1/-1. current_leader_epoch is checked as for Fetch.
// This is what Java and librdkafka consumers use to validate their position after a leader
// change. Unknown topic or partition → UNKNOWN_TOPIC_OR_PARTITION. Authorization: CLUSTER_ACTION
// on the cluster, else DESCRIBE on each topic (KIP-320); the topics refused answer
// TOPIC_AUTHORIZATION_FAILED (epoch and offset -1) after the others.

import {
  OFFSET_FOR_LEADER_EPOCH, readOffsetForLeaderEpochRequest, writeOffsetForLeaderEpochResponse,
  type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse,
} from "../protocol/messages/offset-for-leader-epoch.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi } from "./registry.ts";
import { localLeaderLog } from "./local-leader-log.ts";
import { AclOperation, ResourceType, authorize, authorizedNames } from "./authorization.ts";
import { CLUSTER_NAME } from "../security/authorizer.ts";

type EpochEndOffset = OffsetForLeaderEpochResponse["topics"][number]["partitions"][number];

registerApi<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  spec: OFFSET_FOR_LEADER_EPOCH,
  readRequest: readOffsetForLeaderEpochRequest,
  writeResponse: writeOffsetForLeaderEpochResponse,
  handle(request, ctx) {
    const store = ctx.broker.store;
    const names = request.topics.map((t) => t.topic);
    const allowed = authorize(ctx, AclOperation.CLUSTER_ACTION, ResourceType.CLUSTER, CLUSTER_NAME, false)
      ? new Set(names) : authorizedNames(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, names);
    const refused = request.topics.filter((t) => !allowed.has(t.topic)).map((t) => ({
      topic: t.topic, partitions: t.partitions.map((p) => failed(p.partition, ErrorCode.TOPIC_AUTHORIZATION_FAILED)),
    }));
    return {
      throttleTimeMs: 0,
      topics: [...request.topics.filter((t) => allowed.has(t.topic)).map((t) => {
        const meta = store.metadata.topicsByName.get(t.topic);
        return {
          topic: t.topic,
          partitions: t.partitions.map((p): EpochEndOffset => {
            const local = localLeaderLog(store, meta, p.partition, p.currentLeaderEpoch);
            if ("errorCode" in local) return failed(p.partition, local.errorCode);
            const { epoch, endOffset } = local.log.endOffsetForEpoch(p.leaderEpoch);
            return { errorCode: ErrorCode.NONE, partition: p.partition, leaderEpoch: epoch, endOffset };
          }),
        };
      }), ...refused],
    };
  },
});

function failed(partition: number, errorCode: number): EpochEndOffset {
  return { errorCode, partition, leaderEpoch: -1, endOffset: -1 };
}
