// Group commit: acknowledgements wait for fdatasync, and one round of fdatasyncs covers every
// append that arrived meanwhile, on any partition (Kafka acknowledges from the page cache and
// counts on replicas; a single node has none, so Bunka fsyncs before it answers, as Redpanda and
// klite do).
//
// A waiter joins the next round. A round starts on the turn of the event loop after its first
// waiter (so every request read in the same turn shares it), or, while the most rounds allowed
// are in flight, as soon as one of them is done: the window is at most one fdatasync long. The
// syncs of a round run in parallel, off the JS thread (node:fs's async fdatasync), so the broker
// keeps serving while they run.

/** What a round flushes: a partition log (PartitionLog.flushAsync). */
export interface Flushable {
  /** Everything appended so far, on disk; rejects with the storage error if not. */
  flushAsync(): Promise<unknown>;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

export class GroupCommit {
  /** The next round: each log to flush and who waits for it. */
  private next = new Map<Flushable, Waiter[]>();
  /** Rounds whose fdatasyncs are running. */
  private inFlight = 0;
  private scheduled = false;
  private rounds = 0;
  private readonly fsyncListeners: ((seconds: number) => void)[] = [];

  /** Resolves once everything `log` holds now is on disk; rejects with the error of its flush. */
  flush(log: Flushable): Promise<void> {
    return new Promise((resolve, reject) => {
      let waiters = this.next.get(log);
      if (waiters === undefined) this.next.set(log, (waiters = []));
      waiters.push({ resolve, reject });
      this.schedule();
    });
  }

  /**
   * Calls `listener` with the seconds each partition log's fdatasync took (PartitionLog.flushAsync,
   * successful or not): Kafka's LogFlushStats.LogFlushRateAndTimeMs.
   */
  onFsync(listener: (seconds: number) => void): void {
    this.fsyncListeners.push(listener);
  }

  /** Rounds run so far (tests, metrics). */
  get roundCount(): number {
    return this.rounds;
  }

  /**
   * Rounds may overlap, up to `maxRoundsInFlight`: a waiter then waits about one fdatasync rather
   * than the rest of the round in flight plus its own. Each fdatasync covers what was written
   * before it began, so overlapping ones on one file are still each correct. Measured with
   * Kafka's ProducerPerformance (1 KiB, acks=1, 6 partitions): 1 in flight 55-57 MB/s, 4 in
   * flight 60-69 MB/s, on the same machine in one run.
   */
  constructor(private readonly maxRoundsInFlight = 4) {}

  private schedule(): void {
    if (this.inFlight >= this.maxRoundsInFlight || this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.round();
    });
  }

  private announceFsync(started: number): void {
    const seconds = (performance.now() - started) / 1000;
    for (const listener of this.fsyncListeners) listener(seconds);
  }

  private async round(): Promise<void> {
    if (this.next.size === 0) return;
    const round = this.next;
    this.next = new Map();
    this.inFlight++;
    this.rounds++;
    try {
      await Promise.all([...round].map(async ([log, waiters]) => {
        const started = performance.now();
        try {
          await log.flushAsync();
          this.announceFsync(started);
          for (const w of waiters) w.resolve();
        } catch (e) {
          this.announceFsync(started);
          for (const w of waiters) w.reject(e);
        }
      }));
    } finally {
      this.inFlight--;
      if (this.next.size > 0) this.schedule();
    }
  }
}
