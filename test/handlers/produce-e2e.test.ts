// Produce and InitProducerId end to end, through the compiled broker (./bunka): producer ids
// that never repeat across restarts, idempotent retries, producer state that survives kill -9,
// batches compressed by Kafka's own Java client (snappy, lz4, zstd, gzip) stored and served as
// sent, LogAppendTime topics and record errors on the wire.

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { join } from "node:path";
import { Reader } from "../../src/protocol/reader.ts";
import { readProduceResponse, writeProduceRequest, type ProduceResponse } from "../../src/protocol/messages/produce.ts";
import { writeApiVersionsRequest } from "../../src/protocol/messages/api-versions.ts";
import { readInitProducerIdResponse, writeInitProducerIdRequest, type InitProducerIdResponse } from "../../src/protocol/messages/init-producer-id.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView } from "../../src/records/record-batch.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";
import { fetchPartition } from "../interop/raw-fetch.ts";

// Written by Kafka 4.3.1's KafkaProducer (idempotent, compression.type as named, 3 records each,
// keys "key-<i>", timestamps 1700000000000+i), as fetched back from a Kafka 4.3.1 broker.
const JAVA_BATCHES: Record<string, { codec: number; producerId: number; hex: string }> = {
  snappy: { codec: 2, producerId: 10, hex: "0000000000000000000000a40000000002b6f9dc8e0002000000020000018bcfe568000000018bcfe56802000000000000000a0000000000000000000382534e415050590000000001000000010000005ff601d8a0010000000a6b65792d308801736e617070792d76616c75652d30206c6f72656d20697073756d20646f6c6f722073697420616d657420661b001400a001000202055200313a52000031e65200040404055200323a52000032da5200" },
  lz4: { codec: 3, producerId: 11, hex: "0000000000000000000000a90000000002c1d611dd0003000000020000018bcfe568000000018bcfe56802000000000000000b0000000000000000000304224d1860408269000000ff249a010000000a6b65792d3082016c7a342d76616c75652d30206c6f72656d20697073756d20646f6c6f722073697420616d65741b000861009a010002024f0018314f001f313400080f1b0008004f002104044f0018324f001f323400080f1b000450616d65740000000000" },
  zstd: { codec: 4, producerId: 12, hex: "00000000000000000000009100000000029394b1d50004000000020000018bcfe568000000018bcfe56802000000000000000c0000000000000000000328b52ffd0058a4020004049c010000000a6b65792d3084017a7374642d76616c75652d30206c6f72656d20697073756d20646f6c6f722073697420616d6574009c01000202313104043232070004a780bbe0c28393c189295c853c9c50010000" },
  gzip: { codec: 1, producerId: 13, hex: "0000000000000000000000940000000002f02d6f260001000000020000018bcfe568000000018bcfe56802000000000000000d000000000000000000031f8b08000000000000ff9bc3c8c0c0c0959d5aa96bd0c2985e9559a05b9698539aaa6ba090935f949aab9059505c9aab90920fe4291467962824e6a696e0916298c3c8c0c40436cf10c53c43f2cd6361019b6784629e1199e60100d8879be0f0000000" },
};

const utf8 = new TextEncoder();
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) nodeFs.rmSync(d, { recursive: true, force: true });
});

/** A log dir with these topics (1 partition each, with topic configs). */
function logDir(topics: Record<string, Record<string, string>>): string {
  const dir = tempDir();
  dirs.push(dir);
  const store = LogStore.open({ logDirs: [dir] });
  for (const [name, configs] of Object.entries(topics)) {
    store.metadata.createTopic(name, 1, { nodeId: 1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) });
  }
  store.close();
  return dir;
}

let correlation = 0;

async function produce(client: WireClient, topic: string, records: Uint8Array, opts: { version?: number; acks?: number; transactionalId?: string | null } = {}) {
  const version = opts.version ?? 11;
  const id = ++correlation;
  client.send(0, version, id, version >= 9 ? 2 : 1, (w) => writeProduceRequest(w, version, {
    transactionalId: opts.transactionalId ?? null, acks: opts.acks ?? -1, timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  }));
  const r = new Reader(await client.receive());
  expect(r.int32()).toBe(id);
  if (version >= 9) r.skipTaggedFields();
  const res: ProduceResponse = readProduceResponse(r, version);
  expect(r.failed || r.remaining !== 0).toBe(false);
  return res.responses[0]!.partitionResponses[0]!;
}

