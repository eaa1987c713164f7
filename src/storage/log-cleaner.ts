// The log cleaner (Kafka's LogCleaner / Cleaner, single thread): compacts the partitions of
// topics whose cleanup.policy includes "compact", keeping the newest record of each key.
//
// A pass over one log:
//  - the dirty section runs from the first dirty offset (cleaner-offset-checkpoint; the log start
//    offset at first) to the end of the last sealed segment whose newest record is older than
//    min.compaction.lag.ms (the active segment is never cleaned);
//  - the log is cleaned when dirty bytes / (clean + dirty bytes) reaches min.cleanable.dirty.ratio,
//    or when its oldest dirty record has waited max.compaction.lag.ms;
//  - the offset map (key → newest offset in the dirty section; offset-map.ts) takes exactly the
//    dedupe buffer (log.cleaner.dedupe.buffer.size); when it is full, this pass cleans only up
//    to there;
//  - every sealed segment from the log start to the end of the mapped section is rewritten, in
//    groups of at most segment.bytes: a record stays when its key is not in the map or this is
//    the mapped offset; records without a key go; a tombstone (null value) stays until the batch's
//    delete horizon has passed (KIP-534: the first pass that keeps a tombstone stamps its batch
//    with now + delete.retention.ms); a batch that loses every record is dropped, except the last
//    batch of a producer, kept empty so the producer's sequence survives (idempotence). Offsets
//    are kept (gaps are fine), compressed batches are inflated and recompressed with their codec;
//  - the rewritten group replaces its segments crash-safely (PartitionLog.replaceSegments).
// Transactions (Kafka's CleanedTransactionMetadata and Cleaner.cleanInto):
//  - the cleanable range ends at the last stable offset (a segment holding an undecided
//    transaction, and every later one, is not cleaned: LogCleanerManager.cleanableOffsets);
//  - the batches of aborted transactions (known from the segments' .txnindex) are not mapped and
//    are removed; a COMMIT or ABORT marker is kept while data of its transaction is still in the
//    log; once none is, the first pass that keeps it stamps its batch with a delete horizon
//    (now + delete.retention.ms), and a pass after the horizon removes it;
//  - a producer's last batch is kept (emptied if need be), and so is a producer's last marker
//    when the producer has no data batch left (it carries the epoch that fences zombies);
//  - the cleaned segment's .txnindex holds the aborts whose marker it keeps and whose data it
//    still held when cleaned.
// On disk, passes run in the cleaner worker (log-cleaner-worker.ts, a thread of its own as Kafka's
// CleanerThread is): it maps the sealed segments read-only and writes the cleaned segment; the
// broker thread only picks the log and commits each swap, so producers and consumers are not held
// up by cleaning. In the broker thread (MemoryFileSystem, tests) the work is done in slices that
// yield to the event loop (every `sliceBytes` read or written). The read rate can be capped
// (log.cleaner.io.max.bytes.per.second).

import { compress } from "../records/compression.ts";
import { buildRetainedBatch } from "../records/record-batch-builder.ts";
import { RecordBatchView, recordsSection } from "../records/record-batch.ts";
import { walkRecords } from "../records/record-walk.ts";
import { OffsetMap } from "./offset-map.ts";
import type { PartitionLog, SealedSegment } from "./partition-log.ts";
import type { LogStore } from "./log-store.ts";
import type { AbortedTxn } from "./transaction-index.ts";
import { ControlRecordType, readTransactionMarker } from "../records/control-batch.ts";
import { CleanerWorkerClient } from "./log-cleaner-worker-client.ts";

/**
 * What a cleaning pass reads and writes: a PartitionLog in the broker thread, or its files as the
 * broker thread described them to the cleaner worker (log-cleaner-worker.ts).
 */
