// Process CPU of reading a partition log through its mmapped segments, with and without
// bunka.log.mapped.resident.bytes: what releasing pages (madvise) and faulting them in again costs
// on top of the reads. A consumer's view is touched once per page (the kernel's copy into the
// socket faults the same pages); the log is read twice, as two consumers in turn would.
//   bun build/bench/mapped-reads.ts [--data 1GiB] [--limits 64MiB,1TiB] [--runs 3]   (1TiB: no limit in effect)

import { parseArgs } from "node:util";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskFileSystem } from "../../src/storage/fs.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { RecordBatchView } from "../../src/records/record-batch.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";

const MiB = 1 << 20;
const { values: opt } = parseArgs({ args: process.argv.slice(2), options: { data: { type: "string" }, limits: { type: "string" }, runs: { type: "string" } } });
function bytes(s: string): number {
  const m = /^(\d+)\s*(k|m|g|t)?i?b?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  return Number(m[1]) * 1024 ** "bkmgt".indexOf((m[2] ?? "b").toLowerCase());
}
const dataBytes = bytes(opt.data ?? "1GiB");
const limits = (opt.limits ?? "64MiB,1TiB").split(",").map(bytes);
const runs = Number(opt.runs ?? 3);

function rssFileKiB(): number {
  return Number(/RssFile:\s+(\d+)/.exec(readFileSync("/proc/self/status", "utf8"))?.[1] ?? 0);
}
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const root = mkdtempSync(join(tmpdir(), "bunka-mapped-reads-"));
try {
  // One log on disk, written once; each run opens it anew with a limit.
  const dir = join(root, "t-0");
  {
    const log = PartitionLog.open(dir, { fs: new DiskFileSystem(), segmentBytes: 256 * MiB, fsyncBeforeAck: false });
    const batch = buildRecordBatch({
      baseTimestamp: Date.now(), partitionLeaderEpoch: 0,
      records: Array.from({ length: 16 }, (_, i) => ({ key: null, value: new Uint8Array(1024).fill(i), timestamp: Date.now() })),
    });
    while (log.sizeInBytes < dataBytes) log.append(batch.slice());
    log.close();
  }
  console.log(`${(dataBytes / MiB).toFixed(0)} MiB in 256 MiB segments, read twice in 1 MiB fetches; process CPU per GiB read (ms), RssFile after`);
  for (let run = 0; run < runs; run++) {
    for (const limit of limits) {
      const fs = new DiskFileSystem({ mappedResidentBytes: limit });
      const log = PartitionLog.open(dir, { fs, segmentBytes: 256 * MiB, fsyncBeforeAck: false });
      const passes: string[] = [];
      let sum = 0;
      for (let pass = 0; pass < 2; pass++) {
        const t0 = cpuMs();
        let offset = 0;
        let read = 0;
        while (offset < log.nextOffset) {
          const r = log.read(offset, MiB, true);
          if (r === "out-of-range" || r.batches.length === 0) throw new Error(`nothing at ${offset}`);
          for (const b of r.batches) {
            for (let i = 0; i < b.length; i += 4096) sum += b[i]!;
            read += b.length;
            offset = new RecordBatchView(b).lastOffset + 1;
          }
        }
        passes.push(`${(((cpuMs() - t0) / read) * 1024 ** 3).toFixed(0)} ms/GiB`);
      }
      const rss = rssFileKiB();
      // Unmapping what stayed resident costs too (a retention deletion, or Bun collecting a
      // replaced mapping): the same page table work madvise did, later.
      const t0 = cpuMs();
      log.close();
      Bun.gc(true);
      const unmapMs = cpuMs() - t0;
      console.log(`run ${run + 1} limit ${limit >= 1024 ** 4 ? "none" : `${limit / MiB} MiB`}: pass 1 ${passes[0]}, pass 2 ${passes[1]}; ` +
        `then close and collect ${((unmapMs / dataBytes) * 1024 ** 3).toFixed(0)} ms/GiB; RssFile before ${(rss / 1024).toFixed(0)} MiB, after ${(rssFileKiB() / 1024).toFixed(0)}; ` +
        `released ${(fs.residentMappings.stats.releasedBytes / MiB).toFixed(0)} MiB, ${fs.residentMappings.stats.sweeps} sweeps (checksum ${sum % 997})`);
    }
  }
} finally {
  rmSync(root, { recursive: true, force: true });
}
