// The broker's storage: the KRaft metadata (cluster-metadata.ts) and the partition logs
// (partition-log.ts) found in the configured log directories, in Kafka's layout:
//
//   <logDir>/__cluster_metadata-0/       the metadata log (in the first log dir that has it,
//                                        else created in the first log dir)
//   <logDir>/<topic>-<partition>/        one partition: segments, partition.metadata,
//                                        leader-epoch-checkpoint
//   <logDir>/<topic>-<p>.<32 hex>-delete a deleted topic's partition (deleteTopic), removed at
//                                        once, or when the store next opens after a crash;
//                                        with remote objects: kept holding remote-log-delete.json
//                                        until they are deleted (tiered/tiered-storage.ts)
//   <logDir>/log-start-offset-checkpoint the log start offsets of that dir's partitions (Kafka's
//                                        OffsetCheckpointFile: "0", a count, "topic partition
//                                        offset" lines), rewritten atomically when one moves
//   <logDir>/recovery-point-offset-checkpoint  each partition's recovery point (same format),
//                                        written by checkpointRecoveryPoints (periodically:
//                                        log.flush.offset.checkpoint.interval.ms) and on close
//   <logDir>/.lock                       locked while the store is open (Kafka's
//                                        LogManager.lockLogDirs): a second broker, Bunka or
//                                        Kafka, cannot open the dir (LogDirLockedError)
//   <logDir>/.kafka_cleanshutdown        written by close() (Kafka's CleanShutdownFileHandler:
//                                        {"version":0,"brokerEpoch":-1}), deleted at open
//
// A partition directory may be in any log dir; a new one goes to the first. Partition logs are
// opened lazily on first use, and cached. After a clean shutdown (the marker was there) opening
// one recovers nothing. Otherwise loadLogs() opens every partition of the dir at start-up, which
// validates each from its recovery point (partition-log.ts), as Kafka's LogManager.loadLogs
// does; only a dir whose partitions were all recovered gets the marker again at close.
// Knows nothing of the wire protocol.

import { ClusterMetadata, CLUSTER_METADATA_DIR, type PartitionMetadata, type TopicMetadata } from "./cluster-metadata.ts";
import { DiskFileSystem, type FileSystem } from "./fs.ts";
import { PartitionLog, type RetentionPolicy } from "./partition-log.ts";
import { OffsetCheckpoints } from "./offset-checkpoint.ts";
import { LogDirFailures, StorageError, messageOf } from "./log-dir-failures.ts";
import { GroupCommit } from "./group-commit.ts";
import { PartitionTraffic } from "./partition-traffic.ts";
import { processName } from "./file-lock.ts";
import type { HeldFileLock } from "./fs.ts";
import { REMOTE_DELETE_MARKER, type TieredStorage } from "./tiered/tiered-storage.ts";

/** The per-topic settings a partition log is opened (and reconfigured) with. */
export interface TopicLogSettings {
  segmentBytes?: number;
  indexIntervalBytes?: number;
  segmentMs?: number;
  segmentJitterMs?: number;
  fileDeleteDelayMs?: number;
  flushMessages?: number;
  flushMs?: number;
  /** remote.storage.enable, with the broker's tiered storage on: the logs get a remote tier. */
  remoteStorageEnable?: boolean;
}

export interface LogStoreConfig {
  logDirs: string[];
  segmentBytes?: number;
  indexIntervalBytes?: number;
  /** Settings of a topic's logs (topic configs over broker defaults); default: segment.bytes and index.interval.bytes of the topic, else the two above. */
  topicSettings?: (topic: string) => TopicLogSettings;
  fs?: FileSystem;
  log?: (msg: string) => void;
  /** The record of offline log dirs (Kafka's LogDirFailureChannel); default: a new one logging to `log`. */
  failures?: LogDirFailures;
  /** bunka.fsync.before.ack (default true): acknowledgements wait for the group commit. */
  fsyncBeforeAck?: boolean;
  /** Tiered storage (storage/tiered): attaches a remote tier to the logs of topics with remote.storage.enable. */
  tiered?: TieredStorage;
  /** This node's id: keeps the metadata log one Kafka's KRaft controller starts on (ClusterMetadataOptions.kraft). */
  nodeId?: number;
  /** The directory.id (32 hex digits) new PartitionRecords name, when set (ClusterMetadataOptions.kraft). */
  directoryId?: string;
}

