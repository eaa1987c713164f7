// The idempotent-producer state of one partition (Kafka's ProducerStateManager, ProducerStateEntry
// and ProducerAppendInfo): for every producer id seen in the log, its epoch and the metadata of
// its last NUM_BATCHES_TO_RETAIN (5) batches, so that a retried batch is recognised as a
// duplicate and a gap or a fenced epoch is refused. It reads batch headers only, never records
// (except the one record of a transaction marker, when a log written by Kafka holds one).
//
// Rules (ProducerAppendInfo.checkProducerEpoch / checkSequence), for a batch of producer P with
// epoch E and sequences [first, last]:
//   - duplicate: E is P's epoch and one of P's retained batches has exactly [first, last]; the
//     batch is not appended and the caller answers with the retained batch's offsets;
//   - E < P's epoch → "invalid-epoch" (INVALID_PRODUCER_EPOCH);
//   - E > P's epoch (a bump) → first must be 0, unless P had no epoch yet → else "out-of-order";
//   - same epoch → first must follow P's last sequence (Int32 max wraps to 0) → else "out-of-order";
//   - an unknown P (or one whose batches all left the log) is accepted at any sequence;
//   - a non-transactional batch while P has a transaction open → "invalid-txn-state";
//   - a transactional batch while P has none open starts one at its base offset.
//   - while a transactional batch of P waits for verification with the coordinator (Kafka's
//     VerificationStateEntry), a batch of P above the lowest sequence seen there → "out-of-order":
//     a higher batch must not get in before a lower one that was refused with a retriable error
//     (CONCURRENT_TRANSACTIONS), else the lower one meets out-of-order on every retry.
// A batch the broker's coordinators write (origin "coordinator": transactional offset commits,
// baseSequence -1) gets the epoch check only, as Kafka's AppendOrigin.COORDINATOR.
//
// Transactions (ProducerStateManager.ongoingTxns): the open transaction of each producer, by its
// first offset. A marker (checkMarker, ProducerAppendInfo.appendEndTxnMarker) is refused when its
// epoch is older than P's ("invalid-epoch"; with transaction version 2, where the coordinator
// bumps the epoch before writing the marker, also when it is not newer, except a retry of a
// marker already written: same epoch, no transaction open), or when its coordinator epoch is older
// than the last marker's ("coordinator-fenced"). A marker ends P's open transaction and returns it
// as a CompletedTxn with the LSO right after it (Kafka's lastStableOffset(completedTxn)); a marker
// with no transaction open completes nothing. firstUndecidedOffset is the first offset of the
// earliest open transaction: the log's LSO is min(high watermark, it).
//
// Durability (Kafka's way): snapshot files `<offset, 20 digits>.snapshot` in the partition
// directory hold the state of every batch before `offset`. One is written when a segment is
// rolled (at the new segment's base offset) and on clean close (at the log end offset). Opening
// a partition loads the newest readable snapshot not past the log end and rebuilds the rest by
// scanning the batch headers after it (the whole log when there is no snapshot), so state
// survives kill -9. Snapshot format (Kafka's ProducerSnapshot.json v1, big-endian):
//
//     version int16 (1) | crc uint32 (CRC-32C of everything after it) | count int32 |
//     count × { producerId int64 | epoch int16 | lastSequence int32 | lastOffset int64 |
//               offsetDelta int32 | timestamp int64 | coordinatorEpoch int32 |
//               currentTxnFirstOffset int64 }
//
// A snapshot keeps only the last batch of each producer (as Kafka's does), so after a restart
// from a snapshot only that batch is recognised as a duplicate; batches scanned after it are
// retained as usual. Producers idle for producer.id.expiration.ms (1 day; judged by the
// timestamp of their last batch) are dropped on load and, at most every 10 minutes, on append.
// Stray snapshots are removed on load (those past the log end or at/below the log start, as
// Kafka's truncateAndReload does, and those at no segment base offset except the newest, as its
// removeStraySnapshots does).
//
// Knows nothing of the wire protocol: verdicts are plain kinds that the Produce handler maps to
// error codes.

