// Tiered storage for the whole broker (Kafka's RemoteLogManager on one node): the object store,
// the remote tier of every partition of a topic with remote.storage.enable=true, one chunk cache
// for their reads, and the periodic task (remote.log.manager.task.interval.ms) that runs, for each
// such partition in turn, a copy pass then an expiration pass (remote-partition-log.ts). A pass
// that fails (the bucket unreachable) is logged and tried again at the next tick; produce and
// local reads never wait on it.

import type { FileSystem } from "../fs.ts";
import type { PartitionLog, RetentionPolicy } from "../partition-log.ts";
import type { ObjectStore } from "./object-store.ts";
import { DEFAULT_CACHE_BYTES, RemoteChunkCache } from "./remote-chunk-cache.ts";
import { RemotePartitionLog } from "./remote-partition-log.ts";

export const DEFAULT_TASK_INTERVAL_MS = 30_000;

export interface TieredStorageOptions {
  store: ObjectStore;
  fs: FileSystem;
  /** remote.log.manager.task.interval.ms (Kafka's default 30 s). */
  taskIntervalMs?: number;
  /** Bytes of remote segment data the read cache keeps (bunka.remote.storage.cache.bytes). */
  cacheBytes?: number;
  log?: (msg: string) => void;
}

/** What one task run did, over every partition. */
export interface TieredTaskResult {
  copiedSegments: number;
  deletedSegments: number;
  errors: string[];
}

export class TieredStorage {
  readonly store: ObjectStore;
  readonly cache: RemoteChunkCache;
  readonly taskIntervalMs: number;
  private readonly fs: FileSystem;
  private readonly say: (msg: string) => void;
  private readonly partitions = new Map<PartitionLog, { tier: RemotePartitionLog; topic: string }>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<TieredTaskResult> | null = null;
  readonly activity = { runs: 0, copiedSegments: 0, deletedSegments: 0, failedPasses: 0 };

  constructor(opts: TieredStorageOptions) {
    this.store = opts.store;
    this.fs = opts.fs;
    this.taskIntervalMs = opts.taskIntervalMs ?? DEFAULT_TASK_INTERVAL_MS;
    this.cache = new RemoteChunkCache(opts.store, opts.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.say = opts.log ?? (() => {});
  }

  /** Gives `log` (of a topic with remote.storage.enable) its remote tier; the same one when called again. */
  attach(log: PartitionLog, topic: string, partition: number, topicId: string): RemotePartitionLog {
    const known = this.partitions.get(log);
    if (known !== undefined) return known.tier;
    const tier = new RemotePartitionLog(log, {
      fs: this.fs, store: this.store, cache: this.cache, partitionKey: `${topic}-${partition}-${topicId}`, log: this.say,
    });
    log.attachRemote(tier);
    this.partitions.set(log, { tier, topic });
    return tier;
  }

  /** Forgets `log` (closed, or its topic deleted); its remote objects stay. */
  detach(log: PartitionLog): void {
    if (!this.partitions.delete(log)) return;
    log.attachRemote(null);
  }

  tierOf(log: PartitionLog): RemotePartitionLog | undefined {
    return this.partitions.get(log)?.tier;
  }

  /**
   * One run of the task over every attached partition: copy, then expire with the topic's
   * retention. A run already under way is awaited instead of starting another.
   */
  runOnce(policyFor: (topic: string) => RetentionPolicy, now = Date.now()): Promise<TieredTaskResult> {
    if (this.running !== null) return this.running;
    this.running = (async () => {
      const result: TieredTaskResult = { copiedSegments: 0, deletedSegments: 0, errors: [] };
      for (const [log, { tier, topic }] of [...this.partitions]) {
        const copied = await tier.copy(now);
        result.copiedSegments += copied.segments;
        if (copied.error !== null) result.errors.push(`${log.dir}: ${copied.error}`);
        if (!this.partitions.has(log)) continue;
        const expired = await tier.expire(policyFor(topic), now);
        result.deletedSegments += expired.segments;
        if (expired.error !== null) result.errors.push(`${log.dir}: ${expired.error}`);
      }
      this.activity.runs++;
      this.activity.copiedSegments += result.copiedSegments;
      this.activity.deletedSegments += result.deletedSegments;
      this.activity.failedPasses += result.errors.length;
      return result;
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Runs the task every taskIntervalMs until stop(). */
  start(policyFor: (topic: string) => RetentionPolicy): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      this.runOnce(policyFor).catch((e) => this.say(`error: remote log task: ${(e as Error).stack ?? e}`));
    }, this.taskIntervalMs);
    this.timer.unref?.();
  }

  /** Stops the task and waits for a run under way. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
  }
}
