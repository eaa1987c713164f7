// Produce (00-produce.ts) and InitProducerId (22-init-producer-id.ts) called directly, over a
// real LogStore in a temp dir. The expected answers are what Kafka 4.3.1 answered to the same
// batches (compared by hand with test/interop/kafka-run.sh; see the handler comments).

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { brokerConfigFrom } from "../../src/config/broker-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import { produce } from "../../src/handlers/00-produce.ts";
import { initProducerId } from "../../src/handlers/22-init-producer-id.ts";
import { InvalidRequestError, type BrokerContext, type RequestContext } from "../../src/handlers/registry.ts";
import type { ProduceRequest, ProduceResponse } from "../../src/protocol/messages/produce.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { buildRecordBatch, type BatchToBuild, type RecordToBuild } from "../../src/records/record-batch-builder.ts";
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD, RecordBatchView } from "../../src/records/record-batch.ts";

const KAFKA_LOG = join(import.meta.dir, "../fixtures/kafka-logdir/fixture-topic-0/00000000000000000000.log");
const utf8 = new TextEncoder();
const HOUR = 3_600_000;

const tmpRoots: string[] = [];
const stores: LogStore[] = [];
afterAll(() => {
  for (const s of stores) s.close();
  for (const d of tmpRoots) nodeFs.rmSync(d, { recursive: true, force: true });
});

interface Broker {
  broker: BrokerContext;
  store: LogStore;
  dir: string;
}

/** A broker over a fresh log dir; topics get 1 partition and the given topic configs. */
function broker(topics: Record<string, Record<string, string>>, props = "", dir?: string): Broker {
  if (dir === undefined) {
    dir = nodeFs.mkdtempSync(join(tmpdir(), "bunka-produce-"));
    tmpRoots.push(dir);
  }
  const config = brokerConfigFrom(parseProperties(`node.id=1\nlog.dirs=${dir}\n${props}`), "test");
  // Page-cache acknowledgements: these tests read the answer synchronously; waiting for fsync
  // is tested in test/storage/group-commit.test.ts and end to end.
  const store = LogStore.open({ logDirs: [dir], fsyncBeforeAck: false });
  stores.push(store);
  for (const [name, configs] of Object.entries(topics)) {
    if (!store.metadata.topicsByName.has(name)) {
      store.metadata.createTopic(name, 1, { nodeId: 1, configs: Object.entries(configs).map(([k, v]) => ({ name: k, value: v })) });
    }
  }
  // Produce and InitProducerId never touch consumer groups.
  return { broker: { config, store, clusterId: "test", groups: undefined as never }, store, dir };
}

function ctx(b: Broker, apiVersion = 11, clientId: string | null = "test", apiKey = 0): RequestContext {
  return {
    broker: b.broker, apiKey, apiVersion, correlationId: 1, clientId,
    listener: b.broker.config.listeners[0]!, localAddress: "127.0.0.1", localPort: 9092,
    principal: { type: "User", name: "ANONYMOUS" },
  };
}

function request(topic: string, records: Uint8Array | null, acks = -1, more: ProduceRequest["topicData"] = []): ProduceRequest {
  return { transactionalId: null, acks, timeoutMs: 1000, topicData: [{ name: topic, partitionData: [{ index: 0, records }] }, ...more] };
}

function send(b: Broker, topic: string, records: Uint8Array | null, version = 11) {
  const res = produce(request(topic, records), ctx(b, version)) as ProduceResponse;
  return res.responses[0]!.partitionResponses[0]!;
}

/** The stored batch that starts at `offset`. */
function stored(b: Broker, topic: string, offset: number): RecordBatchView {
  const res = b.store.partition(topic, 0)!.read(offset, 1 << 20, true);
  if (res === "out-of-range") throw new Error("out of range");
  return new RecordBatchView(res.batches[0]!);
}

const recs = (n: number, extra: Partial<RecordToBuild> = {}): RecordToBuild[] =>
  Array.from({ length: n }, (_, i) => ({ key: utf8.encode(`k${i}`), value: utf8.encode(`v${i}`), ...extra }));
