// Runs Apache Kafka's own DumpLogSegments over a log dir written by Bunka: index and time index
// verification (the checks a Kafka broker's recovery relies on), deep iteration of every batch,
// and decoding of the metadata log; then over a partition the log cleaner has compacted (batches
// of every codec recompressed, tombstones stamped with a delete horizon or removed) and whose
// start DeleteRecords and retention have moved. Needs Java and the Kafka jars fetched by
// test/interop/kafka-dist.sh, so it only runs with BUNKA_INTEROP=1 (it takes a few seconds).

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { LogStore } from "../../src/storage/log-store.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { cleanLog, DEFAULT_CLEANER_BUDGET as DEFAULT_BUDGET, type CompactionPolicy } from "../../src/storage/log-cleaner.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView, RECORD_BATCH_OVERHEAD } from "../../src/records/record-batch.ts";
import { codecName, compress, GZIP, LZ4, NONE, SNAPPY, ZSTD } from "../../src/records/compression.ts";
import { batchOf } from "./batches.ts";

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const enabled = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile);
const roots: string[] = [];
afterAll(() => {
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});

function dumpLog(args: string[]): string {
  const cp = nodeFs.readFileSync(classpathFile, "utf8").trim();
  const r = Bun.spawnSync(["java", "-cp", cp, "org.apache.kafka.tools.DumpLogSegments", ...args], { stderr: "pipe" });
  return r.stdout.toString() + r.stderr.toString();
}

describe.if(enabled)(enabled ? "Kafka's DumpLogSegments on a Bunka log dir"
  : "Kafka's DumpLogSegments on a Bunka log dir (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh; .ci/run sets both up)", () => {
  test("indexes verify, batches are valid, metadata records decode", () => {
    const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-dump-"));
    roots.push(root);
    const logDir = join(root, "logs");
    const store = LogStore.open({ logDirs: [logDir], segmentBytes: 20_000, indexIntervalBytes: 500 });
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    store.metadata.alterConfigs([
      { resourceType: 2, resourceName: "t", name: "retention.ms", value: "1000" },
      { resourceType: 4, resourceName: "", name: "log.retention.ms", value: "5000" },
      { resourceType: 4, resourceName: "1", name: "log.retention.bytes", value: null },
    ]);
    const p = store.partition("t", 0)!;
    for (let i = 0; i < 300; i++) {
      p.append(batchOf(1 + (i % 5), { valueSize: 30, timestamp: 1_700_000_000_000 + i * 10 - (i % 7) * 3 }));
    }
    store.flush();
    nodeFs.cpSync(logDir, join(root, "running"), { recursive: true }); // as a running broker leaves it
    store.close();

    for (const dir of [join(logDir, "t-0"), join(root, "running/t-0")]) {
      const names = nodeFs.readdirSync(dir);
      expect(names.filter((n) => n.endsWith(".log")).length).toBeGreaterThan(2);
      const indexes = names.filter((n) => n.endsWith("index")).map((n) => join(dir, n));
      const verify = dumpLog(["--verify-index-only", "--files", indexes.join(",")]);
      expect(verify).not.toMatch(/mismatch|out of order|Exception|not found/i);
      const sanity = dumpLog(["--index-sanity-check", "--files", indexes.join(",")]);
      expect(sanity.match(/passed sanity check/g)?.length).toBe(indexes.length);
      const logs = names.filter((n) => n.endsWith(".log")).map((n) => join(dir, n));
      const deep = dumpLog(["--deep-iteration", "--files", logs.join(",")]);
      expect(deep).toContain("isvalid: true");
      expect(deep).not.toMatch(/isvalid: false|Exception/);
    }
    const md = dumpLog(["--cluster-metadata-decoder", "--files", join(logDir, "__cluster_metadata-0/00000000000000000000.log")]);
    expect(md).toContain('"type":"TOPIC_RECORD"');
    expect(md).toContain('"type":"PARTITION_RECORD"');
    expect(md).toContain('"type":"CONFIG_RECORD","version":0,"data":{"resourceType":4,"resourceName":"","name":"log.retention.ms","value":"5000"}');
    expect(md).toContain('"type":"CONFIG_RECORD","version":0,"data":{"resourceType":4,"resourceName":"1","name":"log.retention.bytes","value":null}');
  }, 120_000); // seven JVM runs (~2 s each idle): room for a loaded machine
});

