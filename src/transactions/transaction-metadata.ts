// One transactional id's state, as Kafka's TransactionMetadata keeps it: the producer id and
// epoch it owns, the transaction in progress (its partitions, start time, timeout) and the state
// machine of Kafka's TransactionState:
//
//   Empty ──AddPartitions──▶ Ongoing ──EndTxn──▶ PrepareCommit ──markers──▶ CompleteCommit
//     ▲                         │    └─────────▶ PrepareAbort  ──markers──▶ CompleteAbort
//     └─InitProducerId─ Complete*                 ▲
//   Ongoing ──fence (InitProducerId, timeout)── PrepareEpochFence (pending only, never stored)
//   Empty/Complete* ──expiration──▶ Dead (a tombstone; the id is forgotten)
//
// A change is prepared first (prepare*: a TransactionTransit, the target, with the state kept
// as `pendingState`), appended to __transaction_state, and applied only once the append is
// durable (completeTransition). While a change is pending, other requests of the id get
// CONCURRENT_TRANSACTIONS, as in Kafka.

import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID } from "../storage/producer-state.ts";

/** Kafka's TransactionState ids (stored in TransactionLogValue.transactionStatus). */
export const TxnState = {
  Empty: 0,
  Ongoing: 1,
  PrepareCommit: 2,
  PrepareAbort: 3,
  CompleteCommit: 4,
  CompleteAbort: 5,
  Dead: 6,
  PrepareEpochFence: 7,
} as const;
export type TxnState = (typeof TxnState)[keyof typeof TxnState];

export const TXN_STATE_NAMES: readonly string[] = [
  "Empty", "Ongoing", "PrepareCommit", "PrepareAbort", "CompleteCommit", "CompleteAbort", "Dead", "PrepareEpochFence",
];

export function txnStateName(state: TxnState): string {
  return TXN_STATE_NAMES[state]!;
}

/** The states a state may be entered from (Kafka's validPreviousStates). */
const VALID_PREVIOUS: Record<TxnState, readonly TxnState[]> = {
  [TxnState.Empty]: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.Ongoing]: [TxnState.Ongoing, TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.PrepareCommit]: [TxnState.Ongoing],
  // Kafka 4.3.1 also aborts a transaction with no partitions (EndTxn v5 in Empty / Complete*).
  [TxnState.PrepareAbort]: [TxnState.Ongoing, TxnState.PrepareEpochFence, TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.CompleteCommit]: [TxnState.PrepareCommit],
  [TxnState.CompleteAbort]: [TxnState.PrepareAbort],
  [TxnState.Dead]: [TxnState.Empty, TxnState.CompleteCommit, TxnState.CompleteAbort],
  [TxnState.PrepareEpochFence]: [TxnState.Ongoing],
};

/** States whose transactional id may expire (Kafka's isExpirationAllowed). */
export function expirationAllowed(state: TxnState): boolean {
  return state === TxnState.Empty || state === TxnState.CompleteCommit || state === TxnState.CompleteAbort;
}

/** The epoch Kafka never hands out, so a producer can always be fenced (Short.MaxValue). */
export const MAX_PRODUCER_EPOCH = 32767;

/** Kafka's TransactionMetadata.isEpochExhausted: no epoch left to bump to (Short.MaxValue - 1 or more). */
export function isEpochExhausted(epoch: number): boolean {
  return epoch >= MAX_PRODUCER_EPOCH - 1;
}

/** A partition set as topic → partitions (the form TransactionLogValue stores). */
export type TopicPartitions = Map<string, Set<number>>;

export function copyPartitions(p: TopicPartitions): TopicPartitions {
  return new Map([...p].map(([t, s]) => [t, new Set(s)]));
}

export function partitionCount(p: TopicPartitions): number {
  let n = 0;
  for (const s of p.values()) n += s.size;
  return n;
}

