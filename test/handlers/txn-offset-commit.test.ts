// TxnOffsetCommit (28) and OffsetFetch's require_stable at the message level: request bytes →
// handler → response bytes, over a real LogStore and the group coordinator. Each expected error
// code is what Kafka 4.3.1 answered to the same request (test/groups/compare-txn-with-kafka.ts,
// run against test/interop/kafka-run.sh with a transactional producer and AddOffsetsToTxn):
//   unknown topic / partition → UNKNOWN_TOPIC_OR_PARTITION (3), refused partitions listed first;
//   empty group id → INVALID_GROUP_ID (24); unknown group with a generation → ILLEGAL_GENERATION
//   (22); metadata over 4096 → OFFSET_METADATA_TOO_LARGE (12); v3 without AddOffsetsToTxn →
//   INVALID_TXN_STATE (48) while v5 adds the partition; OffsetFetch v7/v8 require_stable on a
//   pending partition → offset -1 and UNSTABLE_OFFSET_COMMIT (88) at the partition, v6 and
//   require_stable=false → the last committed offset.

import { describe, expect, test } from "bun:test";
import "../../src/handlers/index.ts";
import { ErrorCode as E } from "../../src/protocol/error-codes.ts";
import {
  TXN_OFFSET_COMMIT, readTxnOffsetCommitResponse, writeTxnOffsetCommitRequest, type TxnOffsetCommitRequest,
} from "../../src/protocol/messages/txn-offset-commit.ts";
import { OFFSET_FETCH, readOffsetFetchResponse, writeOffsetFetchRequest } from "../../src/protocol/messages/offset-fetch.ts";
import { OFFSET_COMMIT, readOffsetCommitResponse, writeOffsetCommitRequest } from "../../src/protocol/messages/offset-commit.ts";
import { DEFAULT_COORDINATOR_CONFIG, GroupCoordinator } from "../../src/groups/group-coordinator.ts";
import { OffsetsTopicLog } from "../../src/groups/offsets-topic.ts";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { handlerFor } from "../../src/handlers/registry.ts";
import { handlerHarness, type HarnessBroker } from "../support/handler-harness.ts";
import { quiet } from "../groups/helpers.ts";

const { open, call } = handlerHarness("txn-offset-commit");
const TXN = { spec: TXN_OFFSET_COMMIT, write: writeTxnOffsetCommitRequest, read: readTxnOffsetCommitResponse };
const FETCH = { spec: OFFSET_FETCH, write: writeOffsetFetchRequest, read: readOffsetFetchResponse };
const COMMIT = { spec: OFFSET_COMMIT, write: writeOffsetCommitRequest, read: readOffsetCommitResponse };
const T = "events";

/** A broker with topic "events" (3 partitions) and a group coordinator on __consumer_offsets. */
function broker(): HarnessBroker & { groups: GroupCoordinator } {
  const b = open("offsets.topic.num.partitions=5");
  b.store.metadata.createTopic(T, 3, { nodeId: 1 });
  const records = new OffsetsTopicLog(b.store, { nodeId: 1, numPartitions: 5, segmentBytes: 1 << 20, log: () => {} });
  const groups = new GroupCoordinator(records, new ManualScheduler(), { ...DEFAULT_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0 }, quiet);
  groups.load();
  b.broker.groups = groups;
  // Kafka's transaction coordinator with transaction version 2 clients: v0–v4 need
  // AddOffsetsToTxn (here: the producer ids listed), v5 adds the partition itself.
  const added = new Set([1, 2]);
  groups.useTransactionVerifier({
    verifyTransactionalOffsetCommit: (r) => (r.apiVersion >= 5 || added.has(r.producerId) ? E.NONE : E.INVALID_TXN_STATE),
  });
  return { ...b, groups };
}

function txn(groupId: string, parts: [number, number][], over: Partial<TxnOffsetCommitRequest> = {}, topic = T): TxnOffsetCommitRequest {
  return {
    transactionalId: "tx", groupId, producerId: 1, producerEpoch: 0, generationId: -1, memberId: "", groupInstanceId: null,
    topics: [{ name: topic, partitions: parts.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: 2, committedMetadata: `m${committedOffset}` })) }],
    ...over,
  };
}

const answers = (r: { topics: { name: string; partitions: { partitionIndex: number; errorCode: number }[] }[] }) =>
  r.topics.map((t) => [t.name, t.partitions.map((p) => [p.partitionIndex, p.errorCode])]);

