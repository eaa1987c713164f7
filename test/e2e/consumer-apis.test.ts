// End to end: Metadata, ListOffsets, OffsetForLeaderEpoch and long-polling Fetch against the
// compiled broker.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Reader } from "../../src/protocol/reader.ts";
import { readMetadataResponse, writeMetadataRequest, type MetadataResponse } from "../../src/protocol/messages/metadata.ts";
import { readListOffsetsResponse, writeListOffsetsRequest } from "../../src/protocol/messages/list-offsets.ts";
import { readOffsetForLeaderEpochResponse, writeOffsetForLeaderEpochRequest } from "../../src/protocol/messages/offset-for-leader-epoch.ts";
import { defaultFetchRequest, defaultFetchRequestFetchPartition, readFetchResponse, writeFetchRequest } from "../../src/protocol/messages/fetch.ts";
import { readProduceResponse, writeProduceRequest } from "../../src/protocol/messages/produce.ts";
import { readApiVersionsResponse, writeApiVersionsRequest } from "../../src/protocol/messages/api-versions.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";
import { bytes, layOutLogDir, randomTopicId } from "../support/log-dir.ts";

const ZERO_UUID = "0".repeat(32);
const clock = { name: "clock", topicId: randomTopicId() };
let broker: RunningBroker;
let logDir: string;

beforeAll(async () => {
  logDir = tempDir();
  // Three batches at known timestamps: offsets 0-1 at t=1000/1500, 2 at t=3000, 3-5 at 2000/5000/4000.
  layOutLogDir(logDir, [{
    ...clock,
    partitions: [[
      [{ value: bytes("a"), timestamp: 1000 }, { value: bytes("b"), timestamp: 1500 }],
      [{ value: bytes("c"), timestamp: 3000 }],
      [{ value: bytes("d"), timestamp: 2000 }, { value: bytes("e"), timestamp: 5000 }, { value: bytes("f"), timestamp: 4000 }],
    ]],
  }]);
  broker = await startBroker({ logDir, keepLogDir: true, properties: { "num.partitions": 3 } });
});

afterAll(async () => {
  await broker?.stop();
});

function body(frame: Uint8Array, headerVersion: 0 | 1, correlationId: number): Reader {
  const r = new Reader(frame);
  expect(r.int32()).toBe(correlationId);
  if (headerVersion === 1) r.skipTaggedFields();
  return r;
}

async function metadata(client: WireClient, version: number, topics: { name: string | null; topicId?: string }[] | null, allowAutoTopicCreation = true): Promise<MetadataResponse> {
  client.send(3, version, 31, version >= 9 ? 2 : 1, (w) => writeMetadataRequest(w, version, {
    topics: topics?.map((t) => ({ name: t.name, topicId: t.topicId ?? ZERO_UUID })) ?? null,
    allowAutoTopicCreation, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: true,
  }));
  const r = body(await client.receive(), version >= 9 ? 1 : 0, 31);
  const res = readMetadataResponse(r, version);
  expect(r.failed).toBe(false);
  return res;
}

