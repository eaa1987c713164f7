// The remote tier of one partition log (Kafka's RemoteLogManager tasks for one partition, with
// RemoteLogMetadataManager's state in remote-segment-metadata.ts): uploads rolled segments,
// serves reads below the local log start, and applies retention to the remote segments.
//
// Object key layout (under the store's prefix), one object per file Kafka's RemoteStorageManager
// copies (LogSegmentData):
//   <topic>-<partition>-<topic id>/<base offset, 20 digits>-<segment id>.log
//                                                                      .index        offset index
//                                                                      .timeindex    time index
//                                                                      .txnindex     aborted transactions (empty if none)
//                                                                      .snapshot     producer snapshot at the segment's end offset (empty if none)
//                                                                      .leader-epoch-checkpoint  the epochs up to the segment's end
// The .log object is put last, the metadata entry is COPY_SEGMENT_FINISHED only after it.
//
// copy() (Kafka's RLMCopyTask.copyLogSegmentsToRemote): every sealed segment above the highest
// copied offset whose end is at or below the last stable offset (a segment with an open
// transaction waits), oldest first; a failure stops the pass, the next pass starts again at the
// same segment with a new segment id, after removing what the failed attempt put.
// expire() (RLMExpirationTask): remote segments older than retention.ms (newest record),
// beyond retention.bytes (remote plus local not yet uploaded), or wholly below the log start
// offset are deleted, oldest first: the log start offset moves first (durably, through the
// partition log's checkpoint), then each entry is marked DELETE_SEGMENT_STARTED, its objects go,
// and the entry goes.
// recover(): entries a crash or an outage left half done are finished (deleted) before the next
// copy, so nothing is served twice and nothing is left behind.
// read() (RemoteLogManager.read): the one remote segment holding the offset; the position from
// its offset index, then whole batches, through a bounded chunk cache (remote-chunk-cache.ts).
// It answers "expired" after remote.fetch.max.wait.ms (Kafka's DelayedRemoteFetch).
//
// offsetForTimestamp() (RemoteLogManager.findOffsetByTimestamp): ListOffsets by timestamp, remote
// segments first, through the same cache.
//
// Uploads stream each file from an open handle a part at a time (ObjectStore.upload), so the
// memory a copy takes does not grow with segment.bytes. Not done: quotas on copy and fetch.

import type { AppendFile, FileSystem } from "../fs.ts";
import type { PartitionLog, RemoteRead, RemoteTier, RetentionPolicy } from "../partition-log.ts";
import { INDEX_SUFFIX, LOG_SUFFIX, TIME_INDEX_SUFFIX, segmentFileName } from "../segment.ts";
import { TXN_INDEX_SUFFIX, decodeAbortedTxns, type AbortedTxn } from "../transaction-index.ts";
import { SNAPSHOT_SUFFIX } from "../producer-state.ts";
import { formatLeaderEpochCheckpoint } from "../leader-epoch-checkpoint.ts";
import {
  LAST_OFFSET_DELTA, LOG_OVERHEAD, MAX_TIMESTAMP, RECORD_BATCH_OVERHEAD, RecordBatchView, offsetForTimestampInBatch,
} from "../../records/record-batch.ts";
import type { TimestampOffset } from "../time-index.ts";
import { getInt64 } from "../../records/int64.ts";
import type { ObjectStore, UploadSource } from "./object-store.ts";
import type { RemoteChunkCache } from "./remote-chunk-cache.ts";
import { RemoteSegmentMetadata, type RemoteSegment } from "./remote-segment-metadata.ts";

/** How much a remote read fetches at a time (readNow). */
const SPAN_MIN_BYTES = 64 * 1024;
const SPAN_MAX_BYTES = 4 * 1024 * 1024;
const EMPTY_SOURCE: UploadSource = { size: 0, read: () => new Uint8Array(0) };

export const LEADER_EPOCH_CHECKPOINT_SUFFIX = ".leader-epoch-checkpoint";
/** Every object of a remote segment, the .log last (its presence alone proves nothing: the metadata state does). */
export const REMOTE_SEGMENT_SUFFIXES = [INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX, SNAPSHOT_SUFFIX, LEADER_EPOCH_CHECKPOINT_SUFFIX, LOG_SUFFIX];