async function initProducerId(client: WireClient, version = 4, transactionalId: string | null = null): Promise<InitProducerIdResponse> {
  const id = ++correlation;
  client.send(22, version, id, version >= 2 ? 2 : 1, (w) => writeInitProducerIdRequest(w, version, {
    transactionalId, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1,
  }));
  const r = new Reader(await client.receive());
  expect(r.int32()).toBe(id);
  if (version >= 2) r.skipTaggedFields();
  return readInitProducerIdResponse(r, version);
}

const idem = (producerId: number, epoch: number, seq: number, n = 1) => buildRecordBatch({
  producerId, producerEpoch: epoch, baseSequence: seq,
  records: Array.from({ length: n }, (_, i) => ({ key: utf8.encode(`k${seq + i}`), value: utf8.encode(`v${seq + i}`) })),
});

async function withBroker<T>(dir: string, fn: (b: RunningBroker, client: WireClient) => Promise<T>, end: "stop" | "kill9" = "stop"): Promise<T> {
  const b = await startBroker({ logDir: dir });
  const client = await WireClient.connect(b.port);
  try {
    return await fn(b, client);
  } finally {
    client.close();
    if (end === "kill9") await b.kill9();
    else await b.stop();
  }
}

describe("InitProducerId", () => {
  test("ids never repeat: they strictly increase across a clean restart and a kill -9", async () => {
    const dir = logDir({});
    const seen: number[] = [];
    const take = (b: RunningBroker, client: WireClient) => (async () => {
      for (let v = 0; v <= 5; v++) {
        const res = await initProducerId(client, v);
        expect(res).toMatchObject({ errorCode: 0, producerEpoch: 0 });
        seen.push(res.producerId);
      }
    })();
    await withBroker(dir, take);
    await withBroker(dir, take, "kill9");
    await withBroker(dir, take);
    expect(seen.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThan(seen[i - 1]!);
    expect(seen[6]).toBe(1000); // each start takes a new block of 1000
    expect(seen[12]).toBe(2000);
  });

  test("a transactional id: epoch 0 first, bumped by each init, kept in __transaction_state across a kill -9", async () => {
    const dir = logDir({});
    let producerId = -1;
    await withBroker(dir, async (_b, client) => {
      const first = await initProducerId(client, 4, "my-txn");
      expect(first).toMatchObject({ throttleTimeMs: 0, errorCode: 0, producerEpoch: 0 });
      producerId = first.producerId;
      expect(await initProducerId(client, 4, "my-txn")).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 1 });
    }, "kill9");
    await withBroker(dir, async (_b, client) => {
      expect(await initProducerId(client, 4, "my-txn")).toEqual({ throttleTimeMs: 0, errorCode: 0, producerId, producerEpoch: 2 });
    });
  });
});