describe("Metadata", () => {
  test("every version 0..12 describes this broker, the cluster and the topics", async () => {
    const client = await WireClient.connect(broker.port);
    for (let v = 0; v <= 12; v++) {
      const res = await metadata(client, v, v === 0 ? [] : null);
      expect(res.brokers).toEqual([{ nodeId: 1, host: "127.0.0.1", port: broker.port, rack: null }]);
      if (v >= 1) expect(res.controllerId).toBe(1);
      if (v >= 2) expect(res.clusterId).toMatch(/^[A-Za-z0-9_-]{22}$/);
      const topic = res.topics.find((t) => t.name === "clock")!;
      expect(topic.errorCode).toBe(0);
      expect(topic.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes, p.isrNodes])).toEqual([[0, 1, [1], [1]]]);
      if (v >= 10) expect(topic.topicId).toBe(clock.topicId);
      if (v >= 8) expect(topic.topicAuthorizedOperations).toBe(0x0df8);
    }
    client.close();
  });

  test("auto-creation with num.partitions; not when disallowed; illegal names → 17", async () => {
    const client = await WireClient.connect(broker.port);
    const denied = await metadata(client, 12, [{ name: "not-yet" }], false);
    expect(denied.topics[0]!.errorCode).toBe(3);
    const created = await metadata(client, 12, [{ name: "auto-made" }], true);
    expect(created.topics[0]!.errorCode).toBe(0);
    expect(created.topics[0]!.partitions.length).toBe(3);
    expect(created.topics[0]!.topicId).not.toBe(ZERO_UUID);
    const illegal = await metadata(client, 12, [{ name: "bad name!" }], true);
    expect(illegal.topics[0]!.errorCode).toBe(17);
    const byId = await metadata(client, 12, [{ name: null, topicId: created.topics[0]!.topicId }]);
    expect(byId.topics[0]!.name).toBe("auto-made");
    const unknownId = await metadata(client, 12, [{ name: null, topicId: randomTopicId() }]);
    expect(unknownId.topics[0]!.errorCode).toBe(100);
    expect(unknownId.topics[0]!.name).toBeNull();
    client.close();
  });

  // Kafka 4.3.1's answers (test/interop/kafka-run.sh): MetadataRequest.getErrorResponse, every
  // topic asked for with the error (a null name as ""), no brokers, no cluster id, controller -1.
  test("topic ids or null names before v12 are INVALID_REQUEST for the whole request", async () => {
    const client = await WireClient.connect(broker.port);
    const byId = await metadata(client, 11, [{ name: "clock", topicId: clock.topicId }], false);
    expect(byId.topics).toEqual([{
      errorCode: 42, name: "clock", topicId: clock.topicId, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648,
    }]);
    expect(byId.brokers).toEqual([]);
    expect(byId.clusterId).toBeNull();
    expect(byId.controllerId).toBe(-1);
    const nullName = await metadata(client, 10, [{ name: null }, { name: "clock" }], false);
    expect(nullName.topics.map((t) => [t.errorCode, t.name])).toEqual([[42, ""], [42, "clock"]]);
    // The connection stays open.
    expect((await metadata(client, 11, [{ name: "clock" }], false)).topics[0]!.errorCode).toBe(0);
    client.close();
  });

  test("v12: a null name without a topic id is UNKNOWN_SERVER_ERROR for the whole request, as Kafka answers", async () => {
    const client = await WireClient.connect(broker.port);
    for (const allowAutoTopicCreation of [true, false]) {
      const res = await metadata(client, 12, [{ name: null }, { name: "clock" }], allowAutoTopicCreation);
      expect(res.topics.map((t) => [t.errorCode, t.name, t.topicId])).toEqual([[-1, "", ZERO_UUID], [-1, "clock", ZERO_UUID]]);
      expect(res.brokers).toEqual([]);
    }
    // With a topic id alongside, Kafka looks topics up by id and ignores the null name.
    const mixed = await metadata(client, 12, [{ name: null }, { name: null, topicId: clock.topicId }]);
    expect(mixed.topics.map((t) => [t.errorCode, t.name])).toEqual([[0, "clock"]]);
    client.close();
  });

  test("the cluster id and auto-created topics survive a restart", async () => {
    const dir = tempDir();
    const b1 = await startBroker({ logDir: dir, keepLogDir: true });
    let c = await WireClient.connect(b1.port);
    const first = await metadata(c, 12, [{ name: "persisted" }]);
    c.close();
    await b1.stop();
    await using b2 = await startBroker({ logDir: dir });
    c = await WireClient.connect(b2.port);
    const second = await metadata(c, 12, null);
    expect(second.clusterId).toBe(first.clusterId);
    expect(second.topics.find((t) => t.name === "persisted")?.topicId).toBe(first.topics[0]!.topicId);
    c.close();
  });
});

describe("ListOffsets", () => {
  async function listOffsets(version: number, timestamps: number[], currentLeaderEpoch = -1) {
    const client = await WireClient.connect(broker.port);
    client.send(2, version, 21, version >= 6 ? 2 : 1, (w) => writeListOffsetsRequest(w, version, {
      replicaId: -1, isolationLevel: 0,
      topics: [{ name: "clock", partitions: timestamps.map((timestamp) => ({ partitionIndex: 0, currentLeaderEpoch, timestamp })) }],
    }));
    const res = readListOffsetsResponse(body(await client.receive(), version >= 6 ? 1 : 0, 21), version);
    client.close();
    return res.topics[0]!.partitions;
  }

  test("earliest, latest, max timestamp and by timestamp", async () => {
    const [earliest, latest, maxTs, t1200, t3000, t2500, t9999] = await listOffsets(8, [-2, -1, -3, 1200, 3000, 2500, 9999]);
    expect([earliest!.offset, earliest!.timestamp]).toEqual([0, -1]);
    expect(latest!.offset).toBeGreaterThanOrEqual(6);
    expect([maxTs!.offset, maxTs!.timestamp]).toEqual([4, 5000]);
    expect([t1200!.offset, t1200!.timestamp]).toEqual([1, 1500]);
    expect([t3000!.offset, t3000!.timestamp]).toEqual([2, 3000]);
    expect([t2500!.offset, t2500!.timestamp]).toEqual([2, 3000]);
    expect([t9999!.offset, t9999!.timestamp]).toEqual([-1, -1]);
    for (const p of [earliest, latest, maxTs, t1200]) expect(p!.errorCode).toBe(0);
  });

  test("every version 1..8 answers latest; a wrong leader epoch is fenced", async () => {
    for (let v = 1; v <= 8; v++) expect((await listOffsets(v, [-1]))[0]!.errorCode).toBe(0);
    expect((await listOffsets(8, [-1], 99))[0]!.errorCode).toBe(75);
  });
});

