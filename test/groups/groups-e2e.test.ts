// End to end through the compiled ./bunka: every served version of the group APIs answers
// well-formed, a parked JoinGroup blocks no other connection, committed offsets and group state
// survive kill -9, and what lands in __consumer_offsets is Kafka's record format; transactional
// offsets stay pending across kill -9 (and, with a transaction coordinator, EndTxn commits them).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { FIND_COORDINATOR, readFindCoordinatorResponse, writeFindCoordinatorRequest } from "../../src/protocol/messages/find-coordinator.ts";
import { JOIN_GROUP, readJoinGroupResponse, writeJoinGroupRequest, type JoinGroupRequest } from "../../src/protocol/messages/join-group.ts";
import { SYNC_GROUP, readSyncGroupResponse, writeSyncGroupRequest } from "../../src/protocol/messages/sync-group.ts";
import { HEARTBEAT, readHeartbeatResponse, writeHeartbeatRequest } from "../../src/protocol/messages/heartbeat.ts";
import { LEAVE_GROUP, readLeaveGroupResponse, writeLeaveGroupRequest } from "../../src/protocol/messages/leave-group.ts";
import { OFFSET_COMMIT, readOffsetCommitResponse, writeOffsetCommitRequest, type OffsetCommitRequest } from "../../src/protocol/messages/offset-commit.ts";
import { OFFSET_FETCH, readOffsetFetchResponse, writeOffsetFetchRequest } from "../../src/protocol/messages/offset-fetch.ts";
import { LIST_GROUPS, readListGroupsResponse, writeListGroupsRequest } from "../../src/protocol/messages/list-groups.ts";
import { DESCRIBE_GROUPS, readDescribeGroupsResponse, writeDescribeGroupsRequest } from "../../src/protocol/messages/describe-groups.ts";
import { DELETE_GROUPS, readDeleteGroupsResponse, writeDeleteGroupsRequest } from "../../src/protocol/messages/delete-groups.ts";
import { OFFSET_DELETE, readOffsetDeleteResponse, writeOffsetDeleteRequest } from "../../src/protocol/messages/offset-delete.ts";
import { readApiVersionsResponse, writeApiVersionsRequest, API_VERSIONS } from "../../src/protocol/messages/api-versions.ts";
import { TXN_OFFSET_COMMIT, readTxnOffsetCommitResponse, writeTxnOffsetCommitRequest } from "../../src/protocol/messages/txn-offset-commit.ts";
import { INIT_PRODUCER_ID, readInitProducerIdResponse, writeInitProducerIdRequest } from "../../src/protocol/messages/init-producer-id.ts";
import { ADD_OFFSETS_TO_TXN, readAddOffsetsToTxnResponse, writeAddOffsetsToTxnRequest } from "../../src/protocol/messages/add-offsets-to-txn.ts";
import { END_TXN, readEndTxnResponse, writeEndTxnRequest } from "../../src/protocol/messages/end-txn.ts";
import { ClusterMetadata } from "../../src/storage/cluster-metadata.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { partitionForGroup } from "../../src/groups/offsets-topic.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";
import { layOutLogDir, randomTopicId } from "../support/log-dir.ts";
import { assignment, subscription } from "./helpers.ts";
import { call, send } from "./wire.ts";

