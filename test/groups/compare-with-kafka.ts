// Runs the same tricky group-coordinator exchanges against two brokers (e.g. a real Kafka from
// test/interop/kafka-run.sh and Bunka) and prints where their answers differ. Both need a topic
// "events" with 3 partitions and group.initial.rebalance.delay.ms=0.
//
//   bun test/groups/compare-with-kafka.ts 127.0.0.1:29492 127.0.0.1:<bunka port>
//
// Member ids are normalized ("<member-N>") so that only shapes and error codes are compared.

import { Reader } from "../../src/protocol/reader.ts";
import { FIND_COORDINATOR, readFindCoordinatorResponse, writeFindCoordinatorRequest } from "../../src/protocol/messages/find-coordinator.ts";
import { JOIN_GROUP, readJoinGroupResponse, writeJoinGroupRequest, type JoinGroupRequest } from "../../src/protocol/messages/join-group.ts";
import { SYNC_GROUP, readSyncGroupResponse, writeSyncGroupRequest } from "../../src/protocol/messages/sync-group.ts";
import { HEARTBEAT, readHeartbeatResponse, writeHeartbeatRequest } from "../../src/protocol/messages/heartbeat.ts";
import { LEAVE_GROUP, readLeaveGroupResponse, writeLeaveGroupRequest } from "../../src/protocol/messages/leave-group.ts";
import { OFFSET_COMMIT, readOffsetCommitResponse, writeOffsetCommitRequest } from "../../src/protocol/messages/offset-commit.ts";
import { OFFSET_FETCH, readOffsetFetchResponse, writeOffsetFetchRequest } from "../../src/protocol/messages/offset-fetch.ts";
import { LIST_GROUPS, readListGroupsResponse, writeListGroupsRequest } from "../../src/protocol/messages/list-groups.ts";
import { DESCRIBE_GROUPS, readDescribeGroupsResponse, writeDescribeGroupsRequest } from "../../src/protocol/messages/describe-groups.ts";
import { DELETE_GROUPS, readDeleteGroupsResponse, writeDeleteGroupsRequest } from "../../src/protocol/messages/delete-groups.ts";
import { OFFSET_DELETE, readOffsetDeleteResponse, writeOffsetDeleteRequest } from "../../src/protocol/messages/offset-delete.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { WireClient } from "../support/wire-client.ts";
import { assignment, subscription } from "./helpers.ts";

interface Api<Req, Res> {
  spec: { apiKey: number; requestFlexibleFrom: number; responseFlexibleFrom: number };
  write: (w: Writer, v: number, req: Req) => void;
  read: (r: Reader, v: number) => Res;
}
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

let cid = 1;
async function call<Req, Res>(c: WireClient, api: Api<Req, Res>, v: number, req: Req): Promise<Res> {
  const id = cid++;
  c.send(api.spec.apiKey, v, id, v >= api.spec.requestFlexibleFrom ? 2 : 1, (w) => api.write(w, v, req), "cmp");
  const r = new Reader(await c.receive(30_000));
  r.int32();
  if (v >= api.spec.responseFlexibleFrom) r.skipTaggedFields();
  const res = api.read(r, v);
  if (r.failed || r.remaining !== 0) throw new Error(`api ${api.spec.apiKey} v${v}: malformed response`);
  return res;
}

const T = "events";
const join = (groupId: string, memberId: string, over: Partial<JoinGroupRequest> = {}): JoinGroupRequest => ({
  groupId, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 20_000, memberId, groupInstanceId: null,
  protocolType: "consumer", protocols: [{ name: "range", metadata: subscription([T]) }], reason: null, ...over,
});
const commit = (groupId: string, gen: number, memberId: string, parts: number[], topic = T) => ({
  groupId, generationIdOrMemberEpoch: gen, memberId, groupInstanceId: null, retentionTimeMs: -1,
  topics: [{ name: topic, partitions: parts.map((p) => ({ partitionIndex: p, committedOffset: 5, committedLeaderEpoch: -1, committedMetadata: "x" })) }],
});

