// One log segment (Kafka's LogSegment): `<base offset, 20 digits>.log` holding record batches
// back to back exactly as they were appended, plus its sparse `.index` (offset-index.ts) and
// `.timeindex` (time-index.ts). The base offset is <= every offset in the segment and > every
// offset in earlier segments. No `.txnindex` is written (Bunka has no aborted transactions yet);
// Kafka treats a missing one as empty.
//
// The newest segment is "active": appended to through an AppendFile. Older segments are
// "sealed": never written again. Both are read as zero-copy subarrays of a read-only Bun.mmap
// mapping of the .log file's first bytes, made on first read (never of an empty file) and made
// again, longer, when a read passes its end. Touching a mapped page that lies wholly past the
// file's end is a SIGBUS, and a Fetch response may still be writing a view of an old mapping to
// a socket, so the rule is: a mapping only ever covers whole batches appended successfully (up
// to `size`, taken between appends), and the file is never truncated below it. The undo of a
// failed append truncates back to `size` as it was before that append (never mapped beyond);
// recovery truncates before anything is mapped (it reads with positional reads); deleted
// segments are unmapped, renamed *.deleted and unlinked later, which leaves mappings valid.
// A short read wholly past the mapping of the active segment (a consumer at the log end) is
// copied with one positional read instead: up to REMAP_MIN_BYTES, copying costs less.
// Every read of a mapping is noted (FileSystem.noteMappedRead), so that only a limit of mapped
// bytes stays resident in the broker (resident-mappings.ts): the pages read least recently leave
// the process (they stay in the page cache), and a view still being written faults them back in.
//
// A failed append (a full disk, an I/O error) is undone before it is reported: the .log file is
// truncated back to the end of the last whole batch and the indexes to their entries before it,
// so no later append can follow broken bytes (Kafka takes the log dir offline instead; see
// log-dir-failures.ts). If even that fails, TornWriteError says so and the log dir goes offline.
//
// Recovery (on open; the partition log decides which segments, see SegmentRecovery):
//   - "full", after an unclean shutdown, for every segment from the one holding the recovery
//     point (Kafka's LogSegment.recover): every batch from position 0 has its length, magic,
//     offsets and CRC checked, both indexes are rebuilt, and the file is cut at the first bad or
//     incomplete batch (a torn write, a flipped byte);
//   - "tail", after a clean shutdown (Kafka skips recovery then): resume from the last offset
//     index entry whose batch is well formed and read the batch headers after it, to find the
//     log end and the index entries after that point; no CRC is computed.
// Other sealed segments only get their indexes checked (Kafka's sanityCheck plus ordering), and
// rebuilt from the log if missing or inconsistent, on first use.

import type { AppendFile, FileSystem } from "./fs.ts";
import { isOutOfSpace, TornWriteError } from "./log-dir-failures.ts";
import { OffsetIndex } from "./offset-index.ts";
import {
  ATTRIBUTES,
  BATCH_LENGTH,
  Compression,
  CRC,
  offsetForTimestampInBatch,
  LAST_OFFSET_DELTA,
  LOG_OVERHEAD,
  MAGIC,
  MAX_TIMESTAMP,
  NO_TIMESTAMP,
  RECORD_BATCH_OVERHEAD,
  RecordBatchView,
  splitBatches,
} from "../records/record-batch.ts";
import { crc32c } from "../records/crc32c.ts";
import { TimeIndex, type TimestampOffset } from "./time-index.ts";
import { getInt64 } from "../records/int64.ts";

export const LOG_SUFFIX = ".log";
export const INDEX_SUFFIX = ".index";
export const TIME_INDEX_SUFFIX = ".timeindex";

/** `00000000000000000042.log`-style file name for a segment base offset. */
export function segmentFileName(baseOffset: number, suffix: string): string {
  return String(baseOffset).padStart(20, "0") + suffix;
}

/** The base offset encoded in a segment file name, or null if `name` is not `<20 digits><suffix>`. */
export function parseSegmentFileName(name: string, suffix: string): number | null {
  if (!name.endsWith(suffix) || name.length !== 20 + suffix.length) return null;
  const digits = name.slice(0, 20);
  return /^\d{20}$/.test(digits) ? Number(digits) : null;
}