describe("idempotent produce", () => {
  test("a duplicate gets its original offset and is stored once; a gap → 45; a stale epoch → 47", async () => {
    const dir = logDir({ t: {} });
    await withBroker(dir, async (b, client) => {
      const pid = (await initProducerId(client)).producerId;
      const first = idem(pid, 0, 0, 3);
      expect(await produce(client, "t", first)).toMatchObject({ errorCode: 0, baseOffset: 0 });
      expect(await produce(client, "t", idem(pid, 0, 3, 2))).toMatchObject({ errorCode: 0, baseOffset: 3 });
      expect(await produce(client, "t", first)).toMatchObject({ errorCode: 0, baseOffset: 0 });
      expect(await produce(client, "t", first, { version: 7 })).toMatchObject({ errorCode: 0, baseOffset: 0 });
      expect(await produce(client, "t", idem(pid, 0, 7))).toMatchObject({ errorCode: 45, baseOffset: -1 });
      expect(await produce(client, "t", idem(pid, 1, 0))).toMatchObject({ errorCode: 0, baseOffset: 5 });
      expect(await produce(client, "t", idem(pid, 0, 5))).toMatchObject({ errorCode: 47, baseOffset: -1 });
      const fetched = await fetchPartition(client, "t", 0);
      expect(fetched.batches.map((x) => [x.view.baseOffset, x.view.producerEpoch, x.view.baseSequence])).toEqual([[0, 0, 0], [3, 0, 3], [5, 1, 0]]);
      expect(b.output()).not.toContain("ERROR");
    });
  });

  test("the producer state survives kill -9 (rebuilt from the log) and a clean restart (snapshot)", async () => {
    const dir = logDir({ t: {} });
    const sent: Uint8Array[] = [];
    await withBroker(dir, async (_b, client) => {
      for (let i = 0; i < 4; i++) {
        sent.push(idem(42, 0, i * 2, 2));
        expect((await produce(client, "t", sent[i]!)).baseOffset).toBe(i * 2);
      }
    }, "kill9");
    expect(nodeFs.readdirSync(join(dir, "t-0")).some((f) => f.endsWith(".snapshot"))).toBe(false);
    await withBroker(dir, async (_b, client) => {
      // Any of the last 5 batches is still recognised after the crash.
      expect(await produce(client, "t", sent[1]!)).toMatchObject({ errorCode: 0, baseOffset: 2 });
      expect(await produce(client, "t", sent[3]!)).toMatchObject({ errorCode: 0, baseOffset: 6 });
      expect(await produce(client, "t", idem(42, 0, 9))).toMatchObject({ errorCode: 45 });
      sent.push(idem(42, 0, 8, 2));
      expect(await produce(client, "t", sent[4]!)).toMatchObject({ errorCode: 0, baseOffset: 8 });
    });
    expect(nodeFs.readdirSync(join(dir, "t-0")).filter((f) => f.endsWith(".snapshot"))).toEqual(["00000000000000000010.snapshot"]);
    await withBroker(dir, async (_b, client) => {
      expect(await produce(client, "t", sent[4]!)).toMatchObject({ errorCode: 0, baseOffset: 8 });
      expect(await produce(client, "t", idem(42, 0, 11))).toMatchObject({ errorCode: 45 });
      expect(await produce(client, "t", idem(42, 0, 10))).toMatchObject({ errorCode: 0, baseOffset: 10 });
      const fetched = await fetchPartition(client, "t", 0);
      expect(fetched.batches.length).toBe(6);
    });
  });
});

describe("compressed batches", () => {
  test("snappy, lz4, zstd and gzip batches of Kafka's Java client are stored and served as sent", async () => {
    const dir = logDir(Object.fromEntries(Object.keys(JAVA_BATCHES).map((c) => [c, {}])));
    await withBroker(dir, async (_b, client) => {
      for (const [name, { codec, producerId, hex }] of Object.entries(JAVA_BATCHES)) {
        const sent = Uint8Array.from(Buffer.from(hex, "hex"));
        expect(new RecordBatchView(sent).compression).toBe(codec);
        expect(await produce(client, name, sent)).toMatchObject({ errorCode: 0, baseOffset: 0 });
        // The idempotent retry is recognised without looking inside.
        expect(await produce(client, name, sent)).toMatchObject({ errorCode: 0, baseOffset: 0, logAppendTimeMs: 1700000000002 });
        const fetched = await fetchPartition(client, name, 0);
        expect(fetched.batches.length).toBe(1);
        const got = fetched.batches[0]!.view;
        expect([got.compression, got.producerId, got.recordCount, got.nextOffset]).toEqual([codec, producerId, 3, 3]);
        // Only base offset and leader epoch are the broker's; from the magic byte on, the client's bytes.
        expect(Buffer.from(got.bytes.subarray(16)).equals(Buffer.from(sent.subarray(16)))).toBe(true);
      }
      // zstd needs Produce v7+.
      const zstd = Uint8Array.from(Buffer.from(JAVA_BATCHES.zstd!.hex, "hex"));
      expect(await produce(client, "zstd", zstd, { version: 6 })).toMatchObject({ errorCode: 76, baseOffset: -1 });
    });
  });
});

