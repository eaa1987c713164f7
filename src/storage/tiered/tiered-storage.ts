// Tiered storage for the whole broker (Kafka's RemoteLogManager on one node): the object store,
// the remote tier of every partition of a topic with remote.storage.enable=true, one chunk cache
// for their reads, and the periodic task (remote.log.manager.task.interval.ms) that runs, for each
// such partition in turn, a copy pass (none with remote.log.copy.disable, KIP-950) then an
// expiration pass (remote-partition-log.ts). A pass
// that fails (the bucket unreachable) is logged and tried again at the next tick; produce and
// local reads never wait on it.
//
// A deleted topic's remote objects (Kafka: the partitions are stopped with delete, and
// RemoteLogManager deletes every remote segment of the topic-id partition): LogStore.deleteTopic
// writes REMOTE_DELETE_MARKER (the partition's key prefix in the bucket) into each partition dir
// that has remote segment metadata, before it renames the dir to `...-delete`, and then keeps that
// dir with the marker only, instead of removing it. deletePartition() then stops the partition's
// remote tier (a copy under way ends first), lists every object under the prefix (not only those
// the metadata names: an upload cut short leaves some it may not), deletes them, and only then
// removes the dir. A crash or an unreachable bucket leaves the dir and its marker: the next start
// (LogStore's scan of the log dirs) or the next task run finishes the deletion.

import type { FileSystem } from "../fs.ts";
import type { PartitionLog, RetentionPolicy } from "../partition-log.ts";
import type { ObjectStore } from "./object-store.ts";
import { DEFAULT_CACHE_BYTES, RemoteChunkCache } from "./remote-chunk-cache.ts";
import { RemotePartitionLog } from "./remote-partition-log.ts";
import { REMOTE_SEGMENTS_FILE } from "./remote-segment-metadata.ts";

export const DEFAULT_TASK_INTERVAL_MS = 30_000;
/** In a deleted partition's `-delete` dir: the key prefix whose objects must go before the dir does. */
export const REMOTE_DELETE_MARKER = "remote-log-delete.json";

/** The key prefix of a partition's objects: `<topic>-<partition>-<topic id>`. */
export function remotePartitionKey(topic: string, partition: number, topicId: string): string {
  return `${topic}-${partition}-${topicId}`;
}

export interface TieredStorageOptions {
  store: ObjectStore;
  fs: FileSystem;
  /** remote.log.manager.task.interval.ms (Kafka's default 30 s). */
  taskIntervalMs?: number;
  /** Bytes of remote segment data the read cache keeps (bunka.remote.storage.cache.bytes). */
  cacheBytes?: number;
  /** remote.fetch.max.wait.ms (Kafka's default 500). */
  fetchMaxWaitMs?: number;
  log?: (msg: string) => void;
}

/** What one task run did, over every partition. */
export interface TieredTaskResult {
  copiedSegments: number;
  deletedSegments: number;
  /** Deleted partitions (topics deleted) whose objects are now all gone. */
  deletedPartitions: number;
  errors: string[];
}

export class TieredStorage {
  readonly store: ObjectStore;
  readonly cache: RemoteChunkCache;
  readonly taskIntervalMs: number;
  readonly fetchMaxWaitMs: number | undefined;
  private readonly fs: FileSystem;
  private readonly say: (msg: string) => void;
  private readonly partitions = new Map<PartitionLog, { tier: RemotePartitionLog; topic: string }>();
  /** `-delete` dirs whose objects are still to be deleted, and the pass of their tier to wait for. */
  private readonly pendingDeletions = new Map<string, Promise<void>>();
  /** The deletion under way per dir (never two at once for one dir). */
  private readonly deleting = new Map<string, Promise<boolean>>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private running: Promise<TieredTaskResult> | null = null;
  readonly activity = { runs: 0, copiedSegments: 0, deletedSegments: 0, deletedPartitions: 0, failedPasses: 0 };

  constructor(opts: TieredStorageOptions) {
    this.store = opts.store;
    this.fs = opts.fs;
    this.taskIntervalMs = opts.taskIntervalMs ?? DEFAULT_TASK_INTERVAL_MS;
    this.fetchMaxWaitMs = opts.fetchMaxWaitMs;
    this.cache = new RemoteChunkCache(opts.store, opts.cacheBytes ?? DEFAULT_CACHE_BYTES);
    this.say = opts.log ?? (() => {});
  }

