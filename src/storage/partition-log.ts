// The log of one partition (Kafka's UnifiedLog/LocalLog, single replica): the directory
// `<logDir>/<topic>-<partition>/` holding segments `<base offset>.log/.index/.timeindex`
// (segment.ts), `partition.metadata` (the topic id) and `leader-epoch-checkpoint`.
//
// Appends take one record batch exactly as the client sent it. The broker assigns offsets by
// writing only baseOffset and partitionLeaderEpoch into the stored copy: both lie outside the
// CRC, so the client's CRC stays valid and the bytes are served to consumers as they are. Each
// append is one synchronous write (in the OS page cache when append returns); there is no fsync
// per write (Kafka's default), `flush()` fsyncs. A segment is rolled when the next batch would
// take it past segmentBytes (a non-empty segment; an empty one takes any batch), when offsets
// would overflow its 32-bit relative offsets, or when its offset index is full.
//
// Reads return whole batches, starting with the batch that contains the fetch offset (as Kafka
// does: consumers skip the records before their offset).
//
// Recovery on open (Kafka's LogLoader.recoverLog): after a clean shutdown (the owner found
// Kafka's `.kafka_cleanshutdown` marker) only the batch headers at the end of the newest segment
// are read. Otherwise every segment from the one holding the recovery point (the offset below
// which everything is known to be fsynced, from `recovery-point-offset-checkpoint`) is
// validated batch by batch, CRC included, with its indexes rebuilt; at the first invalid batch
// the log is cut and the segments after it are deleted. The recovery point then moves only when
// data is known to be on disk: flush(), a roll (which fsyncs the old segment), or markFlushed()
// from whoever fsyncs appends. The owner checkpoints it (LogStore).
//
// Idempotent-producer state (producer-state.ts) is updated by every append, snapshotted to
// `<offset>.snapshot` at each roll and on close, and rebuilt on open from the newest snapshot
// plus the batch headers after it.
//
// Transactions (UnifiedLog with ProducerStateManager): a transactional batch opens its producer's
// transaction, a marker (appendTransactionMarker, or a control batch appended as it is) ends it.
// The last stable offset is the first offset of the earliest open transaction (never below the
// log start offset), else the high watermark; read_committed reads stop there (read's maxOffset).
// An ABORT of a transaction with data appends an entry to the `<base>.txnindex` of the segment the
// marker lands in (transaction-index.ts), fsynced with the segment (roll, markFlushed, close),
// renamed and deleted with it, rebuilt for the segments recovery validates, and replaced by the
// log cleaner's with its segments. abortedTransactions() reads them for Fetch and the cleaner.
//
// The log start offset (Kafka's logStartOffset) is at least the first segment's base offset;
// DeleteRecords moves it further (deleteRecordsBefore), and the owner persists it (LogStore's
// log-start-offset-checkpoint) through onLogStartOffsetChange. Retention (deleteOldSegments,
// Kafka's UnifiedLog.deleteOldSegments) removes whole segments from the front: those wholly
// below the log start offset, older than retention.ms, or beyond retention.bytes. A removed
// segment leaves the segment list at once (no new read finds it) and its files are renamed
// `*.deleted` and removed file.delete.delay.ms later, as Kafka does, so a fetch still writing
// a view of its mapping to a socket is never pulled away (and deletion never waits on I/O).
// Segments also roll by time (segment.ms, minus segment.jitter.ms), so a quiet topic ages out.
//
// Tiered storage (KIP-405; tiered/remote-partition-log.ts uploads and deletes): a log opened
// with remoteLogEnabled keeps its checkpointed log start offset even below its first local
// segment (Kafka's LogLoader), and localLogStartOffset is where the local segments begin. With
// a RemoteTier attached, retention deletes local segments by local.retention.ms/bytes, and only
// those wholly uploaded (Kafka's isSegmentEligibleForDeletion), without moving the log start
// offset; the remote tier's own retention moves it (deleteRecordsBefore). Reads below the local
// log start go to the tier (readRemote, asynchronous); read() itself reads local segments only.
//
// Failed writes (log-dir-failures.ts, Kafka's LogDirFailureChannel): an append or roll that
// fails leaves the log exactly as before it (Segment.append and Segment.seal undo what landed)
// and throws StorageError; a client's append is refused with KAFKA_STORAGE_ERROR. Out of space,
// the log stays writable and the next append tries again; any other failure, or one that could
// not be undone, takes the log dir offline and every later write is refused until restart.
// Producer snapshots and checkpoints are rewritten atomically; one that fails leaves the old file.

import { PartitionTraffic } from "./partition-traffic.ts";
import { buildTransactionMarkerBatch, type TransactionMarker } from "../records/control-batch.ts";
import { dirname } from "node:path";
import type { FileSystem } from "./fs.ts";
import { DiskFileSystem } from "./fs.ts";
import { LogDirFailures, StorageError, messageOf } from "./log-dir-failures.ts";
import type { GroupCommit } from "./group-commit.ts";
import { LeaderEpochCache } from "./leader-epoch-checkpoint.ts";
import { readPartitionMetadataFile, writePartitionMetadataFile } from "./partition-metadata-file.ts";
import { ProducerState, type AppendOrigin, type CompletedTxn } from "./producer-state.ts";
import { TXN_INDEX_SUFFIX, TransactionIndex, encodeAbortedTxn, type AbortedTxn } from "./transaction-index.ts";
import {
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  PARTITION_LEADER_EPOCH,
  RECORD_BATCH_OVERHEAD,
} from "../records/record-batch.ts";
import {
  INDEX_SUFFIX, LOG_SUFFIX, parseSegmentFileName, Segment, segmentFileName, TIME_INDEX_SUFFIX, type SegmentOptions,
} from "./segment.ts";
import {
  checkBatch, rewriteHeader, validateRecords, type AppendError, type LogAppendSettings, type RecordProblem,
} from "./log-validator.ts";
import { NO_TIMESTAMP, RecordBatchView } from "../records/record-batch.ts";
import type { TimestampOffset } from "./time-index.ts";
import { getInt64, setInt64 } from "../records/int64.ts";

export const DEFAULT_SEGMENT_BYTES = 1024 * 1024 * 1024;
export const DEFAULT_INDEX_INTERVAL_BYTES = 4096;
/** segment.index.bytes (10 MiB) / 8: Kafka rolls a segment whose offset index is full. */
export const DEFAULT_MAX_INDEX_ENTRIES = (10 * 1024 * 1024) / 8;

export interface PartitionLogOptions {
  fs?: FileSystem;
  segmentBytes?: number;
  indexIntervalBytes?: number;
  maxIndexEntries?: number;
  /** The topic id (32 hex digits): written to partition.metadata if the file is missing. */
  topicId?: string;
  /** Leader epoch stamped on appended batches unless append() is given one. */
  leaderEpoch?: number;
  log?: (msg: string) => void;
  /**
   * Keep idempotent-producer state on disk: `<offset>.snapshot` files, loaded (and the log after
   * them scanned) on open (producer-state.ts). Default true; the metadata log turns it off.
   */
  producerSnapshots?: boolean;
  /** producer.id.expiration.ms (default 1 day). */
  producerIdExpirationMs?: number;
  /** The checkpointed log start offset (log-start-offset-checkpoint), if any. */
  logStartOffset?: number;
  /** Called when the log start offset moves (the owner persists it). */
  onLogStartOffsetChange?: (offset: number) => void;
  /** segment.ms: roll the active segment once its data spans this long (default: never). */
  segmentMs?: number;
  /** segment.jitter.ms, subtracted from segment.ms. */
  segmentJitterMs?: number;
  /** file.delete.delay.ms: how long removed segments' files stay as *.deleted (default 60 s). */
  fileDeleteDelayMs?: number;
  /** The broker's record of offline log dirs (LogStore's); default: one of this log's own. */
  failures?: LogDirFailures;
  /** The broker's group commit (LogStore's); without one, nothing waits for fsync (tests). */
  groupCommit?: GroupCommit;
  /** bunka.fsync.before.ack (default true): acknowledgements wait for the group commit. */
  fsyncBeforeAck?: boolean;
  /** flush.messages (log.flush.interval.messages): flush after this many unflushed records. */
  flushMessages?: number;
  /** flush.ms (log.flush.interval.ms): flush when the oldest unflushed append is this old. */
  flushMs?: number;
  /**
   * The last shutdown was clean (Kafka's `.kafka_cleanshutdown` marker): no recovery. Default
   * false: segments from the recovery point on are validated (see the file comment).
   */
  hadCleanShutdown?: boolean;
  /** The checkpointed recovery point (recovery-point-offset-checkpoint); default 0: recover every segment. */
  recoveryPoint?: number;
  /** The broker's traffic totals (LogStore's), counted along with this log's own. */
  brokerTraffic?: PartitionTraffic;
  /**
   * remote.storage.enable: the log start offset may lie below the first local segment (the
   * segments between are in remote storage), so the checkpointed one is kept as it is.
   */
  remoteLogEnabled?: boolean;
}

/** What a remote read returned (RemoteTier.read). */
export interface RemoteRead {
  batches: Uint8Array[];
  /** With read_committed: the aborted transactions the remote .txnindex files hold for the range. */
  abortedTransactions: AbortedTxn[];
  /** Those files said no later segment can hold one more (else the local ones are searched too, from `upperBoundOffset`). */
  abortedComplete: boolean;
  /** The end of the range aborted transactions were collected for (Kafka's fetchUpperBoundOffset). */
  upperBoundOffset: number;
}

/**
 * The remote part of a tiered partition log as the local log sees it
 * (tiered/remote-partition-log.ts; Kafka's RemoteLogManager for one partition).
 */
