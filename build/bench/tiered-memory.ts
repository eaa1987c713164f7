// Where a remote read's memory goes (a check beside bench:tiered, run by hand; no broker, no client):
//
//   bun build/bench/tiered-memory.ts [MiB] [--port P]
//
// bench:tiered sees the broker's RssAnon peak at several hundred MiB during a remote read although
// the chunk cache is bounded (bunka.remote.storage.cache.bytes, 64 MiB). This writes MiB (default
// 256) of 1 KiB records into one partition log (16 MiB segments), uploads them to the S3 test
// server, deletes the local copies, reads everything back through PartitionLog.readRemote 1 MiB at
// a time (copying each answer once, as the Fetch handler concatenates it), and prints RssAnon
// before, at the peak, after, and after a forced full GC (Bun.gc(true)). If the memory falls back to
// about the cache's bound after the GC, the peak was garbage not yet collected, not memory held.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DiskFileSystem } from "../../src/storage/fs.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { RecordBatchView } from "../../src/records/record-batch.ts";
import { S3ObjectStore } from "../../src/storage/tiered/s3-object-store.ts";
import { DEFAULT_CACHE_BYTES, RemoteChunkCache } from "../../src/storage/tiered/remote-chunk-cache.ts";
import { RemotePartitionLog } from "../../src/storage/tiered/remote-partition-log.ts";
import { S3TestServer, s3ServerBinary } from "../../test/support/s3-server.ts";
import { batchOf } from "../../test/storage/batches.ts";
import { freePort, parsePortRange } from "./brokers.ts";

const { values: opt, positionals } = parseArgs({
  args: process.argv.slice(2), allowPositionals: true,
  options: { "port-range": { type: "string", default: "33000-33999" } },
});
const mib = Number(positionals[0] ?? 256);
const MiB = 1 << 20;
const anonMiB = () => Number(/^RssAnon:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? NaN) / 1024;

const binary = s3ServerBinary();
if (binary === null) throw new Error("no S3 test server (test/support/s3-server-dist.sh needs Go)");
const server = await S3TestServer.start(binary, "bunka-tiered", await freePort(false, parsePortRange(opt["port-range"]!)));
const dir = mkdtempSync(join(tmpdir(), "bunka-tiered-memory-"));
try {
  const fs = new DiskFileSystem();
  const log = PartitionLog.open(`${dir}/t-0`, { fs, segmentBytes: 16 * MiB, fileDeleteDelayMs: 0, remoteLogEnabled: true });
  while (log.sizeInBytes < mib * MiB) log.append(batchOf(16, { valueSize: 1024 }));
  log.roll();
  const store = new S3ObjectStore({ ...server.settings, prefix: "bench/" });
  const cache = new RemoteChunkCache(store);
  // A measurement, not a Fetch: no remote.fetch.max.wait.ms expiry.
  const tier = new RemotePartitionLog(log, { fs, store, cache, partitionKey: "t-0-memory", fetchMaxWaitMs: 60_000 });
  log.attachRemote(tier);
  await tier.copy(Date.now());
  log.deleteOldSegments({ deleteEnabled: true, retentionMs: -1, retentionBytes: -1, remoteStorageEnable: true, localRetentionBytes: 0 }, Date.now());
  Bun.gc(true);
  const before = anonMiB();
  let next = 0, peak = before, bytes = 0;
  while (next < log.nextOffset) {
    const read = await log.readRemote(next, MiB, true, false);
    if (read === "out-of-range" || read === "expired" || read.batches.length === 0) throw new Error(`stuck at offset ${next}`);
    const answer = new Uint8Array(read.batches.reduce((n, b) => n + b.length, 0));
    let at = 0;
    for (const b of read.batches) {
      answer.set(b, at);
      at += b.length;
      next = new RecordBatchView(b).nextOffset;
    }
    bytes += answer.length;
    peak = Math.max(peak, anonMiB());
  }
  const after = anonMiB();
  Bun.gc(true);
  const collected = anonMiB();
  console.log(`read ${(bytes / MiB).toFixed(0)} MiB from the bucket (cache bound ${DEFAULT_CACHE_BYTES / MiB} MiB, holding ${(cache.cachedBytes / MiB).toFixed(0)} MiB): ` +
    `RssAnon ${before.toFixed(0)} MiB before, peak ${peak.toFixed(0)}, ${after.toFixed(0)} after, ${collected.toFixed(0)} after a full GC`);
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
