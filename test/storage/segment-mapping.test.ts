// Segments are read through mmap, the active one too (segment.ts, "the rule"): a mapping covers
// only whole batches appended successfully, and a .log file is never truncated below it, since
// touching a mapped page wholly past the file's end kills the process with SIGBUS while a Fetch
// response may still hold a view of an old mapping. Checked three ways: the Bun fact itself (a
// child process dies of SIGBUS when the rule is broken, and lives when a file is truncated down
// to a mapping's length); MemoryFileSystem, which throws at a truncation below a live mapping;
// and real files in a child process that truncates (failed appends undone) and deletes
// (retention, DeleteRecords) while it keeps and rereads views, as in-flight responses hold them.

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { StorageError } from "../../src/storage/log-dir-failures.ts";
import { RecordBatchView } from "../../src/records/record-batch.ts";
import { batchOf } from "./batches.ts";

const roots: string[] = [];
afterAll(() => {
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});
function tmp(): string {
  const d = nodeFs.mkdtempSync(join(tmpdir(), "bunka-mapping-"));
  roots.push(d);
  return d;
}

describe("Bun.mmap and truncation", () => {
  test("truncating down to a mapping's length leaves it readable; below it, touching the tail is a SIGBUS", async () => {
    const path = join(tmp(), "f");
    nodeFs.writeFileSync(path, new Uint8Array(20_000).fill(7));
    const script = `
      const fs = require("node:fs");
      const m = Bun.mmap(${JSON.stringify(path)}, { shared: false, size: 10000 });
      fs.truncateSync(${JSON.stringify(path)}, 10000);
      let sum = 0;
      for (let i = 0; i < m.length; i++) sum += m[i];
      console.log("survived " + sum);
      fs.truncateSync(${JSON.stringify(path)}, 5000);
      console.log("touching " + m[9000]);`;
    const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "pipe" });
    const out = await new Response(proc.stdout).text();
    await proc.exited;
    expect(out).toContain(`survived ${7 * 10_000}`);
    expect(out).not.toContain("touching");
    expect(proc.signalCode).toBe("SIGBUS");
  }, 20_000);
});

describe("the active segment's mapping (MemoryFileSystem checks the rule)", () => {
  const DIR = "/logs/t-0";
  const ACTIVE = `${DIR}/00000000000000000000.log`;

  function filled(): { fs: MemoryFileSystem; log: PartitionLog } {
    const fs = new MemoryFileSystem();
    const log = PartitionLog.open(DIR, { fs, segmentBytes: 1 << 30, fileDeleteDelayMs: 0 });
    // 450 batches, 0.9 MiB: a read of all of it is long enough to map (REMAP_MIN_BYTES).
    for (let i = 0; i < 450; i++) log.append(batchOf(5, { valueSize: 400 }));
    return { fs, log };
  }

  test("a long read maps the active segment up to its last batch; failed appends are undone down to it, never below", () => {
    const { fs, log } = filled();
    const size = fs.size(ACTIVE);
    const first = log.read(0, 1 << 20, true);
    if (first === "out-of-range") throw new Error("out of range");
    expect(fs.mappedLengths(ACTIVE)).toEqual([size]);
    expect(first.batches.length).toBe(450);
    expect(first.batches[449]!.buffer).toBe(first.batches[0]!.buffer); // one mapping, zero copies
    // The disk fills: each append lands in part, then fails, and is truncated away again. The
    // truncation goes down to exactly the mapped length (MemoryFileSystem throws below it).
    fs.setCapacity(fs.usedBytes + 1000, { shortWrites: true });
    for (let i = 0; i < 3; i++) expect(() => log.append(batchOf(5, { valueSize: 400 }))).toThrow(StorageError);
    expect(fs.size(ACTIVE)).toBe(size);
    expect(fs.mappedLengths(ACTIVE)).toEqual([size]);
    fs.setCapacity(null);
    for (let i = 0; i < 100; i++) log.append(batchOf(5, { valueSize: 400 }));
    // A read past the mapping that starts inside it maps again, longer; the old one is forgotten.
    const again = log.read(2240, 1 << 20, true);
    if (again === "out-of-range") throw new Error("out of range");
    expect(new RecordBatchView(again.batches[0]!).baseOffset).toBe(2240);
    expect(fs.mappedLengths(ACTIVE)).toEqual([fs.size(ACTIVE)]);
    expect(again.batches.at(-1)!.buffer).toBe(again.batches[0]!.buffer);
    log.close();
    expect(fs.mappedLengths(ACTIVE)).toEqual([]);
  });

  test("a short read wholly past the mapping (a consumer at the log end) is copied, not mapped", () => {
    const { fs, log } = filled();
    const mappedAt = fs.size(ACTIVE);
    expect(log.read(0, 1 << 20, true)).not.toBe("out-of-range");
    log.append(batchOf(5, { valueSize: 400 }));
    const tail = log.read(2250, 1 << 20, true);
    if (tail === "out-of-range") throw new Error("out of range");
    expect(tail.batches.map((b) => new RecordBatchView(b).baseOffset)).toEqual([2250]);
    expect(fs.mappedLengths(ACTIVE)).toEqual([mappedAt]);
    log.close();
  });

  test("a roll and retention: the old active segment is unmapped before its files are renamed *.deleted", () => {
    const { fs, log } = filled();
    expect(log.read(0, 1 << 20, true)).not.toBe("out-of-range");
    expect(fs.mappedLengths(ACTIVE).length).toBe(1);
    // MemoryFileSystem refuses to rename a mapped file; retention.bytes 0 rolls, then deletes it.
    expect(log.deleteOldSegments({ deleteEnabled: true, retentionMs: -1, retentionBytes: 0 }, Date.now())).toBe(1);
    expect(fs.mappedLengths(ACTIVE)).toEqual([]);
    expect(fs.exists(ACTIVE)).toBe(false);
    log.append(batchOf(5, { valueSize: 400 }));
    expect(log.read(2250, 1 << 20, true)).not.toBe("out-of-range");
    log.close();
  });
});

describe("in-flight views on real files (child process)", () => {
  test("views held across undo truncations of the active segment and deletions stay readable and unchanged", async () => {
    const child = join(import.meta.dir, "mapping-in-flight.child.ts");
    const proc = Bun.spawn([process.execPath, child, join(tmp(), "t-0"), "11", "2000"], { stdout: "pipe", stderr: "pipe" });
    const [out, err] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
    await proc.exited;
    expect({ signal: proc.signalCode, code: proc.exitCode, err: err.slice(-2000) }).toEqual({ signal: null, code: 0, err: "" });
    const counts = JSON.parse(out.trim().split("\n").at(-1)!);
    // The run exercised what it claims to: truncations while views of the active segment's
    // mapping were held, deletions while views were held, both kinds of active-segment read.
    expect(counts.undoneWhileActiveMappingHeld).toBeGreaterThan(20);
    expect(counts.undoneRightAfterMappingToEnd).toBeGreaterThan(10); // cut back to exactly the mapped end
    expect(counts.heldViewsOfDeletedSegments).toBeGreaterThan(10);
    expect(counts.activeMappedViews).toBeGreaterThan(100);
    expect(counts.activeCopiedViews).toBeGreaterThan(100);
    expect(counts.viewsChecked).toBeGreaterThan(10_000);
  }, 60_000);
});