const FIND = { spec: FIND_COORDINATOR, write: writeFindCoordinatorRequest, read: readFindCoordinatorResponse };
const JOIN = { spec: JOIN_GROUP, write: writeJoinGroupRequest, read: readJoinGroupResponse };
const SYNC = { spec: SYNC_GROUP, write: writeSyncGroupRequest, read: readSyncGroupResponse };
const HB = { spec: HEARTBEAT, write: writeHeartbeatRequest, read: readHeartbeatResponse };
const LEAVE = { spec: LEAVE_GROUP, write: writeLeaveGroupRequest, read: readLeaveGroupResponse };
const COMMIT = { spec: OFFSET_COMMIT, write: writeOffsetCommitRequest, read: readOffsetCommitResponse };
const FETCH = { spec: OFFSET_FETCH, write: writeOffsetFetchRequest, read: readOffsetFetchResponse };
const LIST = { spec: LIST_GROUPS, write: writeListGroupsRequest, read: readListGroupsResponse };
const DESCRIBE = { spec: DESCRIBE_GROUPS, write: writeDescribeGroupsRequest, read: readDescribeGroupsResponse };
const DELETE = { spec: DELETE_GROUPS, write: writeDeleteGroupsRequest, read: readDeleteGroupsResponse };
const ODELETE = { spec: OFFSET_DELETE, write: writeOffsetDeleteRequest, read: readOffsetDeleteResponse };
const APIV = { spec: API_VERSIONS, write: writeApiVersionsRequest, read: readApiVersionsResponse };
const TXN_COMMIT = { spec: TXN_OFFSET_COMMIT, write: writeTxnOffsetCommitRequest, read: readTxnOffsetCommitResponse };
const INIT = { spec: INIT_PRODUCER_ID, write: writeInitProducerIdRequest, read: readInitProducerIdResponse };
const ADD_OFFSETS = { spec: ADD_OFFSETS_TO_TXN, write: writeAddOffsetsToTxnRequest, read: readAddOffsetsToTxnResponse };
const END = { spec: END_TXN, write: writeEndTxnRequest, read: readEndTxnResponse };

const TOPIC = "events";
const PROPS = { "group.initial.rebalance.delay.ms": 0, "offsets.topic.num.partitions": 50 };

let broker: RunningBroker;
let client: WireClient;

function layOut(dir: string): void {
  layOutLogDir(dir, [{ name: TOPIC, topicId: randomTopicId(), partitions: [[], [], []] }]);
}

beforeAll(async () => {
  const logDir = tempDir();
  layOut(logDir);
  broker = await startBroker({ logDir, properties: PROPS });
  client = await WireClient.connect(broker.port);
});

afterAll(async () => {
  client?.close();
  await broker?.stop();
});

function joinRequest(groupId: string, memberId: string, over: Partial<JoinGroupRequest> = {}): JoinGroupRequest {
  return {
    groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, memberId, groupInstanceId: null,
    protocolType: "consumer", protocols: [{ name: "range", metadata: subscription([TOPIC]) }], reason: null, ...over,
  };
}

function commitRequest(groupId: string, partitions: [number, number][], over: Partial<OffsetCommitRequest> = {}): OffsetCommitRequest {
  return {
    groupId, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: TOPIC, partitions: partitions.map(([p, o]) => ({ partitionIndex: p, committedOffset: o, committedLeaderEpoch: 0, committedMetadata: `m${o}` })) }],
    ...over,
  };
}

/** Joins (MEMBER_ID_REQUIRED first from v4) and syncs a lone member; returns its id and generation. */
async function joinAlone(c: WireClient, groupId: string, version = 9): Promise<{ memberId: string; generationId: number }> {
  let r = await call(c, JOIN, version, joinRequest(groupId, ""));
  if (version >= 4) {
    expect(r.errorCode).toBe(79);
    r = await call(c, JOIN, version, joinRequest(groupId, r.memberId));
  }
  expect(r.errorCode).toBe(0);
  const s = await call(c, SYNC, Math.min(version, 5), {
    groupId, generationId: r.generationId, memberId: r.memberId, groupInstanceId: null,
    protocolType: "consumer", protocolName: "range", assignments: [{ memberId: r.memberId, assignment: assignment({ [TOPIC]: [0, 1, 2] }) }],
  });
  expect(s.errorCode).toBe(0);
  return { memberId: r.memberId, generationId: r.generationId };
}