export interface RemotePartitionLogOptions {
  fs: FileSystem;
  store: ObjectStore;
  cache: RemoteChunkCache;
  /** `<topic>-<partition>-<topic id>`: the key prefix of this partition's objects. */
  partitionKey: string;
  log?: (msg: string) => void;
  /** A new segment id (tests make them predictable). */
  newId?: () => string;
  /** remote.fetch.max.wait.ms: how long a Fetch waits for a remote read (Kafka's default 500). */
  fetchMaxWaitMs?: number;
}

export const DEFAULT_REMOTE_FETCH_MAX_WAIT_MS = 500;

/** What one copy or expire pass did. */
export interface RemotePassResult {
  segments: number;
  bytes: number;
  /** The pass stopped at a failure (the bucket unreachable): its message. */
  error: string | null;
}

export class RemotePartitionLog implements RemoteTier {
  readonly metadata: RemoteSegmentMetadata;
  private readonly store: ObjectStore;
  private readonly cache: RemoteChunkCache;
  private readonly fs: FileSystem;
  private readonly prefix: string;
  private readonly say: (msg: string) => void;
  private readonly newId: () => string;
  readonly fetchMaxWaitMs: number;
  /** The copy or expire pass running (they never overlap: each changes the metadata). */
  private running: Promise<RemotePassResult> | null = null;
  /** Set by stop(): no pass starts, and a copy under way stops before its next object. */
  private stopped = false;

  constructor(readonly log: PartitionLog, opts: RemotePartitionLogOptions) {
    this.fs = opts.fs;
    this.store = opts.store;
    this.cache = opts.cache;
    this.prefix = `${opts.partitionKey}/`;
    this.say = opts.log ?? (() => {});
    this.newId = opts.newId ?? (() => crypto.randomUUID().replaceAll("-", ""));
    this.fetchMaxWaitMs = opts.fetchMaxWaitMs ?? DEFAULT_REMOTE_FETCH_MAX_WAIT_MS;
    this.metadata = new RemoteSegmentMetadata(this.fs, log.dir);
    // Kafka's checkpoint default is 0 for a remote log: the start is then where the data begins,
    // in the bucket or on the disk (Kafka's updateRemoteLogStartOffset on becoming leader).
    const dataStart = Math.min(this.remoteStartOffset ?? Infinity, log.localLogStartOffset);
    if (log.logStartOffset < dataStart && dataStart <= log.highWatermark) log.deleteRecordsBefore(dataStart);
  }

  /** The object key of one file of a remote segment. */
  objectKey(segment: Pick<RemoteSegment, "baseOffset" | "id">, suffix: string): string {
    return `${this.prefix}${String(segment.baseOffset).padStart(20, "0")}-${segment.id}${suffix}`;
  }

  get highestCopiedOffset(): number {
    let highest = -1;
    for (const s of this.metadata.finished) highest = Math.max(highest, s.endOffset);
    return highest;
  }

  /** The first offset held remotely (null: none). */
  get remoteStartOffset(): number | null {
    return this.metadata.finished[0]?.baseOffset ?? null;
  }

  /** Bytes of the .log objects of the readable remote segments. */
  get remoteSizeInBytes(): number {
    let n = 0;
    for (const s of this.metadata.finished) n += s.sizeInBytes;
    return n;
  }

  /**
   * Finishes what a crash or a failure left half done: the objects of an upload that did not
   * finish (COPY_SEGMENT_STARTED) and of a deletion that did not (DELETE_SEGMENT_STARTED) are
   * deleted and their entries removed. Throws (an ObjectStoreError) if the store cannot be reached.
   */
  async recover(): Promise<number> {
    let n = 0;
    for (const s of [...this.metadata.all]) {
      if (s.state === "COPY_SEGMENT_FINISHED") continue;
      if (s.state === "COPY_SEGMENT_STARTED") this.metadata.put({ ...s, state: "DELETE_SEGMENT_STARTED" });
      await this.deleteObjects(s);
      this.metadata.remove(s.id);
      this.say(`${this.log.dir}: removed the remote objects of ${s.state === "COPY_SEGMENT_STARTED" ? "an unfinished upload" : "an unfinished deletion"} of segment ${s.baseOffset} (id ${s.id})`);
      n++;
    }
    return n;
  }

