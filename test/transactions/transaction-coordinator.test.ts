// The transaction coordinator against a memory __transaction_state, a fake marker writer and the
// ManualScheduler: Kafka's state machine, fencing, timeouts, expiration, durability and restart.

import { describe, expect, test } from "bun:test";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import type { TransactionMarker } from "../../src/records/control-batch.ts";
import { MemoryTransactionLog, partitionForTransactionalId } from "../../src/transactions/transaction-log.ts";
import {
  TransactionCoordinator, type TransactionCoordinatorConfig, type TransactionMarkerWriter,
} from "../../src/transactions/transaction-coordinator.ts";
import { TxnState, txnStateName } from "../../src/transactions/transaction-metadata.ts";

interface WrittenMarker extends TransactionMarker {
  topic: string;
  partition: number;
}

class FakeMarkers implements TransactionMarkerWriter {
  readonly written: WrittenMarker[] = [];
  /** While set, writes wait (a slow partition); release() lets them through. */
  private held: (() => void)[] | null = null;
  /** Errors to answer for the next writes, in order. */
  readonly errors: number[] = [];

  hold(): void {
    this.held = [];
  }

  release(): void {
    const waiting = this.held ?? [];
    this.held = null;
    for (const go of waiting) go();
  }

  async write(topic: string, partition: number, marker: TransactionMarker): Promise<number> {
    if (this.held !== null) await new Promise<void>((resolve) => this.held!.push(resolve));
    const error = this.errors.shift();
    if (error !== undefined && error !== ErrorCode.NONE) return error;
    this.written.push({ topic, partition, ...marker });
    return ErrorCode.NONE;
  }
}

const CONFIG: TransactionCoordinatorConfig = {
  transactionMaxTimeoutMs: 900_000,
  transactionalIdExpirationMs: 604_800_000,
  abortTimedOutTransactionsIntervalMs: 10_000,
  removeExpiredTransactionalIdsIntervalMs: 3_600_000,
  transactionVersionLevel: () => 2,
  retryBackoffMs: 100,
};

function setup(opts: { log?: MemoryTransactionLog; firstId?: number; config?: Partial<TransactionCoordinatorConfig> } = {}) {
  const log = opts.log ?? new MemoryTransactionLog(50);
  const scheduler = new ManualScheduler();
  const markers = new FakeMarkers();
  let nextId = opts.firstId ?? 1000;
  const messages: string[] = [];
  const coordinator = new TransactionCoordinator(log, scheduler, { ...CONFIG, ...opts.config }, () => nextId++, markers,
    (groupId) => groupId.length % 50, (m) => messages.push(m));
  coordinator.load();
  return { log, scheduler, markers, coordinator, messages };
}

