// Live throughput per topic for the console: the sum of the partitions' log end offsets and
// sizes, sampled when the console asks (at most once a second, nothing runs in between), and the
// rate over the last few seconds of samples. DeleteRecords and retention shrink sizes, so bytes
// per second is the growth of the log (never below 0), as Kafka's BytesInPerSec counts appends.

import type { LogStore } from "../storage/log-store.ts";

interface Sample {
  at: number;
  topics: Map<string, { offsets: number; bytes: number }>;
}

const MIN_INTERVAL_MS = 1000;
const WINDOW_MS = 10_000;

export class ThroughputSampler {
  private samples: Sample[] = [];

  constructor(private readonly store: LogStore, private readonly now: () => number = () => performance.now()) {}

  /** Takes a sample unless the last one is under a second old. */
  sample(): void {
    const at = this.now();
    const last = this.samples[this.samples.length - 1];
    if (last !== undefined && at - last.at < MIN_INTERVAL_MS) return;
    const topics = new Map<string, { offsets: number; bytes: number }>();
    for (const t of this.store.metadata.topicsByName.values()) {
      let offsets = 0, bytes = 0;
      for (const p of t.partitions) {
        const log = this.store.openedPartition(t.name, p.partitionId);
        if (log === undefined) continue;
        offsets += log.nextOffset;
        bytes += log.sizeInBytes;
      }
      topics.set(t.name, { offsets, bytes });
    }
    this.samples.push({ at, topics });
    // Keep one sample older than the window, so a rate always spans it.
    while (this.samples.length > 2 && at - this.samples[1]!.at > WINDOW_MS) this.samples.shift();
  }

  /** Messages and bytes per second over the samples kept; null until two samples exist. */
  rate(topic: string): { messagesPerSec: number | null; bytesPerSec: number | null } {
    const first = this.samples[0], last = this.samples[this.samples.length - 1];
    const a = first?.topics.get(topic), b = last?.topics.get(topic);
    if (first === undefined || last === undefined || first === last || b === undefined) return { messagesPerSec: null, bytesPerSec: null };
    const seconds = (last.at - first.at) / 1000;
    return {
      messagesPerSec: Math.max(0, (b.offsets - (a?.offsets ?? 0)) / seconds),
      bytesPerSec: Math.max(0, (b.bytes - (a?.bytes ?? 0)) / seconds),
    };
  }
}