/** The target of a change (Kafka's TxnTransitMetadata): what is written to the log. */
export interface TransactionTransit {
  producerId: number;
  /** The producer id before this change (written as previousProducerId). */
  previousProducerId: number;
  nextProducerId: number;
  producerEpoch: number;
  lastProducerEpoch: number;
  txnTimeoutMs: number;
  state: TxnState;
  partitions: TopicPartitions;
  txnStartTimestamp: number;
  txnLastUpdateTimestamp: number;
  clientTransactionVersion: number;
}

export class TransactionMetadata {
  readonly transactionalId: string;
  producerId: number;
  previousProducerId = NO_PRODUCER_ID;
  nextProducerId = NO_PRODUCER_ID;
  producerEpoch: number;
  lastProducerEpoch = NO_PRODUCER_EPOCH;
  txnTimeoutMs: number;
  state: TxnState;
  partitions: TopicPartitions = new Map();
  txnStartTimestamp = -1;
  txnLastUpdateTimestamp: number;
  clientTransactionVersion = 0;
  /** The state a prepared change leads to, until it is durable (or has failed). */
  pendingState: TxnState | null = null;
  /** An epoch fence whose write failed: the next fence does not bump again (Kafka's hasFailedEpochFence). */
  hasFailedEpochFence = false;

  constructor(init: {
    transactionalId: string; producerId: number; producerEpoch: number; txnTimeoutMs: number; state: TxnState; now: number;
  }) {
    this.transactionalId = init.transactionalId;
    this.producerId = init.producerId;
    this.producerEpoch = init.producerEpoch;
    this.txnTimeoutMs = init.txnTimeoutMs;
    this.state = init.state;
    this.txnLastUpdateTimestamp = init.now;
  }

  /** Metadata as stored in a TransactionTransit (replay at startup). */
  static fromTransit(transactionalId: string, t: TransactionTransit): TransactionMetadata {
    const m = new TransactionMetadata({
      transactionalId, producerId: t.producerId, producerEpoch: t.producerEpoch, txnTimeoutMs: t.txnTimeoutMs,
      state: t.state, now: t.txnLastUpdateTimestamp,
    });
    m.previousProducerId = t.previousProducerId;
    m.nextProducerId = t.nextProducerId;
    m.lastProducerEpoch = t.lastProducerEpoch;
    m.partitions = copyPartitions(t.partitions);
    m.txnStartTimestamp = t.txnStartTimestamp;
    m.clientTransactionVersion = t.clientTransactionVersion;
    return m;
  }

  get pendingTransitionInProgress(): boolean {
    return this.pendingState !== null;
  }

  get isProducerEpochExhausted(): boolean {
    return isEpochExhausted(this.producerEpoch);
  }

  hasPartition(topic: string, partition: number): boolean {
    return this.partitions.get(topic)?.has(partition) ?? false;
  }

  /** The current state as a transit (a snapshot, e.g. for Describe). */
  snapshot(): TransactionTransit {
    return {
      producerId: this.producerId, previousProducerId: this.previousProducerId, nextProducerId: this.nextProducerId,
      producerEpoch: this.producerEpoch, lastProducerEpoch: this.lastProducerEpoch, txnTimeoutMs: this.txnTimeoutMs,
      state: this.state, partitions: copyPartitions(this.partitions), txnStartTimestamp: this.txnStartTimestamp,
      txnLastUpdateTimestamp: this.txnLastUpdateTimestamp, clientTransactionVersion: this.clientTransactionVersion,
    };
  }

  /** Kafka's prepareFenceProducerEpoch: the epoch bumped to fence the producer of an ongoing transaction. */
  prepareFenceProducerEpoch(): TransactionTransit {
    if (this.producerEpoch >= MAX_PRODUCER_EPOCH) throw new Error(`cannot fence producer ${this.producerId} at epoch ${this.producerEpoch}`);
    // A fence whose write failed was never answered: do not bump a second time.
    const epoch = this.hasFailedEpochFence ? this.producerEpoch : this.producerEpoch + 1;
    return this.prepare(TxnState.PrepareEpochFence, {
      producerEpoch: epoch, lastProducerEpoch: NO_PRODUCER_EPOCH, txnLastUpdateTimestamp: this.txnLastUpdateTimestamp,
    });
  }