/** Lets the coordinator's promise chains (marker writes, completion) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  await Bun.sleep(0);
}

const tp = (topic: string, ...partitions: number[]) => new Map([[topic, new Set(partitions)]]);

function stateOf(c: TransactionCoordinator, id: string): string {
  const m = c.transaction(id);
  return m === undefined ? "none" : txnStateName(m.state);
}

describe("InitProducerId", () => {
  test("a new id gets a producer id at epoch 0; each init bumps the epoch; all of it is in the log", async () => {
    const { coordinator, log } = setup();
    expect(await coordinator.initProducerId("tx", 60_000, null)).toEqual({ errorCode: 0, producerId: 1000, producerEpoch: 0 });
    expect(await coordinator.initProducerId("tx", 60_000, null)).toEqual({ errorCode: 0, producerId: 1000, producerEpoch: 1 });
    const records = log.records;
    expect(records.map((r) => [r.transactionalId, r.value!.state, r.value!.producerEpoch])).toEqual([["tx", TxnState.Empty, 0], ["tx", TxnState.Empty, 1]]);
    expect(log.appended.every((a) => a.partition === partitionForTransactionalId("tx", 50))).toBe(true);
  }, 5000);

  test("bad requests: empty id, timeout above transaction.max.timeout.ms or not positive", async () => {
    const { coordinator } = setup();
    expect((await coordinator.initProducerId("", 60_000, null)).errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect((await coordinator.initProducerId("tx", 900_001, null)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect((await coordinator.initProducerId("tx", 0, null)).errorCode).toBe(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    expect(coordinator.transaction("tx")).toBeUndefined();
  }, 5000);

  test("KIP-360: the expected producer must be this id's; its epoch bumps, a retry of the last bump is answered again", async () => {
    const { coordinator } = setup();
    const first = await coordinator.initProducerId("tx", 60_000, null);
    expect(await coordinator.initProducerId("tx", 60_000, { producerId: 7, producerEpoch: 0 })).toMatchObject({ errorCode: ErrorCode.PRODUCER_FENCED });
    const bumped = await coordinator.initProducerId("tx", 60_000, { producerId: first.producerId, producerEpoch: 0 });
    expect(bumped).toEqual({ errorCode: 0, producerId: 1000, producerEpoch: 1 });
    // The answer was lost; the producer retries with the epoch it had.
    expect(await coordinator.initProducerId("tx", 60_000, { producerId: first.producerId, producerEpoch: 0 })).toEqual(bumped);
    // An epoch that is neither the current nor the last one.
    expect((await coordinator.initProducerId("tx", 60_000, { producerId: 1000, producerEpoch: 5 })).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  }, 5000);

  test("epochs exhausted: a new producer id at epoch 0", async () => {
    const { coordinator } = setup();
    await coordinator.initProducerId("tx", 60_000, null);
    coordinator.transaction("tx")!.producerEpoch = 32766;
    expect(await coordinator.initProducerId("tx", 60_000, null)).toEqual({ errorCode: 0, producerId: 1001, producerEpoch: 0 });
    expect(coordinator.transaction("tx")!.previousProducerId).toBe(1000);
  }, 5000);

  test("an ongoing transaction is fenced: aborted at a bumped epoch, CONCURRENT_TRANSACTIONS until done, then the next epoch", async () => {
    const { coordinator, markers } = setup();
    const p = await coordinator.initProducerId("tx", 60_000, null);
    expect(await coordinator.addPartitions("tx", p.producerId, 0, tp("t", 0, 1), 0)).toBe(0);
    markers.hold();
    expect((await coordinator.initProducerId("tx", 60_000, null)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect(stateOf(coordinator, "tx")).toBe("PrepareAbort");
    // While the markers are on their way, a retry is told the same.
    expect((await coordinator.initProducerId("tx", 60_000, null)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    markers.release();
    await settle();
    expect(stateOf(coordinator, "tx")).toBe("CompleteAbort");
    expect(markers.written.map((m) => [m.topic, m.partition, m.commit, m.producerEpoch])).toEqual([["t", 0, false, 1], ["t", 1, false, 1]]);
    expect(await coordinator.initProducerId("tx", 60_000, null)).toEqual({ errorCode: 0, producerId: p.producerId, producerEpoch: 2 });
    // The old producer is fenced.
    expect((await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 0)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
    expect((await coordinator.addPartitions("tx", p.producerId, 0, tp("t", 0), 0))).toBe(ErrorCode.PRODUCER_FENCED);
  }, 5000);
});

describe("AddPartitionsToTxn, AddOffsetsToTxn, verification", () => {
  test("errors of an unknown id, another producer, another epoch; partitions already added answer at once", async () => {
    const { coordinator, log } = setup();
    expect(await coordinator.addPartitions("nope", 1, 0, tp("t", 0), 0)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const p = await coordinator.initProducerId("tx", 60_000, null);
    expect(await coordinator.addPartitions("tx", p.producerId + 1, 0, tp("t", 0), 0)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    expect(await coordinator.addPartitions("tx", p.producerId, 1, tp("t", 0), 0)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await coordinator.addPartitions("tx", p.producerId, 0, tp("t", 0), 0)).toBe(0);
    const written = log.appended.length;
    expect(await coordinator.addPartitions("tx", p.producerId, 0, tp("t", 0), 0)).toBe(0);
    expect(log.appended.length).toBe(written);
    expect(await coordinator.addOffsets("tx", p.producerId, 0, "group-1", 0)).toBe(0);
    const d = coordinator.describe("tx");
    expect(d.state).toBe("Ongoing");
    expect([...d.partitions].map(([t, ps]) => [t, [...ps]])).toEqual([["t", [0]], ["__consumer_offsets", ["group-1".length % 50]]]);
    expect(d.startTimeMs).toBeGreaterThan(0);
  }, 5000);

  test("verify_only: TRANSACTION_ABORTABLE for a partition not in the transaction", async () => {
    const { coordinator } = setup();
    const p = await coordinator.initProducerId("tx", 60_000, null);
    await coordinator.addPartitions("tx", p.producerId, 0, tp("t", 0), 0);
    const v = coordinator.verifyPartitions("tx", p.producerId, 0, tp("t", 0, 1));
    expect([...v.get("t")!]).toEqual([[0, 0], [1, ErrorCode.TRANSACTION_ABORTABLE]]);
    expect([...coordinator.verifyPartitions("tx", p.producerId + 5, 0, tp("t", 0)).get("t")!]).toEqual([[0, ErrorCode.INVALID_PRODUCER_ID_MAPPING]]);
    expect([...coordinator.verifyPartitions("tx", p.producerId, 3, tp("t", 0)).get("t")!]).toEqual([[0, ErrorCode.PRODUCER_FENCED]]);
  }, 5000);
});

describe("EndTxn", () => {
  test("commit: PrepareCommit answered, markers to every partition, then CompleteCommit; repeat answers NONE, abort INVALID_TXN_STATE", async () => {
    const { coordinator, markers, log } = setup();
    const p = await coordinator.initProducerId("tx", 60_000, null);
    expect((await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 0)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    await coordinator.addPartitions("tx", p.producerId, 0, tp("a", 0), 0);
    await coordinator.addPartitions("tx", p.producerId, 0, tp("b", 2), 0);
    markers.hold();
    const res = await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 0);
    expect(res).toEqual({ errorCode: 0, producerId: p.producerId, producerEpoch: 0 });
    expect(stateOf(coordinator, "tx")).toBe("PrepareCommit");
    expect((await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 0)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    // While the markers go out, CompleteCommit is already prepared: everything is told to retry, as in Kafka.
    expect((await coordinator.handleEndTransaction("tx", p.producerId, 0, false, 0)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect((await coordinator.handleEndTransaction("tx", -5, 0, false, 0)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    expect((await coordinator.addPartitions("tx", p.producerId, 0, tp("a", 1), 0))).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    markers.release();
    await settle();
    expect(markers.written.map((m) => `${m.topic}-${m.partition}:${m.commit}:${m.producerId}/${m.producerEpoch}`).sort()).toEqual(["a-0:true:1000/0", "b-2:true:1000/0"]);
    expect(stateOf(coordinator, "tx")).toBe("CompleteCommit");
    expect(log.records.map((r) => txnStateName(r.value!.state))).toEqual(["Empty", "Ongoing", "Ongoing", "PrepareCommit", "CompleteCommit"]);
    expect(log.records.at(-1)!.value!.partitions.size).toBe(0);
    expect((await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 0)).errorCode).toBe(0);
    expect((await coordinator.handleEndTransaction("tx", p.producerId, 0, false, 0)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    // The next transaction starts from CompleteCommit.
    expect(await coordinator.addPartitions("tx", p.producerId, 0, tp("a", 0), 0)).toBe(0);
    expect(stateOf(coordinator, "tx")).toBe("Ongoing");
  }, 5000);

  test("a failed marker is retried after the backoff; a partition that is gone is dropped", async () => {
    const { coordinator, markers, scheduler } = setup();
    const p = await coordinator.initProducerId("tx", 60_000, null);
    await coordinator.addPartitions("tx", p.producerId, 0, tp("a", 0, 1), 0);
    markers.errors.push(ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await coordinator.handleEndTransaction("tx", p.producerId, 0, false, 0);
    await settle();
    expect(stateOf(coordinator, "tx")).toBe("PrepareAbort");
    expect(markers.written).toEqual([]);
    scheduler.advance(100);
    await settle();
    expect(markers.written.map((m) => m.partition)).toEqual([0]);
    expect(stateOf(coordinator, "tx")).toBe("CompleteAbort");
  }, 5000);

  test("transaction version 2: every end bumps the epoch, answered with it; a retry (epoch + 1 stored) answers NONE", async () => {
    const { coordinator, markers } = setup();
    const p = await coordinator.initProducerId("tx", 60_000, null);
    await coordinator.addPartitions("tx", p.producerId, 0, tp("a", 0), 2);
    const res = await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 2);
    expect(res).toEqual({ errorCode: 0, producerId: p.producerId, producerEpoch: 1 });
    await settle();
    expect(markers.written[0]).toMatchObject({ producerEpoch: 1, commit: true });
    expect(stateOf(coordinator, "tx")).toBe("CompleteCommit");
    expect(await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 2)).toEqual({ errorCode: 0, producerId: p.producerId, producerEpoch: 1 });
    // The old epoch can no longer add partitions; the new one can.
    expect(await coordinator.addPartitions("tx", p.producerId, 0, tp("a", 0), 2)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(await coordinator.addPartitions("tx", p.producerId, 1, tp("a", 0), 2)).toBe(0);
  }, 5000);

  test("transaction version 2 at the last epoch: the transaction completes with a new producer id", async () => {
    const { coordinator } = setup();
    const p = await coordinator.initProducerId("tx", 60_000, null);
    coordinator.transaction("tx")!.producerEpoch = 32766;
    await coordinator.addPartitions("tx", p.producerId, 32766, tp("a", 0), 2);
    const res = await coordinator.handleEndTransaction("tx", p.producerId, 32766, false, 2);
    expect(res).toEqual({ errorCode: 0, producerId: p.producerId, producerEpoch: 32767 });
    await settle();
    const m = coordinator.transaction("tx")!;
    expect([txnStateName(m.state), m.producerId, m.producerEpoch, m.previousProducerId]).toEqual(["CompleteAbort", 1001, 0, p.producerId]);
  }, 5000);
});

describe("an implicit add (Produce v12, TxnOffsetCommit v5) while the last transaction's markers are written", () => {
  test("waits for the markers and succeeds, where the client's own AddPartitionsToTxn gets CONCURRENT_TRANSACTIONS", async () => {
    const { coordinator, markers } = setup();
    const p = await coordinator.initProducerId("tx", 60_000, null);
    await coordinator.addPartitions("tx", p.producerId, 0, tp("a", 0), 2);
    markers.hold();
    const ended = await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 2);
    expect(ended.errorCode).toBe(0); // answered at PrepareCommit, as Kafka does
    const epoch = ended.producerEpoch;
    expect(await coordinator.addPartitions("tx", p.producerId, epoch, tp("a", 0), 2)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    let answer: number | undefined;
    const implicit = coordinator.addPartitionsImplicitly("tx", p.producerId, epoch, tp("a", 0)).then((code) => (answer = code));
    await settle();
    expect(answer).toBeUndefined(); // still waiting for the markers
    markers.release();
    await implicit;
    expect(answer).toBe(ErrorCode.NONE);
    expect(stateOf(coordinator, "tx")).toBe("Ongoing");
    expect(markers.written.map((m) => [m.topic, m.partition, m.commit])).toEqual([["a", 0, true]]);
  }, 5000);
});

describe("refusals a client treats as fatal are logged", () => {
  test("an EndTxn commit of nothing and an add at a fenced epoch: one INFO line each, rate-limited, the id escaped", async () => {
    const { coordinator, messages } = setup();
    const p = await coordinator.initProducerId("tx\n1", 60_000, null);
    messages.length = 0;
    for (let i = 0; i < 3; i++) expect((await coordinator.handleEndTransaction("tx\n1", p.producerId, 0, true, 0)).errorCode).toBe(ErrorCode.INVALID_TXN_STATE);
    expect(await coordinator.addPartitions("tx\n1", p.producerId, 7, tp("a", 0), 2)).toBe(ErrorCode.PRODUCER_FENCED);
    expect(messages).toEqual([
      expect.stringMatching(/^EndTxn of transactional id tx\\x0a1 refused with error 48: commit at producer 1000 epoch 0 \(v0\) in Empty at producer 1000 epoch 0$/),
      expect.stringMatching(/^AddPartitionsToTxn of transactional id tx\\x0a1 refused with error 90: producer 1000 epoch 7 \(v2\); Empty at producer 1000 epoch 0$/),
    ]);
  }, 5000);
});

describe("EndTxn answers measured on Kafka 4.3.1 (the same sequences sent to both brokers)", () => {
  /** Runs `steps` (EndTxn version, commit?, epoch relative to the last answered one) and lists answers and states. */
  async function run(coordinator: TransactionCoordinator, id: string, steps: [number, boolean, number][]): Promise<string[]> {
    const p = coordinator.transaction(id)!;
    const producerId = p.producerId;
    let epoch = p.producerEpoch;
    const out: string[] = [];
    for (const [version, commit, delta] of steps) {
      const r = await coordinator.handleEndTransaction(id, producerId, epoch + delta, commit, version >= 5 ? 2 : 0);
      if (r.errorCode === 0 && version >= 5) epoch = r.producerEpoch;
      await settle();
      const m = coordinator.transaction(id)!;
      out.push(`${r.errorCode} ${version >= 5 ? r.producerEpoch : -1} ${txnStateName(m.state)}/${m.producerEpoch}`);
    }
    return out;
  }

  test("from Empty: a v5 abort of nothing bumps the epoch; retries, other results and old epochs", async () => {
    const { coordinator, markers } = setup();
    await coordinator.initProducerId("a", 60_000, null);
    expect(await run(coordinator, "a", [[5, true, 0], [5, false, 1], [5, false, 0], [5, true, -1], [5, false, -1], [5, false, -2], [4, true, 0], [4, false, 0], [3, false, 0]])).toEqual([
      "48 -1 Empty/0", "90 -1 Empty/0", "0 1 CompleteAbort/1", "48 -1 CompleteAbort/1", "0 1 CompleteAbort/1", "90 -1 CompleteAbort/1",
      "48 -1 CompleteAbort/1", "0 -1 CompleteAbort/1", "0 -1 CompleteAbort/1",
    ]);
    expect(markers.written).toEqual([]);
  }, 5000);

  test("from a TV2 transaction: commit bumps, its retry answers the new epoch, an abort at the new epoch is a new (empty) one", async () => {
    const { coordinator } = setup();
    const p = await coordinator.initProducerId("b", 60_000, null);
    await coordinator.addPartitions("b", p.producerId, 0, tp("t", 0), 2);
    expect(await run(coordinator, "b", [[5, true, 0], [5, true, -1], [5, false, -1], [5, true, 0], [5, false, 0]])).toEqual([
      "0 1 CompleteCommit/1", "0 1 CompleteCommit/1", "48 -1 CompleteCommit/1", "48 -1 CompleteCommit/1", "0 2 CompleteAbort/2",
    ]);
    // An EndTxn v4 ends a TV2 transaction without a bump.
    await coordinator.addPartitions("b", p.producerId, 2, tp("t", 0), 2);
    expect(await run(coordinator, "b", [[4, true, 0]])).toEqual(["0 -1 CompleteCommit/2"]);
  }, 5000);
});