describe("ApiVersions", () => {
  test("advertises the group APIs with Kafka 4's ranges", async () => {
    // v2: ApiVersions answers with response header v0 even when flexible, so stay below v3 here.
    const res = await call(client, APIV, 2, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    const ranges = Object.fromEntries(res.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
    expect(ranges[8]).toEqual([2, 9]);
    expect(ranges[9]).toEqual([1, 9]);
    expect(ranges[10]).toEqual([0, 6]);
    expect(ranges[11]).toEqual([0, 9]);
    expect(ranges[12]).toEqual([0, 4]);
    expect(ranges[13]).toEqual([0, 5]);
    expect(ranges[14]).toEqual([0, 5]);
    expect(ranges[15]).toEqual([0, 5]);
    expect(ranges[16]).toEqual([0, 5]);
    expect(ranges[42]).toEqual([0, 2]);
    expect(ranges[47]).toEqual([0, 0]);
  });
});

describe("FindCoordinator", () => {
  test("v0..v3: this node for a group, error_message NONE from v1", async () => {
    for (let v = 0; v <= 3; v++) {
      const r = await call(client, FIND, v, { key: `g${v}`, keyType: 0, coordinatorKeys: [] });
      expect(r).toMatchObject({ errorCode: 0, nodeId: 1, host: "127.0.0.1", port: broker.port });
      if (v >= 1) expect(r.errorMessage).toBe("NONE");
    }
  });

  test("v4..v6: one answer per key; transaction keys are this node too (the transaction coordinator)", async () => {
    for (let v = 4; v <= 6; v++) {
      const r = await call(client, FIND, v, { key: "", keyType: 0, coordinatorKeys: ["a", "b"] });
      expect(r.coordinators).toEqual([
        { key: "a", nodeId: 1, host: "127.0.0.1", port: broker.port, errorCode: 0, errorMessage: "" },
        { key: "b", nodeId: 1, host: "127.0.0.1", port: broker.port, errorCode: 0, errorMessage: "" },
      ]);
      const t = await call(client, FIND, v, { key: "", keyType: 1, coordinatorKeys: ["tx\nforged"] });
      expect(t.coordinators).toEqual([{ key: "tx\nforged", nodeId: 1, host: "127.0.0.1", port: broker.port, errorCode: 0, errorMessage: "" }]);
    }
    const old = await call(client, FIND, 1, { key: "tx", keyType: 1, coordinatorKeys: [] });
    expect(old).toMatchObject({ errorCode: 0, errorMessage: "NONE", nodeId: 1, host: "127.0.0.1", port: broker.port });
  });

  test("creates __consumer_offsets (50 partitions, compacted) on first need", async () => {
    await call(client, FIND, 3, { key: "any", keyType: 0, coordinatorKeys: [] });
    // The metadata log is the broker's; read a copy of the model from disk.
    const md = ClusterMetadata.load({ dir: join(broker.logDir, "__cluster_metadata-0") });
    const topic = md.topicsByName.get("__consumer_offsets");
    expect(topic?.partitions).toHaveLength(50);
    expect(md.topicConfigs.get("__consumer_offsets")?.get("cleanup.policy")).toBe("compact");
    expect(md.topicConfigs.get("__consumer_offsets")?.get("compression.type")).toBe("producer");
  });
});

describe("the classic protocol, every version", () => {
  test("JoinGroup v0..v9 with SyncGroup, Heartbeat and LeaveGroup at matching versions", async () => {
    for (let v = 0; v <= 9; v++) {
      const groupId = `join-v${v}`;
      const first = await call(client, JOIN, v, joinRequest(groupId, ""));
      let memberId = "";
      let r = first;
      if (v >= 4) {
        expect(first.errorCode).toBe(79);
        expect(first.protocolName).toBe(v >= 7 ? null : "");
        memberId = first.memberId;
        r = await call(client, JOIN, v, joinRequest(groupId, memberId));
      }
      expect(r.errorCode).toBe(0);
      memberId = r.memberId;
      expect(memberId).toStartWith("bunka-test-");
      expect(r).toMatchObject({ generationId: 1, leader: memberId, protocolName: "range", protocolType: v >= 7 ? "consumer" : null, skipAssignment: false });
      expect(r.members.map((m) => m.memberId)).toEqual([memberId]);
      expect(r.members[0]!.metadata).toEqual(subscription([TOPIC]));

      const sv = Math.min(v, 5);
      const s = await call(client, SYNC, sv, {
        groupId, generationId: 1, memberId, groupInstanceId: null,
        protocolType: sv >= 5 ? "consumer" : null, protocolName: sv >= 5 ? "range" : null,
        assignments: [{ memberId, assignment: assignment({ [TOPIC]: [0] }) }],
      });
      expect(s).toEqual({ throttleTimeMs: 0, errorCode: 0, protocolType: sv >= 5 ? "consumer" : null, protocolName: sv >= 5 ? "range" : null, assignment: assignment({ [TOPIC]: [0] }) });

      const hv = Math.min(v, 4);
      expect((await call(client, HB, hv, { groupId, generationId: 1, memberId, groupInstanceId: null })).errorCode).toBe(0);
      expect((await call(client, HB, hv, { groupId, generationId: 2, memberId, groupInstanceId: null })).errorCode).toBe(22);

      const lv = Math.min(v, 5);
      const leave = await call(client, LEAVE, lv, {
        groupId, memberId: lv < 3 ? memberId : "",
        members: lv >= 3 ? [{ memberId, groupInstanceId: null, reason: "done" }, { memberId: "ghost", groupInstanceId: null, reason: null }] : [],
      });
      if (lv >= 3) {
        expect(leave.errorCode).toBe(0);
        expect(leave.members.map((m) => [m.memberId, m.errorCode])).toEqual([[memberId, 0], ["ghost", 25]]);
      } else {
        expect(leave.errorCode).toBe(0);
      }
      const d = await call(client, DESCRIBE, 0, { groups: [groupId], includeAuthorizedOperations: false });
      expect(d.groups[0]).toMatchObject({ groupState: "Empty", protocolType: "consumer", members: [] });
    }
  });

  test("SyncGroup v5 without protocol type/name is INCONSISTENT_GROUP_PROTOCOL; bad session timeout and empty group id are refused", async () => {
    const s = await call(client, SYNC, 5, { groupId: "x", generationId: 1, memberId: "m", groupInstanceId: null, protocolType: null, protocolName: "range", assignments: [] });
    expect(s.errorCode).toBe(23);
    expect((await call(client, JOIN, 9, joinRequest("x", "", { sessionTimeoutMs: 1000 }))).errorCode).toBe(26);
    expect((await call(client, JOIN, 9, joinRequest("", ""))).errorCode).toBe(24);
    expect((await call(client, HB, 4, { groupId: "", generationId: 1, memberId: "m", groupInstanceId: null })).errorCode).toBe(24);
  });
});

describe("offsets, every version", () => {
  test("OffsetCommit v2..v9 then OffsetFetch v1..v9 (v8+ several groups at once)", async () => {
    for (let v = 2; v <= 9; v++) {
      const groupId = `offsets-v${v}`;
      const r = await call(client, COMMIT, v, commitRequest(groupId, [[0, 10 + v], [1, 20 + v]]));
      expect(r.topics).toEqual([{ name: TOPIC, partitions: [{ partitionIndex: 0, errorCode: 0 }, { partitionIndex: 1, errorCode: 0 }] }]);
    }
    for (let f = 1; f <= 7; f++) {
      const groupId = `offsets-v${Math.max(2, f)}`;
      const c = Math.max(2, f);
      const r = await call(client, FETCH, f, { groupId, topics: [{ name: TOPIC, partitionIndexes: [0, 1, 2] }], groups: [], requireStable: false });
      expect(r.errorCode).toBe(0);
      expect(r.topics).toEqual([{ name: TOPIC, partitions: [
        { partitionIndex: 0, committedOffset: 10 + c, committedLeaderEpoch: f >= 5 && c >= 6 ? 0 : -1, metadata: `m${10 + c}`, errorCode: 0 },
        { partitionIndex: 1, committedOffset: 20 + c, committedLeaderEpoch: f >= 5 && c >= 6 ? 0 : -1, metadata: `m${20 + c}`, errorCode: 0 },
        { partitionIndex: 2, committedOffset: -1, committedLeaderEpoch: -1, metadata: "", errorCode: 0 },
      ] }]);
      if (f >= 2) {
        const all = await call(client, FETCH, f, { groupId, topics: null, groups: [], requireStable: false });
        expect(all.topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([0, 1]);
      }
    }
    for (const f of [8, 9]) {
      const r = await call(client, FETCH, f, {
        groupId: "", topics: null, requireStable: true,
        groups: [
          { groupId: "offsets-v8", memberId: null, memberEpoch: -1, topics: [{ name: TOPIC, partitionIndexes: [0] }] },
          { groupId: "offsets-v9", memberId: null, memberEpoch: -1, topics: null },
          { groupId: "no-such-group", memberId: null, memberEpoch: -1, topics: null },
        ],
      });
      expect(r.groups).toEqual([
        { groupId: "offsets-v8", errorCode: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 18, committedLeaderEpoch: 0, metadata: "m18", errorCode: 0 }] }] },
        { groupId: "offsets-v9", errorCode: 0, topics: [{ name: TOPIC, partitions: [
          { partitionIndex: 0, committedOffset: 19, committedLeaderEpoch: 0, metadata: "m19", errorCode: 0 },
          { partitionIndex: 1, committedOffset: 29, committedLeaderEpoch: 0, metadata: "m29", errorCode: 0 },
        ] }] },
        { groupId: "no-such-group", errorCode: 0, topics: [] },
      ]);
    }
  });

  test("unknown topics and partitions are UNKNOWN_TOPIC_OR_PARTITION; generation checks against a real group", async () => {
    const r = await call(client, COMMIT, 9, {
      ...commitRequest("mixed", [[0, 1], [7, 1]]),
      topics: [
        { name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }, { partitionIndex: 7, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] },
        { name: "nope", partitions: [{ partitionIndex: 0, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: null }] },
      ],
    });
    // Kafka's order: partitions refused before the coordinator first, then the coordinator's answers.
    expect(r.topics.map((t) => t.partitions.map((p) => [p.partitionIndex, p.errorCode]))).toEqual([[[7, 3], [0, 0]], [[0, 3]]]);
    const { memberId, generationId } = await joinAlone(client, "gen-checks");
    const ok = await call(client, COMMIT, 8, commitRequest("gen-checks", [[0, 5]], { generationIdOrMemberEpoch: generationId, memberId }));
    expect(ok.topics[0]!.partitions[0]!.errorCode).toBe(0);
    const stale = await call(client, COMMIT, 8, commitRequest("gen-checks", [[0, 5]], { generationIdOrMemberEpoch: generationId + 1, memberId }));
    expect(stale.topics[0]!.partitions[0]!.errorCode).toBe(22);
    const standalone = await call(client, COMMIT, 8, commitRequest("gen-checks", [[0, 5]]));
    expect(standalone.topics[0]!.partitions[0]!.errorCode).toBe(25);
    const noGroup8 = await call(client, COMMIT, 8, commitRequest("never-joined", [[0, 5]], { generationIdOrMemberEpoch: 3, memberId: "m" }));
    expect(noGroup8.topics[0]!.partitions[0]!.errorCode).toBe(22);
    const noGroup9 = await call(client, COMMIT, 9, commitRequest("never-joined", [[0, 5]], { generationIdOrMemberEpoch: 3, memberId: "m" }));
    expect(noGroup9.topics[0]!.partitions[0]!.errorCode).toBe(69);
  });
});

