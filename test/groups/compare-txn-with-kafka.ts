// Runs transactional offset commit exchanges (TxnOffsetCommit, OffsetFetch require_stable,
// OffsetDelete/DeleteGroups with pending transactional offsets) against a broker and prints the
// answers as JSON, so Bunka's can be compared with a real Kafka's (test/interop/kafka-run.sh).
// The broker needs a topic "events" with 3 partitions and group.initial.rebalance.delay.ms=0,
// and a transaction coordinator (InitProducerId, AddOffsetsToTxn, EndTxn).
//
//   bun test/groups/compare-txn-with-kafka.ts 127.0.0.1:<kafka port> [127.0.0.1:<bunka port>]
//
// With two brokers it prints where their answers differ.

import { Reader } from "../../src/protocol/reader.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { FIND_COORDINATOR, readFindCoordinatorResponse, writeFindCoordinatorRequest } from "../../src/protocol/messages/find-coordinator.ts";
import { JOIN_GROUP, readJoinGroupResponse, writeJoinGroupRequest, type JoinGroupRequest } from "../../src/protocol/messages/join-group.ts";
import { SYNC_GROUP, readSyncGroupResponse, writeSyncGroupRequest } from "../../src/protocol/messages/sync-group.ts";
import { OFFSET_COMMIT, readOffsetCommitResponse, writeOffsetCommitRequest } from "../../src/protocol/messages/offset-commit.ts";
import { OFFSET_FETCH, readOffsetFetchResponse, writeOffsetFetchRequest } from "../../src/protocol/messages/offset-fetch.ts";
import { OFFSET_DELETE, readOffsetDeleteResponse, writeOffsetDeleteRequest } from "../../src/protocol/messages/offset-delete.ts";
import { DELETE_GROUPS, readDeleteGroupsResponse, writeDeleteGroupsRequest } from "../../src/protocol/messages/delete-groups.ts";
import { INIT_PRODUCER_ID, readInitProducerIdResponse, writeInitProducerIdRequest } from "../../src/protocol/messages/init-producer-id.ts";
import { ADD_OFFSETS_TO_TXN, readAddOffsetsToTxnResponse, writeAddOffsetsToTxnRequest } from "../../src/protocol/messages/add-offsets-to-txn.ts";
import { END_TXN, readEndTxnResponse, writeEndTxnRequest } from "../../src/protocol/messages/end-txn.ts";
import {
  TXN_OFFSET_COMMIT, readTxnOffsetCommitResponse, writeTxnOffsetCommitRequest, type TxnOffsetCommitRequest,
} from "../../src/protocol/messages/txn-offset-commit.ts";
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
const COMMIT = { spec: OFFSET_COMMIT, write: writeOffsetCommitRequest, read: readOffsetCommitResponse };
const FETCH = { spec: OFFSET_FETCH, write: writeOffsetFetchRequest, read: readOffsetFetchResponse };
const ODELETE = { spec: OFFSET_DELETE, write: writeOffsetDeleteRequest, read: readOffsetDeleteResponse };
const DELETE = { spec: DELETE_GROUPS, write: writeDeleteGroupsRequest, read: readDeleteGroupsResponse };
const INIT = { spec: INIT_PRODUCER_ID, write: writeInitProducerIdRequest, read: readInitProducerIdResponse };
const ADD_OFFSETS = { spec: ADD_OFFSETS_TO_TXN, write: writeAddOffsetsToTxnRequest, read: readAddOffsetsToTxnResponse };
const END = { spec: END_TXN, write: writeEndTxnRequest, read: readEndTxnResponse };
const TXN_COMMIT = { spec: TXN_OFFSET_COMMIT, write: writeTxnOffsetCommitRequest, read: readTxnOffsetCommitResponse };

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

async function waitForCoordinator(c: WireClient, key: string, keyType: number): Promise<number> {
  let last = -1;
  for (let i = 0; i < 60; i++) {
    last = (await call(c, FIND, 3, { key, keyType, coordinatorKeys: [] })).errorCode;
    if (last === 0) return 0;
    await Bun.sleep(500);
  }
  return last;
}