  /**
   * Kafka's prepareIncrementProducerEpoch (InitProducerId): the next epoch, or a retry of the
   * last bump (the expected epoch is the last one), or null when the expected epoch is neither
   * (PRODUCER_FENCED).
   */
  prepareIncrementProducerEpoch(newTimeoutMs: number, expectedEpoch: number | null, now: number): TransactionTransit | null {
    if (this.isProducerEpochExhausted) throw new Error(`no producer epochs left for producer ${this.producerId}`);
    const bumped = this.producerEpoch + 1;
    let epoch: number;
    let last: number;
    if (expectedEpoch === null) {
      epoch = bumped;
      last = NO_PRODUCER_EPOCH;
    } else if (this.producerEpoch === NO_PRODUCER_EPOCH || expectedEpoch === this.producerEpoch) {
      epoch = bumped;
      last = this.producerEpoch;
    } else if (expectedEpoch === this.lastProducerEpoch) {
      epoch = this.producerEpoch; // a retry of a bump whose answer was lost
      last = this.lastProducerEpoch;
    } else {
      return null;
    }
    return this.prepare(TxnState.Empty, {
      producerEpoch: epoch, lastProducerEpoch: last, txnTimeoutMs: newTimeoutMs, partitions: new Map(),
      txnStartTimestamp: -1, txnLastUpdateTimestamp: now,
    });
  }

  /** Kafka's prepareProducerIdRotation: epochs exhausted, a new producer id at epoch 0. */
  prepareProducerIdRotation(newProducerId: number, newTimeoutMs: number, now: number, recordLastEpoch: boolean): TransactionTransit {
    return this.prepare(TxnState.Empty, {
      producerId: newProducerId, producerEpoch: 0, lastProducerEpoch: recordLastEpoch ? this.producerEpoch : NO_PRODUCER_EPOCH,
      txnTimeoutMs: newTimeoutMs, partitions: new Map(), txnStartTimestamp: -1, txnLastUpdateTimestamp: now,
    });
  }

  /** Kafka's prepareAddPartitions: Ongoing with the partitions added (a new transaction starts now). */
  prepareAddPartitions(added: TopicPartitions, now: number, clientTransactionVersion: number): TransactionTransit {
    const starts = this.state === TxnState.Empty || this.state === TxnState.CompleteAbort || this.state === TxnState.CompleteCommit;
    const partitions = copyPartitions(this.partitions);
    for (const [topic, ps] of added) {
      let set = partitions.get(topic);
      if (set === undefined) partitions.set(topic, (set = new Set()));
      for (const p of ps) set.add(p);
    }
    return this.prepare(TxnState.Ongoing, {
      partitions, txnStartTimestamp: starts ? now : this.txnStartTimestamp, txnLastUpdateTimestamp: now,
      clientTransactionVersion,
    });
  }

  /**
   * Kafka's prepareAbortOrCommit: PrepareCommit or PrepareAbort; with transaction version 2 the
   * epoch is bumped (and a new producer id chosen when the epochs run out, taken at completion).
   */
  prepareAbortOrCommit(state: TxnState, clientTransactionVersion: number, nextProducerId: number, now: number): TransactionTransit {
    const bump = clientTransactionVersion >= 2;
    return this.prepare(state, {
      producerEpoch: bump ? this.producerEpoch + 1 : this.producerEpoch,
      lastProducerEpoch: bump ? this.producerEpoch : this.lastProducerEpoch,
      // An abort without a transaction (TV2) starts and ends one now, with no partitions.
      txnStartTimestamp: this.state === TxnState.Ongoing ? this.txnStartTimestamp : now,
      nextProducerId, txnLastUpdateTimestamp: now, clientTransactionVersion,
    });
  }