describe("durability", () => {
  test("a change is answered only once durable; meanwhile the id is busy; a failed flush leaves the state as it was", async () => {
    const { coordinator, log } = setup();
    await coordinator.initProducerId("tx", 60_000, null);
    log.hold();
    let answered = false;
    const pending = coordinator.initProducerId("tx", 60_000, null).then((r) => { answered = true; return r; });
    await settle();
    expect(answered).toBe(false);
    expect((await coordinator.initProducerId("tx", 60_000, null)).errorCode).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
    log.release();
    expect(await pending).toEqual({ errorCode: 0, producerId: 1000, producerEpoch: 1 });
    log.hold();
    const failing = coordinator.initProducerId("tx", 60_000, null);
    await settle();
    log.failDurability();
    expect((await failing).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(coordinator.transaction("tx")!.producerEpoch).toBe(1);
    expect(coordinator.transaction("tx")!.pendingTransitionInProgress).toBe(false);
    log.failAppends = true;
    expect((await coordinator.initProducerId("tx", 60_000, null)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    log.failAppends = false;
    expect(await coordinator.initProducerId("tx", 60_000, null)).toEqual({ errorCode: 0, producerId: 1000, producerEpoch: 2 });
  }, 5000);
});

describe("timeouts and expiration", () => {
  test("an ongoing transaction past its timeout is aborted with a bumped epoch", async () => {
    const { coordinator, markers, scheduler } = setup();
    const p = await coordinator.initProducerId("tx", 15_000, null);
    await coordinator.addPartitions("tx", p.producerId, 0, tp("a", 0), 0);
    scheduler.advance(10_000);
    await settle();
    expect(stateOf(coordinator, "tx")).toBe("Ongoing");
    scheduler.advance(10_000);
    await settle();
    expect(stateOf(coordinator, "tx")).toBe("CompleteAbort");
    expect(markers.written).toEqual([{ topic: "a", partition: 0, producerId: p.producerId, producerEpoch: 1, coordinatorEpoch: 0, commit: false }]);
    expect((await coordinator.handleEndTransaction("tx", p.producerId, 0, true, 0)).errorCode).toBe(ErrorCode.PRODUCER_FENCED);
  }, 5000);

  test("an idle id in Empty/Complete* expires after transactional.id.expiration.ms (a tombstone); an ongoing one does not", async () => {
    const { coordinator, scheduler, log } = setup({ config: { transactionalIdExpirationMs: 7_200_000, transactionMaxTimeoutMs: 10_000_000 } });
    await coordinator.initProducerId("idle", 60_000, null);
    const busy = await coordinator.initProducerId("busy", 9_000_000, null);
    scheduler.advance(3_600_000);
    await coordinator.addPartitions("busy", busy.producerId, 0, tp("a", 0), 0);
    scheduler.advance(3_600_000);
    await settle();
    expect(coordinator.describe("idle").errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    expect(log.records.at(-1)).toEqual({ transactionalId: "idle", value: null });
    expect(coordinator.describe("busy").errorCode).toBe(0);
  }, 5000);
});

describe("restart", () => {
  test("replay: a transaction in PrepareCommit gets its markers again and completes; an ongoing one keeps its timeout", async () => {
    const first = setup();
    const a = await first.coordinator.initProducerId("ending", 60_000, null);
    await first.coordinator.addPartitions("ending", a.producerId, 0, tp("a", 0, 1), 0);
    const b = await first.coordinator.initProducerId("open", 30_000, null);
    await first.coordinator.addPartitions("open", b.producerId, 0, tp("b", 0), 0);
    first.markers.hold(); // the broker dies while the markers are on their way
    expect((await first.coordinator.handleEndTransaction("ending", a.producerId, 0, true, 0)).errorCode).toBe(0);
    first.coordinator.shutdown();

    const second = setup({ log: first.log, firstId: 2000 });
    await settle();
    expect(second.markers.written.map((m) => `${m.topic}-${m.partition}:${m.commit}`).sort()).toEqual(["a-0:true", "a-1:true"]);
    expect(stateOf(second.coordinator, "ending")).toBe("CompleteCommit");
    expect(stateOf(second.coordinator, "open")).toBe("Ongoing");
    // The ids continue: a re-init bumps the epoch of the replayed producer id.
    expect(await second.coordinator.initProducerId("ending", 60_000, null)).toEqual({ errorCode: 0, producerId: a.producerId, producerEpoch: 1 });
    // The open transaction started on the first clock; the second clock is the same, so it times out 30 s after its start.
    second.scheduler.advance(40_000);
    await settle();
    expect(stateOf(second.coordinator, "open")).toBe("CompleteAbort");
  }, 5000);
});

describe("admin", () => {
  test("describe and list with filters", async () => {
    const { coordinator, scheduler } = setup();
    const a = await coordinator.initProducerId("alpha-1", 60_000, null);
    await coordinator.initProducerId("beta-1", 60_000, null);
    scheduler.advance(1000);
    await coordinator.addPartitions("alpha-1", a.producerId, 0, tp("t", 3), 0);
    expect(coordinator.describe("alpha-1")).toMatchObject({ errorCode: 0, state: "Ongoing", producerId: a.producerId, producerEpoch: 0, timeoutMs: 60_000 });
    expect(coordinator.describe("").errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(coordinator.describe("gamma").errorCode).toBe(ErrorCode.TRANSACTIONAL_ID_NOT_FOUND);
    const ids = (f: Partial<Parameters<TransactionCoordinator["list"]>[0]>) =>
      coordinator.list({ states: [], producerIds: [], durationMs: -1, transactionalIdPattern: null, ...f }).transactions.map((t) => t.transactionalId).sort();
    expect(ids({})).toEqual(["alpha-1", "beta-1"]);
    expect(ids({ states: ["Ongoing"] })).toEqual(["alpha-1"]);
    expect(ids({ producerIds: [a.producerId] })).toEqual(["alpha-1"]);
    expect(ids({ transactionalIdPattern: "beta.*" })).toEqual(["beta-1"]);
    expect(ids({ transactionalIdPattern: "eta" })).toEqual([]);
    scheduler.advance(5000);
    // Ongoing for 5 s; Empty has no start time (-1), which Kafka's filter lets through.
    expect(ids({ durationMs: 10_000 })).toEqual(["beta-1"]);
    expect(ids({ durationMs: 1000 })).toEqual(["alpha-1", "beta-1"]);
    const unknown = coordinator.list({ states: ["Bogus"], producerIds: [], durationMs: -1, transactionalIdPattern: null });
    expect(unknown).toEqual({ errorCode: 0, unknownStates: ["Bogus"], transactions: [] });
    expect(coordinator.list({ states: [], producerIds: [], durationMs: -1, transactionalIdPattern: "(" }).errorCode).toBe(ErrorCode.INVALID_REGULAR_EXPRESSION);
  }, 5000);
});
