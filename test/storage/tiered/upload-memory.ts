// A measurement for issue 15 item 3 "bounded memory for uploads" (not a test; run by hand):
//   bun test/storage/tiered/upload-memory.ts [MiB] [stream|whole]
// Writes one segment of MiB (default 256) into a partition log on disk, rolls it, starts the S3
// test server (test/support/s3-server.ts) and uploads the segment: `stream` through the remote
// tier (RemotePartitionLog.copy: ObjectStore.upload, a part at a time), `whole` the way the
// first version did (the file read into memory, then one PutObject). Prints this process's RSS
// before, the highest seen during the upload (sampled every 10 ms) and after. Run each mode in a
// process of its own.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskFileSystem } from "../../../src/storage/fs.ts";
import { PartitionLog } from "../../../src/storage/partition-log.ts";
import { S3ObjectStore } from "../../../src/storage/tiered/s3-object-store.ts";
import { RemoteChunkCache } from "../../../src/storage/tiered/remote-chunk-cache.ts";
import { RemotePartitionLog } from "../../../src/storage/tiered/remote-partition-log.ts";
import { segmentFileName, LOG_SUFFIX } from "../../../src/storage/segment.ts";
import { S3TestServer, s3ServerBinary } from "../../support/s3-server.ts";
import { batchOf } from "../batches.ts";

const mib = Number(process.argv[2] ?? 256);
const mode = process.argv[3] ?? "stream";
if (mode !== "stream" && mode !== "whole") throw new Error("mode: stream or whole");
const binary = s3ServerBinary();
if (binary === null) throw new Error("no S3 test server (test/support/s3-server-dist.sh needs Go)");
const server = await S3TestServer.start(binary);
const dir = mkdtempSync(join(tmpdir(), "bunka-upload-mem-"));
const MB = (n: number) => `${(n / (1 << 20)).toFixed(0)} MiB`;
try {
  const fs = new DiskFileSystem();
  const log = PartitionLog.open(`${dir}/t-0`, { fs, segmentBytes: mib * (1 << 20), fileDeleteDelayMs: 0, remoteLogEnabled: true });
  const batch = batchOf(16, { valueSize: 64 * 1024 });
  while (log.segmentBaseOffsets.length < 2) log.append(batch);
  const segment = log.sealedSegments()[0]!;
  const store = new S3ObjectStore({ ...server.settings, prefix: "mem/" });
  Bun.gc(true);
  await Bun.sleep(200);
  const before = process.memoryUsage().rss;
  let peak = before;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  if (mode === "stream") {
    const tier = new RemotePartitionLog(log, { fs, store, cache: new RemoteChunkCache(store, 1 << 20), partitionKey: "t-0-x" });
    const result = await tier.copy(Date.now());
    if (result.error !== null || result.segments !== 1) throw new Error(`copy: ${JSON.stringify(result)}`);
  } else {
    const bytes = fs.readFile(`${dir}/t-0/${segmentFileName(segment.baseOffset, LOG_SUFFIX)}`);
    peak = Math.max(peak, process.memoryUsage().rss);
    await store.put("whole.log", bytes);
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const after = process.memoryUsage().rss;
  console.log(`${mode}: segment ${MB(segment.size)}; RSS before ${MB(before)}, peak during upload ${MB(peak)} (+${MB(peak - before)}), after ${MB(after)}; ${seconds.toFixed(1)} s`);
  log.close();
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
