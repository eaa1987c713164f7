// The broker thread's side of the cleaner worker (log-cleaner-worker.ts). A pass is described to
// the worker as plain data (the log's directory, its sealed segments, its producers' last batches,
// the first dirty offset, the policy and budget); the worker reads and writes files only, and asks
// this side to swap each cleaned segment in, because the segment list belongs to the PartitionLog
// and only the broker thread changes it (PartitionLog.swapInCleaned refuses a swap when retention
// or DeleteRecords changed the segments meanwhile, as in a pass run in this thread).

import type { CleanerBudget, CleanResult, CompactionPolicy } from "./log-cleaner.ts";
import type { PartitionLog, SealedSegment } from "./partition-log.ts";
import type { AbortedTxn } from "./transaction-index.ts";

/** broker thread → worker */
export type CleanerRequest =
  | {
    type: "clean"; id: number; dir: string; logStartOffset: number; lastStableOffset: number; segments: SealedSegment[];
    /** [producer id, last data offset (-1: none), epoch] */
    producers: [number, number, number][];
    /** The aborted transactions overlapping the sealed segments. */
    abortedTxns: AbortedTxn[];
    firstDirty: number; policy: CompactionPolicy; budget: CleanerBudget; now: number;
  }
  | { type: "swapped"; id: number; ok: boolean };

/** worker → broker thread */
export type CleanerReply =
  | { type: "swap"; id: number; baseOffsets: number[]; abortedTxns: AbortedTxn[] }
  | { type: "done"; id: number; result: CleanResult | null }
  | { type: "failed"; id: number; message: string };

interface Pending {
  log: PartitionLog;
  resolve: (result: CleanResult | null) => void;
  reject: (e: Error) => void;
}

export class CleanerWorkerClient {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly workerUrl: string, private readonly logLine: (msg: string) => void) {}

  /** Runs one pass over `log` in the worker (cleanLog's contract: null when nothing was due or the log changed). */
  clean(log: PartitionLog, firstDirty: number, policy: CompactionPolicy, budget: CleanerBudget, now: number): Promise<CleanResult | null> {
    const worker = this.start();
    const id = ++this.nextId;
    const segments = log.sealedSegments();
    const abortedTxns = segments.length === 0 ? [] : log.abortedTransactions(segments[0]!.baseOffset, segments.at(-1)!.endOffset);
    const request: CleanerRequest = {
      type: "clean", id, dir: log.dir, logStartOffset: log.logStartOffset, lastStableOffset: log.lastStableOffset, segments,
      producers: log.producerLastRecords(), abortedTxns, firstDirty, policy, budget, now,
    };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { log, resolve, reject });
      worker.postMessage(request);
    });
  }

  terminate(): void {
    this.worker?.terminate();
    this.worker = null;
    this.failAll(new Error("log cleaner stopped"));
  }

  private start(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(this.workerUrl);
    worker.unref();
    worker.onmessage = (e: MessageEvent<CleanerReply>) => this.onReply(worker, e.data);
    worker.onerror = (e) => {
      this.logLine(`log cleaner worker failed: ${e.message}`);
      if (this.worker === worker) this.worker = null;
      worker.terminate();
      this.failAll(new Error(`log cleaner worker failed: ${e.message}`));
    };
    this.worker = worker;
    return worker;
  }

  private onReply(worker: Worker, reply: CleanerReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    switch (reply.type) {
      case "swap": {
        let ok = false;
        try {
          ok = pending.log.swapInCleaned(reply.baseOffsets, reply.abortedTxns);
        } catch (e) {
          this.logLine(`log cleaner: swap at offset ${reply.baseOffsets[0]} in ${pending.log.dir} failed: ${(e as Error).message}`);
        }
        const answer: CleanerRequest = { type: "swapped", id: reply.id, ok };
        worker.postMessage(answer);
        return;
      }
      case "done":
        this.pending.delete(reply.id);
        pending.resolve(reply.result);
        return;
      case "failed":
        this.pending.delete(reply.id);
        pending.reject(new Error(reply.message));
        return;
    }
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}