import { crc32c } from "../records/crc32c.ts";
import type { FileSystem } from "./fs.ts";
import { CONTROL_MASK, RecordBatchView, TRANSACTIONAL_MASK } from "../records/record-batch.ts";
import { ControlRecordType, readTransactionMarker } from "../records/control-batch.ts";
import { getInt64, setInt64 } from "../records/int64.ts";

export const NUM_BATCHES_TO_RETAIN = 5;
export const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;
export const PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS = 600_000;
export const SNAPSHOT_SUFFIX = ".snapshot";
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;

const INT32_MAX = 0x7fffffff;
const SNAPSHOT_VERSION = 1;
const SNAPSHOT_HEADER = 10; // version, crc, entry count
const SNAPSHOT_ENTRY = 46;

/** DefaultRecordBatch.incrementSequence: sequences wrap from Int32 max to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  if (sequence > INT32_MAX - increment) return increment - (INT32_MAX - sequence) - 1;
  return sequence + increment;
}

/** DefaultRecordBatch.decrementSequence. */
export function decrementSequence(sequence: number, decrement: number): number {
  if (sequence < decrement) return INT32_MAX - (decrement - sequence) + 1;
  return sequence - decrement;
}

/** One retained batch of a producer (Kafka's BatchMetadata). */
export interface ProducerBatch {
  lastSeq: number;
  lastOffset: number;
  /** lastOffset - firstOffset (also lastSeq - firstSeq). */
  offsetDelta: number;
  /** The batch's max timestamp as stored (the append time on LogAppendTime topics). */
  timestamp: number;
}

export class ProducerStateEntry {
  readonly producerId: number;
  epoch = NO_PRODUCER_EPOCH;
  coordinatorEpoch = -1;
  lastTimestamp = -1;
  /** First offset of the producer's open transaction, -1 when none. */
  currentTxnFirstOffset = -1;
  /** Oldest first, at most NUM_BATCHES_TO_RETAIN. */
  readonly batches: ProducerBatch[] = [];

  constructor(producerId: number) {
    this.producerId = producerId;
  }

  get lastSeq(): number {
    return this.batches.at(-1)?.lastSeq ?? NO_SEQUENCE;
  }

  /** Sets the epoch; a new epoch forgets the batches of the old one. */
  private setEpoch(epoch: number): void {
    if (this.epoch !== epoch) {
      this.batches.length = 0;
      this.epoch = epoch;
    }
  }

  addBatch(epoch: number, batch: ProducerBatch): void {
    this.setEpoch(epoch);
    if (this.batches.length === NUM_BATCHES_TO_RETAIN) this.batches.shift();
    this.batches.push(batch);
    this.lastTimestamp = batch.timestamp;
  }

  /** A transaction marker (commit or abort) from this producer. */
  endTransaction(epoch: number, coordinatorEpoch: number, timestamp: number): void {
    this.setEpoch(epoch);
    this.coordinatorEpoch = coordinatorEpoch;
    this.currentTxnFirstOffset = -1;
    this.lastTimestamp = timestamp;
  }

  /** The retained batch with exactly this sequence range, if the epoch is the current one. */
  findDuplicate(epoch: number, firstSeq: number, lastSeq: number): ProducerBatch | undefined {
    if (epoch !== this.epoch) return undefined;
    return this.batches.find((b) => b.lastSeq === lastSeq && decrementSequence(b.lastSeq, b.offsetDelta) === firstSeq);
  }
}

/** The producer fields of a batch header. */
export interface ProducerBatchHeader {
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  lastOffsetDelta: number;
  isTransactional: boolean;
}

export type SequenceVerdict =
  /** Not seen before and in order: append it. */
  | { kind: "append" }
  /** A retry of a retained batch: do not append; answer with where it went. */
  | { kind: "duplicate"; firstOffset: number; lastOffset: number; timestamp: number }
  | { kind: "invalid-epoch"; message: string }
  | { kind: "out-of-order"; message: string }
  | { kind: "invalid-txn-state"; message: string };

/** Whose append it is (Kafka's AppendOrigin): a client's gets every check, a coordinator's the epoch only. */
export type AppendOrigin = "client" | "coordinator";

/** A marker's verdict (checkMarker). */
export type MarkerVerdict =
  | { kind: "append" }
  | { kind: "invalid-epoch"; message: string }
  | { kind: "coordinator-fenced"; message: string };