export interface RemoteTier {
  /** The last offset uploaded in full (Kafka's highestOffsetInRemoteStorage); -1 if none. */
  readonly highestCopiedOffset: number;
  /**
   * Whole batches from the one holding `offset`, from the one remote segment holding it (as
   * Kafka's RemoteLogManager.read), at most maxBytes (the first whole when minOneBatch), and none
   * starting at or after maxOffset; with read_committed, the aborted transactions overlapping
   * what is returned that the remote .txnindex files (that segment's and later ones) hold. null
   * when no remote segment holds `offset`; "expired" when the bucket did not answer within
   * remote.fetch.max.wait.ms (Kafka's DelayedRemoteFetch expiring).
   */
  read(offset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number, withAborted: boolean):
    Promise<RemoteRead | null | "expired">;
  /** The first remote record at or past startingOffset with a timestamp >= ts (RemoteLogManager.findOffsetByTimestamp). */
  offsetForTimestamp(ts: number, startingOffset: number): Promise<TimestampOffset | null>;
}

/** What opening a partition log had to recover (tests, logging). */
export interface LogRecoveryStats {
  /** Segments validated batch by batch (0 after a clean shutdown). */
  segmentsValidated: number;
  /** Batches whose CRC was checked. */
  batchesValidated: number;
  bytesValidated: number;
  /** Bytes cut from the log at the first invalid batch, segments deleted after it included. */
  truncatedBytes: number;
}

/** A sealed segment as the log cleaner and retention see it (PartitionLog.sealedSegments). */
export interface SealedSegment {
  baseOffset: number;
  /** The next segment's base offset. */
  endOffset: number;
  size: number;
  /** Newest record timestamp, -1 if none. */
  largestTimestamp: number;
  /** Its .log file. */
  path: string;
}

/** A segment rewrite in progress (PartitionLog.startReplacement). */
export interface SegmentReplacement {
  append(batch: Uint8Array): void;
  /**
   * Swaps the new segment in, with these aborted transactions as its .txnindex; false (nothing
   * changed) if the replaced segments changed meanwhile.
   */
  commit(abortedTxns?: AbortedTxn[]): boolean;
  abort(): void;
}

/** What retention keeps (Kafka's retention.ms, retention.bytes, cleanup.policy contains "delete"). */
export interface RetentionPolicy {
  /** cleanup.policy includes "delete": time and size retention apply. */
  deleteEnabled: boolean;
  /** -1: unlimited. */
  retentionMs: number;
  /** -1: unlimited. */
  retentionBytes: number;
  /** remote.storage.enable: local segments go by local retention, once uploaded. */
  remoteStorageEnable?: boolean;
  /** local.retention.ms; -2: retention.ms. */
  localRetentionMs?: number;
  /** local.retention.bytes; -2: retention.bytes. */
  localRetentionBytes?: number;
  /**
   * remote.log.copy.disable (KIP-950; Kafka's remoteLogEnabledAndRemoteCopyEnabled false): local
   * retention is retention.ms / retention.bytes again, for segments uploaded or not, and moves
   * the log start offset (the remote segments below it then go at the next remote pass).
   */
  remoteLogCopyDisable?: boolean;
}

export const DELETED_SUFFIX = ".deleted";
export const CLEANED_SUFFIX = ".cleaned";
export const SWAP_SUFFIX = ".swap";
/** `<base>.cleaner-swap`: the base offsets of the segments a pending swap replaces. */
export const SWAP_RECORD_SUFFIX = ".cleaner-swap";

/** Where the log cleaner writes the segment that will replace the sealed ones from `baseOffset`. */
export function cleanedLogPath(dir: string, baseOffset: number): string {
  return `${dir}/${segmentFileName(baseOffset, LOG_SUFFIX)}${CLEANED_SUFFIX}`;
}
export const DEFAULT_FILE_DELETE_DELAY_MS = 60_000;

export interface AppendResult {
  baseOffset: number;
  lastOffset: number;
}

/**
 * A refused append from the broker's own coordinators (a marker, a transactional offset commit):
 * `error` is the Kafka error the caller answers with (INVALID_PRODUCER_EPOCH for an epoch older
 * than the producer's, TRANSACTION_COORDINATOR_FENCED for a marker from an older coordinator
 * epoch, INVALID_TXN_STATE for a non-transactional batch while a transaction is open). The log is
 * unchanged.
 */
export class ProducerAppendError extends Error {
  constructor(readonly error: "INVALID_PRODUCER_EPOCH" | "TRANSACTION_COORDINATOR_FENCED" | "INVALID_TXN_STATE", message: string) {
    super(message);
    this.name = "ProducerAppendError";
  }
}

/** One producer as DescribeProducers reports it (Kafka's ProducerStateEntry). */
export interface ProducerDescription {
  producerId: number;
  producerEpoch: number;
  lastSequence: number;
  lastTimestamp: number;
  coordinatorEpoch: number;
  /** -1 when no transaction is open. */
  currentTxnStartOffset: number;
}

/** What a client's append came to (UnifiedLog.appendAsLeader). */
export type LeaderAppendOutcome =
  /** Stored at baseOffset; logAppendTime is the broker's time on a LogAppendTime topic, else -1. */
  | { kind: "appended"; baseOffset: number; logAppendTime: number }
  /** A retry of one of the producer's last batches: not stored again; its original offset and timestamp. */
  | { kind: "duplicate"; baseOffset: number; logAppendTime: number }
  /**
   * Refused. inLog: raised inside the log (Kafka then reports the log start offset with the
   * error), as opposed to the batch header checks made before it.
   */
  | { kind: "rejected"; error: AppendError; message: string; recordErrors?: RecordProblem[]; inLog: boolean };


export class PartitionLog {
  readonly dir: string;
  /** The log dir holding this partition's directory. */
  readonly logDir: string;
  private readonly failures: LogDirFailures;
  /** The topic id recorded in partition.metadata (32 hex digits), if any. */
  readonly topicIdOnDisk: string | null;
  private readonly fs: FileSystem;
  private readonly segmentOpts: SegmentOptions;
  private segmentBytes: number;
  private readonly maxIndexEntries: number;
  private readonly log: (msg: string) => void;
  private readonly segments: Segment[];
  private readonly epochs: LeaderEpochCache;
  private leaderEpoch: number | undefined;
  private readonly header = new Uint8Array(MAGIC);
  private readonly headerView = new DataView(this.header.buffer);
  /** Idempotent-producer state, updated by every append (producer-state.ts). */
  readonly producerState: ProducerState;
  /** The aborted-transaction index of each segment, by base offset, opened on first use. */
  private readonly txnIndexes = new Map<number, TransactionIndex>();
  private readonly producerSnapshots: boolean;
  private readonly appendListeners = new Set<() => void>();
  private startOffset: number;
  private readonly remoteLogEnabled: boolean;
  private remote: RemoteTier | null = null;
  private readonly onLogStartOffsetChange: (offset: number) => void;
  private segmentMs: number;
  private segmentJitterMs: number;
  private readonly fileDeleteDelayMs: number;
  /** The first batch's maxTimestamp of the active segment (-1: none yet): what segment.ms counts from. */
  private activeFirstTimestamp = NO_TIMESTAMP;
  private readonly groupCommit: GroupCommit | null;
  private readonly fsyncBeforeAck: boolean;
  private flushMessages: number;
  private flushMs: number;
  /** Records appended since the last flush began, and when the first of them was (flush.messages, flush.ms). */
  private unflushedRecords = 0;
  private firstUnflushedMs = -1;
  /** Everything below this offset is on disk (Kafka's recoveryPoint). */
  private flushedTo: number;
  /** What the open had to recover. */
  /** Produced and fetched bytes and records since the log was opened (partition-traffic.ts). */
  readonly traffic: PartitionTraffic;
  readonly recovery: LogRecoveryStats = { segmentsValidated: 0, batchesValidated: 0, bytesValidated: 0, truncatedBytes: 0 };