async function scenario(bootstrap: string): Promise<Record<string, unknown>> {
  const [host, port] = bootstrap.split(":");
  const c = await WireClient.connect(Number(port), host);
  const out: Record<string, unknown> = {};
  const run = Date.now().toString(36);
  const g = `cmp-${run}`;
  // The first group lookup (Kafka: COORDINATOR_NOT_AVAILABLE while it creates __consumer_offsets).
  out.findFirst = await call(c, FIND, 1, { key: g, keyType: 0, coordinatorKeys: [] });
  for (let i = 0; i < 60; i++) {
    const f = await call(c, FIND, 1, { key: g, keyType: 0, coordinatorKeys: [] });
    if (f.errorCode === 0) break;
    await Bun.sleep(500);
  }
  out.findV4 = (await call(c, FIND, 4, { key: "", keyType: 0, coordinatorKeys: [g] })).coordinators.map((x) => ({ ...x, host: "-", port: 0 }));
  out.findTxn = await call(c, FIND, 3, { key: "tx", keyType: 1, coordinatorKeys: [] });
  out.findTxnV4 = await call(c, FIND, 4, { key: "", keyType: 1, coordinatorKeys: ["tx"] });
  out.joinV9Required = await call(c, JOIN, 9, join(g, ""));
  out.joinV6Required = await call(c, JOIN, 6, join(`${g}-v6`, ""));
  out.joinBadSession = await call(c, JOIN, 9, join(g, "", { sessionTimeoutMs: 1000 }));
  out.joinNoProtocolType = await call(c, JOIN, 5, join(`${g}-nopt`, "", { protocolType: "" }));
  out.joinUnknownMemberNewGroup = await call(c, JOIN, 9, join(`${g}-new`, "someone"));
  const memberId = (out.joinV9Required as { memberId: string }).memberId;
  const joined = await call(c, JOIN, 9, join(g, memberId));
  out.joined = joined;
  out.joinOtherType = await call(c, JOIN, 9, join(g, "", { protocolType: "connect" }));
  out.commitCompleting = await call(c, COMMIT, 9, commit(g, joined.generationId, memberId, [0]));
  out.syncMissingName = await call(c, SYNC, 5, { groupId: g, generationId: 1, memberId, groupInstanceId: null, protocolType: "consumer", protocolName: null, assignments: [] });
  out.syncWrongName = await call(c, SYNC, 5, { groupId: g, generationId: 1, memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "roundrobin", assignments: [] });
  out.sync = await call(c, SYNC, 5, { groupId: g, generationId: 1, memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [{ memberId, assignment: assignment({ [T]: [0, 1, 2] }) }] });
  out.syncUnknownGroup = await call(c, SYNC, 3, { groupId: `${g}-none`, generationId: 1, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments: [] });
  out.hbOk = await call(c, HB, 4, { groupId: g, generationId: 1, memberId, groupInstanceId: null });
  out.hbGen = await call(c, HB, 4, { groupId: g, generationId: 2, memberId, groupInstanceId: null });
  out.hbMember = await call(c, HB, 4, { groupId: g, generationId: 1, memberId: "ghost", groupInstanceId: null });
  out.hbGroup = await call(c, HB, 4, { groupId: `${g}-none`, generationId: 1, memberId: "ghost", groupInstanceId: null });
  out.hbStatic = await call(c, HB, 4, { groupId: g, generationId: 1, memberId, groupInstanceId: "inst" });
  out.hbEmptyGroupId = await call(c, HB, 4, { groupId: "", generationId: 1, memberId, groupInstanceId: null });
  out.commitOk = await call(c, COMMIT, 9, commit(g, 1, memberId, [0, 1, 7]));
  out.commitUnknownTopic = await call(c, COMMIT, 9, commit(g, 1, memberId, [0], "no-such-topic"));
  out.commitStandaloneOnStable = await call(c, COMMIT, 9, commit(g, -1, "", [0]));
  out.commitUnknownGroupV8 = await call(c, COMMIT, 8, commit(`${g}-none`, 3, "m", [0]));
  out.commitUnknownGroupV9 = await call(c, COMMIT, 9, commit(`${g}-none`, 3, "m", [0]));
  out.commitStandalone = await call(c, COMMIT, 9, commit(`${g}-simple`, -1, "", [0, 1]));
  out.commitTooLarge = await call(c, COMMIT, 9, { ...commit(`${g}-simple`, -1, "", [2]), topics: [{ name: T, partitions: [{ partitionIndex: 2, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: "y".repeat(5000) }] }] });
  out.fetchV1 = await call(c, FETCH, 1, { groupId: `${g}-simple`, topics: [{ name: T, partitionIndexes: [0, 2] }, { name: "no-such-topic", partitionIndexes: [0] }], groups: [], requireStable: false });
  out.fetchAllUnknown = await call(c, FETCH, 7, { groupId: `${g}-none`, topics: null, groups: [], requireStable: true });
  out.fetchV9 = await call(c, FETCH, 9, { groupId: "", topics: null, requireStable: false, groups: [
    { groupId: `${g}-simple`, memberId: null, memberEpoch: -1, topics: null },
    { groupId: `${g}-none`, memberId: null, memberEpoch: -1, topics: [{ name: T, partitionIndexes: [0] }] },
  ] });
  out.describe = await call(c, DESCRIBE, 5, { groups: [g, `${g}-simple`, `${g}-none`, ""], includeAuthorizedOperations: true });
  out.describeNoOps = await call(c, DESCRIBE, 5, { groups: [g], includeAuthorizedOperations: false });
  const listed = await call(c, LIST, 5, { statesFilter: [], typesFilter: [] });
  out.list = listed.groups.filter((x) => x.groupId.startsWith(g)).sort((a, b) => a.groupId.localeCompare(b.groupId));
  out.listFiltered = (await call(c, LIST, 5, { statesFilter: ["STABLE"], typesFilter: ["CLASSIC"] })).groups.filter((x) => x.groupId.startsWith(g));
  out.listConsumerType = (await call(c, LIST, 5, { statesFilter: [], typesFilter: ["consumer"] })).groups.filter((x) => x.groupId.startsWith(g));
  out.offsetDeleteSubscribed = await call(c, ODELETE, 0, { groupId: g, topics: [{ name: T, partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }, { name: "no-such-topic", partitions: [{ partitionIndex: 0 }] }] });
  out.offsetDeleteSimple = await call(c, ODELETE, 0, { groupId: `${g}-simple`, topics: [{ name: T, partitions: [{ partitionIndex: 0 }, { partitionIndex: 9 }] }] });
  out.offsetDeleteUnknown = await call(c, ODELETE, 0, { groupId: `${g}-none`, topics: [{ name: T, partitions: [{ partitionIndex: 0 }] }] });
  out.deleteGroups = await call(c, DELETE, 2, { groupsNames: [g, `${g}-simple`, `${g}-none`, `${g}-simple`] });
  out.leaveV0Unknown = await call(c, LEAVE, 0, { groupId: `${g}-none`, memberId: "m", members: [] });
  out.leaveV1Ghost = await call(c, LEAVE, 1, { groupId: g, memberId: "ghost", members: [] });
  out.leaveV3UnknownGroup = await call(c, LEAVE, 3, { groupId: `${g}-none`, memberId: "", members: [{ memberId: "m", groupInstanceId: null, reason: null }] });
  out.leaveV5 = await call(c, LEAVE, 5, { groupId: g, memberId: "", members: [{ memberId, groupInstanceId: null, reason: "bye" }, { memberId: "", groupInstanceId: "nope", reason: null }] });
  out.describeAfterLeave = await call(c, DESCRIBE, 5, { groups: [g], includeAuthorizedOperations: false });
  out.hbAfterLeave = await call(c, HB, 4, { groupId: g, generationId: 1, memberId, groupInstanceId: null });
  out.listAfterLeave = (await call(c, LIST, 5, { statesFilter: [], typesFilter: [] })).groups.filter((x) => x.groupId.startsWith(g)).sort((a, b) => a.groupId.localeCompare(b.groupId));
  c.close();
  return JSON.parse(JSON.stringify(out, (k, v) => (v instanceof Uint8Array ? `bytes(${v.length})` : v)).replaceAll(run, "RUN"));
}

function normalize(value: unknown): unknown {
  const ids = new Map<string, string>();
  const text = JSON.stringify(value).replace(/cmp-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, (m) => {
    if (!ids.has(m)) ids.set(m, `<member-${ids.size + 1}>`);
    return ids.get(m)!;
  });
  return JSON.parse(text);
}

function diff(path: string, a: unknown, b: unknown, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (a && b && typeof a === "object" && typeof b === "object" && Array.isArray(a) === Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diff(`${path}.${k}`, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], out);
    return;
  }
  out.push(`${path}: ${JSON.stringify(a)}  vs  ${JSON.stringify(b)}`);
}

const [left, right] = process.argv.slice(2);
if (!left || !right) {
  console.error("usage: bun test/groups/compare-with-kafka.ts <kafka host:port> <bunka host:port>");
  process.exit(2);
}
const a = normalize(await scenario(left));
const b = normalize(await scenario(right));
const out: string[] = [];
diff("", a, b, out);
if (process.env.VERBOSE) console.log(JSON.stringify(a, null, 1));
console.log(out.length === 0 ? "no differences" : out.join("\n"));
