// Deleting a topic deletes its remote objects (tiered-storage.ts, LogStore.deleteTopic): Kafka's
// RemoteLogManager deletes every remote segment of a deleted topic-id partition. On
// MemoryFileSystem and MemoryObjectStore: the objects of the deleted topic go and no other
// topic's; a copy under way when the topic is deleted puts nothing after the deletion; the bucket
// unreachable or a crash in the middle of the deletion leaves the `-delete` dir with its marker,
// and the deletion is finished at the next task run or the next start.

import { describe, expect, test } from "bun:test";
import { MemoryFileSystem } from "../../../src/storage/fs.ts";
import { LogStore } from "../../../src/storage/log-store.ts";
import type { RetentionPolicy } from "../../../src/storage/partition-log.ts";
import { MemoryObjectStore } from "../../../src/storage/tiered/memory-object-store.ts";
import { REMOTE_DELETE_MARKER, TieredStorage } from "../../../src/storage/tiered/tiered-storage.ts";
import { batchOf } from "../batches.ts";

const ROOT = "/logs";
const KEEP_ALL: RetentionPolicy = { deleteEnabled: true, retentionMs: -1, retentionBytes: -1, remoteStorageEnable: true };

/** The state a kill -9 keeps (file system, bucket) and a broker opened on it. */
class Node {
  readonly fs = new MemoryFileSystem();
  readonly store = new MemoryObjectStore();
  readonly lines: string[] = [];
  tiered!: TieredStorage;
  logs!: LogStore;

  constructor() {
    this.open();
  }

  open(): void {
    const log = (m: string) => this.lines.push(m);
    this.tiered = new TieredStorage({ store: this.store, fs: this.fs, log });
    this.logs = LogStore.open({
      logDirs: [ROOT], fs: this.fs, tiered: this.tiered, log, nodeId: 1,
      topicSettings: () => ({ segmentBytes: 1500, remoteStorageEnable: true, fileDeleteDelayMs: 0 }),
    });
  }

  crash(): void {
    this.fs.crash();
    this.open();
  }

  /** A topic of `partitions` partitions, each with `segments` sealed segments, uploaded. */
  async topicWithRemoteSegments(name: string, partitions: number, segments: number): Promise<string> {
    const t = this.logs.metadata.createTopic(name, partitions, { nodeId: 1 });
    for (let p = 0; p < partitions; p++) {
      const log = this.logs.partition(name, p)!;
      for (let i = 0; i <= segments; i++) log.append(batchOf(10, { valueSize: 100 }));
    }
    const run = await this.tiered.runOnce(() => KEEP_ALL);
    expect(run.errors).toEqual([]);
    return t.topicId;
  }

  keysOf(topic: string, topicId: string): string[] {
    return this.store.keys().filter((k) => k.startsWith(`${topic}-`) && k.includes(`-${topicId}/`));
  }

  deleteDirs(): string[] {
    return this.fs.list(ROOT).filter((n) => n.endsWith("-delete"));
  }
}

/** Waits (at most 5 s) for `done`. */
async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !done() && Date.now() < deadline;) await Bun.sleep(5);
}

