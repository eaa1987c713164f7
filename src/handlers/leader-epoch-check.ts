// Kafka's Partition.localLogWithEpochOrThrow: a request that names the leader epoch it expects
// is refused when ours differs (-1 means "not checked").

import { ErrorCode } from "../protocol/error-codes.ts";

/** The error for a current_leader_epoch that is not ours, or NONE. */
export function leaderEpochError(requested: number, ours: number): number {
  if (requested === -1 || requested === ours) return ErrorCode.NONE;
  return requested > ours ? ErrorCode.UNKNOWN_LEADER_EPOCH : ErrorCode.FENCED_LEADER_EPOCH;
}
