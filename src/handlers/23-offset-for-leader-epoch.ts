// OffsetForLeaderEpoch (23), v2–v4. Answers from the partition's leader epoch cache the way
// Kafka's LeaderEpochFileCache.endOffsetFor does: the current epoch ends at the log end offset;
// an older epoch ends where the next epoch starts (answered with the largest epoch ≤ the one
// asked); an unknown or future epoch → -1/-1. current_leader_epoch is checked as for Fetch.
// This is what Java and librdkafka consumers use to validate their position after a leader
// change. Unknown topic or partition → UNKNOWN_TOPIC_OR_PARTITION.

import {
  OFFSET_FOR_LEADER_EPOCH, readOffsetForLeaderEpochRequest, writeOffsetForLeaderEpochResponse,
  type OffsetForLeaderEpochRequest, type OffsetForLeaderEpochResponse,
} from "../protocol/messages/offset-for-leader-epoch.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { registerApi } from "./registry.ts";
import { localLeaderLog } from "./local-leader-log.ts";

type EpochEndOffset = OffsetForLeaderEpochResponse["topics"][number]["partitions"][number];

registerApi<OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse>({
  spec: OFFSET_FOR_LEADER_EPOCH,
  readRequest: readOffsetForLeaderEpochRequest,
  writeResponse: writeOffsetForLeaderEpochResponse,
  handle(request, ctx) {
    const store = ctx.broker.store;
    return {
      throttleTimeMs: 0,
      topics: request.topics.map((t) => {
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
      }),
    };
  },
});

function failed(partition: number, errorCode: number): EpochEndOffset {
  return { errorCode, partition, leaderEpoch: -1, endOffset: -1 };
}
