// Transactional offset commits in the group coordinator (Kafka's OffsetMetadataManager), on a
// fake clock and an in-memory __consumer_offsets (MemoryCoordinatorLog): TxnOffsetCommit keeps
// offsets pending per producer until completeTransaction writes the marker; commit, abort,
// interleaved producers, the log-offset ordering against plain commits, tombstones, expiry,
// restarts in the middle of a transaction, and a compacted log. The expected error codes are
// the ones Kafka 4.3.1 answered to the same exchanges (test/groups/compare-txn-with-kafka.ts).

import { describe, expect, test } from "bun:test";
import { ErrorCode as E } from "../../src/protocol/error-codes.ts";
import { DEFAULT_COORDINATOR_CONFIG, GroupCoordinator, type TxnOffsetCommitParams } from "../../src/groups/group-coordinator.ts";
import { MemoryCoordinatorLog, partitionForGroup } from "../../src/groups/offsets-topic.ts";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { GroupError } from "../../src/groups/classic-group.ts";
import { assignment, coordinator, joinWithId, quiet } from "./helpers.ts";

const T = "t";

function txn(groupId: string, producerId: number, parts: [number, number][], over: Partial<TxnOffsetCommitParams> = {}): TxnOffsetCommitParams {
  return {
    transactionalId: `tx-${producerId}`, groupId, producerId, producerEpoch: 0, generationId: -1, memberId: "", groupInstanceId: null,
    topics: [{ name: T, partitions: parts.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: 1, committedMetadata: `m${committedOffset}` })) }],
    apiVersion: 3, ...over,
  };
}

function plain(c: GroupCoordinator, groupId: string, parts: [number, number][]): number[] {
  return c.commitOffsets({
    groupId, generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9,
    topics: [{ name: T, partitions: parts.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: "plain" })) }],
  })[0]!.partitions.map((p) => p.errorCode);
}

const codes = (r: { partitions: { errorCode: number }[] }[]) => r.flatMap((t) => t.partitions.map((p) => p.errorCode));

/** partition → [offset, errorCode] as OffsetFetch answers, for partitions 0..2 of T. */
function fetched(c: GroupCoordinator, groupId: string, requireStable: boolean): [number, number][] {
  return c.fetchOffsets(groupId, [{ name: T, partitionIndexes: [0, 1, 2] }], requireStable).topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]);
}

const marker = (producerId: number, commit: boolean, producerEpoch = 0) => ({ producerId, producerEpoch, coordinatorEpoch: 0, commit });

/** A second coordinator on the same log (a restart). */
function restart(records: MemoryCoordinatorLog, now = 0) {
  const c = new GroupCoordinator(records, new ManualScheduler(now), { ...DEFAULT_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0 }, quiet);
  const loaded = c.load();
  return { c, loaded };
}

