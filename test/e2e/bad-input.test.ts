// Bad input never takes the broker down: mutated and truncated requests for every API key and
// version the broker advertises get an answer or a closed connection (a broken frame), requests
// the schema allows but with bad values (nulls, zero ids, negative and huge numbers) get an
// answer with an error code where Kafka gives one, and the broker keeps serving everyone else.
// The mutations are seeded, so a failure can be replayed.
// BUNKA_FUZZ_ITERATIONS (requests per API version; default 6) and BUNKA_FUZZ_SEED run it longer
// or elsewhere, e.g. BUNKA_FUZZ_ITERATIONS=500 bun test test/e2e/bad-input.test.ts -t "schema allows".
// Each broken frame costs a connection, and closed loopback connections sit in TIME_WAIT for a
// minute: past ~100 random bodies per version, run more seeds a minute apart instead.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Reader } from "../../src/protocol/reader.ts";
import { readApiVersionsResponse, writeApiVersionsRequest } from "../../src/protocol/messages/api-versions.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";
import { bytes, layOutLogDir, randomTopicId } from "../support/log-dir.ts";
import { prng, ValueFactory } from "../support/schema-values.ts";
import { CODECS } from "../protocol/schemas.generated.ts";
import "../../src/handlers/index.ts";
import { registeredApis } from "../../src/handlers/registry.ts";
import { ZERO_UUID } from "../../src/protocol/reader.ts";
import * as messages from "../../src/protocol/messages/index.ts";
import type { Writer } from "../../src/protocol/writer.ts";

const ITERATIONS = Number(process.env.BUNKA_FUZZ_ITERATIONS ?? 6);
const SEED = Number(process.env.BUNKA_FUZZ_SEED ?? 20261121);

let broker: RunningBroker;
const targetId = randomTopicId();

beforeAll(async () => {
  const dir = tempDir();
  layOutLogDir(dir, [
    { name: "target", topicId: targetId, partitions: [[[{ value: bytes("x") }]], []] },
    // Out of the fuzz's reach (it may delete "target"), for the exact answers below.
    { name: "steady", topicId: randomTopicId(), partitions: [[[{ value: bytes("x") }]]] },
  ]);
  broker = await startBroker({ logDir: dir });
});

afterAll(async () => {
  await broker?.stop();
});