/** A transaction a marker ended (Kafka's CompletedTxn), with the LSO once it ended. */
export interface CompletedTxn {
  producerId: number;
  firstOffset: number;
  /** The marker's offset. */
  lastOffset: number;
  aborted: boolean;
  /** Kafka's ProducerStateManager.lastStableOffset(completedTxn): what the .txnindex entry records. */
  lastStableOffset: number;
}

export interface ProducerStateOptions {
  fs: FileSystem;
  dir: string;
  log?: (msg: string) => void;
  /** producer.id.expiration.ms (default 1 day). */
  expirationMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

export interface ProducerStateLoad {
  logStartOffset: number;
  logEndOffset: number;
  segmentBaseOffsets: number[];
  /** Every batch from the one containing `offset` to the log end, in order. */
  batchesFrom(offset: number): Iterable<Uint8Array>;
  /**
   * Start the scan no later than this offset (snapshots past it are kept but not loaded): the
   * transactions completed in segments that recovery validated are reported again.
   */
  scanFrom?: number;
  /** Called for every transaction a marker in the scanned batches completed (rebuilding .txnindex). */
  onCompletedTxn?: (txn: CompletedTxn) => void;
}

export class ProducerState {
  private readonly producers = new Map<number, ProducerStateEntry>();
  /** Producer id → first offset of its open transaction (Kafka's ongoingTxns). */
  private readonly openTxns = new Map<number, number>();
  /**
   * Producer id → the epoch and lowest sequence of its transactional batches verified with the
   * coordinator before its transaction opened here (Kafka's verificationStates); cleared by its
   * next transactional append. Not persisted, as Kafka's.
   */
  private readonly verifying = new Map<number, { epoch: number; lowestSequence: number }>();
  /** Cached minimum of openTxns (-1: none; undefined: to compute). */
  private firstOpenTxnOffset: number | undefined = -1;
  private readonly fs: FileSystem;
  private readonly dir: string;
  private readonly log: (msg: string) => void;
  private readonly expirationMs: number;
  private readonly now: () => number;
  private lastExpirationCheck: number;
  /** Offset of the newest snapshot on disk (-1 when none). */
  private lastSnapshotOffset = -1;
  /** How many batches the last load() scanned after its snapshot (tests, logging). */
  scannedBatches = 0;
  /** The snapshot offset the last load() started from (-1 when none). */
  loadedSnapshotOffset = -1;

  constructor(opts: ProducerStateOptions) {
    this.fs = opts.fs;
    this.dir = opts.dir;
    this.log = opts.log ?? (() => {});
    this.expirationMs = opts.expirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS;
    this.now = opts.now ?? Date.now;
    this.lastExpirationCheck = this.now();
  }

  get size(): number {
    return this.producers.size;
  }

  entry(producerId: number): ProducerStateEntry | undefined {
    return this.producers.get(producerId);
  }

  entries(): IterableIterator<ProducerStateEntry> {
    return this.producers.values();
  }