describe("TxnOffsetCommit and completeTransaction", () => {
  test("commit: one transactional batch, pending (UNSTABLE_OFFSET_COMMIT with require_stable) until the COMMIT marker", async () => {
    const { c, records } = coordinator();
    expect(plain(c, "g", [[0, 3]])).toEqual([E.NONE]);
    expect(codes(await c.commitTransactionalOffsets(txn("g", 7, [[0, 10], [1, 11]], { producerEpoch: 4 })))).toEqual([E.NONE, E.NONE]);
    const partition = partitionForGroup("g", 50);
    const last = records.entries.at(-1)!;
    expect(last).toMatchObject({ kind: "records", partition, producerId: 7, producerEpoch: 4 });
    expect(last.kind === "records" && last.records.map((r) => r.kind === "offset" && [r.partition, r.value?.offset])).toEqual([[0, 10], [1, 11]]);
    // Kafka 4.3.1: pending partitions are -1 + UNSTABLE_OFFSET_COMMIT (88) with require_stable,
    // the last committed offset without it.
    expect(fetched(c, "g", true)).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.NONE]]);
    expect(fetched(c, "g", false)).toEqual([[3, E.NONE], [-1, E.NONE], [-1, E.NONE]]);
    // Fetching every offset lists only committed partitions (Kafka's fetchAllOffsets).
    expect(c.fetchOffsets("g", null, true).topics[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([[0, E.UNSTABLE_OFFSET_COMMIT]]);

    await c.completeTransaction(partition, marker(7, true, 5));
    expect(records.entries.at(-1)).toMatchObject({ kind: "marker", partition, marker: { producerId: 7, producerEpoch: 5, commit: true } });
    expect(fetched(c, "g", true)).toEqual([[10, E.NONE], [11, E.NONE], [-1, E.NONE]]);
    expect(c.fetchOffsets("g", [{ name: T, partitionIndexes: [1] }]).topics[0]!.partitions[0]).toEqual({
      partitionIndex: 1, committedOffset: 11, committedLeaderEpoch: 1, metadata: "m11", errorCode: E.NONE,
    });
    expect(c.pendingOffsets.size).toBe(0);
  });

  test("abort drops the pending offsets; the plain commit stays", async () => {
    const { c } = coordinator();
    plain(c, "g", [[0, 3]]);
    await c.commitTransactionalOffsets(txn("g", 7, [[0, 20], [2, 22]]));
    await c.completeTransaction(partitionForGroup("g", 50), marker(7, false));
    expect(fetched(c, "g", true)).toEqual([[3, E.NONE], [-1, E.NONE], [-1, E.NONE]]);
  });

  test("interleaved producers: each marker ends only its producer's offsets", async () => {
    const { c } = coordinator();
    const partition = partitionForGroup("g", 50);
    await c.commitTransactionalOffsets(txn("g", 1, [[0, 100]]));
    await c.commitTransactionalOffsets(txn("g", 2, [[0, 200], [1, 201]]));
    await c.commitTransactionalOffsets(txn("g", 1, [[2, 102]]));
    await c.completeTransaction(partition, marker(2, false));
    // Producer 1 is still open on partitions 0 and 2.
    expect(fetched(c, "g", true)).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.NONE], [-1, E.UNSTABLE_OFFSET_COMMIT]]);
    await c.completeTransaction(partition, marker(1, true));
    expect(fetched(c, "g", true)).toEqual([[100, E.NONE], [-1, E.NONE], [102, E.NONE]]);
  });

  test("a transaction over groups of two offsets partitions is ended per partition", async () => {
    const { c } = coordinator();
    // Two group ids in different partitions of __consumer_offsets.
    const a = "ga";
    let b = "gb";
    for (let i = 0; partitionForGroup(b, 50) === partitionForGroup(a, 50); i++) b = `gb${i}`;
    await c.commitTransactionalOffsets(txn(a, 9, [[0, 1]]));
    await c.commitTransactionalOffsets(txn(b, 9, [[0, 2]]));
    await c.completeTransaction(partitionForGroup(a, 50), marker(9, true));
    expect(fetched(c, a, true)[0]).toEqual([1, E.NONE]);
    expect(fetched(c, b, true)[0]).toEqual([-1, E.UNSTABLE_OFFSET_COMMIT]);
    await c.completeTransaction(partitionForGroup(b, 50), marker(9, true));
    expect(fetched(c, b, true)[0]).toEqual([2, E.NONE]);
  });

  test("the later record wins: a plain commit made while the transaction was open is not overwritten", async () => {
    const { c, records } = coordinator();
    const partition = partitionForGroup("g", 50);
    plain(c, "g", [[0, 5]]);
    await c.commitTransactionalOffsets(txn("g", 3, [[0, 30], [1, 31]]));
    plain(c, "g", [[1, 40]]);
    await c.completeTransaction(partition, marker(3, true));
    // Partition 0: the transactional record is later than the plain one; partition 1: earlier.
    expect(fetched(c, "g", true)).toEqual([[30, E.NONE], [40, E.NONE], [-1, E.NONE]]);
    // The same after a restart (replay orders by log offset too).
    const { c: c2 } = restart(records);
    expect(fetched(c2, "g", true)).toEqual([[30, E.NONE], [40, E.NONE], [-1, E.NONE]]);
  });

  test("validation as Kafka 4.3.1: group id, generation, member, instance id, metadata size", async () => {
    const { c, clock, records } = coordinator();
    expect(codes(await c.commitTransactionalOffsets(txn("", 1, [[0, 1]])))).toEqual([E.INVALID_GROUP_ID]);
    // An unknown group with a generation: ILLEGAL_GENERATION (whatever the version), nothing created.
    expect(codes(await c.commitTransactionalOffsets(txn("none", 1, [[0, 1]], { generationId: 2, memberId: "m" })))).toEqual([E.ILLEGAL_GENERATION]);
    expect(c.group("none")).toBeUndefined();
    // Generation -1 with a member id: a member-less group is created and the commit accepted.
    expect(codes(await c.commitTransactionalOffsets(txn("none2", 1, [[0, 1]], { memberId: "m" })))).toEqual([E.NONE]);
    expect(c.group("none2")?.state).toBe("Empty");
    expect(codes(await c.commitTransactionalOffsets(txn("none2", 1, [[0, 1], [1, 2]], {
      topics: [{ name: T, partitions: [{ partitionIndex: 2, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: "y".repeat(5000) }, { partitionIndex: 1, committedOffset: 2, committedLeaderEpoch: -1, committedMetadata: null }] }],
    })))).toEqual([E.OFFSET_METADATA_TOO_LARGE, E.NONE]);

    // A group with a dynamic member, still CompletingRebalance: transactional commits are not held back.
    const { memberId, join } = await joinWithId(c, "m");
    clock.advance(0);
    const joined = await join;
    expect(c.group("m")!.state).toBe("CompletingRebalance");
    const gen = joined.generationId;
    expect(codes(await c.commitTransactionalOffsets(txn("m", 2, [[0, 60]], { generationId: gen, memberId })))).toEqual([E.NONE]);
    await c.syncGroup({ groupId: "m", generationId: gen, memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [{ memberId, assignment: assignment({ [T]: [0] }) }] });
    expect(codes(await c.commitTransactionalOffsets(txn("m", 2, [[0, 62]], { generationId: gen + 1, memberId })))).toEqual([E.ILLEGAL_GENERATION]);
    expect(codes(await c.commitTransactionalOffsets(txn("m", 2, [[0, 62]], { generationId: gen, memberId: "ghost" })))).toEqual([E.UNKNOWN_MEMBER_ID]);
    expect(codes(await c.commitTransactionalOffsets(txn("m", 2, [[0, 62]], { generationId: gen, memberId, groupInstanceId: "inst" })))).toEqual([E.UNKNOWN_MEMBER_ID]);
    // No membership (v0–v2, or v3 with -1/""): accepted although the group has members.
    expect(codes(await c.commitTransactionalOffsets(txn("m", 2, [[1, 63]])))).toEqual([E.NONE]);

    // A static member: another member id with its instance id is fenced.
    const parked = c.joinGroup({
      groupId: "st", memberId: "", groupInstanceId: "inst", sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, protocolType: "consumer",
      protocols: [{ name: "range", metadata: new Uint8Array(0) }], reason: null, clientId: "c", clientHost: "/h", apiVersion: 9,
    });
    clock.advance(0);
    const st = await parked;
    expect(st.errorCode).toBe(E.NONE);
    expect(codes(await c.commitTransactionalOffsets(txn("st", 2, [[0, 70]], { generationId: st.generationId, memberId: "other", groupInstanceId: "inst" })))).toEqual([E.FENCED_INSTANCE_ID]);
    expect(codes(await c.commitTransactionalOffsets(txn("st", 2, [[0, 71]], { generationId: st.generationId, memberId: st.memberId, groupInstanceId: "inst" })))).toEqual([E.NONE]);
    // Every refused commit wrote nothing: the transactional batches are the accepted ones only.
    expect(records.entries.filter((e) => e.kind === "records" && e.producerId !== -1)).toHaveLength(5);
  });

  test("the transaction coordinator's verdict comes first; another epoch of an open producer is INVALID_PRODUCER_EPOCH", async () => {
    const { c, records } = coordinator();
    const asked: unknown[] = [];
    c.useTransactionVerifier({
      verifyTransactionalOffsetCommit: async (r) => {
        asked.push(r);
        return r.apiVersion < 5 && r.transactionalId === "not-added" ? E.INVALID_TXN_STATE : E.NONE;
      },
    });
    expect(codes(await c.commitTransactionalOffsets(txn("g", 1, [[0, 1]], { transactionalId: "not-added" })))).toEqual([E.INVALID_TXN_STATE]);
    expect(records.entries).toHaveLength(0);
    expect(asked[0]).toEqual({ transactionalId: "not-added", producerId: 1, producerEpoch: 0, offsetsPartition: partitionForGroup("g", 50), apiVersion: 3 });
    expect(codes(await c.commitTransactionalOffsets(txn("g", 1, [[0, 1]], { transactionalId: "not-added", apiVersion: 5 })))).toEqual([E.NONE]);
    expect(asked).toHaveLength(2);
    // The transaction is open in the partition: no verification (Kafka 4.3.1 accepts this v3).
    expect(codes(await c.commitTransactionalOffsets(txn("g", 1, [[1, 1]], { transactionalId: "not-added" })))).toEqual([E.NONE]);
    expect(asked).toHaveLength(2);
    expect(codes(await c.commitTransactionalOffsets(txn("g", 1, [[0, 2]], { producerEpoch: 1 })))).toEqual([E.INVALID_PRODUCER_EPOCH]);
    expect(asked).toHaveLength(3);
    expect(c.group("g")).toBeDefined();
  });

  test("OffsetDelete and DeleteGroups remove pending offsets: the commit does not bring them back", async () => {
    const { c, records } = coordinator();
    const pd = partitionForGroup("d", 50);
    await c.commitTransactionalOffsets(txn("s", 4, [[0, 40], [2, 42]]));
    expect(c.deleteOffsets("s", [{ name: T, partitions: [2] }])).toEqual({ errorCode: E.NONE, topics: [{ name: T, partitions: [{ partitionIndex: 2, errorCode: E.NONE }] }] });
    expect(fetched(c, "s", true)).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.NONE], [-1, E.NONE]]);
    await c.completeTransaction(partitionForGroup("s", 50), marker(4, true));
    expect(fetched(c, "s", true)).toEqual([[40, E.NONE], [-1, E.NONE], [-1, E.NONE]]);

    // A group whose only offsets are pending: deleted (Kafka 4.3.1 answers NONE), and stays so.
    await c.commitTransactionalOffsets(txn("d", 5, [[0, 50]]));
    plain(c, "d", [[1, 51]]);
    expect(c.deleteGroups(["d"])).toEqual([{ groupId: "d", errorCode: E.NONE }]);
    await c.completeTransaction(pd, marker(5, true));
    expect(c.group("d")).toBeUndefined();
    expect(fetched(c, "d", true)).toEqual([[-1, E.NONE], [-1, E.NONE], [-1, E.NONE]]);
    const { c: c2 } = restart(records);
    expect(c2.group("d")).toBeUndefined();
    expect(fetched(c2, "s", true)).toEqual([[40, E.NONE], [-1, E.NONE], [-1, E.NONE]]);
  });

  test("expiry: an offset with a pending one does not expire, nor is a group with an open transaction deleted", async () => {
    const retention = 60_000;
    const { c, clock } = coordinator({ offsetsRetentionMs: retention, offsetsRetentionCheckIntervalMs: 1000 });
    plain(c, "s", [[0, 1], [1, 2]]);
    await c.commitTransactionalOffsets(txn("s", 6, [[0, 10]]));
    await c.commitTransactionalOffsets(txn("p", 6, [[0, 20]]));
    clock.advance(retention + 1000);
    // Partition 1 expired; partition 0 kept for its pending offset; "p" (only pending) kept.
    expect(fetched(c, "s", false)).toEqual([[1, E.NONE], [-1, E.NONE], [-1, E.NONE]]);
    expect(c.group("p")).toBeDefined();
    await c.completeTransaction(partitionForGroup("s", 50), marker(6, true));
    if (partitionForGroup("p", 50) !== partitionForGroup("s", 50)) await c.completeTransaction(partitionForGroup("p", 50), marker(6, true));
    expect(fetched(c, "s", true)[0]).toEqual([10, E.NONE]);
    expect(fetched(c, "p", true)[0]).toEqual([20, E.NONE]);
  });

  test("a marker that cannot be written rejects with NOT_COORDINATOR and changes nothing; a failed flush answers NOT_COORDINATOR", async () => {
    const { c, records } = coordinator();
    const partition = partitionForGroup("g", 50);
    await c.commitTransactionalOffsets(txn("g", 8, [[0, 80]]));
    records.failAppends = true;
    const failed = await c.completeTransaction(partition, marker(8, true)).then(() => null, (e) => e);
    expect(failed).toBeInstanceOf(GroupError);
    expect((failed as GroupError).errorCode).toBe(E.NOT_COORDINATOR);
    expect(fetched(c, "g", true)[0]).toEqual([-1, E.UNSTABLE_OFFSET_COMMIT]);
    expect(codes(await c.commitTransactionalOffsets(txn("g", 8, [[1, 81]])))).toEqual([E.NOT_COORDINATOR]);
    records.failAppends = false;
    records.failFlushes = true;
    expect(codes(await c.commitTransactionalOffsets(txn("g", 8, [[1, 81]])))).toEqual([E.NOT_COORDINATOR]);
    const flush = await c.completeTransaction(partition, marker(8, true)).then(() => null, (e) => e);
    expect((flush as GroupError).errorCode).toBe(E.NOT_COORDINATOR);
    records.failFlushes = false;
    // The marker was written before the flush failed: the transaction is over.
    expect(fetched(c, "g", true)[0]).toEqual([80, E.NONE]);
    expect(c.completeTransaction(99, marker(8, true))).rejects.toBeInstanceOf(GroupError);
  });
});

