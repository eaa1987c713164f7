// Sends the same requests, as User:ANONYMOUS, to a broker with ACLs and prints what matters of each
// answer, so that Bunka and Apache Kafka 4.3.1 can be compared line by line (diff the outputs).
// Both brokers: authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer,
// allow.everyone.if.no.acl.found=true, group.initial.rebalance.delay.ms=0, then the topics and
// ACLs of compare-acls-setup.sh:
//
//   test/security/compare-acls-setup.sh <port>        # once per broker
//   bun test/security/compare-acls-with-kafka.ts <port> > out-<broker>.txt
//
// Measured on 2026-12-01: identical but for the order of Produce's topics (Kafka's comes from a
// hash map) and the text of CLUSTER_AUTHORIZATION_FAILED (Kafka prints its internal request
// object). Run it twice on Kafka: its first run meets __consumer_offsets still loading
// (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE) and an auto-created topic not yet in its cache.
// Note DeleteTopics: ALLOW ALL on the cluster lets ANONYMOUS delete "secret" despite its DENY ALL
// (Kafka checks DELETE on the cluster first), on both brokers.
import { WireClient } from "../support/wire-client.ts";
import { Reader, ZERO_UUID } from "../../src/protocol/reader.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import * as PR from "../../src/protocol/messages/produce.ts";
import * as FE from "../../src/protocol/messages/fetch.ts";
import * as LO from "../../src/protocol/messages/list-offsets.ts";
import * as MD from "../../src/protocol/messages/metadata.ts";
import * as OC from "../../src/protocol/messages/offset-commit.ts";
import * as OF from "../../src/protocol/messages/offset-fetch.ts";
import * as FC from "../../src/protocol/messages/find-coordinator.ts";
import * as JG from "../../src/protocol/messages/join-group.ts";
import * as DG from "../../src/protocol/messages/describe-groups.ts";
import * as LS from "../../src/protocol/messages/list-groups.ts";
import * as CT from "../../src/protocol/messages/create-topics.ts";
import * as DT from "../../src/protocol/messages/delete-topics.ts";
import * as DR from "../../src/protocol/messages/delete-records.ts";
import * as IP from "../../src/protocol/messages/init-producer-id.ts";
import * as OE from "../../src/protocol/messages/offset-for-leader-epoch.ts";
import * as DA from "../../src/protocol/messages/describe-acls.ts";
import * as DC from "../../src/protocol/messages/describe-configs.ts";
import * as IC from "../../src/protocol/messages/incremental-alter-configs.ts";
import * as LD from "../../src/protocol/messages/describe-log-dirs.ts";
import * as CP from "../../src/protocol/messages/create-partitions.ts";
import * as DCL from "../../src/protocol/messages/describe-cluster.ts";
import * as DTP from "../../src/protocol/messages/describe-topic-partitions.ts";
const port = Number(process.argv[2]);
let corr = 1;
const c = await WireClient.connect(port);
async function call(apiKey: number, v: number, flexible: boolean, write: (w: any) => void, read: (r: Reader, v: number) => any): Promise<any> {
  c.send(apiKey, v, corr++, flexible ? 2 : 1, write);
  const r = new Reader(await c.receive(15000));
  r.int32(); if (flexible && apiKey !== 18) r.skipTaggedFields();
  return read(r, v);
}
const out = (name: string, x: unknown) => console.log(name.padEnd(28), JSON.stringify(x));
const ids: Record<string, string> = {};
{
  const m = await call(3, 12, true, (w) => MD.writeMetadataRequest(w, 12, { topics: [{ name: "open", topicId: ZERO_UUID }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }), MD.readMetadataResponse);
  ids.open = m.topics[0].topicId;
}
const batch = () => buildRecordBatch({ records: [{ value: new TextEncoder().encode("v") }] });
let r = await call(0, 11, true, (w) => PR.writeProduceRequest(w, 11, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: ["open", "secret", "nope"].map((name) => ({ name, partitionData: [{ index: 0, records: batch() }] })) }), PR.readProduceResponse);
out("produce", r.responses.map((t: any) => [t.name, t.partitionResponses[0].errorCode]));
r = await call(0, 11, true, (w) => PR.writeProduceRequest(w, 11, { transactionalId: "tx", acks: -1, timeoutMs: 5000, topicData: [{ name: "open", partitionData: [{ index: 0, records: batch() }] }] }), PR.readProduceResponse);
out("produce txn", r.responses.map((t: any) => [t.name, t.partitionResponses[0].errorCode]));
r = await call(1, 12, true, (w) => FE.writeFetchRequest(w, 12, { ...FE.defaultFetchRequest(), replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1 << 20, sessionEpoch: -1,
  topics: ["open", "secret", "zzz"].map((topic) => ({ ...FE.defaultFetchRequestFetchTopic(), topic, partitions: [{ ...FE.defaultFetchRequestFetchPartition(), partition: 0, fetchOffset: 0, partitionMaxBytes: 1000 }] })) }), FE.readFetchResponse);
