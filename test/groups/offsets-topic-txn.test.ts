// Transactional offset commits through OffsetsTopicLog on real partition logs (MemoryFileSystem):
// the batch TxnOffsetCommit writes is Kafka's (transactional, the producer's id and epoch, base
// sequence 0 as Kafka 4.3.1's coordinator writes it — seen with DumpLogSegments), the marker is a
// control batch of records/control-batch.ts, both are on disk when answered (a crash that loses
// every unsynced byte keeps them), and a restart replays them: a transaction open at the crash
// is pending again until the recovered transaction coordinator writes its marker.

import { describe, expect, test } from "bun:test";
import { ErrorCode as E } from "../../src/protocol/error-codes.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { DEFAULT_COORDINATOR_CONFIG, GroupCoordinator, type TxnOffsetCommitParams } from "../../src/groups/group-coordinator.ts";
import { OFFSETS_TOPIC, OffsetsTopicLog } from "../../src/groups/offsets-topic.ts";
import { decodeCoordinatorRecord } from "../../src/groups/coordinator-records.ts";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { ControlRecordType, readTransactionMarker } from "../../src/records/control-batch.ts";
import { quiet } from "./helpers.ts";

function start(fs: MemoryFileSystem) {
  const store = LogStore.open({ logDirs: ["/data"], fs });
  const records = new OffsetsTopicLog(store, { nodeId: 1, numPartitions: 3, segmentBytes: 1 << 20, log: () => {} });
  const c = new GroupCoordinator(records, new ManualScheduler(), { ...DEFAULT_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0 }, quiet);
  const loaded = c.load();
  return { store, c, loaded };
}

function txn(groupId: string, producerId: number, producerEpoch: number, parts: [number, number][]): TxnOffsetCommitParams {
  return {
    transactionalId: `tx-${producerId}`, groupId, producerId, producerEpoch, generationId: -1, memberId: "", groupInstanceId: null, apiVersion: 5,
    topics: [{ name: "t", partitions: parts.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: null })) }],
  };
}

const offsetsOf = (c: GroupCoordinator, groupId: string) =>
  c.fetchOffsets(groupId, [{ name: "t", partitionIndexes: [0, 1] }], true).topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]);

describe("OffsetsTopicLog with transactions", () => {
  test("the transactional batch and the marker as Kafka writes them, durable when answered", async () => {
    const fs = new MemoryFileSystem();
    let { store, c } = start(fs);
    c.ensureOffsetsTopic();
    const partition = c.partitionFor("g");
    const codes = (await c.commitTransactionalOffsets(txn("g", 42, 3, [[0, 100], [1, 101]]))).flatMap((t) => t.partitions.map((p) => p.errorCode));
    expect(codes).toEqual([E.NONE, E.NONE]);
    await c.completeTransaction(partition, { producerId: 42, producerEpoch: 4, coordinatorEpoch: 7, commit: true });

    const log = store.partition(OFFSETS_TOPIC, partition)!;
    const views = [...log.batchesFrom(0)].map((b) => new RecordBatchView(b));
    expect(views.map((v) => [v.baseOffset, v.isTransactional, v.isControl, v.producerId, v.producerEpoch, v.baseSequence, v.recordCount])).toEqual([
      [0, true, false, 42, 3, 0, 2],
      [2, true, true, 42, 4, -1, 1],
    ]);
    const offsets = decodeRecords(views[0]!).map((r) => decodeCoordinatorRecord(r.key!, r.value));
    expect(offsets.map((r) => r?.kind === "offset" && [r.groupId, r.topic, r.partition, r.value?.offset])).toEqual([["g", "t", 0, 100], ["g", "t", 1, 101]]);
    expect(readTransactionMarker(views[1]!)).toMatchObject({ type: ControlRecordType.COMMIT, coordinatorEpoch: 7 });

    // Answered means fsynced: a crash that loses every unsynced byte keeps both.
    fs.crash({ loseUnsynced: true });
    ({ store, c } = start(fs));
    expect(offsetsOf(c, "g")).toEqual([[100, E.NONE], [101, E.NONE]]);
    store.close();
  });

  test("kill -9 in the middle of a transaction: pending after recovery, then the marker commits or aborts it", async () => {
    const fs = new MemoryFileSystem();
    let { store, c } = start(fs);
    c.ensureOffsetsTopic();
    const partition = c.partitionFor("g");
    c.commitOffsets({
      groupId: "g", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9,
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] }],
    });
    await c.whenDurable("g");
    await c.commitTransactionalOffsets(txn("g", 1, 0, [[0, 10]]));
    await c.commitTransactionalOffsets(txn("g", 2, 0, [[1, 20]]));
    fs.crash({ loseUnsynced: true });

    let loaded;
    ({ store, c, loaded } = start(fs));
    expect(loaded).toEqual({ groups: 1, offsets: 1, openTransactions: 2 });
    expect(offsetsOf(c, "g")).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.UNSTABLE_OFFSET_COMMIT]]);
    expect(c.fetchOffsets("g", [{ name: "t", partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committedOffset).toBe(5);
    await c.completeTransaction(partition, { producerId: 1, producerEpoch: 1, coordinatorEpoch: 0, commit: true });
    await c.completeTransaction(partition, { producerId: 2, producerEpoch: 1, coordinatorEpoch: 0, commit: false });
    expect(offsetsOf(c, "g")).toEqual([[10, E.NONE], [-1, E.NONE]]);

    fs.crash({ loseUnsynced: true });
    ({ store, c, loaded } = start(fs));
    expect(loaded).toEqual({ groups: 1, offsets: 1, openTransactions: 0 });
    expect(offsetsOf(c, "g")).toEqual([[10, E.NONE], [-1, E.NONE]]);
    store.close();
  });
  test("an offset commit of a fenced producer epoch is refused by the log with INVALID_PRODUCER_EPOCH", async () => {
    const { c } = start(new MemoryFileSystem());
    c.ensureOffsetsTopic();
    const codes = async (epoch: number) =>
      (await c.commitTransactionalOffsets(txn("g", 42, epoch, [[0, 100]]))).flatMap((t) => t.partitions.map((p) => p.errorCode));
    expect(await codes(5)).toEqual([E.NONE]);
    await c.completeTransaction(c.partitionFor("g"), { producerId: 42, producerEpoch: 5, coordinatorEpoch: 0, commit: true });
    // The transaction is over; the log knows epoch 5, so an older one is a zombie (ProducerStateManager).
    expect(await codes(4)).toEqual([E.INVALID_PRODUCER_EPOCH]);
    expect(offsetsOf(c, "g")[0]).toEqual([100, E.NONE]);
  });
});
