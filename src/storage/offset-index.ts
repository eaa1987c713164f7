// The offset index, `<base offset>.index` (Kafka's OffsetIndex): a sparse map from offsets to
// byte positions in the segment's .log file.
//
// Format: a sequence of 8-byte big-endian entries
//     relativeOffset int32 | position int32
// where relativeOffset = offset - segment base offset. No header, no checksum.
//
// Invariants (what Kafka's LogSegment.append and DumpLogSegments rely on):
//   - an entry (offset, position) means: the batch starting at `position` has lastOffset ==
//     offset. Entries are made for the LAST offset of a batch, at that batch's start position;
//   - offsets and positions strictly increase from entry to entry;
//   - an entry is added before appending a batch once more than `log.index.interval.bytes`
//     (default 4096) of log have been appended since the previous entry, so the first batch of a
//     segment is never indexed and a lookup scans at most ~interval bytes of batch headers;
//   - lookup(target) = the entry with the largest offset <= target, else (baseOffset, 0). The
//     batch at that position, or one after it, is the first batch whose lastOffset >= target.
//
// Kafka preallocates this file and trims it on roll/close; see sparse-index.ts for why Bunka's
// file always holds exactly its valid entries.

import type { FileSystem } from "./fs.ts";
import { readIndexFile, SparseIndex } from "./sparse-index.ts";

export const OFFSET_INDEX_ENTRY_SIZE = 8;

export interface OffsetPosition {
  offset: number;
  position: number;
}

export class OffsetIndex extends SparseIndex {
  protected readonly entrySize = OFFSET_INDEX_ENTRY_SIZE;
  private readonly scratch = new Uint8Array(OFFSET_INDEX_ENTRY_SIZE);
  private readonly scratchView = new DataView(this.scratch.buffer);

  private constructor(fs: FileSystem, path: string, baseOffset: number, contents: Uint8Array | null) {
    super(fs, path, baseOffset, contents);
    this.initEntries(contents?.length ?? 0);
  }

  /** Loads the index file if it exists (an empty index otherwise; check `fileExisted`). */
  static load(fs: FileSystem, path: string, baseOffset: number): { index: OffsetIndex; fileExisted: boolean } {
    const contents = readIndexFile(fs, path);
    return { index: new OffsetIndex(fs, path, baseOffset, contents), fileExisted: contents !== null };
  }

  static empty(fs: FileSystem, path: string, baseOffset: number): OffsetIndex {
    return new OffsetIndex(fs, path, baseOffset, null);
  }

  protected keyAt(slot: number): number {
    return this.dv.getInt32(slot * OFFSET_INDEX_ENTRY_SIZE);
  }

  entry(slot: number): OffsetPosition {
    const at = slot * OFFSET_INDEX_ENTRY_SIZE;
    return { offset: this.baseOffset + this.dv.getInt32(at), position: this.dv.getInt32(at + 4) };
  }

  /** Offset of the last entry, or the base offset if there is none. */
  get lastOffset(): number {
    return this.entries === 0 ? this.baseOffset : this.entry(this.entries - 1).offset;
  }

  /** The entry with the largest offset <= target, or (baseOffset, 0). */
  lookup(targetOffset: number): OffsetPosition {
    const slot = this.largestLowerBoundSlot(targetOffset - this.baseOffset);
    return slot < 0 ? { offset: this.baseOffset, position: 0 } : this.entry(slot);
  }

  /** Appends (offset, position); both must exceed the previous entry's. */
  append(offset: number, position: number): void {
    const rel = offset - this.baseOffset;
    if (rel < 0 || rel > 0x7fffffff) throw new RangeError(`offset ${offset} out of range for index ${this.path}`);
    if (this.entries > 0) {
      const last = this.entry(this.entries - 1);
      if (offset <= last.offset || position <= last.position) {
        throw new Error(`index ${this.path}: entry (${offset}, ${position}) not after (${last.offset}, ${last.position})`);
      }
    }
    this.scratchView.setInt32(0, rel);
    this.scratchView.setInt32(4, position);
    this.appendEntry(this.scratch);
  }

  /**
   * Kafka's sanityCheck plus ordering: the file length is a whole number of entries, and entries
   * strictly increase in offset and position, all positions inside a log of `logSize` bytes.
   */
  isConsistent(fileLength: number, logSize: number): boolean {
    if (fileLength % OFFSET_INDEX_ENTRY_SIZE !== 0) return false;
    let prevRel = -1;
    let prevPos = -1;
    for (let i = 0; i < this.entries; i++) {
      const at = i * OFFSET_INDEX_ENTRY_SIZE;
      const rel = this.dv.getInt32(at);
      const pos = this.dv.getInt32(at + 4);
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) return false;
      prevRel = rel;
      prevPos = pos;
    }
    return true;
  }

  /** Removes every entry whose offset is >= `offset` (Kafka's truncateTo). */
  truncateTo(offset: number): void {
    const slot = this.largestLowerBoundSlot(offset - this.baseOffset);
    if (slot < 0) return this.truncateToEntries(0);
    this.truncateToEntries(this.entry(slot).offset === offset ? slot : slot + 1);
  }
}