  /** One copy pass (see the file comment). */
  async copy(now: number): Promise<RemotePassResult> {
    return this.exclusive(async () => {
      const result: RemotePassResult = { segments: 0, bytes: 0, error: null };
      try {
        await this.recover();
        const lso = this.log.lastStableOffset;
        for (const seg of this.log.sealedSegments()) {
          const lastOffset = seg.endOffset - 1;
          if (lastOffset <= Math.max(this.highestCopiedOffset, this.log.logStartOffset - 1)) continue;
          if (seg.endOffset > lso) break;
          await this.copySegment(seg.baseOffset, seg.endOffset, seg.largestTimestamp, now);
          result.segments++;
          result.bytes += seg.size;
        }
      } catch (e) {
        result.error = (e as Error).message;
        this.say(`warn: ${this.log.dir}: copy to remote storage stopped: ${result.error}; retried at the next pass`);
      }
      return result;
    });
  }

  private async copySegment(baseOffset: number, endOffset: number, maxTimestamp: number, now: number): Promise<void> {
    const dir = this.log.dir;
    // Open every file now, synchronously: the local segment may go (retention, a topic deletion)
    // while the upload runs, and an open handle still reads an unlinked file. The bytes are then
    // read a part at a time (ObjectStore.upload), so a segment's size does not bound memory.
    const handles: AppendFile[] = [];
    const open = (name: string): UploadSource => {
      const path = `${dir}/${name}`;
      if (!this.fs.exists(path)) return EMPTY_SOURCE;
      const handle = this.fs.open(path);
      handles.push(handle);
      const size = handle.size;
      return { size, read: (position, length) => handle.read(position, length) };
    };
    try {
      const epochs = this.epochsUpTo(baseOffset, endOffset);
      const epochBytes = new TextEncoder().encode(formatLeaderEpochCheckpoint(epochs));
      const sources = new Map<string, UploadSource>([
        [INDEX_SUFFIX, open(segmentFileName(baseOffset, INDEX_SUFFIX))],
        [TIME_INDEX_SUFFIX, open(segmentFileName(baseOffset, TIME_INDEX_SUFFIX))],
        [TXN_INDEX_SUFFIX, open(segmentFileName(baseOffset, TXN_INDEX_SUFFIX))],
        [SNAPSHOT_SUFFIX, open(segmentFileName(endOffset, SNAPSHOT_SUFFIX))],
        [LEADER_EPOCH_CHECKPOINT_SUFFIX, { size: epochBytes.length, read: (p, n) => epochBytes.subarray(p, p + n) }],
        [LOG_SUFFIX, open(segmentFileName(baseOffset, LOG_SUFFIX))],
      ]);
      const logSize = sources.get(LOG_SUFFIX)!.size;
      const segment: RemoteSegment = {
        id: this.newId(), baseOffset, endOffset: endOffset - 1, maxTimestamp, sizeInBytes: logSize,
        indexSize: sources.get(INDEX_SUFFIX)!.size, txnIndexSize: sources.get(TXN_INDEX_SUFFIX)!.size,
        timeIndexSize: sources.get(TIME_INDEX_SUFFIX)!.size,
        state: "COPY_SEGMENT_STARTED", leaderEpochs: epochs, eventTimestampMs: now,
      };
      this.metadata.put(segment);
      for (const suffix of REMOTE_SEGMENT_SUFFIXES) {
        if (this.stopped) throw new Error("the partition's remote tier was stopped (topic deleted or log closed)");
        await this.store.upload(this.objectKey(segment, suffix), sources.get(suffix)!);
      }
      this.metadata.put({ ...segment, state: "COPY_SEGMENT_FINISHED", eventTimestampMs: now });
      this.say(`${dir}: copied segment ${baseOffset} (offsets ${baseOffset}-${endOffset - 1}, ${logSize} bytes) to remote storage as ${this.objectKey(segment, LOG_SUFFIX)}`);
    } finally {
      for (const h of handles) h.close();
    }
  }

