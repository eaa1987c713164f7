// Bunka opening a partition directory that Kafka 4.3.1 wrote with aborted transactions
// (test/fixtures/kafka-txn, see its README): the .txnindex is read as Kafka wrote it, the LSO and
// producer state match, and after an unclean shutdown recovery rebuilds Kafka's .txnindex byte
// for byte.

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { RecordBatchView, TRANSACTIONAL_MASK } from "../../src/records/record-batch.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/kafka-txn/tx-0");
const TXN_INDEX = "00000000000000000000.txnindex";
const roots: string[] = [];
afterAll(() => {
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});

function copy(): string {
  const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-kafka-txn-"));
  roots.push(root);
  const dir = join(root, "tx-0");
  nodeFs.cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

const KAFKA_ABORTED = [
  { producerId: 0, firstOffset: 1, lastOffset: 5, lastStableOffset: 3 },
  { producerId: 1, firstOffset: 3, lastOffset: 6, lastStableOffset: 7 },
  { producerId: 0, firstOffset: 9, lastOffset: 11, lastStableOffset: 12 },
];

describe("Kafka 4.3.1's partition with aborted transactions", () => {
  test("clean open: Kafka's .txnindex and snapshot are read as written", () => {
    const dir = copy();
    const log = PartitionLog.open(dir, { hadCleanShutdown: true, producerIdExpirationMs: Infinity });
    try {
      expect(log.nextOffset).toBe(12);
      expect(log.lastStableOffset).toBe(12);
      expect(log.producerState.loadedSnapshotOffset).toBe(12);
      expect(log.abortedTransactions(0, 12)).toEqual(KAFKA_ABORTED);
      // A read_committed fetch from offset 7 up to 10 needs only the last abort.
      expect(log.abortedTransactions(7, 10).map((t) => t.firstOffset)).toEqual([9]);
      const byId = new Map(log.describeProducers().map((p) => [p.producerId, p]));
      expect(byId.get(0)).toMatchObject({ producerEpoch: 3, currentTxnStartOffset: -1 });
      expect(byId.get(1)).toMatchObject({ producerEpoch: 1, currentTxnStartOffset: -1 });
      expect(byId.get(2)).toMatchObject({ producerEpoch: 0, lastSequence: 1 });
      // TV2: the next marker for producer 0 must carry epoch 4 or more.
      expect(() => log.appendTransactionMarker({ producerId: 0, producerEpoch: 2, coordinatorEpoch: 0, commit: true }, Date.now(), { transactionVersion: 2 }))
        .toThrow("which is <= the last seen epoch 3 (TV2)");
    } finally {
      log.close();
    }
  });

  test("unclean open without the .txnindex: recovery writes Kafka's file again, byte for byte", () => {
    const dir = copy();
    const kafkaIndex = nodeFs.readFileSync(join(dir, TXN_INDEX));
    expect(kafkaIndex.length).toBe(3 * 34);
    nodeFs.rmSync(join(dir, TXN_INDEX));
    for (const name of nodeFs.readdirSync(dir)) if (name.endsWith(".snapshot")) nodeFs.rmSync(join(dir, name));
    const log = PartitionLog.open(dir, { hadCleanShutdown: false, recoveryPoint: 0, producerIdExpirationMs: Infinity });
    try {
      expect(log.recovery.segmentsValidated).toBe(1);
      expect(new Uint8Array(nodeFs.readFileSync(join(dir, TXN_INDEX)))).toEqual(new Uint8Array(kafkaIndex));
      expect(log.abortedTransactions(0, 12)).toEqual(KAFKA_ABORTED);
      // Read up to the LSO: every batch, markers included.
      const read = log.read(0, 1 << 20, true, log.lastStableOffset);
      if (read === "out-of-range") throw new Error("out of range");
      expect(read.batches.map((b) => new RecordBatchView(b).baseOffset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    } finally {
      log.close();
    }
  });
});

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const interop = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile);

describe.if(interop)(interop ? "Kafka's DumpLogSegments on Bunka's transactions"
  : "Kafka's DumpLogSegments on Bunka's transactions (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh)", () => {
  test("Kafka reads Bunka's .txnindex entries and markers as it reads its own", () => {
    const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-txn-dump-"));
    roots.push(root);
    const dir = join(root, "tx-0");
    const log = PartitionLog.open(dir, {});
    // The same history as Kafka's fixture (README): markers with TV2's bumped epochs.
    const utf8 = new TextEncoder();
    const data = (pid: number, epoch: number, seq: number, transactional: boolean, value: string) => buildRecordBatch({
      attributes: transactional ? TRANSACTIONAL_MASK : 0, producerId: pid, producerEpoch: epoch, baseSequence: seq,
      baseTimestamp: 1_700_000_000_000, records: [{ key: utf8.encode("k"), value: utf8.encode(value) }],
    });
    const marker = (producerId: number, producerEpoch: number, commit: boolean) =>
      log.appendTransactionMarker({ producerId, producerEpoch, coordinatorEpoch: 0, commit }, 1_700_000_000_000, { transactionVersion: 2 });
    log.append(data(2, 0, 0, false, "plain-0"));
    log.append(data(0, 0, 0, true, "p1-a"));
    log.append(data(0, 0, 1, true, "p1-b"));
    log.append(data(1, 0, 0, true, "p2-a"));
    log.append(data(1, 0, 1, true, "p2-b"));
    marker(0, 1, false);
    marker(1, 1, false);
    log.append(data(0, 1, 0, true, "p1-c"));
    marker(0, 2, true);
    log.append(data(0, 2, 0, true, "p1-d"));
    log.append(data(2, 0, 1, false, "plain-1"));
    marker(0, 3, false);
    log.close();
    expect(new Uint8Array(nodeFs.readFileSync(join(dir, TXN_INDEX)))).toEqual(new Uint8Array(nodeFs.readFileSync(join(FIXTURE, TXN_INDEX))));
    const cp = nodeFs.readFileSync(classpathFile, "utf8").trim();
    const dump = (file: string, ...extra: string[]) => {
      const r = Bun.spawnSync(["java", "-cp", cp, "org.apache.kafka.tools.DumpLogSegments", ...extra, "--files", file], { stderr: "pipe" });
      return r.stdout.toString() + r.stderr.toString();
    };
    const index = dump(join(dir, TXN_INDEX));
    expect(index).toContain("version: 0 producerId: 0 firstOffset: 1 lastOffset: 5 lastStableOffset: 3");
    expect(index).toContain("version: 0 producerId: 1 firstOffset: 3 lastOffset: 6 lastStableOffset: 7");
    expect(index).toContain("version: 0 producerId: 0 firstOffset: 9 lastOffset: 11 lastStableOffset: 12");
    const markers = dump(join(dir, "00000000000000000000.log"), "--print-data-log").split("\n").filter((l) => l.includes("endTxnMarker"));
    expect(markers.map((l) => l.replace(/.*endTxnMarker: /, ""))).toEqual(["ABORT coordinatorEpoch: 0", "ABORT coordinatorEpoch: 0", "COMMIT coordinatorEpoch: 0", "ABORT coordinatorEpoch: 0"]);
  }, 60_000);
});
