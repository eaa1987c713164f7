// Idempotent-producer state (src/storage/producer-state.ts) through real PartitionLogs in temp
// dirs: Kafka's sequence rules, snapshots in Kafka's format, rebuilds after a crash, and the
// producer-id blocks of the cluster metadata.

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { PartitionLog, type PartitionLogOptions } from "../../src/storage/partition-log.ts";
import {
  decodeProducerSnapshot, encodeProducerSnapshot, incrementSequence, decrementSequence, type ProducerBatchHeader,
} from "../../src/storage/producer-state.ts";
import { ClusterMetadata, CLUSTER_METADATA_DIR } from "../../src/storage/cluster-metadata.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView, TRANSACTIONAL_MASK } from "../../src/records/record-batch.ts";

const KAFKA = join(import.meta.dir, "../fixtures/kafka-logdir");
const CODECRAFTERS = join(import.meta.dir, "../fixtures/codecrafters-logdir");
const INT32_MAX = 2147483647;
const utf8 = new TextEncoder();

const tmpRoots: string[] = [];
function tmpDir(): string {
  const d = nodeFs.mkdtempSync(join(tmpdir(), "bunka-producer-state-"));
  tmpRoots.push(d);
  return d;
}
afterAll(() => {
  for (const d of tmpRoots) nodeFs.rmSync(d, { recursive: true, force: true });
});

function open(dir: string, opts: PartitionLogOptions = {}): PartitionLog {
  return PartitionLog.open(dir, { topicId: "0123456789abcdef0123456789abcdef", ...opts });
}

/** An idempotent batch of `count` records (timestamps now, so nothing expires). */
function idem(producerId: number, epoch: number, baseSequence: number, count = 1, opts: { valueSize?: number; attributes?: number } = {}): Uint8Array {
  return buildRecordBatch({
    producerId, producerEpoch: epoch, baseSequence, attributes: opts.attributes,
    records: Array.from({ length: count }, (_, i) => ({ value: opts.valueSize ? new Uint8Array(opts.valueSize) : utf8.encode(`p${producerId}-s${baseSequence + i}`) })),
  });
}

function header(bytes: Uint8Array): ProducerBatchHeader {
  const v = new RecordBatchView(bytes);
  return { producerId: v.producerId, producerEpoch: v.producerEpoch, baseSequence: v.baseSequence, lastOffsetDelta: v.lastOffsetDelta, isTransactional: v.isTransactional };
}

/** What Produce does: check, then append unless it is a duplicate or refused. */
function produce(log: PartitionLog, bytes: Uint8Array): string | number {
  const verdict = log.producerState.check(header(bytes), log.nextOffset);
  if (verdict.kind === "duplicate") return `dup@${verdict.firstOffset}`;
  if (verdict.kind !== "append") return verdict.kind;
  return log.append(bytes).baseOffset;
}

