// What clients are answered on a full disk (MemoryFileSystem's full-disk mode), request bytes to
// response bytes: Produce gets KAFKA_STORAGE_ERROR (56) per partition, as Kafka's
// ReplicaManager.appendToLocalLog answers a KafkaStorageException (no offsets, no log start
// offset), never a closed connection; CreateTopics gets KAFKA_STORAGE_ERROR and creates nothing
// (Kafka's process would halt: see topic-creation.ts); OffsetCommit gets NOT_COORDINATOR, Kafka's
// mapping of KAFKA_STORAGE_ERROR (CoordinatorOperationExceptionHelper). Once space is freed,
// each succeeds, and a restart finds exactly what was acknowledged.

import { describe, expect, test } from "bun:test";
import "../../src/handlers/00-produce.ts";
import "../../src/handlers/19-create-topics.ts";
import * as PR from "../../src/protocol/messages/produce.ts";
import * as CT from "../../src/protocol/messages/create-topics.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { GroupCoordinator, DEFAULT_COORDINATOR_CONFIG } from "../../src/groups/group-coordinator.ts";
import { OffsetsTopicLog } from "../../src/groups/offsets-topic.ts";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { decodeRecords, RecordBatchView } from "../../src/records/record-batch.ts";
import { handlerHarness, type Codec } from "../support/handler-harness.ts";
import { quiet } from "../groups/helpers.ts";

const { open, reopen, call } = handlerHarness("full-disk");
const PRODUCE: Codec<PR.ProduceRequest, PR.ProduceResponse> = { spec: PR.PRODUCE, write: PR.writeProduceRequest, read: PR.readProduceResponse };
const CREATE_TOPICS: Codec<CT.CreateTopicsRequest, CT.CreateTopicsResponse> = { spec: CT.CREATE_TOPICS, write: CT.writeCreateTopicsRequest, read: CT.readCreateTopicsResponse };
const utf8 = new TextEncoder();

function batch(value: string, size = 200): Uint8Array {
  return buildRecordBatch({ records: [{ key: null, value: utf8.encode(value.padEnd(size, ".")) }] });
}

function produceRequest(topic: string, partitions: { index: number; records: Uint8Array }[]): PR.ProduceRequest {
  return { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: topic, partitionData: partitions }] };
}

function values(store: LogStore, topic: string, partition: number): string[] {
  const log = store.partition(topic, partition)!;
  return [...log.batchesFrom(0)].flatMap((b) => decodeRecords(new RecordBatchView(b)).map((r) => new TextDecoder().decode(r.value!).replace(/\.+$/, "")));
}

describe("full disk: what the client is answered", () => {
  test("Produce: KAFKA_STORAGE_ERROR while full, success after freeing space, all acknowledged records kept", async () => {
    const fs = new MemoryFileSystem();
    let b = open("", "/data", fs);
    b.store.metadata.createTopic("t", 2, { nodeId: 1 });
    const acked: string[][] = [[], []];
    const send = async (tag: string) => {
      const res = await call(b, PRODUCE, 9, produceRequest("t", [0, 1].map((index) => ({ index, records: batch(`${tag}-${index}`) }))));
      const parts = res.responses[0]!.partitionResponses;
      for (const p of parts) if (p.errorCode === ErrorCode.NONE) acked[p.index]!.push(`${tag}-${p.index}`);
      return parts;
    };
    expect((await send("a")).map((p) => p.errorCode)).toEqual([0, 0]);
    fs.setCapacity(fs.usedBytes + 300); // room for one batch, part of the second
    const full = await send("b");
    expect(full.map((p) => p.errorCode).sort()).toEqual([ErrorCode.NONE, ErrorCode.KAFKA_STORAGE_ERROR]);
    const refused = full.find((p) => p.errorCode !== 0)!;
    expect([refused.baseOffset, refused.logStartOffset, refused.errorMessage]).toEqual([-1, -1, null]);
    expect((await send("c")).map((p) => p.errorCode)).toEqual([ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR]);
    fs.setCapacity(null);
    expect((await send("d")).map((p) => p.errorCode)).toEqual([0, 0]);
    b = reopen(b);
    for (const p of [0, 1]) expect(values(b.store, "t", p)).toEqual(acked[p]!);
  });

  test("CreateTopics: KAFKA_STORAGE_ERROR and nothing created; created once space is freed", async () => {
    const fs = new MemoryFileSystem();
    let b = open("", "/data", fs);
    const create = (name: string) => call(b, CREATE_TOPICS, 7, {
      topics: [{ ...CT.defaultCreateTopicsRequestCreatableTopic(), name, numPartitions: 3, replicationFactor: 1 }], timeoutMs: 30_000, validateOnly: false,
    });
    fs.setCapacity(fs.usedBytes + 10);
    const res = (await create("new")).topics[0]!;
    expect(res.errorCode).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
    expect(b.store.metadata.topicsByName.has("new")).toBe(false);
    fs.setCapacity(null);
    expect((await create("new")).topics[0]!.errorCode).toBe(ErrorCode.NONE);
    b = reopen(b);
    expect(b.store.metadata.topicsByName.get("new")?.partitions.length).toBe(3);
  });

  test("OffsetCommit: NOT_COORDINATOR while full, the last acknowledged commit kept across a kill -9", () => {
    const fs = new MemoryFileSystem();
    const start = () => {
      const store = LogStore.open({ logDirs: ["/data"], fs });
      const records = new OffsetsTopicLog(store, { nodeId: 1, numPartitions: 3, segmentBytes: 1 << 20, log: () => {} });
      const c = new GroupCoordinator(records, new ManualScheduler(), { ...DEFAULT_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0 }, quiet);
      c.load();
      return { store, c };
    };
    const commit = (c: GroupCoordinator, offset: number) => c.commitOffsets({
      groupId: "g", generationId: -1, memberId: "", groupInstanceId: null, retentionTimeMs: -1, apiVersion: 8,
      topics: [{ name: "t", partitions: [{ partitionIndex: 0, committedOffset: offset, committedLeaderEpoch: -1, committedMetadata: null }] }],
    })[0]!.partitions[0]!.errorCode;
    const committed = (c: GroupCoordinator) => c.fetchOffsets("g", null).topics[0]?.partitions[0]?.committedOffset;
    let { store, c } = start();
    expect(commit(c, 5)).toBe(ErrorCode.NONE);
    fs.setCapacity(fs.usedBytes + 20);
    expect(commit(c, 6)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(committed(c)).toBe(5);
    fs.setCapacity(null);
    expect(commit(c, 7)).toBe(ErrorCode.NONE);
    fs.crash();
    ({ store, c } = start());
    expect(committed(c)).toBe(7);
    store.close();
  });
});