  /** The leader epochs that cover [baseOffset, endOffset): the one in force at baseOffset and those starting inside. */
  private epochsUpTo(baseOffset: number, endOffset: number): { epoch: number; startOffset: number }[] {
    const out: { epoch: number; startOffset: number }[] = [];
    for (const e of this.log.leaderEpochs) {
      if (e.startOffset >= endOffset) break;
      if (e.startOffset <= baseOffset) out.length = 0;
      out.push({ epoch: e.epoch, startOffset: e.startOffset });
    }
    return out;
  }

  /**
   * One expiration pass (see the file comment); `policy` is the topic's retention. Returns the
   * remote segments deleted.
   */
  async expire(policy: RetentionPolicy, now: number): Promise<RemotePassResult> {
    return this.exclusive(async () => {
      const result: RemotePassResult = { segments: 0, bytes: 0, error: null };
      const finished = this.metadata.finished;
      const doomed: RemoteSegment[] = [];
      let i = 0;
      // Below the log start offset (DeleteRecords, or an earlier pass that moved it).
      while (i < finished.length && finished[i]!.endOffset < this.log.logStartOffset) doomed.push(finished[i++]!);
      if (policy.deleteEnabled && policy.retentionMs >= 0) {
        while (i < finished.length && finished[i]!.maxTimestamp >= 0 && finished[i]!.maxTimestamp <= now - policy.retentionMs) doomed.push(finished[i++]!);
      }
      if (policy.deleteEnabled && policy.retentionBytes >= 0) {
        let total = 0;
        for (let j = i; j < finished.length; j++) total += finished[j]!.sizeInBytes;
        const copied = this.highestCopiedOffset;
        for (const seg of this.log.sealedSegments()) if (seg.baseOffset > copied) total += seg.size;
        // The active segment is local only too.
        total += this.log.sizeInBytes - this.log.sealedSegments().reduce((n, s) => n + s.size, 0);
        let excess = total - policy.retentionBytes;
        while (i < finished.length && excess - finished[i]!.sizeInBytes >= 0) {
          excess -= finished[i]!.sizeInBytes;
          doomed.push(finished[i++]!);
        }
      }
      if (doomed.length === 0) return result;
      // The log start first: from now on no read asks for what is being deleted.
      const newStart = finished[i]?.baseOffset ?? Math.max(doomed.at(-1)!.endOffset + 1, this.log.localLogStartOffset);
      if (newStart > this.log.logStartOffset) this.log.deleteRecordsBefore(Math.min(newStart, this.log.highWatermark));
      try {
        for (const seg of doomed) {
          this.metadata.put({ ...seg, state: "DELETE_SEGMENT_STARTED", eventTimestampMs: now });
          await this.deleteObjects(seg);
          this.metadata.remove(seg.id);
          result.segments++;
          result.bytes += seg.sizeInBytes;
        }
        this.say(`${this.log.dir}: deleted ${result.segments} remote segment(s) (${result.bytes} bytes); log start offset ${this.log.logStartOffset}`);
      } catch (e) {
        result.error = (e as Error).message;
        this.say(`warn: ${this.log.dir}: remote segment deletion stopped: ${result.error}; finished at the next pass`);
      }
      return result;
    });
  }

  private async deleteObjects(seg: RemoteSegment): Promise<void> {
    for (const suffix of REMOTE_SEGMENT_SUFFIXES) {
      const key = this.objectKey(seg, suffix);
      await this.store.delete(key);
      this.cache.forget(key);
    }
  }

  private async exclusive(pass: () => Promise<RemotePassResult>): Promise<RemotePassResult> {
    if (this.stopped) return { segments: 0, bytes: 0, error: "the partition's remote tier is stopped" };
    if (this.running !== null) return { segments: 0, bytes: 0, error: "a remote log pass is already running" };
    const running = pass().finally(() => {
      this.running = null;
    });
    this.running = running;
    return running;
  }

