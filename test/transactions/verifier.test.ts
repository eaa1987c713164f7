// The transaction coordinator's answer to the group coordinator before a transactional offset
// commit (TransactionVerifier), with the codes Kafka 4.3.1 answers TxnOffsetCommit.

import { expect, test } from "bun:test";
import { ManualScheduler } from "../../src/groups/scheduler.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { transactionVerifier } from "../../src/transactions/startup.ts";
import { TransactionCoordinator } from "../../src/transactions/transaction-coordinator.ts";
import { MemoryTransactionLog } from "../../src/transactions/transaction-log.ts";

test("v3 needs AddOffsetsToTxn (else 48), v5 adds the partition, a wrong epoch is 47, an unknown producer 49", async () => {
  const log = new MemoryTransactionLog(50);
  let next = 0;
  const coordinator = new TransactionCoordinator(log, new ManualScheduler(), {
    transactionMaxTimeoutMs: 900_000, transactionalIdExpirationMs: 604_800_000, abortTimedOutTransactionsIntervalMs: 10_000,
    removeExpiredTransactionalIdsIntervalMs: 3_600_000, transactionVersionLevel: () => 2,
  }, () => next++, { write: async () => ErrorCode.NONE }, () => 7, () => {});
  coordinator.load();
  const verifier = transactionVerifier(coordinator);
  const p = await coordinator.initProducerId("tx", 60_000, null);
  const ask = (apiVersion: number, producerEpoch = 0, producerId = p.producerId, transactionalId = "tx") =>
    verifier.verifyTransactionalOffsetCommit({ transactionalId, producerId, producerEpoch, offsetsPartition: 7, apiVersion });
  expect(await ask(3)).toBe(ErrorCode.INVALID_TXN_STATE);
  expect(await ask(3, 4)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  expect(await ask(5, 4)).toBe(ErrorCode.INVALID_PRODUCER_EPOCH);
  expect(await ask(3, 0, p.producerId + 1)).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  expect(await ask(3, 0, p.producerId, "other")).toBe(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  expect(await ask(5)).toBe(ErrorCode.NONE);
  expect([...coordinator.describe("tx").partitions.get("__consumer_offsets")!]).toEqual([7]);
  expect(await ask(3)).toBe(ErrorCode.NONE);
  // While its end is being written, the transaction is busy: v5 hears CONCURRENT_TRANSACTIONS, older versions a retriable code.
  log.hold();
  const ending = coordinator.handleEndTransaction("tx", p.producerId, 0, true, 2);
  expect(await ask(5)).toBe(ErrorCode.CONCURRENT_TRANSACTIONS);
  expect(await ask(3)).toBe(ErrorCode.NONE); // verify-only looks at the partitions, not at the pending write (as Kafka's)
  log.release();
  expect((await ending).errorCode).toBe(0);
}, 5000);