export interface SegmentOptions {
  indexIntervalBytes: number;
  log: (msg: string) => void;
}

/** How a segment opened for appending (or for recovery) is checked; see the file comment. */
export type SegmentRecovery = "full" | "tail";

/** What opening a segment found. */
export interface SegmentRecoveryResult {
  /** Batches read (and, in full recovery, validated). */
  batches: number;
  /** Bytes of those batches. */
  bytes: number;
  /** Bytes cut from the end of the file (0 if it was intact). */
  truncatedBytes: number;
  /** Where the first invalid batch was, and what was wrong with it, if any. */
  invalid: { position: number; offset: number; problem: string } | null;
}

/** Where a batch lies in a segment's .log file. */
export interface BatchPosition {
  position: number;
  size: number;
  lastOffset: number;
}

const READ_AHEAD = 16 * 1024;
/**
 * The shortest read wholly past the active segment's mapping that maps it again rather than
 * copying it with one pread. A new mapping of [0, size) costs more as the segment grows (most of
 * it garbage collection: mapping and dropping 1 MiB took 27 µs a time, mapping and keeping 7 µs),
 * so a consumer at the log end copies; only reads near a whole max.partition.fetch.bytes (1 MiB)
 * remap. Measured in process (append, then read at the end of a segment growing to 512 MiB,
 * process CPU per GiB read, 2-3 runs): 256 KiB reads remap 1200-1460 ms vs copy 720-780; 512 KiB
 * 940-1020 vs 720-880; 1 MiB 680-720 vs 1000-1080; remapping for every 4 KiB read: 41 s.
 */
const REMAP_MIN_BYTES = 768 * 1024;
const NOTHING = new Uint8Array(0);
const RECOVERY_CHUNK = 1 << 20;
const MAX_RELATIVE_OFFSET = 0x7fffffff;

export class Segment {
  readonly baseOffset: number;
  readonly logPath: string;
  readonly indexPath: string;
  readonly timeIndexPath: string;
  /** Bytes of valid batches in the .log file. */
  size: number;
  /** Active segments: the offset after the last batch (baseOffset if empty). */
  nextOffset: number;
  /** What the recovery on open found (openActive). */
  recovered: SegmentRecoveryResult = { batches: 0, bytes: 0, truncatedBytes: 0, invalid: null };

  private readonly fs: FileSystem;
  private readonly opts: SegmentOptions;
  private logFile: AppendFile | null = null;
  private mapping: Uint8Array | null = null;
  private offsetIdx: OffsetIndex | null = null;
  private timeIdx: TimeIndex | null = null;
  /** Sealed segments: an exclusive upper bound on their offsets (the next segment's base). */
  private readonly offsetBound: number;
  private maxTimestampSoFar = NO_TIMESTAMP;
  private offsetOfMaxTimestampSoFar: number;
  private bytesSinceLastIndexEntry = 0;
  private readCache: Uint8Array | null = null;
  private readCacheStart = 0;
  private dirty = false;

  private constructor(fs: FileSystem, dir: string, baseOffset: number, opts: SegmentOptions, offsetBound: number) {
    this.fs = fs;
    this.opts = opts;
    this.baseOffset = baseOffset;
    this.logPath = `${dir}/${segmentFileName(baseOffset, LOG_SUFFIX)}`;
    this.indexPath = `${dir}/${segmentFileName(baseOffset, INDEX_SUFFIX)}`;
    this.timeIndexPath = `${dir}/${segmentFileName(baseOffset, TIME_INDEX_SUFFIX)}`;
    this.size = 0;
    this.nextOffset = baseOffset;
    this.offsetOfMaxTimestampSoFar = baseOffset;
    this.offsetBound = offsetBound;
  }

  get isActive(): boolean {
    return this.logFile !== null;
  }

  /** Creates a new, empty active segment (the three files, empty, like Kafka). */
  static create(fs: FileSystem, dir: string, baseOffset: number, opts: SegmentOptions): Segment {
    const seg = new Segment(fs, dir, baseOffset, opts, Infinity);
    seg.logFile = fs.open(seg.logPath);
    if (seg.logFile.size !== 0) seg.logFile.truncate(0);
    seg.offsetIdx = OffsetIndex.empty(fs, seg.indexPath, baseOffset);
    seg.timeIdx = TimeIndex.empty(fs, seg.timeIndexPath, baseOffset);
    seg.offsetIdx.openForAppend(true);
    seg.timeIdx.openForAppend(true);
    return seg;
  }