describe("sequence rules (Kafka's ProducerAppendInfo)", () => {
  test("in order, duplicates of the last 5 batches, gaps, epochs", () => {
    const log = open(tmpDir());
    expect(produce(log, idem(7, 0, 0, 3))).toBe(0);
    expect(produce(log, idem(7, 0, 3, 2))).toBe(3);
    // A retry of either batch is a duplicate: original offset, nothing appended.
    expect(produce(log, idem(7, 0, 0, 3))).toBe("dup@0");
    expect(produce(log, idem(7, 0, 3, 2))).toBe("dup@3");
    expect(log.nextOffset).toBe(5);
    // Same base sequence, another last sequence: not a duplicate, out of order.
    expect(produce(log, idem(7, 0, 0, 2))).toBe("out-of-order");
    expect(produce(log, idem(7, 0, 9))).toBe("out-of-order"); // gap
    expect(produce(log, idem(7, 0, 4))).toBe("out-of-order"); // overlap
    // A new epoch must start at 0.
    expect(produce(log, idem(7, 1, 5))).toBe("out-of-order");
    expect(produce(log, idem(7, 1, 0))).toBe(5);
    // The old epoch is fenced, its duplicates too.
    expect(produce(log, idem(7, 0, 5))).toBe("invalid-epoch");
    expect(produce(log, idem(7, 0, 0, 3))).toBe("invalid-epoch");
    // An unknown producer is accepted at any sequence (Kafka since KIP-360).
    expect(produce(log, idem(8, 0, 42))).toBe(6);
    expect(produce(log, idem(8, 0, 43))).toBe(7);
    expect(log.nextOffset).toBe(8);
  });

  test("only the last 5 batches are remembered", () => {
    const log = open(tmpDir());
    const batches = Array.from({ length: 6 }, (_, i) => idem(1, 0, i));
    for (const b of batches) produce(log, b);
    expect(produce(log, batches[0]!)).toBe("out-of-order");
    expect(produce(log, batches[1]!)).toBe("dup@1");
    expect(produce(log, batches[5]!)).toBe("dup@5");
    expect(log.producerState.entry(1)!.batches.length).toBe(5);
  });

  test("sequences wrap from Int32 max to 0", () => {
    expect(incrementSequence(INT32_MAX, 1)).toBe(0);
    expect(incrementSequence(INT32_MAX - 1, 3)).toBe(1);
    expect(decrementSequence(1, 3)).toBe(INT32_MAX - 1);
    const log = open(tmpDir());
    expect(produce(log, idem(3, 0, INT32_MAX))).toBe(0);
    expect(produce(log, idem(3, 0, 0))).toBe(1);
    const spanning = idem(4, 0, INT32_MAX - 1, 3); // INT32_MAX-1, INT32_MAX, 0
    expect(produce(log, spanning)).toBe(2);
    expect(produce(log, spanning)).toBe("dup@2");
    expect(produce(log, idem(4, 0, 2))).toBe("out-of-order");
    expect(produce(log, idem(4, 0, 1))).toBe(5);
  });

  test("batches without a producer id leave no state", () => {
    const log = open(tmpDir());
    log.append(buildRecordBatch({ records: [{ value: utf8.encode("x") }] }));
    expect(log.producerState.size).toBe(0);
  });

  test("while a transactional batch is verified, nothing above its sequence gets in (Kafka's VerificationStateEntry)", () => {
    const log = open(tmpDir());
    const txn = (epoch: number, seq: number, count: number) => idem(9, epoch, seq, count, { attributes: TRANSACTIONAL_MASK });
    // Batches 0-2 and 3-5 both went to the coordinator; 0-2 was refused (CONCURRENT_TRANSACTIONS),
    // so 3-5 must not be appended first: 0-2 would meet out-of-order on every retry.
    log.startTransactionVerification(9, 0, 0);
    log.startTransactionVerification(9, 0, 3);
    expect(produce(log, txn(0, 3, 3))).toBe("out-of-order");
    expect(produce(log, txn(0, 0, 3))).toBe(0);
    // The transaction is open: the guard is gone and the sequence rules apply.
    expect(log.hasOngoingTransaction(9, 0)).toBe(true);
    expect(produce(log, txn(0, 3, 3))).toBe(3);
    // A lower sequence seen later lowers the guard; a higher epoch starts it over.
    const other = open(tmpDir());
    other.startTransactionVerification(9, 0, 6);
    other.startTransactionVerification(9, 0, 3);
    expect(produce(other, txn(0, 6, 1))).toBe("out-of-order");
    other.startTransactionVerification(9, 1, 5);
    expect(produce(other, txn(1, 6, 1))).toBe("out-of-order");
    expect(produce(other, txn(1, 5, 1))).toBe(0);
  });
});