  /**
   * Checks an idempotent batch (producerId >= 0) before it is appended; changes nothing.
   * `firstOffset` only goes into messages.
   */
  check(b: ProducerBatchHeader, firstOffset: number, origin: AppendOrigin = "client"): SequenceVerdict {
    const entry = this.producers.get(b.producerId);
    const lastSeq = incrementSequence(b.baseSequence, b.lastOffsetDelta);
    if (entry === undefined) return origin === "client" ? this.checkVerification(b, firstOffset) ?? { kind: "append" } : { kind: "append" };
    if (origin === "coordinator") {
      if (b.producerEpoch < entry.epoch) {
        return {
          kind: "invalid-epoch",
          message: `Epoch of producer ${b.producerId} at offset ${firstOffset} is ${b.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}`,
        };
      }
      if (entry.currentTxnFirstOffset >= 0 && !b.isTransactional) {
        return { kind: "invalid-txn-state", message: `Expected transactional write from producer ${b.producerId} at offset ${firstOffset}` };
      }
      return { kind: "append" };
    }
    const dup = entry.findDuplicate(b.producerEpoch, b.baseSequence, lastSeq);
    if (dup !== undefined) {
      return { kind: "duplicate", firstOffset: dup.lastOffset - dup.offsetDelta, lastOffset: dup.lastOffset, timestamp: dup.timestamp };
    }
    if (b.producerEpoch < entry.epoch) {
      return {
        kind: "invalid-epoch",
        message: `Epoch of producer ${b.producerId} at offset ${firstOffset} is ${b.producerEpoch}, which is smaller than the last seen epoch ${entry.epoch}`,
      };
    }
    const unverified = this.checkVerification(b, firstOffset);
    if (unverified !== null) return unverified;
    if (b.producerEpoch !== entry.epoch) {
      if (b.baseSequence !== 0 && entry.epoch !== NO_PRODUCER_EPOCH) {
        return {
          kind: "out-of-order",
          message: `Invalid sequence number for new epoch of producer ${b.producerId} at offset ${firstOffset}: ${b.producerEpoch} (request epoch), ${b.baseSequence} (seq. number), ${entry.epoch} (current producer epoch)`,
        };
      }
    } else {
      const current = entry.lastSeq;
      const inSequence = b.baseSequence === current + 1 || (b.baseSequence === 0 && current === INT32_MAX);
      if (entry.epoch !== NO_PRODUCER_EPOCH && !inSequence) {
        return {
          kind: "out-of-order",
          message: `Out of order sequence number for producer ${b.producerId} at offset ${firstOffset}: ${b.baseSequence} (incoming seq. number), ${current} (current end sequence number)`,
        };
      }
    }
    if (entry.currentTxnFirstOffset >= 0 && !b.isTransactional) {
      return { kind: "invalid-txn-state", message: `Expected transactional write from producer ${b.producerId} at offset ${firstOffset}` };
    }
    return { kind: "append" };
  }

  /**
   * Kafka's UnifiedLog.maybeStartTransactionVerification / VerificationStateEntry: a transactional
   * batch of `producerId` goes to the coordinator before its transaction opens in this partition;
   * remember the lowest sequence seen (a higher epoch starts over) until a transactional append.
   */
  startVerification(producerId: number, producerEpoch: number, baseSequence: number): void {
    const v = this.verifying.get(producerId);
    if (v === undefined) this.verifying.set(producerId, { epoch: producerEpoch, lowestSequence: baseSequence });
    else if (producerEpoch === v.epoch && baseSequence < v.lowestSequence) v.lowestSequence = baseSequence;
    else if (producerEpoch > v.epoch) {
      v.epoch = producerEpoch;
      v.lowestSequence = baseSequence;
    }
  }

  /** ProducerAppendInfo.checkSequence's first rule: nothing above the earliest sequence seen in verification. */
  private checkVerification(b: ProducerBatchHeader, firstOffset: number): SequenceVerdict | null {
    const v = this.verifying.get(b.producerId);
    if (v === undefined || b.baseSequence <= v.lowestSequence) return null;
    return {
      kind: "out-of-order",
      message: `Out of order sequence number for producer ${b.producerId} at offset ${firstOffset}: ${b.baseSequence} (incoming seq. number), ${v.lowestSequence} (earliest seen sequence)`,
    };
  }

  /**
   * Checks a transaction marker before it is appended at `offset` (ProducerAppendInfo's
   * appendEndTxnMarker checks; transactionVersion as WriteTxnMarkers gives it: 0/1 legacy, 2);
   * changes nothing.
   */
  checkMarker(producerId: number, producerEpoch: number, coordinatorEpoch: number, offset: number, transactionVersion: number): MarkerVerdict {
    const entry = this.producers.get(producerId);
    if (entry === undefined) return { kind: "append" };
    const current = entry.epoch;
    const tv2 = transactionVersion >= 2;
    const invalid = tv2 ? producerEpoch <= current : producerEpoch < current;
    // KAFKA-19999: a TV2 marker written again (coordinator reload, lost response) is accepted.
    const retry = tv2 && producerEpoch === current && entry.currentTxnFirstOffset < 0;
    if (invalid && !retry) {
      return {
        kind: "invalid-epoch",
        message: `Epoch of producer ${producerId} at offset ${offset} is ${producerEpoch}, which is ${tv2 ? "<=" : "<"} the last seen epoch ${current} (TV${transactionVersion})`,
      };
    }
    if (entry.coordinatorEpoch > coordinatorEpoch) {
      return {
        kind: "coordinator-fenced",
        message: `Invalid coordinator epoch for producerId ${producerId} at offset ${offset}: ${coordinatorEpoch} (zombie), ${entry.coordinatorEpoch} (current)`,
      };
    }
    return { kind: "append" };
  }