describe("administration, every version", () => {
  test("ListGroups v0..v5, DescribeGroups v0..v5, OffsetDelete v0, DeleteGroups v0..v2", async () => {
    const { memberId } = await joinAlone(client, "admin-stable");
    await call(client, COMMIT, 9, commitRequest("admin-empty", [[0, 1], [1, 2]]));
    for (let v = 0; v <= 5; v++) {
      const r = await call(client, LIST, v, { statesFilter: v >= 4 ? ["Stable"] : [], typesFilter: v >= 5 ? ["classic"] : [] });
      expect(r.errorCode).toBe(0);
      const stable = r.groups.find((g) => g.groupId === "admin-stable");
      expect(stable).toMatchObject({ protocolType: "consumer", groupState: v >= 4 ? "Stable" : "", groupType: v >= 5 ? "classic" : "" });
      if (v >= 4) expect(r.groups.find((g) => g.groupId === "admin-empty")).toBeUndefined();
      else expect(r.groups.find((g) => g.groupId === "admin-empty")).toMatchObject({ protocolType: "" });
    }
    for (let v = 0; v <= 5; v++) {
      const r = await call(client, DESCRIBE, v, { groups: ["admin-stable", "no-such"], includeAuthorizedOperations: true }, "describer");
      const [g, none] = r.groups;
      expect(g).toMatchObject({ errorCode: 0, groupId: "admin-stable", groupState: "Stable", protocolType: "consumer", protocolData: "range" });
      expect(g!.members).toHaveLength(1);
      expect(g!.members[0]).toMatchObject({ memberId, clientId: "bunka-test", clientHost: "/127.0.0.1", groupInstanceId: null });
      expect(g!.members[0]!.memberMetadata).toEqual(subscription([TOPIC]));
      expect(g!.members[0]!.memberAssignment).toEqual(assignment({ [TOPIC]: [0, 1, 2] }));
      expect(g!.authorizedOperations).toBe(v >= 3 ? 3400 : -2147483648);
      expect(none).toMatchObject({ errorCode: 0, groupId: "no-such", groupState: "Dead", protocolType: "", protocolData: "", members: [] });
    }
    const od = await call(client, ODELETE, 0, { groupId: "admin-empty", topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }] });
    expect(od).toEqual({ errorCode: 0, throttleTimeMs: 0, topics: [{ name: TOPIC, partitions: [{ partitionIndex: 9, errorCode: 3 }, { partitionIndex: 0, errorCode: 0 }] }] });
    const subscribed = await call(client, ODELETE, 0, { groupId: "admin-stable", topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }] });
    expect(subscribed.topics[0]!.partitions[0]!.errorCode).toBe(86);
    const left = await call(client, FETCH, 9, { groupId: "", topics: null, requireStable: false, groups: [{ groupId: "admin-empty", memberId: null, memberEpoch: -1, topics: null }] });
    expect(left.groups[0]!.topics[0]!.partitions.map((p) => p.partitionIndex)).toEqual([1]);
    for (let v = 0; v <= 2; v++) {
      await call(client, COMMIT, 9, commitRequest(`del-${v}`, [[0, 1]]));
      const r = await call(client, DELETE, v, { groupsNames: [`del-${v}`, "admin-stable", "no-such"] });
      expect(r.results).toEqual([
        { groupId: `del-${v}`, errorCode: 0 },
        { groupId: "admin-stable", errorCode: 68 },
        { groupId: "no-such", errorCode: 69 },
      ]);
    }
  });
});