out("fetch", r.responses.map((t: any) => [t.topic, t.partitions[0].errorCode, t.partitions[0].highWatermark]));
r = await call(2, 8, true, (w) => LO.writeListOffsetsRequest(w, 8, { ...LO.defaultListOffsetsRequest(), topics: ["secret", "open"].map((name) => ({ name, partitions: [{ ...LO.defaultListOffsetsRequestListOffsetsPartition(), partitionIndex: 0, timestamp: -1 }] })) }), LO.readListOffsetsResponse);
out("listoffsets", r.topics.map((t: any) => [t.name, t.partitions[0].errorCode]));
r = await call(3, 12, true, (w) => MD.writeMetadataRequest(w, 12, { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true }), MD.readMetadataResponse);
out("metadata all", r.topics.filter((t: any) => !t.name.startsWith("__")).map((t: any) => [t.name, t.errorCode, t.topicAuthorizedOperations]).sort());
r = await call(3, 12, true, (w) => MD.writeMetadataRequest(w, 12, { topics: ["secret", "open", "nocreate-1", "newone", "bad name"].map((name) => ({ name, topicId: ZERO_UUID })), allowAutoTopicCreation: true, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true }), MD.readMetadataResponse);
out("metadata named", r.topics.map((t: any) => [t.name, t.errorCode, t.topicId === ZERO_UUID, t.isInternal, t.topicAuthorizedOperations, t.partitions.length]));
r = await call(3, 12, true, (w) => MD.writeMetadataRequest(w, 12, { topics: [{ name: null, topicId: ids.open! }], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }), MD.readMetadataResponse);
out("metadata by id", r.topics.map((t: any) => [t.name, t.errorCode]));
r = await call(3, 10, true, (w) => MD.writeMetadataRequest(w, 10, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: true, includeTopicAuthorizedOperations: false }), MD.readMetadataResponse);
out("metadata v10 cluster ops", r.clusterAuthorizedOperations);
const commit = (groupId: string) => call(8, 9, true, (w) => OC.writeOffsetCommitRequest(w, 9, { ...OC.defaultOffsetCommitRequest(), groupId, generationIdOrMemberEpoch: -1, memberId: "",
  topics: ["open", "secret", "unknown-t"].map((name) => ({ name, partitions: [{ ...OC.defaultOffsetCommitRequestOffsetCommitRequestPartition(), partitionIndex: 0, committedOffset: 0 }] })) }), OC.readOffsetCommitResponse);