describe("OffsetForLeaderEpoch", () => {
  test("the current epoch ends at the log end offset; unknown topic → 3", async () => {
    const client = await WireClient.connect(broker.port);
    const meta = await metadata(client, 12, [{ name: "clock" }]);
    const epoch = meta.topics[0]!.partitions[0]!.leaderEpoch;
    for (let v = 2; v <= 4; v++) {
      client.send(23, v, 41, v >= 4 ? 2 : 1, (w) => writeOffsetForLeaderEpochRequest(w, v, {
        replicaId: -1,
        topics: [
          { topic: "clock", partitions: [{ partition: 0, currentLeaderEpoch: epoch, leaderEpoch: epoch }] },
          { topic: "nope", partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] },
        ],
      }));
      const res = readOffsetForLeaderEpochResponse(body(await client.receive(), v >= 4 ? 1 : 0, 41), v);
      const [known, unknown] = res.topics;
      expect(known!.partitions[0]).toEqual({ errorCode: 0, partition: 0, leaderEpoch: epoch, endOffset: expect.any(Number) });
      expect(known!.partitions[0]!.endOffset).toBeGreaterThanOrEqual(6);
      expect(unknown!.partitions[0]!.errorCode).toBe(3);
    }
    client.close();
  });
});

describe("Fetch long polling", () => {
  function sendFetch(client: WireClient, correlationId: number, topicId: string, fetchOffset: number, maxWaitMs: number) {
    client.send(1, 16, correlationId, 2, (w) => writeFetchRequest(w, 16, {
      ...defaultFetchRequest(), maxWaitMs, minBytes: 1, maxBytes: 1 << 20, sessionEpoch: -1,
      topics: [{ topic: "", topicId, partitions: [{ ...defaultFetchRequestFetchPartition(), partition: 0, fetchOffset, partitionMaxBytes: 1 << 20 }] }],
    }));
  }

  test("a fetch at the log end waits for an append, without blocking other connections; order is kept", async () => {
    const client = await WireClient.connect(broker.port);
    const meta = await metadata(client, 12, [{ name: "waits" }]);
    const topicId = meta.topics[0]!.topicId;
    const started = Date.now();
    sendFetch(client, 500, topicId, 0, 20000);
    // Pipelined behind the waiting fetch: must be answered after it.
    client.send(18, 4, 501, 2, (w) => writeApiVersionsRequest(w, 4, { clientSoftwareName: "t", clientSoftwareVersion: "1" }));

    const other = await WireClient.connect(broker.port);
    // Time for the fetch to be parked first; if it is not yet (a busy machine), the test still
    // passes, it just exercises less.
    await Bun.sleep(100);
    other.send(18, 4, 7, 2, (w) => writeApiVersionsRequest(w, 4, { clientSoftwareName: "t", clientSoftwareVersion: "1" }));
    expect(readApiVersionsResponse(body(await other.receive(), 0, 7), 4).errorCode).toBe(0);

    const batch = buildRecordBatch({ records: [{ value: bytes("wake up") }] });
    other.send(0, 11, 8, 2, (w) => writeProduceRequest(w, 11, {
      transactionalId: null, acks: 1, timeoutMs: 5000, topicData: [{ name: "waits", partitionData: [{ index: 0, records: batch }] }],
    }));
    expect(readProduceResponse(body(await other.receive(), 1, 8), 11).responses[0]!.partitionResponses[0]!.errorCode).toBe(0);

    // Answered on the append, not at max_wait_ms (20 s): the bound is half of that, far above the
    // few ms it takes, so that load cannot fail it. receive() waits past 20 s, so a broker that
    // answered only at max_wait_ms fails on the bound, not on a receive timeout.
    const fetched = readFetchResponse(body(await client.receive(30_000), 1, 500), 16);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(fetched.responses[0]!.partitions[0]!.records!.length).toBe(batch.length);
    expect(readApiVersionsResponse(body(await client.receive(), 0, 501), 4).errorCode).toBe(0);
    client.close();
    other.close();
  });

  test("with nothing arriving, the answer comes empty once max_wait_ms has passed", async () => {
    const client = await WireClient.connect(broker.port);
    const meta = await metadata(client, 12, [{ name: "quiet" }]);
    const started = Date.now();
    sendFetch(client, 600, meta.topics[0]!.topicId, 0, 300);
    const fetched = readFetchResponse(body(await client.receive(), 1, 600), 16);
    // A lower bound (max_wait_ms less timer slack): load can only make it longer.
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(fetched.responses[0]!.partitions[0]!.errorCode).toBe(0);
    expect(fetched.responses[0]!.partitions[0]!.records!.length).toBe(0);
    client.close();
  });
});