describe("a parked JoinGroup", () => {
  test("blocks no other connection; it is answered once the rebalance completes", async () => {
    const a = await WireClient.connect(broker.port);
    const b = await WireClient.connect(broker.port);
    const other = await WireClient.connect(broker.port);
    try {
      const first = await joinAlone(a, "parked");
      const req = await call(b, JOIN, 9, joinRequest("parked", ""));
      const parked = send(b, JOIN, 9, joinRequest("parked", req.memberId));
      // Another connection is served meanwhile, and sees the rebalance.
      const list = await call(other, LIST, 4, { statesFilter: ["PreparingRebalance"], typesFilter: [] });
      expect(list.groups.map((g) => g.groupId)).toContain("parked");
      expect((await call(a, HB, 4, { groupId: "parked", generationId: first.generationId, memberId: first.memberId, groupInstanceId: null })).errorCode).toBe(27);
      const rejoin = await call(a, JOIN, 9, joinRequest("parked", first.memberId));
      const newcomer = await parked();
      expect(rejoin).toMatchObject({ errorCode: 0, generationId: 2, leader: first.memberId });
      expect(rejoin.members).toHaveLength(2);
      expect(newcomer).toMatchObject({ errorCode: 0, generationId: 2, leader: first.memberId, members: [] });
    } finally {
      a.close();
      b.close();
      other.close();
    }
  });
});