describe("replay of transactional offsets", () => {
  test("restart mid-transaction: still pending, and the recovered coordinator's marker completes it", async () => {
    const { c, records } = coordinator();
    const partition = partitionForGroup("g", 50);
    plain(c, "g", [[0, 1]]);
    await c.commitTransactionalOffsets(txn("g", 11, [[0, 110], [1, 111]], { producerEpoch: 2 }));
    await c.commitTransactionalOffsets(txn("g", 12, [[2, 120]]));
    await c.completeTransaction(partition, marker(12, false));
    c.shutdown();

    const { c: c2, loaded } = restart(records);
    expect(loaded).toEqual({ groups: 1, offsets: 1, openTransactions: 1 });
    expect(fetched(c2, "g", true)).toEqual([[-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.UNSTABLE_OFFSET_COMMIT], [-1, E.NONE]]);
    expect(fetched(c2, "g", false)).toEqual([[1, E.NONE], [-1, E.NONE], [-1, E.NONE]]);
    // The open transaction keeps its epoch across the restart.
    expect(codes(await c2.commitTransactionalOffsets(txn("g", 11, [[2, 112]], { producerEpoch: 1 })))).toEqual([E.INVALID_PRODUCER_EPOCH]);
    await c2.completeTransaction(partition, marker(11, true, 3));
    expect(fetched(c2, "g", true)).toEqual([[110, E.NONE], [111, E.NONE], [-1, E.NONE]]);
    c2.shutdown();

    const { c: c3, loaded: loaded3 } = restart(records);
    expect(loaded3).toEqual({ groups: 1, offsets: 2, openTransactions: 0 });
    expect(fetched(c3, "g", true)).toEqual([[110, E.NONE], [111, E.NONE], [-1, E.NONE]]);
  });

  test("a compacted log: a marker without its records completes nothing; records without a marker stay pending", async () => {
    const { c, records } = coordinator();
    const partition = partitionForGroup("g", 50);
    await c.commitTransactionalOffsets(txn("g", 21, [[0, 210]]));
    await c.completeTransaction(partition, marker(21, true));
    plain(c, "g", [[0, 5]]);
    await c.commitTransactionalOffsets(txn("g", 22, [[1, 220]]));
    await c.completeTransaction(partition, marker(22, false));
    await c.commitTransactionalOffsets(txn("g", 23, [[2, 230]]));
    // The cleaner removed producer 21's record (superseded by the plain commit) and producer
    // 22's aborted record, keeping their markers for now.
    records.removeWhere((e) => e.kind === "records" && (e.producerId === 21 || e.producerId === 22));
    const { c: c2, loaded } = restart(records);
    expect(loaded).toEqual({ groups: 1, offsets: 1, openTransactions: 1 });
    expect(fetched(c2, "g", true)).toEqual([[5, E.NONE], [-1, E.NONE], [-1, E.UNSTABLE_OFFSET_COMMIT]]);
  });
});
