// The transaction coordinator of a one-node cluster: Kafka's TransactionCoordinator,
// TransactionStateManager and TransactionMarkerChannelManager in one place, since every
// __transaction_state partition and every data partition lives on this node.
//
// Followed (Kafka 4.x, core/.../coordinator/transaction):
// - InitProducerId with a transactional id (handleInitProducerId): a new id with epoch 0 on first
//   use, an epoch bump on every later one, a new producer id once the epochs run out; KIP-360's
//   expected producer id and epoch (PRODUCER_FENCED when they are not this id's, or a retry of
//   the last bump); an Ongoing transaction is fenced first (epoch bump, PrepareAbort, markers)
//   and the caller answered CONCURRENT_TRANSACTIONS so that it retries; PrepareCommit /
//   PrepareAbort → CONCURRENT_TRANSACTIONS; a timeout above transaction.max.timeout.ms →
//   INVALID_TRANSACTION_TIMEOUT.
// - AddPartitionsToTxn / AddOffsetsToTxn (handleAddPartitionsToTransaction): unknown id or
//   another producer id → INVALID_PRODUCER_ID_MAPPING, another epoch → PRODUCER_FENCED, a change
//   pending or a transaction ending → CONCURRENT_TRANSACTIONS; partitions already in an Ongoing
//   transaction are answered at once. Verification (verify_only, what a broker asks before a
//   transactional append): partitions not in the transaction → TRANSACTION_ABORTABLE.
// - EndTxn (endTransaction): Ongoing → PrepareCommit / PrepareAbort, written and durable, then
//   answered; CompleteCommit / CompleteAbort is prepared at once (the transaction is busy:
//   CONCURRENT_TRANSACTIONS to everything), the markers are written to every partition
//   (TransactionMarkerWriter), and once all are durable Complete* is written. Transaction
//   version 2 (EndTxn v5; measured on Kafka 4.3.1, where the request's version decides, not the
//   transaction's): every end bumps the epoch and answers it; a retry is recognised by epoch + 1;
//   at the current epoch in Empty / Complete* an abort aborts an empty transaction (bump,
//   PrepareAbort and CompleteAbort without partitions), a commit is INVALID_TXN_STATE.
//   Version 1: a repeated end in Complete* answers NONE, the other result INVALID_TXN_STATE;
//   Empty is INVALID_TXN_STATE.
// - Every change is prepared (pending), appended to __transaction_state, and applied only when
//   durable; a failed append leaves the state as it was (NOT_COORDINATOR, as Kafka maps a
//   storage error of the transaction log).
// - Timeouts (abortTimedOutTransactions, every transaction.abort.timed.out.transaction.cleanup.
//   interval.ms): an Ongoing transaction older than its timeout is fenced and aborted.
// - Expiration (removeExpiredTransactionalIds, every transaction.remove.expired.transaction.
//   cleanup.interval.ms): an id in Empty / Complete* not used for transactional.id.expiration.ms
//   is written as a tombstone and forgotten.
// - Load (loadTransactionsForTxnTopicPartition): replay of __transaction_state; a transaction
//   found in PrepareCommit / PrepareAbort gets its markers written again (a marker of the same
//   producer epoch twice is harmless) and is completed; Ongoing ones keep their start time, so
//   their timeout still applies.
// Not done: two-phase commit (KIP-939). The coordinator epoch is the __transaction_state
// partition's leader epoch, which only moves when a Kafka log dir is taken over.

import { ErrorCode } from "../protocol/error-codes.ts";
import type { TransactionMarker } from "../records/control-batch.ts";
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from "../storage/producer-state.ts";
import type { Scheduler } from "../groups/scheduler.ts";
import { escapeForLog, log as brokerLog } from "../log.ts";
import { partitionForTransactionalId, type TransactionLog } from "./transaction-log.ts";
import {
  copyPartitions, expirationAllowed, isEpochExhausted, TransactionMetadata, TxnState, txnStateName,
  type TopicPartitions, type TransactionTransit,
} from "./transaction-metadata.ts";

export const OFFSETS_TOPIC = "__consumer_offsets";