  private constructor(dir: string, opts: PartitionLogOptions) {
    this.dir = dir;
    this.logDir = dirname(dir);
    this.fs = opts.fs ?? new DiskFileSystem();
    this.log = opts.log ?? (() => {});
    this.failures = opts.failures ?? new LogDirFailures(this.log);
    this.groupCommit = opts.groupCommit ?? null;
    this.traffic = new PartitionTraffic(opts.brokerTraffic ?? null);
    this.fsyncBeforeAck = opts.fsyncBeforeAck ?? true;
    this.flushMessages = opts.flushMessages ?? Infinity;
    this.flushMs = opts.flushMs ?? Infinity;
    this.segmentBytes = opts.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
    this.maxIndexEntries = opts.maxIndexEntries ?? DEFAULT_MAX_INDEX_ENTRIES;
    this.segmentOpts = { indexIntervalBytes: opts.indexIntervalBytes ?? DEFAULT_INDEX_INTERVAL_BYTES, log: this.log };
    this.leaderEpoch = opts.leaderEpoch;

    const fs = this.fs;
    const isNew = !fs.isDirectory(dir);
    fs.mkdir(dir);
    let onDisk = readPartitionMetadataFile(fs, dir);
    if (opts.topicId && onDisk === null) {
      // Not written (a full disk): written at the next open, as it is missing then too.
      const topicId = opts.topicId;
      this.quietly("partition.metadata", () => writePartitionMetadataFile(fs, dir, topicId));
      onDisk = opts.topicId;
    } else if (opts.topicId && onDisk !== opts.topicId) {
      this.log(`${dir}: partition.metadata has topic id ${onDisk}, expected ${opts.topicId}`);
    }
    this.topicIdOnDisk = onDisk;

    this.epochs = new LeaderEpochCache(fs, dir, this.log);
    this.onLogStartOffsetChange = opts.onLogStartOffsetChange ?? (() => {});
    this.segmentMs = opts.segmentMs ?? Infinity;
    this.segmentJitterMs = opts.segmentJitterMs ?? 0;
    this.fileDeleteDelayMs = opts.fileDeleteDelayMs ?? DEFAULT_FILE_DELETE_DELAY_MS;
    // Files a deletion did not get to remove before a stop (Kafka removes them on load too).
    for (const name of fs.list(dir)) if (name.endsWith(DELETED_SUFFIX)) fs.remove(`${dir}/${name}`);
    recoverCleanerSwaps(fs, dir, this.log);
    const bases = fs
      .list(dir)
      .map((name) => parseSegmentFileName(name, LOG_SUFFIX))
      .filter((b): b is number => b !== null)
      .sort((a, b) => a - b);
    this.segments = [];
    const clean = opts.hadCleanShutdown ?? false;
    const checkpointed = opts.recoveryPoint ?? 0;
    if (bases.length === 0) {
      this.segments.push(Segment.create(fs, dir, 0, this.segmentOpts));
    } else {
      this.loadSegments(bases, clean, checkpointed);
    }
    if (isNew) this.quietly("leader-epoch-checkpoint", () => this.epochs.write());
    // Kafka's LogLoader: the log end after a clean shutdown, else the checkpoint (never past the end).
    this.flushedTo = clean ? this.nextOffset : Math.min(checkpointed, this.nextOffset);

    // Kafka: max(checkpointed log start offset, first segment's base), never past the end; with
    // remote storage the checkpointed one as it is (LogLoader: the segments below are remote).
    this.remoteLogEnabled = opts.remoteLogEnabled ?? false;
    const checkpointedStart = opts.logStartOffset ?? 0;
    this.startOffset = Math.min(
      this.remoteLogEnabled ? checkpointedStart : Math.max(checkpointedStart, this.segments[0]!.baseOffset),
      this.active.nextOffset,
    );
    this.activeFirstTimestamp = this.firstBatchTimestamp(this.active);

    this.producerSnapshots = opts.producerSnapshots ?? true;
    this.producerState = new ProducerState({ fs, dir, log: this.log, expirationMs: opts.producerIdExpirationMs });
    if (this.producerSnapshots) {
      this.rebuildTxnIndexes();
      this.producerState.load({
        logStartOffset: this.localLogStartOffset,
        logEndOffset: this.nextOffset,
        segmentBaseOffsets: this.segments.map((s) => s.baseOffset),
        batchesFrom: (offset) => this.batchesFrom(offset),
      });
    }
    if (isNew) {
      // The new directory and its first segment survive a power loss before anything in them
      // is acknowledged (Kafka's LogManager flushes the parent dir of a new log).
      try {
        fs.syncDir(dir);
        fs.syncDir(this.logDir);
      } catch (e) {
        throw this.failures.failure(this.logDir, `creating ${dir}`, e);
      }
    }
  }

  /** Opens (creating if needed) and recovers the partition log in `dir`. */
  static open(dir: string, opts: PartitionLogOptions = {}): PartitionLog {
    return new PartitionLog(dir, opts);
  }

  /**
   * Opens the segments at `bases` (sorted), recovering as the file comment says (Kafka's
   * LogLoader.recoverLog): sealed segments below the recovery point's segment are opened lazily;
   * from that segment on (after an unclean shutdown) each is validated in full, and at the first
   * one cut short the later ones are deleted.
   */
  /** Base offset of the first segment recovery validated in full (null: none, a clean shutdown). */
  private recoveredFrom: number | null = null;
  /** Recovery read a control batch (a transaction marker) in the segments it validated. */
  private recoveredMarkers = false;

  /**
   * Kafka's LogSegment.recover rebuilds the .txnindex of each segment it recovers, from the
   * producer state at the segment's start (LogLoader.recoverSegment). Here: the recovered
   * segments' indexes are emptied and, when recovery saw a marker in them, the aborts are indexed
   * again by a scan that starts from the newest producer snapshot at or below the first of them.
   */
  private rebuildTxnIndexes(): void {
    const from = this.recoveredFrom;
    if (from === null) return;
    for (const seg of this.segments) if (seg.baseOffset >= from) this.txnIndex(seg.baseOffset).reset();
    if (!this.recoveredMarkers) return;
    const replay = new ProducerState({ fs: this.fs, dir: this.dir, expirationMs: Infinity });
    let indexed = 0;
    replay.load({
      logStartOffset: this.logStartOffset,
      logEndOffset: this.nextOffset,
      segmentBaseOffsets: this.segments.map((s) => s.baseOffset),
      batchesFrom: (offset) => this.batchesFrom(offset),
      scanFrom: from,
      onCompletedTxn: (txn) => {
        if (txn.lastOffset < from || !txn.aborted) return;
        this.indexCompletedTxn(txn, this.segments[this.segmentIndexFor(txn.lastOffset)]!);
        indexed++;
      },
    });
    this.log(`${this.dir}: rebuilt the transaction index of the recovered segments from offset ${from} (${indexed} aborted transaction(s))`);
  }

