// What a failed write does to a log dir (Kafka's LogDirFailureChannel and KafkaStorageException).
//
// Kafka takes a log dir offline at its first IOException: its partitions stop serving (clients
// get KAFKA_STORAGE_ERROR, 56) until the broker restarts, and when no log dir is left, or the
// failed one holds the metadata log, the broker halts (LogManager.handleLogDirFailure: "Shutdown
// broker because all log dirs in ... have failed"; ReplicaManager.handleLogDirFailure: "...
// because the metadata log dir ... has failed"). A multi-broker cluster then serves from other
// replicas. A single-node Bunka has no other replica, so Bunka splits the failures in two:
//
// - Out of space (ENOSPC, EDQUOT) when the write could be undone (the file truncated back to its
//   last whole batch, see Segment.append): the append is refused with KAFKA_STORAGE_ERROR and
//   the log stays as it was, so the next append tries again and succeeds once space is freed.
//   A full disk is the expected, operator-fixable failure; halting (Kafka's answer with one
//   log dir) would also stop every consumer from reading what is already acknowledged, and
//   gain nothing, since the log holds no byte that a later append could follow.
// - Anything else (EIO, EROFS, a failed fsync, or a full disk whose write could not be undone):
//   the log dir goes offline as in Kafka, and every write to it (partition appends, rolls,
//   metadata records, group commits) is refused with KAFKA_STORAGE_ERROR until restart. The
//   device can no longer be trusted (after a failed fsync Linux may drop the dirty pages), so
//   nothing more is written there. Unlike Kafka, the process does not halt and reads go on:
//   they stop at each log's last whole batch, which is what a restart would recover anyway.
//
// Offline log dirs are announced as events (onOffline), not kept in a module-global map.

/** Kafka's KafkaStorageException: a write refused because of its log dir's storage. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    message: string,
    /** The log dir (parent of the partition directory). */
    readonly logDir: string,
    /** True if the log dir is now offline (writes refused until restart). */
    readonly offline: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Thrown by a write that failed and whose partial bytes could not be removed. */
export class TornWriteError extends Error {
  override readonly name = "TornWriteError";
  constructor(readonly path: string, readonly writeError: unknown, readonly undoError: unknown) {
    super(`${path}: write failed (${messageOf(writeError)}) and could not be undone (${messageOf(undoError)})`, { cause: writeError });
  }
}

/** ENOSPC or EDQUOT: the disk (or quota) is full. */
export function isOutOfSpace(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT";
}

/** An error from the file system (node:fs's errno codes: ENOSPC, EIO, EROFS, ...). */
export function isIoError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^E[A-Z0-9]+$/.test(code);
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Kafka's LogDirFailureChannel: which log dirs are offline, and who wants to hear of it. */
export class LogDirFailures {
  private readonly offlineDirs = new Map<string, string>();
  private readonly listeners = new Set<(logDir: string, reason: string) => void>();

  constructor(private readonly log: (msg: string) => void = () => {}) {}

  isOffline(logDir: string): boolean {
    return this.offlineDirs.has(logDir);
  }

  /** The offline log dirs and why each went offline. */
  get offline(): ReadonlyMap<string, string> {
    return this.offlineDirs;
  }

  /** Takes a log dir offline (once; later calls change nothing) and tells the listeners. */
  markOffline(logDir: string, reason: string): void {
    if (this.offlineDirs.has(logDir)) return;
    this.offlineDirs.set(logDir, reason);
    this.log(`log dir ${logDir} is offline until restart (writes to it are refused with KAFKA_STORAGE_ERROR): ${reason}`);
    for (const listener of [...this.listeners]) listener(logDir, reason);
  }

  /** Calls `listener` when a log dir goes offline; returns the function that unsubscribes. */
  onOffline(listener: (logDir: string, reason: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The StorageError for a failed write in `logDir`, taking the dir offline unless the failure
   * was a full disk whose write was undone (see the file comment). An error that is not an I/O
   * error (no errno code: a bug) is returned as it is and changes nothing here.
   */
  failure(logDir: string, what: string, e: unknown): Error {
    if (e instanceof StorageError) return e;
    if (!(e instanceof TornWriteError) && !isIoError(e)) return e instanceof Error ? e : new Error(String(e));
    const undone = !(e instanceof TornWriteError);
    if (!(undone && isOutOfSpace(e))) this.markOffline(logDir, `${what}: ${messageOf(e)}`);
    return new StorageError(`${what}: ${messageOf(e)}`, logDir, this.isOffline(logDir), { cause: e });
  }

  /** Throws a StorageError if `logDir` is offline. */
  checkOnline(logDir: string, what: string): void {
    const reason = this.offlineDirs.get(logDir);
    if (reason !== undefined) throw new StorageError(`${what}: log dir ${logDir} is offline (${reason})`, logDir, true);
  }
}