export const LOG_START_OFFSET_CHECKPOINT = "log-start-offset-checkpoint";
export const CLEANER_OFFSET_CHECKPOINT = "cleaner-offset-checkpoint";
export const RECOVERY_POINT_OFFSET_CHECKPOINT = "recovery-point-offset-checkpoint";
/** Kafka's LogManager.LockFileName. */
export const LOCK_FILE = ".lock";
/** Kafka's CleanShutdownFileHandler.CLEAN_SHUTDOWN_FILE_NAME. */
export const CLEAN_SHUTDOWN_FILE = ".kafka_cleanshutdown";

/** Another process (or another store in this one) holds a log dir's `.lock`. */
export class LogDirLockedError extends Error {
  constructor(readonly dir: string, readonly holderPid: number | null) {
    const name = holderPid === null ? null : processName(holderPid);
    const holder = holderPid === null
      ? "another process"
      : `${holderPid === process.pid ? "this process" : "process"} ${holderPid}${name !== null ? ` (${name})` : ""}`;
    super(`log dir ${dir} is in use: ${holder} holds the lock on ${dir}/${LOCK_FILE} (another broker is running on it)`);
    this.name = "LogDirLockedError";
  }
}

export class LogStore {
  readonly metadata: ClusterMetadata;
  readonly logDirs: readonly string[];
  /** Which log dirs are offline (a failed write took them; see log-dir-failures.ts). */
  readonly failures: LogDirFailures;
  /** Client traffic of every partition log since the store opened (partition-traffic.ts). */
  readonly traffic = new PartitionTraffic();
  /** Retention passes (applyRetention) so far, and the segments and bytes they deleted. */
  readonly retentionActivity = { passes: 0, segmentsDeleted: 0, bytesDeleted: 0 };
  /** One group commit for every partition log (group-commit.ts). */
  readonly groupCommit = new GroupCommit();
  private readonly fs: FileSystem;
  private readonly config: LogStoreConfig;
  private readonly log: (msg: string) => void;
  /** Partition directory name -> the log dir that holds it (found at open). */
  private readonly existingDirs = new Map<string, string>();
  /** "<topicId>:<partition>" -> open log. */
  private readonly logs = new Map<string, PartitionLog>();
  /** log-start-offset-checkpoint of each log dir. */
  private readonly logStartOffsets: OffsetCheckpoints;
  /** cleaner-offset-checkpoint of each log dir: the first dirty offset of compacted partitions. */
  private readonly cleanerOffsets: OffsetCheckpoints;
  /** recovery-point-offset-checkpoint of each log dir. */
  private readonly recoveryPoints: OffsetCheckpoints;
  /** The `.lock` of every log dir, held until close. */
  private readonly locks: HeldFileLock[] = [];
  /** Log dirs whose last shutdown was clean (the marker was there at open). */
  private readonly cleanDirs = new Set<string>();
  /** Log dirs whose partitions were all opened (recovered) by loadLogs. */
  private readonly loadedDirs = new Set<string>();
  /** "<topicId>:<partition>" -> where the open log is: its log dir and partition directory name. */
  private readonly locations = new Map<string, { parent: string; name: string }>();

