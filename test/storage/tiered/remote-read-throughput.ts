// A first measurement for issue 15 item 4 (not a test; run by hand):
//   bun test/storage/tiered/remote-read-throughput.ts [MiB]
// Writes MiB (default 32) of 1 KiB records into a partition log on disk (1 MiB segments), reads
// it all locally (PartitionLog.read, 1 MiB at a time), uploads every sealed segment to the S3 test
// server (test/support/s3-server.ts), deletes the local copies, and reads it all again from the
// bucket (PartitionLog.readRemote through a cold chunk cache). Prints MB/s of each and the ratio.
// Storage level only: no broker, no client, no network but loopback to the S3 server.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskFileSystem } from "../../../src/storage/fs.ts";
import { PartitionLog } from "../../../src/storage/partition-log.ts";
import { RecordBatchView } from "../../../src/records/record-batch.ts";
import { S3ObjectStore } from "../../../src/storage/tiered/s3-object-store.ts";
import { RemoteChunkCache } from "../../../src/storage/tiered/remote-chunk-cache.ts";
import { RemotePartitionLog } from "../../../src/storage/tiered/remote-partition-log.ts";
import { S3TestServer, s3ServerBinary } from "../../support/s3-server.ts";
import { batchOf } from "../batches.ts";

const mib = Number(process.argv[2] ?? 32);
const binary = s3ServerBinary();
if (binary === null) throw new Error("no S3 test server (test/support/s3-server-dist.sh needs Go)");
const server = await S3TestServer.start(binary);
const dir = mkdtempSync(join(tmpdir(), "bunka-tier-bench-"));
try {
  const fs = new DiskFileSystem();
  const log = PartitionLog.open(`${dir}/t-0`, { fs, segmentBytes: 1 << 20, fileDeleteDelayMs: 0, remoteLogEnabled: true });
  const batch = () => batchOf(16, { valueSize: 1024 });
  while (log.sizeInBytes < mib * (1 << 20)) log.append(batch());
  log.roll();
  const total = log.sizeInBytes;

  async function readAll(remote: boolean): Promise<number> {
    let next = 0, bytes = 0;
    const started = performance.now();
    while (next < log.nextOffset) {
      const read = remote ? await log.readRemote(next, 1 << 20, true, false) : log.read(next, 1 << 20, true);
      if (read === "out-of-range" || read === "expired" || read.batches.length === 0) throw new Error(`stuck at ${next}`);
      for (const b of read.batches) {
        bytes += b.length;
        next = new RecordBatchView(b).nextOffset;
      }
    }
    if (bytes !== total) throw new Error(`read ${bytes} of ${total} bytes`);
    return (bytes / 1e6) / ((performance.now() - started) / 1000);
  }

  const local = await readAll(false);
  const store = new S3ObjectStore({ ...server.settings, prefix: "bench/" });
  const tier = new RemotePartitionLog(log, { fs, store, cache: new RemoteChunkCache(store), partitionKey: "t-0-bench", fetchMaxWaitMs: 60_000 });
  log.attachRemote(tier);
  const upStarted = performance.now();
  await tier.copy(Date.now());
  const upload = (total / 1e6) / ((performance.now() - upStarted) / 1000);
  log.deleteOldSegments({ deleteEnabled: true, retentionMs: -1, retentionBytes: -1, remoteStorageEnable: true, localRetentionBytes: 0 }, Date.now());
  const remote = await readAll(true);
  console.log(`${(total / (1 << 20)).toFixed(1)} MiB, ${log.segmentCount} local segment(s) left: local read ${local.toFixed(0)} MB/s, ` +
    `upload ${upload.toFixed(0)} MB/s, remote read (cold cache) ${remote.toFixed(0)} MB/s, remote/local ${(remote / local).toFixed(3)}`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
