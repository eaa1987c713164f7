// The classic group state machine on a fake clock (ManualScheduler) with an in-memory
// __consumer_offsets (MemoryCoordinatorLog): joins, rebalances, session/rebalance/sync
// timeouts, the initial rebalance delay, static membership, leaving, offsets, retention,
// administration, and reloading from the records.

import { describe, expect, test } from "bun:test";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { GroupCoordinator, DEFAULT_COORDINATOR_CONFIG } from "../../src/groups/group-coordinator.ts";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { partitionForGroup, javaStringHashCode } from "../../src/groups/offsets-topic.ts";
import { assignment, coordinator, joinParams, joinWithId, quiet, settled, subscription } from "./helpers.ts";

const E = ErrorCode;

/** Two members joined, synced and Stable; returns their ids (first is the leader). */
async function stableGroupOfTwo(c: GroupCoordinator, clock: ManualScheduler, groupId = "g") {
  const a = await joinWithId(c, groupId);
  const b = await joinWithId(c, groupId);
  clock.advance(0);
  const [ja, jb] = await Promise.all([a.join, b.join]);
  expect(ja.errorCode).toBe(0);
  expect(jb.errorCode).toBe(0);
  const leader = ja.leader === a.memberId ? ja : jb;
  const follower = leader === ja ? jb : ja;
  const followerSync = c.syncGroup({ groupId, generationId: follower.generationId, memberId: follower.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [] });
  expect(await settled(followerSync)).toBe("pending");
  const leaderSync = await c.syncGroup({
    groupId, generationId: leader.generationId, memberId: leader.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range",
    assignments: [
      { memberId: leader.memberId, assignment: assignment({ t: [0] }) },
      { memberId: follower.memberId, assignment: assignment({ t: [1] }) },
    ],
  });
  expect(leaderSync.errorCode).toBe(0);
  expect((await followerSync).assignment).toEqual(assignment({ t: [1] }));
  expect(c.group(groupId)!.state).toBe("Stable");
  return { leader: leader.memberId, follower: follower.memberId, generation: leader.generationId };
}

describe("partitioning", () => {
  test("Java's String.hashCode and abs % partitions", () => {
    expect(javaStringHashCode("")).toBe(0);
    expect(javaStringHashCode("a")).toBe(97);
    expect(javaStringHashCode("hello")).toBe(99162322);
    expect(javaStringHashCode("console-consumer-12345")).toBe("console-consumer-12345".split("").reduce((h, ch) => (Math.imul(31, h) + ch.charCodeAt(0)) | 0, 0));
    // "polygenelubricants".hashCode() == Integer.MIN_VALUE: Kafka's Utils.abs maps it to 0.
    expect(javaStringHashCode("polygenelubricants")).toBe(-2147483648);
    expect(partitionForGroup("polygenelubricants", 50)).toBe(0);
    expect(partitionForGroup("my-group", 50)).toBe(Math.abs(javaStringHashCode("my-group")) % 50);
  });
});

