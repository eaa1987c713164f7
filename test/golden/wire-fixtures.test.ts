// Golden vectors written by Apache Kafka itself (test/fixtures/wire, see its README): requests
// serialized by Kafka's client classes, responses sent by a real Kafka 4 broker.
// 1. Codec: every fixture of an API and version Bunka serves decodes without error, to the end,
//    and re-encodes to the identical bytes.
// 2. Behaviour: Bunka started on the log dir that same Kafka broker wrote
//    (test/fixtures/kafka-logdir) answers the captured requests the way Kafka answered them.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { cpSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { readRequestHeader, writeRequestHeader } from "../../src/protocol/messages/headers.ts";
import * as apiVersions from "../../src/protocol/messages/api-versions.ts";
import * as produce from "../../src/protocol/messages/produce.ts";
import * as fetch from "../../src/protocol/messages/fetch.ts";
import * as dtp from "../../src/protocol/messages/describe-topic-partitions.ts";
import * as metadata from "../../src/protocol/messages/metadata.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";

const FIXTURES = join(import.meta.dir, "../fixtures/wire");
const KAFKA_LOG_DIR = join(import.meta.dir, "../fixtures/kafka-logdir");

interface Fixture {
  api: string;
  apiKey: number;
  apiVersion: number;
  requestHeaderVersion: number;
  responseHeaderVersion: number;
  scenarioId: string;
  scenario: string;
  request: string;
  response?: string;
  outcome: "response" | "no-response" | "connection-closed";
  correlationId: number;
}

interface Codec {
  min: number;
  max: number;
  readRequest(r: Reader, v: number): unknown;
  writeRequest(w: Writer, v: number, m: any): void;
  readResponse(r: Reader, v: number): any;
  writeResponse(w: Writer, v: number, m: any): void;
}

const CODECS: Record<number, Codec> = {
  0: { min: 3, max: 11, readRequest: produce.readProduceRequest, writeRequest: produce.writeProduceRequest, readResponse: produce.readProduceResponse, writeResponse: produce.writeProduceResponse },
  1: { min: 4, max: 16, readRequest: fetch.readFetchRequest, writeRequest: fetch.writeFetchRequest, readResponse: fetch.readFetchResponse, writeResponse: fetch.writeFetchResponse },
  3: { min: 0, max: 12, readRequest: metadata.readMetadataRequest, writeRequest: metadata.writeMetadataRequest, readResponse: metadata.readMetadataResponse, writeResponse: metadata.writeMetadataResponse },
  18: { min: 0, max: 4, readRequest: apiVersions.readApiVersionsRequest, writeRequest: apiVersions.writeApiVersionsRequest, readResponse: apiVersions.readApiVersionsResponse, writeResponse: apiVersions.writeApiVersionsResponse },
  75: { min: 0, max: 0, readRequest: dtp.readDescribeTopicPartitionsRequest, writeRequest: dtp.writeDescribeTopicPartitionsRequest, readResponse: dtp.readDescribeTopicPartitionsResponse, writeResponse: dtp.writeDescribeTopicPartitionsResponse },
};

const manifest = JSON.parse(readFileSync(join(FIXTURES, "manifest.json"), "utf8")) as { fixtures: Fixture[]; kafkaVersion: string };
const hex = (file: string) => Uint8Array.from(Buffer.from(readFileSync(join(FIXTURES, file), "utf8").trim(), "hex"));
const served = manifest.fixtures.filter((f) => {
  const c = CODECS[f.apiKey];
  return c !== undefined && f.apiVersion >= c.min && f.apiVersion <= c.max;
});

function decodeRequest(f: Fixture, bytes: Uint8Array) {
  const r = new Reader(bytes);
  const header = readRequestHeader(r, f.requestHeaderVersion);
  const body = CODECS[f.apiKey]!.readRequest(r, f.apiVersion);
  return { header, body, r };
}

// ApiVersions is the one API whose unsupported versions Bunka answers (in the v0 format).
/** The response body version: ApiVersions answers an unsupported version in v0. */
function responseVersion(f: Fixture): number {
  return f.apiKey === 18 && f.apiVersion > 4 ? 0 : f.apiVersion;
}