const batch = (n: number, opts: Partial<BatchToBuild> = {}) => buildRecordBatch({ records: recs(n), ...opts });
const idem = (producerId: number, epoch: number, seq: number, n = 1) => batch(n, { producerId, producerEpoch: epoch, baseSequence: seq });

/** The same batch with its records section gzipped (attributes codec 1), as a client sends it. */
function gzipped(b: Uint8Array): Uint8Array {
  const body = gzipSync(b.subarray(RECORD_BATCH_OVERHEAD));
  const out = new Uint8Array(RECORD_BATCH_OVERHEAD + body.length);
  out.set(b.subarray(0, RECORD_BATCH_OVERHEAD));
  out.set(body, RECORD_BATCH_OVERHEAD);
  const dv = new DataView(out.buffer);
  dv.setInt32(8, out.length - LOG_OVERHEAD);
  dv.setInt16(21, dv.getInt16(21) | 1);
  new RecordBatchView(out).updateCrc();
  return out;
}

/** Bytes [from, end) must be the client's; the header may differ only where Kafka writes. */
function sameBody(a: Uint8Array, b: Uint8Array, from = RECORD_BATCH_OVERHEAD): boolean {
  return Buffer.from(a.subarray(from)).equals(Buffer.from(b.subarray(from)));
}

describe("idempotent producers", () => {
  test("a retried batch gets its original offset and is stored once; gaps and stale epochs are refused", () => {
    const b = broker({ t: {} });
    const log = b.store.partition("t", 0)!;
    const first = idem(1000, 0, 0, 3);
    expect(send(b, "t", first)).toMatchObject({ errorCode: 0, baseOffset: 0, logAppendTimeMs: -1, logStartOffset: 0 });
    expect(send(b, "t", idem(1000, 0, 3, 2))).toMatchObject({ errorCode: 0, baseOffset: 3 });
    const dup = send(b, "t", first);
    // Kafka answers a duplicate with NONE, its base offset, and the stored batch's timestamp.
    expect(dup).toMatchObject({ errorCode: 0, baseOffset: 0, logAppendTimeMs: new RecordBatchView(first).maxTimestamp, logStartOffset: 0 });
    expect(log.nextOffset).toBe(5);
    expect(send(b, "t", idem(1000, 0, 9))).toMatchObject({ errorCode: 45, baseOffset: -1, logStartOffset: 0, errorMessage: null });
    expect(send(b, "t", idem(1000, 1, 1))).toMatchObject({ errorCode: 45 }); // a new epoch starts at 0
    expect(send(b, "t", idem(1000, 1, 0))).toMatchObject({ errorCode: 0, baseOffset: 5 });
    expect(send(b, "t", idem(1000, 0, 5))).toMatchObject({ errorCode: 47, baseOffset: -1, logStartOffset: 0 });
    expect(send(b, "t", idem(1001, 0, 77))).toMatchObject({ errorCode: 0, baseOffset: 6 }); // unknown producer
    expect(send(b, "t", idem(1002, 0, -1))).toMatchObject({ errorCode: 87, logStartOffset: 0 }); // producer id needs a sequence
    expect(log.nextOffset).toBe(7);
  });

  test("a duplicate on a LogAppendTime topic answers the original append time", async () => {
    const b = broker({ lat: { "message.timestamp.type": "LogAppendTime" } });
    const first = send(b, "lat", idem(5, 0, 0, 2));
    await Bun.sleep(5);
    const again = send(b, "lat", idem(5, 0, 0, 2));
    expect(again).toMatchObject({ errorCode: 0, baseOffset: first.baseOffset, logAppendTimeMs: first.logAppendTimeMs });
  });
});

