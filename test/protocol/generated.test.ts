// Tests of the generated codecs: (a) the committed output is exactly what build/generate.ts
// produces from the specs, (b) every message round-trips at every generated version with random
// values, (c) hand-assembled byte vectors, (d) malformed input.

import { describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Reader, ZERO_UUID } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { CODECS, type CodecDesc } from "./schemas.generated.ts";
import { prng, ValueFactory } from "../support/schema-values.ts";
import * as apiVersions from "../../src/protocol/messages/api-versions.ts";
import * as fetchApi from "../../src/protocol/messages/fetch.ts";
import * as produce from "../../src/protocol/messages/produce.ts";
import * as dtp from "../../src/protocol/messages/describe-topic-partitions.ts";
import * as headers from "../../src/protocol/messages/headers.ts";
import * as index from "../../src/protocol/messages/index.ts";
import * as metadata from "../../src/storage/metadata/records.ts";
import * as group from "../../src/storage/group/records.ts";
import { SERVED } from "../../build/apis.ts";

const ROOT = path.join(import.meta.dir, "../..");
const SPECS = path.join(import.meta.dir, "../../../shared/kafka-specs");
const HAVE_SPECS = existsSync(SPECS);

type Codec = {
  read: (r: Reader, version: number) => unknown;
  write: (w: Writer, version: number, m: unknown) => void;
};

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, base));
    else out.push(path.relative(base, p));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// (a) committed output == generator output

if (!HAVE_SPECS) console.warn(`generated.test: ${SPECS} not found, so the generator-output check is skipped`);