  /**
   * Stops the tier (its log closed, its topic deleted): no pass starts after this, a copy under
   * way stops before its next object. Resolves once no pass is running, so that what is in the
   * bucket no longer changes under the caller.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.metadata.close();
    await this.running?.catch(() => {});
  }

  /**
   * The remote read (see RemoteTier.read), given at most fetchMaxWaitMs (remote.fetch.max.wait.ms):
   * then "expired", as Kafka's DelayedRemoteFetch expires; the read goes on, as Kafka's running
   * RemoteLogReader task does (cancel(false)), and only fills the chunk cache for the next fetch.
   */
  read(offset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number, withAborted: boolean): Promise<RemoteRead | null | "expired"> {
    const reading = this.readNow(offset, maxBytes, minOneBatch, maxOffset, withAborted);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expiry = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), this.fetchMaxWaitMs);
    });
    // A read that fails after its fetch expired has no one to tell.
    reading.catch(() => {});
    return Promise.race([reading, expiry]).finally(() => clearTimeout(timer));
  }

  private async readNow(offset: number, maxBytes: number, minOneBatch: boolean, maxOffset: number, withAborted: boolean): Promise<RemoteRead | null> {
    const seg = this.metadata.finished.find((s) => s.baseOffset <= offset && offset <= s.endOffset);
    if (seg === undefined) return null;
    const logKey = this.objectKey(seg, LOG_SUFFIX);
    const index = await this.cache.read(this.objectKey(seg, INDEX_SUFFIX), seg.indexSize, 0, seg.indexSize);
    const start = indexPosition(index, offset - seg.baseOffset);
    const batches: Uint8Array[] = [];
    let position = start;
    let total = 0;
    // The bytes are read a span at a time (one ranged read of what the fetch can take, at least
    // 64 KiB, at most 4 MiB) and cut into batches as views of that copy, which belongs to this
    // read: not a read, an await and an allocation per batch and per header (Kafka's
    // RemoteLogReader reads the segment's stream from the index position the same way).
    let span: Uint8Array = new Uint8Array(0);
    let spanStart = position;
    const spanCovers = (from: number, to: number) => from >= spanStart && to <= spanStart + span.length;
    const readSpan = async (from: number, atLeast: number) => {
      const want = Math.min(Math.max(atLeast, maxBytes - total, SPAN_MIN_BYTES), Math.max(atLeast, SPAN_MAX_BYTES));
      span = await this.cache.read(logKey, seg.sizeInBytes, from, Math.min(seg.sizeInBytes, from + want));
      spanStart = from;
    };
    while (position + RECORD_BATCH_OVERHEAD <= seg.sizeInBytes) {
      if (!spanCovers(position, position + RECORD_BATCH_OVERHEAD)) await readSpan(position, RECORD_BATCH_OVERHEAD);
      const dv = new DataView(span.buffer, span.byteOffset + position - spanStart, RECORD_BATCH_OVERHEAD);
      const base = getInt64(dv, 0);
      const size = LOG_OVERHEAD + dv.getInt32(8);
      const last = base + dv.getInt32(LAST_OFFSET_DELTA);
      if (size < RECORD_BATCH_OVERHEAD || position + size > seg.sizeInBytes) {
        throw new Error(`${logKey}: a batch of ${size} bytes at position ${position} of a ${seg.sizeInBytes}-byte segment`);
      }
      if (last < offset) {
        position += size;
        continue;
      }
      if (base >= maxOffset) break;
      if (total + size > maxBytes && !(minOneBatch && batches.length === 0)) break;
      if (!spanCovers(position, position + size)) await readSpan(position, size);
      batches.push(span.subarray(position - spanStart, position - spanStart + size));
      total += size;
      position += size;
      if (total >= maxBytes) break;
    }
    const result: RemoteRead = { batches, abortedTransactions: [], abortedComplete: true, upperBoundOffset: seg.endOffset + 1 };
    if (withAborted && batches.length > 0) {
      // Kafka's OffsetIndex.fetchUpperBoundOffset: the first entry at or past the returned bytes.
      const bound = upperBound(index, start + total);
      result.upperBoundOffset = bound === null ? seg.endOffset + 1 : seg.baseOffset + bound;
      const collected = await this.collectAborted(seg, offset, result.upperBoundOffset);
      result.abortedTransactions = collected.aborted;
      result.abortedComplete = collected.complete;
    }
    return result;
  }

  /**
   * Kafka's RemoteLogManager.findOffsetByTimestamp: in the first remote segment (at or past
   * `startingOffset`) whose newest record is at least `ts`, the first record with a timestamp >= ts
   * (from its time index, then its offset index, then the batches; a compressed batch is
   * inflated; a batch that cannot be read answers with its first offset). null if none.
   */
  async offsetForTimestamp(ts: number, startingOffset: number): Promise<TimestampOffset | null> {
    for (const seg of this.metadata.finished) {
      if (seg.endOffset < startingOffset || seg.maxTimestamp < ts) continue;
      const timeIndex = await this.cache.read(this.objectKey(seg, TIME_INDEX_SUFFIX), seg.timeIndexSize, 0, seg.timeIndexSize);
      const index = await this.cache.read(this.objectKey(seg, INDEX_SUFFIX), seg.indexSize, 0, seg.indexSize);
      const from = Math.max(seg.baseOffset + timeIndexOffset(timeIndex, ts), startingOffset);
      const logKey = this.objectKey(seg, LOG_SUFFIX);
      let position = indexPosition(index, from - seg.baseOffset);
      while (position + RECORD_BATCH_OVERHEAD <= seg.sizeInBytes) {
        const header = await this.cache.read(logKey, seg.sizeInBytes, position, position + RECORD_BATCH_OVERHEAD);
        const dv = new DataView(header.buffer, header.byteOffset, header.byteLength);
        const base = getInt64(dv, 0);
        const size = LOG_OVERHEAD + dv.getInt32(8);
        const maxTs = getInt64(dv, MAX_TIMESTAMP);
        if (base + dv.getInt32(LAST_OFFSET_DELTA) >= startingOffset && maxTs >= ts) {
          const view = new RecordBatchView(await this.cache.read(logKey, seg.sizeInBytes, position, position + size));
          return offsetForTimestampInBatch(view, ts, startingOffset);
        }
        position += size;
      }
    }
    return null;
  }

  /** Kafka's collectAbortedTransactions over the remote .txnindex objects from `seg` on. */
  private async collectAborted(seg: RemoteSegment, fetchOffset: number, upperBoundOffset: number): Promise<{ aborted: AbortedTxn[]; complete: boolean }> {
    const aborted: AbortedTxn[] = [];
    for (const s of this.metadata.finished) {
      if (s.baseOffset < seg.baseOffset || s.txnIndexSize === 0) continue;
      const key = this.objectKey(s, TXN_INDEX_SUFFIX);
      for (const t of decodeAbortedTxns(await this.cache.read(key, s.txnIndexSize, 0, s.txnIndexSize), key)) {
        if (t.lastOffset >= fetchOffset && t.firstOffset < upperBoundOffset) aborted.push(t);
        if (t.lastStableOffset >= upperBoundOffset) return { aborted, complete: true };
      }
    }
    return { aborted, complete: false };
  }
}