/** Writes a transaction marker to one partition and resolves once it is durable. */
export interface TransactionMarkerWriter {
  /**
   * ErrorCode.NONE when written; UNKNOWN_TOPIC_OR_PARTITION when the partition is gone (the
   * marker is not needed: Kafka drops such partitions); INVALID_PRODUCER_EPOCH /
   * TRANSACTION_COORDINATOR_FENCED when the partition has seen a newer producer or coordinator
   * (the marker is obsolete); anything else is retried. `transactionVersion` is WriteTxnMarkers'
   * (the transaction's client version: with 2 the partition checks the epoch was bumped).
   */
  write(topic: string, partition: number, marker: TransactionMarker, transactionVersion?: number): Promise<number>;
}

export interface TransactionCoordinatorConfig {
  /** transaction.max.timeout.ms */
  transactionMaxTimeoutMs: number;
  /** transactional.id.expiration.ms */
  transactionalIdExpirationMs: number;
  /** transaction.abort.timed.out.transaction.cleanup.interval.ms */
  abortTimedOutTransactionsIntervalMs: number;
  /** transaction.remove.expired.transaction.cleanup.interval.ms */
  removeExpiredTransactionalIdsIntervalMs: number;
  /** The finalized transaction.version (what a transaction the coordinator aborts by itself uses). */
  transactionVersionLevel(): number;
  /** Backoff between attempts to write a marker or a Complete* record that failed. */
  retryBackoffMs?: number;
}

export interface InitProducerIdResult {
  errorCode: number;
  producerId: number;
  producerEpoch: number;
}

export type EndTxnResult = InitProducerIdResult;

export interface DescribedTransaction {
  errorCode: number;
  transactionalId: string;
  state: string;
  timeoutMs: number;
  startTimeMs: number;
  producerId: number;
  producerEpoch: number;
  partitions: TopicPartitions;
}

export interface ListedTransaction {
  transactionalId: string;
  producerId: number;
  state: string;
}

export interface ListFilters {
  states: string[];
  producerIds: number[];
  /** Only transactions running longer than this (ms); -1: all. */
  durationMs: number;
  /** A Java regular expression (ListTransactions v2); null or "": all. */
  transactionalIdPattern: string | null;
}

const ABORT_TIMER = "transaction-abort";
const EXPIRE_TIMER = "transactional-id-expiration";

function failed(errorCode: number): InitProducerIdResult {
  return { errorCode, producerId: NO_PRODUCER_ID, producerEpoch: NO_PRODUCER_EPOCH };
}

/** The longest an implicit add waits for the previous transaction's markers (addPartitionsImplicitly). */
const MARKERS_WAIT_MS = 1000;

export class TransactionCoordinator {
  private readonly txns = new Map<string, TransactionMetadata>();
  /** Transactions whose markers are being written (so a load or a retry does not start twice). */
  /** Transactional ids whose markers are being written → settles once they are (or a retry is scheduled). */
  private readonly completing = new Map<string, Promise<void>>();
  /** logRefusal's rate limit: key → when last logged. */
  private readonly refusalsLogged = new Map<string, number>();
  private readonly retryBackoffMs: number;
  private active = false;
  private readonly log: (msg: string) => void;

  constructor(
    private readonly records: TransactionLog,
    private readonly scheduler: Scheduler,
    private readonly config: TransactionCoordinatorConfig,
    private readonly nextProducerId: () => number,
    private readonly markers: TransactionMarkerWriter,
    /** The __consumer_offsets partition of a group (Kafka's groupCoordinator.partitionFor). */
    private readonly offsetsPartitionFor: (groupId: string) => number,
    log?: (msg: string) => void,
  ) {
    this.retryBackoffMs = config.retryBackoffMs ?? 100;
    this.log = log ?? ((msg) => brokerLog.info(msg));
  }

  /** Replays __transaction_state, resumes transactions that were ending, starts the timers. */
  load(): { transactions: number; completing: number } {
    this.txns.clear();
    this.records.replay((rec) => {
      if (rec.value === null) this.txns.delete(rec.transactionalId);
      else this.txns.set(rec.transactionalId, TransactionMetadata.fromTransit(rec.transactionalId, rec.value));
    });
    this.active = true;
    let resumed = 0;
    for (const meta of this.txns.values()) {
      if (meta.state === TxnState.PrepareCommit || meta.state === TxnState.PrepareAbort) {
        resumed++;
        this.writeMarkers(meta);
      }
    }
    this.scheduleAbortCheck();
    this.scheduleExpiration();
    return { transactions: this.txns.size, completing: resumed };
  }