describe("durability", () => {
  test("clean close writes <log end>.snapshot; reopening loads it and scans nothing", () => {
    const dir = tmpDir();
    let log = open(dir);
    for (let i = 0; i < 4; i++) produce(log, idem(5, 2, i * 2, 2));
    log.close();
    expect(nodeFs.readdirSync(dir).filter((f) => f.endsWith(".snapshot"))).toEqual(["00000000000000000008.snapshot"]);
    log = open(dir);
    expect(log.producerState.loadedSnapshotOffset).toBe(8);
    expect(log.producerState.scannedBatches).toBe(0);
    const e = log.producerState.entry(5)!;
    expect([e.epoch, e.lastSeq, e.batches.length]).toEqual([2, 7, 1]); // a snapshot keeps the last batch
    expect(produce(log, idem(5, 2, 6, 2))).toBe("dup@6");
    expect(produce(log, idem(5, 2, 8))).toBe(8);
    expect(produce(log, idem(5, 2, 3))).toBe("out-of-order");
    log.close();
  });

  test("without close (a crash), the state is rebuilt from the batch headers, all 5 batches", () => {
    const dir = tmpDir();
    const log = open(dir);
    const sent = Array.from({ length: 6 }, (_, i) => idem(9, 0, i, 1));
    for (const b of sent) produce(log, b);
    // no close(): nothing but the segment files is on disk
    expect(nodeFs.readdirSync(dir).some((f) => f.endsWith(".snapshot"))).toBe(false);
    const again = open(dir);
    expect(again.producerState.loadedSnapshotOffset).toBe(-1);
    expect(again.producerState.scannedBatches).toBe(6);
    expect(produce(again, sent[1]!)).toBe("dup@1");
    expect(produce(again, sent[0]!)).toBe("out-of-order");
    expect(produce(again, idem(9, 0, 6))).toBe(6);
    again.close();
  });

  test("a snapshot at every roll; a crash rescans only the batches after the newest", () => {
    const dir = tmpDir();
    const log = open(dir, { segmentBytes: 400 });
    for (let i = 0; i < 12; i++) produce(log, idem(2, 0, i, 1, { valueSize: 100 }));
    const bases = log.segmentBaseOffsets;
    expect(bases.length).toBeGreaterThan(3);
    const snapshots = nodeFs.readdirSync(dir).filter((f) => f.endsWith(".snapshot")).map((f) => Number(f.slice(0, 20)));
    expect(snapshots.sort((a, b) => a - b)).toEqual(bases.slice(1));
    const again = open(dir, { segmentBytes: 400 });
    expect(again.producerState.loadedSnapshotOffset).toBe(bases.at(-1)!);
    expect(again.producerState.scannedBatches).toBe(12 - bases.at(-1)!);
    expect(produce(again, idem(2, 0, 11, 1, { valueSize: 100 }))).toBe("dup@11");
    expect(produce(again, idem(2, 0, 12, 1, { valueSize: 100 }))).toBe(12);
    again.close();
  });

  test("a corrupt snapshot is deleted and the log rescanned; one past the log end is deleted", () => {
    const dir = tmpDir();
    const log = open(dir);
    for (let i = 0; i < 3; i++) produce(log, idem(4, 0, i));
    log.close();
    const snap = join(dir, "00000000000000000003.snapshot");
    const bytes = nodeFs.readFileSync(snap);
    bytes[bytes.length - 1]! ^= 0xff;
    nodeFs.writeFileSync(snap, bytes);
    nodeFs.writeFileSync(join(dir, "00000000000000000099.snapshot"), encodeProducerSnapshot([]));
    const again = open(dir);
    expect(again.producerState.loadedSnapshotOffset).toBe(-1);
    expect(again.producerState.scannedBatches).toBe(3);
    expect(nodeFs.readdirSync(dir).filter((f) => f.endsWith(".snapshot"))).toEqual([]);
    expect(produce(again, idem(4, 0, 2))).toBe("dup@2");
    again.close();
  });

  test("producers idle for producer.id.expiration.ms are dropped on load", () => {
    const dir = tmpDir();
    const log = open(dir);
    log.append(buildRecordBatch({ producerId: 1, producerEpoch: 0, baseSequence: 0, baseTimestamp: Date.now() - 2 * 86_400_000, records: [{ value: null }] }));
    log.append(idem(2, 0, 0));
    expect(log.producerState.size).toBe(2);
    log.close();
    const again = open(dir);
    expect([...again.producerState.entries()].map((e) => e.producerId)).toEqual([2]);
    // The forgotten producer counts as unknown: any sequence goes.
    expect(produce(again, idem(1, 0, 5))).toBe(2);
    again.close();
  });

  test("the metadata log keeps no producer snapshots", () => {
    const dir = tmpDir();
    const md = ClusterMetadata.load({ dir: join(dir, CLUSTER_METADATA_DIR) });
    md.createTopic("t", 1, { nodeId: 1 });
    md.close();
    expect(nodeFs.readdirSync(join(dir, CLUSTER_METADATA_DIR)).some((f) => f.endsWith(".snapshot"))).toBe(false);
  });
});

