// __transaction_state: the record format against bytes Kafka 4.3.1 wrote, and the coordinator on
// the real topic (LogStore on a MemoryFileSystem) surviving a power loss mid-commit.

import { describe, expect, test } from "bun:test";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import type { TransactionMarker } from "../../src/records/control-batch.ts";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { TransactionCoordinator, type TransactionMarkerWriter } from "../../src/transactions/transaction-coordinator.ts";
import {
  decodeTransactionRecord, encodeTransactionRecord, TRANSACTION_STATE_TOPIC, TransactionStateTopicLog,
} from "../../src/transactions/transaction-log.ts";
import { txnStateName } from "../../src/transactions/transaction-metadata.ts";

const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));

// Records of one transactional id in __transaction_state-0 of a Kafka 4.3.1 broker (the Java
// client of test/interop/java/Transactions.java; transaction.version 2): state id, key, value.
const KAFKA_RECORDS: [number, string, string][] = [
  [0, "0000001074786e2d69642d366e77397538726277", "00010000000000000000000000004e200000000001a2329045ceffffffffffffffff0100080000000000000000"],
  [1, "0000001074786e2d69642d366e77397538726277", "00010000000000000000000000004e2001020e74786e2d366e77397538726277020000000000000001a2329047e0000001a2329047e0020008000000000000000002020002"],
  [2, "0000001074786e2d69642d366e77397538726277", "00010000000000000000000100004e2002020e74786e2d366e7739753872627703000000000000000100000001a2329048c5000001a2329047e0020008000000000000000002020002"],
  [4, "0000001074786e2d69642d366e77397538726277", "00010000000000000000000100004e200401000001a2329048d3000001a2329047e0020008000000000000000002020002"],
  [3, "0000001074786e2d69642d366e77397538726277", "00010000000000000000000200004e2003020e74786e2d366e7739753872627703000000000000000100000001a232904a21000001a232904a06020008000000000000000002020002"],
  [5, "0000001074786e2d69642d366e77397538726277", "00010000000000000000000200004e200501000001a232904a22000001a232904a06020008000000000000000002020002"],
];

describe("record format", () => {
  test("Kafka's records decode, and encode back to the same bytes", () => {
    for (const [state, key, value] of KAFKA_RECORDS) {
      const rec = decodeTransactionRecord(hex(key), hex(value))!;
      expect(rec.transactionalId).toBe("txn-id-6nw9u8rbw");
      expect(rec.value!.state).toBe(state as never);
      expect(rec.value!.txnTimeoutMs).toBe(20_000);
      const again = encodeTransactionRecord(rec);
      expect(Buffer.from(again.key).toString("hex")).toBe(key);
      expect(Buffer.from(again.value!).toString("hex")).toBe(value);
    }
    const ongoing = decodeTransactionRecord(hex(KAFKA_RECORDS[2]![1]), hex(KAFKA_RECORDS[2]![2]))!.value!;
    expect([...ongoing.partitions].map(([t, ps]) => [t, [...ps]])).toEqual([["txn-6nw9u8rbw", [0, 1]]]);
    expect([ongoing.producerEpoch, ongoing.clientTransactionVersion]).toEqual([1, 2]);
  });

  test("an expired id is a tombstone", () => {
    const rec = decodeTransactionRecord(hex(KAFKA_RECORDS[0]![1]), null);
    expect(rec).toEqual({ transactionalId: "txn-id-6nw9u8rbw", value: null });
    expect(encodeTransactionRecord({ transactionalId: "x", value: null }).value).toBeNull();
  });
});

class HeldMarkers implements TransactionMarkerWriter {
  held = true;
  readonly written: string[] = [];
  async write(topic: string, partition: number, marker: TransactionMarker): Promise<number> {
    if (this.held) return new Promise<number>(() => {}); // never: the broker dies first
    this.written.push(`${topic}-${partition}:${marker.commit}`);
    return ErrorCode.NONE;
  }
}

function coordinatorOn(fs: MemoryFileSystem, markers: TransactionMarkerWriter) {
  const store = LogStore.open({ logDirs: ["/data"], fs, fsyncBeforeAck: true });
  const records = new TransactionStateTopicLog(store, { nodeId: 1, numPartitions: 5, segmentBytes: 1 << 20, log: () => {} });
  let next = store.metadata.nextProducerIdBlockStart;
  const coordinator = new TransactionCoordinator(records, new ManualScheduler(), {
    transactionMaxTimeoutMs: 900_000, transactionalIdExpirationMs: 604_800_000, abortTimedOutTransactionsIntervalMs: 10_000,
    removeExpiredTransactionalIdsIntervalMs: 3_600_000, transactionVersionLevel: () => 2,
  }, () => next++, markers, () => 0, () => {});
  coordinator.load();
  return { store, coordinator };
}

describe("on the real topic", () => {
  test("what was answered survives a power loss; a commit cut short by it completes after the restart", async () => {
    const fs = new MemoryFileSystem();
    const first = coordinatorOn(fs, new HeldMarkers());
    const p = await first.coordinator.initProducerId("tx", 60_000, null);
    expect(p.errorCode).toBe(0);
    expect(await first.coordinator.addPartitions("tx", p.producerId, 0, new Map([["a", new Set([0, 1])]]), 0)).toBe(0);
    expect((await first.coordinator.handleEndTransaction("tx", p.producerId, 0, true, 0)).errorCode).toBe(0);
    expect(first.store.metadata.topicsByName.get(TRANSACTION_STATE_TOPIC)!.partitions.length).toBe(5);
    first.coordinator.shutdown();
    fs.crash({ loseUnsynced: true });

    const markers = new HeldMarkers();
    markers.held = false;
    const second = coordinatorOn(fs, markers);
    for (let i = 0; i < 10; i++) await Bun.sleep(1);
    expect(markers.written.sort()).toEqual(["a-0:true", "a-1:true"]);
    const m = second.coordinator.transaction("tx")!;
    expect([txnStateName(m.state), m.producerId, m.producerEpoch]).toEqual(["CompleteCommit", p.producerId, 0]);
    second.coordinator.shutdown();
    second.store.close();
  }, 10_000);
});