/** The position of the last offset index entry at or below `relativeOffset` (0 if none). */
function indexPosition(index: Uint8Array, relativeOffset: number): number {
  const dv = new DataView(index.buffer, index.byteOffset, index.byteLength);
  let lo = 0, hi = Math.floor(index.length / 8) - 1, position = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (dv.getInt32(mid * 8) <= relativeOffset) {
      position = dv.getInt32(mid * 8 + 4);
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return position;
}

/** Kafka's TimeIndex.lookup: the relative offset of the last entry with a timestamp <= ts (0 if none). */
function timeIndexOffset(index: Uint8Array, ts: number): number {
  const dv = new DataView(index.buffer, index.byteOffset, index.byteLength);
  let offset = 0;
  for (let i = 0; i + 12 <= index.length; i += 12) {
    if (getInt64(dv, i) > ts) break;
    offset = dv.getInt32(i + 8);
  }
  return offset;
}

/** The relative offset of the first index entry whose position is at or past `position` (null: none). */
function upperBound(index: Uint8Array, position: number): number | null {
  const dv = new DataView(index.buffer, index.byteOffset, index.byteLength);
  for (let i = 0; i + 8 <= index.length; i += 8) if (dv.getInt32(i + 4) >= position) return dv.getInt32(i);
  return null;
}