describe("Kafka's files", () => {
  test("Kafka 4.3.1's snapshot decodes and re-encodes byte for byte", () => {
    const bytes = new Uint8Array(nodeFs.readFileSync(join(KAFKA, "fixture-topic-0/00000000000000000040.snapshot")));
    const entries = decodeProducerSnapshot(bytes);
    const summary = entries.map((e) => ({
      id: e.producerId, epoch: e.epoch, lastSeq: e.lastSeq, lastOffset: e.batches[0]!.lastOffset,
      delta: e.batches[0]!.offsetDelta, ts: e.lastTimestamp, coordinatorEpoch: e.coordinatorEpoch, txn: e.currentTxnFirstOffset,
    }));
    // What the fixture README's DumpLogSegments shows: producer 1 last wrote offsets 6-7
    // (sequences 3-4), producer 0 offsets 3-5 (sequences 0-2, gzip).
    expect(summary.sort((a, b) => a.id - b.id)).toEqual([
      { id: 0, epoch: 0, lastSeq: 2, lastOffset: 5, delta: 2, ts: 1700000000012, coordinatorEpoch: -1, txn: -1 },
      { id: 1, epoch: 0, lastSeq: 4, lastOffset: 7, delta: 1, ts: 1700000000031, coordinatorEpoch: -1, txn: -1 },
    ]);
    expect(Buffer.from(encodeProducerSnapshot(entries)).equals(Buffer.from(bytes))).toBe(true);
  });

  test("rebuilt from Kafka's log without its snapshot, the state is what Kafka's snapshot holds", () => {
    const dir = tmpDir();
    nodeFs.cpSync(join(KAFKA, "fixture-topic-0"), join(dir, "fixture-topic-0"), { recursive: true });
    const kafkaBytes = new Uint8Array(nodeFs.readFileSync(join(dir, "fixture-topic-0/00000000000000000040.snapshot")));
    const kafkaSnapshot = decodeProducerSnapshot(kafkaBytes);
    nodeFs.rmSync(join(dir, "fixture-topic-0/00000000000000000040.snapshot"));
    // The fixture's timestamps are from 2023: keep the producers from expiring.
    const log = PartitionLog.open(join(dir, "fixture-topic-0"), { producerIdExpirationMs: Number.MAX_SAFE_INTEGER });
    expect(log.producerState.scannedBatches).toBe(18);
    const ours = [...log.producerState.entries()].map((e) => [e.producerId, e.epoch, e.lastSeq, e.batches.at(-1)!.lastOffset, e.lastTimestamp]);
    const theirs = kafkaSnapshot.map((e) => [e.producerId, e.epoch, e.lastSeq, e.batches.at(-1)!.lastOffset, e.lastTimestamp]);
    expect(ours.sort()).toEqual(theirs.sort());
    // The state written at close is Kafka's snapshot, byte for byte.
    log.close();
    const written = nodeFs.readFileSync(join(dir, "fixture-topic-0/00000000000000000040.snapshot"));
    expect(written.equals(Buffer.from(kafkaBytes))).toBe(true);
  });

  test("Kafka's snapshot is loaded (and its 2023 producers expire); the CodeCrafters log's producer 0 too", () => {
    const dir = tmpDir();
    nodeFs.cpSync(KAFKA, join(dir, "kafka"), { recursive: true });
    const kept = PartitionLog.open(join(dir, "kafka/fixture-topic-0"), { producerIdExpirationMs: Number.MAX_SAFE_INTEGER });
    expect([kept.producerState.loadedSnapshotOffset, kept.producerState.scannedBatches, kept.producerState.size]).toEqual([40, 0, 2]);
    kept.close();
    const expired = PartitionLog.open(join(dir, "kafka/fixture-topic-0"));
    expect(expired.producerState.size).toBe(0);
    expired.close();
    // The CodeCrafters tester writes every batch with producer 0, epoch 0, sequence 0 (2024
    // timestamps) and later produces the same: the old producer must be forgotten, not a duplicate.
    nodeFs.cpSync(CODECRAFTERS, join(dir, "cc"), { recursive: true });
    const store = LogStore.open({ logDirs: [join(dir, "cc")] });
    const paz = store.partition("paz", 2)!;
    expect(paz.producerState.size).toBe(0);
    const next = paz.nextOffset;
    expect(produce(paz, idem(0, 0, 0, 2))).toBe(next);
    store.close();
  });
});

