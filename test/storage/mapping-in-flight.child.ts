// Child process of segment-mapping.test.ts (a SIGBUS would kill the test runner itself): a
// PartitionLog on real files whose appends sometimes fail after landing in part (a full disk's
// short write), so Segment's undo truncates the active .log file, while views handed out by
// earlier reads, as a Fetch response writing to a slow socket holds them, are kept and read
// again after every step; retention and DeleteRecords unlink segment files meanwhile
// (file.delete.delay.ms 0). Prints one JSON line of counts; exits 0 unless something broke.
//
// Usage: bun mapping-in-flight.child.ts <dir> <seed> <steps>

import { DiskFileSystem, fileSystemError, type AppendFile, type FileSystem } from "../../src/storage/fs.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { StorageError } from "../../src/storage/log-dir-failures.ts";
import { batchOf } from "./batches.ts";
import { prng } from "../support/schema-values.ts";

const [dir, seedArg, stepsArg] = process.argv.slice(2);
if (!dir || !seedArg || !stepsArg) throw new Error("usage: mapping-in-flight.child.ts <dir> <seed> <steps>");
const random = prng(Number(seedArg));
const disk = new DiskFileSystem();
let failNextAppend = false;

/** DiskFileSystem, but an append can be made to land half of its bytes and fail with ENOSPC. */
class ShortWriteFile implements AppendFile {
  /** Bytes of a failed append in the file that `size` does not count (the AppendFile contract). */
  private landed = 0;
  constructor(private readonly file: AppendFile) {}
  get path(): string { return this.file.path; }
  get size(): number { return this.file.size - this.landed; }
  append(bytes: Uint8Array): void { this.appendv([bytes]); }
  appendv(parts: Uint8Array[]): void {
    if (!failNextAppend || !this.path.endsWith(".log")) return this.file.appendv(parts);
    failNextAppend = false;
    const all = Buffer.concat(parts);
    this.file.append(all.subarray(0, all.length >> 1));
    this.landed += all.length >> 1;
    throw fileSystemError("ENOSPC", "write", this.path);
  }
  read(position: number, length: number): Uint8Array { return this.file.read(position, Math.min(length, this.size - position)); }
  truncate(size: number): void {
    this.file.truncate(size);
    this.landed = 0;
  }
  sync(): void { this.file.sync(); }
  datasync(): Promise<void> { return this.file.datasync(); }
  close(): void { this.file.close(); }
}

/** The buffers of every mapping made, to tell views of a mapping from copies. */
const mappings = new WeakSet<ArrayBufferLike>();
const fs: FileSystem = Object.assign(Object.create(disk) as FileSystem, {
  open: (path: string) => new ShortWriteFile(disk.open(path)),
  mmap: (path: string, length?: number) => {
    const m = disk.mmap(path, length);
    mappings.add(m.buffer);
    return m;
  },
});

const log = PartitionLog.open(dir, { fs, segmentBytes: 2 << 20, indexIntervalBytes: 4096, fileDeleteDelayMs: 0 });
/** Views held as a response in flight holds them, with a copy of what they said when read. */
const held: { view: Uint8Array; copy: Uint8Array; baseOffset: number; activeMapped: boolean }[] = [];
const counts = {
  appended: 0, undone: 0, undoneWhileActiveMappingHeld: 0, undoneRightAfterMappingToEnd: 0, segmentsDeleted: 0, heldViewsOfDeletedSegments: 0,
  reads: 0, activeMappedViews: 0, activeCopiedViews: 0, viewsChecked: 0,
};

function checkHeld(): void {
  for (const h of held) {
    // Every byte of the view is touched: a page past the file's end would be a SIGBUS here.
    if (Buffer.compare(h.view, h.copy) !== 0) throw new Error("a held view changed");
    counts.viewsChecked++;
  }
}

/** The last read handed out views of the active segment's mapping, up to its end. */
let mappedToEnd = false;
const steps = Number(stepsArg);
for (let step = 0; step < steps; step++) {
  const r = random();
  if (r < 0.55) {
    // Mostly fail right after the tail was mapped: the undo then cuts back to exactly the mapped end.
    failNextAppend = random() < (mappedToEnd ? 0.7 : 0.15);
    const wasMappedToEnd = mappedToEnd;
    mappedToEnd = false;
    const activeHeld = held.some((h) => h.activeMapped);
    try {
      log.append(batchOf(1 + Math.floor(random() * 20), { valueSize: 50 + Math.floor(random() * 4000) }));
      counts.appended++;
    } catch (e) {
      if (!(e instanceof StorageError) || e.offline) throw e;
      counts.undone++;
      if (activeHeld) counts.undoneWhileActiveMappingHeld++;
      if (wasMappedToEnd) counts.undoneRightAfterMappingToEnd++;
    }
  } else if (r < 0.9) {
    // Half the reads are a consumer catching up in the active segment, up to its end.
    const activeBase = log.sealedSegments().at(-1)?.endOffset ?? log.logStartOffset;
    const catchUp = random() < 0.5;
    const lowest = catchUp ? activeBase : log.logStartOffset;
    const from = lowest + Math.floor(random() * (log.nextOffset - lowest + 1));
    const maxBytes = catchUp ? 4 << 20 : random() < 0.5 ? 1 << 20 : 300 + Math.floor(random() * 100_000);
    const res = log.read(from, maxBytes, true);
    if (res === "out-of-range") throw new Error(`read at ${from} out of range`);
    counts.reads++;
    for (const view of res.batches) {
      const baseOffset = Number(new DataView(view.buffer, view.byteOffset).getBigInt64(0));
      const active = baseOffset >= activeBase;
      const mapped = mappings.has(view.buffer);
      if (active && mapped) counts.activeMappedViews++;
      if (active && mapped && view.byteOffset + view.length === view.buffer.byteLength) mappedToEnd = true;
      if (active && !mapped) counts.activeCopiedViews++;
      held.push({ view, copy: view.slice(), baseOffset, activeMapped: active && mapped });
    }
    // Responses finish in any order (slow and fast sockets): drop random ones, so old views live on.
    while (held.length > 300) held.splice(Math.floor(random() * held.length), 1);
  } else {
    const before = log.sealedSegments().length;
    const target = log.logStartOffset + Math.floor(random() * (log.nextOffset - log.logStartOffset + 1) * 0.1);
    if (random() < 0.5 && log.deleteRecordsBefore(target) === "out-of-range") throw new Error("DeleteRecords out of range");
    log.deleteOldSegments({ deleteEnabled: true, retentionMs: -1, retentionBytes: 4 << 20 }, Date.now());
    const gone = Math.max(0, before - log.sealedSegments().length);
    counts.segmentsDeleted += gone;
    // Views of segments whose files were just unlinked, still held by "responses".
    const firstKept = log.sealedSegments()[0]?.baseOffset ?? log.nextOffset;
    if (gone > 0) counts.heldViewsOfDeletedSegments += held.filter((h) => h.baseOffset < firstKept).length;
  }
  checkHeld();
  if (step % 500 === 0) Bun.gc(false);
}
log.close();
checkHeld();
console.log(JSON.stringify(counts));