export interface CleanableLog {
  readonly logStartOffset: number;
  /** Nothing at or past it is cleaned (an undecided transaction starts there). */
  readonly lastStableOffset: number;
  sealedSegments(): SealedSegment[];
  /** Every batch of a sealed segment, in order. */
  segmentBatches(baseOffset: number): Iterable<Uint8Array>;
  /** The producer's last data offset (-1: none, its last record is a marker) and epoch; null for an unknown producer. */
  producerLastRecord(producerId: number): ProducerLastRecord | null;
  /** The aborted transactions overlapping [from, to) (the segments' .txnindex). */
  abortedTransactions(from: number, to: number): AbortedTxn[];
  /**
   * Starts writing the segment that replaces `baseOffsets`; null if they are not sealed segments
   * of the log. commit() is given the aborted transactions the new segment's .txnindex holds.
   */
  startReplacement(baseOffsets: number[]): {
    append(batch: Uint8Array): void; commit(abortedTxns: AbortedTxn[]): boolean | Promise<boolean>; abort(): void;
  } | null;
}

/** Kafka's LastRecord of an active producer. */
export interface ProducerLastRecord {
  lastDataOffset: number;
  epoch: number;
}

/** A topic's compaction settings (its configs over the broker's log.cleaner.* and log.* keys). */
export interface CompactionPolicy {
  compactEnabled: boolean;
  minCleanableDirtyRatio: number;
  minCompactionLagMs: number;
  maxCompactionLagMs: number;
  deleteRetentionMs: number;
  segmentBytes: number;
}

export interface CleanerBudget {
  /** log.cleaner.dedupe.buffer.size: memory for the offset map (Kafka default 128 MiB). */
  dedupeBufferBytes: number;
  /** log.cleaner.io.max.bytes.per.second: read rate cap (Infinity: none). */
  ioMaxBytesPerSecond: number;
  /** Bytes of work between yields to the event loop. */
  sliceBytes: number;
}

export const DEFAULT_CLEANER_BUDGET: CleanerBudget = {
  dedupeBufferBytes: 128 * 1024 * 1024,
  ioMaxBytesPerSecond: Infinity,
  sliceBytes: 4 * 1024 * 1024,
};


export interface CleanResult {
  /** Segments rewritten. */
  segments: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
  /** The new first dirty offset (end of what was cleaned). */
  cleanedTo: number;
}

/** Where a log stands for the cleaner (LogCleanerManager.cleanableOffsets + the dirty ratio). */
export function cleanability(log: Pick<CleanableLog, "logStartOffset" | "lastStableOffset" | "sealedSegments">, firstDirty: number, policy: CompactionPolicy, now: number) {
  const segments = log.sealedSegments();
  const dirtyStart = Math.max(firstDirty, log.logStartOffset);
  let cleanBytes = 0, dirtyBytes = 0, end = dirtyStart;
  let oldestDirty = Infinity;
  for (const seg of segments) {
    if (seg.endOffset <= dirtyStart) {
      cleanBytes += seg.size;
      continue;
    }
    // min.compaction.lag.ms: a segment with records newer than that is not yet cleanable.
    if (seg.largestTimestamp >= 0 && now - seg.largestTimestamp < policy.minCompactionLagMs) break;
    // Never past the last stable offset: an undecided transaction's outcome is not known yet.
    if (seg.endOffset > log.lastStableOffset) break;
    dirtyBytes += seg.size;
    end = seg.endOffset;
    if (seg.largestTimestamp >= 0) oldestDirty = Math.min(oldestDirty, seg.largestTimestamp);
  }
  const total = cleanBytes + dirtyBytes;
  const ratio = total === 0 ? 0 : dirtyBytes / total;
  const overdue = oldestDirty !== Infinity && now - oldestDirty > policy.maxCompactionLagMs;
  return { dirtyStart, dirtyEnd: end, dirtyBytes, cleanBytes, ratio, due: dirtyBytes > 0 && (ratio >= policy.minCleanableDirtyRatio || overdue) };
}

/**
 * Cleans one log once (Kafka's Cleaner.clean): returns null when nothing was due. `yieldNow` is
 * awaited between slices of work.
 */