describe.if(enabled)(enabled ? "Kafka's DumpLogSegments on a Bunka partition recovered after corruption"
  : "Kafka's DumpLogSegments on a Bunka partition recovered after corruption (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh)", () => {
  test("the cut log and its rebuilt indexes verify; every batch left is valid", () => {
    const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-dump-recovered-"));
    roots.push(root);
    const dir = join(root, "t-0");
    const log = PartitionLog.open(dir, { segmentBytes: 20_000, indexIntervalBytes: 500 });
    for (let i = 0; i < 600; i++) log.append(batchOf(1 + (i % 4), { valueSize: 40, timestamp: 1_700_000_000_000 + i }));
    const bases = log.segmentBaseOffsets;
    expect(bases.length).toBeGreaterThan(3);
    // No close (kill -9); a byte flipped mid-way through the third segment.
    const victim = join(dir, `${String(bases[2]).padStart(20, "0")}.log`);
    const bytes = nodeFs.readFileSync(victim);
    bytes[Math.floor(bytes.length / 2)]! ^= 0x10;
    nodeFs.writeFileSync(victim, bytes);
    const re = PartitionLog.open(dir, { segmentBytes: 20_000, indexIntervalBytes: 500, recoveryPoint: bases[1]! });
    expect(re.segmentBaseOffsets).toEqual(bases.slice(0, 3));
    expect(re.recovery.truncatedBytes).toBeGreaterThan(0);
    re.close();
    const names = nodeFs.readdirSync(dir);
    const indexes = names.filter((n) => n.endsWith("index")).map((n) => join(dir, n));
    const verify = dumpLog(["--verify-index-only", "--files", indexes.join(",")]);
    expect(verify).not.toMatch(/mismatch|out of order|Exception|not found/i);
    const sanity = dumpLog(["--index-sanity-check", "--files", indexes.join(",")]);
    expect(sanity.match(/passed sanity check/g)?.length).toBe(indexes.length);
    const deep = dumpLog(["--deep-iteration", "--files", names.filter((n) => n.endsWith(".log")).map((n) => join(dir, n)).join(",")]);
    expect(deep).toContain("isvalid: true");
    expect(deep).not.toMatch(/isvalid: false|Exception/);
    expect(deep).toContain(`lastOffset: ${re.nextOffset - 1} `);
  }, 120_000);
});

const utf8 = new TextEncoder();

/** A client's batch of "key=value" records (value "null": a tombstone), compressed with `codec`. */
function clientBatch(pairs: [string, string | null][], codec: number, timestamp: number): Uint8Array {
  const plain = buildRecordBatch({
    baseTimestamp: timestamp,
    records: pairs.map(([k, v], i) => ({ key: utf8.encode(k), value: v === null ? null : utf8.encode(v), timestamp: timestamp + i })),
  });
  if (codec === NONE) return plain;
  const body = compress(codec, plain.subarray(RECORD_BATCH_OVERHEAD));
  const out = new Uint8Array(RECORD_BATCH_OVERHEAD + body.length);
  out.set(plain.subarray(0, RECORD_BATCH_OVERHEAD));
  out.set(body, RECORD_BATCH_OVERHEAD);
  const dv = new DataView(out.buffer);
  dv.setInt32(8, out.length - 12);
  dv.setInt16(21, codec);
  new RecordBatchView(out).updateCrc();
  return out;
}

