// The transaction APIs at the message level: request bytes → handler → response bytes, over a
// real LogStore with the transaction coordinator on the real __transaction_state (a ManualScheduler
// for its timers), at the versions clients use.

import { describe, expect, test } from "bun:test";
import "../../src/handlers/index.ts";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import * as AV from "../../src/protocol/messages/api-versions.ts";
import * as APT from "../../src/protocol/messages/add-partitions-to-txn.ts";
import * as AOT from "../../src/protocol/messages/add-offsets-to-txn.ts";
import * as DP from "../../src/protocol/messages/describe-producers.ts";
import * as DTX from "../../src/protocol/messages/describe-transactions.ts";
import * as ET from "../../src/protocol/messages/end-txn.ts";
import * as FC from "../../src/protocol/messages/find-coordinator.ts";
import * as IP from "../../src/protocol/messages/init-producer-id.ts";
import * as LT from "../../src/protocol/messages/list-transactions.ts";
import * as PR from "../../src/protocol/messages/produce.ts";
import * as WTM from "../../src/protocol/messages/write-txn-markers.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView, TRANSACTIONAL_MASK } from "../../src/records/record-batch.ts";
import { readTransactionMarker } from "../../src/records/control-batch.ts";
import { startTransactionCoordinator } from "../../src/transactions/startup.ts";
import { TRANSACTION_STATE_TOPIC } from "../../src/transactions/transaction-log.ts";
import { handlerHarness, type Codec, type HarnessBroker } from "../support/handler-harness.ts";

const { open, reopen, call } = handlerHarness("txn");

const API_VERSIONS: Codec<AV.ApiVersionsRequest, AV.ApiVersionsResponse> = { spec: AV.API_VERSIONS, write: AV.writeApiVersionsRequest, read: AV.readApiVersionsResponse };
const FIND: Codec<FC.FindCoordinatorRequest, FC.FindCoordinatorResponse> = { spec: FC.FIND_COORDINATOR, write: FC.writeFindCoordinatorRequest, read: FC.readFindCoordinatorResponse };
const INIT: Codec<IP.InitProducerIdRequest, IP.InitProducerIdResponse> = { spec: IP.INIT_PRODUCER_ID, write: IP.writeInitProducerIdRequest, read: IP.readInitProducerIdResponse };
const ADD_PARTITIONS: Codec<APT.AddPartitionsToTxnRequest, APT.AddPartitionsToTxnResponse> = { spec: APT.ADD_PARTITIONS_TO_TXN, write: APT.writeAddPartitionsToTxnRequest, read: APT.readAddPartitionsToTxnResponse };
const ADD_OFFSETS: Codec<AOT.AddOffsetsToTxnRequest, AOT.AddOffsetsToTxnResponse> = { spec: AOT.ADD_OFFSETS_TO_TXN, write: AOT.writeAddOffsetsToTxnRequest, read: AOT.readAddOffsetsToTxnResponse };
const END: Codec<ET.EndTxnRequest, ET.EndTxnResponse> = { spec: ET.END_TXN, write: ET.writeEndTxnRequest, read: ET.readEndTxnResponse };
const PRODUCE: Codec<PR.ProduceRequest, PR.ProduceResponse> = { spec: PR.PRODUCE, write: PR.writeProduceRequest, read: PR.readProduceResponse };
const DESCRIBE_TXN: Codec<DTX.DescribeTransactionsRequest, DTX.DescribeTransactionsResponse> = { spec: DTX.DESCRIBE_TRANSACTIONS, write: DTX.writeDescribeTransactionsRequest, read: DTX.readDescribeTransactionsResponse };
const LIST_TXN: Codec<LT.ListTransactionsRequest, LT.ListTransactionsResponse> = { spec: LT.LIST_TRANSACTIONS, write: LT.writeListTransactionsRequest, read: LT.readListTransactionsResponse };
const DESCRIBE_PRODUCERS: Codec<DP.DescribeProducersRequest, DP.DescribeProducersResponse> = { spec: DP.DESCRIBE_PRODUCERS, write: DP.writeDescribeProducersRequest, read: DP.readDescribeProducersResponse };
const WRITE_MARKERS: Codec<WTM.WriteTxnMarkersRequest, WTM.WriteTxnMarkersResponse> = { spec: WTM.WRITE_TXN_MARKERS, write: WTM.writeWriteTxnMarkersRequest, read: WTM.readWriteTxnMarkersResponse };