describe("InitProducerId", () => {
  test("fresh ids with epoch 0; an existing id gets a new one; ids continue after a reload", async () => {
    const b = broker({});
    const ids: number[] = [];
    for (let v = 0; v <= 5; v++) {
      const res = await initProducerId({ transactionalId: null, transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, ctx(b, v, "t", 22));
      expect(res).toMatchObject({ errorCode: 0, producerEpoch: 0 });
      ids.push(res.producerId);
    }
    expect(ids).toEqual([0, 1, 2, 3, 4, 5]);
    // KIP-360 request from an idempotent producer: Kafka hands out a new id, it does not bump.
    const bumped = await initProducerId({ transactionalId: null, transactionTimeoutMs: 60000, producerId: 5, producerEpoch: 0 }, ctx(b, 5, "t", 22));
    expect(bumped).toMatchObject({ errorCode: 0, producerId: 6, producerEpoch: 0 });
    expect(await initProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: 5, producerEpoch: -1 }, ctx(b, 5, "t", 22)))
      .toEqual({ throttleTimeMs: 0, errorCode: 42, producerId: -1, producerEpoch: -1 });
    expect((await initProducerId({ transactionalId: "", transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }, ctx(b, 4, "t", 22))).errorCode).toBe(42);
    // Without a transaction coordinator (this harness has none): retriable, as Kafka's while loading.
    expect(await initProducerId({ transactionalId: "tx", transactionTimeoutMs: 60000, producerId: -1, producerEpoch: -1 }, ctx(b, 4, "t", 22)))
      .toEqual({ throttleTimeMs: 0, errorCode: 15, producerId: -1, producerEpoch: -1 });
    b.store.close();
    const again = broker({}, "", b.dir);
    const next = await initProducerId({ transactionalId: null, transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }, ctx(again, 4, "t", 22));
    expect(next.producerId).toBe(1000); // a restart starts a new block
  });
});

