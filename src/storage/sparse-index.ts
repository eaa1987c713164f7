// What Kafka's two per-segment index files (.index, .timeindex) have in common (Kafka's
// AbstractIndex): fixed-size big-endian entries, sorted by their key, searched for the largest
// entry whose key is <= a target.
//
// Kafka preallocates index files (segment.index.bytes, 10 MiB) and trims them to their valid
// entries when a segment is rolled or closed; a Kafka broker opening an index file treats every
// entry-sized chunk of it as an entry. This implementation never preallocates: entries are
// appended to the file as they are made, so the file always holds exactly `entries` valid entries
// (the trimmed form Kafka itself leaves behind, and which it, DumpLogSegments and Bunka all read).
// Entries are also kept in memory (an index is small: 8 or 12 bytes per ~4 KiB of log).
//
// Indexes carry no checksum; after a crash they are validated against the log and rebuilt.

import type { AppendFile, FileSystem } from "./fs.ts";
import { getInt64 } from "../records/int64.ts";
import { isOutOfSpace } from "./log-dir-failures.ts";

/** Entries are written to the file in runs of about this many bytes (one write per run). */
const WRITE_BATCH_BYTES = 4096;

export abstract class SparseIndex {
  readonly path: string;
  /** Base offset of the segment this index belongs to. */
  readonly baseOffset: number;
  protected buf: Uint8Array;
  protected dv: DataView;
  /** Number of valid entries. */
  entries = 0;
  private file: AppendFile | null = null;
  /** Entries below this slot are in the file. */
  private written = 0;
  private readonly fs: FileSystem;

  protected abstract readonly entrySize: number;

  protected constructor(fs: FileSystem, path: string, baseOffset: number, contents: Uint8Array | null) {
    this.fs = fs;
    this.path = path;
    this.baseOffset = baseOffset;
    this.buf = contents ?? new Uint8Array(256);
    this.dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Called by subclasses once entrySize is known. */
  protected initEntries(fileLength: number): void {
    this.entries = Math.floor(fileLength / this.entrySize);
  }

  /** The index file's bytes in Kafka's format (exactly the valid entries). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.entries * this.entrySize);
  }

  get sizeInBytes(): number {
    return this.entries * this.entrySize;
  }

  /**
   * Opens the file for appending new entries (the active segment's index). The file must hold
   * exactly the in-memory entries: it is rewritten if its size differs, or always if `rewrite`
   * (entries were rebuilt in memory).
   */
  openForAppend(rewrite = false): void {
    if (this.file) return;
    this.file = this.fs.open(this.path);
    this.written = this.entries;
    if (rewrite || this.file.size !== this.sizeInBytes) this.rewriteOpenFile();
  }

  /**
   * Rewrites the file to hold exactly the in-memory entries. On a full disk the entries stay
   * in memory (an index is derived from the log: the file is written later, or rebuilt by the
   * next recovery), so a log can still be opened and read when its disk is full.
   */
  rewrite(): void {
    if (this.file) {
      this.rewriteOpenFile();
      return;
    }
    try {
      this.fs.writeFileAtomic(this.path, this.bytes().slice());
    } catch (e) {
      if (!isOutOfSpace(e)) throw e;
    }
  }

  private rewriteOpenFile(): void {
    this.file!.truncate(0);
    this.written = 0;
    try {
      this.writePending();
    } catch (e) {
      if (!isOutOfSpace(e)) throw e;
      // Pending from slot 0: the next write (an append, close) tries again.
      this.file!.truncate(0);
    }
  }

  /** Drops entries from slot `n` on, in memory and in the file. */
  truncateToEntries(n: number): void {
    if (n >= this.entries) return;
    this.entries = Math.max(0, n);
    if (this.file) {
      this.writePending();
      this.file.truncate(this.sizeInBytes);
      this.written = this.entries;
    } else this.rewrite();
  }

  /**
   * Undoes a failed append (Segment.append): drops the entries from slot `n` on, and whatever
   * part of a failed write reached the file, which goes back to the entries written before
   * (entries below `n` not yet written stay pending in memory). Throws if the truncate fails.
   */
  undoTo(n: number): void {
    this.entries = Math.min(this.entries, Math.max(0, n));
    this.written = Math.min(this.written, this.entries);
    this.file?.truncate(this.written * this.entrySize);
  }

  protected appendEntry(entry: Uint8Array): void {
    const at = this.entries * this.entrySize;
    if (at + entry.length > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + entry.length));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.dv = new DataView(next.buffer, next.byteOffset, next.byteLength);
    }
    this.buf.set(entry, at);
    this.entries++;
    if ((this.entries - this.written) * this.entrySize >= WRITE_BATCH_BYTES) this.writePending();
  }

  /** Appends the entries not yet in the file, in one write. */
  private writePending(): void {
    if (!this.file || this.written >= this.entries) return;
    this.file.append(this.buf.subarray(this.written * this.entrySize, this.entries * this.entrySize));
    this.written = this.entries;
  }

  /** Reads the int64 at `at` as a JS number (exact below 2^53). */
  protected int64(at: number): number {
    return getInt64(this.dv, at);
  }

  /** The entry's search key (relative offset for .index, timestamp for .timeindex). */
  protected abstract keyAt(slot: number): number;

  /** Largest slot whose key is <= target, or -1 if there is none. */
  protected largestLowerBoundSlot(target: number): number {
    let lo = 0;
    let hi = this.entries - 1;
    if (hi < 0 || this.keyAt(0) > target) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.keyAt(mid) <= target) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  sync(): void {
    this.writePending();
    this.file?.sync();
  }

  /**
   * Stops appending (the segment is sealed or closed); entries stay readable. writeOut false:
   * entries not yet in the file stay out of it (after a failed write; recovery rebuilds them).
   */
  close(writeOut = true): void {
    if (writeOut) this.writePending();
    this.file?.close();
    this.file = null;
  }
}

/** Reads an index file's contents, or null if it does not exist. */
export function readIndexFile(fs: FileSystem, path: string): Uint8Array | null {
  if (!fs.exists(path)) return null;
  const bytes = fs.readFile(path);
  // Own the bytes: entries may be appended in place.
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
}
