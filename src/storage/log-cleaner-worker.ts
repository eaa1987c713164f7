// The cleaner worker: runs log cleaner passes (log-cleaner.ts cleanLog) in a thread of its own, as
// Kafka's CleanerThread does, so that building the offset map and rewriting segments never holds
// up the broker thread. It reads sealed segments through read-only mappings (they are never
// written again; a segment that retention renames or deletes meanwhile stays readable through its
// mapping) and writes `<base>.log.cleaned` itself, fsynced; the swap is the broker thread's
// (log-cleaner-worker-client.ts). The dedupe buffer lives here, allocated once.

import { splitBatches } from "../records/record-batch.ts";
import { DiskFileSystem, releaseMappedPages } from "./fs.ts";
import { cleanLog, type CleanableLog, type ProducerLastRecord } from "./log-cleaner.ts";
import type { AbortedTxn } from "./transaction-index.ts";
import type { CleanerReply, CleanerRequest } from "./log-cleaner-worker-client.ts";
import { OffsetMap } from "./offset-map.ts";
import { cleanedLogPath, type SealedSegment } from "./partition-log.ts";

declare const self: Worker;

const fs = new DiskFileSystem();
let map: OffsetMap | null = null;
const swapsWaiting = new Map<number, (ok: boolean) => void>();

function reply(message: CleanerReply): void {
  self.postMessage(message);
}

/** A log as described by the broker thread: its sealed segments' files. */
class SegmentFiles implements CleanableLog {
  readonly logStartOffset: number;
  readonly lastStableOffset: number;
  private readonly producers: Map<number, ProducerLastRecord>;

  constructor(private readonly request: Extract<CleanerRequest, { type: "clean" }>) {
    this.logStartOffset = request.logStartOffset;
    this.lastStableOffset = request.lastStableOffset;
    this.producers = new Map(request.producers.map(([id, lastDataOffset, epoch]) => [id, { lastDataOffset, epoch }]));
  }

  /** As TransactionIndex.collect over the segments, from the broker thread's copy. */
  abortedTransactions(from: number, to: number): AbortedTxn[] {
    return this.request.abortedTxns.filter((t) => t.lastOffset >= from && t.firstOffset < to);
  }

  sealedSegments(): SealedSegment[] {
    return this.request.segments;
  }

  *segmentBatches(baseOffset: number): Generator<Uint8Array> {
    const seg = this.request.segments.find((s) => s.baseOffset === baseOffset);
    if (seg === undefined || seg.size === 0) return;
    // Only the bytes the segment had when sealed (its size then) are its batches. Once read, its
    // pages leave this process's resident set (they stay in the page cache; a view still held
    // faults them back in): a pass reads whole segments, which would otherwise count in VmRSS
    // beyond bunka.log.mapped.resident.bytes.
    const mapping = fs.mmap(seg.path);
    try {
      yield* splitBatches(mapping.subarray(0, seg.size));
    } finally {
      releaseMappedPages(mapping, 0, mapping.length);
    }
  }

  producerLastRecord(producerId: number): ProducerLastRecord | null {
    return this.producers.get(producerId) ?? null;
  }

  startReplacement(baseOffsets: number[]) {
    const id = this.request.id;
    const path = cleanedLogPath(this.request.dir, baseOffsets[0]!);
    const file = fs.open(path);
    if (file.size !== 0) file.truncate(0);
    let done = false;
    return {
      append: (batch: Uint8Array) => file.append(batch),
      abort: () => {
        if (done) return;
        done = true;
        file.close();
        fs.remove(path);
      },
      commit: (abortedTxns: AbortedTxn[]) => {
        done = true;
        file.sync();
        file.close();
        return new Promise<boolean>((resolve) => {
          swapsWaiting.set(id, resolve);
          reply({ type: "swap", id, baseOffsets, abortedTxns });
        });
      },
    };
  }
}

self.onmessage = async (e: MessageEvent<CleanerRequest>) => {
  const request = e.data;
  if (request.type === "swapped") {
    swapsWaiting.get(request.id)?.(request.ok);
    swapsWaiting.delete(request.id);
    return;
  }
  try {
    if (map === null || map.memoryBytes !== request.budget.dedupeBufferBytes) map = new OffsetMap(request.budget.dedupeBufferBytes);
    // A thread of its own: no need to yield between slices.
    const result = await cleanLog(new SegmentFiles(request), request.firstDirty, request.policy, request.budget, request.now,
      () => Promise.resolve(), map);
    reply({ type: "done", id: request.id, result });
  } catch (err) {
    // A segment that retention or DeleteRecords removed before it was mapped: the log changed,
    // and the next pass starts over (as when the broker thread refuses a swap).
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return reply({ type: "done", id: request.id, result: null });
    reply({ type: "failed", id: request.id, message: (err as Error).stack ?? String(err) });
  }
};