describe("restart", () => {
  test("committed offsets and group state survive kill -9, in Kafka's record format", async () => {
    const logDir = tempDir();
    layOut(logDir);
    const first = await startBroker({ logDir, properties: PROPS, keepLogDir: true });
    const c1 = await WireClient.connect(first.port);
    const { memberId, generationId } = await joinAlone(c1, "durable");
    for (let i = 1; i <= 20; i++) {
      const r = await call(c1, COMMIT, 9, commitRequest("durable", [[0, i * 10], [1, i * 20]], { generationIdOrMemberEpoch: generationId, memberId }));
      expect(r.topics[0]!.partitions.every((p) => p.errorCode === 0)).toBe(true);
    }
    await call(c1, COMMIT, 2, commitRequest("standalone", [[2, 77]], { retentionTimeMs: 3_600_000 }));
    c1.close();
    await first.kill9();

    const second = await startBroker({ logDir, properties: PROPS });
    try {
      expect(second.output()).toContain("loaded 2 group(s), 3 committed offset(s) and 0 open transaction(s)");
      const c2 = await WireClient.connect(second.port);
      const f = await call(c2, FETCH, 9, {
        groupId: "", topics: null, requireStable: false,
        groups: [{ groupId: "durable", memberId: null, memberEpoch: -1, topics: null }, { groupId: "standalone", memberId: null, memberEpoch: -1, topics: null }],
      });
      expect(f.groups[0]!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([[0, 200, "m200"], [1, 400, "m400"]]);
      expect(f.groups[1]!.topics[0]!.partitions.map((p) => [p.partitionIndex, p.committedOffset])).toEqual([[2, 77]]);
      const d = await call(c2, DESCRIBE, 5, { groups: ["durable"], includeAuthorizedOperations: false });
      expect(d.groups[0]).toMatchObject({ groupState: "Stable", protocolData: "range" });
      expect(d.groups[0]!.members.map((m) => m.memberId)).toEqual([memberId]);
      // The member carries on in its generation.
      expect((await call(c2, HB, 4, { groupId: "durable", generationId, memberId, groupInstanceId: null })).errorCode).toBe(0);
      const s = await call(c2, SYNC, 5, { groupId: "durable", generationId, memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [] });
      expect(s.assignment).toEqual(assignment({ [TOPIC]: [0, 1, 2] }));
      c2.close();
    } finally {
      await second.stop();
    }

    // The stored records: OffsetCommitKey v1 / OffsetCommitValue v3 (v1 with an expiry), GroupMetadataKey v2 / value v3.
    const dirs = readdirSync(logDir).filter((d) => d.startsWith("__consumer_offsets-"));
    expect(dirs).toHaveLength(50);
    const p = partitionForGroup("durable", 50);
    const plog = PartitionLog.open(join(logDir, `__consumer_offsets-${p}`));
    const versions: string[] = [];
    for (const batch of plog.batchesFrom(0)) {
      for (const rec of decodeRecords(new RecordBatchView(batch))) {
        const kv = new DataView(rec.key!.buffer, rec.key!.byteOffset).getInt16(0);
        const vv = rec.value ? new DataView(rec.value.buffer, rec.value.byteOffset).getInt16(0) : null;
        versions.push(`${kv}/${vv}`);
      }
    }
    plog.close();
    expect(new Set(versions)).toEqual(new Set(["2/3", "1/3"]));
    const sp = partitionForGroup("standalone", 50);
    expect(existsSync(join(logDir, `__consumer_offsets-${sp}`))).toBe(true);
  });
});

describe("transactional offsets", () => {
  /** Retries a coordinator request while it answers a retriable error (coordinator not ready, concurrent transactions). */
  async function retrying<R extends { errorCode: number }>(send: () => Promise<R>): Promise<R> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const r = await send();
      if (![14, 15, 16, 51].includes(r.errorCode) || Date.now() > deadline) return r;
      await Bun.sleep(100);
    }
  }

  test("TxnOffsetCommit stays pending (UNSTABLE_OFFSET_COMMIT) across kill -9 until the transaction ends", async () => {
    const logDir = tempDir();
    layOut(logDir);
    const first = await startBroker({ logDir, properties: PROPS, keepLogDir: true });
    const c1 = await WireClient.connect(first.port);
    const group = "txn-durable";
    expect((await call(c1, FIND, 3, { key: group, keyType: 0, coordinatorKeys: [] })).errorCode).toBe(0);
    // With a transaction coordinator the producer is a real one that added the group's offsets to
    // its transaction; without one (InitProducerId refuses transactional ids), a made-up producer.
    const init = await retrying(() => call(c1, INIT, 5, { transactionalId: "tx-e2e", transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 }));
    const coordinated = init.errorCode === 0;
    const producer = coordinated ? { producerId: init.producerId, producerEpoch: init.producerEpoch } : { producerId: 4242, producerEpoch: 0 };
    if (coordinated) {
      const added = await retrying(() => call(c1, ADD_OFFSETS, 4, { transactionalId: "tx-e2e", ...producer, groupId: group }));
      expect(added.errorCode).toBe(0);
    }
    await call(c1, COMMIT, 9, commitRequest(group, [[0, 5]]));
    const committed = await call(c1, TXN_COMMIT, 3, {
      transactionalId: "tx-e2e", groupId: group, ...producer, generationId: -1, memberId: "", groupInstanceId: null,
      topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0, committedOffset: 50, committedLeaderEpoch: 0, committedMetadata: "t50" }, { partitionIndex: 1, committedOffset: 51, committedLeaderEpoch: 0, committedMetadata: "t51" }] }],
    });
    expect(committed.topics[0]!.partitions.map((p) => p.errorCode)).toEqual([0, 0]);
    const fetch = async (c: WireClient, requireStable: boolean) =>
      (await call(c, FETCH, 7, { groupId: group, topics: [{ name: TOPIC, partitionIndexes: [0, 1, 2] }], groups: [], requireStable })).topics[0]!.partitions.map((p) => [p.committedOffset, p.errorCode]);
    expect(await fetch(c1, true)).toEqual([[-1, 88], [-1, 88], [-1, 0]]);
    expect(await fetch(c1, false)).toEqual([[5, 0], [-1, 0], [-1, 0]]);
    c1.close();
    await first.kill9();

    const second = await startBroker({ logDir, properties: PROPS });
    try {
      expect(second.output()).toContain("1 committed offset(s) and 1 open transaction(s)");
      const c2 = await WireClient.connect(second.port);
      expect(await fetch(c2, true)).toEqual([[-1, 88], [-1, 88], [-1, 0]]);
      expect(await fetch(c2, false)).toEqual([[5, 0], [-1, 0], [-1, 0]]);
      if (coordinated) {
        const ended = await retrying(() => call(c2, END, 5, { transactionalId: "tx-e2e", ...producer, committed: true }));
        expect(ended.errorCode).toBe(0);
        // EndTxn may answer before the markers are written (Kafka does): wait for them.
        const deadline = Date.now() + 10_000;
        let got = await fetch(c2, true);
        while (got.some(([, e]) => e === 88) && Date.now() < deadline) {
          await Bun.sleep(50);
          got = await fetch(c2, true);
        }
        expect(got).toEqual([[50, 0], [51, 0], [-1, 0]]);
      }
      c2.close();
    } finally {
      await second.stop();
    }
  });
});