/** xorshift32: deterministic mutations. */
function rng(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

async function advertised(): Promise<{ apiKey: number; minVersion: number; maxVersion: number }[]> {
  const c = await WireClient.connect(broker.port);
  c.send(18, 4, 1, 2, (w) => writeApiVersionsRequest(w, 4, { clientSoftwareName: "fuzz", clientSoftwareVersion: "1" }));
  const r = new Reader(await c.receive());
  r.int32();
  c.close();
  return readApiVersionsResponse(r, 4).apiKeys;
}

async function stillServing(): Promise<boolean> {
  const c = await WireClient.connect(broker.port);
  c.send(18, 3, 99, 2, (w) => writeApiVersionsRequest(w, 3, { clientSoftwareName: "probe", clientSoftwareVersion: "1" }));
  const frame = await c.receive(); // 10 s: ample for one ApiVersions, even on a busy machine
  c.close();
  return new DataView(frame.buffer, frame.byteOffset).getInt32(0) === 99;
}

test(`random and truncated bodies for every advertised API and version (${ITERATIONS} each, seed ${SEED})`, async () => {
  const apis = await advertised();
  expect(apis.length).toBeGreaterThanOrEqual(4);
  const random = rng(SEED);
  let sent = 0;
  for (const api of apis) {
    for (let version = api.minVersion; version <= api.maxVersion; version++) {
      let client = await WireClient.connect(broker.port);
      for (let i = 0; i < ITERATIONS; i++) {
        if (client.closed) client = await WireClient.connect(broker.port); // a broken frame closed it
        const body = new Uint8Array(Math.floor(random() * 64));
        for (let j = 0; j < body.length; j++) {
          // Mostly small values and 0xff runs: lengths of -1, huge counts, short strings.
          const roll = random();
          body[j] = roll < 0.3 ? 0 : roll < 0.5 ? 0xff : roll < 0.7 ? 1 + Math.floor(random() * 4) : Math.floor(random() * 256);
        }
        client.send(api.apiKey, version, 1000 + i, 2, (w) => w.raw(body));
        sent++;
        try {
          await client.receive(2000);
        } catch {
          // closed by the broker, or (acks=0-like) no answer: both are fine
        }
      }
      client.close();
    }
  }
  expect(sent).toBeGreaterThan(100);
  expect(await stillServing()).toBe(true);
  expect(broker.proc.exitCode).toBeNull();
}, 600_000);

/** The generated request writer and response reader of an API, by its name. */
function codecOf(name: string): { write: (w: Writer, v: number, m: any) => void; read: (r: Reader, v: number) => any } {
  const mod = messages as Record<string, unknown>;
  return { write: mod[`write${name}Request`] as never, read: mod[`read${name}Response`] as never };
}

/** One request over its own connection: the response body (after the header), or null if closed. */
async function ask(apiKey: number, name: string, version: number, request: unknown, clientId = "bunka-test"): Promise<any | null> {
  const correlationId = 7;
  const handler = registeredApis().find((h) => h.apiKey === apiKey)!;
  const c = await WireClient.connect(broker.port);
  const { write, read } = codecOf(name);
  c.send(apiKey, version, correlationId, handler.requestHeaderVersion(version) as 1 | 2, (w) => write(w, version, request), clientId);
  try {
    const r = new Reader(await c.receive());
    expect(r.int32()).toBe(correlationId);
    if (handler.responseHeaderVersion(version) === 1) r.skipTaggedFields();
    const res = read(r, version);
    expect(r.failed).toBe(false);
    return res;
  } catch {
    return null;
  } finally {
    c.close();
  }
}

/**
 * Requests Kafka 4.3.1 refuses while parsing them, closing the connection without an answer
 * (measured): ACL requests and filters with an UNKNOWN (0) resource type, pattern type, operation
 * or permission.
 */
function kafkaCloses(name: string, request: Record<string, any>): boolean {
  const unknown = (c: Record<string, any>) =>
    [c.resourceType ?? c.resourceTypeFilter, c.resourcePatternType ?? c.patternTypeFilter, c.operation, c.permissionType].includes(0);
  if (name === "DescribeAcls") return unknown(request);
  if (name === "CreateAcls") return request.creations.some(unknown);
  if (name === "DeleteAcls") return request.filters.some(unknown);
  return false;
}

/** Answers that wait for other members or for data, which a random request may ask for. */
const PARKING = new Set(["JoinGroup", "SyncGroup"]);

test(`requests the schema allows, with bad values, are answered (${ITERATIONS} per API version, seed ${SEED})`, async () => {
  const vocabulary = { strings: ["target", "", "group-a", "consumer"], uuids: [targetId, ZERO_UUID] };
  const unanswered: string[] = [];
  let sent = 0;
  for (const handler of registeredApis()) {
    const desc = CODECS.find((c) => c.name === `${handler.name}Request`)!;
    const { write, read } = codecOf(handler.name);
    for (let version = handler.minVersion; version <= handler.maxVersion; version++) {
      const client = await WireClient.connect(broker.port);
      for (let i = 0; i < ITERATIONS; i++) {
        const seed = SEED + handler.apiKey * 10_000 + version * 1000 + i;
        const request = new ValueFactory(desc, prng(seed), vocabulary).struct(desc.name, version, 0) as Record<string, any>;
        if (handler.name === "Fetch") request.maxWaitMs = Math.min(request.maxWaitMs, 100); // long polls are not bad input
        const noAnswer = PARKING.has(handler.name) || (handler.name === "Produce" && request.acks === 0);
        const closes = kafkaCloses(handler.name, request);
        const target = noAnswer || closes ? await WireClient.connect(broker.port) : client;
        target.send(handler.apiKey, version, i, handler.requestHeaderVersion(version) as 1 | 2, (w) => write(w, version, request));
        sent++;
        if (closes) {
          if (!(await target.waitClosed(5000))) unanswered.push(`${handler.name} v${version} seed ${seed}: not closed as Kafka closes it`);
          target.close();
          continue;
        }
        if (noAnswer) {
          target.close();
          continue;
        }
        try {
          const r = new Reader(await client.receive());
          expect(r.int32()).toBe(i);
          if (handler.responseHeaderVersion(version) === 1) r.skipTaggedFields();
          read(r, version);
          expect(r.failed).toBe(false);
        } catch (e) {
          unanswered.push(`${handler.name} v${version} seed ${seed}: ${(e as Error).message}`);
          break;
        }
      }
      client.close();
    }
  }
  expect(sent).toBeGreaterThan(100);
  expect(unanswered).toEqual([]);
  expect(await stillServing()).toBe(true);
}, 600_000);

// Each answer below is what Apache Kafka 4.3.1 gave to the same request (test/interop/kafka-run.sh).
test("an unknown isolation level fails the request with UNKNOWN_SERVER_ERROR, as Kafka's IsolationLevel.forId does", async () => {
  const partition = (p: number) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 100 });
  const fetch = (isolationLevel: number, topic: string, p: number) => ask(1, "Fetch", 12, {
    ...messages.defaultFetchRequest(), maxWaitMs: 0, isolationLevel, topics: [{ topic, topicId: ZERO_UUID, partitions: [partition(p)] }],
  });
  const refused = await fetch(5, "steady", 0);
  expect(refused.errorCode).toBe(-1);
  expect(refused.responses[0].partitions[0]).toMatchObject({ errorCode: -1, highWatermark: -1, abortedTransactions: [] });
  // Kafka meets the isolation level only once it reads a partition that exists.
  const unknown = await fetch(-1, "steady", 7);
  expect([unknown.errorCode, unknown.responses[0].partitions[0].errorCode]).toEqual([0, 3]);
  const listed = await ask(2, "ListOffsets", 7, {
    replicaId: -1, isolationLevel: 9, topics: [{ name: "steady", partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1 }] }],
  });
  expect(listed.topics[0].partitions).toEqual([{ partitionIndex: 0, errorCode: -1, timestamp: -1, offset: -1, leaderEpoch: -1 }]);
});

