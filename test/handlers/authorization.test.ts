// Authorization in the handlers, with a principal: every API checks what Kafka's KafkaApis (and
// ControllerApis, AclApis) check, with the same error codes, through the bytes at each API's
// newest served version (handler-harness). ACLs are written the way CreateAcls writes them
// (AccessControlEntryRecords in __cluster_metadata), so the authorizer hears of them as in the
// broker. Principals: User:admin (super user), User:alice and User:bob; client host 127.0.0.1.
// The ACL APIs' answers were compared with Kafka 4.3.1's (authorizer on) by hand: same codes and
// messages, same connection close for UNKNOWN codes (see the report of issue 13).

import { afterAll, describe, expect, test } from "bun:test";
import "../../src/handlers/index.ts";
import { UnparsableRequestError, handlerFor } from "../../src/handlers/registry.ts";
import { startGroupCoordinator } from "../../src/groups/startup.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import {
  AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as RT, type AclBinding, type Principal,
} from "../../src/security/authorizer.ts";
import { STANDARD_AUTHORIZER } from "../../src/config/authorizer-config.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { handlerHarness, type Codec, type HarnessBroker, type Sender } from "../support/handler-harness.ts";
import * as PR from "../../src/protocol/messages/produce.ts";
import * as FE from "../../src/protocol/messages/fetch.ts";
import * as LO from "../../src/protocol/messages/list-offsets.ts";
import * as MD from "../../src/protocol/messages/metadata.ts";
import * as OC from "../../src/protocol/messages/offset-commit.ts";
import * as OF from "../../src/protocol/messages/offset-fetch.ts";
import * as FC from "../../src/protocol/messages/find-coordinator.ts";
import * as JG from "../../src/protocol/messages/join-group.ts";
import * as HB from "../../src/protocol/messages/heartbeat.ts";
import * as LG from "../../src/protocol/messages/leave-group.ts";
import * as SG from "../../src/protocol/messages/sync-group.ts";
import * as DG from "../../src/protocol/messages/describe-groups.ts";
import * as LS from "../../src/protocol/messages/list-groups.ts";
import * as CT from "../../src/protocol/messages/create-topics.ts";
import * as DT from "../../src/protocol/messages/delete-topics.ts";
import * as DR from "../../src/protocol/messages/delete-records.ts";
import * as IP from "../../src/protocol/messages/init-producer-id.ts";
import * as OE from "../../src/protocol/messages/offset-for-leader-epoch.ts";
import * as TC from "../../src/protocol/messages/txn-offset-commit.ts";
import * as DA from "../../src/protocol/messages/describe-acls.ts";
import * as CA from "../../src/protocol/messages/create-acls.ts";
import * as DL from "../../src/protocol/messages/delete-acls.ts";
import * as DC from "../../src/protocol/messages/describe-configs.ts";
import * as AC from "../../src/protocol/messages/alter-configs.ts";
import * as IC from "../../src/protocol/messages/incremental-alter-configs.ts";
import * as LD from "../../src/protocol/messages/describe-log-dirs.ts";
import * as CP from "../../src/protocol/messages/create-partitions.ts";
import * as GD from "../../src/protocol/messages/delete-groups.ts";
import * as OD from "../../src/protocol/messages/offset-delete.ts";
import * as DCL from "../../src/protocol/messages/describe-cluster.ts";
import * as DTP from "../../src/protocol/messages/describe-topic-partitions.ts";