describe("validation", () => {
  test("unknown topic → 3 and nothing is created", () => {
    const b = broker({});
    expect(send(b, "nope", batch(1))).toMatchObject({ errorCode: 3, baseOffset: -1, logStartOffset: -1 });
    expect(b.store.metadata.topicsByName.has("nope")).toBe(false);
  });

  test("max.message.bytes of the topic, else message.max.bytes of the broker → 10", () => {
    const b = broker({ small: { "max.message.bytes": "200" }, big: {} }, "message.max.bytes=300");
    expect(send(b, "small", batch(1, { records: [{ value: new Uint8Array(150) }] }))).toMatchObject({ errorCode: 10, logStartOffset: -1 });
    expect(send(b, "small", batch(1, { records: [{ value: new Uint8Array(50) }] }))).toMatchObject({ errorCode: 0 });
    expect(send(b, "big", batch(1, { records: [{ value: new Uint8Array(250) }] }))).toMatchObject({ errorCode: 10 });
    expect(send(b, "big", batch(1, { records: [{ value: new Uint8Array(150) }] }))).toMatchObject({ errorCode: 0 });
  });

  test("a batch larger than segment.bytes → RECORD_LIST_TOO_LARGE", () => {
    const b = broker({ seg: { "segment.bytes": "150" } });
    expect(send(b, "seg", batch(1, { records: [{ value: new Uint8Array(120) }] }))).toMatchObject({ errorCode: 18, logStartOffset: -1 });
  });

  test("CreateTime: timestamps over an hour ahead → 32 with record errors, nothing appended", () => {
    const b = broker({ t: {}, day: { "message.timestamp.before.max.ms": "86400000" } });
    const now = Date.now();
    const late = buildRecordBatch({ baseTimestamp: now, records: [{ value: null }, { value: null, timestamp: now + 2 * HOUR }, { value: null, timestamp: now + 3 * HOUR }] });
    const res = send(b, "t", late);
    expect(res).toMatchObject({ errorCode: 32, baseOffset: -1, logStartOffset: 0, errorMessage: "One or more records have been rejected due to invalid timestamp" });
    expect(res.recordErrors.map((e) => e.batchIndex)).toEqual([1, 2]);
    expect(res.recordErrors[0]!.batchIndexErrorMessage).toMatch(
      new RegExp(`^Timestamp ${now + 2 * HOUR} of message with offset 1 is out of range\\. The timestamp should be within \\[-92233\\d+, \\d+\\]$`));
    expect(b.store.partition("t", 0)!.nextOffset).toBe(0);
    // The past is unlimited by default (1970 is fine), but not on a topic with before.max.ms.
    expect(send(b, "t", batch(1, { baseTimestamp: 5 }))).toMatchObject({ errorCode: 0 });
    expect(send(b, "day", batch(2, { baseTimestamp: now - 2 * 86_400_000 })).recordErrors.map((e) => e.batchIndex)).toEqual([0, 1]);
    // No timestamp (-1) is never checked.
    expect(send(b, "t", batch(1, { baseTimestamp: -1 }))).toMatchObject({ errorCode: 0 });
  });

  test("CreateTime: a maxTimestamp that disagrees with the records is corrected, CRC recomputed", () => {
    const b = broker({ t: {} });
    const now = Date.now();
    const sent = buildRecordBatch({ baseTimestamp: now, records: [{ value: null }, { value: null, timestamp: now + 5000 }] });
    const dv = new DataView(sent.buffer);
    dv.setInt32(35, Math.floor(now / 2 ** 32));
    dv.setUint32(39, now >>> 0);
    new RecordBatchView(sent).updateCrc();
    const v = stored(b, "t", send(b, "t", sent).baseOffset);
    expect([v.maxTimestamp, v.isCrcValid(), v.timestampType]).toEqual([now + 5000, true, 0]);
    expect(sameBody(v.bytes, sent)).toBe(true);
  });

  test("compacted topic: a record without key → 87 with record errors", () => {
    const b = broker({ c: { "cleanup.policy": "compact" } });
    const res = send(b, "c", buildRecordBatch({ records: [{ key: utf8.encode("k"), value: null }, { value: utf8.encode("v") }] }));
    expect(res).toMatchObject({ errorCode: 87, recordErrors: [{ batchIndex: 1, batchIndexErrorMessage: "Compacted topic cannot accept message without key in topic partition c-0" }] });
    expect(res.errorMessage).toBe("One or more records have been rejected due to 1 record errors in total, and only showing the first three errors at most: [RecordError(batchIndex=1, message='Compacted topic cannot accept message without key in topic partition c-0')]");
  });

  test("record framing: wrong count or sizes → 87; a header count of -1 (the CodeCrafters tester) is accepted", () => {
    const b = broker({ t: {} });
    const more = batch(3);
    new DataView(more.buffer).setInt32(57, 4);
    new DataView(more.buffer).setInt32(23, 3);
    new RecordBatchView(more).updateCrc();
    expect(send(b, "t", more)).toMatchObject({ errorCode: 87, logStartOffset: 0, recordErrors: [] });
    const fewer = batch(3);
    new DataView(fewer.buffer).setInt32(57, 2);
    new DataView(fewer.buffer).setInt32(23, 1);
    new RecordBatchView(fewer).updateCrc();
    expect(send(b, "t", fewer)).toMatchObject({ errorCode: 87 });
    const long = batch(1);
    long[RECORD_BATCH_OVERHEAD] = 80; // record length 40: more than there is
    new RecordBatchView(long).updateCrc();
    expect(send(b, "t", long)).toMatchObject({ errorCode: 87 });
    const noHeaders = batch(1, { records: [{ value: utf8.encode("x") }] });
    noHeaders[noHeaders.length - 1] = 1; // header count varint -1
    new RecordBatchView(noHeaders).updateCrc();
    expect(send(b, "t", noHeaders)).toMatchObject({ errorCode: 0 });
  });

  test("control batches → 87; transactional batches → 53 for the whole request", () => {
    const b = broker({ t: {}, u: {} });
    expect(send(b, "t", batch(1, { attributes: 0x20 }))).toMatchObject({ errorCode: 87, logStartOffset: 0 });
    const txn = batch(1, { attributes: 0x10, producerId: 3, producerEpoch: 0, baseSequence: 0 });
    const res = produce(request("t", txn, -1, [{ name: "u", partitionData: [{ index: 0, records: batch(1) }] }]), ctx(b)) as ProduceResponse;
    expect(res.responses.map((t) => t.partitionResponses[0])).toEqual([
      { index: 0, errorCode: 53, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } },
      { index: 0, errorCode: 53, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors: [], errorMessage: null, currentLeader: { leaderId: -1, leaderEpoch: -1 } },
    ]);
    expect(b.store.partition("u", 0)!.nextOffset).toBe(0);
  });

  test("acks: invalid → 21 (unknown topics still 3); acks=0 with an error closes the connection", () => {
    const b = broker({ t: {} });
    const res = produce(request("t", batch(1), 2, [{ name: "nope", partitionData: [{ index: 0, records: batch(1) }] }]), ctx(b)) as ProduceResponse;
    expect(res.responses.map((t) => t.partitionResponses[0]!.errorCode)).toEqual([21, 3]);
    expect(produce(request("t", batch(1), 0), ctx(b))).toBeNull();
    expect(() => produce(request("t", batch(1), 0, [{ name: "nope", partitionData: [{ index: 0, records: batch(1) }] }]), ctx(b))).toThrow(InvalidRequestError);
    // The good partition was still appended, as in Kafka.
    expect(b.store.partition("t", 0)!.nextOffset).toBe(2);
  });

  test("internal topics only for the admin client", () => {
    const b = broker({ __consumer_offsets: {} });
    expect(send(b, "__consumer_offsets", batch(1))).toMatchObject({ errorCode: 17, logStartOffset: -1 });
    const res = produce(request("__consumer_offsets", batch(1)), ctx(b, 11, "__admin_client")) as ProduceResponse;
    expect(res.responses[0]!.partitionResponses[0]!.errorCode).toBe(0);
  });
});