  /** The first offset of the earliest open transaction, or -1 (Kafka's firstUndecidedOffset). */
  get firstUndecidedOffset(): number {
    if (this.firstOpenTxnOffset === undefined) {
      let min = -1;
      for (const first of this.openTxns.values()) if (min < 0 || first < min) min = first;
      this.firstOpenTxnOffset = min;
    }
    return this.firstOpenTxnOffset;
  }

  /** The open transactions: producer id → first offset. */
  get openTransactions(): ReadonlyMap<number, number> {
    return this.openTxns;
  }

  private openTxn(producerId: number, firstOffset: number): void {
    this.openTxns.set(producerId, firstOffset);
    this.firstOpenTxnOffset = undefined;
  }

  private closeTxn(producerId: number): void {
    if (this.openTxns.delete(producerId)) this.firstOpenTxnOffset = undefined;
  }

  /**
   * Records an appended batch (any batch: those without a producer id are ignored), stored at
   * `baseOffset` (default: the one in its header). Only the header is read (and, for a
   * transaction marker, its one record). Returns the transaction a marker ended, if any.
   */
  onAppend(batch: RecordBatchView, baseOffset?: number): CompletedTxn | null {
    const producerId = batch.producerId;
    if (producerId < 0) return null;
    baseOffset ??= batch.baseOffset;
    const epoch = batch.producerEpoch;
    const attributes = batch.attributes;
    const delta = batch.lastOffsetDelta;
    const maxTimestamp = batch.maxTimestamp;
    let entry = this.producers.get(producerId);
    if (entry === undefined) this.producers.set(producerId, (entry = new ProducerStateEntry(producerId)));
    // A marker ends the transaction, a data batch opens it: either way no longer verifying (Kafka's updateProducers).
    if (attributes & TRANSACTIONAL_MASK) this.verifying.delete(producerId);
    if (attributes & CONTROL_MASK) {
      const marker = readTransactionMarker(batch);
      if (marker === null) return null; // an empty control batch: its transaction was cleaned away
      const first = entry.currentTxnFirstOffset;
      let completed: CompletedTxn | null = null;
      if (first >= 0) {
        // Kafka's lastStableOffset(completedTxn): the earliest other open transaction, else past the marker.
        let lso = -1;
        for (const [pid, f] of this.openTxns) if (pid !== producerId && (lso < 0 || f < lso)) lso = f;
        if (lso < 0) lso = baseOffset + 1;
        completed = { producerId, firstOffset: first, lastOffset: baseOffset, aborted: marker.type === ControlRecordType.ABORT, lastStableOffset: lso };
      }
      entry.endTransaction(epoch, marker.coordinatorEpoch, marker.timestamp);
      this.closeTxn(producerId);
      return completed;
    }
    const baseSequence = batch.baseSequence;
    entry.addBatch(epoch, {
      lastSeq: incrementSequence(baseSequence, delta),
      lastOffset: baseOffset + delta,
      offsetDelta: delta,
      timestamp: maxTimestamp,
    });
    if (attributes & TRANSACTIONAL_MASK && entry.currentTxnFirstOffset < 0) {
      entry.currentTxnFirstOffset = baseOffset;
      this.openTxn(producerId, baseOffset);
    }
    const now = this.now();
    if (now - this.lastExpirationCheck >= PRODUCER_ID_EXPIRATION_CHECK_INTERVAL_MS) {
      this.lastExpirationCheck = now;
      this.removeExpired(now);
    }
    return null;
  }

  /** Drops producers idle for expirationMs (never one with an open transaction). */
  removeExpired(now = this.now()): number {
    let n = 0;
    for (const [id, e] of this.producers) {
      if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= this.expirationMs) {
        this.producers.delete(id);
        n++;
      }
    }
    return n;
  }

  // ---- snapshots -----------------------------------------------------------------------------