const { open, reopen, call } = handlerHarness("authz");
const AUTHZ = `authorizer.class.name=${STANDARD_AUTHORIZER}\nsuper.users=User:admin\ngroup.initial.rebalance.delay.ms=0\n`;
const user = (name: string): Principal => ({ type: "User", name });
const as = (name: string, host = "127.0.0.1"): Sender => ({ principal: user(name), host });
const ADMIN = as("admin"), ALICE = as("alice"), BOB = as("bob");
const coordinators: HarnessBroker[] = [];
afterAll(() => {
  for (const b of coordinators) b.broker.groups?.shutdown();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function codec<Req, Res>(mod: any, constant: string, name: string): Codec<Req, Res> {
  return { spec: mod[constant], write: mod[`write${name}Request`], read: mod[`read${name}Response`] };
}
const PRODUCE = codec<PR.ProduceRequest, PR.ProduceResponse>(PR, "PRODUCE", "Produce");
const FETCH = codec<FE.FetchRequest, FE.FetchResponse>(FE, "FETCH", "Fetch");
const LIST_OFFSETS = codec<LO.ListOffsetsRequest, LO.ListOffsetsResponse>(LO, "LIST_OFFSETS", "ListOffsets");
const METADATA = codec<MD.MetadataRequest, MD.MetadataResponse>(MD, "METADATA", "Metadata");
const OFFSET_COMMIT = codec<OC.OffsetCommitRequest, OC.OffsetCommitResponse>(OC, "OFFSET_COMMIT", "OffsetCommit");
const OFFSET_FETCH = codec<OF.OffsetFetchRequest, OF.OffsetFetchResponse>(OF, "OFFSET_FETCH", "OffsetFetch");
const FIND_COORDINATOR = codec<FC.FindCoordinatorRequest, FC.FindCoordinatorResponse>(FC, "FIND_COORDINATOR", "FindCoordinator");
const JOIN_GROUP = codec<JG.JoinGroupRequest, JG.JoinGroupResponse>(JG, "JOIN_GROUP", "JoinGroup");
const HEARTBEAT = codec<HB.HeartbeatRequest, HB.HeartbeatResponse>(HB, "HEARTBEAT", "Heartbeat");
const LEAVE_GROUP = codec<LG.LeaveGroupRequest, LG.LeaveGroupResponse>(LG, "LEAVE_GROUP", "LeaveGroup");
const SYNC_GROUP = codec<SG.SyncGroupRequest, SG.SyncGroupResponse>(SG, "SYNC_GROUP", "SyncGroup");
const DESCRIBE_GROUPS = codec<DG.DescribeGroupsRequest, DG.DescribeGroupsResponse>(DG, "DESCRIBE_GROUPS", "DescribeGroups");
const LIST_GROUPS = codec<LS.ListGroupsRequest, LS.ListGroupsResponse>(LS, "LIST_GROUPS", "ListGroups");
const CREATE_TOPICS = codec<CT.CreateTopicsRequest, CT.CreateTopicsResponse>(CT, "CREATE_TOPICS", "CreateTopics");
const DELETE_TOPICS = codec<DT.DeleteTopicsRequest, DT.DeleteTopicsResponse>(DT, "DELETE_TOPICS", "DeleteTopics");
const DELETE_RECORDS = codec<DR.DeleteRecordsRequest, DR.DeleteRecordsResponse>(DR, "DELETE_RECORDS", "DeleteRecords");
const INIT_PRODUCER_ID = codec<IP.InitProducerIdRequest, IP.InitProducerIdResponse>(IP, "INIT_PRODUCER_ID", "InitProducerId");
const OFFSET_FOR_LEADER_EPOCH = codec<OE.OffsetForLeaderEpochRequest, OE.OffsetForLeaderEpochResponse>(OE, "OFFSET_FOR_LEADER_EPOCH", "OffsetForLeaderEpoch");
const TXN_OFFSET_COMMIT = codec<TC.TxnOffsetCommitRequest, TC.TxnOffsetCommitResponse>(TC, "TXN_OFFSET_COMMIT", "TxnOffsetCommit");
const DESCRIBE_ACLS = codec<DA.DescribeAclsRequest, DA.DescribeAclsResponse>(DA, "DESCRIBE_ACLS", "DescribeAcls");
const CREATE_ACLS = codec<CA.CreateAclsRequest, CA.CreateAclsResponse>(CA, "CREATE_ACLS", "CreateAcls");
const DELETE_ACLS = codec<DL.DeleteAclsRequest, DL.DeleteAclsResponse>(DL, "DELETE_ACLS", "DeleteAcls");
const DESCRIBE_CONFIGS = codec<DC.DescribeConfigsRequest, DC.DescribeConfigsResponse>(DC, "DESCRIBE_CONFIGS", "DescribeConfigs");
const ALTER_CONFIGS = codec<AC.AlterConfigsRequest, AC.AlterConfigsResponse>(AC, "ALTER_CONFIGS", "AlterConfigs");
const INCREMENTAL_ALTER_CONFIGS = codec<IC.IncrementalAlterConfigsRequest, IC.IncrementalAlterConfigsResponse>(IC, "INCREMENTAL_ALTER_CONFIGS", "IncrementalAlterConfigs");
const DESCRIBE_LOG_DIRS = codec<LD.DescribeLogDirsRequest, LD.DescribeLogDirsResponse>(LD, "DESCRIBE_LOG_DIRS", "DescribeLogDirs");
const CREATE_PARTITIONS = codec<CP.CreatePartitionsRequest, CP.CreatePartitionsResponse>(CP, "CREATE_PARTITIONS", "CreatePartitions");
const DELETE_GROUPS = codec<GD.DeleteGroupsRequest, GD.DeleteGroupsResponse>(GD, "DELETE_GROUPS", "DeleteGroups");
const OFFSET_DELETE = codec<OD.OffsetDeleteRequest, OD.OffsetDeleteResponse>(OD, "OFFSET_DELETE", "OffsetDelete");
const DESCRIBE_CLUSTER = codec<DCL.DescribeClusterRequest, DCL.DescribeClusterResponse>(DCL, "DESCRIBE_CLUSTER", "DescribeCluster");
const DESCRIBE_TOPIC_PARTITIONS = codec<DTP.DescribeTopicPartitionsRequest, DTP.DescribeTopicPartitionsResponse>(DTP, "DESCRIBE_TOPIC_PARTITIONS", "DescribeTopicPartitions");

/** The request at the API's newest served version. */
function send<Req, Res>(b: HarnessBroker, c: Codec<Req, Res>, request: Req, sender: Sender, version?: number): Promise<Res> {
  return call(b, c, version ?? handlerFor(c.spec.apiKey)!.maxVersion, request, sender);
}

/** A broker with the authorizer on, topics t and secret (1 partition each), and a group coordinator. */
function broker(extra = ""): HarnessBroker {
  const b = open(AUTHZ + extra);
  b.broker.groups = startGroupCoordinator(b.broker.config, b.store);
  coordinators.push(b);
  for (const name of ["t", "secret"]) b.store.metadata.createTopic(name, 1, { nodeId: 1 });
  return b;
}
const allow = (resourceType: number, resourceName: string, principal: string, operation: number, patternType: number = Pat.LITERAL): AclBinding =>
  ({ resourceType, resourceName, patternType, principal, host: "*", operation, permissionType: Perm.ALLOW });
const deny = (resourceType: number, resourceName: string, principal: string, operation: number, patternType: number = Pat.LITERAL): AclBinding =>
  ({ ...allow(resourceType, resourceName, principal, operation, patternType), permissionType: Perm.DENY });
const grant = (b: HarnessBroker, ...acls: AclBinding[]) => b.store.metadata.createAcls(acls);

const batch = () => buildRecordBatch({ records: [{ value: new TextEncoder().encode("v") }] });
const produceTo = (topic: string, transactionalId: string | null = null): PR.ProduceRequest => ({
  transactionalId, acks: -1, timeoutMs: 1000,
  topicData: [{ name: topic, partitionData: [{ index: 0, records: batch() }] }],
});
const codes = <T extends { errorCode: number }>(xs: T[]) => xs.map((x) => x.errorCode);

describe("ACL APIs (29, 30, 31)", () => {
  const filterAll: DL.DeleteAclsRequestDeleteAclsFilter = {
    resourceTypeFilter: RT.ANY, resourceNameFilter: null, patternTypeFilter: Pat.ANY, principalFilter: null, hostFilter: null,
    operation: Op.ANY, permissionType: Perm.ANY,
  };
  const describeAll: DA.DescribeAclsRequest = { ...filterAll };
  const creation = (acl: AclBinding): CA.CreateAclsRequestAclCreation => ({ ...acl, resourcePatternType: acl.patternType });

  test("without an authorizer: SECURITY_DISABLED, as Kafka answers", async () => {
    const b = open();
    const d = await send(b, DESCRIBE_ACLS, describeAll, ALICE);
    expect([d.errorCode, d.errorMessage]).toEqual([ErrorCode.SECURITY_DISABLED, "No Authorizer is configured on the broker"]);
    const c = await send(b, CREATE_ACLS, { creations: [creation(allow(RT.TOPIC, "t", "User:alice", Op.READ))] }, ALICE);
    expect(c.results).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: "No Authorizer is configured." }]);
    const x = await send(b, DELETE_ACLS, { filters: [filterAll] }, ALICE);
    expect(x.filterResults).toEqual([{ errorCode: ErrorCode.SECURITY_DISABLED, errorMessage: "No Authorizer is configured.", matchingAcls: [] }]);
    expect(b.store.metadata.acls.size).toBe(0);
  });

  test("create, describe, delete need ALTER / DESCRIBE on the cluster; ACLs survive a restart with their ids", async () => {
    let b = broker();
    const create = { creations: [creation(allow(RT.TOPIC, "t", "User:alice", Op.READ)), creation(deny(RT.GROUP, "g", "User:*", Op.ALL, Pat.PREFIXED))] };
    const refused = await send(b, CREATE_ACLS, create, ALICE);
    expect(codes(refused.results)).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);
    expect((await send(b, DESCRIBE_ACLS, describeAll, ALICE)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect(codes((await send(b, DELETE_ACLS, { filters: [filterAll] }, ALICE)).filterResults)).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED]);

    const created = await send(b, CREATE_ACLS, create, ADMIN);
    expect(created.results).toEqual([{ errorCode: 0, errorMessage: "" }, { errorCode: 0, errorMessage: "" }]);
    // Asked again (and twice in one request): success, no second record.
    await send(b, CREATE_ACLS, { creations: [create.creations[0]!, create.creations[0]!] }, ADMIN);
    expect(b.store.metadata.acls.size).toBe(2);
    const ids = [...b.store.metadata.acls.keys()].sort();
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);

    // ALTER on the cluster lets alice manage ACLs; DESCRIBE is implied by ALTER.
    await send(b, CREATE_ACLS, { creations: [creation(allow(RT.CLUSTER, "kafka-cluster", "User:alice", Op.ALTER))] }, ADMIN);
    const described = await send(b, DESCRIBE_ACLS, { ...describeAll, resourceTypeFilter: RT.TOPIC }, ALICE);
    expect(described).toEqual({
      throttleTimeMs: 0, errorCode: 0, errorMessage: "",
      resources: [{ resourceType: RT.TOPIC, resourceName: "t", patternType: Pat.LITERAL, acls: [{ principal: "User:alice", host: "*", operation: Op.READ, permissionType: Perm.ALLOW }] }],
    });

    b = reopen(b);
    expect([...b.store.metadata.acls.keys()].filter((id) => ids.includes(id)).sort()).toEqual(ids);
    expect(b.broker.authorizer!.aclCount).toBe(3);
    const match = await send(b, DESCRIBE_ACLS, { ...describeAll, resourceTypeFilter: RT.GROUP, resourceNameFilter: "gx", patternTypeFilter: Pat.MATCH }, ALICE);
    expect(match.resources.map((r) => [r.resourceName, r.patternType])).toEqual([["g", Pat.PREFIXED]]);

    const deleted = await send(b, DELETE_ACLS, { filters: [{ ...filterAll, resourceTypeFilter: RT.GROUP }, { ...filterAll, resourceTypeFilter: 99 }] }, ALICE);
    expect(deleted.filterResults[0]!.matchingAcls.map((a) => [a.resourceName, a.principal, a.permissionType])).toEqual([["g", "User:*", Perm.DENY]]);
    expect([deleted.filterResults[1]!.errorCode, deleted.filterResults[1]!.errorMessage]).toEqual([ErrorCode.INVALID_REQUEST, "Unknown patternFilter."]);
    b = reopen(b);
    expect(b.store.metadata.acls.size).toBe(2);
    expect(b.broker.authorizer!.aclCount).toBe(2);
  });

  test("a full disk: KAFKA_STORAGE_ERROR, no ACL applied; written once space is freed", async () => {
    const fs = new MemoryFileSystem();
    const b = open(AUTHZ, "/data", fs);
    const create = { creations: [creation(allow(RT.TOPIC, "t", "User:alice", Op.READ))] };
    fs.setCapacity(fs.usedBytes + 10);
    const full = await send(b, CREATE_ACLS, create, ADMIN);
    expect(full.results[0]!.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect([b.store.metadata.acls.size, b.broker.authorizer!.aclCount]).toEqual([0, 0]);
    fs.setCapacity(null);
    expect((await send(b, CREATE_ACLS, create, ADMIN)).results[0]!.errorCode).toBe(0);
    fs.setCapacity(fs.usedBytes + 10);
    const del = await send(b, DELETE_ACLS, { filters: [filterAll, { ...filterAll, resourceTypeFilter: RT.GROUP }] }, ADMIN);
    expect(codes(del.filterResults)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR, 0]);
    expect(b.broker.authorizer!.aclCount).toBe(1);
    fs.setCapacity(null);
  });

  test("CreateAcls validation: Kafka's INVALID_REQUEST messages; ANY codes fail the request; UNKNOWN codes close the connection", async () => {
    const b = broker();
    const base = allow(RT.TOPIC, "t", "User:alice", Op.READ);
    const res = await send(b, CREATE_ACLS, {
      creations: [
        creation({ ...base, resourceType: RT.CLUSTER, resourceName: "x" }),
        creation({ ...base, resourceName: "" }),
        creation({ ...base, principal: "alice" }),
        creation({ ...base, operation: 99 }),
        creation(base),
      ],
    }, ADMIN);
    expect(res.results.map((r) => [r.errorCode, r.errorMessage])).toEqual([
      [ErrorCode.INVALID_REQUEST, "The only valid name for the CLUSTER resource is kafka-cluster"],
      [ErrorCode.INVALID_REQUEST, "Invalid empty resource name"],
      [ErrorCode.INVALID_REQUEST, "Could not parse principal from `alice` (no colon is present separating the principal type from the principal name)"],
      [ErrorCode.INVALID_REQUEST, "Invalid operation UNKNOWN"],
      [0, ""],
    ]);
    expect(b.store.metadata.acls.size).toBe(1);
    const any = await send(b, CREATE_ACLS, { creations: [creation({ ...base, resourceType: RT.ANY }), creation(base)] }, ADMIN);
    expect(any.results).toEqual([{ errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null }, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null }]);
    await expect(send(b, CREATE_ACLS, { creations: [creation({ ...base, permissionType: 0 })] }, ADMIN)).rejects.toBeInstanceOf(UnparsableRequestError);
    await expect(send(b, DESCRIBE_ACLS, { ...describeAll, operation: 0 }, ADMIN)).rejects.toBeInstanceOf(UnparsableRequestError);
    await expect(send(b, DELETE_ACLS, { filters: [{ ...filterAll, patternTypeFilter: 0 }] }, ADMIN)).rejects.toBeInstanceOf(UnparsableRequestError);
  });
});