/** DumpLogSegments --deep-iteration --print-data-log output → its batches and records. */
function parseDump(text: string) {
  const batches: { base: number; codec: string; valid: boolean; deleteHorizonMs: number | null }[] = [];
  const records: { offset: number; key: string; value: string | null }[] = [];
  for (const line of text.split("\n")) {
    const b = /^baseOffset: (\d+) .*deleteHorizonMs: OptionalLong(?:\.empty|\[(\d+)\]) .*compresscodec: (\w+) crc: \d+ isvalid: (\w+)/.exec(line);
    if (b) batches.push({ base: Number(b[1]), deleteHorizonMs: b[2] === undefined ? null : Number(b[2]), codec: b[3]!, valid: b[4] === "true" });
    const r = /^\| offset: (\d+) .*valueSize: (-?\d+) .*key: (\S+)(?: payload: (.*))?$/.exec(line);
    if (r) records.push({ offset: Number(r[1]), key: r[3]!, value: r[2] === "-1" ? null : r[4] ?? "" });
  }
  return { batches, records };
}

describe.if(enabled)(enabled ? "Kafka's DumpLogSegments on a compacted, purged Bunka partition"
  : "Kafka's DumpLogSegments on a compacted, purged Bunka partition (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh)", () => {
  test("every batch of every codec reads back with a valid CRC; each key once, with its newest value", async () => {
    const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-dump-cleaned-"));
    roots.push(root);
    const dir = join(root, "c-0");
    const log = PartitionLog.open(dir, { segmentBytes: 1024, indexIntervalBytes: 100, fileDeleteDelayMs: 0 });
    const now = Date.now();
    const policy: CompactionPolicy = {
      compactEnabled: true, minCleanableDirtyRatio: 0.01, minCompactionLagMs: 0, maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
      deleteRetentionMs: 1000, segmentBytes: 1024,
    };
    const codecs = [NONE, GZIP, SNAPPY, LZ4, ZSTD];
    const written: { offset: number; key: string; value: string | null }[] = [];
    const append = (pairs: [string, string | null][], codec: number, timestamp = now - 3_600_000) => {
      const { baseOffset } = log.append(clientBatch(pairs, codec, timestamp));
      pairs.forEach(([key, value], i) => written.push({ offset: baseOffset + i, key, value }));
    };
    // Twenty rounds over ten keys, one record per batch, the round's codec; key k is last written
    // in round 10 + k, so the newest values sit in batches of every codec. The first six rounds
    // are two days old. "gone" is deleted early, "late" late. Values are hex noise (compression
    // must not shrink the segments below the index interval).
    let seed = 1;
    const noise = () => Array.from({ length: 12 }, () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31).toString(16)).join("");
    for (let round = 0; round < 20; round++) {
      const codec = codecs[round % codecs.length]!;
      for (let k = 0; k < 10; k++) {
        if (round > 10 + k || ((k + round) % 3 === 0 && round !== 10 + k)) continue;
        append([[`key${k}`, `r${round}-${codecName(codec)}-${noise()}`]], codec, round < 6 ? now - 2 * 86_400_000 : now - 3_600_000);
      }
      if (round === 8) append([["gone", "x"]], GZIP);
      if (round === 10) append([["gone", null]], SNAPPY);
    }
    append([["late", "1"]], LZ4);
    append([["late", null]], ZSTD);
    log.roll();
    append([["active", "a"]], NONE);

    // Retention (retention.ms one day) removes the old segments; DeleteRecords moves the start
    // into the middle of the next one.
    expect(log.deleteOldSegments({ deleteEnabled: true, retentionMs: 86_400_000, retentionBytes: -1 }, now)).toBeGreaterThan(0);
    const logStart = log.deleteRecordsBefore(log.logStartOffset + 2) as number;
    expect(logStart).toBeGreaterThan(log.segmentBaseOffsets[0]!);
    expect(log.segmentCount).toBeGreaterThan(5);

    const logFiles = () => nodeFs.readdirSync(dir).filter((n) => n.endsWith(".log")).sort().map((n) => join(dir, n));
    // First pass: duplicates go, both tombstones stay, their batches stamped with a delete
    // horizon of now + 1 s (KIP-534), which Kafka reads back.
    expect(await cleanLog(log, logStart, policy, DEFAULT_BUDGET, now)).not.toBeNull();
    const first = parseDump(dumpLog(["--deep-iteration", "--print-data-log", "--files", logFiles().join(",")]));
    const tombstones = first.records.filter((r) => r.value === null);
    expect(tombstones.map((r) => r.key)).toEqual(["gone", "late"]);
    for (const t of tombstones) {
      const batch = first.batches.findLast((b) => b.base <= t.offset)!;
      expect(batch.deleteHorizonMs).toBe(now + policy.deleteRetentionMs);
    }
    // New dirty data, then a second pass after the horizon: both tombstones go.
    const firstDirty = log.segmentBaseOffsets.at(-1)!;
    append([["key1", "after-cleaning"]], GZIP);
    log.roll();
    append([["tail", "t"]], SNAPPY);
    expect(await cleanLog(log, firstDirty, policy, DEFAULT_BUDGET, now + 2000)).not.toBeNull();
    expect(log.logStartOffset).toBe(logStart);
    log.close();
    const newest = new Map<string, { offset: number; key: string; value: string | null }>();
    for (const r of written) if (r.offset >= logStart) newest.set(r.key, r);
    newest.delete("gone");
    newest.delete("late");
    const expected = [...newest.values()].sort((a, b) => a.offset - b.offset);

    const dump = dumpLog(["--deep-iteration", "--print-data-log", "--files", logFiles().join(",")]);
    expect(dump).not.toMatch(/Exception|isvalid: false|Found \d+ invalid/i);
    const { batches, records } = parseDump(dump);
    expect(batches.every((b) => b.valid)).toBe(true);
    expect(new Set(batches.map((b) => b.codec))).toEqual(new Set(["none", "gzip", "snappy", "lz4", "zstd"]));
    // From the log start on, each key once, at its newest offset with its newest value (records
    // below the log start that the first segment may still hold are not the log's any more).
    expect(records.filter((r) => r.offset >= logStart)).toEqual(expected);
    expect(records.filter((r) => r.key === "gone" || r.key === "late")).toEqual([]);
    expect(batches.filter((b) => b.deleteHorizonMs !== null)).toEqual([]);

    const snapshotFiles = nodeFs.readdirSync(dir).filter((n) => n.endsWith(".snapshot")).map((n) => join(dir, n));
    const snapshots = dumpLog(["--files", snapshotFiles.join(",")]);
    expect(snapshots).not.toMatch(/Exception/);

    // A segment the cleaner wrote gets its .index and .timeindex when first read (segment.ts);
    // read the log one batch at a time, as consumers would, then check every index.
    const reopened = PartitionLog.open(dir, { segmentBytes: 1024, indexIntervalBytes: 100 });
    for (let offset = logStart; offset < reopened.nextOffset;) {
      const res = reopened.read(offset, 1, true);
      if (res === "out-of-range" || res.batches.length === 0) throw new Error(`read at ${offset}: ${res}`);
      offset = new RecordBatchView(res.batches[0]!).nextOffset;
    }
    reopened.close();
    const after = nodeFs.readdirSync(dir);
    const indexes = after.filter((n) => n.endsWith(".index") || n.endsWith(".timeindex")).map((n) => join(dir, n));
    expect(indexes.length).toBe(2 * after.filter((n) => n.endsWith(".log")).length);
    const verify = dumpLog(["--verify-index-only", "--files", indexes.join(",")]);
    expect(verify).not.toMatch(/mismatch|out of order|Exception|not found/i);
    const sanity = dumpLog(["--index-sanity-check", "--files", indexes.join(",")]);
    // Kafka checks only the non-empty ones ("is empty." otherwise); some offset indexes have entries.
    expect((sanity.match(/passed sanity check/g)?.length ?? 0) + (sanity.match(/ is empty\./g)?.length ?? 0)).toBe(indexes.length);
    expect(sanity).toMatch(/\.index passed sanity check/);
  }, 120_000);
});