  /**
   * Rebuilds the state when a partition is opened: removes stray snapshots, loads the newest
   * readable one, then scans the batch headers after it.
   */
  load(at: ProducerStateLoad): void {
    this.producers.clear();
    this.verifying.clear();
    this.openTxns.clear();
    this.firstOpenTxnOffset = -1;
    const snapshots = this.listSnapshots();
    // Kafka's truncateAndReload: snapshots past the log end or at/below the log start go.
    const usable: number[] = [];
    for (const offset of snapshots) {
      if (offset > at.logEndOffset || offset <= at.logStartOffset) this.deleteSnapshot(offset);
      else usable.push(offset);
    }
    let from = at.logStartOffset;
    this.loadedSnapshotOffset = -1;
    for (let i = usable.length - 1; i >= 0; i--) {
      const offset = usable[i]!;
      if (at.scanFrom !== undefined && offset > at.scanFrom) continue;
      const entries = this.readSnapshot(offset);
      if (entries === null) {
        this.deleteSnapshot(offset);
        usable.splice(i, 1);
        continue;
      }
      const now = this.now();
      for (const e of entries) {
        if (e.currentTxnFirstOffset < 0 && now - e.lastTimestamp >= this.expirationMs) continue;
        this.producers.set(e.producerId, e);
        if (e.currentTxnFirstOffset >= 0) this.openTxn(e.producerId, e.currentTxnFirstOffset);
      }
      from = offset;
      this.loadedSnapshotOffset = offset;
      break;
    }
    this.removeStraySnapshots(usable, at.segmentBaseOffsets);
    // As Kafka: no snapshot is taken at an offset no later than the newest one or the log start.
    this.lastSnapshotOffset = Math.max(usable.at(-1) ?? -1, at.logStartOffset);
    let scanned = 0;
    if (from < at.logEndOffset) {
      for (const batch of at.batchesFrom(from)) {
        const view = new RecordBatchView(batch);
        if (view.baseOffset < from) continue;
        scanned++;
        const completed = this.onAppend(view);
        if (completed !== null) at.onCompletedTxn?.(completed);
      }
    }
    this.scannedBatches = scanned;
    // Kafka drops expired producers when it loads a snapshot and, for those rebuilt from the log,
    // at its next periodic check; here both happen now.
    this.lastExpirationCheck = this.now();
    this.removeExpired(this.lastExpirationCheck);
    if (this.producers.size > 0 || scanned > 0) {
      this.log(`${this.dir}: producer state of ${this.producers.size} producer(s) loaded from ${this.loadedSnapshotOffset >= 0 ? `snapshot ${this.loadedSnapshotOffset}` : "the log"}` +
        ` and ${scanned} batch(es) after it`);
    }
  }

  /**
   * Writes the state as `<offset>.snapshot` (offset = the end of what it covers), unless the
   * newest snapshot is already there. Atomic (temp file, fsync, rename).
   */
  takeSnapshot(offset: number): void {
    if (offset <= this.lastSnapshotOffset) return;
    this.fs.writeFileAtomic(this.snapshotPath(offset), encodeProducerSnapshot(this.producers.values()));
    this.lastSnapshotOffset = offset;
  }

  /** Snapshot offsets on disk, ascending. */
  listSnapshots(): number[] {
    const out: number[] = [];
    for (const name of this.fs.list(this.dir)) {
      if (name.length === 20 + SNAPSHOT_SUFFIX.length && name.endsWith(SNAPSHOT_SUFFIX) && /^\d{20}$/.test(name.slice(0, 20))) {
        out.push(Number(name.slice(0, 20)));
      }
    }
    return out.sort((a, b) => a - b);
  }

  snapshotPath(offset: number): string {
    return `${this.dir}/${String(offset).padStart(20, "0")}${SNAPSHOT_SUFFIX}`;
  }

  private readSnapshot(offset: number): ProducerStateEntry[] | null {
    const path = this.snapshotPath(offset);
    try {
      return decodeProducerSnapshot(this.fs.readFile(path));
    } catch (e) {
      this.log(`${path}: unreadable producer snapshot (${(e as Error).message}); deleting it`);
      return null;
    }
  }

