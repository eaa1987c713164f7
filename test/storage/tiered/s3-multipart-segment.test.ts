// A segment larger than an upload part through the remote tier to a real S3-compatible server
// (test/support/s3-server.ts): RemotePartitionLog.copy streams it as a multipart upload, the .log
// object is the local file byte for byte, and once the local copy is gone a consumer from offset
// 0 reads every record back from the bucket. The memory side is measured by upload-memory.ts.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskFileSystem } from "../../../src/storage/fs.ts";
import { PartitionLog } from "../../../src/storage/partition-log.ts";
import { RecordBatchView } from "../../../src/records/record-batch.ts";
import { UPLOAD_PART_BYTES } from "../../../src/storage/tiered/object-store.ts";
import { S3ObjectStore } from "../../../src/storage/tiered/s3-object-store.ts";
import { RemoteChunkCache } from "../../../src/storage/tiered/remote-chunk-cache.ts";
import { RemotePartitionLog } from "../../../src/storage/tiered/remote-partition-log.ts";
import { LOG_SUFFIX, segmentFileName } from "../../../src/storage/segment.ts";
import { S3TestServer, s3ServerBinary } from "../../support/s3-server.ts";
import { batchOf } from "../batches.ts";

const binary = s3ServerBinary();
if (binary === null) console.warn("s3-multipart-segment.test.ts: SKIPPED: no S3 test server (test/support/s3-server-dist.sh needs Go)");

describe.skipIf(binary === null)("a multipart segment upload against a real S3 server", () => {
  let server: S3TestServer;
  let dir: string;
  beforeAll(async () => {
    server = await S3TestServer.start(binary!);
    dir = mkdtempSync(join(tmpdir(), "bunka-multipart-"));
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("a segment of 2.5 parts is uploaded in parts and read back from the bucket", async () => {
    const fs = new DiskFileSystem();
    const segmentBytes = Math.floor(2.5 * UPLOAD_PART_BYTES);
    const log = PartitionLog.open(`${dir}/t-0`, { fs, segmentBytes, fileDeleteDelayMs: 0, remoteLogEnabled: true });
    const store = new S3ObjectStore({ ...server.settings, prefix: "mp/" });
    const tier = new RemotePartitionLog(log, { fs, store, cache: new RemoteChunkCache(store, 4 << 20), partitionKey: "t-0-x", fetchMaxWaitMs: 30_000 });
    log.attachRemote(tier);
    try {
      while (log.segmentBaseOffsets.length < 2) log.append(batchOf(16, { valueSize: 16 * 1024 }));
      const sealed = log.sealedSegments()[0]!;
      expect(sealed.size).toBeGreaterThan(2 * UPLOAD_PART_BYTES);
      const local = new Uint8Array(readFileSync(`${dir}/t-0/${segmentFileName(0, LOG_SUFFIX)}`));
      const copied = await tier.copy(Date.now());
      expect(copied).toEqual({ segments: 1, bytes: sealed.size, error: null });
      const remote = tier.metadata.finished[0]!;
      const back = await store.get(tier.objectKey(remote, LOG_SUFFIX));
      expect(back.length).toBe(local.length);
      expect(Bun.hash(back)).toBe(Bun.hash(local));
      // The local copy goes; every record is read back from the bucket.
      expect(log.deleteOldSegments({ deleteEnabled: true, retentionMs: -1, retentionBytes: -1, remoteStorageEnable: true, localRetentionBytes: 0 }, Date.now())).toBe(1);
      let next = 0;
      while (next < sealed.endOffset) {
        const read = await log.readRemote(next, 1 << 20, true, false);
        if (read === "out-of-range" || read === "expired") throw new Error(`${read} at ${next}`);
        for (const b of read.batches) next = new RecordBatchView(b).nextOffset;
      }
      expect(next).toBe(sealed.endOffset);
    } finally {
      log.close();
    }
  }, 60_000);
});