interface Producer { transactionalId: string; producerId: number; producerEpoch: number }

async function initProducer(c: WireClient, transactionalId: string): Promise<Producer> {
  await waitForCoordinator(c, transactionalId, 1);
  for (let i = 0; i < 40; i++) {
    const r = await call(c, INIT, 5, { transactionalId, transactionTimeoutMs: 60_000, producerId: -1, producerEpoch: -1 });
    if (r.errorCode === 0) return { transactionalId, producerId: r.producerId, producerEpoch: r.producerEpoch };
    await Bun.sleep(250);
  }
  throw new Error(`InitProducerId ${transactionalId} failed`);
}

function txnCommit(p: Producer, groupId: string, parts: [number, number][], over: Partial<TxnOffsetCommitRequest> = {}, topic = T): TxnOffsetCommitRequest {
  return {
    transactionalId: p.transactionalId, groupId, producerId: p.producerId, producerEpoch: p.producerEpoch,
    generationId: -1, memberId: "", groupInstanceId: null,
    topics: [{ name: topic, partitions: parts.map(([partitionIndex, committedOffset]) => ({ partitionIndex, committedOffset, committedLeaderEpoch: -1, committedMetadata: `m${committedOffset}` })) }],
    ...over,
  };
}

async function addOffsets(c: WireClient, p: Producer, groupId: string, v = 4): Promise<unknown> {
  let r;
  for (let i = 0; i < 40; i++) {
    r = await call(c, ADD_OFFSETS, v, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, groupId });
    if (r.errorCode !== 51) break; // CONCURRENT_TRANSACTIONS: the previous one is still completing
    await Bun.sleep(100);
  }
  return r;
}

/** After EndTxn (answered before the markers are written): waits until no partition of the group is UNSTABLE_OFFSET_COMMIT. */
async function waitStable(c: WireClient, groupId: string): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    const r = await call(c, FETCH, 7, { groupId, topics: [{ name: T, partitionIndexes: [0, 1, 2] }], groups: [], requireStable: true });
    if (r.topics.every((t) => t.partitions.every((x) => x.errorCode !== 88))) return true;
    await Bun.sleep(50);
  }
  return false;
}

async function endTxn(c: WireClient, p: Producer, committed: boolean, v = 5): Promise<unknown> {
  let r;
  for (let i = 0; i < 40; i++) {
    r = await call(c, END, v, { transactionalId: p.transactionalId, producerId: p.producerId, producerEpoch: p.producerEpoch, committed });
    if (r.errorCode !== 51) break; // CONCURRENT_TRANSACTIONS: the previous one is still completing
    await Bun.sleep(100);
  }
  // Transaction version 2 bumps the epoch at every EndTxn.
  if (r && r.errorCode === 0 && v >= 5 && r.producerEpoch >= 0) p.producerEpoch = r.producerEpoch;
  return r;
}

const fetchStable = (c: WireClient, groupId: string, requireStable: boolean, parts = [0, 1, 2]) =>
  call(c, FETCH, 7, { groupId, topics: [{ name: T, partitionIndexes: parts }], groups: [], requireStable });
const fetchAll = (c: WireClient, groupId: string, requireStable: boolean) =>
  call(c, FETCH, 7, { groupId, topics: null, groups: [], requireStable });

const join = (groupId: string, memberId: string, over: Partial<JoinGroupRequest> = {}): JoinGroupRequest => ({
  groupId, sessionTimeoutMs: 30_000, rebalanceTimeoutMs: 30_000, memberId, groupInstanceId: null,
  protocolType: "consumer", protocols: [{ name: "range", metadata: subscription([T]) }], reason: null, ...over,
});