  private loadSegments(bases: number[], clean: boolean, recoveryPoint: number): void {
    const fs = this.fs;
    const last = bases.length - 1;
    // The segment holding the recovery point: the last whose base offset is <= it.
    let firstUnflushed = 0;
    while (firstUnflushed < last && bases[firstUnflushed + 1]! <= recoveryPoint) firstUnflushed++;
    if (clean) firstUnflushed = last;
    let epochsChanged = false;
    const onBatch = (view: RecordBatchView) => {
      if (view.isControl) this.recoveredMarkers = true;
      epochsChanged = this.epochs.assign(view.partitionLeaderEpoch, view.baseOffset, false) || epochsChanged;
    };
    for (let i = 0; i < firstUnflushed; i++) {
      this.segments.push(Segment.openSealed(fs, this.dir, bases[i]!, bases[i + 1]!, this.segmentOpts));
    }
    if (!clean) this.recoveredFrom = bases[firstUnflushed]!;
    for (let i = firstUnflushed; i <= last; i++) {
      const base = bases[i]!;
      if (!clean) this.log(`${this.dir}: recovering unflushed segment ${base} (${i - firstUnflushed + 1} of ${last - firstUnflushed + 1})`);
      const seg = Segment.openActive(fs, this.dir, base, this.segmentOpts, clean ? "tail" : "full", onBatch);
      this.segments.push(seg);
      if (!clean) {
        this.recovery.segmentsValidated++;
        this.recovery.batchesValidated += seg.recovered.batches;
        this.recovery.bytesValidated += seg.recovered.bytes;
      }
      this.recovery.truncatedBytes += seg.recovered.truncatedBytes;
      if (seg.recovered.invalid !== null && i < last) {
        // Kafka's recoverLog: corruption in a segment deletes every segment after it.
        let bytes = 0;
        for (let j = i + 1; j <= last; j++) {
          for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
            const path = `${this.dir}/${segmentFileName(bases[j]!, suffix)}`;
            if (!fs.exists(path)) continue;
            if (suffix === LOG_SUFFIX) bytes += fs.size(path);
            fs.remove(path);
          }
        }
        this.recovery.truncatedBytes += bytes;
        this.log(`${this.dir}: deleted ${last - i} segment(s) after the invalid batch at offset ` +
          `${seg.recovered.invalid.offset} (${bytes} bytes, offsets ${bases[i + 1]} and up)`);
        break;
      }
      if (i < last) seg.sealRecovered();
    }
    epochsChanged = this.epochs.truncateFromEnd(this.active.nextOffset) || epochsChanged;
    if (epochsChanged) this.quietly("leader-epoch-checkpoint", () => this.epochs.write());
  }

  /**
   * Everything below this offset is known to be on disk (Kafka's recoveryPoint): after an
   * unclean shutdown, recovery starts from its segment.
   */
  get recoveryPoint(): number {
    return this.flushedTo;
  }

  /**
   * Says that the appended data below `offset` has been fsynced (Kafka's UnifiedLog.markFlushed):
   * the recovery point moves up to it (never past the log end, never back). Segments below the
   * active one that this process has not fsynced yet (recovered after an unclean shutdown) are
   * fsynced first, so the claim holds whoever makes it.
   */
  markFlushed(offset: number): void {
    const to = Math.min(offset, this.nextOffset);
    if (to <= this.flushedTo) return;
    try {
      for (let i = this.segmentIndexFor(this.flushedTo); i < this.segments.length - 1; i++) {
        if (this.segments[i]!.baseOffset >= to) break;
        this.segments[i]!.flush();
      }
      // The aborts indexed below the recovery point must survive: recovery rebuilds only above it.
      for (let i = this.segmentIndexFor(this.flushedTo); i < this.segments.length; i++) {
        if (this.segments[i]!.baseOffset >= to) break;
        this.txnIndexes.get(this.segments[i]!.baseOffset)?.flush();
      }
    } catch (e) {
      throw this.failures.failure(this.logDir, `flush of ${this.dir}`, e);
    }
    this.flushedTo = to;
  }

  private get active(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** The first offset a consumer can read (Kafka's logStartOffset), remote segments included. */
  get logStartOffset(): number {
    return this.startOffset;
  }

  /** The first offset in a local segment (Kafka's localLogStartOffset); logStartOffset without remote storage. */
  get localLogStartOffset(): number {
    return Math.max(this.startOffset, this.segments[0]!.baseOffset);
  }

  /** Attaches (or with null detaches) the remote tier that holds the segments below the local log start. */
  attachRemote(tier: RemoteTier | null): void {
    this.remote = tier;
  }

  get remoteTier(): RemoteTier | null {
    return this.remote;
  }

  /** Whether a read at `offset` goes to remote storage: at or past the log start, below the local log start. */
  readsRemote(offset: number): boolean {
    return this.remote !== null && offset >= this.startOffset && offset < this.localLogStartOffset;
  }

  /**
   * A read below the local log start, from remote storage (Kafka's ReplicaManager hands such a
   * fetch to RemoteLogManager.asyncRead): as read(), or readCommitted() with `committed`, but
   * from one remote segment. "out-of-range" if no remote segment holds the offset (retention
   * removed it meanwhile).
   */
  async readRemote(fetchOffset: number, maxBytes: number, minOneBatch: boolean, committed: boolean):
    Promise<{ batches: Uint8Array[]; abortedTransactions: AbortedTxn[] } | "out-of-range" | "expired"> {
    const tier = this.remote;
    if (tier === null || !this.readsRemote(fetchOffset)) return "out-of-range";
    const maxOffset = committed ? this.lastStableOffset : Infinity;
    const read = await tier.read(fetchOffset, maxBytes, minOneBatch, maxOffset, committed);
    if (read === "expired") return read;
    // Retention may have moved the log start past the offset while the read was under way.
    if (read === null || fetchOffset < this.startOffset) return "out-of-range";
    let aborted = read.abortedTransactions;
    // Kafka's RemoteLogManager.collectAbortedTransactions: the remote indexes, then the local ones.
    if (committed && read.batches.length > 0 && !read.abortedComplete) {
      aborted = [...aborted, ...this.abortedTransactions(this.localLogStartOffset, read.upperBoundOffset)
        .filter((t) => t.lastOffset >= fetchOffset)];
    }
    return { batches: read.batches, abortedTransactions: aborted };
  }

  /** Applies changed topic settings at once (Kafka's UnifiedLog.updateConfig): the next roll and index entry follow them. */
  configure(settings: {
    segmentBytes?: number; indexIntervalBytes?: number; segmentMs?: number; segmentJitterMs?: number; flushMessages?: number; flushMs?: number;
  }): void {
    if (settings.flushMessages !== undefined) this.flushMessages = settings.flushMessages;
    if (settings.flushMs !== undefined) this.flushMs = settings.flushMs;
    if (settings.segmentBytes !== undefined) this.segmentBytes = settings.segmentBytes;
    if (settings.indexIntervalBytes !== undefined) this.segmentOpts.indexIntervalBytes = settings.indexIntervalBytes;
    if (settings.segmentMs !== undefined) this.segmentMs = settings.segmentMs;
    if (settings.segmentJitterMs !== undefined) this.segmentJitterMs = settings.segmentJitterMs;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** The offset the next appended record gets (log end offset). */
  get nextOffset(): number {
    return this.active.nextOffset;
  }

  /** Single replica: everything appended is committed. */
  get highWatermark(): number {
    return this.nextOffset;
  }

  /**
   * The last stable offset: below it every transaction is decided (UnifiedLog.lastStableOffset):
   * the first offset of the earliest open transaction, never below the log start offset
   * (maybeIncrementFirstUnstableOffset), else the high watermark.
   */
  get lastStableOffset(): number {
    const hw = this.highWatermark;
    const first = this.firstUnstableOffset;
    return first < 0 ? hw : Math.min(hw, first);
  }

  /** First offset of the earliest open transaction, at least the log start offset; -1 when none is open. */
  get firstUnstableOffset(): number {
    const first = this.producerState.firstUndecidedOffset;
    return first < 0 ? -1 : Math.max(first, this.logStartOffset);
  }

  /** Bytes of batches across all segments. */
  get sizeInBytes(): number {
    let n = 0;
    for (const s of this.segments) n += s.size;
    return n;
  }

  get segmentBaseOffsets(): number[] {
    return this.segments.map((s) => s.baseOffset);
  }

  /** The leader epoch entries (leader-epoch-checkpoint). */
  get leaderEpochs(): readonly { epoch: number; startOffset: number }[] {
    return this.epochs.all;
  }

  /**
   * Sets the epoch stamped on batches appended without an explicit one, and starts that epoch at
   * the log end offset, as Kafka's Partition.makeLeader does (maybeAssignEpochStartOffset), so
   * OffsetForLeaderEpoch knows it before the first append.
   */
  setLeaderEpoch(epoch: number): void {
    this.leaderEpoch = epoch;
    this.epochs.assign(epoch, this.nextOffset);
  }

  /** The epoch of the leader that wrote `offset` (-1 when unknown). */
  epochForOffset(offset: number): number {
    let epoch = -1;
    for (const e of this.epochs.all) {
      if (e.startOffset > offset) break;
      epoch = e.epoch;
    }
    return epoch;
  }

  /** Kafka's LeaderEpochFileCache.endOffsetFor: the end offset of `epoch` and the epoch it maps to. */
  endOffsetForEpoch(epoch: number): { epoch: number; endOffset: number } {
    const all = this.epochs.all;
    // Only UNDEFINED_EPOCH (-1) is special (LeaderEpochFileCache.endOffsetFor): an epoch below
    // every known one answers itself with the start of the first epoch.
    if (epoch === -1) return { epoch: -1, endOffset: -1 };
    if (all.length > 0 && all.at(-1)!.epoch === epoch) return { epoch, endOffset: this.nextOffset };
    const higher = all.find((e) => e.epoch > epoch);
    if (higher === undefined) return { epoch: -1, endOffset: -1 };
    let floor: number | undefined;
    for (const e of all) if (e.epoch <= epoch) floor = e.epoch;
    return { epoch: floor ?? epoch, endOffset: higher.startOffset };
  }

  /** Kafka's MAX_TIMESTAMP lookup: the first record carrying the largest timestamp in the log. */
  maxTimestampOffset(): TimestampOffset | null {
    let best: Segment | null = null;
    for (const seg of this.segments) {
      if (seg.maxTimestamp.timestamp > (best?.maxTimestamp.timestamp ?? -1)) best = seg;
    }
    if (best === null) return null;
    return best.findOffsetByTimestamp(best.maxTimestamp.timestamp, this.logStartOffset);
  }

  /**
   * Kafka's UnifiedLog.appendAsLeader for one client batch, the single way a client's records get
   * into the log: the batch header checks, LogValidator (log-validator.ts), the segment size limit,
   * the producer-state check of an idempotent batch, the write, and the announcement to waiting
   * readers. `batch` may be a view into a request buffer: it is copied into the write, never kept.
   */
  appendAsLeader(batch: RecordBatchView, settings: LogAppendSettings, now: number, topicPartition: string): LeaderAppendOutcome {
    // ReplicaManager.getPartitionOrException: a partition in an offline log dir answers first.
    if (this.failures.isOffline(this.logDir)) {
      return { kind: "rejected", error: "KAFKA_STORAGE_ERROR", message: `Partition ${topicPartition} is in an offline log directory`, inLog: false };
    }
    const checked = checkBatch(batch, settings.maxMessageBytes, topicPartition);
    if (checked !== null) {
      return { kind: "rejected", ...checked, inLog: checked.error !== "MESSAGE_TOO_LARGE" && checked.error !== "CORRUPT_MESSAGE" };
    }
    const validated = validateRecords(batch, settings, now, topicPartition);
    if ("error" in validated) return { kind: "rejected", ...validated, inLog: true };
    if (batch.sizeInBytes > settings.segmentBytes) {
      return {
        kind: "rejected", error: "RECORD_LIST_TOO_LARGE", inLog: false,
        message: `Message batch size is ${batch.sizeInBytes} bytes in append to partition ${topicPartition}, which exceeds the maximum configured segment size of ${settings.segmentBytes}.`,
      };
    }
    const stored = validated.rewrite === null ? batch : new RecordBatchView(rewriteHeader(batch.bytes, validated.rewrite));
    const logAppendTime = settings.logAppendTime ? now : NO_TIMESTAMP;
    if (batch.producerId >= 0) {
      const verdict = this.producerState.check(batch, this.nextOffset);
      switch (verdict.kind) {
        case "duplicate":
          // Kafka answers a duplicate with the stored batch's timestamp as its append time.
          return { kind: "duplicate", baseOffset: verdict.firstOffset, logAppendTime: verdict.timestamp };
        case "invalid-epoch":
          return { kind: "rejected", error: "INVALID_PRODUCER_EPOCH", message: verdict.message, inLog: true };
        case "out-of-order":
          return { kind: "rejected", error: "OUT_OF_ORDER_SEQUENCE_NUMBER", message: verdict.message, inLog: true };
        case "invalid-txn-state":
          return { kind: "rejected", error: "INVALID_TXN_STATE", message: verdict.message, inLog: true };
        case "append":
          break;
      }
    }
    let appended: AppendResult;
    try {
      appended = this.append(stored);
    } catch (e) {
      if (!(e instanceof StorageError)) throw e;
      // ReplicaManager.appendToLocalLog: a KafkaStorageException is the partition's error, with
      // no log start offset.
      return { kind: "rejected", error: "KAFKA_STORAGE_ERROR", message: e.message, inLog: false };
    }
    this.traffic.appended(stored.sizeInBytes, stored.recordCount);
    return { kind: "appended", baseOffset: appended.baseOffset, logAppendTime };
  }

  /**
   * Calls `listener` after every append to this log and when the log is closed or deleted (so a
   * reader waiting for data stops waiting); returns the function that unsubscribes.
   */
  onAppend(listener: () => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  private announce(): void {
    if (this.appendListeners.size === 0) return;
    for (const listener of [...this.appendListeners]) listener();
  }

  /**
   * Appends one record batch as it is (already validated, or written by the broker itself: group
   * and metadata records). It may be a view into a larger buffer: it is copied into the write,
   * never kept. Assigns offsets from nextOffset and announces the append. Throws StorageError
   * if the batch could not be written (the log is then as it was before).
   */
  append(batch: Uint8Array | RecordBatchView, opts: { leaderEpoch?: number; origin?: AppendOrigin } = {}): AppendResult {
    // A client's batch comes as the view appendAsLeader checked: its header is read through
    // that one view here and in the producer state, never parsed again.
    let view: RecordBatchView;
    if (batch instanceof RecordBatchView) view = batch;
    else {
      if (batch.length < RECORD_BATCH_OVERHEAD) throw new Error(`record batch too short (${batch.length} bytes)`);
      view = new RecordBatchView(batch);
      if (view.batchLength !== batch.length - LOG_OVERHEAD || view.magic !== 2) {
        throw new Error("append: not exactly one magic v2 record batch");
      }
    }
    const bytes = view.bytes;
    const delta = view.lastOffsetDelta;
    if (delta < 0) throw new Error(`append: negative lastOffsetDelta ${delta}`);
    const maxTimestamp = view.maxTimestamp;
    const baseOffset = this.nextOffset;
    const lastOffset = baseOffset + delta;
    if (opts.origin === "coordinator" && view.producerId >= 0 && !view.isControl) {
      // AppendOrigin.COORDINATOR: the epoch is checked, never the sequence.
      const verdict = this.producerState.check(view, baseOffset, "coordinator");
      if (verdict.kind === "invalid-epoch") throw new ProducerAppendError("INVALID_PRODUCER_EPOCH", verdict.message);
      if (verdict.kind === "invalid-txn-state") throw new ProducerAppendError("INVALID_TXN_STATE", verdict.message);
    }

    this.failures.checkOnline(this.logDir, `append to ${this.dir}`);
    let active = this.active;
    if (
      active.size > 0 &&
      (active.size + bytes.length > this.segmentBytes ||
        !active.canHoldOffset(lastOffset) ||
        active.indexEntries >= this.maxIndexEntries ||
        this.timeToRoll(maxTimestamp))
    ) {
      active = this.roll();
    }

    // Only the first 16 bytes change (baseOffset, partitionLeaderEpoch): write a patched copy of
    // them followed by the rest of the client's bytes, in one write.
    const header = this.header;
    header.set(bytes.subarray(0, MAGIC));
    setInt64(this.headerView, 0, baseOffset);
    const epoch = opts.leaderEpoch ?? this.leaderEpoch;
    if (epoch !== undefined) this.headerView.setInt32(PARTITION_LEADER_EPOCH, epoch);
    const storedEpoch = this.headerView.getInt32(PARTITION_LEADER_EPOCH);
    try {
      active.append([header.subarray(0, MAGIC), bytes.subarray(MAGIC)], bytes.length, lastOffset, maxTimestamp);
    } catch (e) {
      throw this.failures.failure(this.logDir, `append to ${this.dir} at offset ${baseOffset}`, e);
    }
    if (this.activeFirstTimestamp === NO_TIMESTAMP) this.activeFirstTimestamp = maxTimestamp >= 0 ? maxTimestamp : Date.now();
    // The batch is in the log: a leader-epoch-checkpoint that cannot be written now does not
    // undo it (the cache is rebuilt from the active segment on recovery).
    this.quietly("leader-epoch-checkpoint", () => this.epochs.assign(storedEpoch, baseOffset));
    const completed = this.producerState.onAppend(view, baseOffset);
    if (completed !== null) this.indexCompletedTxn(completed, active);
    this.countUnflushed(lastOffset - baseOffset + 1);
    this.announce();
    return { baseOffset, lastOffset };
  }

  /**
   * Appends an end-transaction marker for `marker.producerId` (UnifiedLog.appendAsLeader with
   * origin COORDINATOR): the control batch ends the producer's open transaction here, the LSO
   * moves past it (waiting read_committed fetches are woken by the append's announcement), and an
   * ABORT of a transaction with data is indexed in the active segment's .txnindex.
   * `transactionVersion` is WriteTxnMarkers' (v2+; 0 before): with 2 the marker's epoch must be
   * newer than the producer's (ProducerAppendInfo.checkProducerEpoch). Throws ProducerAppendError
   * (INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED) with the log unchanged, StorageError
   * if the write failed. The acknowledgement waits for whenDurable(), as a Produce does.
   */
  appendTransactionMarker(marker: TransactionMarker, now: number, opts: { transactionVersion?: number } = {}): AppendResult {
    const verdict = this.producerState.checkMarker(marker.producerId, marker.producerEpoch, marker.coordinatorEpoch, this.nextOffset, opts.transactionVersion ?? 0);
    if (verdict.kind === "invalid-epoch") throw new ProducerAppendError("INVALID_PRODUCER_EPOCH", verdict.message);
    if (verdict.kind === "coordinator-fenced") throw new ProducerAppendError("TRANSACTION_COORDINATOR_FENCED", verdict.message);
    return this.append(buildTransactionMarkerBatch(marker, now));
  }

  /**
   * UnifiedLog's completed-transaction step: an aborted transaction goes into the .txnindex of
   * the segment holding its marker. A failed write takes the log dir offline (a missing entry
   * would show aborted data to read_committed consumers); recovery rebuilds the index.
   */
  private indexCompletedTxn(txn: CompletedTxn, segment: Segment): void {
    if (!txn.aborted) return;
    try {
      this.txnIndex(segment.baseOffset).append({
        producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: txn.lastStableOffset,
      });
    } catch (e) {
      this.failures.markOffline(this.logDir, `transaction index of ${this.dir}: ${messageOf(e)}`);
      this.log(`warn: ${this.dir}: aborted transaction of producer ${txn.producerId} at offset ${txn.lastOffset} not indexed: ${messageOf(e)}`);
    }
  }

  /** The .txnindex of the segment at `baseOffset` (opened on first use). */
  private txnIndex(baseOffset: number): TransactionIndex {
    let index = this.txnIndexes.get(baseOffset);
    if (index === undefined) {
      index = new TransactionIndex(this.fs, `${this.dir}/${segmentFileName(baseOffset, TXN_INDEX_SUFFIX)}`);
      this.txnIndexes.set(baseOffset, index);
    }
    return index;
  }

  /**
   * The aborted transactions overlapping [fetchOffset, upperBoundOffset) (Kafka's
   * UnifiedLog.collectAbortedTransactions): the .txnindex of the segment holding fetchOffset and
   * of later segments until one says no later entry can overlap.
   */
  abortedTransactions(fetchOffset: number, upperBoundOffset: number): AbortedTxn[] {
    const out: AbortedTxn[] = [];
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const found = this.txnIndex(this.segments[i]!.baseOffset).collect(fetchOffset, upperBoundOffset);
      for (const t of found.abortedTransactions) out.push(t);
      if (found.complete) break;
    }
    return out;
  }

  /**
   * A transactional batch of `producerId` is being verified with the transaction coordinator
   * before its transaction opens here: no batch of it above `baseSequence` is appended meanwhile
   * (Kafka's UnifiedLog.maybeStartTransactionVerification, VerificationStateEntry).
   */
  startTransactionVerification(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.producerState.startVerification(producerId, producerEpoch, baseSequence);
  }

  /**
   * Whether `producerId` has a transaction open in this partition at `producerEpoch` (Kafka's
   * ReplicaManager skips verifying such a partition with the coordinator).
   */
  hasOngoingTransaction(producerId: number, producerEpoch: number): boolean {
    const entry = this.producerState.entry(producerId);
    return entry !== undefined && entry.currentTxnFirstOffset >= 0 && entry.epoch === producerEpoch;
  }

  /** Every producer the state holds (DescribeProducers; Kafka's activeProducers). */
  describeProducers(): ProducerDescription[] {
    const out: ProducerDescription[] = [];
    for (const e of this.producerState.entries()) {
      out.push({
        producerId: e.producerId, producerEpoch: e.epoch, lastSequence: e.lastSeq, lastTimestamp: e.lastTimestamp,
        coordinatorEpoch: e.coordinatorEpoch, currentTxnStartOffset: e.currentTxnFirstOffset,
      });
    }
    return out;
  }

  /**
   * Kafka's LogSegment.shouldRoll by time: the data the active segment would then hold spans
   * more than segment.ms - jitter (the new batch's timestamp against the first batch's).
   */
  private timeToRoll(batchMaxTimestamp: number): boolean {
    if (!Number.isFinite(this.segmentMs) || this.activeFirstTimestamp === NO_TIMESTAMP) return false;
    const at = batchMaxTimestamp >= 0 ? batchMaxTimestamp : Date.now();
    return at - this.activeFirstTimestamp > this.segmentMs - this.segmentJitterMs;
  }

  /** The maxTimestamp of a segment's first batch (NO_TIMESTAMP when empty). */
  private firstBatchTimestamp(seg: Segment): number {
    if (seg.size === 0) return NO_TIMESTAMP;
    const first = seg.readFrom(0, 0, true).batches[0];
    return first === undefined ? NO_TIMESTAMP : new RecordBatchView(first).maxTimestamp;
  }

  /**
   * Seals the active segment and starts a new one at nextOffset. The new segment's files are
   * created first and removed again if the seal fails, so a failed roll (StorageError) leaves
   * the old segment active and the log as it was (Kafka's LocalLog.roll takes the dir offline).
   */
  roll(): Segment {
    this.failures.checkOnline(this.logDir, `roll of ${this.dir}`);
    const old = this.active;
    let next: Segment;
    try {
      next = Segment.create(this.fs, this.dir, old.nextOffset, this.segmentOpts);
    } catch (e) {
      for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX]) this.fs.remove(`${this.dir}/${segmentFileName(old.nextOffset, suffix)}`);
      throw this.failures.failure(this.logDir, `roll of ${this.dir} at offset ${old.nextOffset}`, e);
    }
    try {
      old.seal();
    } catch (e) {
      try {
        next.delete();
      } catch {
        // Empty files; an empty segment after the active one is removed by recovery's ordering.
      }
      throw this.failures.failure(this.logDir, `roll of ${this.dir} at offset ${old.nextOffset}`, e);
    }
    this.segments.push(next);
    // The new segment's files survive a power loss before anything in them is acknowledged
    // (Kafka's LocalLog.flush flushes the directory when a new segment is among those flushed).
    try {
      this.fs.syncDir(this.dir);
    } catch (e) {
      throw this.failures.failure(this.logDir, `roll of ${this.dir} at offset ${next.baseOffset}`, e);
    }
    // The old segment was fsynced by seal() (Kafka's roll flushes up to the new base offset).
    this.markFlushed(next.baseOffset);
    this.activeFirstTimestamp = NO_TIMESTAMP;
    this.log(`${this.dir}: rolled new segment at offset ${next.baseOffset}`);
    // As Kafka's roll: a producer snapshot at the new segment's base offset. One that cannot be
    // written leaves the older ones: recovery scans from those (slower, nothing lost).
    if (this.producerSnapshots) this.quietly("producer snapshot", () => this.producerState.takeSnapshot(next.baseOffset));
    return next;
  }

  /**
   * Runs a write whose failure does not undo what came before it (a checkpoint, a snapshot):
   * logs the failure, and takes the log dir offline unless the disk was merely full.
   */
  private quietly(what: string, write: () => void): void {
    try {
      write();
    } catch (e) {
      const failure = this.failures.failure(this.logDir, `${what} of ${this.dir}`, e);
      if (!(failure instanceof StorageError)) throw failure;
      this.log(`warn: ${failure.message}; not written`);
    }
  }

  /**
   * Whole batches from the one containing fetchOffset, at most maxBytes in total (the first
   * batch is returned whole even if larger when minOneBatch). Batches are zero-copy views of a
   * read-only mapping (but short reads at the log end: Segment.slice); they may continue into
   * later segments.
   * "out-of-range" if fetchOffset < logStartOffset or > nextOffset; [] if == nextOffset.
   * `maxOffset` (exclusive; the LSO for read_committed, Kafka's FetchIsolation.TXN_COMMITTED)
   * stops the read before the first batch that starts at or after it; [] if fetchOffset >= it.
   */
  read(fetchOffset: number, maxBytes: number, minOneBatch: boolean, maxOffset = Infinity): { batches: Uint8Array[] } | "out-of-range" {
    if (fetchOffset < this.localLogStartOffset || fetchOffset > this.nextOffset) return "out-of-range";
    const batches: Uint8Array[] = [];
    if (fetchOffset === this.nextOffset || fetchOffset >= maxOffset) return { batches };
    let remaining = maxBytes;
    let located = false;
    for (let i = this.segmentIndexFor(fetchOffset); i < this.segments.length; i++) {
      const seg = this.segments[i]!;
      let position = 0;
      if (!located) {
        const loc = seg.locate(fetchOffset);
        if (!loc) continue;
        position = loc.position;
        located = true;
      }
      if (seg.baseOffset >= maxOffset) break;
      const res = seg.readFrom(position, Math.max(0, remaining), minOneBatch && batches.length === 0);
      let capped = false;
      for (const b of res.batches) {
        // The bound is the first offset of an open transaction or the log end: a batch boundary.
        if (maxOffset !== Infinity && getInt64(new DataView(b.buffer, b.byteOffset, 8), 0) >= maxOffset) {
          capped = true;
          break;
        }
        batches.push(b);
      }
      remaining -= res.bytes;
      if (capped || !res.reachedEnd || remaining <= 0) break;
    }
    return { batches };
  }

  /**
   * A read_committed read (UnifiedLog.read with FetchIsolation.TXN_COMMITTED and aborted
   * transactions included): read() up to the LSO, with the aborted transactions overlapping it as
   * Kafka's LocalLog.addAbortedTransactions finds them: from the fetch offset up to the offset of
   * the first offset index entry at or past the end of the returned bytes in the fetch offset's
   * segment (OffsetIndex.fetchUpperBoundOffset), else that segment's end (the next segment's base
   * or the log end): so, as Kafka's, the list may reach a little past the returned data.
   */
  readCommitted(fetchOffset: number, maxBytes: number, minOneBatch: boolean): { batches: Uint8Array[]; abortedTransactions: AbortedTxn[] } | "out-of-range" {
    const read = this.read(fetchOffset, maxBytes, minOneBatch, this.lastStableOffset);
    if (read === "out-of-range") return read;
    if (read.batches.length === 0) return { batches: read.batches, abortedTransactions: [] };
    const i = this.segmentIndexFor(fetchOffset);
    const seg = this.segments[i]!;
    const start = seg.locate(fetchOffset)?.position ?? 0;
    // The returned bytes within this segment (a Bunka read may go on into the next).
    let fetchSize = 0;
    const segmentEnd = this.segments[i + 1]?.baseOffset ?? this.nextOffset;
    for (const b of read.batches) {
      if (new RecordBatchView(b).baseOffset >= segmentEnd) break;
      fetchSize += b.length;
    }
    let upperBound = segmentEnd;
    const index = seg.offsetIndex;
    const target = start + fetchSize;
    // The smallest entry whose position is at or past target (entries are in position order).
    let lo = 0, hi = index.entries;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (index.entry(mid).position >= target) hi = mid;
      else lo = mid + 1;
    }
    if (lo < index.entries) upperBound = index.entry(lo).offset;
    const last = new RecordBatchView(read.batches.at(-1)!).nextOffset;
    return { batches: read.batches, abortedTransactions: this.abortedTransactions(fetchOffset, Math.max(upperBound, last)) };
  }

  /** Every batch from the one containing `offset` to the end (reads about 1 MiB at a time). */
  *batchesFrom(offset: number): Generator<Uint8Array> {
    let next = Math.max(offset, this.localLogStartOffset);
    while (next < this.nextOffset) {
      const res = this.read(next, 1 << 20, true);
      if (res === "out-of-range" || res.batches.length === 0) return;
      for (const b of res.batches) {
        yield b;
        const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
        next = getInt64(dv, 0) + dv.getInt32(LAST_OFFSET_DELTA) + 1;
      }
    }
  }

  /**
   * ListOffsets by timestamp (Kafka's fetchOffsetByTimestamp for a real timestamp): the first
   * record with timestamp >= ts, searched from the first segment whose largest timestamp >= ts,
   * via its time index. null if no record is that late.
   */
  offsetForTimestamp(ts: number): TimestampOffset | null {
    for (const seg of this.segments) {
      if (seg.maxTimestamp.timestamp >= ts) {
        const found = seg.findOffsetByTimestamp(ts, this.logStartOffset);
        if (found) return found;
      }
    }
    return null;
  }

  /**
   * ListOffsets by timestamp with a remote tier (Kafka's UnifiedLog.fetchOffsetByTimestamp with
   * remote storage): the remote segments first, then the local ones.
   */
  async offsetForTimestampIncludingRemote(ts: number): Promise<TimestampOffset | null> {
    const tier = this.remote;
    if (tier !== null) {
      const found = await tier.offsetForTimestamp(ts, this.startOffset);
      if (found !== null && found.offset >= this.startOffset) return found;
    }
    return this.offsetForTimestamp(ts);
  }

  /**
   * DeleteRecords (ReplicaManager.deleteRecords → UnifiedLog.maybeIncrementLogStartOffset): moves
   * the log start offset to `offset` (-1: the high watermark) and removes the segments wholly
   * below it. Returns the new low watermark, or "out-of-range" for an offset past the high
   * watermark or below -1 (Kafka's OffsetOutOfRangeException).
   */
  deleteRecordsBefore(offset: number): number | "out-of-range" {
    const target = offset === -1 ? this.highWatermark : offset;
    if (target < 0 || target > this.highWatermark) return "out-of-range";
    if (target > this.startOffset) {
      this.setLogStartOffset(target);
      this.deleteSegmentsWhile((_, next) => next !== null && next.baseOffset <= this.startOffset, "log start offset");
    }
    return this.startOffset;
  }

  /**
   * Kafka's UnifiedLog.deleteOldSegments: removes segments from the front while they lie wholly
   * below the log start offset, then (cleanup.policy with delete) while their newest record is
   * older than retention.ms, then while the log is larger than retention.bytes by at least the
   * segment's size. Returns how many segments went.
   */
  deleteOldSegments(policy: RetentionPolicy, now: number): number {
    let deleted = this.deleteSegmentsWhile((_, next) => next !== null && next.baseOffset <= this.startOffset, "log start offset");
    if (!policy.deleteEnabled) return deleted;
    const tier = this.remote;
    if (tier !== null && policy.remoteStorageEnable && !policy.remoteLogCopyDisable) return deleted + this.deleteUploadedSegments(policy, tier, now);
    // Retention without a remote tier, or with copies disabled, moves the log start offset
    // (Kafka's incrementStartOffset); with remote storage the deleted data stays readable.
    if (policy.retentionMs >= 0) {
      // A segment without timestamps (NO_TIMESTAMP) is never old: Kafka would use the file's
      // modification time, which this broker does not track.
      deleted += this.deleteSegmentsWhile((seg) => {
        const ts = seg.maxTimestamp.timestamp;
        return ts !== NO_TIMESTAMP && now - ts > policy.retentionMs;
      }, `retention time ${policy.retentionMs}ms`, true);
    }
    if (policy.retentionBytes >= 0) {
      let excess = this.sizeInBytes - policy.retentionBytes;
      deleted += this.deleteSegmentsWhile((seg) => {
        if (excess - seg.size < 0) return false;
        excess -= seg.size;
        return true;
      }, `retention size ${policy.retentionBytes} bytes`, true);
    }
    return deleted;
  }

  /**
   * Local retention of a tiered log (Kafka's deleteOldSegments with remote storage): segments
   * wholly uploaded (their last offset at most the tier's highest copied offset) go while older
   * than local.retention.ms or beyond local.retention.bytes (-2: retention.ms / retention.bytes);
   * the log start offset stays (the data is still readable, from the tier).
   */
  private deleteUploadedSegments(policy: RetentionPolicy, tier: RemoteTier, now: number): number {
    const localMs = policy.localRetentionMs === undefined || policy.localRetentionMs === -2 ? policy.retentionMs : policy.localRetentionMs;
    const localBytes = policy.localRetentionBytes === undefined || policy.localRetentionBytes === -2 ? policy.retentionBytes : policy.localRetentionBytes;
    const uploaded = (next: Segment | null) => next !== null && next.baseOffset - 1 <= tier.highestCopiedOffset;
    let deleted = 0;
    if (localMs >= 0) {
      deleted += this.deleteSegmentsWhile((seg, next) => {
        const ts = seg.maxTimestamp.timestamp;
        return uploaded(next) && ts !== NO_TIMESTAMP && now - ts > localMs;
      }, `local retention time ${localMs}ms, uploaded`);
    }
    if (localBytes >= 0) {
      let excess = this.sizeInBytes - localBytes;
      deleted += this.deleteSegmentsWhile((seg, next) => {
        if (!uploaded(next) || excess - seg.size < 0) return false;
        excess -= seg.size;
        return true;
      }, `local retention size ${localBytes} bytes, uploaded`);
    }
    return deleted;
  }

  /**
   * Kafka's deletableSegments + deleteSegments: the longest prefix of segments that `shouldDelete`
   * accepts (never an empty active segment); when that is every segment, the log rolls first so
   * that an empty active segment stays at the log end.
   */
  private deleteSegmentsWhile(shouldDelete: (seg: Segment, next: Segment | null) => boolean, reason: string, movesLogStart = false): number {
    let n = 0;
    while (n < this.segments.length) {
      const seg = this.segments[n]!;
      const next = this.segments[n + 1] ?? null;
      if (next === null && seg.size === 0) break;
      if (!shouldDelete(seg, next)) break;
      n++;
    }
    if (n === 0) return 0;
    if (n === this.segments.length) this.roll();
    const gone = this.segments.splice(0, n);
    for (const seg of gone) this.removeSegmentFiles(seg);
    this.log(`${this.dir}: deleted ${n} segment(s) from offset ${gone[0]!.baseOffset} (${reason})`);
    // With remote storage the segments gone from the disk are still readable from the tier
    // (unless `movesLogStart`: retention.ms / retention.bytes with copies disabled).
    if (this.segments[0]!.baseOffset > this.startOffset && (this.remote === null || movesLogStart)) this.setLogStartOffset(this.segments[0]!.baseOffset);
    this.epochs.truncateFromStart(this.startOffset);
    if (this.producerSnapshots) this.producerState.deleteSnapshotsBefore(this.segments[0]!.baseOffset);
    return n;
  }

  private setLogStartOffset(offset: number): void {
    this.startOffset = offset;
    this.onLogStartOffsetChange(offset);
  }

  /**
   * Renames a removed segment's files to *.deleted and removes them file.delete.delay.ms later
   * (Kafka's asyncDeleteSegment). The mapping is only forgotten: views of it that a response is
   * still writing stay valid (unlinking a mapped file does not invalidate the mapping).
   */
  private removeSegmentFiles(seg: Segment): void {
    seg.close();
    this.txnIndexes.get(seg.baseOffset)?.close();
    this.txnIndexes.delete(seg.baseOffset);
    const renamed: string[] = [];
    for (const path of [...seg.filePaths, `${this.dir}/${segmentFileName(seg.baseOffset, TXN_INDEX_SUFFIX)}`]) {
      if (!this.fs.exists(path)) continue;
      this.fs.rename(path, path + DELETED_SUFFIX);
      renamed.push(path + DELETED_SUFFIX);
    }
    const remove = () => {
      for (const p of renamed) if (this.fs.exists(p)) this.fs.remove(p);
    };
    if (this.fileDeleteDelayMs <= 0) remove();
    else setTimeout(remove, this.fileDeleteDelayMs).unref();
  }

  /** The sealed segments (all but the active one), oldest first: what the log cleaner may rewrite. */
  sealedSegments(): SealedSegment[] {
    const out: SealedSegment[] = [];
    for (let i = 0; i < this.segments.length - 1; i++) {
      const seg = this.segments[i]!;
      out.push({
        baseOffset: seg.baseOffset, endOffset: this.segments[i + 1]!.baseOffset, size: seg.size,
        largestTimestamp: seg.maxTimestamp.timestamp, path: seg.logPath,
      });
    }
    return out;
  }

  /**
   * The producer's last data offset (-1 when its newest record is a marker) and epoch, or null
   * for a producer the state does not hold (Kafka's lastRecordsOfActiveProducers).
   */
  producerLastRecord(producerId: number): { lastDataOffset: number; epoch: number } | null {
    const e = this.producerState.entry(producerId);
    return e === undefined ? null : { lastDataOffset: e.batches.at(-1)?.lastOffset ?? -1, epoch: e.epoch };
  }

  /** [producer id, last data offset, epoch] for every producer the state holds (the cleaner worker's copy). */
  producerLastRecords(): [number, number, number][] {
    const out: [number, number, number][] = [];
    for (const e of this.producerState.entries()) out.push([e.producerId, e.batches.at(-1)?.lastOffset ?? -1, e.epoch]);
    return out;
  }

  /** Every batch of the sealed segment at `baseOffset`, in order (views of its mapping). */
  *segmentBatches(baseOffset: number): Generator<Uint8Array> {
    const seg = this.segments.find((s) => s.baseOffset === baseOffset && !s.isActive);
    if (seg === undefined) return;
    let position = 0;
    while (position < seg.size) {
      const res = seg.readFrom(position, 1 << 20, true);
      if (res.batches.length === 0) return;
      for (const b of res.batches) yield b;
      position += res.bytes;
    }
  }

  /**
   * Starts replacing consecutive sealed segments with one segment (the log cleaner's output:
   * batches appended in offset order, within the replaced range), crash-safely, as Kafka's
   * replaceSegments does with .cleaned and .swap files:
   *   1. the batches go to `<base>.log.cleaned` as they come (nothing is held in memory), which
   *      commit() fsyncs;
   *   2. commit() records which segments it replaces in `<base>.cleaner-swap` (atomic write),
   *   3. renames it to `<base>.log.swap` (the commit point),
   *   4. renames the replaced segments' files to *.deleted (removed later, as retention does),
   *   5. renames the swap to `<base>.log` (indexes are rebuilt from it on first use) and drops
   *      the record of step 2.
   * On open, a swap is completed and a .cleaned file without one is dropped (recoverCleanerSwaps).
   * commit() returns false, and changes nothing, if the segments are no longer the log's sealed
   * ones (retention or DeleteRecords removed some meanwhile). null if they are not now.
   */
  startReplacement(baseOffsets: number[]): SegmentReplacement | null {
    if (this.sealedRun(baseOffsets) === null) return null;
    this.failures.checkOnline(this.logDir, `log cleaning of ${this.dir}`);
    const cleaned = cleanedLogPath(this.dir, baseOffsets[0]!);
    const file = this.fs.open(cleaned);
    if (file.size !== 0) file.truncate(0);
    let done = false;
    const finish = () => {
      done = true;
      file.close();
    };
    return {
      append: (batch) => {
        if (done) throw new Error("segment replacement already finished");
        file.append(batch);
      },
      abort: () => {
        if (done) return;
        finish();
        this.fs.remove(cleaned);
      },
      commit: (abortedTxns: AbortedTxn[] = []) => {
        if (done) throw new Error("segment replacement already finished");
        try {
          file.sync();
          finish();
        } catch (e) {
          // Before the commit point: nothing replaced, and the .cleaned file must not keep
          // holding space on a full disk until the next start.
          if (!done) finish();
          this.fs.remove(cleaned);
          throw this.failures.failure(this.logDir, `log cleaning of ${this.dir}`, e);
        }
        return this.swapInCleaned(baseOffsets, abortedTxns);
      },
    };
  }

  /**
   * Steps 2-5 of startReplacement: swaps in `cleanedLogPath(dir, baseOffsets[0])`, complete and
   * fsynced (by a replacement's commit, or by the cleaner worker that wrote it). False, with the
   * cleaned file removed and nothing else changed, if the segments are no longer the log's sealed
   * ones.
   */
  swapInCleaned(baseOffsets: number[], abortedTxns: AbortedTxn[] = []): boolean {
    const base = baseOffsets[0]!;
    const cleaned = cleanedLogPath(this.dir, base);
    const logPath = `${this.dir}/${segmentFileName(base, LOG_SUFFIX)}`;
    const record = `${this.dir}/${segmentFileName(base, SWAP_RECORD_SUFFIX)}`;
    // The new segment's .txnindex, written (always, empty too: recovery relies on it) before the
    // commit point, moved into place after the old segments' indexes are gone.
    const txnIndexPath = `${this.dir}/${segmentFileName(base, TXN_INDEX_SUFFIX)}`;
    let first: number | null;
    try {
      this.failures.checkOnline(this.logDir, `log cleaning of ${this.dir}`);
      first = this.sealedRun(baseOffsets);
      if (first !== null) {
        this.fs.writeFileAtomic(record, new TextEncoder().encode(baseOffsets.join("\n") + "\n"));
        this.fs.writeFileAtomic(txnIndexPath + SWAP_SUFFIX, concatBytes(abortedTxns.map(encodeAbortedTxn)));
      }
    } catch (e) {
      // Before the commit point: nothing replaced, and the .cleaned file must not keep holding
      // space on a full disk until the next start.
      this.fs.remove(cleaned);
      if (this.fs.exists(txnIndexPath + SWAP_SUFFIX)) this.fs.remove(txnIndexPath + SWAP_SUFFIX);
      throw this.failures.failure(this.logDir, `log cleaning of ${this.dir}`, e);
    }
    if (first === null) {
      this.fs.remove(cleaned);
      return false;
    }
    const old = this.segments.slice(first, first + baseOffsets.length);
    const nextBase = this.segments[first + old.length]!.baseOffset;
    this.fs.rename(cleaned, logPath + SWAP_SUFFIX);
    for (const seg of old) this.removeSegmentFiles(seg);
    this.fs.rename(txnIndexPath + SWAP_SUFFIX, txnIndexPath);
    if (abortedTxns.length === 0) this.fs.remove(txnIndexPath);
    this.fs.rename(logPath + SWAP_SUFFIX, logPath);
    this.fs.remove(record);
    const replacement = Segment.openSealed(this.fs, this.dir, base, nextBase, this.segmentOpts);
    this.segments.splice(first, old.length, replacement);
    // Indexes that cannot be written now (a full disk) are rebuilt from the log on first use.
    this.quietly("indexes of a cleaned segment", () => replacement.buildIndexes());
    // The producer snapshots of the segments merged away go with them (Kafka's
    // replaceSegments deletes them too); the first base is still a segment's.
    if (this.producerSnapshots) this.producerState.deleteSnapshotsAt(old.slice(1).map((s) => s.baseOffset));
    return true;
  }

  /** Index of the first of `baseOffsets` if they are consecutive sealed segments of this log now, else null. */
  private sealedRun(baseOffsets: number[]): number | null {
    if (baseOffsets.length === 0) return null;
    const first = this.segments.findIndex((s) => s.baseOffset === baseOffsets[0]);
    if (first < 0 || first + baseOffsets.length >= this.segments.length) return null;
    for (let i = 0; i < baseOffsets.length; i++) if (this.segments[first + i]!.baseOffset !== baseOffsets[i]) return null;
    return first;
  }

  /**
   * fsyncs the active segment (sealed segments were fsynced when rolled, or are by markFlushed)
   * and moves the recovery point to the log end. A failed fsync takes the log dir offline (after
   * one, Linux may have dropped the unwritten pages) and throws StorageError.
   */
  flush(): void {
    this.failures.checkOnline(this.logDir, `flush of ${this.dir}`);
    const end = this.nextOffset;
    try {
      this.active.flush();
    } catch (e) {
      throw this.failures.failure(this.logDir, `flush of ${this.dir}`, e);
    }
    this.markFlushed(end);
  }

  /**
   * Resolves once everything appended so far is on disk, through the group commit: what an
   * acknowledgement waits for (bunka.fsync.before.ack). Null when nothing needs waiting for
   * (page-cache acknowledgements, as Kafka's, or no group commit). Rejects with StorageError.
   */
  whenDurable(): Promise<void> | null {
    if (this.groupCommit === null || !this.fsyncBeforeAck) return null;
    return this.groupCommit.flush(this);
  }

  /**
   * Everything appended so far, on disk: fdatasync of the active segment's log off the JS thread
   * (sealed segments were fsynced when rolled; indexes are rebuilt by recovery, as Kafka's are).
   * Resolves with the offset it covers. A failure takes the log dir offline whatever the errno,
   * a full disk too: after a failed fsync the kernel may have dropped the dirty pages, so the
   * log can no longer be trusted (Kafka's LogDirFailureChannel on a failed flush).
   */
  async flushAsync(): Promise<number> {
    this.failures.checkOnline(this.logDir, `flush of ${this.dir}`);
    const upTo = this.nextOffset;
    this.unflushedRecords = 0;
    this.firstUnflushedMs = -1;
    try {
      await this.active.datasyncLog();
    } catch (e) {
      this.failures.markOffline(this.logDir, `flush of ${this.dir}: ${messageOf(e)}`);
      throw this.failures.failure(this.logDir, `flush of ${this.dir}`, e);
    }
    // The recovery point follows (the next unclean start validates from there).
    this.markFlushed(upTo);
    return upTo;
  }

  /** flush.ms (Kafka's LogManager.flushDirtyLogs): flushes if the oldest unflushed append is that old. */
  flushIfDue(now: number): void {
    if (this.firstUnflushedMs >= 0 && now - this.firstUnflushedMs >= this.flushMs) this.backgroundFlush();
  }

  /** flush.messages (UnifiedLog.append's unflushedMessages check), in page-cache mode. */
  private countUnflushed(records: number): void {
    this.unflushedRecords += records;
    if (this.firstUnflushedMs < 0) this.firstUnflushedMs = Date.now();
    if (this.unflushedRecords >= this.flushMessages) this.backgroundFlush();
  }

  private backgroundFlush(): void {
    if (this.groupCommit === null) return;
    this.groupCommit.flush(this).catch((e) => this.log(`warn: ${this.dir}: background flush failed: ${messageOf(e)}`));
  }

  /**
   * Clean shutdown: final time index entry, fsync and close every file, drop mappings; the
   * recovery point is then the log end. Every file is closed even when some write fails (logged;
   * recovery at the next start covers it). Returns false if anything was not written and
   * fsynced (the owner then writes no clean shutdown marker).
   */
  close(): boolean {
    let clean = !this.failures.isOffline(this.logDir);
    if (this.producerSnapshots && clean) {
      this.quietly("producer snapshot", () => this.producerState.takeSnapshot(this.nextOffset));
    }
    if (clean) {
      try {
        this.flush();
      } catch (e) {
        clean = false;
        this.log(`warn: ${this.dir}: flush at close: ${messageOf(e)}; recovered at the next start`);
      }
    }
    for (const index of this.txnIndexes.values()) {
      try {
        if (clean) index.flush();
        index.close();
      } catch (e) {
        clean = false;
        this.log(`warn: ${this.dir}: closing ${index.filePath}: ${messageOf(e)}; recovered at the next start`);
      }
    }
    for (const s of this.segments) {
      try {
        s.close();
      } catch (e) {
        clean = false;
        this.log(`warn: ${this.dir}: closing segment ${s.baseOffset}: ${messageOf(e)}; recovered at the next start`);
      }
    }
    this.announce();
    return clean;
  }

  /** Index of the segment with the largest base offset <= offset (0 if none). */
  private segmentIndexFor(offset: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}