describe("deleting a topic deletes its remote objects", () => {
  test("every object of the topic goes, then its dirs; another topic's stay", async () => {
    const n = new Node();
    const tId = await n.topicWithRemoteSegments("t", 2, 3);
    const uId = await n.topicWithRemoteSegments("u", 1, 2);
    expect(n.keysOf("t", tId).length).toBe(2 * 3 * 6);
    const uKeys = n.keysOf("u", uId);
    expect(uKeys.length).toBe(2 * 6);
    n.logs.deleteTopic(tId);
    await until(() => n.deleteDirs().length === 0);
    expect(n.keysOf("t", tId)).toEqual([]);
    expect(n.keysOf("u", uId)).toEqual(uKeys);
    expect(n.deleteDirs()).toEqual([]);
    expect(n.tiered.pendingPartitionDeletions).toEqual([]);
    expect(n.tiered.activity.deletedPartitions).toBe(2);
  });

  test("a copy under way when the topic is deleted puts nothing after the deletion", async () => {
    const n = new Node();
    const t = n.logs.metadata.createTopic("t", 1, { nodeId: 1 });
    const log = n.logs.partition("t", 0)!;
    for (let i = 0; i < 6; i++) log.append(batchOf(10, { valueSize: 100 }));
    n.store.partBytes = 100;
    // The topic is deleted while the copy is in the middle of a segment's .log (its third part).
    let parts = 0;
    n.store.before = (op, key) => {
      if (op === "part" && key.endsWith(".log") && ++parts === 3) n.logs.deleteTopic(t.topicId);
    };
    const run = n.tiered.runOnce(() => KEEP_ALL);
    expect((await run).copiedSegments).toBe(0);
    expect(parts).toBeGreaterThanOrEqual(3);
    await until(() => n.deleteDirs().length === 0);
    expect(n.deleteDirs()).toEqual([]);
    expect(n.keysOf("t", t.topicId)).toEqual([]);
    // Nothing arrives later either.
    await Bun.sleep(20);
    expect(n.store.keys()).toEqual([]);
  });

  test("the bucket unreachable: the dir and its marker stay (segments gone from disk), the next task run finishes", async () => {
    const n = new Node();
    const tId = await n.topicWithRemoteSegments("t", 1, 3);
    n.store.unreachable = true;
    n.logs.deleteTopic(tId);
    await until(() => n.lines.some((l) => l.includes("deleting the remote objects of a deleted partition stopped")));
    const [dir] = n.deleteDirs();
    expect(dir).toBeDefined();
    expect(n.fs.list(`${ROOT}/${dir}`)).toEqual([REMOTE_DELETE_MARKER]);
    expect(n.keysOf("t", tId).length).toBe(3 * 6);
    expect((await n.tiered.runOnce(() => KEEP_ALL)).errors.length).toBe(1);
    n.store.unreachable = false;
    const run = await n.tiered.runOnce(() => KEEP_ALL);
    expect(run.deletedPartitions).toBe(1);
    expect(n.keysOf("t", tId)).toEqual([]);
    expect(n.deleteDirs()).toEqual([]);
  });

  test("a crash in the middle of the deletion: finished at the next start", async () => {
    const n = new Node();
    const tId = await n.topicWithRemoteSegments("t", 1, 3);
    let deletes = 0;
    n.store.before = (op) => {
      if (op === "delete" && ++deletes === 7) throw new Error("killed");
    };
    n.logs.deleteTopic(tId);
    await until(() => deletes >= 7);
    n.store.before = null;
    expect(n.keysOf("t", tId).length).toBe(3 * 6 - 6);
    expect(n.deleteDirs().length).toBe(1);
    n.crash();
    await until(() => n.deleteDirs().length === 0);
    expect(n.keysOf("t", tId)).toEqual([]);
    expect(n.deleteDirs()).toEqual([]);
    expect(n.lines.some((l) => l.includes("finishing the deletion of"))).toBe(true);
    // The topic is gone and a new one of the same name starts empty, with a new prefix.
    expect(n.logs.metadata.topicsByName.has("t")).toBe(false);
    const again = await n.topicWithRemoteSegments("t", 1, 1);
    expect(again).not.toBe(tId);
    expect(n.keysOf("t", again).length).toBe(6);
  });

  test("a crash right after the marker and the rename, before any object was deleted: finished at the next start", async () => {
    const n = new Node();
    const tId = await n.topicWithRemoteSegments("t", 2, 2);
    // Deletes fail: nothing is deleted before the crash.
    n.store.failWhen = (op) => op === "delete" || op === "list";
    n.logs.deleteTopic(tId);
    await until(() => n.lines.filter((l) => l.includes("stopped")).length >= 2);
    n.store.failWhen = null;
    expect(n.keysOf("t", tId).length).toBe(2 * 2 * 6);
    n.crash();
    await until(() => n.deleteDirs().length === 0);
    expect(n.keysOf("t", tId)).toEqual([]);
  });

  test("a topic that never had a remote segment leaves no marker and its dirs go at once", async () => {
    const n = new Node();
    const t = n.logs.metadata.createTopic("t", 1, { nodeId: 1 });
    n.logs.partition("t", 0)!.append(batchOf(1));
    n.logs.deleteTopic(t.topicId);
    expect(n.deleteDirs()).toEqual([]);
    expect(n.tiered.pendingPartitionDeletions).toEqual([]);
  });
});