describe("LogAppendTime", () => {
  test("topic config: type bit set, maxTimestamp = append time, CRC recomputed, the rest as sent", () => {
    const b = broker({ lat: { "message.timestamp.type": "LogAppendTime" } });
    const sent = batch(2, { baseTimestamp: 1000 });
    const before = Date.now();
    const res = send(b, "lat", sent);
    expect(res.errorCode).toBe(0);
    expect(res.logAppendTimeMs).toBeGreaterThanOrEqual(before);
    expect(res.logAppendTimeMs).toBeLessThanOrEqual(Date.now());
    const v = stored(b, "lat", res.baseOffset);
    expect([v.timestampType, v.maxTimestamp, v.baseTimestamp, v.isCrcValid()]).toEqual([1, res.logAppendTimeMs, 1000, true]);
    expect(v.crc).not.toBe(new RecordBatchView(sent).crc);
    expect(sameBody(v.bytes, sent)).toBe(true);
    // Timestamps are not checked with LogAppendTime; a batch already marked LogAppendTime is refused.
    expect(send(b, "lat", batch(1, { baseTimestamp: Date.now() + 10 * HOUR })).errorCode).toBe(0);
    const marked = send(b, "lat", batch(2, { attributes: 0x08 }));
    expect(marked).toMatchObject({ errorCode: 32, errorMessage: "One or more records have been rejected due to invalid timestamp" });
    expect(marked.recordErrors[1]!.batchIndexErrorMessage).toMatch(/^Invalid timestamp type in message DefaultRecord\(offset=1, timestamp=\d+, key=2 bytes, value=2 bytes\)\. Producer should not set timestamp type to LogAppendTime\.$/);
  });

  test("broker default log.message.timestamp.type applies when the topic has none; compressed batches too", () => {
    const b = broker({ t: {}, ct: { "message.timestamp.type": "CreateTime" } }, "log.message.timestamp.type=LogAppendTime");
    const gz = gzipped(batch(3, { baseTimestamp: 1000 }));
    const res = send(b, "t", gz);
    expect(res.logAppendTimeMs).toBeGreaterThan(0);
    const v = stored(b, "t", res.baseOffset);
    expect([v.compression, v.timestampType, v.maxTimestamp, v.isCrcValid()]).toEqual([1, 1, res.logAppendTimeMs, true]);
    expect(sameBody(v.bytes, gz)).toBe(true);
    expect(send(b, "ct", batch(1)).logAppendTimeMs).toBe(-1);
  });
});