/** A broker with topic `t` (2 partitions) and a transaction coordinator. */
function broker(props = "", dir?: string): HarnessBroker {
  const b = open(props, dir);
  if (!b.store.metadata.topicsByName.has("t")) b.store.metadata.createTopic("t", 2, { nodeId: 1 });
  b.broker.transactions = startTransactionCoordinator(b.broker.config, b.store, undefined, new ManualScheduler(Date.now()));
  return b;
}

function restart(b: HarnessBroker): HarnessBroker {
  b.broker.transactions!.shutdown();
  const again = reopen(b);
  again.broker.transactions = startTransactionCoordinator(again.broker.config, again.store, undefined, new ManualScheduler(Date.now()));
  return again;
}

const utf8 = new TextEncoder();
const txnBatch = (producerId: number, epoch: number, seq: number) => buildRecordBatch({
  attributes: TRANSACTIONAL_MASK, producerId, producerEpoch: epoch, baseSequence: seq, records: [{ key: utf8.encode("k"), value: utf8.encode(`v${seq}`) }],
});

async function init(b: HarnessBroker, txnId: string, version = 4, expected: [number, number] = [-1, -1]) {
  return call(b, INIT, version, { transactionalId: txnId, transactionTimeoutMs: 60_000, producerId: expected[0], producerEpoch: expected[1] });
}

async function addPartitions(b: HarnessBroker, version: number, txnId: string, pid: number, epoch: number, topics: { name: string; partitions: number[] }[]) {
  const res = await call(b, ADD_PARTITIONS, version, {
    transactions: [], v3AndBelowTransactionalId: txnId, v3AndBelowProducerId: pid, v3AndBelowProducerEpoch: epoch, v3AndBelowTopics: topics,
  });
  return res.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((p) => [`${t.name}-${p.partitionIndex}`, p.partitionErrorCode]));
}