export async function cleanLog(
  log: CleanableLog, firstDirty: number, policy: CompactionPolicy, budget: CleanerBudget, now: number,
  yieldNow: () => Promise<void> = () => new Promise((r) => setImmediate(r)),
  map?: OffsetMap,
): Promise<CleanResult | null> {
  const where = cleanability(log, firstDirty, policy, now);
  if (!where.due) return null;
  let sinceYield = 0;
  const throttle = new Throttle(budget.ioMaxBytesPerSecond);
  const work = async (bytes: number) => {
    sinceYield += bytes;
    await throttle.account(bytes);
    if (sinceYield >= budget.sliceBytes) {
      sinceYield = 0;
      await yieldNow();
    }
  };

  // 1. The offset map over the dirty section, within the dedupe buffer.
  // The dedupe buffer is allocated once (LogCleaner keeps it) and cleared between passes.
  const offsets = map ?? new OffsetMap(budget.dedupeBufferBytes);
  offsets.clear();
  let mappedTo = where.dirtyStart;
  // Kafka's isBatchLastRecordOfProducer: a producer's last batch (by the producer state) is kept,
  // empty if need be, so that its sequence survives cleaning; a producer whose last record is a
  // marker keeps that marker (its epoch).
  const isProducersLast = (view: RecordBatchView) => {
    if (view.producerId < 0) return false;
    const last = log.producerLastRecord(view.producerId);
    if (last === null) return false;
    return last.lastDataOffset >= 0 ? view.lastOffset === last.lastDataOffset : view.isControl && view.producerEpoch === last.epoch;
  };
  const dirty = log.sealedSegments().filter((s) => s.endOffset > where.dirtyStart && s.endOffset <= where.dirtyEnd);
  // Aborted transactions' batches are not mapped: their keys must not hide committed records.
  const mapTxns = new CleanedTransactions(log.abortedTransactions(where.dirtyStart, where.dirtyEnd));
  build: for (const seg of dirty) {
    for (const bytes of log.segmentBatches(seg.baseOffset)) {
      const view = new RecordBatchView(bytes);
      if (view.lastOffset < where.dirtyStart) continue;
      const aborted = view.isControl ? (mapTxns.onControlBatch(view), false) : mapTxns.onDataBatch(view);
      if (!view.isControl && !aborted) {
        const section = recordsSection(view);
        const base = view.baseOffset;
        let full = false;
        walkRecords(section, view.recordCount, (r) => {
          if (full || r.keyLength < 0 || base + r.offsetDelta < where.dirtyStart) return;
          if (!offsets.put(section, r.keyStart, r.keyStart + r.keyLength, base + r.offsetDelta)) full = true;
        });
        // Full: clean only up to the batch before this one (Kafka stops at a segment boundary
        // when it can; a batch boundary keeps this simple and correct). Keys of this batch
        // already put point past mappedTo, where nothing is compared.
        if (full) break build;
      }
      mappedTo = view.nextOffset;
      await work(bytes.length);
    }
  }
  if (mappedTo <= where.dirtyStart) return null;

  // 2. Rewrite every sealed segment up to the end of the mapped section, in groups.
  const toClean = log.sealedSegments().filter((s) => s.baseOffset < mappedTo && s.endOffset <= where.dirtyEnd);
  const groups: number[][] = [];
  let group: number[] = [], groupBytes = 0;
  for (const seg of toClean) {
    if (group.length > 0 && groupBytes + seg.size > policy.segmentBytes) {
      groups.push(group);
      group = [];
      groupBytes = 0;
    }
    group.push(seg.baseOffset);
    groupBytes += seg.size;
  }
  if (group.length > 0) groups.push(group);

  const result: CleanResult = { segments: 0, bytesBefore: 0, bytesAfter: 0, recordsRemoved: 0, cleanedTo: mappedTo };
  const first = toClean[0]?.baseOffset ?? mappedTo;
  const txns = new CleanedTransactions(log.abortedTransactions(first, toClean.at(-1)?.endOffset ?? mappedTo));
  for (const bases of groups) {
    const replacement = log.startReplacement(bases);
    if (replacement === null) return null;
    let changed = false;
    try {
      for (const base of bases) {
        for (const bytes of log.segmentBatches(base)) {
          result.bytesBefore += bytes.length;
          const kept = retain(new RecordBatchView(bytes), offsets, mappedTo, isProducersLast, txns, policy, now, result);
          if (kept !== bytes) changed = true;
          if (kept !== null) {
            replacement.append(kept);
            result.bytesAfter += kept.length;
          }
          await work(bytes.length);
        }
      }
    } catch (e) {
      replacement.abort();
      throw e;
    }
    const abortedTxns = txns.takeRetained();
    // Nothing removed or rewritten in a single segment: no swap (no fsync, no rename).
    if (!changed && bases.length === 1) {
      replacement.abort();
      continue;
    }
    // The log may have changed while this pass yielded (retention, DeleteRecords): then the
    // swap is refused and the next pass starts over.
    if (!(await replacement.commit(abortedTxns))) return null;
    result.segments += bases.length;
  }
  return result;
}