describe("topic operations", () => {
  test("Produce: WRITE on the topic (TOPIC_AUTHORIZATION_FAILED), WRITE on the transactional id; deny beats allow", async () => {
    const b = broker();
    grant(b, allow(RT.TOPIC, "t", "User:alice", Op.WRITE), allow(RT.TOPIC, "*", "User:bob", Op.WRITE), deny(RT.TOPIC, "sec", "User:bob", Op.WRITE, Pat.PREFIXED));
    const code = async (req: PR.ProduceRequest, who: Sender) => (await send(b, PRODUCE, req, who)).responses[0]!.partitionResponses[0]!.errorCode;
    expect(await code(produceTo("t"), ALICE)).toBe(ErrorCode.NONE);
    expect(await code(produceTo("secret"), ALICE)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await code(produceTo("t"), BOB)).toBe(ErrorCode.NONE);
    expect(await code(produceTo("secret"), BOB)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    // Not disclosed whether it exists: an unknown topic is refused the same way.
    expect(await code(produceTo("nope"), ALICE)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await code(produceTo("secret"), ADMIN)).toBe(ErrorCode.NONE);
    expect(await code(produceTo("t", "tx"), ALICE)).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect(b.store.partition("secret", 0)!.nextOffset).toBe(1);
  });

  test("Fetch: READ on the topic; a follower fetch needs CLUSTER_ACTION", async () => {
    const b = broker();
    grant(b, allow(RT.TOPIC, "t", "User:alice", Op.READ));
    const fetchReq = (topic: string, replicaId = -1): FE.FetchRequest => ({
      ...FE.defaultFetchRequest(), replicaId, replicaState: { replicaId, replicaEpoch: -1 }, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20,
      topics: [{ ...FE.defaultFetchRequestFetchTopic(), topic, topicId: b.store.metadata.topicsByName.get(topic)!.topicId,
        partitions: [{ ...FE.defaultFetchRequestFetchPartition(), partition: 0, fetchOffset: 0, partitionMaxBytes: 1 << 20 }] }],
    });
    const code = async (req: FE.FetchRequest, who: Sender) => (await send(b, FETCH, req, who)).responses[0]!.partitions[0]!.errorCode;
    expect(await code(fetchReq("t"), ALICE)).toBe(ErrorCode.NONE);
    expect(await code(fetchReq("secret"), ALICE)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await code(fetchReq("t", 5), ALICE)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await code(fetchReq("t", 5), ADMIN)).toBe(ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  test("ListOffsets and OffsetForLeaderEpoch: DESCRIBE on the topic (implied by READ), refused topics last", async () => {
    const b = broker();
    grant(b, allow(RT.TOPIC, "t", "User:alice", Op.READ));
    const lo = await send(b, LIST_OFFSETS, {
      ...LO.defaultListOffsetsRequest(),
      topics: ["secret", "t"].map((name) => ({ name, partitions: [{ ...LO.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 0, timestamp: -1 }] })),
    }, ALICE);
    expect(lo.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([["t", 0], ["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
    const oe = await send(b, OFFSET_FOR_LEADER_EPOCH, {
      replicaId: -1,
      topics: ["secret", "t"].map((topic) => ({ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] })),
    }, ALICE);
    expect(oe.topics.map((t) => [t.topic, t.partitions[0]!.errorCode])).toEqual([["t", 0], ["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
  });

  test("Metadata: unauthorized topics hidden from all-topics, refused by name without their id; auto-creation needs CREATE", async () => {
    const b = broker();
    grant(b, allow(RT.TOPIC, "t", "User:alice", Op.DESCRIBE), allow(RT.TOPIC, "new-", "User:alice", Op.CREATE, Pat.PREFIXED),
      allow(RT.TOPIC, "new-", "User:alice", Op.DESCRIBE, Pat.PREFIXED), allow(RT.TOPIC, "other", "User:alice", Op.DESCRIBE));
    const md = (topics: string[] | null, who: Sender, extra: Partial<MD.MetadataRequest> = {}) => send(b, METADATA, {
      topics: topics === null ? null : topics.map((name) => ({ name, topicId: ZERO_UUID })),
      allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true, ...extra,
    }, who);
    const all = await md(null, ALICE);
    expect(all.topics.map((t) => t.name)).toEqual(["t"]);
    expect(all.topics[0]!.topicAuthorizedOperations).toBe(1 << Op.DESCRIBE);
    expect((await md(null, ADMIN)).topics.map((t) => t.name).sort()).toEqual(["secret", "t"]);
    const named = await md(["secret", "new-a", "other", "t"], ALICE);
    expect(named.topics.map((t) => [t.name, t.errorCode, t.topicId])).toEqual([
      ["new-a", 0, b.store.metadata.topicsByName.get("new-a")!.topicId],
      ["t", 0, b.store.metadata.topicsByName.get("t")!.topicId],
      ["other", ErrorCode.TOPIC_AUTHORIZATION_FAILED, ZERO_UUID],
      ["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED, ZERO_UUID],
    ]);
    expect(b.store.metadata.topicsByName.has("other")).toBe(false);
    // By id: the id is not secret, the name is.
    const byId = await send(b, METADATA, {
      topics: [{ name: null, topicId: b.store.metadata.topicsByName.get("secret")!.topicId }],
      allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false,
    }, ALICE);
    expect(byId.topics.map((t) => [t.name, t.errorCode])).toEqual([[null, ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
    // Cluster operations (v8-v10): 0 without DESCRIBE on the cluster.
    const v10 = await send(b, METADATA, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: false }, ALICE, 10);
    expect(v10.clusterAuthorizedOperations).toBe(0);
    const v10admin = await send(b, METADATA, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: false }, ADMIN, 10);
    expect(v10admin.clusterAuthorizedOperations).toBe(0b1111110100000);
  });

  test("CreateTopics: CREATE on the cluster or the topic; configs only with DESCRIBE_CONFIGS", async () => {
    const b = broker();
    grant(b, allow(RT.TOPIC, "a-", "User:alice", Op.CREATE, Pat.PREFIXED), allow(RT.TOPIC, "a-1", "User:alice", Op.DESCRIBE_CONFIGS));
    const res = await send(b, CREATE_TOPICS, {
      topics: ["a-1", "a-2", "b-1"].map((name) => ({ ...CT.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 })),
      timeoutMs: 1000, validateOnly: false,
    }, ALICE);
    expect(res.topics.map((t) => [t.name, t.errorCode, t.errorMessage, t.topicConfigErrorCode, t.numPartitions, (t.configs ?? []).length > 0])).toEqual([
      ["a-1", 0, null, 0, 1, true],
      ["a-2", 0, null, ErrorCode.TOPIC_AUTHORIZATION_FAILED, -1, false],
      ["b-1", ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Authorization failed.", 0, -1, false],
    ]);
    expect([..."12"].map((n) => b.store.metadata.topicsByName.has(`a-${n}`))).toEqual([true, true]);
    expect(b.store.metadata.topicsByName.has("b-1")).toBe(false);
    grant(b, allow(RT.CLUSTER, "kafka-cluster", "User:alice", Op.CREATE));
    const again = await send(b, CREATE_TOPICS, {
      topics: [{ ...CT.defaultCreateTopicsRequestCreatableTopic(), name: "b-1", numPartitions: 1, replicationFactor: 1 }], timeoutMs: 1000, validateOnly: false,
    }, ALICE);
    expect(again.topics[0]!.errorCode).toBe(0);
  });

  test("DeleteTopics: DELETE (names without DESCRIBE refused whether or not they exist); CreatePartitions: ALTER; DeleteRecords: DELETE", async () => {
    const b = broker();
    b.store.metadata.createTopic("d", 1, { nodeId: 1 });
    grant(b, allow(RT.TOPIC, "d", "User:alice", Op.DELETE), allow(RT.TOPIC, "t", "User:alice", Op.ALTER), allow(RT.TOPIC, "t", "User:alice", Op.DESCRIBE));
    const del = await send(b, DELETE_TOPICS, { topicNames: [], topics: ["secret", "nope", "t", "d"].map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs: 1000 }, ALICE);
    expect(del.responses.map((r) => [r.name, r.errorCode])).toEqual([
      ["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED], ["nope", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
      ["t", ErrorCode.TOPIC_AUTHORIZATION_FAILED], ["d", 0],
    ]);
    expect(del.responses[0]!.errorMessage).toBe("Topic authorization failed.");
    const secretId = b.store.metadata.topicsByName.get("secret")!.topicId;
    const byId = await send(b, DELETE_TOPICS, { topicNames: [], topics: [{ name: null, topicId: secretId }, { name: null, topicId: b.store.metadata.topicsByName.get("t")!.topicId }], timeoutMs: 1000 }, ALICE);
    expect(byId.responses.map((r) => [r.name, r.errorCode])).toEqual([[null, ErrorCode.TOPIC_AUTHORIZATION_FAILED], ["t", ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);

    const cp = await send(b, CREATE_PARTITIONS, {
      topics: ["secret", "t"].map((name) => ({ name, count: 2, assignments: null })), timeoutMs: 1000, validateOnly: false,
    }, ALICE);
    expect(cp.results.map((r) => [r.name, r.errorCode])).toEqual([["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED], ["t", 0]]);
    const dr = await send(b, DELETE_RECORDS, {
      topics: ["secret", "d2"].map((name) => ({ name, partitions: [{ partitionIndex: 0, offset: 0 }] })), timeoutMs: 1000,
    }, ALICE);
    expect(dr.topics.map((t) => t.partitions[0]!.errorCode)).toEqual([ErrorCode.TOPIC_AUTHORIZATION_FAILED, ErrorCode.TOPIC_AUTHORIZATION_FAILED]);
    grant(b, allow(RT.TOPIC, "secret", "User:alice", Op.DELETE));
    const dr2 = await send(b, DELETE_RECORDS, { topics: [{ name: "secret", partitions: [{ partitionIndex: 0, offset: 0 }] }], timeoutMs: 1000 }, ALICE);
    expect(dr2.topics[0]!.partitions[0]!.errorCode).toBe(0);
  });

  test("DescribeTopicPartitions: DESCRIBE; refused names last, hidden from all topics", async () => {
    const b = broker();
    grant(b, allow(RT.TOPIC, "t", "User:alice", Op.READ));
    const named = await send(b, DESCRIBE_TOPIC_PARTITIONS, {
      topics: [{ name: "secret" }, { name: "t" }], responsePartitionLimit: 100, cursor: null,
    }, ALICE);
    expect(named.topics.map((t) => [t.name, t.errorCode, t.topicAuthorizedOperations])).toEqual([
      ["t", 0, (1 << Op.READ) | (1 << Op.DESCRIBE)], ["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED, -2147483648],
    ]);
    const all = await send(b, DESCRIBE_TOPIC_PARTITIONS, { topics: [], responsePartitionLimit: 100, cursor: null }, ALICE);
    expect(all.topics.map((t) => t.name)).toEqual(["t"]);
  });
});

describe("configs", () => {
  test("DescribeConfigs: DESCRIBE_CONFIGS (implied by ALTER_CONFIGS) on the topic, group or cluster; refused last", async () => {
    const b = broker();
    grant(b, allow(RT.TOPIC, "t", "User:alice", Op.ALTER_CONFIGS));
    const res = await send(b, DESCRIBE_CONFIGS, {
      resources: [{ resourceType: 4, resourceName: "1", configurationKeys: ["log.retention.ms"] }, { resourceType: 2, resourceName: "t", configurationKeys: ["retention.ms"] },
        { resourceType: 32, resourceName: "g", configurationKeys: null }, { resourceType: 2, resourceName: "secret", configurationKeys: null }],
      includeSynonyms: false, includeDocumentation: false,
    }, ALICE);
    expect(res.results.map((r) => [r.resourceName, r.errorCode, r.errorMessage])).toEqual([
      ["t", 0, ""], ["1", ErrorCode.CLUSTER_AUTHORIZATION_FAILED, "Cluster authorization failed."],
      ["g", ErrorCode.GROUP_AUTHORIZATION_FAILED, "Group authorization failed."], ["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Topic authorization failed."],
    ]);
  });

  test("AlterConfigs and IncrementalAlterConfigs: ALTER_CONFIGS; nothing written for refused resources", async () => {
    const b = broker();
    grant(b, allow(RT.TOPIC, "t", "User:alice", Op.ALTER_CONFIGS));
    const inc = await send(b, INCREMENTAL_ALTER_CONFIGS, {
      resources: [{ resourceType: 2, resourceName: "secret", configs: [{ name: "retention.ms", configOperation: 0, value: "1000" }] },
        { resourceType: 2, resourceName: "t", configs: [{ name: "retention.ms", configOperation: 0, value: "2000" }] },
        { resourceType: 4, resourceName: "", configs: [{ name: "log.retention.ms", configOperation: 0, value: "3000" }] }],
      validateOnly: false,
    }, ALICE);
    expect(inc.responses.map((r) => [r.resourceName, r.errorCode])).toEqual([["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED], ["t", 0], ["", ErrorCode.CLUSTER_AUTHORIZATION_FAILED]]);
    expect(b.store.metadata.topicConfigs.get("t")?.get("retention.ms")).toBe("2000");
    expect(b.store.metadata.topicConfigs.get("secret")).toBeUndefined();
    expect(b.store.metadata.brokerConfigs.get("")).toBeUndefined();
    const legacy = await send(b, ALTER_CONFIGS, {
      resources: [{ resourceType: 2, resourceName: "secret", configs: [{ name: "retention.ms", value: "1" }] }, { resourceType: 2, resourceName: "t", configs: [{ name: "retention.ms", value: "5000" }] }],
      validateOnly: false,
    }, ALICE);
    expect(legacy.responses.map((r) => [r.resourceName, r.errorCode, r.errorMessage])).toEqual([["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Topic authorization failed."], ["t", 0, null]]);
    expect(b.store.metadata.topicConfigs.get("t")?.get("retention.ms")).toBe("5000");
  });
});

describe("groups and producers", () => {
  test("OffsetCommit and OffsetFetch: READ / DESCRIBE on the group, READ / DESCRIBE on each topic", async () => {
    const b = broker();
    grant(b, allow(RT.GROUP, "g", "User:alice", Op.READ), allow(RT.TOPIC, "t", "User:alice", Op.READ));
    const commit = (group: string, who: Sender) => send(b, OFFSET_COMMIT, {
      ...OC.defaultOffsetCommitRequest(), groupId: group, generationIdOrMemberEpoch: -1, memberId: "",
      topics: ["t", "secret"].map((name) => ({ name, partitions: [{ ...OC.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 1 }] })),
    }, who);
    const denied = await commit("other", ALICE);
    expect(denied.topics.flatMap((t) => codes(t.partitions))).toEqual([ErrorCode.GROUP_AUTHORIZATION_FAILED, ErrorCode.GROUP_AUTHORIZATION_FAILED]);
    const ok = await commit("g", ALICE);
    expect(ok.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED], ["t", 0]]);

    const fetchV8 = await send(b, OFFSET_FETCH, {
      ...OF.defaultOffsetFetchRequest(), requireStable: false,
      groups: [{ groupId: "g", memberId: null, memberEpoch: -1, topics: ["t", "secret"].map((name) => ({ name, partitionIndexes: [0] })) },
        { groupId: "other", memberId: null, memberEpoch: -1, topics: null }],
    }, ALICE);
    const g = fetchV8.groups[0]!;
    expect(g.topics.map((t) => [t.name, t.partitions[0]!.committedOffset, t.partitions[0]!.errorCode])).toEqual([["t", 1, 0], ["secret", -1, ErrorCode.TOPIC_AUTHORIZATION_FAILED]]);
    expect(fetchV8.groups[1]!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    // All offsets: topics without DESCRIBE are left out.
    await commit("g", ADMIN);
    const all = await send(b, OFFSET_FETCH, { ...OF.defaultOffsetFetchRequest(), groups: [{ groupId: "g", memberId: null, memberEpoch: -1, topics: null }] }, ALICE);
    expect(all.groups[0]!.topics.map((t) => t.name)).toEqual(["t"]);
  });

  test("JoinGroup, SyncGroup, Heartbeat, LeaveGroup: READ on the group; FindCoordinator: DESCRIBE on the group or transactional id", async () => {
    const b = broker();
    grant(b, allow(RT.GROUP, "g", "User:alice", Op.READ));
    const join = await send(b, JOIN_GROUP, {
      ...JG.defaultJoinGroupRequest(), groupId: "g2", memberId: "", protocolType: "consumer", sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000,
      protocols: [{ name: "range", metadata: new Uint8Array(0) }],
    }, ALICE);
    expect([join.errorCode, join.generationId, join.memberId, join.protocolName]).toEqual([ErrorCode.GROUP_AUTHORIZATION_FAILED, -1, "", null]);
    expect((await send(b, HEARTBEAT, { groupId: "g2", generationId: 1, memberId: "m", groupInstanceId: null }, ALICE)).errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect((await send(b, SYNC_GROUP, { ...SG.defaultSyncGroupRequest(), groupId: "g2", generationId: 1, memberId: "m", protocolType: "consumer", protocolName: "range" }, ALICE)).errorCode)
      .toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect((await send(b, LEAVE_GROUP, { ...LG.defaultLeaveGroupRequest(), groupId: "g2", members: [{ memberId: "m", groupInstanceId: null, reason: null }] }, ALICE)).errorCode)
      .toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    // Allowed on g: the coordinator answers (a member id is required first, v4+).
    const joined = await send(b, JOIN_GROUP, {
      ...JG.defaultJoinGroupRequest(), groupId: "g", memberId: "", protocolType: "consumer", sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000,
      protocols: [{ name: "range", metadata: new Uint8Array(0) }],
    }, ALICE);
    expect(joined.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);

    const find = await send(b, FIND_COORDINATOR, { key: "", keyType: 0, coordinatorKeys: ["g", "g2"] }, ALICE);
    expect(find.coordinators.map((c) => [c.key, c.errorCode])).toEqual([["g", 0], ["g2", ErrorCode.GROUP_AUTHORIZATION_FAILED]]);
    const v3 = await send(b, FIND_COORDINATOR, { key: "g2", keyType: 0, coordinatorKeys: [] }, ALICE, 3);
    expect([v3.errorCode, v3.errorMessage, v3.nodeId]).toEqual([ErrorCode.GROUP_AUTHORIZATION_FAILED, "Group authorization failed.", -1]);
    const txn = await send(b, FIND_COORDINATOR, { key: "", keyType: 1, coordinatorKeys: ["tx"] }, ALICE);
    expect(txn.coordinators[0]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  test("DescribeGroups, ListGroups, DeleteGroups, OffsetDelete", async () => {
    const b = broker();
    grant(b, allow(RT.GROUP, "g", "User:alice", Op.DELETE), allow(RT.TOPIC, "t", "User:alice", Op.READ));
    // Two standalone-commit groups to see.
    for (const groupId of ["g", "h"]) {
      await send(b, OFFSET_COMMIT, { ...OC.defaultOffsetCommitRequest(), groupId, generationIdOrMemberEpoch: -1, memberId: "",
        topics: [{ name: "t", partitions: [{ ...OC.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 1 }] }] }, ADMIN);
    }
    const dg = await send(b, DESCRIBE_GROUPS, { groups: ["h", "g"], includeAuthorizedOperations: true }, ALICE);
    expect(dg.groups.map((g) => [g.groupId, g.errorCode, g.groupState, g.authorizedOperations])).toEqual([
      ["h", ErrorCode.GROUP_AUTHORIZATION_FAILED, "", -2147483648], ["g", 0, "Empty", (1 << Op.DELETE) | (1 << Op.DESCRIBE)],
    ]);
    expect((await send(b, LIST_GROUPS, { statesFilter: [], typesFilter: [] }, ALICE)).groups.map((g) => g.groupId)).toEqual(["g"]);
    expect((await send(b, LIST_GROUPS, { statesFilter: [], typesFilter: [] }, ADMIN)).groups.map((g) => g.groupId).sort()).toEqual(["g", "h"]);
    const od = await send(b, OFFSET_DELETE, { groupId: "h", topics: [{ name: "t", partitions: [{ partitionIndex: 0 }] }] }, ALICE);
    expect(od.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    const od2 = await send(b, OFFSET_DELETE, { groupId: "g", topics: [{ name: "secret", partitions: [{ partitionIndex: 0 }] }, { name: "t", partitions: [{ partitionIndex: 0 }] }] }, ALICE);
    expect(od2.topics.map((t) => [t.name, t.partitions[0]!.errorCode])).toEqual([["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED], ["t", 0]]);
    const del = await send(b, DELETE_GROUPS, { groupsNames: ["h", "g"] }, ALICE);
    expect(del.results.map((r) => [r.groupId, r.errorCode])).toEqual([["g", 0], ["h", ErrorCode.GROUP_AUTHORIZATION_FAILED]]);
  });

  test("InitProducerId: IDEMPOTENT_WRITE on the cluster or WRITE on any topic (KIP-679); WRITE on a transactional id", async () => {
    const b = broker();
    const init = (transactionalId: string | null, who: Sender) => send(b, INIT_PRODUCER_ID, { transactionalId, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, who);
    expect((await init(null, ALICE)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    grant(b, allow(RT.TOPIC, "t", "User:alice", Op.WRITE), allow(RT.CLUSTER, "kafka-cluster", "User:bob", Op.IDEMPOTENT_WRITE));
    expect((await init(null, ALICE)).errorCode).toBe(0);
    expect((await init(null, BOB)).errorCode).toBe(0);
    grant(b, deny(RT.TOPIC, "t", "User:alice", Op.WRITE));
    expect((await init(null, ALICE)).errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    expect((await init("tx", ALICE)).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    expect((await init("", ADMIN)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
  });

  test("TxnOffsetCommit: WRITE on the transactional id, then READ on the group, then READ on each topic", async () => {
    const b = broker();
    const req = (transactionalId: string, groupId: string): TC.TxnOffsetCommitRequest => ({
      ...TC.defaultTxnOffsetCommitRequest(), transactionalId, groupId, producerId: 1, producerEpoch: 0,
      topics: ["secret"].map((name) => ({ name, partitions: [{ ...TC.defaultTxnOffsetCommitRequestTxnOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 1 }] })),
    });
    expect((await send(b, TXN_OFFSET_COMMIT, req("tx", "g"), ALICE)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    grant(b, allow(RT.TRANSACTIONAL_ID, "tx", "User:alice", Op.WRITE));
    expect((await send(b, TXN_OFFSET_COMMIT, req("tx", "g"), ALICE)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    grant(b, allow(RT.GROUP, "g", "User:alice", Op.READ));
    expect((await send(b, TXN_OFFSET_COMMIT, req("tx", "g"), ALICE)).topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  });
});

describe("cluster operations", () => {
  test("DescribeCluster reports the cluster operations allowed; DescribeLogDirs needs DESCRIBE on the cluster", async () => {
    const b = broker();
    const dc = (who: Sender) => send(b, DESCRIBE_CLUSTER, { includeClusterAuthorizedOperations: true, endpointType: 1, includeFencedBrokers: false }, who);
    expect((await dc(ALICE)).clusterAuthorizedOperations).toBe(0);
    expect((await dc(ALICE)).errorCode).toBe(0);
    grant(b, allow(RT.CLUSTER, "kafka-cluster", "User:alice", Op.ALTER));
    expect((await dc(ALICE)).clusterAuthorizedOperations).toBe((1 << Op.ALTER) | (1 << Op.DESCRIBE));
    const ld = await send(b, DESCRIBE_LOG_DIRS, { topics: null }, BOB);
    expect([ld.errorCode, ld.results.length]).toEqual([ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 0]);
    expect((await send(b, DESCRIBE_LOG_DIRS, { topics: null }, ALICE)).results.length).toBe(1);
  });

  test("hosts: an ACL for another host does not apply; allow.everyone.if.no.acl.found opens what no ACL names", async () => {
    const b = broker("allow.everyone.if.no.acl.found=true\n");
    grant(b, deny(RT.TOPIC, "secret", "User:*", Op.WRITE), { ...allow(RT.TOPIC, "t", "User:alice", Op.WRITE), host: "10.0.0.9" });
    const code = async (topic: string, who: Sender) => (await send(b, PRODUCE, produceTo(topic), who)).responses[0]!.partitionResponses[0]!.errorCode;
    expect(await code("secret", as("carol"))).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await code("t", ALICE)).toBe(ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    expect(await code("t", as("alice", "10.0.0.9"))).toBe(0);
    expect(await code("t", as("alice", "::ffff:10.0.0.9"))).toBe(0);
    // No ACL names the cluster: anyone may, e.g., create topics.
    const ct = await send(b, CREATE_TOPICS, { topics: [{ ...CT.defaultCreateTopicsRequestCreatableTopic(), name: "free", numPartitions: 1, replicationFactor: 1 }], timeoutMs: 1000, validateOnly: false }, as("carol"));
    expect(ct.topics[0]!.errorCode).toBe(0);
  });
});