  /** Removes the snapshots at these offsets, if any (segments the log cleaner merged away). */
  deleteSnapshotsAt(offsets: number[]): void {
    const existing = new Set(this.listSnapshots());
    for (const o of offsets) if (existing.has(o)) this.deleteSnapshot(o);
  }

  /** Removes the snapshots of offsets below `offset` (segments that retention removed). */
  deleteSnapshotsBefore(offset: number): void {
    for (const o of this.listSnapshots()) if (o < offset) this.deleteSnapshot(o);
  }

  private deleteSnapshot(offset: number): void {
    this.fs.remove(this.snapshotPath(offset));
  }

  /** Kafka's removeStraySnapshots: keep snapshots at segment base offsets, and the newest. */
  private removeStraySnapshots(offsets: number[], segmentBaseOffsets: number[]): void {
    const bases = new Set(segmentBaseOffsets);
    const newest = offsets.at(-1);
    for (let i = offsets.length - 1; i >= 0; i--) {
      const o = offsets[i]!;
      if (o === newest || bases.has(o)) continue;
      this.deleteSnapshot(o);
      offsets.splice(i, 1);
    }
  }
}

/** Kafka's ProducerStateManager.writeSnapshot format (see the file comment). */
export function encodeProducerSnapshot(entries: Iterable<ProducerStateEntry>): Uint8Array {
  // By producer id: the order Kafka's HashMap<Long, _> gives small ids.
  const list = [...entries].sort((a, b) => a.producerId - b.producerId);
  const out = new Uint8Array(SNAPSHOT_HEADER + list.length * SNAPSHOT_ENTRY);
  const dv = new DataView(out.buffer);
  dv.setInt16(0, SNAPSHOT_VERSION);
  dv.setInt32(6, list.length);
  let p = SNAPSHOT_HEADER;
  const int64 = (v: number) => {
    setInt64(dv, p, v);
    p += 8;
  };
  for (const e of list) {
    const last = e.batches.at(-1);
    int64(e.producerId);
    dv.setInt16(p, e.epoch);
    dv.setInt32(p + 2, last?.lastSeq ?? NO_SEQUENCE);
    p += 6;
    int64(last?.lastOffset ?? -1);
    dv.setInt32(p, last?.offsetDelta ?? 0);
    p += 4;
    int64(e.lastTimestamp);
    dv.setInt32(p, e.coordinatorEpoch);
    p += 4;
    int64(e.currentTxnFirstOffset);
  }
  dv.setUint32(2, crc32c(out, 6, out.length));
  return out;
}

/** Reads a snapshot file; throws if it is not a valid v1 snapshot. */
export function decodeProducerSnapshot(bytes: Uint8Array): ProducerStateEntry[] {
  if (bytes.length < SNAPSHOT_HEADER) throw new Error(`snapshot of ${bytes.length} bytes is too short`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = dv.getInt16(0);
  if (version !== SNAPSHOT_VERSION) throw new Error(`unknown snapshot version ${version}`);
  const count = dv.getInt32(6);
  if (count < 0 || bytes.length !== SNAPSHOT_HEADER + count * SNAPSHOT_ENTRY) {
    throw new Error(`snapshot of ${bytes.length} bytes cannot hold ${count} entries`);
  }
  const stored = dv.getUint32(2);
  const computed = crc32c(bytes, 6, bytes.length);
  if (stored !== computed) throw new Error(`CRC mismatch (stored ${stored}, computed ${computed})`);
  const out: ProducerStateEntry[] = [];
  let p = SNAPSHOT_HEADER;
  const int64 = () => {
    const v = getInt64(dv, p);
    p += 8;
    return v;
  };
  for (let i = 0; i < count; i++) {
    const e = new ProducerStateEntry(int64());
    e.epoch = dv.getInt16(p);
    const lastSeq = dv.getInt32(p + 2);
    p += 6;
    const lastOffset = int64();
    const offsetDelta = dv.getInt32(p);
    p += 4;
    e.lastTimestamp = int64();
    e.coordinatorEpoch = dv.getInt32(p);
    p += 4;
    e.currentTxnFirstOffset = int64();
    if (lastOffset >= 0) e.batches.push({ lastSeq, lastOffset, offsetDelta, timestamp: e.lastTimestamp });
    out.push(e);
  }
  return out;
}