/** The batch to write in place of `view` (itself when nothing changes), or null to drop it. */
function retain(
  view: RecordBatchView, offsets: OffsetMap, mappedTo: number, isProducersLast: (view: RecordBatchView) => boolean,
  txns: CleanedTransactions, policy: CompactionPolicy, now: number, result: CleanResult,
): Uint8Array | null {
  const horizon = view.deleteHorizonMs;
  // Kafka's checkBatchRetention: a marker goes once its transaction's data is gone and its
  // delete horizon has passed; an aborted transaction's batch goes at once.
  const canDiscard = view.isControl ? txns.onControlBatch(view) : txns.onDataBatch(view);
  const discardRecords = view.isControl ? canDiscard && horizon >= 0 && now >= horizon : canDiscard;
  if (discardRecords) {
    result.recordsRemoved += view.recordCount;
    return isProducersLast(view) ? buildRetainedBatch(view, { section: new Uint8Array(0), bounds: [], timestampDeltas: [] }, { compress }) : null;
  }
  const section = recordsSection(view);
  if (view.isControl) {
    // A marker whose transaction has no data left is stamped with its delete horizon (the first time).
    if (!canDiscard || horizon >= 0) return view.bytes;
    const bounds: number[] = [];
    const timestampDeltas: number[] = [];
    walkRecords(section, view.recordCount, (r) => {
      bounds.push(r.start, r.end, r.timestampStart, r.timestampEnd);
      timestampDeltas.push(r.timestampDelta);
    });
    return buildRetainedBatch(view, { section, bounds, timestampDeltas }, { deleteHorizonMs: now + policy.deleteRetentionMs, compress });
  }
  const base = view.baseOffset;
  const bounds: number[] = [];
  const timestampDeltas: number[] = [];
  let tombstones = false;
  let total = 0;
  walkRecords(section, view.recordCount, (r) => {
    total++;
    if (r.keyLength < 0) return; // records without a key go
    const offset = base + r.offsetDelta;
    if (offset < mappedTo) {
      if (offsets.get(section, r.keyStart, r.keyStart + r.keyLength) > offset) return;
    }
    if (r.valueLength < 0) {
      // A tombstone: kept until the delete horizon of its batch has passed.
      if (horizon >= 0 && now >= horizon) return;
      tombstones = true;
    }
    bounds.push(r.start, r.end, r.timestampStart, r.timestampEnd);
    timestampDeltas.push(r.timestampDelta);
  });
  const kept = timestampDeltas.length;
  result.recordsRemoved += total - kept;
  // A batch whose tombstones are kept for the first time gets its delete horizon (KIP-534).
  const stampHorizon = tombstones && horizon < 0;
  if (kept === total && !stampHorizon) return view.bytes;
  if (kept === 0 && !isProducersLast(view)) return null;
  return buildRetainedBatch(view, { section, bounds, timestampDeltas }, {
    deleteHorizonMs: stampHorizon ? now + policy.deleteRetentionMs : horizon >= 0 && tombstones ? horizon : undefined,
    compress,
  });
}

