// remote.log.copy.disable (KIP-950) on a tiered topic: the task uploads nothing more, the remote
// segments stay readable, local retention is retention.ms / retention.bytes again (for segments
// uploaded or not) and moves the log start offset, and the remote segments that fall below it go
// at the next remote pass. Turned off again, uploads resume where they stopped.

import { expect, test } from "bun:test";
import { MemoryFileSystem } from "../../../src/storage/fs.ts";
import { LogStore } from "../../../src/storage/log-store.ts";
import type { RetentionPolicy } from "../../../src/storage/partition-log.ts";
import { MemoryObjectStore } from "../../../src/storage/tiered/memory-object-store.ts";
import { TieredStorage } from "../../../src/storage/tiered/tiered-storage.ts";
import { RecordBatchView } from "../../../src/records/record-batch.ts";
import { batchOf } from "../batches.ts";

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

test("copies stop, remote reads go on, local retention falls back to retention.ms and moves the log start", async () => {
  const fs = new MemoryFileSystem();
  const store = new MemoryObjectStore();
  const tiered = new TieredStorage({ store, fs });
  const logs = LogStore.open({
    logDirs: ["/logs"], fs, tiered, nodeId: 1,
    topicSettings: () => ({ segmentBytes: 1500, fileDeleteDelayMs: 0, remoteStorageEnable: true }),
  });
  logs.metadata.createTopic("t", 1, { nodeId: 1 });
  const log = logs.partition("t", 0)!;
  // Batch i (one segment each) stamped T0 + i hours.
  const fill = (from: number, n: number) => {
    for (let i = from; i < from + n; i++) log.append(batchOf(10, { timestamp: T0 + i * HOUR, valueSize: 100 }));
  };
  fill(0, 4);
  let policy: RetentionPolicy = { deleteEnabled: true, retentionMs: 9 * HOUR, retentionBytes: -1, remoteStorageEnable: true, localRetentionBytes: 0 };
  await tiered.runOnce(() => policy, T0 + 4 * HOUR);
  expect(tiered.tierOf(log)!.highestCopiedOffset).toBe(29);
  log.deleteOldSegments(policy, T0 + 4 * HOUR);
  expect([log.logStartOffset, log.localLogStartOffset]).toEqual([0, 30]);

  // Copies disabled: new sealed segments stay local only, the remote ones stay readable.
  policy = { ...policy, remoteLogCopyDisable: true };
  fill(4, 4);
  const puts = store.counts.put;
  const run = await tiered.runOnce(() => policy, T0 + 8 * HOUR);
  expect(run.copiedSegments).toBe(0);
  expect(store.counts.put).toBe(puts);
  expect(tiered.tierOf(log)!.highestCopiedOffset).toBe(29);
  const remote = await log.readRemote(0, 10_000, true, false);
  if (remote === "out-of-range" || remote === "expired") throw new Error(remote);
  expect(new RecordBatchView(remote.batches[0]!).baseOffset).toBe(0);

  // Local retention is retention.ms (9 h) now, not local.retention.bytes=0: at hour 13.5, batches
  // 0..4 are older than 9 h; 30..49 are local and go though never uploaded, and the log start moves.
  const now = T0 + 13.5 * HOUR;
  expect(log.deleteOldSegments(policy, now)).toBe(2);
  expect(log.segmentBaseOffsets[0]).toBe(50);
  expect(log.logStartOffset).toBe(50);
  // The remote segments below the log start go at the next remote pass.
  const expired = await tiered.runOnce(() => policy, now);
  expect(expired.deletedSegments).toBe(3);
  expect(store.keys()).toEqual([]);

  // Copies enabled again: uploads resume above what is there.
  policy = { ...policy, remoteLogCopyDisable: false };
  const resumed = await tiered.runOnce(() => policy, now);
  expect(resumed.copiedSegments).toBe(log.sealedSegments().length);
  expect(tiered.tierOf(log)!.remoteStartOffset).toBe(50);
  logs.close();
});