describe("TxnOffsetCommit (28)", () => {
  test("serves v0–v5, advertised from the registry", () => {
    const h = handlerFor(28)!;
    expect([h.minVersion, h.maxVersion]).toEqual([0, 5]);
  });

  test("each version commits; unknown topics and partitions are refused before the coordinator", async () => {
    const b = broker();
    for (const v of [0, 1, 2, 3, 4, 5]) {
      expect(answers(await call(b, TXN, v, txn(`g${v}`, [[0, 10 + v]])))).toEqual([[T, [[0, E.NONE]]]]);
    }
    expect(answers(await call(b, TXN, 3, txn("g", [[0, 1]], {}, "no-such-topic")))).toEqual([["no-such-topic", [[0, E.UNKNOWN_TOPIC_OR_PARTITION]]]]);
    // Kafka lists the refused partition first, then the coordinator's answers for the same topic.
    expect(answers(await call(b, TXN, 3, txn("g", [[0, 1], [7, 1]])))).toEqual([[T, [[7, E.UNKNOWN_TOPIC_OR_PARTITION], [0, E.NONE]]]]);
    // A request with no known partition left never reaches the coordinator: no group created.
    await call(b, TXN, 3, txn("never", [[9, 1]]));
    expect(b.groups.group("never")).toBeUndefined();
  });

  test("group errors as Kafka 4.3.1: empty id, unknown group with a generation, metadata too large, not in the transaction", async () => {
    const b = broker();
    expect(answers(await call(b, TXN, 3, txn("", [[0, 1]])))).toEqual([[T, [[0, E.INVALID_GROUP_ID]]]]);
    expect(answers(await call(b, TXN, 3, txn("none", [[0, 1], [1, 1]], { generationId: 2, memberId: "m" })))).toEqual([[T, [[0, E.ILLEGAL_GENERATION], [1, E.ILLEGAL_GENERATION]]]]);
    const big = txn("g", [], { topics: [{ name: T, partitions: [{ partitionIndex: 2, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: "y".repeat(5000) }] }] });
    expect(answers(await call(b, TXN, 3, big))).toEqual([[T, [[2, E.OFFSET_METADATA_TOO_LARGE]]]]);
    expect(answers(await call(b, TXN, 3, txn("g", [[0, 1]], { producerId: 5 })))).toEqual([[T, [[0, E.INVALID_TXN_STATE]]]]);
    expect(answers(await call(b, TXN, 5, txn("g", [[0, 1]], { producerId: 5 })))).toEqual([[T, [[0, E.NONE]]]]);
    // Generation fields do not exist before v3: a v2 commit with a stale generation is accepted.
    expect(answers(await call(b, TXN, 2, txn("none", [[0, 1]], { generationId: 7, memberId: "m" })))).toEqual([[T, [[0, E.NONE]]]]);
  });

  test("OffsetFetch require_stable: UNSTABLE_OFFSET_COMMIT on pending partitions until the marker", async () => {
    const b = broker();
    const plain = await call(b, COMMIT, 9, {
      groupId: "s", generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1,
      topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: "plain" }] }],
    });
    expect(plain.topics[0]!.partitions[0]!.errorCode).toBe(E.NONE);
    expect(answers(await call(b, TXN, 3, txn("s", [[0, 10], [1, 11]])))).toEqual([[T, [[0, E.NONE], [1, E.NONE]]]]);
    const fetch = async (v: number, requireStable: boolean) => {
      const r = await call(b, FETCH, v, { groupId: "s", topics: [{ name: T, partitionIndexes: [0, 1, 2] }], groups: [], requireStable });
      return r.topics[0]!.partitions.map((p) => [p.committedOffset, p.metadata, p.errorCode]);
    };
    expect(await fetch(7, true)).toEqual([[-1, "", E.UNSTABLE_OFFSET_COMMIT], [-1, "", E.UNSTABLE_OFFSET_COMMIT], [-1, "", E.NONE]]);
    expect(await fetch(7, false)).toEqual([[3, "plain", E.NONE], [-1, "", E.NONE], [-1, "", E.NONE]]);
    expect(await fetch(6, false)).toEqual([[3, "plain", E.NONE], [-1, "", E.NONE], [-1, "", E.NONE]]);
    const v8 = await call(b, FETCH, 8, { groupId: "", topics: null, requireStable: true, groups: [
      { groupId: "s", memberId: null, memberEpoch: -1, topics: [{ name: T, partitionIndexes: [0, 2] }] },
      { groupId: "s", memberId: null, memberEpoch: -1, topics: null },
    ] });
    expect(v8.groups.map((g) => [g.errorCode, g.topics.map((t) => t.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.errorCode]))])).toEqual([
      [E.NONE, [[[0, -1, E.UNSTABLE_OFFSET_COMMIT], [2, -1, E.NONE]]]],
      // Every offset of the group: only the committed partition 0 is listed (Kafka's fetchAllOffsets).
      [E.NONE, [[[0, -1, E.UNSTABLE_OFFSET_COMMIT]]]],
    ]);
    await b.groups.completeTransaction(b.groups.partitionFor("s"), { producerId: 1, producerEpoch: 1, coordinatorEpoch: 0, commit: true });
    expect(await fetch(7, true)).toEqual([[10, "m10", E.NONE], [11, "m11", E.NONE], [-1, "", E.NONE]]);
  });
});