/**
 * Kafka's CleanedTransactionMetadata: the transaction state while the cleaner walks the batches in
 * offset order. Aborted transactions (from .txnindex) become "ongoing" when the walk reaches their
 * first offset; a producer's transactional batches are then the aborted transaction's (dropped)
 * until its ABORT marker, and otherwise a committed one's (kept, and their COMMIT marker with them).
 */
export class CleanedTransactions {
  private readonly aborted: AbortedTxn[];
  private next = 0;
  private readonly ongoingAborted = new Map<number, { txn: AbortedTxn; observed: boolean }>();
  private readonly ongoingCommitted = new Set<number>();
  private retained: AbortedTxn[] = [];

  constructor(aborted: AbortedTxn[]) {
    this.aborted = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Whether the marker can be discarded: no data of its transaction was seen (Kafka's onControlBatchRead). */
  onControlBatch(view: RecordBatchView): boolean {
    this.consumeUpTo(view.lastOffset);
    const marker = readTransactionMarker(view);
    if (marker === null) return true; // an empty control batch: already cleaned
    const producerId = view.producerId;
    if (marker.type === ControlRecordType.ABORT) {
      const ongoing = this.ongoingAborted.get(producerId);
      this.ongoingAborted.delete(producerId);
      if (ongoing !== undefined && ongoing.observed) {
        this.retained.push(ongoing.txn);
        return false;
      }
      return true;
    }
    if (marker.type === ControlRecordType.COMMIT) return !this.ongoingCommitted.delete(producerId);
    return false;
  }

  /** Whether the data batch belongs to an aborted transaction (Kafka's onBatchRead). */
  onDataBatch(view: RecordBatchView): boolean {
    this.consumeUpTo(view.lastOffset);
    if (!view.isTransactional) return false;
    const ongoing = this.ongoingAborted.get(view.producerId);
    if (ongoing !== undefined) {
      ongoing.observed = true;
      return true;
    }
    this.ongoingCommitted.add(view.producerId);
    return false;
  }

  /** The aborts whose markers were kept since the last call: the cleaned segment's .txnindex. */
  takeRetained(): AbortedTxn[] {
    const out = this.retained;
    this.retained = [];
    return out;
  }

  private consumeUpTo(offset: number): void {
    while (this.next < this.aborted.length && this.aborted[this.next]!.firstOffset <= offset) {
      const txn = this.aborted[this.next++]!;
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { txn, observed: false });
    }
  }
}

/** Kafka's Throttler: sleeps so that the average rate stays under the cap. */
class Throttle {
  private readonly started = Date.now();
  private bytes = 0;
  constructor(private readonly maxBytesPerSecond: number) {}

  async account(bytes: number): Promise<void> {
    if (!Number.isFinite(this.maxBytesPerSecond)) return;
    this.bytes += bytes;
    const dueMs = (this.bytes / this.maxBytesPerSecond) * 1000;
    const elapsed = Date.now() - this.started;
    if (dueMs > elapsed + 10) await new Promise((r) => setTimeout(r, dueMs - elapsed));
  }
}

/**
 * The cleaner's schedule (LogCleanerManager.grabFilthiestCompactedLog): every backoff, the due
 * log with the highest dirty ratio among compacted topics is cleaned; its first dirty offset is
 * then kept in cleaner-offset-checkpoint. One log at a time; a pass never overlaps the next.
 */
export class LogCleaner {
  private timer: ReturnType<typeof setInterval> | null = null;
  private busy = false;
  /** The dedupe buffer, made on the first pass that needs it (in this thread). */
  private map: OffsetMap | null = null;
  /** The cleaner worker, started on the first pass that needs it (with a workerUrl). */
  private worker: CleanerWorkerClient | null = null;
  /**
   * What the passes did so far (Kafka's LogCleaner metrics: cleaner-recopy-percent is
   * bytesWritten / bytesRead, max-clean-time-secs lastPassSeconds; LogCleanerManager's
   * time-since-last-run-ms from lastPassEndMs). Plain numbers, read by /metrics.
   */
  readonly activity = { passes: 0, segmentsCleaned: 0, bytesRead: 0, bytesWritten: 0, recordsRemoved: 0, lastPassSeconds: 0, lastPassEndMs: 0 };