/**
 * Finishes or drops what a log cleaner swap left when the broker stopped in the middle of
 * PartitionLog.replaceSegments: a `.swap` log (committed) replaces the segments its
 * `.cleaner-swap` record names; a `.cleaned` log (not committed) is removed.
 */
function recoverCleanerSwaps(fs: FileSystem, dir: string, log: (msg: string) => void): void {
  for (const name of fs.list(dir)) {
    if (name.endsWith(LOG_SUFFIX + CLEANED_SUFFIX)) {
      fs.remove(`${dir}/${name}`);
      continue;
    }
    if (!name.endsWith(LOG_SUFFIX + SWAP_SUFFIX)) continue;
    const base = parseSegmentFileName(name.slice(0, -SWAP_SUFFIX.length), LOG_SUFFIX);
    if (base === null) continue;
    const record = `${dir}/${segmentFileName(base, SWAP_RECORD_SUFFIX)}`;
    const replaced = fs.exists(record)
      ? new TextDecoder().decode(fs.readFile(record)).split("\n").filter((l) => l !== "").map(Number)
      : [base];
    // The new .txnindex: still as .swap (then the old ones all go), or already moved into place.
    const txnIndexSwap = `${dir}/${segmentFileName(base, TXN_INDEX_SUFFIX)}${SWAP_SUFFIX}`;
    const txnIndexPending = fs.exists(txnIndexSwap);
    for (const b of replaced) {
      for (const suffix of [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX]) {
        if (suffix === TXN_INDEX_SUFFIX && b === base && !txnIndexPending) continue;
        const path = `${dir}/${segmentFileName(b, suffix)}`;
        if (fs.exists(path)) fs.remove(path);
      }
    }
    if (txnIndexPending) {
      const txnIndex = `${dir}/${segmentFileName(base, TXN_INDEX_SUFFIX)}`;
      fs.rename(txnIndexSwap, txnIndex);
      if (fs.size(txnIndex) === 0) fs.remove(txnIndex);
    }
    fs.rename(`${dir}/${name}`, `${dir}/${segmentFileName(base, LOG_SUFFIX)}`);
    if (fs.exists(record)) fs.remove(record);
    log(`${dir}: completed a log cleaner swap at offset ${base} (replacing ${replaced.length} segment(s))`);
  }
  for (const name of fs.list(dir)) {
    // A swap record, or a new .txnindex, whose swap never got committed.
    if (name.endsWith(SWAP_RECORD_SUFFIX) && !fs.exists(`${dir}/${name.slice(0, -SWAP_RECORD_SUFFIX.length)}${LOG_SUFFIX}${SWAP_SUFFIX}`)) {
      fs.remove(`${dir}/${name}`);
    }
    if (name.endsWith(TXN_INDEX_SUFFIX + SWAP_SUFFIX)) fs.remove(`${dir}/${name}`);
  }
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