describe("timestamps", () => {
  test("LogAppendTime topic: the stored header carries the append time, the CRC is valid", async () => {
    const dir = logDir({ lat: { "message.timestamp.type": "LogAppendTime" } });
    await withBroker(dir, async (_b, client) => {
      const lz4 = Uint8Array.from(Buffer.from(JAVA_BATCHES.lz4!.hex, "hex"));
      const before = Date.now();
      const res = await produce(client, "lat", lz4);
      expect(res.errorCode).toBe(0);
      expect(res.logAppendTimeMs).toBeGreaterThanOrEqual(before);
      const v = (await fetchPartition(client, "lat", 0)).batches[0]!.view;
      expect([v.timestampType, v.maxTimestamp, v.baseTimestamp, v.isCrcValid()]).toEqual([1, res.logAppendTimeMs, 1700000000000, true]);
      expect(Buffer.from(v.bytes.subarray(61)).equals(Buffer.from(lz4.subarray(61)))).toBe(true);
    });
  });

  test("record errors: batch index and message from v8, the error code alone before", async () => {
    const dir = logDir({ t: {} });
    await withBroker(dir, async (_b, client) => {
      const future = Date.now() + 3 * 3_600_000;
      const late = buildRecordBatch({ baseTimestamp: Date.now(), records: [{ value: null }, { value: null, timestamp: future }] });
      const v8 = await produce(client, "t", late, { version: 8 });
      expect(v8).toMatchObject({ errorCode: 32, errorMessage: "One or more records have been rejected due to invalid timestamp" });
      expect(v8.recordErrors.map((e) => e.batchIndex)).toEqual([1]);
      expect(v8.recordErrors[0]!.batchIndexErrorMessage).toStartWith(`Timestamp ${future} of message with offset 1 is out of range.`);
      const v7 = await produce(client, "t", late, { version: 7 });
      expect(v7).toMatchObject({ errorCode: 32, recordErrors: [], errorMessage: null });
    });
  });
});

describe("errors the connection answers", () => {
  test("acks=0 with an error closes the connection; transactional batches without a transactional id → 53, of an unknown one → 49", async () => {
    const dir = logDir({ t: {} });
    await withBroker(dir, async (b, client) => {
      const txn = buildRecordBatch({ attributes: 0x10, producerId: 1, producerEpoch: 0, baseSequence: 0, records: [{ value: null }] });
      expect(await produce(client, "t", txn)).toMatchObject({ errorCode: 53, baseOffset: -1, logStartOffset: -1 });
      expect(await produce(client, "t", txn, { transactionalId: "tx" })).toMatchObject({ errorCode: 49, baseOffset: -1, logStartOffset: -1 });
      const c2 = await WireClient.connect(b.port);
      c2.send(0, 11, 1, 2, (w) => writeProduceRequest(w, 11, {
        transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records: idem(5, 0, -1) }] }],
      }));
      expect(await c2.waitClosed(10_000)).toBe(true);
      // acks=0 and all well: no response, the connection stays, the batch is there.
      const c3 = await WireClient.connect(b.port);
      c3.send(0, 11, 1, 2, (w) => writeProduceRequest(w, 11, {
        transactionalId: null, acks: 0, timeoutMs: 1000, topicData: [{ name: "t", partitionData: [{ index: 0, records: idem(5, 0, 0) }] }],
      }));
      // A request behind it on the same connection is answered, and is the first response: the
      // connection stayed open, the produce got no response, and (one connection's requests being
      // served in order) it was appended before the fetch below.
      c3.send(18, 4, 3, 2, (w) => writeApiVersionsRequest(w, 4, { clientSoftwareName: "t", clientSoftwareVersion: "1" }));
      const frame = await c3.receive();
      expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(3);
      expect(c3.closed).toBe(false);
      c3.close();
      expect((await fetchPartition(client, "t", 0)).highWatermark).toBe(1);
    });
  });
});