  private constructor(config: LogStoreConfig) {
    if (config.logDirs.length === 0) throw new Error("LogStore: no log dirs configured");
    this.config = config;
    this.logDirs = config.logDirs;
    this.fs = config.fs ?? new DiskFileSystem();
    this.log = config.log ?? (() => {});
    this.failures = config.failures ?? new LogDirFailures(this.log);
    // Kafka's LogManager: create the dirs, lock them all, then read anything.
    for (const dir of config.logDirs) {
      this.fs.mkdir(dir);
      const attempt = this.fs.tryLock(`${dir}/${LOCK_FILE}`);
      if (!attempt.acquired) {
        this.releaseLocks();
        throw new LogDirLockedError(dir, attempt.holderPid);
      }
      this.locks.push(attempt.lock);
      if (!attempt.lock.acrossProcesses) this.log(`${dir}/${LOCK_FILE}: locked within this process only (no POSIX lock here)`);
    }
    try {
      this.scanLogDirs();
      this.logStartOffsets = new OffsetCheckpoints(this.fs, config.logDirs, LOG_START_OFFSET_CHECKPOINT, this.log);
      this.cleanerOffsets = new OffsetCheckpoints(this.fs, config.logDirs, CLEANER_OFFSET_CHECKPOINT, this.log);
      this.recoveryPoints = new OffsetCheckpoints(this.fs, config.logDirs, RECOVERY_POINT_OFFSET_CHECKPOINT, this.log);
      const metadataDir = `${this.existingDirs.get(CLUSTER_METADATA_DIR) ?? config.logDirs[0]}/${CLUSTER_METADATA_DIR}`;
      this.metadata = ClusterMetadata.load({
        dir: metadataDir,
        fs: this.fs,
        log: this.log,
        logOptions: { segmentBytes: config.segmentBytes, indexIntervalBytes: config.indexIntervalBytes, failures: this.failures },
        kraft: config.nodeId === undefined ? undefined : { nodeId: config.nodeId, directoryId: config.directoryId },
      });
    } catch (e) {
      this.releaseLocks();
      throw e;
    }
  }

  /** Notes and deletes the clean shutdown markers, removes leftover deleted partitions, finds the partition directories. */
  private scanLogDirs(): void {
    for (const dir of this.logDirs) {
      // Kafka's loadLogs: remember whether the last shutdown was clean and delete the marker at
      // once, so that a crash while loading counts as unclean at the next start (KAFKA-10471).
      const marker = `${dir}/${CLEAN_SHUTDOWN_FILE}`;
      if (this.fs.exists(marker)) {
        this.cleanDirs.add(dir);
        this.fs.remove(marker);
        // Gone for good before anything is appended: after a power loss the marker must not
        // come back and make the next start skip recovery.
        this.fs.syncDir(dir);
      }
      for (const name of this.fs.list(dir)) {
        if (DELETE_DIR_RE.test(name)) {
          // A deleted topic's partition whose removal did not finish (a crash in deleteTopic).
          if (this.fs.exists(`${dir}/${name}/${REMOTE_DELETE_MARKER}`)) {
            // Its remote objects first (tiered-storage.ts); the dir goes once they are gone.
            if (this.config.tiered) {
              this.log(`finishing the deletion of ${dir}/${name}: its remote objects, then the directory`);
              void this.config.tiered.deletePartition(`${dir}/${name}`);
            } else this.log(`warn: ${dir}/${name} is kept: its remote objects are to be deleted, and tiered storage is off`);
            continue;
          }
          this.log(`removing ${dir}/${name}, a partition directory left over from a topic deletion`);
          this.fs.remove(`${dir}/${name}`);
          continue;
        }
        if (this.existingDirs.has(name)) {
          this.log(`partition directory ${name} exists in both ${this.existingDirs.get(name)} and ${dir}; using the first`);
          continue;
        }
        if (this.fs.isDirectory(`${dir}/${name}`)) this.existingDirs.set(name, dir);
      }
    }
  }

  /**
   * Locks the log dirs and loads the cluster metadata (synchronously). Throws LogDirLockedError
   * if another broker holds one of the dirs.
   */
  static open(config: LogStoreConfig): LogStore {
    return new LogStore(config);
  }