test("a fetch from a replica id is a follower fetch: NOT_LEADER_OR_FOLLOWER for each existing partition", async () => {
  const partition = (p: number) => ({ partition: p, currentLeaderEpoch: -1, fetchOffset: 0, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 100 });
  for (const replicaId of [1, 5]) {
    const res = await ask(1, "Fetch", 11, {
      ...messages.defaultFetchRequest(), replicaId, maxWaitMs: 0, topics: [{ topic: "steady", topicId: ZERO_UUID, partitions: [partition(0), partition(9)] }],
    });
    expect(res.responses[0].partitions.map((p: any) => [p.partitionIndex, p.errorCode, p.highWatermark, p.abortedTransactions]))
      .toEqual([[0, 6, -1, null], [9, 3, -1, []]]);
  }
});

test("OffsetForLeaderEpoch: a negative epoch other than -1 answers itself and the start of the first epoch", async () => {
  const ask1 = (leaderEpoch: number) => ask(23, "OffsetForLeaderEpoch", 4, {
    replicaId: -1, topics: [{ topic: "steady", partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch }] }],
  }).then((res) => res.topics[0].partitions[0]);
  expect(await ask1(-5)).toEqual({ errorCode: 0, partition: 0, leaderEpoch: -5, endOffset: 0 });
  expect(await ask1(-2147483648)).toEqual({ errorCode: 0, partition: 0, leaderEpoch: -2147483648, endOffset: 0 });
  expect(await ask1(-1)).toEqual({ errorCode: 0, partition: 0, leaderEpoch: -1, endOffset: -1 });
});

test("a fetch session epoch other than 0 and -1 without a session is FETCH_SESSION_ID_NOT_FOUND", async () => {
  const res = await ask(1, "Fetch", 12, { ...messages.defaultFetchRequest(), maxWaitMs: 0, sessionId: 0, sessionEpoch: -5 });
  expect(res.errorCode).toBe(70);
});