describe("producer id blocks in __cluster_metadata", () => {
  test("blocks of 1000 recorded as ProducerIdsRecord; a reload continues after the last", () => {
    const dir = join(tmpDir(), CLUSTER_METADATA_DIR);
    let md = ClusterMetadata.load({ dir });
    expect(md.nextProducerIdBlockStart).toBe(0);
    expect(md.allocateProducerIds()).toEqual({ firstProducerId: 0, size: 1000 });
    expect(md.allocateProducerIds(1000, 1)).toEqual({ firstProducerId: 1000, size: 1000 });
    md.close();
    md = ClusterMetadata.load({ dir });
    expect(md.nextProducerIdBlockStart).toBe(2000);
    expect(md.allocateProducerIds().firstProducerId).toBe(2000);
    md.close();
  });

  test("a log dir written by Kafka continues after Kafka's block", () => {
    const dir = tmpDir();
    nodeFs.cpSync(join(KAFKA, CLUSTER_METADATA_DIR), join(dir, CLUSTER_METADATA_DIR), { recursive: true });
    const md = ClusterMetadata.load({ dir: join(dir, CLUSTER_METADATA_DIR) });
    expect(md.nextProducerIdBlockStart).toBe(1000); // PRODUCER_IDS_RECORD nextProducerId=1000
    expect(md.allocateProducerIds().firstProducerId).toBe(1000);
    md.close();
  });
});

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const interop = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile);

describe.if(interop)(interop ? "Kafka's DumpLogSegments on Bunka's producer snapshot"
  : "Kafka's DumpLogSegments on Bunka's producer snapshot (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh)", () => {
  test("Kafka reads every entry, wrapped sequences and large ids included", () => {
    const dir = join(tmpDir(), "t-0");
    const log = open(dir);
    for (let i = 0; i < 3; i++) log.append(idem(77, 2, i * 2, 2));
    log.append(idem(1234567890123, 0, INT32_MAX - 1, 3));
    log.close();
    const cp = nodeFs.readFileSync(classpathFile, "utf8").trim();
    const r = Bun.spawnSync(["java", "-cp", cp, "org.apache.kafka.tools.DumpLogSegments", "--files", join(dir, "00000000000000000009.snapshot")], { stderr: "pipe" });
    const lines = r.stdout.toString().split("\n").filter((l) => l.startsWith("producerId:"));
    expect(lines.length).toBe(2);
    expect(lines[0]).toMatch(/^producerId: 77 producerEpoch: 2 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: \d+ firstSequence: 4 lastSequence: 5 lastOffset: 5 offsetDelta: 1 /);
    expect(lines[1]).toMatch(/^producerId: 1234567890123 producerEpoch: 0 .* firstSequence: 2147483646 lastSequence: 0 lastOffset: 8 offsetDelta: 2 /);
  });
});