  /** Gives `log` (of a topic with remote.storage.enable) its remote tier; the same one when called again. */
  attach(log: PartitionLog, topic: string, partition: number, topicId: string): RemotePartitionLog {
    const known = this.partitions.get(log);
    if (known !== undefined) return known.tier;
    const tier = new RemotePartitionLog(log, {
      fs: this.fs, store: this.store, cache: this.cache, partitionKey: remotePartitionKey(topic, partition, topicId), log: this.say,
    });
    log.attachRemote(tier);
    this.partitions.set(log, { tier, topic });
    return tier;
  }

  /**
   * Forgets `log` (closed, or its topic deleted) and stops its remote tier; its remote objects
   * stay. Resolves once no pass of that tier runs any more.
   */
  detach(log: PartitionLog): Promise<void> {
    const known = this.partitions.get(log);
    if (known === undefined) return Promise.resolve();
    this.partitions.delete(log);
    log.attachRemote(null);
    return known.tier.stop();
  }

  /**
   * Marks a partition dir, before its topic's deletion renames it, as one whose remote objects
   * must be deleted (REMOTE_DELETE_MARKER, written atomically). Returns false, writing nothing,
   * when the dir never had remote segment metadata (nothing was ever put for it).
   */
  markForDeletion(partitionDir: string, topic: string, partition: number, topicId: string): boolean {
    if (!this.fs.exists(`${partitionDir}/${REMOTE_SEGMENTS_FILE}`)) return false;
    const marker = { version: 1, partitionKey: remotePartitionKey(topic, partition, topicId) };
    this.fs.writeFileAtomic(`${partitionDir}/${REMOTE_DELETE_MARKER}`, new TextEncoder().encode(JSON.stringify(marker)));
    return true;
  }

  /**
   * Deletes the remote objects of a deleted partition whose `-delete` dir holds
   * REMOTE_DELETE_MARKER, then the dir (see the file comment); `after` is the stop of its tier.
   * Runs at once; a failure is logged and retried at every task run. The local files other than
   * the marker go at once, so the disk space comes back without waiting for the bucket.
   */
  deletePartition(deleteDir: string, after: Promise<void> = Promise.resolve()): Promise<boolean> {
    for (const name of this.fs.list(deleteDir)) if (name !== REMOTE_DELETE_MARKER) this.fs.remove(`${deleteDir}/${name}`);
    this.pendingDeletions.set(deleteDir, after);
    return this.finishDeletion(deleteDir);
  }

  /** The `-delete` dirs whose remote objects are still to be deleted (tests, logs). */
  get pendingPartitionDeletions(): string[] {
    return [...this.pendingDeletions.keys()];
  }

  private finishDeletion(dir: string): Promise<boolean> {
    const under = this.deleting.get(dir);
    if (under !== undefined) return under;
    const run = (async () => {
      try {
        await this.pendingDeletions.get(dir);
        const marker = JSON.parse(new TextDecoder().decode(this.fs.readFile(`${dir}/${REMOTE_DELETE_MARKER}`))) as { version?: number; partitionKey?: string };
        if (marker.version !== 1 || typeof marker.partitionKey !== "string" || marker.partitionKey === "") throw new Error(`${dir}/${REMOTE_DELETE_MARKER}: not a version 1 marker`);
        const keys = await this.store.list(`${marker.partitionKey}/`);
        for (const key of keys) {
          await this.store.delete(key);
          this.cache.forget(key);
        }
        this.fs.remove(dir);
        this.pendingDeletions.delete(dir);
        this.activity.deletedPartitions++;
        this.say(`${dir}: deleted the ${keys.length} remote object(s) of the deleted partition (${marker.partitionKey}) and the directory`);
        return true;
      } catch (e) {
        this.say(`warn: ${dir}: deleting the remote objects of a deleted partition stopped: ${(e as Error).message}; retried at the next task run`);
        return false;
      } finally {
        this.deleting.delete(dir);
      }
    })();
    this.deleting.set(dir, run);
    return run;
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
      const result: TieredTaskResult = { copiedSegments: 0, deletedSegments: 0, deletedPartitions: 0, errors: [] };
      for (const dir of [...this.pendingDeletions.keys()]) {
        if (await this.finishDeletion(dir)) result.deletedPartitions++;
        else result.errors.push(`${dir}: remote objects of a deleted partition not yet deleted`);
      }
      for (const [log, { tier, topic }] of [...this.partitions]) {
        // remote.log.copy.disable (KIP-950): no copy task; expiration goes on.
        if (!policyFor(topic).remoteLogCopyDisable) {
          const copied = await tier.copy(now);
          result.copiedSegments += copied.segments;
          if (copied.error !== null) result.errors.push(`${log.dir}: ${copied.error}`);
        }
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

  /** Stops the task and waits for a run under way and for deletions under way. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    await Promise.all(this.deleting.values());
  }
}