  /** Kafka's prepareComplete: CompleteCommit / CompleteAbort once every marker is written. */
  prepareComplete(now: number): TransactionTransit {
    const state = this.state === TxnState.PrepareCommit ? TxnState.CompleteCommit : TxnState.CompleteAbort;
    this.hasFailedEpochFence = false;
    const rotate = this.clientTransactionVersion >= 2 && this.nextProducerId !== NO_PRODUCER_ID;
    return this.prepare(state, {
      producerId: rotate ? this.nextProducerId : this.producerId,
      producerEpoch: rotate ? 0 : this.producerEpoch,
      lastProducerEpoch: this.producerEpoch,
      nextProducerId: NO_PRODUCER_ID,
      partitions: new Map(),
      txnLastUpdateTimestamp: now,
    });
  }

  /** Kafka's prepareDead: the transactional id expires (written as a tombstone). */
  prepareDead(): TransactionTransit {
    return this.prepare(TxnState.Dead, { partitions: new Map() });
  }

  private prepare(state: TxnState, changes: Partial<TransactionTransit>): TransactionTransit {
    if (this.pendingState !== null) {
      throw new Error(`transactional id ${this.transactionalId}: preparing ${txnStateName(state)} while ${txnStateName(this.pendingState)} is pending`);
    }
    if (!VALID_PREVIOUS[state].includes(this.state)) {
      throw new Error(`transactional id ${this.transactionalId}: ${txnStateName(state)} cannot follow ${txnStateName(this.state)}`);
    }
    const transit: TransactionTransit = {
      ...this.snapshot(),
      previousProducerId: this.producerId,
      nextProducerId: NO_PRODUCER_ID,
      clientTransactionVersion: this.clientTransactionVersion,
      ...changes,
      state,
    };
    if (transit.producerId < 0) throw new Error(`illegal producer id ${transit.producerId}`);
    if (state !== TxnState.Dead && transit.producerEpoch < 0) throw new Error(`illegal producer epoch ${transit.producerEpoch}`);
    this.pendingState = state;
    return transit;
  }

  /** The prepared change is durable: apply it (Kafka's completeTransitionTo). */
  completeTransition(t: TransactionTransit): void {
    if (this.pendingState !== t.state) {
      throw new Error(`transactional id ${this.transactionalId}: completing ${txnStateName(t.state)} while ${this.pendingState === null ? "nothing" : txnStateName(this.pendingState)} is pending`);
    }
    switch (t.state) {
      case TxnState.Empty:
        this.producerId = t.producerId;
        this.previousProducerId = t.previousProducerId;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.txnTimeoutMs = t.txnTimeoutMs;
        this.partitions = new Map();
        this.txnStartTimestamp = -1;
        break;
      case TxnState.Ongoing:
        this.txnStartTimestamp = t.txnStartTimestamp;
        this.partitions = copyPartitions(t.partitions);
        break;
      case TxnState.PrepareCommit:
      case TxnState.PrepareAbort:
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.nextProducerId = t.nextProducerId;
        this.txnStartTimestamp = t.txnStartTimestamp;
        break;
      case TxnState.CompleteCommit:
      case TxnState.CompleteAbort:
        if (t.clientTransactionVersion >= 2) this.previousProducerId = t.previousProducerId;
        this.producerId = t.producerId;
        this.producerEpoch = t.producerEpoch;
        this.lastProducerEpoch = t.lastProducerEpoch;
        this.nextProducerId = t.nextProducerId;
        this.partitions = new Map();
        break;
      case TxnState.PrepareEpochFence:
      case TxnState.Dead:
        throw new Error(`transactional id ${this.transactionalId}: ${txnStateName(t.state)} is never completed`);
    }
    this.clientTransactionVersion = t.clientTransactionVersion;
    this.txnLastUpdateTimestamp = t.txnLastUpdateTimestamp;
    this.pendingState = null;
    this.state = t.state;
  }
}