  /**
   * Opens, and so recovers, every partition log (of the topics in the metadata) in the log dirs
   * whose last shutdown was not clean (Kafka's LogManager.loadLogs); those of clean dirs stay
   * lazy. Call once at start-up, after the topic settings can be resolved. Returns how many
   * logs were recovered.
   */
  loadLogs(): number {
    const unclean = this.logDirs.filter((d) => !this.cleanDirs.has(d));
    for (const dir of this.logDirs) {
      if (this.cleanDirs.has(dir)) this.log(`skipping recovery of the logs in ${dir}: clean shutdown file found`);
    }
    let recovered = 0;
    const started = performance.now();
    for (const topic of [...this.metadata.topicsByName.values()]) {
      for (const p of topic.partitions) {
        const parent = this.existingDirs.get(`${topic.name}-${p.partitionId}`);
        if (parent === undefined || this.cleanDirs.has(parent) || this.logs.has(`${topic.topicId}:${p.partitionId}`)) continue;
        try {
          this.openPartition(topic, p.partitionId);
          recovered++;
        } catch (e) {
          // Its log dir is offline now (openPartition recorded it): the others still load.
          this.log(`warn: ${messageOf(e)}`);
        }
      }
    }
    if (unclean.length > 0) {
      for (const dir of unclean) if (!this.failures.isOffline(dir)) this.loadedDirs.add(dir);
      this.log(`recovered ${recovered} log(s) in ${unclean.join(",")} in ${(performance.now() - started).toFixed(0)} ms ` +
        "(no clean shutdown file was found)");
    }
    return recovered;
  }

  /**
   * Writes every open log's recovery point to its dir's recovery-point-offset-checkpoint (Kafka's
   * checkpointLogRecoveryOffsets); a dir whose file cannot be written keeps the old one (safe:
   * older recovery points only mean more recovery).
   */
  checkpointRecoveryPoints(): void {
    const byDir = new Map<string, { dir: string; partitionDir: string; offset: number }[]>();
    for (const [key, log] of this.logs) {
      const at = this.locations.get(key)!;
      let entries = byDir.get(at.parent);
      if (!entries) byDir.set(at.parent, (entries = []));
      entries.push({ dir: at.parent, partitionDir: at.name, offset: log.recoveryPoint });
    }
    for (const [dir, entries] of byDir) {
      this.writeCheckpoint(dir, RECOVERY_POINT_OFFSET_CHECKPOINT, () => this.recoveryPoints.setAll(entries));
    }
  }

  /**
   * The log of a partition known to the metadata, opened (and its directory created) on first
   * use. Throws StorageError if it cannot be opened (its log dir offline, or full).
   */
  partition(topic: string, partition: number): PartitionLog | undefined {
    const t = this.metadata.topicsByName.get(topic);
    return t ? this.openPartition(t, partition) : undefined;
  }

  /**
   * The log of a partition if it is open already, without opening (or creating) it: for views
   * that only look (the console). A partition not open since start-up was never written to
   * (loadLogs opens every partition directory there is), so its log is empty.
   */
  openedPartition(topic: string, partition: number): PartitionLog | undefined {
    const t = this.metadata.topicsByName.get(topic);
    return t ? this.logs.get(`${t.topicId}:${partition}`) : undefined;
  }

  /** The log dir holding a partition's directory, or the one its log would be created in. */
  logDirOf(topic: string, partition: number): string {
    return this.existingDirs.get(`${topic}-${partition}`) ?? this.logDirs[0]!;
  }

  partitionById(topicId: string, partition: number): PartitionLog | undefined {
    const t = this.metadata.topicsById.get(topicId);
    return t ? this.openPartition(t, partition) : undefined;
  }