  /** Opens an existing sealed segment; its indexes are loaded (and checked) on first use. */
  static openSealed(fs: FileSystem, dir: string, baseOffset: number, nextBaseOffset: number, opts: SegmentOptions): Segment {
    const seg = new Segment(fs, dir, baseOffset, opts, nextBaseOffset);
    seg.size = fs.size(seg.logPath);
    return seg;
  }

  /**
   * Opens a segment for appending, recovering it as `recovery` says (see the file comment); the
   * result is in `recovered`. `onBatch` is called for every batch read (used to rebuild the
   * leader epoch cache). A segment recovered in full that is not the newest is then sealed with
   * sealRecovered().
   */
  static openActive(
    fs: FileSystem,
    dir: string,
    baseOffset: number,
    opts: SegmentOptions,
    recovery: SegmentRecovery,
    onBatch?: (view: RecordBatchView) => void,
  ): Segment {
    const seg = new Segment(fs, dir, baseOffset, opts, Infinity);
    seg.logFile = fs.open(seg.logPath);
    seg.size = seg.logFile.size;
    seg.recover(recovery, onBatch);
    return seg;
  }

  // ---- recovery ------------------------------------------------------------------------------

  private recover(recovery: SegmentRecovery, onBatch?: (view: RecordBatchView) => void): void {
    const fileSize = this.size;
    let start = 0;
    if (recovery === "full") {
      // Kafka's LogSegment.recover: indexes reset and rebuilt from every batch.
      this.offsetIdx = OffsetIndex.empty(this.fs, this.indexPath, this.baseOffset);
      this.timeIdx = TimeIndex.empty(this.fs, this.timeIndexPath, this.baseOffset);
      this.maxTimestampSoFar = NO_TIMESTAMP;
      this.offsetOfMaxTimestampSoFar = this.baseOffset;
      // Intact is not durable: the bytes may sit in the page cache only, so the next flush fsyncs.
      this.dirty = true;
    } else {
      start = this.loadIndexesForTail(fileSize);
    }
    const oi = this.offsetIdx!;
    const ti = this.timeIdx!;
    const scan = this.scanAndIndex(start, fileSize, recovery === "full", onBatch);
    this.recovered = { batches: scan.batches, bytes: scan.end - start, truncatedBytes: fileSize - scan.end, invalid: null };
    if (scan.end < fileSize) {
      this.recovered.invalid = { position: scan.end, offset: this.nextOffset, problem: scan.problem ?? "invalid batch" };
      this.opts.log(`${this.logPath}: truncating ${fileSize - scan.end} bytes from position ${scan.end} ` +
        `(offset ${this.nextOffset}): ${scan.problem ?? "invalid batch"}`);
      this.logFile!.truncate(scan.end);
      this.size = scan.end;
      this.readCache = null;
    }
    // Like LogSegment.recover: end with an entry for the largest timestamp seen.
    if (this.maxTimestampSoFar !== NO_TIMESTAMP) ti.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    oi.openForAppend(true);
    ti.openForAppend(true);
  }