describe("compressed batches", () => {
  test("gzip: stored byte for byte as sent (but base offset and leader epoch); count from the header", () => {
    const b = broker({ t: {} });
    const gz = gzipped(batch(5));
    const res = send(b, "t", gz);
    expect(res).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(send(b, "t", batch(1)).baseOffset).toBe(5);
    const v = stored(b, "t", 0);
    expect(sameBody(v.bytes, gz, 16)).toBe(true);
  });

  test("Kafka's own gzip batch (idempotent, producer 0) is stored as sent and tracked", () => {
    const b = broker({ t: {} });
    const log = new Uint8Array(nodeFs.readFileSync(KAFKA_LOG));
    const kafkaBatch = log.slice(138, 138 + 175); // offsets 3-5, gzip, producer 0 (see the fixture README)
    new DataView(kafkaBatch.buffer).setInt32(4, 0); // base offset 0, as a client sends it
    const view = new RecordBatchView(kafkaBatch);
    expect([view.compression, view.producerId, view.recordCount, view.isCrcValid()]).toEqual([1, 0, 3, true]);
    expect(send(b, "t", kafkaBatch)).toMatchObject({ errorCode: 0, baseOffset: 0 });
    expect(sameBody(stored(b, "t", 0).bytes, kafkaBatch, 16)).toBe(true);
    // Its producer state: the same batch again is a duplicate (its 2023 timestamp is stored, not checked: CreateTime).
    expect(send(b, "t", kafkaBatch)).toMatchObject({ errorCode: 0, baseOffset: 0, logAppendTimeMs: view.maxTimestamp });
    expect(b.store.partition("t", 0)!.nextOffset).toBe(3);
  });

  test("records inside are validated as Kafka does: per-record timestamp errors, keys on compacted topics, framing", () => {
    const b = broker({ t: {}, c: { "cleanup.policy": "compact" } });
    const now = Date.now();
    const gz = gzipped(buildRecordBatch({ baseTimestamp: now, records: [{ value: null }, { value: null, timestamp: now + 2 * HOUR }] }));
    const res = send(b, "t", gz);
    expect(res).toMatchObject({ errorCode: 32, errorMessage: "One or more records have been rejected due to invalid timestamp" });
    expect(res.recordErrors.map((e) => e.batchIndex)).toEqual([1]);
    expect(b.store.partition("t", 0)!.nextOffset).toBe(0);
    // A keyless record on a compacted topic, inside a gzip batch.
    const keyless = send(b, "c", gzipped(buildRecordBatch({ baseTimestamp: now, records: [{ key: new Uint8Array([1]), value: null }, { value: new Uint8Array([2]) }] })));
    expect(keyless).toMatchObject({ errorCode: 87 });
    expect(keyless.recordErrors.map((e) => e.batchIndex)).toEqual([1]);
    // Garbage where the gzip stream should be: CORRUPT_MESSAGE, nothing appended.
    const broken = gzipped(batch(2));
    broken.fill(0x55, 70, 90);
    new RecordBatchView(broken).updateCrc();
    expect(send(b, "t", broken)).toMatchObject({ errorCode: 2 });
    expect(b.store.partition("t", 0)!.nextOffset).toBe(0);
    // A bad CRC is caught without decompressing.
    const bad = gzipped(batch(2));
    bad[bad.length - 3]! ^= 1;
    expect(send(b, "t", bad)).toMatchObject({ errorCode: 2, logStartOffset: -1 });
  });
});