test("a DescribeTopicPartitions cursor outside the request is INVALID_REQUEST for every topic asked for", async () => {
  for (const cursor of [{ topicName: "other", partitionIndex: 0 }, { topicName: "steady", partitionIndex: -1 }]) {
    const res = await ask(75, "DescribeTopicPartitions", 0, { topics: [{ name: "steady" }], responsePartitionLimit: 10, cursor });
    expect(res).toEqual({
      throttleTimeMs: 0, nextCursor: null,
      topics: [{ errorCode: 42, name: "steady", topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 }],
    });
  }
});

/** Resolves once the broker's output holds `text` (a hang is a named failure). */
async function untilLogged(text: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!broker.output().includes(text)) {
    if (Date.now() > deadline) throw new Error(`broker never logged ${JSON.stringify(text)}`);
    await Bun.sleep(20);
  }
}

test("client-supplied ids cannot forge a log line: group, member, client and transactional ids are escaped", async () => {
  const forged = "\n2026-01-01T00:00:00.000Z INFO forged";
  const join = await WireClient.connect(broker.port);
  join.send(11, 0, 1, 1, (w) => codecOf("JoinGroup").write(w, 0, {
    ...messages.defaultJoinGroupRequest(), groupId: `g${forged}`, sessionTimeoutMs: 10_000, memberId: "",
    protocolType: "consumer", protocols: [{ name: "range", metadata: new Uint8Array(0) }],
  }), `client${forged}`);
  await untilLogged("preparing to rebalance group g\\x0a2026");
  join.close();
  // The transaction coordinator logs each initialized transactional id, as Kafka's does.
  const txn = await ask(22, "InitProducerId", 4, { transactionalId: `t${forged}`, transactionTimeoutMs: 1000, producerId: -1, producerEpoch: -1 }, "txn-forger");
  expect(txn.errorCode).toBe(0);
  await untilLogged("Initialized transactionalId t\\x0a2026");
  const lines = broker.output().split("\n");
  expect(lines.filter((l) => l.includes("forged") && !/^\d{4}-\d\d-\d\dT[\d:.]+Z (INFO|WARN|ERROR|DEBUG) /.test(l))).toEqual([]);
  expect(lines.filter((l) => l.startsWith("2026-01-01"))).toEqual([]);
}, 20_000);

test("an API or version Bunka does not serve closes the connection, as Kafka does, and is logged once per client", async () => {
  const unserved = async (apiKey: number, version: number, clientId: string) => {
    const c = await WireClient.connect(broker.port);
    c.send(apiKey, version, 1, 1, () => {}, clientId);
    expect(await c.waitClosed()).toBe(true);
  };
  await unserved(50, 0, "old-tool\nINFO forged");
  await unserved(1, 3, "old-tool\nINFO forged"); // Fetch v3: below the served range
  await unserved(3, 99, "other-tool");
  await untilLogged("client other-tool from");
  const lines = broker.output().split("\n").filter((l) => l.includes("does not serve"));
  expect(lines.filter((l) => l.includes("old-tool\\x0aINFO forged"))).toHaveLength(1);
  expect(lines.filter((l) => l.includes("other-tool"))).toHaveLength(1);
  expect(lines.every((l) => l.includes(" INFO "))).toBe(true);
  expect(await stillServing()).toBe(true);
}, 20_000);

test("garbage frames: header-only, size lies, zero-length frames", async () => {
  const cases = [
    Uint8Array.of(0, 0, 0, 0),
    Uint8Array.of(0, 0, 0, 2, 0, 18),
    Uint8Array.of(0, 0, 0, 8, 0, 18, 0, 4, 0, 0, 0, 1),
    Uint8Array.of(0x7f, 0xff, 0xff, 0xff),
    Uint8Array.of(0, 0, 0, 10, 0, 3, 0, 12, 0, 0, 0, 5, 0xff, 0xfe),
  ];
  for (const frame of cases) {
    const c = await WireClient.connect(broker.port);
    c.write(frame);
    await c.waitClosed(500);
    c.close();
  }
  expect(await stillServing()).toBe(true);
});

test("no request made a handler throw (bad input is answered or refused, never a crash)", () => {
  const crashes = broker.output().split("\n").filter((l) => l.includes(" ERROR "));
  expect(crashes).toEqual([]);
});