  /**
   * The "tail" case: loads the indexes, keeps the entries up to the last offset index entry whose
   * batch is well formed, and returns the position to read batch headers from.
   */
  private loadIndexesForTail(fileSize: number): number {
    const { index: oi, fileExisted: oiExisted } = OffsetIndex.load(this.fs, this.indexPath, this.baseOffset);
    const { index: ti, fileExisted: tiExisted } = TimeIndex.load(this.fs, this.timeIndexPath, this.baseOffset);
    this.offsetIdx = oi;
    this.timeIdx = ti;
    if (!oi.isConsistent(oi.sizeInBytes, fileSize) || (oiExisted && this.fs.size(this.indexPath) % 8 !== 0)) {
      this.opts.log(`${this.indexPath}: inconsistent offset index, rebuilding`);
      oi.entries = 0;
    }
    let resume: BatchPosition | null = null;
    while (oi.entries > 0) {
      const e = oi.entry(oi.entries - 1);
      resume = this.checkedBatchAt(e.position, fileSize, false);
      if (resume && resume.lastOffset === e.offset) break;
      resume = null;
      oi.entries--;
    }
    if (!ti.isConsistent(ti.sizeInBytes, Infinity) || (tiExisted && this.fs.size(this.timeIndexPath) % 12 !== 0)) {
      ti.entries = 0;
    }
    // Keep time entries up to the resume batch (they describe the part of the log before it).
    if (resume) {
      let n = ti.entries;
      while (n > 0 && ti.entry(n - 1).offset > resume.lastOffset) n--;
      ti.entries = n;
    } else {
      ti.entries = 0;
    }
    const lastTime = ti.lastEntry;
    this.maxTimestampSoFar = lastTime.timestamp;
    this.offsetOfMaxTimestampSoFar = lastTime.offset;
    return resume ? resume.position : 0;
  }

  /**
   * Seals a segment that full recovery left open but that is not the newest: closes its files
   * without an fsync (it stays "dirty": flush() fsyncs it; Kafka too leaves the recovery point
   * where it was after recovering).
   */
  sealRecovered(): void {
    if (!this.logFile) return;
    for (const index of [this.offsetIdx!, this.timeIdx!]) {
      try {
        index.close();
      } catch (e) {
        // A full disk: the entries stay in memory; the file is rebuilt by the next recovery.
        if (!isOutOfSpace(e)) throw e;
        index.close(false);
      }
    }
    this.logFile.close();
    this.logFile = null;
    this.readCache = null;
  }