  private openPartition(topic: TopicMetadata, partition: number): PartitionLog | undefined {
    const p = topic.partitions.find((x) => x.partitionId === partition);
    if (!p) return undefined;
    const key = `${topic.topicId}:${partition}`;
    let log = this.logs.get(key);
    if (log) {
      if (p.leaderEpoch >= 0) log.setLeaderEpoch(p.leaderEpoch);
      return log;
    }
    const name = `${topic.name}-${partition}`;
    const parent = this.existingDirs.get(name) ?? this.logDirs[0]!;
    try {
      log = this.openLog(topic, p, parent, name);
    } catch (e) {
      // A partition directory that cannot be created or recovered (Kafka's LogManager.getOrCreateLog
      // takes the dir offline on an IOException; see log-dir-failures.ts).
      throw this.failures.failure(parent, `opening ${parent}/${name}`, e);
    }
    this.existingDirs.set(name, parent);
    this.logs.set(key, log);
    this.locations.set(key, { parent, name });
    return log;
  }

  private openLog(topic: TopicMetadata, p: PartitionMetadata, parent: string, name: string): PartitionLog {
    const settings = this.settingsOf(topic.name);
    const remote = (settings.remoteStorageEnable ?? false) && this.config.tiered !== undefined;
    const log = PartitionLog.open(`${parent}/${name}`, {
      fs: this.fs,
      log: this.log,
      topicId: topic.topicId,
      leaderEpoch: p.leaderEpoch >= 0 ? p.leaderEpoch : undefined,
      ...settings,
      remoteLogEnabled: remote,
      logStartOffset: this.logStartOffsets.get(parent, name),
      onLogStartOffsetChange: (offset) => this.writeCheckpoint(parent, LOG_START_OFFSET_CHECKPOINT, () => this.logStartOffsets.set(parent, name, offset)),
      failures: this.failures,
      groupCommit: this.groupCommit,
      fsyncBeforeAck: this.config.fsyncBeforeAck ?? true,
      hadCleanShutdown: this.cleanDirs.has(parent),
      recoveryPoint: this.recoveryPoints.get(parent, name),
      brokerTraffic: this.traffic,
    });
    if (remote) this.config.tiered!.attach(log, topic.name, p.partitionId, topic.topicId);
    return log;
  }

  /**
   * Deletes a topic (DeleteTopics), in an order that never leaves its data where a topic of the
   * same name created later would find it: close the open partition logs (dropping their mmaps:
   * Bun crashes when a mapped file goes away), rename each partition directory to Kafka's
   * `<topic>-<p>.<32 hex>-delete`, write the RemoveTopicRecord (renames undone if that fails),
   * then remove the renamed directories (Kafka does this asynchronously; here at once). A
   * `-delete` directory left by a crash is removed when the store is next opened. With tiered
   * storage, a partition that has remote segment metadata is marked first, and its `-delete`
   * directory goes only once its remote objects are deleted (TieredStorage.deletePartition). Returns the
   * topic and the logs that were closed, or undefined for an unknown topic id.
   */
  deleteTopic(topicId: string): { topic: TopicMetadata; closed: PartitionLog[] } | undefined {
    const topic = this.metadata.topicsById.get(topicId);
    if (!topic) return undefined;
    const closed: PartitionLog[] = [];
    /** Per partition dir name: the stop of its remote tier (a copy under way ends before the objects are deleted). */
    const tiersStopped = new Map<string, Promise<void>>();
    for (const p of topic.partitions) {
      const key = `${topic.topicId}:${p.partitionId}`;
      const log = this.logs.get(key);
      if (!log) continue;
      if (this.config.tiered) tiersStopped.set(`${topic.name}-${p.partitionId}`, this.config.tiered.detach(log));
      log.close();
      this.logs.delete(key);
      this.locations.delete(key);
      closed.push(log);
    }
    const renamed: { name: string; from: string; to: string; remote: boolean }[] = [];
    try {
      for (const p of topic.partitions) {
        const name = `${topic.name}-${p.partitionId}`;
        const parent = this.existingDirs.get(name);
        if (parent === undefined || !this.fs.isDirectory(`${parent}/${name}`)) continue;
        // Before the rename: a crash from here on leaves a trace of the remote objects to delete.
        const remote = this.config.tiered?.markForDeletion(`${parent}/${name}`, topic.name, p.partitionId, topic.topicId) ?? false;
        const to = `${parent}/${deleteDirName(name)}`;
        this.fs.rename(`${parent}/${name}`, to);
        renamed.push({ name, from: `${parent}/${name}`, to, remote });
      }
      this.metadata.deleteTopic(topicId);
    } catch (e) {
      for (const r of renamed.reverse()) this.fs.rename(r.to, r.from);
      throw e;
    }
    for (const r of renamed) {
      this.existingDirs.delete(r.name);
      const parent = r.from.slice(0, r.from.length - r.name.length - 1);
      this.logStartOffsets.delete(parent, r.name);
      this.cleanerOffsets.delete(parent, r.name);
      this.recoveryPoints.delete(parent, r.name);
      try {
        // Kept, with its marker only, until its remote objects are gone (tiered-storage.ts).
        if (r.remote) void this.config.tiered!.deletePartition(r.to, tiersStopped.get(r.name));
        else this.fs.remove(r.to);
      } catch (e) {
        this.log(`could not remove ${r.to}: ${(e as Error).message}; it is removed at the next start`);
      }
    }
    return { topic, closed };
  }