async function scenario(bootstrap: string): Promise<Record<string, unknown>> {
  const [host, port] = bootstrap.split(":");
  const c = await WireClient.connect(Number(port), host);
  const out: Record<string, unknown> = {};
  const run = Date.now().toString(36);
  const g = `tcmp-${run}`;
  await waitForCoordinator(c, g, 0);

  // Without AddOffsetsToTxn: the partition was never added to the transaction.
  const p0 = await initProducer(c, `${g}-t0`);
  out.notAddedV3 = await call(c, TXN_COMMIT, 3, txnCommit(p0, `${g}-a`, [[0, 1]]));
  out.notAddedV5 = await call(c, TXN_COMMIT, 5, txnCommit(p0, `${g}-a`, [[0, 1]]));
  out.notAddedFetch = await fetchStable(c, `${g}-a`, true);
  out.notAddedEnd = await endTxn(c, p0, false);
  out.notAddedStable = await waitStable(c, `${g}-a`);
  out.notAddedAfterAbort = await fetchStable(c, `${g}-a`, true);

  // A simple (member-less) group: plain commit, then a transactional one, then fetches.
  const p1 = await initProducer(c, `${g}-t1`);
  out.plain = await call(c, COMMIT, 9, { groupId: `${g}-s`, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: T, partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, committedMetadata: "plain" }] }] });
  out.addOffsets = await addOffsets(c, p1, `${g}-s`);
  out.txnCommitOk = await call(c, TXN_COMMIT, 3, txnCommit(p1, `${g}-s`, [[0, 10], [1, 11]]));
  out.txnUnknownTopic = await call(c, TXN_COMMIT, 3, txnCommit(p1, `${g}-s`, [[0, 1]], {}, "no-such-topic"));
  out.txnUnknownPartition = await call(c, TXN_COMMIT, 3, txnCommit(p1, `${g}-s`, [[0, 10], [7, 1]]));
  out.txnTooLarge = await call(c, TXN_COMMIT, 3, { ...txnCommit(p1, `${g}-s`, [[2, 1]]), topics: [{ name: T, partitions: [{ partitionIndex: 2, committedOffset: 1, committedLeaderEpoch: -1, committedMetadata: "y".repeat(5000) }] }] });
  out.txnEmptyGroup = await call(c, TXN_COMMIT, 3, txnCommit(p1, "", [[0, 1]]));
  out.txnUnknownGroupGen = await call(c, TXN_COMMIT, 3, txnCommit(p1, `${g}-none`, [[0, 1]], { generationId: 2, memberId: "m" }));
  out.txnUnknownGroupMember = await call(c, TXN_COMMIT, 3, txnCommit(p1, `${g}-none2`, [[0, 1]], { memberId: "m" }));
  out.txnStaleEpoch = await call(c, TXN_COMMIT, 3, txnCommit(p1, `${g}-s`, [[0, 12]], { producerEpoch: p1.producerEpoch - 1 }));
  out.txnNewerEpoch = await call(c, TXN_COMMIT, 3, txnCommit(p1, `${g}-s`, [[0, 12]], { producerEpoch: p1.producerEpoch + 1 }));
  out.txnWrongProducerId = await call(c, TXN_COMMIT, 3, txnCommit(p1, `${g}-s`, [[0, 12]], { producerId: p1.producerId + 1000 }));
  out.txnStaleEpochV5 = await call(c, TXN_COMMIT, 5, txnCommit(p1, `${g}-s`, [[0, 12]], { producerEpoch: p1.producerEpoch - 1 }));
  out.txnNewerEpochV5 = await call(c, TXN_COMMIT, 5, txnCommit(p1, `${g}-s`, [[0, 12]], { producerEpoch: p1.producerEpoch + 1 }));
  out.txnWrongProducerIdV5 = await call(c, TXN_COMMIT, 5, txnCommit(p1, `${g}-s`, [[0, 12]], { producerId: p1.producerId + 1000 }));
  out.txnWrongTxnId = await call(c, TXN_COMMIT, 3, txnCommit({ ...p1, transactionalId: `${g}-other` }, `${g}-s`, [[0, 12]]));
  out.fetchStable = await fetchStable(c, `${g}-s`, true);
  out.fetchUnstable = await fetchStable(c, `${g}-s`, false);
  out.fetchAllStable = await fetchAll(c, `${g}-s`, true);
  out.fetchAllUnstable = await fetchAll(c, `${g}-s`, false);
  out.fetchV6 = await call(c, FETCH, 6, { groupId: `${g}-s`, topics: [{ name: T, partitionIndexes: [0, 1, 2] }], groups: [], requireStable: false });
  out.fetchV8 = await call(c, FETCH, 8, { groupId: "", topics: null, requireStable: true, groups: [
    { groupId: `${g}-s`, memberId: null, memberEpoch: -1, topics: [{ name: T, partitionIndexes: [0, 2] }] },
    { groupId: `${g}-s`, memberId: null, memberEpoch: -1, topics: null },
  ] });
  out.commit = await endTxn(c, p1, true);
  out.stable = await waitStable(c, `${g}-s`);
  out.fetchAfterCommit = await fetchStable(c, `${g}-s`, true);

  // Abort: the pending offsets are dropped; the plain commit stays.
  out.addOffsets2 = await addOffsets(c, p1, `${g}-s`);
  out.txnCommit2 = await call(c, TXN_COMMIT, 5, txnCommit(p1, `${g}-s`, [[0, 20], [2, 22]]));
  out.abort = await endTxn(c, p1, false);
  out.stable2 = await waitStable(c, `${g}-s`);
  out.fetchAfterAbort = await fetchStable(c, `${g}-s`, true);

  // A plain commit after the transactional one, before the marker: the later (plain) one wins.
  out.addOffsets3 = await addOffsets(c, p1, `${g}-s`);
  out.txnCommit3 = await call(c, TXN_COMMIT, 5, txnCommit(p1, `${g}-s`, [[1, 30]]));
  out.plainAfterTxn = await call(c, COMMIT, 9, { groupId: `${g}-s`, generationIdOrMemberEpoch: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: T, partitions: [{ partitionIndex: 1, committedOffset: 31, committedLeaderEpoch: -1, committedMetadata: "plain2" }] }] });
  out.fetchPlainAfterTxnStable = await fetchStable(c, `${g}-s`, true);
  out.commit3 = await endTxn(c, p1, true);
  out.stable3 = await waitStable(c, `${g}-s`);
  out.fetchAfterCommit3 = await fetchStable(c, `${g}-s`, true);

  // OffsetDelete while a transactional offset is pending, then the commit: not resurrected.
  out.addOffsets4 = await addOffsets(c, p1, `${g}-s`);
  out.txnCommit4 = await call(c, TXN_COMMIT, 5, txnCommit(p1, `${g}-s`, [[0, 40], [2, 42]]));
  out.offsetDeletePending = await call(c, ODELETE, 0, { groupId: `${g}-s`, topics: [{ name: T, partitions: [{ partitionIndex: 2 }] }] });
  out.fetchAfterOffsetDelete = await fetchStable(c, `${g}-s`, true);
  out.commit4 = await endTxn(c, p1, true);
  out.stable4 = await waitStable(c, `${g}-s`);
  out.fetchAfterCommit4 = await fetchStable(c, `${g}-s`, true);

  // DeleteGroups of a group whose only offsets are pending transactional ones.
  const p2 = await initProducer(c, `${g}-t2`);
  out.addOffsets5 = await addOffsets(c, p2, `${g}-d`);
  out.txnCommit5 = await call(c, TXN_COMMIT, 5, txnCommit(p2, `${g}-d`, [[0, 50]]));
  out.deleteGroupPending = await call(c, DELETE, 2, { groupsNames: [`${g}-d`] });
  out.fetchAfterDeleteGroup = await fetchStable(c, `${g}-d`, true);
  out.commit5 = await endTxn(c, p2, true);
  out.stable5 = await waitStable(c, `${g}-d`);
  out.fetchAfterCommit5 = await fetchStable(c, `${g}-d`, true);

  // A group with a member: generation / member / instance checks (v3+), and older versions.
  const first = await call(c, JOIN, 9, join(`${g}-m`, "", { groupInstanceId: null }));
  const memberId = first.memberId;
  const joined = await call(c, JOIN, 9, join(`${g}-m`, memberId));
  out.joined = { errorCode: joined.errorCode, generationId: joined.generationId };
  const p3 = await initProducer(c, `${g}-t3`);
  out.addOffsets6 = await addOffsets(c, p3, `${g}-m`);
  const gen = joined.generationId;
  out.txnCompleting = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-m`, [[0, 60]], { generationId: gen, memberId }));
  out.sync = (await call(c, SYNC, 5, { groupId: `${g}-m`, generationId: gen, memberId, groupInstanceId: null, protocolType: "consumer", protocolName: "range", assignments: [{ memberId, assignment: assignment({ [T]: [0, 1, 2] }) }] })).errorCode;
  out.txnMemberOk = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-m`, [[0, 61]], { generationId: gen, memberId }));
  out.txnBadGeneration = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-m`, [[0, 62]], { generationId: gen + 1, memberId }));
  out.txnUnknownMember = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-m`, [[0, 62]], { generationId: gen, memberId: "ghost" }));
  out.txnInstanceFenced = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-m`, [[0, 62]], { generationId: gen, memberId, groupInstanceId: "inst" }));
  out.txnNoGenerationV3 = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-m`, [[1, 63]]));
  out.txnV2 = await call(c, TXN_COMMIT, 2, txnCommit(p3, `${g}-m`, [[2, 64]], { generationId: gen + 5, memberId: "ignored" }));
  out.txnV0 = await call(c, TXN_COMMIT, 0, txnCommit(p3, `${g}-m`, [[2, 65]]));
  const st = await call(c, JOIN, 9, join(`${g}-st`, "", { groupInstanceId: "inst" }));
  out.staticJoined = { errorCode: st.errorCode, generationId: st.generationId };
  out.addOffsets7 = await addOffsets(c, p3, `${g}-st`);
  out.txnStaticFenced = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-st`, [[0, 70]], { generationId: st.generationId, memberId: "other", groupInstanceId: "inst" }));
  out.txnStaticUnknown = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-st`, [[0, 70]], { generationId: st.generationId, memberId: st.memberId, groupInstanceId: "nobody" }));
  out.txnStaticOk = await call(c, TXN_COMMIT, 3, txnCommit(p3, `${g}-st`, [[0, 71]], { generationId: st.generationId, memberId: st.memberId, groupInstanceId: "inst" }));
  out.commitPlainStable = await call(c, COMMIT, 9, { groupId: `${g}-m`, generationIdOrMemberEpoch: gen, memberId, groupInstanceId: null, retentionTimeMs: -1,
    topics: [{ name: T, partitions: [{ partitionIndex: 1, committedOffset: 66, committedLeaderEpoch: -1, committedMetadata: "" }] }] });
  out.deleteGroupMembers = await call(c, DELETE, 2, { groupsNames: [`${g}-m`] });
  out.commit6 = await endTxn(c, p3, true);
  out.stable6 = await waitStable(c, `${g}-m`);
  out.fetchAfterCommit6 = await fetchStable(c, `${g}-m`, true);
  c.close();
  return JSON.parse(JSON.stringify(out).replaceAll(run, "RUN"));
}

function normalize(value: unknown): unknown {
  // Producer ids and epochs differ between brokers; member ids too.
  return JSON.parse(JSON.stringify(value, (k, v) => (k === "producerId" || k === "producerEpoch" ? "<n>" : v))
    .replace(/tcmp-RUN-[0-9a-f-]{36}/g, "<member>").replace(/cmp-[0-9a-f]{8}-[0-9a-f-]{27}/g, "<member>"));
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

if (import.meta.main) {
  const [a, b] = process.argv.slice(2);
  if (!a) throw new Error("usage: compare-txn-with-kafka.ts host:port [host:port]");
  const ra = normalize(await scenario(a));
  if (!b) {
    console.log(JSON.stringify(ra, null, 1));
  } else {
    const rb = normalize(await scenario(b));
    const out: string[] = [];
    diff("", ra, rb, out);
    console.log(out.length === 0 ? "same answers" : out.join("\n"));
  }
}