  /**
   * Scans batches from `start` up to `end`, validating each (length, magic, offsets and, if
   * checkCrc, CRC), and adds index entries as LogSegment.append would. Returns the end of the
   * last valid batch, how many batches there were and why the scan stopped before `end`; sets
   * nextOffset.
   */
  private scanAndIndex(
    start: number, end: number, checkCrc: boolean, onBatch?: (view: RecordBatchView) => void,
  ): { end: number; batches: number; problem: string | null } {
    const oi = this.offsetIdx!;
    const ti = this.timeIdx!;
    let pos = start;
    this.bytesSinceLastIndexEntry = 0;
    let nextOffset = this.baseOffset;
    let batches = 0;
    let problem: string | null = null;
    while (pos < end) {
      const b = this.batchAt(pos, end, checkCrc, RECOVERY_CHUNK);
      if (typeof b === "string") {
        problem = b;
        break;
      }
      const bytes = this.peek(b.position, b.size, RECOVERY_CHUNK);
      const view = new RecordBatchView(bytes);
      if (view.baseOffset < nextOffset) {
        problem = `base offset ${view.baseOffset} below the previous batch's end ${nextOffset}`;
        break;
      }
      const maxTs = view.maxTimestamp;
      if (maxTs > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = maxTs;
        this.offsetOfMaxTimestampSoFar = b.lastOffset;
      }
      if (this.bytesSinceLastIndexEntry > this.opts.indexIntervalBytes) {
        if (oi.entries === 0 || b.lastOffset > oi.lastOffset) oi.append(b.lastOffset, pos);
        ti.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += b.size;
      onBatch?.(view);
      nextOffset = b.lastOffset + 1;
      pos += b.size;
      batches++;
    }
    this.nextOffset = nextOffset;
    return { end: pos, batches, problem };
  }

  /** The batch at `pos` if it is complete within `end` and well formed (and its CRC matches). */
  private checkedBatchAt(pos: number, end: number, checkCrc: boolean, readAhead = READ_AHEAD): BatchPosition | null {
    const b = this.batchAt(pos, end, checkCrc, readAhead);
    return typeof b === "string" ? null : b;
  }

  /** The batch at `pos`, or what is wrong with it (Kafka's DefaultRecordBatch.ensureValid and more). */
  private batchAt(pos: number, end: number, checkCrc: boolean, readAhead = READ_AHEAD): BatchPosition | string {
    if (pos < 0 || end - pos < RECORD_BATCH_OVERHEAD) return `incomplete batch header (${end - pos} bytes left)`;
    const head = this.peek(pos, RECORD_BATCH_OVERHEAD, readAhead);
    if (head.length < RECORD_BATCH_OVERHEAD) return `incomplete batch header (${head.length} bytes read)`;
    const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
    const length = dv.getInt32(BATCH_LENGTH);
    const size = LOG_OVERHEAD + length;
    if (length < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD) return `batch length ${length} too small`;
    if (size > end - pos) return `incomplete batch (${size} bytes, ${end - pos} left)`;
    if (head[MAGIC] !== 2) return `magic ${head[MAGIC]}, not 2`;
    const baseOffset = getInt64(dv, 0);
    const delta = dv.getInt32(LAST_OFFSET_DELTA);
    const lastOffset = baseOffset + delta;
    if (baseOffset < this.baseOffset || delta < 0 || lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET) {
      return `offsets ${baseOffset}..${lastOffset} outside the segment`;
    }
    if (checkCrc) {
      const whole = this.peek(pos, size, readAhead);
      if (whole.length < size) return `incomplete batch (${whole.length} of ${size} bytes read)`;
      const stored = new DataView(whole.buffer, whole.byteOffset, whole.byteLength).getUint32(CRC);
      const computed = crc32c(whole, ATTRIBUTES, size);
      if (computed !== stored) return `CRC mismatch (stored ${stored}, computed ${computed})`;
    }
    return { position: pos, size, lastOffset };
  }

  // ---- byte access ---------------------------------------------------------------------------

  /**
   * Bytes [pos, pos+len) of the .log file (fewer at end of file), for headers and scans. Sealed,
   * or within the active segment's mapping: a subarray of the mapping. Otherwise (recovery
   * included, which may truncate afterwards): from a read-ahead cache, refilled with one
   * positional read when needed; never a new mapping.
   */
  private peek(pos: number, len: number, readAhead = READ_AHEAD): Uint8Array {
    const end = Math.min(pos + len, this.size);
    if (!this.logFile || (this.mapping !== null && end <= this.mapping.length)) return this.slice(pos, end);
    const c = this.readCache;
    if (c && pos >= this.readCacheStart && pos + len <= this.readCacheStart + c.length) {
      return c.subarray(pos - this.readCacheStart, pos - this.readCacheStart + len);
    }
    const fresh = this.logFile.read(pos, Math.max(len, readAhead));
    this.readCache = fresh;
    this.readCacheStart = pos;
    return fresh.subarray(0, len);
  }

  /**
   * Bytes [pos, end) of the .log file, end <= size: a view of the mapping, mapped again up to
   * `size` if it falls short; a short read of the active segment wholly past the mapping is
   * copied instead (see REMAP_MIN_BYTES).
   */
  private slice(pos: number, end: number): Uint8Array {
    if (end <= pos) return NOTHING;
    let m = this.mapping;
    if (m === null || end > m.length) {
      if (this.logFile && pos >= (m?.length ?? 0) && end - pos < REMAP_MIN_BYTES) return this.logFile.read(pos, end - pos);
      m = this.remap();
    }
    // Counted against the resident limit: its pages are released once others were read since.
    this.fs.noteMappedRead(m, pos, end);
    return m.subarray(pos, end);
  }

  /**
   * Maps the .log file up to `size`: whole batches only, never a byte a failed append's undo
   * could cut (see the file comment). The old mapping is only forgotten: views of it may live on.
   */
  private remap(): Uint8Array {
    const old = this.mapping;
    this.mapping = this.size === 0 ? NOTHING : this.fs.mmap(this.logPath, this.size);
    if (old !== null && old.length > 0) this.fs.unmap(this.logPath, old);
    return this.mapping;
  }

  // ---- indexes -------------------------------------------------------------------------------

  get offsetIndex(): OffsetIndex {
    if (!this.offsetIdx) this.loadSealedIndexes();
    return this.offsetIdx!;
  }

  get timeIndex(): TimeIndex {
    if (!this.timeIdx) this.loadSealedIndexes();
    return this.timeIdx!;
  }

  /**
   * Writes a sealed segment's indexes now (a segment the log cleaner just wrote has none), so
   * that Kafka, reading the log dir, finds them.
   */
  buildIndexes(): void {
    if (!this.offsetIdx) this.loadSealedIndexes(true);
  }

  private loadSealedIndexes(expectMissing = false): void {
    const { index: oi, fileExisted: oiExisted } = OffsetIndex.load(this.fs, this.indexPath, this.baseOffset);
    const { index: ti, fileExisted: tiExisted } = TimeIndex.load(this.fs, this.timeIndexPath, this.baseOffset);
    let ok = oiExisted && tiExisted;
    ok &&= this.fs.size(this.indexPath) % 8 === 0 && this.fs.size(this.timeIndexPath) % 12 === 0;
    ok &&= oi.isConsistent(oi.sizeInBytes, this.size) && ti.isConsistent(ti.sizeInBytes, this.offsetBound);
    if (ok && oi.entries > 0) {
      const last = oi.entry(oi.entries - 1);
      ok = this.checkedBatchAt(last.position, this.size, false)?.lastOffset === last.offset;
    }
    if (ok) {
      this.offsetIdx = oi;
      this.timeIdx = ti;
      const lastTime = ti.lastEntry;
      this.maxTimestampSoFar = lastTime.timestamp;
      this.offsetOfMaxTimestampSoFar = lastTime.offset;
      return;
    }
    if (!expectMissing) this.opts.log(`${this.logPath}: missing or inconsistent indexes, rebuilding`);
    this.offsetIdx = OffsetIndex.empty(this.fs, this.indexPath, this.baseOffset);
    this.timeIdx = TimeIndex.empty(this.fs, this.timeIndexPath, this.baseOffset);
    this.maxTimestampSoFar = NO_TIMESTAMP;
    this.offsetOfMaxTimestampSoFar = this.baseOffset;
    const validEnd = this.scanAndIndex(0, this.size, false).end;
    if (validEnd < this.size) {
      this.opts.log(`${this.logPath}: sealed segment is malformed at position ${validEnd}; reading stops there`);
      this.size = validEnd;
    }
    if (this.maxTimestampSoFar !== NO_TIMESTAMP) this.timeIdx.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
    this.offsetIdx.rewrite();
    this.timeIdx.rewrite();
  }

  // ---- appending -----------------------------------------------------------------------------

  /**
   * Appends one batch whose offsets are already assigned, given as `parts` written back to back
   * in one write. Adds index entries every indexIntervalBytes, as LogSegment.append does.
   */
  append(parts: Uint8Array[], size: number, lastOffset: number, maxTimestamp: number): void {
    const file = this.logFile;
    if (!file) throw new Error(`${this.logPath}: append to a sealed segment`);
    if (lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET) throw new RangeError(`offset ${lastOffset} overflows segment ${this.baseOffset}`);
    const before = this.saveState();
    const position = this.size;
    try {
      file.appendv(parts);
      this.size += size;
      this.nextOffset = lastOffset + 1;
      this.dirty = true;
      if (maxTimestamp > this.maxTimestampSoFar) {
        this.maxTimestampSoFar = maxTimestamp;
        this.offsetOfMaxTimestampSoFar = lastOffset;
      }
      if (this.bytesSinceLastIndexEntry > this.opts.indexIntervalBytes) {
        this.offsetIdx!.append(lastOffset, position);
        this.timeIdx!.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
        this.bytesSinceLastIndexEntry = 0;
      }
      this.bytesSinceLastIndexEntry += size;
    } catch (e) {
      this.undo(before, e);
      throw e;
    }
  }

  private saveState() {
    return {
      size: this.size, nextOffset: this.nextOffset, dirty: this.dirty,
      maxTimestampSoFar: this.maxTimestampSoFar, offsetOfMaxTimestampSoFar: this.offsetOfMaxTimestampSoFar,
      bytesSinceLastIndexEntry: this.bytesSinceLastIndexEntry,
      offsetEntries: this.offsetIdx?.entries ?? 0, timeEntries: this.timeIdx?.entries ?? 0,
    };
  }

  /**
   * Puts the segment back as it was before a failed write: the .log file truncated to the end
   * of its last whole batch (removing what part of the write landed), the indexes to their
   * entries before. Throws TornWriteError if the files cannot be put back.
   */
  private undo(before: ReturnType<Segment["saveState"]>, writeError: unknown): void {
    this.size = before.size;
    this.nextOffset = before.nextOffset;
    this.dirty = before.dirty || this.dirty;
    this.maxTimestampSoFar = before.maxTimestampSoFar;
    this.offsetOfMaxTimestampSoFar = before.offsetOfMaxTimestampSoFar;
    this.bytesSinceLastIndexEntry = before.bytesSinceLastIndexEntry;
    // The read-ahead cache may hold bytes of the failed write.
    this.readCache = null;
    // before.size is at least the mapping's length (mapped only between appends), so views
    // of it that responses still hold stay inside the file.
    try {
      this.logFile!.truncate(before.size);
      this.offsetIdx?.undoTo(before.offsetEntries);
      this.timeIdx?.undoTo(before.timeEntries);
    } catch (undoError) {
      throw new TornWriteError(this.logPath, writeError, undoError);
    }
  }

  /** True if appending a batch ending at lastOffset would overflow the 32-bit relative offsets. */
  canHoldOffset(lastOffset: number): boolean {
    return lastOffset - this.baseOffset <= MAX_RELATIVE_OFFSET;
  }

  /** Number of offset index entries (Kafka also rolls when an index is full). */
  get indexEntries(): number {
    return this.offsetIdx?.entries ?? 0;
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The first batch whose lastOffset >= target, found via the offset index, or null. */
  locate(target: number): BatchPosition | null {
    let pos = this.offsetIndex.lookup(target).position;
    while (pos + LOG_OVERHEAD <= this.size) {
      const head = this.peek(pos, LAST_OFFSET_DELTA + 4);
      if (head.length < LAST_OFFSET_DELTA + 4) return null;
      const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const size = LOG_OVERHEAD + dv.getInt32(BATCH_LENGTH);
      if (size < RECORD_BATCH_OVERHEAD || pos + size > this.size) return null;
      const lastOffset = getInt64(dv, 0) + dv.getInt32(LAST_OFFSET_DELTA);
      if (lastOffset >= target) return { position: pos, size, lastOffset };
      pos += size;
    }
    return null;
  }

  /**
   * Whole batches from `position` (a batch start), at most maxBytes in total, except that with
   * minOneBatch the first batch is returned even if larger. Zero-copy subarrays of the mapping,
   * but for short reads at the end of the active segment (see slice).
   */
  readFrom(position: number, maxBytes: number, minOneBatch: boolean): { batches: Uint8Array[]; bytes: number; reachedEnd: boolean } {
    const avail = this.size - position;
    const chunk = this.slice(position, position + Math.max(0, Math.min(maxBytes, avail)));
    const batches: Uint8Array[] = [];
    let bytes = 0;
    for (const b of splitBatches(chunk)) {
      batches.push(b);
      bytes += b.length;
    }
    if (batches.length === 0 && minOneBatch && avail >= LOG_OVERHEAD) {
      const head = this.peek(position, LOG_OVERHEAD);
      const size = LOG_OVERHEAD + new DataView(head.buffer, head.byteOffset, head.byteLength).getInt32(BATCH_LENGTH);
      if (size >= RECORD_BATCH_OVERHEAD && size <= avail) {
        batches.push(this.slice(position, position + size));
        bytes = size;
      }
    }
    return { batches, bytes, reachedEnd: position + bytes >= this.size };
  }

  /** The largest batch maxTimestamp in this segment and the lastOffset of the batch carrying it. */
  get maxTimestamp(): TimestampOffset {
    if (!this.logFile) void this.timeIndex; // loads indexes and the max timestamp of a sealed segment
    return { timestamp: this.maxTimestampSoFar, offset: this.offsetOfMaxTimestampSoFar };
  }

  /**
   * Kafka's findOffsetByTimestamp: the first record with timestamp >= ts and offset >=
   * startingOffset, or null (compressed batches are inflated; a batch that cannot be read
   * answers with its first offset >= startingOffset).
   */
  findOffsetByTimestamp(ts: number, startingOffset: number): TimestampOffset | null {
    const entry = this.timeIndex.lookup(ts);
    let pos = this.offsetIndex.lookup(Math.max(entry.offset, startingOffset)).position;
    while (pos + RECORD_BATCH_OVERHEAD <= this.size) {
      const head = this.peek(pos, RECORD_BATCH_OVERHEAD);
      const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
      const size = LOG_OVERHEAD + dv.getInt32(BATCH_LENGTH);
      if (size < RECORD_BATCH_OVERHEAD || pos + size > this.size) return null;
      const baseOffset = getInt64(dv, 0);
      const lastOffset = baseOffset + dv.getInt32(LAST_OFFSET_DELTA);
      const maxTs = getInt64(dv, MAX_TIMESTAMP);
      if (lastOffset >= startingOffset && maxTs >= ts) {
        return offsetForTimestampInBatch(new RecordBatchView(this.peek(pos, size)), ts, startingOffset);
      }
      pos += size;
    }
    return null;
  }

  // ---- lifecycle -----------------------------------------------------------------------------

  /** fdatasync of the log file off the JS thread (the group commit); a sealed segment was fsynced when sealed. */
  datasyncLog(): Promise<void> {
    return this.logFile === null ? Promise.resolve() : this.logFile.datasync();
  }

  /**
   * fsyncs the log and indexes if anything was appended since the last flush (or, for a segment
   * recovered in full, since it was opened: a sealed one is opened again to be fsynced).
   */
  flush(): void {
    if (!this.dirty) return;
    if (this.logFile) {
      this.logFile.sync();
      this.offsetIdx?.sync();
      this.timeIdx?.sync();
    } else {
      for (const path of this.filePaths) {
        if (!this.fs.exists(path)) continue;
        const file = this.fs.open(path);
        try {
          file.sync();
        } finally {
          file.close();
        }
      }
    }
    this.dirty = false;
  }

  /** True while bytes of this segment may not be on disk yet (flush() would fsync). */
  get unflushed(): boolean {
    return this.dirty;
  }

  /**
   * Makes the active segment sealed (on roll): appends the final time index entry (the
   * segment's largest timestamp, as Kafka's onBecomeInactiveSegment does), fsyncs, closes files.
   * If the index write or fsync fails, the segment stays active and as it was (the final entry
   * undone) and the error is thrown (TornWriteError if it cannot be undone).
   */
  seal(): void {
    if (!this.logFile) return;
    const before = this.saveState();
    try {
      if (this.maxTimestampSoFar !== NO_TIMESTAMP) this.timeIdx!.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
      this.dirty = true;
      this.flush();
    } catch (e) {
      this.undo(before, e);
      throw e;
    }
    this.offsetIdx!.close();
    this.timeIdx!.close();
    this.logFile.close();
    this.logFile = null;
    this.readCache = null;
  }

  /**
   * Clean shutdown: the final time index entry, fsync, close; drops any mapping. The files are
   * closed even if the final writes fail (undone as far as possible); the failure is thrown then.
   */
  close(): void {
    if (this.logFile) {
      const before = this.saveState();
      let failure: unknown = null;
      try {
        if (this.maxTimestampSoFar !== NO_TIMESTAMP) {
          const entries = this.timeIdx!.entries;
          this.timeIdx!.maybeAppend(this.maxTimestampSoFar, this.offsetOfMaxTimestampSoFar);
          if (this.timeIdx!.entries !== entries) this.dirty = true;
        }
        this.flush();
      } catch (e) {
        failure = e;
        try {
          this.undo(before, e);
        } catch (torn) {
          failure = torn;
        }
      }
      this.offsetIdx!.close(failure === null);
      this.timeIdx!.close(failure === null);
      this.logFile.close();
      this.logFile = null;
      this.readCache = null;
      if (failure !== null) {
        this.dropMapping();
        throw failure;
      }
    }
    this.dropMapping();
  }

  /** Forgets the segment's mapping (before its files are renamed or deleted). */
  dropMapping(): void {
    if (this.mapping && this.mapping.length > 0) this.fs.unmap(this.logPath, this.mapping);
    this.mapping = null;
  }

  /** The segment's files: log, offset index, time index. */
  get filePaths(): string[] {
    return [this.logPath, this.indexPath, this.timeIndexPath];
  }

  /** Deletes the segment's files (after dropping the mapping). */
  delete(): void {
    this.close();
    for (const p of [this.logPath, this.indexPath, this.timeIndexPath]) this.fs.remove(p);
  }
}