describe("generator", () => {
  test.skipIf(!HAVE_SPECS)(
    `committed files equal \`bun build/generate.ts\` output${HAVE_SPECS ? "" : " (SKIPPED: ../shared/kafka-specs not found)"}`,
    () => {
      const tmp = mkdtempSync(path.join(os.tmpdir(), "bunka-generate-"));
      try {
        const proc = Bun.spawnSync([process.execPath, path.join(ROOT, "build/generate.ts"), "--specs", SPECS, tmp], {
          cwd: ROOT,
          stderr: "pipe",
          stdout: "pipe",
        });
        expect(proc.stderr.toString()).toBe("");
        expect(proc.exitCode).toBe(0);
        const generated = listFiles(tmp);
        expect(generated.length).toBeGreaterThan(5);
        for (const rel of generated) {
          const committed = path.join(ROOT, rel);
          expect(existsSync(committed) ? rel : `${rel} (missing)`).toBe(rel);
          expect(readFileSync(committed, "utf8"), rel).toBe(readFileSync(path.join(tmp, rel), "utf8"));
        }
        // Nothing stale: every module in messages/ is one the generator writes.
        const messages = listFiles(path.join(ROOT, "src/protocol/messages")).map((f) => `src/protocol/messages/${f}`);
        expect(messages.filter((f) => !generated.includes(f))).toEqual([]);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    },
  );
});

// ---------------------------------------------------------------------------------------------
// (b) random round trips

const modules = new Map<string, Record<string, unknown>>();
for (const c of CODECS) {
  if (!modules.has(c.module)) modules.set(c.module, (await import(path.join(ROOT, c.module))) as Record<string, unknown>);
}

function codecOf(desc: CodecDesc): Codec & { make: () => unknown } {
  const mod = modules.get(desc.module)!;
  const read = mod[`read${desc.name}`];
  const write = mod[`write${desc.name}`];
  const make = mod[`default${desc.name}`];
  if (typeof read !== "function" || typeof write !== "function" || typeof make !== "function") {
    throw new Error(`${desc.module} lacks read/write/default${desc.name}`);
  }
  return { read, write, make } as Codec & { make: () => unknown };
}

function encodeWith(codec: Codec, version: number, m: unknown, initial = 16): Uint8Array {
  const w = new Writer(initial, null);
  codec.write(w, version, m);
  return w.finish().slice();
}

const ITERATIONS = 40;

describe("round trip", () => {
  for (const desc of CODECS) {
    describe(desc.name, () => {
      const codec = codecOf(desc);

      test("default factory matches the spec defaults", () => {
        expect(codec.make()).toEqual(new ValueFactory(desc, Math.random).defaultStruct(desc.name));
      });

      for (const version of desc.versions) {
        test(`v${version}`, () => {
          for (let i = 0; i < ITERATIONS; i++) {
            const seed = version * 1000 + i;
            const value = new ValueFactory(desc, prng(seed)).struct(desc.name, version, 0);
            const bytes = encodeWith(codec, version, value, i % 2 === 0 ? 1 : 4096);
            const r = new Reader(bytes);
            const decoded = codec.read(r, version);
            const where = `${desc.name} v${version} seed ${seed}`;
            expect(r.failed, where).toBe(false);
            expect(r.remaining, where).toBe(0);
            expect(decoded, where).toEqual(value);
            expect(encodeWith(codec, version, decoded), where).toEqual(bytes);
            // Every proper prefix is malformed: the reader fails or sees an incomplete message.
            if (bytes.length > 0 && i < 5) {
              const cut = new Reader(bytes.subarray(0, Math.floor(bytes.length * (i / 5))));
              codec.read(cut, version);
              expect(cut.failed, `${where} truncated`).toBe(true);
            }
          }
        });
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------
// (c) hand-assembled vectors

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const h = (...parts: string[]): string => parts.join("").replace(/\s+/g, "");
const str = (s: string): string => Buffer.from(s, "utf8").toString("hex");

function checkVector<T>(
  read: (r: Reader, v: number) => T,
  write: (w: Writer, v: number, m: T) => void,
  version: number,
  value: T,
  expected: string,
): void {
  const w = new Writer(8, null);
  write(w, version, value);
  expect(hex(w.finish())).toBe(expected);
  const r = new Reader(Buffer.from(expected, "hex"));
  expect(read(r, version)).toEqual(value);
  expect(r.failed).toBe(false);
  expect(r.remaining).toBe(0);
}

describe("known vectors", () => {
  test("ApiVersions v3 request", () => {
    checkVector(apiVersions.readApiVersionsRequest, apiVersions.writeApiVersionsRequest, 3,
      { clientSoftwareName: "bunka", clientSoftwareVersion: "0.1.0" },
      h("06", str("bunka"), "06", str("0.1.0"), "00"));
  });

  test("ApiVersions v0 request is empty; v0-v2 read defaults", () => {
    checkVector(apiVersions.readApiVersionsRequest, apiVersions.writeApiVersionsRequest, 0,
      { clientSoftwareName: "", clientSoftwareVersion: "" }, "");
  });

  test("ApiVersions v4 response", () => {
    const m: apiVersions.ApiVersionsResponse = {
      ...apiVersions.defaultApiVersionsResponse(),
      apiKeys: [
        { apiKey: 18, minVersion: 0, maxVersion: 4 },
        { apiKey: 75, minVersion: 0, maxVersion: 0 },
      ],
      throttleTimeMs: 0,
    };
    checkVector(apiVersions.readApiVersionsResponse, apiVersions.writeApiVersionsResponse, 4, m,
      h("0000", "03", "0012 0000 0004 00", "004b 0000 0000 00", "00000000", "00"));
    // Tagged fields: FinalizedFeaturesEpoch (tag 1, int64) and ZkMigrationReady (tag 3, bool).
    checkVector(apiVersions.readApiVersionsResponse, apiVersions.writeApiVersionsResponse, 4,
      { ...m, apiKeys: [], errorCode: 35, finalizedFeaturesEpoch: 7, zkMigrationReady: true },
      h("0023", "01", "00000000", "02", "01 08 0000000000000007", "03 01 01"));
    // v0: int32 array, no throttle time, no tagged fields.
    checkVector(apiVersions.readApiVersionsResponse, apiVersions.writeApiVersionsResponse, 0,
      { ...m, apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }] },
      h("0000", "00000001", "0000 0003 000b"));
  });

  test("Fetch v16 request with one topic id", () => {
    const topicId = "0123456789abcdef0123456789abcdef";
    const m: fetchApi.FetchRequest = {
      ...fetchApi.defaultFetchRequest(),
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52428800,
      isolationLevel: 1,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{
        ...fetchApi.defaultFetchRequestFetchTopic(),
        topicId,
        partitions: [{
          ...fetchApi.defaultFetchRequestFetchPartition(),
          partition: 2,
          currentLeaderEpoch: 5,
          fetchOffset: 100,
          lastFetchedEpoch: -1,
          logStartOffset: -1,
          partitionMaxBytes: 1048576,
        }],
      }],
      rackId: "",
    };
    const partition = h("00000002", "00000005", "0000000000000064", "ffffffff", "ffffffffffffffff", "00100000", "00");
    const body = h("000001f4", "00000001", "03200000", "01", "00000000", "ffffffff",
      "02", topicId, "02", partition, "00", "01", "01");
    checkVector(fetchApi.readFetchRequest, fetchApi.writeFetchRequest, 16, m, body + "00");
    // With ReplicaState (tag 1: int32 + int64 + empty tags = 13 bytes) and ClusterId (tag 0).
    checkVector(fetchApi.readFetchRequest, fetchApi.writeFetchRequest, 16,
      { ...m, clusterId: "c1", replicaState: { replicaId: 3, replicaEpoch: 9 } },
      body + h("02", "00 03 03", str("c1"), "01 0d 00000003 0000000000000009 00"));
  });

  test("DescribeTopicPartitions v0 request", () => {
    const m: dtp.DescribeTopicPartitionsRequest = {
      topics: [{ name: "foo" }],
      responsePartitionLimit: 2000,
      cursor: null,
    };
    checkVector(dtp.readDescribeTopicPartitionsRequest, dtp.writeDescribeTopicPartitionsRequest, 0, m,
      h("02", "04", str("foo"), "00", "000007d0", "ff", "00"));
    // A cursor is a nullable struct: presence byte 1, then the struct with its own tagged fields.
    checkVector(dtp.readDescribeTopicPartitionsRequest, dtp.writeDescribeTopicPartitionsRequest, 0,
      { ...m, cursor: { topicName: "foo", partitionIndex: 3 } },
      h("02", "04", str("foo"), "00", "000007d0", "01", "04", str("foo"), "00000003", "00", "00"));
  });

  test("Produce v3 request (non-flexible) and v9 (flexible)", () => {
    const m: produce.ProduceRequest = {
      transactionalId: null,
      acks: -1,
      timeoutMs: 30000,
      topicData: [{ name: "t", partitionData: [{ index: 0, records: new Uint8Array([0xde, 0xad]) }] }],
    };
    checkVector(produce.readProduceRequest, produce.writeProduceRequest, 3, m,
      h("ffff", "ffff", "00007530", "00000001", "0001", str("t"), "00000001", "00000000", "00000002", "dead"));
    checkVector(produce.readProduceRequest, produce.writeProduceRequest, 9, { ...m, transactionalId: "tx" },
      h("03", str("tx"), "ffff", "00007530", "02", "02", str("t"), "02", "00000000", "03", "dead", "00", "00", "00"));
    // Kafka 4.3's spec starts at v3: v0-v2 are advertised but refused before decoding
    // (test/golden/wire-fixtures.test.ts), so no codec exists for them.
    expect(produce.PRODUCE.minVersion).toBe(3);
  });

  test("request header: ClientId stays a non-compact nullable string in v2", () => {
    const m: headers.RequestHeader = { requestApiKey: 18, requestApiVersion: 4, correlationId: 7, clientId: "cli" };
    checkVector(headers.readRequestHeader, headers.writeRequestHeader, 2, m,
      h("0012", "0004", "00000007", "0003", str("cli"), "00"));
    checkVector(headers.readRequestHeader, headers.writeRequestHeader, 1, { ...m, clientId: null },
      h("0012", "0004", "00000007", "ffff"));
    // Header v0 (no client id) left the specs with ControlledShutdown v0: any version reads one.
    checkVector(headers.readRequestHeader, headers.writeRequestHeader, 0, { ...m, clientId: null },
      h("0012", "0004", "00000007", "ffff"));
    checkVector(headers.readResponseHeader, headers.writeResponseHeader, 1, { correlationId: 7 }, h("00000007", "00"));
    checkVector(headers.readResponseHeader, headers.writeResponseHeader, 0, { correlationId: 7 }, h("00000007"));
  });

  test("metadata records: TopicRecord v0, PartitionRecord v0 with a tagged field", () => {
    const topicId = "f".repeat(32);
    checkVector(metadata.readTopicRecord, metadata.writeTopicRecord, 0, { name: "foo", topicId },
      h("04", str("foo"), topicId, "00"));
    const p: metadata.PartitionRecord = {
      ...metadata.defaultPartitionRecord(),
      partitionId: 1,
      topicId,
      replicas: [1],
      isr: [1],
      leader: 1,
      leaderEpoch: 0,
      partitionEpoch: 0,
    };
    const base = h("00000001", topicId, "02 00000001", "02 00000001", "01", "01", "00000001", "00000000", "00000000");
    checkVector(metadata.readPartitionRecord, metadata.writePartitionRecord, 0, p, base + "00");
    checkVector(metadata.readPartitionRecord, metadata.writePartitionRecord, 0, { ...p, leaderRecoveryState: 1 },
      base + h("01", "00 01 01"));
    expect(metadata.METADATA_RECORD_TYPES.TopicRecord).toBe(2);
    expect(metadata.METADATA_RECORD_TYPES.PartitionRecord).toBe(3);
    expect(metadata.METADATA_RECORD_TYPES.RegisterBrokerRecord).toBe(0);
  });

  test("group records: OffsetCommitKey v0 (record type 1), OffsetCommitValue v3 and v4 (topic id tag)", () => {
    // Kafka 4 keys have one version; the int16 before a key is its record type (CoordinatorRecordSerde).
    expect(group.GROUP_RECORD_TYPES.OffsetCommitKey).toBe(1);
    expect(group.GROUP_RECORD_TYPES.LegacyOffsetCommitKey).toBe(0);
    expect(group.GROUP_RECORD_TYPES.GroupMetadataKey).toBe(2);
    checkVector(group.readOffsetCommitKey, group.writeOffsetCommitKey, 0, { group: "g", topic: "t", partition: 2 },
      h("0001", str("g"), "0001", str("t"), "00000002"));
    const value = { offset: 42, leaderEpoch: 5, metadata: "", commitTimestamp: 1000, expireTimestamp: -1, topicId: ZERO_UUID };
    checkVector(group.readOffsetCommitValue, group.writeOffsetCommitValue, 3, value,
      h("000000000000002a", "00000005", "0000", "00000000000003e8"));
    const topicId = "0123456789abcdef0123456789abcdef";
    checkVector(group.readOffsetCommitValue, group.writeOffsetCommitValue, 4, { ...value, topicId },
      h("000000000000002a", "00000005", "01", "00000000000003e8", "01 00 10", topicId));
  });
});

// ---------------------------------------------------------------------------------------------
// (d) tagged-field edge cases and malformed input

describe("tagged fields and malformed input", () => {
  test("unknown tags are skipped; known tags outside their versions too", () => {
    // DescribeTopicPartitions v0 request with an unknown tag 9 (3 bytes) in the top-level section.
    const bytes = Buffer.from(h("01", "000007d0", "ff", "01", "09 03 aabbcc"), "hex");
    const r = new Reader(bytes);
    expect(dtp.readDescribeTopicPartitionsRequest(r, 0)).toEqual({ topics: [], responsePartitionLimit: 2000, cursor: null });
    expect(r.failed).toBe(false);
    expect(r.remaining).toBe(0);
    // Fetch v14 (ReplicaState is tagged only from v15): tag 1 is skipped, not decoded.
    const m = { ...fetchApi.defaultFetchRequest(), replicaId: 1 };
    const w = new Writer(64, null);
    fetchApi.writeFetchRequest(w, 14, m);
    const plain = w.finish().slice();
    const withTag = new Uint8Array([...plain.subarray(0, plain.length - 1), 1, 1, 2, 0xaa, 0xbb]);
    const r2 = new Reader(withTag);
    expect(fetchApi.readFetchRequest(r2, 14)).toEqual(m);
    expect(r2.failed).toBe(false);
  });

  test("a known tagged field whose size disagrees with its content fails", () => {
    // ZkMigrationReady (tag 3, bool) declared 2 bytes long.
    const bytes = Buffer.from(h("0000", "01", "00000000", "01", "03 02 0100"), "hex");
    const r = new Reader(bytes);
    apiVersions.readApiVersionsResponse(r, 3);
    expect(r.failed).toBe(true);
  });

  test("large tagged fields get a multi-byte size (body moved after the fact)", () => {
    for (const count of [10, 2000, 3000]) {
      const m: apiVersions.ApiVersionsResponse = {
        ...apiVersions.defaultApiVersionsResponse(),
        supportedFeatures: Array.from({ length: count }, (_, i) => ({ name: `feature-${i}`, minVersion: 1, maxVersion: i })),
        zkMigrationReady: true,
      };
      const w = new Writer(16, null);
      apiVersions.writeApiVersionsResponse(w, 4, m);
      const bytes = w.finish().slice();
      // Locate the tag-0 size and check it against the actual body.
      const r = new Reader(bytes);
      r.int16();
      r.skip(r.uvarint() - 1); // empty apiKeys array
      r.int32();
      expect(r.uvarint()).toBe(2);
      expect(r.uvarint()).toBe(0);
      const size = r.uvarint();
      const start = r.pos;
      const n = r.compactArrayLength();
      expect(n).toBe(count);
      for (let i = 0; i < n; i++) {
        r.compactString();
        r.int16();
        r.int16();
        r.skipTaggedFields();
      }
      expect(r.pos - start).toBe(size);
      const back = new Reader(bytes);
      expect(apiVersions.readApiVersionsResponse(back, 4)).toEqual(m);
      expect(back.remaining).toBe(0);
    }
  });

  test("a null where a non-nullable array is expected fails", () => {
    // ApiVersions v3 response whose apiKeys array is null (compact length 0).
    const r = new Reader(Buffer.from(h("0000", "00", "00000000", "00"), "hex"));
    apiVersions.readApiVersionsResponse(r, 3);
    expect(r.failed).toBe(true);
  });

  test("an array count larger than the input fails without allocating", () => {
    const r = new Reader(Buffer.from(h("ffff", "ffff", "00007530", "7fffffff"), "hex"));
    produce.readProduceRequest(r, 3);
    expect(r.failed).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Index: header versions

describe("messages/index.ts", () => {
  test("served API table", () => {
    // Exactly build/apis.ts, in its order.
    expect(index.SERVED_APIS.map((a) => [a.name, a.minVersion, a.maxVersion])).toEqual(SERVED.map((a) => [a.name, a.min, a.max]));
    for (const a of index.SERVED_APIS) expect(index.API_BY_KEY.get(a.apiKey)).toBe(a);
    expect(index.API_KEYS).toMatchObject({ Produce: 0, Fetch: 1, ApiVersions: 18, DescribeTopicPartitions: 75 });
    expect(index.FETCH).toMatchObject({ apiKey: 1, name: "Fetch", requestFlexibleFrom: 12, responseFlexibleFrom: 12 });
    expect(index.PRODUCE.requestFlexibleFrom).toBe(9);
    expect(index.API_VERSIONS.responseFlexibleFrom).toBe(3);
    expect(index.DESCRIBE_TOPIC_PARTITIONS.requestFlexibleFrom).toBe(0);
  });

  test("request header version: v2 when flexible, else v1", () => {
    expect(index.requestHeaderVersion(0, 8)).toBe(1);
    expect(index.requestHeaderVersion(0, 9)).toBe(2);
    expect(index.requestHeaderVersion(1, 11)).toBe(1);
    expect(index.requestHeaderVersion(1, 12)).toBe(2);
    expect(index.requestHeaderVersion(18, 2)).toBe(1);
    expect(index.requestHeaderVersion(18, 3)).toBe(2);
    expect(index.requestHeaderVersion(18, 9)).toBe(2); // above our max: still flexible per the spec
    expect(index.requestHeaderVersion(75, 0)).toBe(2);
    expect(index.requestHeaderVersion(7, 0)).toBe(1); // ControlledShutdown: not served, and header v0 is gone
  });

  test("response header version: v1 when flexible, else v0; ApiVersions always v0", () => {
    expect(index.responseHeaderVersion(0, 8)).toBe(0);
    expect(index.responseHeaderVersion(0, 9)).toBe(1);
    expect(index.responseHeaderVersion(1, 12)).toBe(1);
    expect(index.responseHeaderVersion(18, 3)).toBe(0);
    expect(index.responseHeaderVersion(18, 4)).toBe(0);
    expect(index.responseHeaderVersion(75, 0)).toBe(1);
  });

  test("zero uuid default", () => {
    expect(fetchApi.defaultFetchRequestFetchTopic().topicId).toBe(ZERO_UUID);
  });
});
