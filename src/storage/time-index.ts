// The time index, `<base offset>.timeindex` (Kafka's TimeIndex): a sparse map from timestamps to
// offsets, used to answer ListOffsets by timestamp and (later) time-based retention.
//
// Format: a sequence of 12-byte big-endian entries
//     timestamp int64 | relativeOffset int32
// where relativeOffset = offset - segment base offset. No header, no checksum.
//
// Invariants (Kafka's LogSegment / TimeIndex / DumpLogSegments):
//   - an entry (T, O) means: T is the largest batch maxTimestamp seen in the segment up to and
//     including offset O, and O is the lastOffset of the batch that carried T. Any record with a
//     timestamp > T therefore lies after O;
//   - timestamps strictly increase and offsets never decrease from entry to entry: an entry is
//     only appended when its timestamp is greater than the last one's;
//   - entries are added together with offset index entries (every log.index.interval.bytes), and
//     once more when the segment is rolled or closed, recording the segment's largest timestamp;
//   - lookup(ts) = the entry with the largest timestamp <= ts, else (NO_TIMESTAMP, baseOffset).
//
// Like the offset index, the file always holds exactly its valid entries (see sparse-index.ts).

import type { FileSystem } from "./fs.ts";
import { NO_TIMESTAMP } from "../records/record-batch.ts";
import { readIndexFile, SparseIndex } from "./sparse-index.ts";
import { setInt64 } from "../records/int64.ts";

export const TIME_INDEX_ENTRY_SIZE = 12;

export interface TimestampOffset {
  timestamp: number;
  offset: number;
}


export class TimeIndex extends SparseIndex {
  protected readonly entrySize = TIME_INDEX_ENTRY_SIZE;
  private readonly scratch = new Uint8Array(TIME_INDEX_ENTRY_SIZE);
  private readonly scratchView = new DataView(this.scratch.buffer);

  private constructor(fs: FileSystem, path: string, baseOffset: number, contents: Uint8Array | null) {
    super(fs, path, baseOffset, contents);
    this.initEntries(contents?.length ?? 0);
  }

  static load(fs: FileSystem, path: string, baseOffset: number): { index: TimeIndex; fileExisted: boolean } {
    const contents = readIndexFile(fs, path);
    return { index: new TimeIndex(fs, path, baseOffset, contents), fileExisted: contents !== null };
  }

  static empty(fs: FileSystem, path: string, baseOffset: number): TimeIndex {
    return new TimeIndex(fs, path, baseOffset, null);
  }

  protected keyAt(slot: number): number {
    return this.int64(slot * TIME_INDEX_ENTRY_SIZE);
  }

  entry(slot: number): TimestampOffset {
    const at = slot * TIME_INDEX_ENTRY_SIZE;
    return { timestamp: this.int64(at), offset: this.baseOffset + this.dv.getInt32(at + 8) };
  }

  /** The last entry, or (NO_TIMESTAMP, baseOffset) if there is none. */
  get lastEntry(): TimestampOffset {
    return this.entries === 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(this.entries - 1);
  }

  /** The entry with the largest timestamp <= target, or (NO_TIMESTAMP, baseOffset). */
  lookup(targetTimestamp: number): TimestampOffset {
    const slot = this.largestLowerBoundSlot(targetTimestamp);
    return slot < 0 ? { timestamp: NO_TIMESTAMP, offset: this.baseOffset } : this.entry(slot);
  }

  /** Appends (timestamp, offset) if timestamp is greater than the last entry's (Kafka's maybeAppend). */
  maybeAppend(timestamp: number, offset: number): void {
    const last = this.lastEntry;
    if (this.entries > 0 && offset < last.offset) {
      throw new Error(`time index ${this.path}: offset ${offset} before last entry's ${last.offset}`);
    }
    if (timestamp <= last.timestamp) return;
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > 0x7fffffff) throw new RangeError(`offset ${offset} out of range for time index ${this.path}`);
    setInt64(this.scratchView, 0, timestamp);
    this.scratchView.setInt32(8, rel);
    this.appendEntry(this.scratch);
  }

  /** File length is a whole number of entries; timestamps increase, offsets never decrease and stay in range. */
  isConsistent(fileLength: number, nextOffset: number): boolean {
    if (fileLength % TIME_INDEX_ENTRY_SIZE !== 0) return false;
    let prevTs = -Infinity;
    let prevRel = -1;
    for (let i = 0; i < this.entries; i++) {
      const { timestamp, offset } = this.entry(i);
      const rel = offset - this.baseOffset;
      if (timestamp <= prevTs || rel < 0 || rel < prevRel || offset >= nextOffset) return false;
      prevTs = timestamp;
      prevRel = rel;
    }
    return true;
  }

  /** Removes every entry whose offset is >= `offset`. */
  truncateTo(offset: number): void {
    let n = this.entries;
    while (n > 0 && this.entry(n - 1).offset >= offset) n--;
    this.truncateToEntries(n);
  }
}