  private settingsOf(topic: string): TopicLogSettings {
    if (this.config.topicSettings) return this.config.topicSettings(topic);
    // Topic configs (ConfigRecord) override the broker defaults, as in Kafka.
    const configs = this.metadata.topicConfigs.get(topic);
    return {
      segmentBytes: intConfig(configs, "segment.bytes") ?? this.config.segmentBytes,
      indexIntervalBytes: intConfig(configs, "index.interval.bytes") ?? this.config.indexIntervalBytes,
    };
  }

  /** Applies a topic's changed settings to its open logs at once. */
  reconfigure(topic: string): void {
    const t = this.metadata.topicsByName.get(topic);
    if (!t) return;
    const settings = this.settingsOf(topic);
    for (const p of t.partitions) {
      const log = this.logs.get(`${t.topicId}:${p.partitionId}`);
      log?.configure(settings);
      // remote.storage.enable turned on (Kafka allows enabling it on an existing topic).
      if (log && settings.remoteStorageEnable && this.config.tiered) this.config.tiered.attach(log, topic, p.partitionId, t.topicId);
    }
  }

  /**
   * One retention pass (Kafka's LogManager.cleanupLogs): every partition of every topic, opened
   * if need be, loses the segments its policy no longer keeps. Returns the segments deleted.
   */
  applyRetention(policyFor: (topic: string) => RetentionPolicy, now: number): number {
    let deleted = 0;
    for (const topic of [...this.metadata.topicsByName.values()]) {
      const policy = policyFor(topic.name);
      for (const p of topic.partitions) {
        const log = this.openPartition(topic, p.partitionId);
        if (!log) continue;
        const before = log.sizeInBytes;
        const n = log.deleteOldSegments(policy, now);
        if (n > 0) {
          deleted += n;
          this.retentionActivity.bytesDeleted += before - log.sizeInBytes;
        }
      }
    }
    this.retentionActivity.passes++;
    this.retentionActivity.segmentsDeleted += deleted;
    return deleted;
  }

  /**
   * Every open partition log, with its topic name: every partition with a directory (loadLogs
   * opens them all at start-up) and every one written since. A partition never written has no
   * log to clean, retain or measure; opening it would create its directory, which for a broker
   * with 1,000 topics stalled the event loop for seconds at each cleaner pass and scrape.
   */
  *openedPartitions(): Generator<{ topic: string; partition: number; log: PartitionLog }> {
    for (const topic of [...this.metadata.topicsByName.values()]) {
      for (const p of topic.partitions) {
        const log = this.logs.get(`${topic.topicId}:${p.partitionId}`);
        if (log) yield { topic: topic.name, partition: p.partitionId, log };
      }
    }
  }

  /** The log cleaner's first dirty offset of a partition (cleaner-offset-checkpoint), if any. */
  firstDirtyOffset(topic: string, partition: number): number | undefined {
    const name = `${topic}-${partition}`;
    const parent = this.existingDirs.get(name);
    return parent === undefined ? undefined : this.cleanerOffsets.get(parent, name);
  }