describe("JoinGroup and SyncGroup", () => {
  test("v4+: MEMBER_ID_REQUIRED, rejoin, leader gets the members, sync hands out assignments", async () => {
    const { c, clock } = coordinator();
    const first = await c.joinGroup(joinParams("g"));
    expect(first.errorCode).toBe(E.MEMBER_ID_REQUIRED);
    expect(first.memberId.startsWith("client-")).toBe(true);
    expect(c.group("g")!.state).toBe("Empty");
    const join = c.joinGroup(joinParams("g", { memberId: first.memberId }));
    expect(await settled(join)).toBe("pending");
    expect(c.group("g")!.state).toBe("PreparingRebalance");
    clock.advance(0);
    const r = await join;
    expect(r).toMatchObject({ errorCode: 0, generationId: 1, protocolType: "consumer", protocolName: "range", leader: first.memberId, memberId: first.memberId });
    expect(r.members.map((m) => m.memberId)).toEqual([first.memberId]);
    expect(r.members[0]!.metadata).toEqual(subscription(["t"]));
    expect(c.group("g")!.state).toBe("CompletingRebalance");
    expect(c.heartbeat("g", first.memberId, null, 1)).toBe(0);
    const sync = await c.syncGroup({ groupId: "g", generationId: 1, memberId: first.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [{ memberId: first.memberId, assignment: assignment({ t: [0] }) }] });
    expect(sync).toEqual({ errorCode: 0, protocolType: "consumer", protocolName: "range", assignment: assignment({ t: [0] }) });
    expect(c.group("g")!.state).toBe("Stable");
    expect(c.heartbeat("g", first.memberId, null, 1)).toBe(0);
    expect(c.heartbeat("g", first.memberId, null, 0)).toBe(E.ILLEGAL_GENERATION);
    expect(c.heartbeat("g", "nobody", null, 1)).toBe(E.UNKNOWN_MEMBER_ID);
    expect(c.heartbeat("nogroup", "nobody", null, 1)).toBe(E.UNKNOWN_MEMBER_ID);
  });

  test("before v4 a member is added at once, with a generated id", async () => {
    const { c, clock } = coordinator();
    const join = c.joinGroup(joinParams("g", { apiVersion: 3 }));
    clock.advance(0);
    const r = await join;
    expect(r.errorCode).toBe(0);
    expect(r.memberId).toMatch(/^client-[0-9a-f-]{36}$/);
    expect(r.leader).toBe(r.memberId);
  });

  test("request checks: empty group id, session timeout bounds, unknown member of an unknown group, protocols", async () => {
    const { c } = coordinator();
    expect((await c.joinGroup(joinParams(""))).errorCode).toBe(E.INVALID_GROUP_ID);
    expect((await c.joinGroup(joinParams("g", { sessionTimeoutMs: 5999 }))).errorCode).toBe(E.INVALID_SESSION_TIMEOUT);
    expect((await c.joinGroup(joinParams("g", { sessionTimeoutMs: 1_800_001 }))).errorCode).toBe(E.INVALID_SESSION_TIMEOUT);
    expect((await c.joinGroup(joinParams("g2", { memberId: "ghost" })))).toMatchObject({ errorCode: E.UNKNOWN_MEMBER_ID, memberId: "ghost" });
    expect((await c.joinGroup(joinParams("g3", { protocolType: "" }))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.joinGroup(joinParams("g4", { protocols: [] }))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
  });

  test("a member with another protocol type or no common protocol is INCONSISTENT_GROUP_PROTOCOL", async () => {
    const { c, clock } = coordinator();
    const a = await joinWithId(c, "g");
    clock.advance(0);
    await a.join;
    expect((await c.joinGroup(joinParams("g", { protocolType: "connect" }))).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.joinGroup(joinParams("g", { protocols: [{ name: "roundrobin", metadata: subscription(["t"]) }] }))).errorCode)
      .toBe(E.INCONSISTENT_GROUP_PROTOCOL);
  });

  test("the protocol is chosen by votes among those every member supports", async () => {
    const { c, clock } = coordinator();
    const sub = subscription(["t"]);
    const both = [{ name: "cooperative-sticky", metadata: sub }, { name: "range", metadata: sub }];
    const a = await joinWithId(c, "g", { protocols: [{ name: "range", metadata: sub }, { name: "cooperative-sticky", metadata: sub }] });
    const b = await joinWithId(c, "g", { protocols: both });
    const d = await joinWithId(c, "g", { protocols: both });
    clock.advance(0);
    const results = await Promise.all([a.join, b.join, d.join]);
    expect(new Set(results.map((r) => r.protocolName))).toEqual(new Set(["cooperative-sticky"]));
    expect(results.filter((r) => r.members.length > 0)).toHaveLength(1);
  });

  test("SyncGroup checks: unknown group/member, generation, protocol type/name", async () => {
    const { c, clock } = coordinator();
    const base = { groupId: "g", generationId: 1, memberId: "x", groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] };
    expect((await c.syncGroup({ ...base, groupId: "" })).errorCode).toBe(E.INVALID_GROUP_ID);
    expect((await c.syncGroup(base)).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    const a = await joinWithId(c, "g");
    clock.advance(0);
    const j = await a.join;
    expect((await c.syncGroup({ ...base, memberId: j.memberId, generationId: 7 })).errorCode).toBe(E.ILLEGAL_GENERATION);
    expect((await c.syncGroup({ ...base, memberId: j.memberId, protocolType: "connect" })).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.syncGroup({ ...base, memberId: j.memberId, protocolName: "roundrobin" })).errorCode).toBe(E.INCONSISTENT_GROUP_PROTOCOL);
    expect((await c.syncGroup({ ...base, memberId: "ghost" })).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
  });

  test("a second member triggers a rebalance: the first sees REBALANCE_IN_PROGRESS, rejoins, both are answered", async () => {
    const { c, clock } = coordinator();
    const a = await joinWithId(c, "g");
    clock.advance(0);
    const ja = await a.join;
    await c.syncGroup({ groupId: "g", generationId: 1, memberId: ja.memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [] });
    const b = await joinWithId(c, "g");
    expect(c.group("g")!.state).toBe("PreparingRebalance");
    expect(c.heartbeat("g", ja.memberId, null, 1)).toBe(E.REBALANCE_IN_PROGRESS);
    expect(await settled(b.join)).toBe("pending");
    const rejoin = c.joinGroup(joinParams("g", { memberId: ja.memberId }));
    const [ra, rb] = await Promise.all([rejoin, b.join]);
    expect(ra.generationId).toBe(2);
    expect(rb.generationId).toBe(2);
    expect(ra.leader).toBe(ja.memberId);
    expect(ra.members).toHaveLength(2);
    expect(rb.members).toHaveLength(0);
  });

  test("a follower rejoining a Stable group with the same metadata gets the current generation, no rebalance", async () => {
    const { c, clock } = coordinator();
    const { follower, generation } = await stableGroupOfTwo(c, clock);
    const r = await c.joinGroup(joinParams("g", { memberId: follower }));
    expect(r).toMatchObject({ errorCode: 0, generationId: generation, members: [] });
    expect(c.group("g")!.state).toBe("Stable");
  });

  test("the leader rejoining a Stable group forces a rebalance", async () => {
    const { c, clock } = coordinator();
    const { leader } = await stableGroupOfTwo(c, clock);
    const r = c.joinGroup(joinParams("g", { memberId: leader }));
    expect(c.group("g")!.state).toBe("PreparingRebalance");
    expect(await settled(r)).toBe("pending");
  });

  test("a leader's SyncGroup during a new rebalance: followers parked in SyncGroup get REBALANCE_IN_PROGRESS", async () => {
    const { c, clock } = coordinator();
    const a = await joinWithId(c, "g");
    const b = await joinWithId(c, "g");
    clock.advance(0);
    const [ja, jb] = await Promise.all([a.join, b.join]);
    const follower = ja.members.length ? jb : ja;
    const parked = c.syncGroup({ groupId: "g", generationId: 1, memberId: follower.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    await joinWithId(c, "g"); // a third member arrives before the leader syncs
    expect(await parked).toMatchObject({ errorCode: E.REBALANCE_IN_PROGRESS, protocolType: null, protocolName: null });
  });
});

describe("timing", () => {
  test("the initial rebalance waits group.initial.rebalance.delay.ms, extended by each new member", async () => {
    const { c, clock } = coordinator({ groupInitialRebalanceDelayMs: 3000 });
    const a = await joinWithId(c, "g");
    clock.advance(2000);
    expect(await settled(a.join)).toBe("pending");
    const b = await joinWithId(c, "g");
    clock.advance(1000); // the first delay ends; a member was added, so it is extended by 3000
    expect(await settled(a.join)).toBe("pending");
    clock.advance(2999);
    expect(await settled(a.join)).toBe("pending");
    clock.advance(1);
    const [ra, rb] = await Promise.all([a.join, b.join]);
    expect(ra.generationId).toBe(1);
    expect(rb.generationId).toBe(1);
  });

  test("the initial delay is capped by the rebalance timeout", async () => {
    const { c, clock } = coordinator({ groupInitialRebalanceDelayMs: 3000 });
    const a = await joinWithId(c, "g", { rebalanceTimeoutMs: 4000 });
    clock.advance(2000);
    await joinWithId(c, "g", { rebalanceTimeoutMs: 4000 });
    clock.advance(1000); // extended by min(3000, remaining 1000)
    expect(await settled(a.join)).toBe("pending");
    clock.advance(1000);
    expect((await a.join).errorCode).toBe(0);
  });

  test("a session timeout removes a silent member and rebalances the rest", async () => {
    const { c, clock } = coordinator();
    const { leader, follower } = await stableGroupOfTwo(c, clock);
    for (let i = 0; i < 3; i++) {
      clock.advance(3000);
      expect(c.heartbeat("g", leader, null, 1)).toBe(0);
    }
    expect(c.group("g")!.hasMember(follower)).toBe(true);
    clock.advance(1000);
    // The follower never heartbeat: 10 s after its assignment it is gone and the group rebalances.
    expect(c.group("g")!.hasMember(follower)).toBe(false);
    expect(c.group("g")!.state).toBe("PreparingRebalance");
    expect(c.heartbeat("g", leader, null, 1)).toBe(E.REBALANCE_IN_PROGRESS);
    const r = await c.joinGroup(joinParams("g", { memberId: leader }));
    expect(r).toMatchObject({ errorCode: 0, generationId: 2 });
    expect(r.members.map((m) => m.memberId)).toEqual([leader]);
  });

  test("a commit keeps the session like a heartbeat", async () => {
    const { c, clock } = coordinator();
    const a = await joinWithId(c, "g");
    clock.advance(0);
    const j = await a.join;
    await c.syncGroup({ groupId: "g", generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    for (let i = 0; i < 5; i++) {
      clock.advance(9000);
      const r = c.commitOffsets({ groupId: "g", generationId: 1, memberId: j.memberId, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: i, committedLeaderEpoch: -1, committedMetadata: null }] }] });
      expect(r[0]!.partitions[0]!.errorCode).toBe(0);
    }
    expect(c.group("g")!.state).toBe("Stable");
  });

  test("members that do not rejoin within the rebalance timeout are dropped", async () => {
    const { c, clock } = coordinator();
    const { leader, follower } = await stableGroupOfTwo(c, clock);
    const rejoin = c.joinGroup(joinParams("g", { memberId: leader, rebalanceTimeoutMs: 20_000 }));
    // The follower keeps heartbeating (REBALANCE_IN_PROGRESS) but never rejoins.
    for (let t = 0; t < 19_000; t += 3000) {
      clock.advance(3000);
      expect(c.heartbeat("g", follower, null, 1)).toBe(E.REBALANCE_IN_PROGRESS);
    }
    expect(await settled(rejoin)).toBe("pending");
    clock.advance(30_000);
    const r = await rejoin;
    expect(r.errorCode).toBe(0);
    expect(r.members.map((m) => m.memberId)).toEqual([leader]);
    expect(c.heartbeat("g", follower, null, 2)).toBe(E.UNKNOWN_MEMBER_ID);
  });

  test("a pending member (MEMBER_ID_REQUIRED) that never rejoins expires after its session timeout", async () => {
    const { c, clock } = coordinator();
    const first = await c.joinGroup(joinParams("g", { sessionTimeoutMs: 6000 }));
    expect(c.group("g")!.pendingJoinMembers.has(first.memberId)).toBe(true);
    clock.advance(6000);
    expect(c.group("g")!.pendingJoinMembers.size).toBe(0);
  });

  test("a member that does not send SyncGroup within the rebalance timeout is removed", async () => {
    const { c, clock } = coordinator();
    const a = await joinWithId(c, "g");
    const b = await joinWithId(c, "g");
    clock.advance(0);
    const [ja, jb] = await Promise.all([a.join, b.join]);
    const leader = ja.members.length ? ja : jb;
    const follower = leader === ja ? jb : ja;
    await c.syncGroup({ groupId: "g", generationId: 1, memberId: leader.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    for (let t = 0; t < 30_000; t += 5000) {
      clock.advance(5000);
      c.heartbeat("g", leader.memberId, null, 1);
      c.heartbeat("g", follower.memberId, null, 1);
    }
    expect(c.group("g")!.hasMember(follower.memberId)).toBe(false);
    expect(c.group("g")!.state).toBe("PreparingRebalance");
  });

  test("a new member parked in JoinGroup expires after the new-member join timeout", async () => {
    const { c, clock } = coordinator({ newMemberJoinTimeoutMs: 20_000 });
    const { leader, follower } = await stableGroupOfTwo(c, clock);
    const newcomer = await joinWithId(c, "g");
    // The old members keep their sessions but never rejoin (rebalance timeout 30 s): after the
    // 20 s new-member timeout the parked newcomer is dropped with UNKNOWN_MEMBER_ID.
    for (let t = 0; t < 18_000; t += 3000) {
      clock.advance(3000);
      expect(c.heartbeat("g", leader, null, 1)).toBe(E.REBALANCE_IN_PROGRESS);
      c.heartbeat("g", follower, null, 1);
    }
    expect(await settled(newcomer.join)).toBe("pending");
    clock.advance(2000);
    expect((await newcomer.join).errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect(c.group("g")!.hasMember(newcomer.memberId)).toBe(false);
  });
});

describe("static membership", () => {
  test("a static member restarting with an unknown member id takes over, the old id is fenced", async () => {
    const { c, clock } = coordinator();
    const join = c.joinGroup(joinParams("g", { groupInstanceId: "i1" }));
    clock.advance(0);
    const r = await join;
    expect(r.errorCode).toBe(0);
    expect(r.memberId.startsWith("i1-")).toBe(true);
    await c.syncGroup({ groupId: "g", generationId: 1, memberId: r.memberId, groupInstanceId: "i1", protocolType: null, protocolName: null, assignments: [{ memberId: r.memberId, assignment: assignment({ t: [0, 1] }) }] });
    const again = await c.joinGroup(joinParams("g", { groupInstanceId: "i1" }));
    expect(again.errorCode).toBe(0);
    expect(again.memberId).not.toBe(r.memberId);
    expect(again.generationId).toBe(1); // no rebalance
    expect(again.skipAssignment).toBe(true); // v9: the static leader keeps its assignment
    expect(c.group("g")!.state).toBe("Stable");
    expect(c.heartbeat("g", r.memberId, "i1", 1)).toBe(E.FENCED_INSTANCE_ID);
    expect(c.heartbeat("g", again.memberId, "i1", 1)).toBe(0);
    const sync = await c.syncGroup({ groupId: "g", generationId: 1, memberId: again.memberId, groupInstanceId: "i1", protocolType: null, protocolName: null, assignments: [] });
    expect(sync.assignment).toEqual(assignment({ t: [0, 1] }));
  });

  test("static members get no MEMBER_ID_REQUIRED and are removed by instance id through LeaveGroup", async () => {
    const { c, clock } = coordinator();
    const join = c.joinGroup(joinParams("g", { groupInstanceId: "i1" }));
    clock.advance(0);
    await join;
    const res = c.leaveGroup("g", [{ memberId: "", groupInstanceId: "i1", reason: "admin" }, { memberId: "", groupInstanceId: "nope", reason: null }]);
    expect(res.members.map((m) => m.errorCode)).toEqual([0, E.UNKNOWN_MEMBER_ID]);
    expect(c.group("g")!.state).toBe("Empty");
  });
});

describe("LeaveGroup", () => {
  test("members leave at once; the group rebalances; the last one leaving empties it", async () => {
    const { c, clock, records } = coordinator();
    const { leader, follower } = await stableGroupOfTwo(c, clock);
    const res = c.leaveGroup("g", [{ memberId: follower, groupInstanceId: null, reason: "bye" }, { memberId: "ghost", groupInstanceId: null, reason: null }]);
    expect(res).toEqual({ errorCode: 0, members: [
      { memberId: follower, groupInstanceId: null, errorCode: 0 },
      { memberId: "ghost", groupInstanceId: null, errorCode: E.UNKNOWN_MEMBER_ID },
    ] });
    expect(c.group("g")!.state).toBe("PreparingRebalance");
    c.leaveGroup("g", [{ memberId: leader, groupInstanceId: null, reason: null }]);
    expect(c.group("g")!.state).toBe("Empty");
    expect(c.group("g")!.generationId).toBe(2);
    const last = records.records.at(-1)!;
    expect(last).toMatchObject({ kind: "group", groupId: "g", value: { generation: 2, members: [], protocol: null, protocolType: "consumer" } });
    expect(c.leaveGroup("other", [{ memberId: "m", groupInstanceId: null, reason: null }]).members[0]!.errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    expect(c.leaveGroup("", []).errorCode).toBe(E.INVALID_GROUP_ID);
  });
});

describe("offsets", () => {
  const commit = (c: GroupCoordinator, over: Partial<Parameters<GroupCoordinator["commitOffsets"]>[0]> = {}) => c.commitOffsets({
    groupId: "g", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9,
    topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, committedMetadata: "meta" }] }],
    ...over,
  });

  test("standalone commits create a member-less group; fetch returns offset, epoch, metadata; unknown partitions -1", () => {
    const { c } = coordinator();
    expect(commit(c)[0]!.partitions[0]!.errorCode).toBe(0);
    expect(c.group("g")).toMatchObject({ state: "Empty", protocolType: null });
    const f = c.fetchOffsets("g", [{ name: "t", partitionIndexes: [0, 1] }, { name: "nope", partitionIndexes: [0] }]);
    expect(f).toEqual({
      groupId: "g", errorCode: 0, topics: [
        { name: "t", partitions: [
          { partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, metadata: "meta", errorCode: 0 },
          { partitionIndex: 1, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: 0 },
        ] },
        { name: "nope", partitions: [{ partitionIndex: 0, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: 0 }] },
      ],
    });
    expect(c.fetchOffsets("g", null).topics).toEqual([{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 42, committedLeaderEpoch: 3, metadata: "meta", errorCode: 0 }] }]);
    expect(c.fetchOffsets("unknown", null).topics).toEqual([]);
    expect(c.fetchOffsets("unknown", [{ name: "t", partitionIndexes: [0] }]).topics[0]!.partitions[0]!.committedOffset).toBe(-1);
    expect(c.listGroups([], []).map((g) => [g.groupId, g.protocolType, g.groupState])).toEqual([["g", "", "Empty"]]);
  });

  test("null metadata is stored as \"\", too-long metadata is OFFSET_METADATA_TOO_LARGE", () => {
    const { c } = coordinator({ offsetMetadataMaxBytes: 5 });
    const r = commit(c, { topics: [{ name: "t", partitions: [
      { partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null },
      { partitionIndex: 1, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: "123456" },
    ] }] });
    expect(r[0]!.partitions.map((p) => p.errorCode)).toEqual([0, E.OFFSET_METADATA_TOO_LARGE]);
    expect(c.fetchOffsets("g", null).topics[0]!.partitions).toEqual([{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, metadata: "", errorCode: 0 }]);
  });

  test("generation and member checks", async () => {
    const { c, clock } = coordinator();
    expect(commit(c, { generationId: 1, memberId: "m", apiVersion: 9 })[0]!.partitions[0]!.errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    expect(commit(c, { generationId: 1, memberId: "m", apiVersion: 8 })[0]!.partitions[0]!.errorCode).toBe(E.ILLEGAL_GENERATION);
    expect(c.group("g")).toBeUndefined();
    const a = await joinWithId(c, "g");
    clock.advance(0);
    const j = await a.join;
    // CompletingRebalance: the member has the generation but no assignment yet.
    expect(commit(c, { generationId: 1, memberId: j.memberId })[0]!.partitions[0]!.errorCode).toBe(E.REBALANCE_IN_PROGRESS);
    await c.syncGroup({ groupId: "g", generationId: 1, memberId: j.memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
    expect(commit(c, { generationId: 1, memberId: j.memberId })[0]!.partitions[0]!.errorCode).toBe(0);
    expect(commit(c, { generationId: 0, memberId: j.memberId })[0]!.partitions[0]!.errorCode).toBe(E.ILLEGAL_GENERATION);
    expect(commit(c, { generationId: 1, memberId: "ghost" })[0]!.partitions[0]!.errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    // A standalone commit while the group has members.
    expect(commit(c)[0]!.partitions[0]!.errorCode).toBe(E.UNKNOWN_MEMBER_ID);
    // During PreparingRebalance the current generation may still commit.
    await joinWithId(c, "g");
    expect(c.group("g")!.state).toBe("PreparingRebalance");
    expect(commit(c, { generationId: 1, memberId: j.memberId })[0]!.partitions[0]!.errorCode).toBe(0);
  });

  test("commits are appended as one batch to the group's partition, in Kafka's record versions", () => {
    const { c, records } = coordinator();
    commit(c, { topics: [{ name: "t", partitions: [0, 1, 2].map((p) => ({ partitionIndex: p, committedOffset: p, committedLeaderEpoch: -1, committedMetadata: "" })) }] });
    expect(records.batches).toHaveLength(1);
    expect(records.batches[0]!.partition).toBe(partitionForGroup("g", 50));
    expect(records.batches[0]!.records).toHaveLength(3);
  });

  test("an append failure answers NOT_COORDINATOR and changes nothing", () => {
    const { c, records } = coordinator();
    records.failAppends = true;
    expect(commit(c)[0]!.partitions[0]!.errorCode).toBe(E.NOT_COORDINATOR);
    expect(c.fetchOffsets("g", null).topics).toEqual([]);
    expect(c.group("g")).toBeUndefined();
  });
});

describe("retention", () => {
  const HOUR = 3_600_000;

  test("offsets of an empty group expire a retention period after it became empty; the group goes with them", async () => {
    const { c, clock, records } = coordinator({ offsetsRetentionMs: 24 * HOUR, offsetsRetentionCheckIntervalMs: HOUR });
    const { leader, follower } = await stableGroupOfTwo(c, clock);
    c.commitOffsets({ groupId: "g", generationId: 1, memberId: leader, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    // Nobody heartbeats: both members expire 10 s later and the group becomes Empty then.
    clock.advance(10_000);
    expect(c.group("g")!.hasMember(follower)).toBe(false);
    expect(c.group("g")?.state).toBe("Empty");
    clock.advance(24 * HOUR - 10_000); // the check at 24 h: empty for less than 24 h
    expect(c.group("g")?.state).toBe("Empty");
    clock.advance(HOUR);
    expect(c.group("g")).toBeUndefined();
    expect(c.fetchOffsets("g", null).topics).toEqual([]);
    expect(records.records.slice(-2)).toEqual([
      { kind: "offset", groupId: "g", topic: "t", partition: 0, value: null },
      { kind: "group", groupId: "g", value: null },
    ]);
  });

  test("standalone offsets expire a retention period after their commit; a v2-v4 retention time sets its own expiry", () => {
    const { c, clock } = coordinator({ offsetsRetentionMs: 24 * HOUR, offsetsRetentionCheckIntervalMs: HOUR });
    const at = (p: number, retentionTimeMs = -1) => c.commitOffsets({ groupId: "s", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs, apiVersion: 4, topics: [{ name: "t", partitions: [{ partitionIndex: p, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    at(0);
    at(1, 2 * HOUR);
    clock.advance(2 * HOUR);
    expect(c.fetchOffsets("s", null).topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0]);
    clock.advance(12 * HOUR);
    at(2);
    clock.advance(11 * HOUR);
    expect(c.fetchOffsets("s", null).topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([2]);
    clock.advance(14 * HOUR);
    expect(c.group("s")).toBeUndefined();
  });

  test("offsets of a Stable group for topics it consumes do not expire", async () => {
    const { c, clock } = coordinator({ offsetsRetentionMs: HOUR, offsetsRetentionCheckIntervalMs: HOUR });
    const { leader, follower } = await stableGroupOfTwo(c, clock);
    c.commitOffsets({ groupId: "g", generationId: 1, memberId: leader, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [
      { name: "t", partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] },
      { name: "other", partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] },
    ] });
    for (let t = 0; t < 3 * HOUR; t += 5000) {
      clock.advance(5000);
      c.heartbeat("g", leader, null, 1);
      c.heartbeat("g", follower, null, 1);
    }
    expect(c.fetchOffsets("g", null).topics.map((t) => t.name)).toEqual(["t"]);
  });
});

describe("administration", () => {
  test("ListGroups filters by state and type; DescribeGroups shows members, metadata only when Stable", async () => {
    const { c, clock } = coordinator();
    const { leader } = await stableGroupOfTwo(c, clock);
    c.commitOffsets({ groupId: "simple", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [] });
    c.commitOffsets({ groupId: "simple", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect(c.listGroups([], []).map((g) => g.groupId).sort()).toEqual(["g", "simple"]);
    expect(c.listGroups(["stable"], []).map((g) => g.groupId)).toEqual(["g"]);
    expect(c.listGroups([" EMPTY "], ["Classic"]).map((g) => g.groupId)).toEqual(["simple"]);
    expect(c.listGroups([], ["consumer"])).toEqual([]);
    const [g, unknown] = c.describeGroups(["g", "nope"]);
    expect(g).toMatchObject({ groupId: "g", errorCode: 0, groupState: "Stable", protocolType: "consumer", protocolData: "range" });
    expect(g!.members.map((m) => m.memberId).sort()).toEqual([...c.group("g")!.members.keys()].sort());
    const lm = g!.members.find((m) => m.memberId === leader)!;
    expect(lm).toMatchObject({ clientId: "client", clientHost: "/127.0.0.1", groupInstanceId: null });
    expect(lm.memberMetadata).toEqual(subscription(["t"]));
    expect(lm.memberAssignment).toEqual(assignment({ t: [0] }));
    expect(unknown).toEqual({ groupId: "nope", errorCode: 0, groupState: "Dead", protocolType: "", protocolData: "", members: [] });
    await joinWithId(c, "g");
    const [rebalancing] = c.describeGroups(["g"]);
    expect(rebalancing!.groupState).toBe("PreparingRebalance");
    expect(rebalancing!.protocolData).toBe("");
    expect(rebalancing!.members[0]!.memberMetadata).toEqual(new Uint8Array(0));
  });

  test("DeleteGroups: NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND, and deletion with the offsets", async () => {
    const { c, clock } = coordinator();
    await stableGroupOfTwo(c, clock);
    c.commitOffsets({ groupId: "s", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 0, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    expect(c.deleteGroups(["g", "nope", "s", "s"])).toEqual([
      { groupId: "g", errorCode: E.NON_EMPTY_GROUP },
      { groupId: "nope", errorCode: E.GROUP_ID_NOT_FOUND },
      { groupId: "s", errorCode: 0 },
    ]);
    expect(c.group("s")).toBeUndefined();
    expect(c.fetchOffsets("s", null).topics).toEqual([]);
    expect(c.deleteGroups(["s"])).toEqual([{ groupId: "s", errorCode: E.GROUP_ID_NOT_FOUND }]);
  });

  test("OffsetDelete: GROUP_SUBSCRIBED_TO_TOPIC for consumed topics, deletes the others", async () => {
    const { c, clock } = coordinator();
    const { leader } = await stableGroupOfTwo(c, clock);
    c.commitOffsets({ groupId: "g", generationId: 1, memberId: leader, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [
      { name: "t", partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] },
      { name: "old", partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: null }] },
    ] });
    const r = c.deleteOffsets("g", [{ name: "t", partitions: [0] }, { name: "old", partitions: [0, 1] }]);
    expect(r).toEqual({ errorCode: 0, topics: [
      { name: "t", partitions: [{ partitionIndex: 0, errorCode: E.GROUP_SUBSCRIBED_TO_TOPIC }] },
      { name: "old", partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] },
    ] });
    expect(c.fetchOffsets("g", null).topics.map((t) => t.name)).toEqual(["t"]);
    expect(c.deleteOffsets("nope", []).errorCode).toBe(E.GROUP_ID_NOT_FOUND);
    expect(c.deleteOffsets("", []).errorCode).toBe(E.INVALID_GROUP_ID);
  });
});

describe("reloading from __consumer_offsets records", () => {
  test("offsets and the Stable group come back; members that do not come back expire", async () => {
    const { c, clock, records } = coordinator();
    const { leader, follower } = await stableGroupOfTwo(c, clock);
    c.commitOffsets({ groupId: "g", generationId: 1, memberId: leader, groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: 2, committedMetadata: "m" }] }] });
    c.commitOffsets({ groupId: "s", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [{ name: "t", partitions: [{ partitionIndex: 1, committedOffset: 9, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    c.shutdown();

    const clock2 = new ManualScheduler(clock.now());
    const c2 = new GroupCoordinator(records, clock2, { ...DEFAULT_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0 }, quiet);
    expect(c2.load()).toEqual({ groups: 2, offsets: 2, openTransactions: 0 });
    const g = c2.group("g")!;
    expect(g).toMatchObject({ state: "Stable", generationId: 1, protocolType: "consumer", protocolName: "range", leaderId: leader });
    expect([...g.members.keys()].sort()).toEqual([leader, follower].sort());
    expect(g.member(follower).assignment).toEqual(assignment({ t: [1] }));
    expect(c2.fetchOffsets("g", null).topics[0]!.partitions[0]).toEqual({ partitionIndex: 0, committedOffset: 7, committedLeaderEpoch: 2, metadata: "m", errorCode: 0 });
    expect(c2.fetchOffsets("s", null).topics[0]!.partitions[0]!.committedOffset).toBe(9);
    // The leader carries on in the same generation; the follower never returns and expires.
    expect(c2.heartbeat("g", leader, null, 1)).toBe(0);
    clock2.advance(5000);
    expect(c2.heartbeat("g", leader, null, 1)).toBe(0);
    clock2.advance(5000);
    expect(g.hasMember(follower)).toBe(false);
    expect(c2.heartbeat("g", leader, null, 1)).toBe(E.REBALANCE_IN_PROGRESS);
  });

  test("deleted groups and offsets stay deleted", () => {
    const { c, records } = coordinator();
    c.commitOffsets({ groupId: "s", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 9, topics: [{ name: "t", partitions: [{ partitionIndex: 1, committedOffset: 9, committedLeaderEpoch: -1, committedMetadata: null }] }] });
    c.deleteGroups(["s"]);
    const c2 = new GroupCoordinator(records, new ManualScheduler(), DEFAULT_COORDINATOR_CONFIG, quiet);
    expect(c2.load()).toEqual({ groups: 0, offsets: 0, openTransactions: 0 });
  });
});