async function produce(b: HarnessBroker, version: number, txnId: string | null, partition: number, records: Uint8Array) {
  const res = await call(b, PRODUCE, version, {
    transactionalId: txnId, acks: -1, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0]!.partitionResponses[0]!;
}

async function endTxn(b: HarnessBroker, version: number, txnId: string, pid: number, epoch: number, committed: boolean) {
  return call(b, END, version, { transactionalId: txnId, producerId: pid, producerEpoch: epoch, committed });
}

/** The markers in a partition of `t`: [offset, commit?, epoch]. */
function markers(b: HarnessBroker, partition: number): [number, boolean, number][] {
  const log = b.store.partition("t", partition)!;
  const out: [number, boolean, number][] = [];
  for (const bytes of log.batchesFrom(0)) {
    const view = new RecordBatchView(bytes);
    const m = readTransactionMarker(view);
    if (m !== null) out.push([view.baseOffset, m.type === 1, view.producerEpoch]);
  }
  return out;
}

/**
 * Waits until the coordinator has completed `transactionalId`'s transaction (markers written,
 * CompleteCommit/CompleteAbort in __transaction_state): EndTxn answers once PrepareCommit/Abort is
 * on disk, as Kafka's does, and the markers follow, each after an fsync of its own.
 */
async function completed(b: HarnessBroker, transactionalId: string, withinMs = 5000): Promise<void> {
  const deadline = Date.now() + withinMs;
  let state = "";
  while (Date.now() < deadline) {
    state = (await call(b, DESCRIBE_TXN, 0, { transactionalIds: [transactionalId] })).transactionStates[0]!.transactionState;
    if (state === "CompleteCommit" || state === "CompleteAbort") return;
    await Bun.sleep(5);
  }
  throw new Error(`transaction ${transactionalId} still ${state} ${withinMs} ms after EndTxn`);
}

describe("FindCoordinator and ApiVersions", () => {
  test("key type 1 is this node, and creates __transaction_state as Kafka does", async () => {
    const b = broker("transaction.state.log.num.partitions=7");
    const v3 = await call(b, FIND, 3, { key: "tx", keyType: 1, coordinatorKeys: [] });
    expect(v3).toMatchObject({ errorCode: 0, nodeId: 1, errorMessage: "NONE" });
    const v4 = await call(b, FIND, 4, { key: "", keyType: 1, coordinatorKeys: ["a", "b"] });
    expect(v4.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([["a", 0, 1], ["b", 0, 1]]);
    const topic = b.store.metadata.topicsByName.get(TRANSACTION_STATE_TOPIC)!;
    expect(topic.partitions.length).toBe(7);
    expect(Object.fromEntries(b.store.metadata.topicConfigs.get(TRANSACTION_STATE_TOPIC)!)).toMatchObject({
      "cleanup.policy": "compact", "compression.type": "uncompressed", "min.insync.replicas": "1", "segment.bytes": "104857600",
    });
  }, 10_000);

  test("ApiVersions v3+ lists transaction.version 0-2, finalized 2 (metadata log levels win)", async () => {
    const b = broker();
    const res = await call(b, API_VERSIONS, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(res.supportedFeatures).toContainEqual({ name: "transaction.version", minVersion: 0, maxVersion: 2 });
    expect(res.finalizedFeatures).toContainEqual({ name: "transaction.version", minVersionLevel: 2, maxVersionLevel: 2 });
    expect(res.apiKeys.find((k) => k.apiKey === 0)!.maxVersion).toBe(12);
    for (const [key, max] of [[24, 5], [25, 4], [26, 5], [27, 2], [61, 0], [65, 0], [66, 2]]) {
      expect(res.apiKeys.find((k) => k.apiKey === key)).toMatchObject({ maxVersion: max });
    }
    b.store.metadata.features.set("transaction.version", 1);
    const again = await call(b, API_VERSIONS, 3, { clientSoftwareName: "t", clientSoftwareVersion: "1" });
    expect(again.finalizedFeatures).toContainEqual({ name: "transaction.version", minVersionLevel: 1, maxVersionLevel: 1 });
  }, 10_000);
});

describe("a transaction over the wire (transaction version 1 client)", () => {
  test("init, add, produce, commit: markers in the partitions, state in __transaction_state, kept over a restart", async () => {
    let b = broker();
    const p = await init(b, "tx", 3);
    expect(p).toMatchObject({ errorCode: 0, producerEpoch: 0 });
    const pid = p.producerId;
    // A partition not added: refused (v11 has TRANSACTION_ABORTABLE, older versions INVALID_TXN_STATE).
    expect((await produce(b, 11, "tx", 0, txnBatch(pid, 0, 0))).errorCode).toBe(ErrorCode.TRANSACTION_ABORTABLE);
    expect(await produce(b, 9, "tx", 0, txnBatch(pid, 0, 0))).toMatchObject({ errorCode: ErrorCode.INVALID_TXN_STATE, errorMessage: "Partition was not added to the transaction" });
    expect(await produce(b, 11, "tx", 0, txnBatch(pid, 0, 0))).toMatchObject({ errorCode: ErrorCode.TRANSACTION_ABORTABLE, errorMessage: null });
    // A wrong epoch: PRODUCER_FENCED from the coordinator, INVALID_PRODUCER_EPOCH to the producer (as Kafka 4.3.1).
    expect((await produce(b, 11, "tx", 0, txnBatch(pid, 5, 0))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    // Another transactional id does not own this producer id.
    expect((await produce(b, 11, "other", 0, txnBatch(pid, 0, 0))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await addPartitions(b, 3, "tx", pid, 0, [{ name: "t", partitions: [0, 1] }, { name: "nope", partitions: [0] }]))
      .toEqual([["t-0", ErrorCode.OPERATION_NOT_ATTEMPTED], ["t-1", ErrorCode.OPERATION_NOT_ATTEMPTED], ["nope-0", ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]);
    expect(await addPartitions(b, 1, "tx", pid, 5, [{ name: "t", partitions: [0] }])).toEqual([["t-0", ErrorCode.INVALID_PRODUCER_EPOCH]]);
    expect(await addPartitions(b, 3, "tx", pid, 5, [{ name: "t", partitions: [0] }])).toEqual([["t-0", ErrorCode.PRODUCER_FENCED]]);
    expect(await addPartitions(b, 3, "tx", pid, 0, [{ name: "t", partitions: [0, 1] }])).toEqual([["t-0", 0], ["t-1", 0]]);
    expect(await produce(b, 11, "tx", 0, txnBatch(pid, 0, 0))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(await produce(b, 9, "tx", 1, txnBatch(pid, 0, 0))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    // Open transaction: DescribeProducers shows where it started.
    const dp = await call(b, DESCRIBE_PRODUCERS, 0, { topics: [{ name: "t", partitionIndexes: [0, 9] }, { name: "missing", partitionIndexes: [0] }] });
    expect(dp.topics[0]!.partitions[0]!.activeProducers).toEqual([
      { producerId: pid, producerEpoch: 0, lastSequence: 0, lastTimestamp: expect.any(Number), coordinatorEpoch: -1, currentTxnStartOffset: 0 },
    ]);
    expect(dp.topics[0]!.partitions[1]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: null });
    expect(dp.topics[1]!.partitions[0]).toMatchObject({ errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: "This server does not host this topic-partition." });
    const described = await call(b, DESCRIBE_TXN, 0, { transactionalIds: ["tx", "unknown"] });
    expect(described.transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: "Ongoing", producerId: pid, producerEpoch: 0, transactionTimeoutMs: 60_000, topics: [{ topic: "t", partitions: [0, 1] }] });
    expect(described.transactionStates[1]!.errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);

    expect(await endTxn(b, 3, "tx", pid, 0, true)).toMatchObject({ errorCode: 0 });
    await completed(b, "tx");
    expect(markers(b, 0)).toEqual([[1, true, 0]]);
    expect(markers(b, 1)).toEqual([[1, true, 0]]);
    expect((await call(b, LIST_TXN, 0, { stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: null })).transactionStates)
      .toEqual([{ transactionalId: "tx", producerId: pid, transactionState: "CompleteCommit" }]);
    // EndTxn again: the same result answers NONE, the other INVALID_TXN_STATE.
    expect((await endTxn(b, 3, "tx", pid, 0, true)).errorCode).toBe(0);
    expect((await endTxn(b, 3, "tx", pid, 0, false)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);

    b = restart(b);
    const d = await call(b, DESCRIBE_TXN, 0, { transactionalIds: ["tx"] });
    expect(d.transactionStates[0]).toMatchObject({ errorCode: 0, transactionState: "CompleteCommit", producerId: pid, producerEpoch: 0 });
    expect(await init(b, "tx", 4, [pid, 0])).toMatchObject({ errorCode: 0, producerId: pid, producerEpoch: 1 });
    expect(await init(b, "tx", 4, [pid + 1, 0])).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED });
    expect(await init(b, "tx", 3, [pid + 1, 0])).toMatchObject({ errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
  }, 20_000);

  test("AddOffsetsToTxn adds the group's __consumer_offsets partition; EndTxn v0 maps PRODUCER_FENCED to INVALID_PRODUCER_EPOCH", async () => {
    const b = broker();
    const { producerId: pid } = await init(b, "tx-o");
    expect(await call(b, ADD_OFFSETS, 3, { transactionalId: "tx-o", producerId: pid, producerEpoch: 0, groupId: "g" })).toEqual({ throttleTimeMs: 0, errorCode: 0 });
    expect(await call(b, ADD_OFFSETS, 1, { transactionalId: "tx-o", producerId: pid, producerEpoch: 3, groupId: "g" })).toEqual({ throttleTimeMs: 0, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH });
    const d = await call(b, DESCRIBE_TXN, 0, { transactionalIds: ["tx-o"] });
    expect(d.transactionStates[0]!.topics.map((t) => t.topic)).toEqual(["__consumer_offsets"]);
    expect((await endTxn(b, 0, "tx-o", pid, 7, false)).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect((await endTxn(b, 2, "tx-o", pid, 7, false)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  }, 10_000);
});

describe("transaction version 2 (Produce v12, EndTxn v5)", () => {
  test("a v12 produce adds its partition; EndTxn v5 bumps the epoch and answers it; markers carry the new epoch", async () => {
    const b = broker();
    const { producerId: pid } = await init(b, "tx2", 5);
    expect(await produce(b, 12, "tx2", 1, txnBatch(pid, 0, 0))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const d = await call(b, DESCRIBE_TXN, 0, { transactionalIds: ["tx2"] });
    expect(d.transactionStates[0]).toMatchObject({ transactionState: "Ongoing", topics: [{ topic: "t", partitions: [1] }] });
    expect(await endTxn(b, 5, "tx2", pid, 0, false)).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId: pid, producerEpoch: 1 });
    await completed(b, "tx2");
    expect(markers(b, 1)).toEqual([[1, false, 1]]);
    // The next transaction at the new epoch; the old epoch is fenced.
    expect((await produce(b, 12, "tx2", 1, txnBatch(pid, 0, 1))).errorCode).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
    expect(await produce(b, 12, "tx2", 1, txnBatch(pid, 1, 0))).toMatchObject({ errorCode: 0, baseOffset: 2 });
  }, 10_000);

  test("pipelined produces of one producer are appended in request order while the first waits for the coordinator", async () => {
    // The bench's workload (h) (Java producer, 5 requests in flight): X adds partition 1 (verified
    // with the coordinator, asynchronously) and carries partition 0's next batch; Y carries the one
    // after, needs no verification, and must not be appended before X (Kafka handles a
    // connection's requests one at a time).
    const b = broker();
    const { producerId: pid } = await init(b, "tx-pipe", 5);
    expect(await produce(b, 12, "tx-pipe", 0, txnBatch(pid, 0, 0))).toMatchObject({ errorCode: 0, baseOffset: 0 });
    const x = call(b, PRODUCE, 12, {
      transactionalId: "tx-pipe", acks: -1, timeoutMs: 1000,
      topicData: [{ name: "t", partitionData: [{ index: 1, records: txnBatch(pid, 0, 0) }, { index: 0, records: txnBatch(pid, 0, 1) }] }],
    });
    const y = produce(b, 12, "tx-pipe", 0, txnBatch(pid, 0, 2));
    const [xr, yr] = await Promise.all([x, y]);
    expect(xr.responses[0]!.partitionResponses.map((p) => [p.index, p.errorCode, Number(p.baseOffset)])).toEqual([[1, 0, 0], [0, 0, 1]]);
    expect(yr).toMatchObject({ errorCode: 0, baseOffset: 2 });
  }, 10_000);
});

describe("admin", () => {
  test("ListTransactions filters; WriteTxnMarkers aborts a hanging transaction as kafka-transactions --abort does", async () => {
    const b = broker();
    const a = await init(b, "alpha");
    await init(b, "beta");
    await addPartitions(b, 3, "alpha", a.producerId, 0, [{ name: "t", partitions: [0] }]);
    expect(await produce(b, 11, "alpha", 0, txnBatch(a.producerId, 0, 0))).toMatchObject({ errorCode: 0 });
    const list = async (version: number, req: Partial<LT.ListTransactionsRequest>) => (await call(b, LIST_TXN, version, {
      stateFilters: [], producerIdFilters: [], durationFilter: -1, transactionalIdPattern: null, ...req,
    }));
    expect((await list(0, { stateFilters: ["Ongoing"] })).transactionStates.map((t) => t.transactionalId)).toEqual(["alpha"]);
    expect((await list(2, { transactionalIdPattern: "b.*" })).transactionStates.map((t) => t.transactionalId)).toEqual(["beta"]);
    expect(await list(1, { stateFilters: ["Nope"] })).toMatchObject({ errorCode: 0, unknownStateFilters: ["Nope"], transactionStates: [] });
    expect((await list(2, { transactionalIdPattern: "[" })).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);

    const res = await call(b, WRITE_MARKERS, 1, { markers: [{
      producerId: a.producerId, producerEpoch: 0, transactionResult: false, coordinatorEpoch: 0, transactionVersion: 0,
      topics: [{ name: "t", partitionIndexes: [0] }, { name: "gone", partitionIndexes: [3] }],
    }] });
    expect(res.markers[0]!.topics.map((t) => [t.name, t.partitions.map((p) => p.errorCode)])).toEqual([["t", [0]], ["gone", [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]]]);
    expect(markers(b, 0)).toEqual([[1, false, 0]]);
    const dp = await call(b, DESCRIBE_PRODUCERS, 0, { topics: [{ name: "t", partitionIndexes: [0] }] });
    expect(dp.topics[0]!.partitions[0]!.activeProducers[0]!.currentTxnStartOffset).toBe(-1);
  }, 10_000);
});