function decodeResponse(f: Fixture, bytes: Uint8Array) {
  const r = new Reader(bytes);
  const correlationId = r.int32();
  if (f.responseHeaderVersion >= 1) r.skipTaggedFields();
  const body = CODECS[f.apiKey]!.readResponse(r, responseVersion(f));
  return { correlationId, body, r };
}

test("the fixtures cover every API and version Bunka serves", () => {
  for (const [key, c] of Object.entries(CODECS)) {
    for (let v = c.min; v <= c.max; v++) {
      expect(served.some((f) => f.apiKey === Number(key) && f.apiVersion === v)).toBe(true);
    }
  }
  expect(served.length).toBeGreaterThan(60);
});

describe(`codec round trip of Kafka ${manifest.kafkaVersion}'s bytes`, () => {
  for (const f of served) {
    test(`${f.request}`, () => {
      const bytes = hex(f.request);
      const { header, body, r } = decodeRequest(f, bytes);
      expect(r.failed).toBe(false);
      expect(r.remaining).toBe(0);
      expect(header.requestApiKey).toBe(f.apiKey);
      expect(header.correlationId).toBe(f.correlationId);
      const w = new Writer(bytes.length, null);
      writeRequestHeader(w, f.requestHeaderVersion, header);
      CODECS[f.apiKey]!.writeRequest(w, f.apiVersion, body);
      expect(Buffer.from(w.finish()).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
    });
    if (f.response) {
      test(`${f.response}`, () => {
        const bytes = hex(f.response!);
        const { correlationId, body, r } = decodeResponse(f, bytes);
        expect(r.failed).toBe(false);
        expect(r.remaining).toBe(0);
        expect(correlationId).toBe(f.correlationId);
        const w = new Writer(bytes.length, null);
        w.int32(correlationId);
        if (f.responseHeaderVersion >= 1) w.uvarint(0);
        CODECS[f.apiKey]!.writeResponse(w, responseVersion(f), body);
        expect(Buffer.from(w.finish()).toString("hex")).toBe(Buffer.from(bytes).toString("hex"));
      });
    }
  }
});

describe("Bunka on Kafka's log dir answers Kafka's requests as Kafka did", () => {
  let broker: RunningBroker;
  let client: WireClient;
  beforeAll(async () => {
    const dir = tempDir();
    cpSync(KAFKA_LOG_DIR, dir, { recursive: true });
    broker = await startBroker({ logDir: dir });
    client = await WireClient.connect(broker.port);
  });
  afterAll(async () => {
    client?.close();
    await broker?.stop();
  });

  async function replay(f: Fixture) {
    client.sendFrame(hex(f.request));
    const ours = await client.receive();
    return { ours: decodeResponse(f, ours), oursBytes: ours, kafka: decodeResponse(f, hex(f.response!)), kafkaBytes: hex(f.response!) };
  }

  const byScenario = (api: string, ...ids: string[]) => (api === "api-versions" ? manifest.fixtures : served).filter((f) => f.api === api && ids.includes(f.scenarioId) && f.outcome === "response");

  test("Fetch: records, out-of-range, unknown topic, two partitions — byte for byte", async () => {
    const fixtures = byScenario("fetch", "001", "002", "003", "004");
    expect(fixtures.length).toBe(13 * 4);
    for (const f of fixtures) {
      const { oursBytes, kafkaBytes } = await replay(f);
      expect(`${f.response}: ${Buffer.from(oursBytes).toString("hex")}`).toBe(`${f.response}: ${Buffer.from(kafkaBytes).toString("hex")}`);
    }
  });

  test("ApiVersions: unsupported version and invalid client software name — byte for byte", async () => {
    const fixtures = byScenario("api-versions", "002", "003");
    expect(fixtures.length).toBeGreaterThanOrEqual(4);
    for (const f of fixtures) {
      const { oursBytes, kafkaBytes } = await replay(f);
      expect(`${f.response}: ${Buffer.from(oursBytes).toString("hex")}`).toBe(`${f.response}: ${Buffer.from(kafkaBytes).toString("hex")}`);
    }
  });

  test("ApiVersions: every range Bunka advertises lies within Kafka's", async () => {
    for (const f of byScenario("api-versions", "001")) {
      const { ours, kafka } = await replay(f);
      expect(ours.body.errorCode).toBe(0);
      const theirs = new Map<number, { minVersion: number; maxVersion: number }>(kafka.body.apiKeys.map((k: any) => [k.apiKey, k]));
      for (const k of ours.body.apiKeys) {
        const t = theirs.get(k.apiKey)!;
        expect(t).toBeDefined();
        expect(k.minVersion).toBeGreaterThanOrEqual(t.minVersion);
        expect(k.maxVersion).toBeLessThanOrEqual(t.maxVersion);
      }
    }
  });

  test("Produce: unknown topic byte for byte; appends answer as Kafka did but for the offsets", async () => {
    for (const f of byScenario("produce", "002")) {
      const { oursBytes, kafkaBytes } = await replay(f);
      expect(`${f.response}: ${Buffer.from(oursBytes).toString("hex")}`).toBe(`${f.response}: ${Buffer.from(kafkaBytes).toString("hex")}`);
    }
    for (const f of byScenario("produce", "001", "003")) {
      const { ours, kafka } = await replay(f);
      const mask = (body: any) => body.responses.map((t: any) => ({ ...t, partitionResponses: t.partitionResponses.map((p: any) => ({ ...p, baseOffset: "<offset>" })) }));
      expect(mask(ours.body)).toEqual(mask(kafka.body));
      expect(ours.body.responses[0].partitionResponses[0].baseOffset).toBeGreaterThanOrEqual(40);
    }
  });

  test("Produce v0–v2 and Fetch v0–v3: the connection is closed, as Kafka closed it", async () => {
    const refused = manifest.fixtures.filter((f) => f.outcome === "connection-closed");
    expect(refused.map((f) => `${f.api}-v${f.apiVersion}`).sort()).toEqual(
      ["fetch-v0", "fetch-v1", "fetch-v2", "fetch-v3", "produce-v0", "produce-v1", "produce-v2"]);
    for (const f of refused) {
      const c = await WireClient.connect(broker.port);
      c.sendFrame(hex(f.request));
      expect(await c.waitClosed()).toBe(true);
    }
  });

  test("Metadata v0–v12: as Kafka answered, but for our port and the leader epoch of a restarted cluster", async () => {
    const fixtures = byScenario("metadata", "001", "002", "003", "004");
    expect(fixtures.length).toBe(13 * 2 + 9 + 1);
    for (const f of fixtures) {
      const { ours, kafka } = await replay(f);
      const mask = (body: any) => ({
        ...body,
        brokers: body.brokers.map((b: any) => ({ ...b, port: "<port>" })),
        topics: body.topics.map((t: any) => ({ ...t, partitions: t.partitions.map((p: any) => ({ ...p, leaderEpoch: "<epoch>" })) }))
          .sort((a: any, b: any) => String(a.name).localeCompare(String(b.name))),
      });
      expect({ fixture: f.response, ...mask(ours.body) }).toEqual({ fixture: f.response, ...mask(kafka.body) });
      expect(ours.body.brokers[0].port).toBe(broker.port);
    }
  });

  test("DescribeTopicPartitions: as Kafka answered, but for the leader epoch of a restarted cluster", async () => {
    const fixtures = byScenario("describe-topic-partitions", "001", "002", "003", "004");
    expect(fixtures.length).toBe(4);
    for (const f of fixtures) {
      const { ours, kafka } = await replay(f);
      const mask = (body: any) => ({
        ...body,
        topics: body.topics.map((t: any) => ({ ...t, partitions: t.partitions.map((p: any) => ({ ...p, leaderEpoch: "<epoch>" })) })),
      });
      expect(mask(ours.body)).toEqual(mask(kafka.body));
    }
  });
});
