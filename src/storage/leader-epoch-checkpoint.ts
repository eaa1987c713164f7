// `leader-epoch-checkpoint` in every partition directory (Kafka's LeaderEpochCheckpointFile,
// written through CheckpointFile): for each leader epoch, the first offset written in it.
// Format, one item per line, written atomically (temp file + rename):
//
//     0                      <- version
//     2                      <- number of entries
//     0 0                    <- "<epoch> <start offset>", epochs and offsets increasing
//     3 1200
//
// Kafka uses it to answer OffsetForLeaderEpoch and to truncate followers; Bunka keeps it so a
// log dir stays one Kafka can take over.

import type { FileSystem } from "./fs.ts";

export const LEADER_EPOCH_CHECKPOINT_FILE = "leader-epoch-checkpoint";

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export function formatLeaderEpochCheckpoint(entries: EpochEntry[]): string {
  return `0\n${entries.length}\n${entries.map((e) => `${e.epoch} ${e.startOffset}\n`).join("")}`;
}

/** Entries of a checkpoint text; null if malformed or of another version. */
export function parseLeaderEpochCheckpoint(text: string): EpochEntry[] | null {
  const lines = text.split(/\r?\n/);
  if (lines[0]?.trim() !== "0") return null;
  const count = Number(lines[1]?.trim());
  if (!Number.isInteger(count) || count < 0) return null;
  const out: EpochEntry[] = [];
  for (let i = 0; i < count; i++) {
    const parts = lines[2 + i]?.trim().split(/\s+/);
    if (parts?.length !== 2) return null;
    const epoch = Number(parts[0]);
    const startOffset = Number(parts[1]);
    if (!Number.isInteger(epoch) || !Number.isInteger(startOffset)) return null;
    out.push({ epoch, startOffset });
  }
  return out;
}

/** The in-memory epoch list of one partition, persisted on every change (changes are rare). */
export class LeaderEpochCache {
  private entries: EpochEntry[];
  private readonly path: string;
  private readonly fs: FileSystem;

  constructor(fs: FileSystem, dir: string, log: (msg: string) => void) {
    this.fs = fs;
    this.path = `${dir}/${LEADER_EPOCH_CHECKPOINT_FILE}`;
    let loaded: EpochEntry[] | null = [];
    if (fs.exists(this.path)) {
      loaded = parseLeaderEpochCheckpoint(new TextDecoder().decode(fs.readFile(this.path)));
      if (!loaded) log(`${this.path}: malformed, ignoring it`);
    }
    this.entries = loaded ?? [];
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  get latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? -1;
  }

  /** Records that `epoch` starts at `startOffset` if it is newer than the latest; true if it changed. */
  assign(epoch: number, startOffset: number, persist = true): boolean {
    if (epoch < 0 || epoch <= this.latestEpoch) return false;
    this.entries.push({ epoch, startOffset });
    if (persist) this.write();
    return true;
  }

  /** Drops entries starting at or after `endOffset` (after the log was truncated there). */
  truncateFromEnd(endOffset: number): boolean {
    const n = this.entries.findIndex((e) => e.startOffset >= endOffset);
    if (n < 0) return false;
    this.entries = this.entries.slice(0, n);
    return true;
  }

  /**
   * Kafka's LeaderEpochFileCache.truncateFromStart: entries wholly before `startOffset` go; the
   * epoch in force at `startOffset` now starts there. Persisted when anything changed.
   */
  truncateFromStart(startOffset: number): boolean {
    let last = -1;
    for (let i = 0; i < this.entries.length && this.entries[i]!.startOffset <= startOffset; i++) last = i;
    if (last < 0 || (last === 0 && this.entries[0]!.startOffset === startOffset)) return false;
    const kept = this.entries.slice(last);
    kept[0] = { epoch: kept[0]!.epoch, startOffset };
    this.entries = kept;
    this.write();
    return true;
  }

  write(): void {
    this.fs.writeFileAtomic(this.path, new TextEncoder().encode(formatLeaderEpochCheckpoint(this.entries)));
  }
}