  /**
   * `workerUrl`: where log-cleaner-worker.ts is (the entry point resolves it: in a compiled
   * binary it is relative to the binary's entry point, not to this module); passes run there
   * (logs on disk). Without it, passes run in this thread, in slices (MemoryFileSystem, tests).
   */
  constructor(
    private readonly store: LogStore,
    private readonly policyFor: (topic: string) => CompactionPolicy,
    private readonly budget: CleanerBudget,
    private readonly log: (msg: string) => void,
    private readonly workerUrl?: string,
  ) {}

  /** One pass; null when no log was due (or a pass is already running). */
  async cleanOnce(now = Date.now()): Promise<{ topic: string; partition: number; result: CleanResult } | null> {
    if (this.busy) return null;
    this.busy = true;
    try {
      let best: { topic: string; partition: number; log: PartitionLog; firstDirty: number; policy: CompactionPolicy; ratio: number } | null = null;
      for (const { topic, partition, log } of this.store.openedPartitions()) {
        const policy = this.policyFor(topic);
        if (!policy.compactEnabled) continue;
        const firstDirty = this.store.firstDirtyOffset(topic, partition) ?? log.logStartOffset;
        const where = cleanability(log, firstDirty, policy, now);
        if (where.due && (best === null || where.ratio > best.ratio)) best = { topic, partition, log, firstDirty, policy, ratio: where.ratio };
      }
      if (best === null) return null;
      const started = Date.now();
      let result: CleanResult | null;
      if (this.workerUrl !== undefined) {
        this.worker ??= new CleanerWorkerClient(this.workerUrl, (msg) => this.log(msg));
        result = await this.worker.clean(best.log, best.firstDirty, best.policy, this.budget, now);
      } else {
        this.map ??= new OffsetMap(this.budget.dedupeBufferBytes);
        result = await cleanLog(best.log, best.firstDirty, best.policy, this.budget, now, undefined, this.map);
      }
      if (result === null) return null;
      this.store.setFirstDirtyOffset(best.topic, best.partition, result.cleanedTo);
      const a = this.activity;
      a.passes++;
      a.segmentsCleaned += result.segments;
      a.bytesRead += result.bytesBefore;
      a.bytesWritten += result.bytesAfter;
      a.recordsRemoved += result.recordsRemoved;
      a.lastPassEndMs = Date.now();
      a.lastPassSeconds = (a.lastPassEndMs - started) / 1000;
      this.log(`log cleaner: ${best.topic}-${best.partition}: ${result.segments} segment(s) cleaned to offset ${result.cleanedTo}, ` +
        `${result.bytesBefore} → ${result.bytesAfter} bytes, ${result.recordsRemoved} record(s) removed in ${Date.now() - started} ms`);
      return { topic: best.topic, partition: best.partition, result };
    } finally {
      this.busy = false;
    }
  }

  /**
   * Runs a pass every `backoffMs` (log.cleaner.backoff.ms); as Kafka's cleaner thread, it goes
   * on at once while passes find work (a dedupe buffer too small for a log takes several).
   */
  start(backoffMs: number): void {
    const run = async () => {
      try {
        while (this.timer !== null && (await this.cleanOnce()) !== null) { /* more work is due */ }
      } catch (e) {
        this.log(`log cleaner failed: ${(e as Error).stack ?? e}`);
      }
    };
    this.timer ??= setInterval(() => void run(), backoffMs);
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.worker?.terminate();
    this.worker = null;
  }
}
