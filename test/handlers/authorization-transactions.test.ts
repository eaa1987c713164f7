// Authorization of the transaction APIs (24 AddPartitionsToTxn, 25 AddOffsetsToTxn, 26 EndTxn,
// 27 WriteTxnMarkers, 61 DescribeProducers, 65 DescribeTransactions, 66 ListTransactions) with
// principals, as Kafka 4.3.1's KafkaApis checks them (read from its source and bytecode): the
// same harness as authorization.test.ts, with a transaction coordinator on a manual scheduler.

import { afterAll, describe, expect, test } from "bun:test";
import "../../src/handlers/index.ts";
import { handlerFor } from "../../src/handlers/registry.ts";
import { startTransactionCoordinator } from "../../src/transactions/startup.ts";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as RT, type AclBinding } from "../../src/security/authorizer.ts";
import { STANDARD_AUTHORIZER } from "../../src/config/authorizer-config.ts";
import { handlerHarness, type Codec, type HarnessBroker, type Sender } from "../support/handler-harness.ts";
import * as IP from "../../src/protocol/messages/init-producer-id.ts";
import * as AP from "../../src/protocol/messages/add-partitions-to-txn.ts";
import * as AO from "../../src/protocol/messages/add-offsets-to-txn.ts";
import * as ET from "../../src/protocol/messages/end-txn.ts";
import * as WM from "../../src/protocol/messages/write-txn-markers.ts";
import * as DP from "../../src/protocol/messages/describe-producers.ts";
import * as DTX from "../../src/protocol/messages/describe-transactions.ts";
import * as LT from "../../src/protocol/messages/list-transactions.ts";