  setFirstDirtyOffset(topic: string, partition: number, offset: number): void {
    const name = `${topic}-${partition}`;
    const parent = this.existingDirs.get(name);
    if (parent !== undefined) this.writeCheckpoint(parent, CLEANER_OFFSET_CHECKPOINT, () => this.cleanerOffsets.set(parent, name, offset));
  }

  /**
   * Writes a checkpoint file (atomically: temp, fsync, rename). One that fails leaves the old
   * file, which is safe to start from (an older log start offset or first dirty offset), and is
   * logged; a failure other than a full disk takes the log dir offline (Kafka's
   * OffsetCheckpointFile turns every IOException into a KafkaStorageException).
   */
  private writeCheckpoint(logDir: string, file: string, write: () => void): void {
    if (this.failures.isOffline(logDir)) return;
    try {
      write();
    } catch (e) {
      const failure = this.failures.failure(logDir, `${logDir}/${file}`, e);
      if (!(failure instanceof StorageError)) throw failure;
      this.log(`warn: ${failure.message}; left as it was`);
    }
  }

  /** flush.ms: starts a background flush of every open log whose oldest unflushed append is due. */
  flushDue(now: number): void {
    for (const log of this.logs.values()) log.flushIfDue(now);
  }

  /** fsyncs every open log (their recovery points move to their log ends). */
  flush(): void {
    for (const log of this.logs.values()) log.flush();
    this.metadata.metadataLog?.flush();
  }

  /**
   * Clean shutdown (Kafka's LogManager.shutdown): final index entries, fsync and close every open
   * log and the metadata log, checkpoint the recovery points, write the clean shutdown marker in
   * every dir that had one or whose logs were all recovered, and unlock the dirs. A log whose
   * files cannot be written is still closed (PartitionLog.close); its dir gets no marker, so it
   * is recovered at the next start.
   */
  close(): void {
    try {
      const failed = new Set<string>();
      for (const [key, log] of this.logs) {
        try {
          if (!log.close()) failed.add(this.locations.get(key)!.parent);
        } catch (e) {
          failed.add(this.locations.get(key)!.parent);
          this.log(`warn: closing ${log.dir}: ${messageOf(e)}`);
        }
      }
      this.checkpointRecoveryPoints();
      this.logs.clear();
      this.locations.clear();
      this.metadata.close();
      const content = new TextEncoder().encode(JSON.stringify({ version: 0, brokerEpoch: -1 }));
      for (const dir of this.logDirs) {
        if (failed.has(dir) || this.failures.isOffline(dir)) continue;
        if (this.cleanDirs.has(dir) || this.loadedDirs.has(dir)) {
          this.writeCheckpoint(dir, CLEAN_SHUTDOWN_FILE, () => this.fs.writeFileAtomic(`${dir}/${CLEAN_SHUTDOWN_FILE}`, content));
        }
      }
    } finally {
      this.releaseLocks();
    }
  }

  private releaseLocks(): void {
    for (const lock of this.locks.splice(0)) {
      try {
        lock.release();
      } catch (e) {
        this.log(`could not release ${lock.path}: ${messageOf(e)}`);
      }
    }
  }
}

/** Kafka's UnifiedLog.logDeleteDirName: the name capped so that the whole stays within 255 characters. */
function deleteDirName(partitionDirName: string): string {
  const suffix = `.${crypto.randomUUID().replaceAll("-", "")}-delete`;
  return `${partitionDirName.slice(0, 255 - suffix.length)}${suffix}`;
}

/** A partition directory renamed for deletion (by Kafka or by deleteTopic). */
export const DELETE_DIR_RE = /\.[0-9a-f]{32}-delete$/;

function intConfig(configs: Map<string, string> | undefined, key: string): number | undefined {
  const v = configs?.get(key);
  if (v === undefined) return undefined;
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