out("commit g-denied", (await commit("g-denied")).topics.map((t: any) => [t.name, t.partitions[0].errorCode]));
out("commit g-ok", (await commit("g-ok")).topics.map((t: any) => [t.name, t.partitions[0].errorCode]));
r = await call(9, 9, true, (w) => OF.writeOffsetFetchRequest(w, 9, { ...OF.defaultOffsetFetchRequest(), groups: [{ groupId: "g-ok", memberId: null, memberEpoch: -1, topics: ["open", "secret"].map((name) => ({ name, partitionIndexes: [0] })) }, { groupId: "g-hidden", memberId: null, memberEpoch: -1, topics: null }, { groupId: "g-ok", memberId: null, memberEpoch: -1, topics: null }] }), OF.readOffsetFetchResponse);
out("offsetfetch", r.groups.map((g: any) => [g.groupId, g.errorCode, g.topics.map((t: any) => [t.name, t.partitions[0].committedOffset, t.partitions[0].errorCode])]));
r = await call(10, 6, true, (w) => FC.writeFindCoordinatorRequest(w, 6, { key: "", keyType: 0, coordinatorKeys: ["g-ok", "g-hidden"] }), FC.readFindCoordinatorResponse);
out("findcoordinator", r.coordinators.map((x: any) => [x.key, x.errorCode, x.nodeId]));
r = await call(10, 3, true, (w) => FC.writeFindCoordinatorRequest(w, 3, { key: "g-hidden", keyType: 0, coordinatorKeys: [] }), FC.readFindCoordinatorResponse);
out("findcoordinator v3", [r.errorCode, r.errorMessage, r.nodeId, r.host, r.port]);
r = await call(11, 9, true, (w) => JG.writeJoinGroupRequest(w, 9, { ...JG.defaultJoinGroupRequest(), groupId: "g-denied", memberId: "", protocolType: "consumer", sessionTimeoutMs: 10000, rebalanceTimeoutMs: 10000, protocols: [{ name: "range", metadata: new Uint8Array(0) }] }), JG.readJoinGroupResponse);
out("joingroup", [r.errorCode, r.generationId, r.protocolType, r.protocolName, r.leader, r.memberId]);
r = await call(15, 5, true, (w) => DG.writeDescribeGroupsRequest(w, 5, { groups: ["g-ok", "g-hidden", "g-denied"], includeAuthorizedOperations: true }), DG.readDescribeGroupsResponse);
out("describegroups", r.groups.map((g: any) => [g.groupId, g.errorCode, g.groupState, g.protocolType, g.authorizedOperations]));
r = await call(16, 5, true, (w) => LS.writeListGroupsRequest(w, 5, { statesFilter: [], typesFilter: [] }), LS.readListGroupsResponse);
out("listgroups", r.groups.map((g: any) => g.groupId).sort());
r = await call(19, 7, true, (w) => CT.writeCreateTopicsRequest(w, 7, { topics: ["nocreate-2", "fine-1"].map((name) => ({ ...CT.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 1, replicationFactor: 1 })), timeoutMs: 5000, validateOnly: true }), CT.readCreateTopicsResponse);
out("createtopics", r.topics.map((t: any) => [t.name, t.errorCode, t.errorMessage, t.topicConfigErrorCode, t.numPartitions]));
r = await call(20, 6, true, (w) => DT.writeDeleteTopicsRequest(w, 6, { topicNames: [], topics: ["secret", "nothere"].map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs: 5000 }), DT.readDeleteTopicsResponse);
out("deletetopics", r.responses.map((t: any) => [t.name, t.errorCode, t.errorMessage]).sort());
r = await call(21, 2, true, (w) => DR.writeDeleteRecordsRequest(w, 2, { topics: ["secret", "open"].map((name) => ({ name, partitions: [{ partitionIndex: 0, offset: 0 }] })), timeoutMs: 5000 }), DR.readDeleteRecordsResponse);
out("deleterecords", r.topics.map((t: any) => [t.name, t.partitions[0].errorCode]));
r = await call(22, 5, true, (w) => IP.writeInitProducerIdRequest(w, 5, { transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }), IP.readInitProducerIdResponse);
out("initproducerid", r.errorCode);
r = await call(23, 4, true, (w) => OE.writeOffsetForLeaderEpochRequest(w, 4, { replicaId: -1, topics: ["secret", "open"].map((topic) => ({ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] })) }), OE.readOffsetForLeaderEpochResponse);
out("offsetforleaderepoch", r.topics.map((t: any) => [t.topic, t.partitions[0].errorCode]));
r = await call(29, 3, true, (w) => DA.writeDescribeAclsRequest(w, 3, { resourceTypeFilter: 1, resourceNameFilter: null, patternTypeFilter: 1, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }), DA.readDescribeAclsResponse);
out("describeacls", [r.errorCode, r.errorMessage, r.resources.length]);
r = await call(32, 4, true, (w) => DC.writeDescribeConfigsRequest(w, 4, { resources: [{ resourceType: 2, resourceName: "secret", configurationKeys: ["retention.ms"] }, { resourceType: 2, resourceName: "open", configurationKeys: ["retention.ms"] }, { resourceType: 4, resourceName: "1", configurationKeys: ["log.retention.ms"] }, { resourceType: 32, resourceName: "g-hidden", configurationKeys: null }], includeSynonyms: false, includeDocumentation: false }), DC.readDescribeConfigsResponse);
out("describeconfigs", r.results.map((x: any) => [x.resourceName, x.errorCode, x.errorMessage, x.configs.length]));
r = await call(44, 1, true, (w) => IC.writeIncrementalAlterConfigsRequest(w, 1, { resources: [{ resourceType: 2, resourceName: "open", configs: [{ name: "retention.ms", configOperation: 0, value: "100000" }] }, { resourceType: 2, resourceName: "secret", configs: [{ name: "retention.ms", configOperation: 0, value: "100000" }] }], validateOnly: true }), IC.readIncrementalAlterConfigsResponse);
out("incrementalalterconfigs", r.responses.map((x: any) => [x.resourceName, x.errorCode, x.errorMessage]));
r = await call(35, 4, true, (w) => LD.writeDescribeLogDirsRequest(w, 4, { topics: null }), LD.readDescribeLogDirsResponse);
out("describelogdirs", [r.errorCode, r.results.length]);
r = await call(37, 3, true, (w) => CP.writeCreatePartitionsRequest(w, 3, { topics: ["secret"].map((name) => ({ name, count: 3, assignments: null })), timeoutMs: 5000, validateOnly: true }), CP.readCreatePartitionsResponse);
out("createpartitions", r.results.map((x: any) => [x.name, x.errorCode, x.errorMessage]));
r = await call(60, 1, true, (w) => DCL.writeDescribeClusterRequest(w, 1, { includeClusterAuthorizedOperations: true, endpointType: 1 }), DCL.readDescribeClusterResponse);
out("describecluster", [r.errorCode, r.clusterAuthorizedOperations]);
r = await call(75, 0, true, (w) => DTP.writeDescribeTopicPartitionsRequest(w, 0, { topics: [{ name: "secret" }, { name: "open" }], responsePartitionLimit: 100, cursor: null }), DTP.readDescribeTopicPartitionsResponse);
out("describetopicpartitions", r.topics.map((t: any) => [t.name, t.errorCode, t.topicId === ZERO_UUID, t.topicAuthorizedOperations]));
c.close();