const { open, call } = handlerHarness("authz-txn");
const user = (name: string): Sender => ({ principal: { type: "User", name }, host: "127.0.0.1" });
const ADMIN = user("admin"), ALICE = user("alice");
const opened: HarnessBroker[] = [];
afterAll(() => {
  for (const b of opened) b.broker.transactions?.shutdown?.();
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function codec<Req, Res>(mod: any, constant: string, name: string): Codec<Req, Res> {
  return { spec: mod[constant], write: mod[`write${name}Request`], read: mod[`read${name}Response`] };
}
const INIT = codec<IP.InitProducerIdRequest, IP.InitProducerIdResponse>(IP, "INIT_PRODUCER_ID", "InitProducerId");
const ADD_PARTITIONS = codec<AP.AddPartitionsToTxnRequest, AP.AddPartitionsToTxnResponse>(AP, "ADD_PARTITIONS_TO_TXN", "AddPartitionsToTxn");
const ADD_OFFSETS = codec<AO.AddOffsetsToTxnRequest, AO.AddOffsetsToTxnResponse>(AO, "ADD_OFFSETS_TO_TXN", "AddOffsetsToTxn");
const END_TXN = codec<ET.EndTxnRequest, ET.EndTxnResponse>(ET, "END_TXN", "EndTxn");
const WRITE_MARKERS = codec<WM.WriteTxnMarkersRequest, WM.WriteTxnMarkersResponse>(WM, "WRITE_TXN_MARKERS", "WriteTxnMarkers");
const DESCRIBE_PRODUCERS = codec<DP.DescribeProducersRequest, DP.DescribeProducersResponse>(DP, "DESCRIBE_PRODUCERS", "DescribeProducers");
const DESCRIBE_TRANSACTIONS = codec<DTX.DescribeTransactionsRequest, DTX.DescribeTransactionsResponse>(DTX, "DESCRIBE_TRANSACTIONS", "DescribeTransactions");
const LIST_TRANSACTIONS = codec<LT.ListTransactionsRequest, LT.ListTransactionsResponse>(LT, "LIST_TRANSACTIONS", "ListTransactions");
const send = <Req, Res>(b: HarnessBroker, c: Codec<Req, Res>, req: Req, who: Sender, version?: number) =>
  call(b, c, version ?? handlerFor(c.spec.apiKey)!.maxVersion, req, who);

function broker(): HarnessBroker {
  const b = open(`authorizer.class.name=${STANDARD_AUTHORIZER}\nsuper.users=User:admin\n`);
  b.broker.transactions = startTransactionCoordinator(b.broker.config, b.store, undefined, new ManualScheduler(Date.now()));
  opened.push(b);
  for (const name of ["t", "secret"]) b.store.metadata.createTopic(name, 1, { nodeId: 1 });
  return b;
}
const allow = (resourceType: number, resourceName: string, operation: number): AclBinding =>
  ({ resourceType, resourceName, patternType: Pat.LITERAL, principal: "User:alice", host: "*", operation, permissionType: Perm.ALLOW });
const v3Add = (transactionalId: string, topics: string[]): AP.AddPartitionsToTxnRequest => ({
  transactions: [], v3AndBelowTransactionalId: transactionalId, v3AndBelowProducerId: 0, v3AndBelowProducerEpoch: 0,
  v3AndBelowTopics: topics.map((name) => ({ name, partitions: [0] })),
});

describe("transaction APIs", () => {
  test("AddPartitionsToTxn v0-v3: WRITE on the id, then WRITE on each topic (internal ones always refused); v4+: CLUSTER_ACTION", async () => {
    const b = broker();
    const codesOf = (r: AP.AddPartitionsToTxnResponse) => r.resultsByTopicV3AndBelow.map((t) => [t.name, t.resultsByPartition[0]!.partitionErrorCode]);
    expect(codesOf(await send(b, ADD_PARTITIONS, v3Add("tx", ["t"]), ALICE, 3))).toEqual([["t", ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]]);
    b.store.metadata.createAcls([allow(RT.TRANSACTIONAL_ID, "tx", Op.WRITE), allow(RT.TOPIC, "t", Op.WRITE)]);
    expect(codesOf(await send(b, ADD_PARTITIONS, v3Add("tx", ["t", "secret", "__consumer_offsets"]), ALICE, 3))).toEqual([
      ["t", ErrorCode.OPERATION_NOT_ATTEMPTED], ["secret", ErrorCode.TOPIC_AUTHORIZATION_FAILED], ["__consumer_offsets", ErrorCode.TOPIC_AUTHORIZATION_FAILED],
    ]);
    const v5 = await send(b, ADD_PARTITIONS, { ...v3Add("", []), transactions: [{ transactionalId: "tx", producerId: 0, producerEpoch: 0, verifyOnly: true, topics: [{ name: "t", partitions: [0] }] }] }, ALICE, 5);
    expect(v5.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  test("AddOffsetsToTxn: WRITE on the id, then READ on the group; EndTxn: WRITE on the id", async () => {
    const b = broker();
    const addOffsets = () => send(b, ADD_OFFSETS, { transactionalId: "tx", producerId: 0, producerEpoch: 0, groupId: "g" }, ALICE);
    expect((await addOffsets()).errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    const end = await send(b, END_TXN, { transactionalId: "tx", producerId: 0, producerEpoch: 0, committed: true }, ALICE);
    expect([end.errorCode, end.producerId, end.producerEpoch]).toEqual([ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, -1, -1]);
    b.store.metadata.createAcls([allow(RT.TRANSACTIONAL_ID, "tx", Op.WRITE)]);
    expect((await addOffsets()).errorCode).toBe(ErrorCode.GROUP_AUTHORIZATION_FAILED);
    expect((await send(b, END_TXN, { transactionalId: "tx", producerId: 0, producerEpoch: 0, committed: true }, ALICE)).errorCode)
      .not.toBe(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  test("WriteTxnMarkers: ALTER or CLUSTER_ACTION on the cluster, else CLUSTER_AUTHORIZATION_FAILED per partition", async () => {
    const b = broker();
    const res = await send(b, WRITE_MARKERS, {
      markers: [{ producerId: 5, producerEpoch: 0, transactionResult: false, coordinatorEpoch: 0, transactionVersion: 0, topics: [{ name: "t", partitionIndexes: [0] }] }],
    }, ALICE);
    expect(res.markers[0]!.topics[0]!.partitions[0]!.errorCode).toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    const admin = await send(b, WRITE_MARKERS, {
      markers: [{ producerId: 5, producerEpoch: 0, transactionResult: false, coordinatorEpoch: 0, transactionVersion: 0, topics: [{ name: "t", partitionIndexes: [0] }] }],
    }, ADMIN);
    expect(admin.markers[0]!.topics[0]!.partitions[0]!.errorCode).not.toBe(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
  });

  test("DescribeProducers: READ on the topic; DescribeTransactions and ListTransactions: DESCRIBE on the id", async () => {
    const b = broker();
    const dp = await send(b, DESCRIBE_PRODUCERS, { topics: [{ name: "t", partitionIndexes: [0] }, { name: "bad name", partitionIndexes: [0] }] }, ALICE);
    expect(dp.topics.map((t) => [t.name, t.partitions[0]!.errorCode, t.partitions[0]!.errorMessage])).toEqual([
      ["t", ErrorCode.TOPIC_AUTHORIZATION_FAILED, "Topic authorization failed."], ["bad name", ErrorCode.INVALID_TOPIC_EXCEPTION, expect.any(String)],
    ]);
    for (const id of ["tx", "other"]) {
      const init = await send(b, INIT, { transactionalId: id, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, ADMIN);
      expect(init.errorCode).toBe(0);
    }
    b.store.metadata.createAcls([allow(RT.TRANSACTIONAL_ID, "tx", Op.DESCRIBE)]);
    const dt = await send(b, DESCRIBE_TRANSACTIONS, { transactionalIds: ["tx", "other"] }, ALICE);
    expect(dt.transactionStates.map((s) => [s.transactionalId, s.errorCode])).toEqual([["tx", 0], ["other", ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED]]);
    const lt = await send(b, LIST_TRANSACTIONS, { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: null }, ALICE);
    expect(lt.transactionStates.map((s) => s.transactionalId)).toEqual(["tx"]);
    const all = await send(b, LIST_TRANSACTIONS, { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: null }, ADMIN);
    expect(all.transactionStates.map((s) => s.transactionalId).sort()).toEqual(["other", "tx"]);
  });
});