  shutdown(): void {
    this.active = false;
    this.scheduler.cancelAll();
  }

  /**
   * Writes one marker through the path the coordinator's own markers take (WriteTxnMarkers, what
   * `kafka-transactions --abort` sends): resolves with the partition's error code.
   */
  writeMarker(topic: string, partition: number, marker: TransactionMarker, transactionVersion = 0): Promise<number> {
    return this.markers.write(topic, partition, marker, transactionVersion);
  }

  /** Creates __transaction_state if needed (FindCoordinator). */
  ensureStateTopic(): void {
    this.records.ensureTopic();
  }

  partitionFor(transactionalId: string): number {
    return partitionForTransactionalId(transactionalId, this.records.numPartitions);
  }

  /** The metadata of an id (tests, the produce path's ownership check). */
  transaction(transactionalId: string): TransactionMetadata | undefined {
    return this.txns.get(transactionalId);
  }

  /** Kafka's validateTransactionTimeoutMs. */
  private validTimeout(ms: number): boolean {
    return ms > 0 && ms <= this.config.transactionMaxTimeoutMs;
  }

  // ---- InitProducerId ----

  async initProducerId(
    transactionalId: string, timeoutMs: number, expected: { producerId: number; producerEpoch: number } | null,
  ): Promise<InitProducerIdResult> {
    if (!this.active) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    if (transactionalId === "") return failed(ErrorCode.INVALID_REQUEST);
    if (!this.validTimeout(timeoutMs)) return failed(ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    const now = this.scheduler.now();
    let meta = this.txns.get(transactionalId);
    if (meta === undefined) {
      const producerId = this.allocateProducerId("InitProducerId");
      if (producerId === null) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      meta = new TransactionMetadata({
        transactionalId, producerId, producerEpoch: NO_PRODUCER_EPOCH, txnTimeoutMs: timeoutMs, state: TxnState.Empty, now,
      });
      this.txns.set(transactionalId, meta);
    }
    if (meta.pendingTransitionInProgress) return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (expected !== null && !this.isValidExpectedProducer(meta, expected)) return failed(ErrorCode.PRODUCER_FENCED);
    let transit: TransactionTransit;
    switch (meta.state) {
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort:
        return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
      case TxnState.Ongoing: {
        // Fence the producer of the ongoing transaction and abort it; the caller retries and
        // then gets the next epoch (or a new producer id if the fence used the last one).
        const fence = meta.prepareFenceProducerEpoch();
        const res = await this.endTransaction(meta.transactionalId, fence.producerId, fence.producerEpoch, false, false,
          this.config.transactionVersionLevel(), fence);
        return failed(res.errorCode === ErrorCode.NONE ? ErrorCode.CONCURRENT_TRANSACTIONS : res.errorCode);
      }
      case TxnState.Empty:
      case TxnState.CompleteCommit:
      case TxnState.CompleteAbort: {
        if (meta.isProducerEpochExhausted && (expected === null || expected.producerEpoch === meta.producerEpoch)) {
          const producerId = this.allocateProducerId("InitProducerId");
          if (producerId === null) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
          transit = meta.prepareProducerIdRotation(producerId, timeoutMs, now, expected !== null);
        } else {
          const t = meta.prepareIncrementProducerEpoch(timeoutMs, expected?.producerEpoch ?? null, now);
          if (t === null) return failed(ErrorCode.PRODUCER_FENCED);
          transit = t;
        }
        break;
      }
      default:
        throw new Error(`transactional id ${escapeForLog(transactionalId)} is ${txnStateName(meta.state)}: not expected here`);
    }
    const error = await this.persist(meta, transit);
    if (error !== ErrorCode.NONE) return failed(error);
    // Kafka's TransactionCoordinator logs each initialization at INFO too.
    this.log(`Initialized transactionalId ${escapeForLog(transactionalId)} with producerId ${meta.producerId} and producer epoch ` +
      `${meta.producerEpoch} on partition __transaction_state-${this.partitionFor(transactionalId)}`);
    return { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
  }

  /** Kafka's isValidProducerId (KIP-360): the expected producer is this id's, or a retry after a rotation. */
  private isValidExpectedProducer(meta: TransactionMetadata, expected: { producerId: number; producerEpoch: number }): boolean {
    return meta.producerEpoch === NO_PRODUCER_EPOCH || expected.producerId === meta.producerId ||
      (expected.producerId === meta.previousProducerId && isEpochExhausted(expected.producerEpoch));
  }

  /**
   * A new producer id, or null (logged) when no block can be recorded: Kafka's RPCProducerIdManager
   * without a block, which callers answer COORDINATOR_LOAD_IN_PROGRESS (retriable).
   */
  private allocateProducerId(what: string): number | null {
    try {
      return this.nextProducerId();
    } catch (e) {
      this.log(`${what}: cannot allocate a producer id: ${(e as Error).message}`);
      return null;
    }
  }

  /**
   * A client's transaction request refused with a non-retriable error, at INFO, at most once per
   * 10 s per transactional id, API and error (clients usually treat these as fatal, so the broker
   * says why; Kafka logs them at DEBUG).
   */
  private logRefusal(transactionalId: string, api: string, code: number, detail: string): void {
    const key = `${transactionalId}\0${api}\0${code}`;
    const now = Date.now();
    const last = this.refusalsLogged.get(key);
    if (last !== undefined && now - last < 10_000) return;
    if (last === undefined && this.refusalsLogged.size >= 1024) this.refusalsLogged.clear();
    this.refusalsLogged.set(key, now);
    this.log(`${api} of transactional id ${escapeForLog(transactionalId)} refused with error ${code}: ${detail}`);
  }

  // ---- AddPartitionsToTxn, AddOffsetsToTxn ----

  async addPartitions(
    transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartitions, clientTransactionVersion: number,
  ): Promise<number> {
    if (!this.active) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (transactionalId === "") return ErrorCode.INVALID_REQUEST;
    const meta = this.txns.get(transactionalId);
    const refused = (code: number): number => {
      this.logRefusal(transactionalId, "AddPartitionsToTxn", code, `producer ${producerId} epoch ${producerEpoch} (v${clientTransactionVersion}); ` +
        (meta === undefined ? "no such transactional id" : `${txnStateName(meta.state)} at producer ${meta.producerId} epoch ${meta.producerEpoch}`));
      return code;
    };
    if (meta === undefined || meta.producerId !== producerId) return refused(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (meta.producerEpoch !== producerEpoch) return refused(ErrorCode.PRODUCER_FENCED);
    if (meta.pendingTransitionInProgress) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (meta.state === TxnState.PrepareCommit || meta.state === TxnState.PrepareAbort) return ErrorCode.CONCURRENT_TRANSACTIONS;
    if (meta.state === TxnState.Ongoing && this.allIn(meta, partitions)) return ErrorCode.NONE;
    const transit = meta.prepareAddPartitions(partitions, this.scheduler.now(), clientTransactionVersion);
    return this.persist(meta, transit);
  }

  /**
   * The broker's own AddPartitionsToTxn for a client of transaction version 2 (a Produce v12 or a
   * TxnOffsetCommit v5 adds its partition implicitly, KIP-890). Kafka answers such an add made
   * while the previous transaction's markers are still being written CONCURRENT_TRANSACTIONS, and
   * the Java producer then backs off retry.backoff.ms (100 ms); Kafka's markers are page-cache
   * writes that are done before the client's next produce arrives, Bunka's are fsynced and often
   * are not. So this add waits (at most MARKERS_WAIT_MS) for those markers instead: measured with
   * 200 transactions of the Java client, 538 produce retries and 28-41 s without the wait.
   * Requests a client sends itself (AddPartitionsToTxn, AddOffsetsToTxn, EndTxn) keep Kafka's
   * answers.
   */
  async addPartitionsImplicitly(
    transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartitions,
  ): Promise<number> {
    const markers = this.completing.get(transactionalId);
    if (markers !== undefined) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([markers, new Promise<void>((resolve) => (timer = setTimeout(resolve, MARKERS_WAIT_MS)))]);
      clearTimeout(timer);
    }
    return this.addPartitions(transactionalId, producerId, producerEpoch, partitions, 2);
  }

  /** AddOffsetsToTxn: the group's __consumer_offsets partition joins the transaction. */
  addOffsets(transactionalId: string, producerId: number, producerEpoch: number, groupId: string, clientTransactionVersion: number): Promise<number> {
    const partitions: TopicPartitions = new Map([[OFFSETS_TOPIC, new Set([this.offsetsPartitionFor(groupId)])]]);
    return this.addPartitions(transactionalId, producerId, producerEpoch, partitions, clientTransactionVersion);
  }

  /**
   * Kafka's handleVerifyPartitionsInTransaction (AddPartitionsToTxn verify_only, and the check a
   * transactional append makes): an error for every partition, TRANSACTION_ABORTABLE for those
   * not in the transaction.
   */
  verifyPartitions(transactionalId: string, producerId: number, producerEpoch: number, partitions: TopicPartitions): Map<string, Map<number, number>> {
    let error: number | null = null;
    const meta = this.txns.get(transactionalId);
    if (!this.active) error = ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    else if (transactionalId === "") error = ErrorCode.INVALID_REQUEST;
    else if (meta === undefined || meta.producerId !== producerId) error = ErrorCode.INVALID_PRODUCER_ID_MAPPING;
    else if (meta.producerEpoch !== producerEpoch) error = ErrorCode.PRODUCER_FENCED;
    else if (meta.state === TxnState.PrepareCommit || meta.state === TxnState.PrepareAbort) error = ErrorCode.CONCURRENT_TRANSACTIONS;
    const out = new Map<string, Map<number, number>>();
    for (const [topic, ps] of partitions) {
      const byPartition = new Map<number, number>();
      for (const p of ps) byPartition.set(p, error ?? (meta!.hasPartition(topic, p) ? ErrorCode.NONE : ErrorCode.TRANSACTION_ABORTABLE));
      out.set(topic, byPartition);
    }
    return out;
  }

  private allIn(meta: TransactionMetadata, partitions: TopicPartitions): boolean {
    for (const [topic, ps] of partitions) for (const p of ps) if (!meta.hasPartition(topic, p)) return false;
    return true;
  }

  // ---- EndTxn ----

  /** EndTxn from a client. clientTransactionVersion: 2 for EndTxn v5+, else 1. */
  handleEndTransaction(
    transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, clientTransactionVersion: number,
  ): Promise<EndTxnResult> {
    return this.endTransaction(transactionalId, producerId, producerEpoch, commit, true, clientTransactionVersion, null);
  }

  /**
   * Kafka's endTransaction. `fence`: the prepared epoch fence when the coordinator aborts by
   * itself (InitProducerId of a new producer, a timeout); its epoch becomes the abort's.
   */
  private async endTransaction(
    transactionalId: string, producerId: number, producerEpoch: number, commit: boolean, fromClient: boolean,
    clientTransactionVersion: number, fence: TransactionTransit | null,
  ): Promise<EndTxnResult> {
    if (!this.active) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    if (transactionalId === "") return failed(ErrorCode.INVALID_REQUEST);
    const meta = this.txns.get(transactionalId);
    if (meta === undefined) return failed(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const isFence = fence !== null;
    // Measured on Kafka 4.3.1: the rules of transaction version 2 apply to an EndTxn v5 (the
    // request's version, not the transaction's: an EndTxn v4 ends a TV2 transaction without a bump).
    const v2 = !isFence && clientTransactionVersion >= 2;
    // A TV2 end that bumped the epoch, retried (the epoch is now one more than the request's).
    const retryOnEpochBump = v2 && meta.producerEpoch === producerEpoch + 1;
    // A TV2 end that used the last epoch and moved to a new producer id, retried.
    const retry = retryOnEpochBump || (v2 && meta.previousProducerId === producerId && producerEpoch === 32766 && meta.producerEpoch === 0);
    let validEpoch: boolean;
    if (v2) {
      switch (meta.state) {
        case TxnState.PrepareCommit:
        case TxnState.PrepareAbort:
          validEpoch = retryOnEpochBump;
          break;
        case TxnState.CompleteCommit:
        case TxnState.CompleteAbort:
          validEpoch = retry || producerEpoch === meta.producerEpoch;
          break;
        default:
          validEpoch = producerEpoch === meta.producerEpoch;
      }
    } else {
      const current = isFence ? fence.producerEpoch : meta.producerEpoch;
      validEpoch = (!fromClient || producerEpoch === current) && producerEpoch >= current;
    }
    const fail = (code: number): EndTxnResult => {
      if (fromClient && code !== ErrorCode.CONCURRENT_TRANSACTIONS) {
        this.logRefusal(transactionalId, "EndTxn", code,
          `${commit ? "commit" : "abort"} at producer ${producerId} epoch ${producerEpoch} (v${clientTransactionVersion}) in ${txnStateName(meta.state)} ` +
          `at producer ${meta.producerId} epoch ${meta.producerEpoch}`);
      }
      if (isFence) meta.pendingState = null;
      return failed(code);
    };
    // Measured on Kafka 4.3.1: a change in flight answers CONCURRENT_TRANSACTIONS before the
    // producer id is checked.
    if (meta.pendingTransitionInProgress && !isFence) return failed(ErrorCode.CONCURRENT_TRANSACTIONS);
    if (meta.producerId !== producerId && !retry) return fail(ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    if (!validEpoch) return fail(ErrorCode.PRODUCER_FENCED);
    const current = { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
    switch (meta.state) {
      case TxnState.Ongoing:
        break;
      case TxnState.CompleteCommit:
      case TxnState.CompleteAbort:
        // TV2 at the current epoch is a new transaction: an abort of nothing (measured: NONE,
        // epoch bumped, PrepareAbort and CompleteAbort without partitions), a commit of nothing
        // INVALID_TXN_STATE. Otherwise a repeated end: NONE for the same result.
        if (v2 && !retry) {
          if (commit) return fail(ErrorCode.INVALID_TXN_STATE);
          break;
        }
        return commit === (meta.state === TxnState.CompleteCommit) ? current : fail(ErrorCode.INVALID_TXN_STATE);
      case TxnState.PrepareCommit:
        return fail(commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case TxnState.PrepareAbort:
        return fail(!commit ? ErrorCode.CONCURRENT_TRANSACTIONS : ErrorCode.INVALID_TXN_STATE);
      case TxnState.Empty:
        if (v2 && !commit) break; // an abort of nothing, as from Complete*
        return fail(ErrorCode.INVALID_TXN_STATE);
      default:
        throw new Error(`transactional id ${escapeForLog(transactionalId)} is ${txnStateName(meta.state)}: not expected here`);
    }
    let nextProducerId = NO_PRODUCER_ID;
    if (!isFence && clientTransactionVersion >= 2 && meta.isProducerEpochExhausted) {
      const allocated = this.allocateProducerId("EndTxn");
      if (allocated === null) return failed(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      nextProducerId = allocated;
    }
    if (isFence) {
      // The fence is never written as such: it becomes the PrepareAbort, at the fenced epoch.
      meta.pendingState = null;
      meta.producerEpoch = fence.producerEpoch;
      meta.lastProducerEpoch = NO_PRODUCER_EPOCH;
    }
    const state = commit ? TxnState.PrepareCommit : TxnState.PrepareAbort;
    // A fence does not bump a second time (the fenced epoch is already new).
    const transit = meta.prepareAbortOrCommit(state, isFence ? 1 : clientTransactionVersion, nextProducerId, this.scheduler.now());
    if (isFence) transit.clientTransactionVersion = meta.clientTransactionVersion;
    const error = await this.persist(meta, transit);
    if (error !== ErrorCode.NONE) {
      if (isFence) meta.hasFailedEpochFence = true;
      return failed(error);
    }
    // Answered now; the markers follow (Kafka's TransactionMarkerChannelManager).
    this.writeMarkers(meta);
    return { errorCode: ErrorCode.NONE, producerId: meta.producerId, producerEpoch: meta.producerEpoch };
  }

  /**
   * Writes the markers of a transaction in PrepareCommit / PrepareAbort to each of its partitions,
   * then CompleteCommit / CompleteAbort. Failed markers are retried after a backoff.
   */
  private writeMarkers(meta: TransactionMetadata): void {
    if (this.completing.has(meta.transactionalId)) return;
    let settle!: () => void;
    this.completing.set(meta.transactionalId, new Promise<void>((resolve) => (settle = resolve)));
    const marker: TransactionMarker = {
      producerId: meta.producerId, producerEpoch: meta.producerEpoch,
      coordinatorEpoch: this.records.coordinatorEpoch(this.partitionFor(meta.transactionalId)), commit: meta.state === TxnState.PrepareCommit,
    };
    const remaining = copyPartitions(meta.partitions);
    const transactionVersion = meta.clientTransactionVersion;
    // As Kafka: Complete* is prepared before the markers go out, so the transaction is busy
    // (CONCURRENT_TRANSACTIONS to everything) until it is written.
    const transit = meta.prepareComplete(this.scheduler.now());
    const attempt = async (): Promise<void> => {
      if (!this.active) return settle();
      const writes: Promise<void>[] = [];
      for (const [topic, ps] of remaining) {
        for (const p of [...ps]) {
          writes.push(this.markers.write(topic, p, marker, transactionVersion).then(
            (code) => {
              if (code === ErrorCode.NONE || code === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
                ps.delete(p);
              } else if (code === ErrorCode.INVALID_PRODUCER_EPOCH || code === ErrorCode.TRANSACTION_COORDINATOR_FENCED) {
                // Kafka's TransactionMarkerRequestCompletionHandler: the partition has moved on; not retried.
                this.log(`transaction ${escapeForLog(meta.transactionalId)}: marker to ${topic}-${p} refused (error ${code}); not retried`);
                ps.delete(p);
              } else {
                this.log(`transaction ${escapeForLog(meta.transactionalId)}: marker to ${topic}-${p} failed (error ${code}); retrying`);
              }
            },
            (e: unknown) => this.log(`transaction ${escapeForLog(meta.transactionalId)}: marker to ${topic}-${p} failed: ${(e as Error)?.message ?? e}; retrying`),
          ));
        }
      }
      await Promise.all(writes);
      for (const [topic, ps] of remaining) if (ps.size === 0) remaining.delete(topic);
      if (remaining.size > 0) {
        this.scheduler.schedule(`markers:${meta.transactionalId}`, this.retryBackoffMs, () => void attempt());
        return settle();
      }
      await this.complete(meta, transit);
      settle();
    };
    void attempt();
  }

  /** Every marker is written: CompleteCommit / CompleteAbort (retried until it is durable). */
  private async complete(meta: TransactionMetadata, transit: TransactionTransit): Promise<void> {
    if (!this.active) return;
    const error = await this.persist(meta, transit);
    if (error !== ErrorCode.NONE) {
      this.scheduler.schedule(`complete:${meta.transactionalId}`, this.retryBackoffMs, () => {
        // persist() gave up the pending state: prepare the same change again.
        void this.complete(meta, meta.prepareComplete(this.scheduler.now()));
      });
      return;
    }
    this.completing.delete(meta.transactionalId);
  }

  // ---- writing state ----

  /** Appends the prepared change, waits for it to be durable, applies it. Undoes the pending state on failure. */
  private async persist(meta: TransactionMetadata, transit: TransactionTransit): Promise<number> {
    const partition = this.partitionFor(meta.transactionalId);
    try {
      this.records.append(partition, { transactionalId: meta.transactionalId, value: transit });
      const durable = this.records.whenDurable(partition);
      if (durable !== null) await durable;
    } catch (e) {
      meta.pendingState = null;
      this.log(`transactional id ${escapeForLog(meta.transactionalId)}: writing ${txnStateName(transit.state)} to __transaction_state-${partition} failed: ${(e as Error)?.message ?? e}`);
      // Kafka's appendTransactionToLog answers a storage error of the log as NOT_COORDINATOR.
      return ErrorCode.NOT_COORDINATOR;
    }
    if (transit.state === TxnState.Dead) {
      meta.pendingState = null;
      this.txns.delete(meta.transactionalId);
    } else {
      meta.completeTransition(transit);
    }
    return ErrorCode.NONE;
  }

  // ---- timers ----

  private scheduleAbortCheck(): void {
    this.scheduler.schedule(ABORT_TIMER, this.config.abortTimedOutTransactionsIntervalMs, () => {
      this.abortTimedOutTransactions();
      if (this.active) this.scheduleAbortCheck();
    });
  }

  private scheduleExpiration(): void {
    this.scheduler.schedule(EXPIRE_TIMER, this.config.removeExpiredTransactionalIdsIntervalMs, () => {
      this.removeExpiredTransactionalIds();
      if (this.active) this.scheduleExpiration();
    });
  }

  /** Kafka's abortTimedOutTransactions: Ongoing past its timeout → fenced and aborted. */
  abortTimedOutTransactions(): string[] {
    const now = this.scheduler.now();
    const aborted: string[] = [];
    for (const meta of this.txns.values()) {
      if (meta.state !== TxnState.Ongoing || meta.pendingTransitionInProgress) continue;
      if (meta.txnStartTimestamp + meta.txnTimeoutMs >= now) continue;
      let fence: TransactionTransit;
      try {
        fence = meta.prepareFenceProducerEpoch();
      } catch (e) {
        this.log(`transactional id ${escapeForLog(meta.transactionalId)}: cannot abort its timed-out transaction: ${(e as Error).message}`);
        continue;
      }
      aborted.push(meta.transactionalId);
      void this.endTransaction(meta.transactionalId, fence.producerId, fence.producerEpoch, false, false,
        this.config.transactionVersionLevel(), fence).then((res) => {
        if (res.errorCode === ErrorCode.NONE) this.log(`aborted transaction of ${escapeForLog(meta.transactionalId)} (producer ${meta.producerId}): timed out after ${meta.txnTimeoutMs} ms`);
      });
    }
    return aborted;
  }

  /** Kafka's removeExpiredTransactionalIds: idle ids in Empty / Complete* are written as tombstones. */
  removeExpiredTransactionalIds(): string[] {
    const now = this.scheduler.now();
    const expired: string[] = [];
    for (const meta of this.txns.values()) {
      if (!expirationAllowed(meta.state) || meta.pendingTransitionInProgress) continue;
      if (meta.txnLastUpdateTimestamp + this.config.transactionalIdExpirationMs > now) continue;
      expired.push(meta.transactionalId);
      void this.persist(meta, meta.prepareDead());
    }
    return expired;
  }

  // ---- admin ----

  /** Kafka's handleDescribeTransactions. */
  describe(transactionalId: string): DescribedTransaction {
    // An error leaves the other fields at the message's defaults (0, ""), as Kafka's answer does.
    const out: DescribedTransaction = {
      errorCode: ErrorCode.NONE, transactionalId, state: "", timeoutMs: 0, startTimeMs: 0, producerId: 0, producerEpoch: 0,
      partitions: new Map(),
    };
    if (!this.active) return { ...out, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    if (transactionalId === "") return { ...out, errorCode: ErrorCode.INVALID_REQUEST };
    const meta = this.txns.get(transactionalId);
    if (meta === undefined || meta.state === TxnState.Dead) return { ...out, errorCode: ErrorCode.TRANSACTIONAL_ID_NOT_FOUND };
    return {
      errorCode: ErrorCode.NONE, transactionalId, state: txnStateName(meta.state), timeoutMs: meta.txnTimeoutMs,
      startTimeMs: meta.txnStartTimestamp, producerId: meta.producerId, producerEpoch: meta.producerEpoch,
      partitions: copyPartitions(meta.partitions),
    };
  }

  /** Kafka's listTransactionStates; unknown state names are returned apart. */
  list(filters: ListFilters): { errorCode: number; unknownStates: string[]; transactions: ListedTransaction[] } {
    if (!this.active) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStates: [], transactions: [] };
    const known = new Set<string>(["Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence"]);
    const unknownStates = filters.states.filter((s) => !known.has(s));
    const states = new Set(filters.states.filter((s) => known.has(s)));
    // Kafka: when every state filter is unknown, nothing matches.
    if (filters.states.length > 0 && states.size === 0) return { errorCode: ErrorCode.NONE, unknownStates, transactions: [] };
    let pattern: RegExp | null = null;
    if (filters.transactionalIdPattern !== null && filters.transactionalIdPattern !== "") {
      try {
        pattern = new RegExp(`^(?:${filters.transactionalIdPattern})$`);
      } catch {
        return { errorCode: ErrorCode.INVALID_REGULAR_EXPRESSION, unknownStates, transactions: [] };
      }
    }
    const producerIds = new Set(filters.producerIds);
    const now = this.scheduler.now();
    const transactions: ListedTransaction[] = [];
    for (const meta of this.txns.values()) {
      const name = txnStateName(meta.state);
      if (states.size > 0 && !states.has(name)) continue;
      if (producerIds.size > 0 && !producerIds.has(meta.producerId)) continue;
      if (meta.state === TxnState.Dead) continue;
      // As Kafka: the start time of every state counts (-1 when none, so those always pass).
      if (filters.durationMs >= 0 && now - meta.txnStartTimestamp <= filters.durationMs) continue;
      if (pattern !== null && !pattern.test(meta.transactionalId)) continue;
      transactions.push({ transactionalId: meta.transactionalId, producerId: meta.producerId, state: name });
    }
    return { errorCode: ErrorCode.NONE, unknownStates, transactions };
  }
}
