// The pages of segment mappings resident in the broker stay under bunka.log.mapped.resident.bytes
// (resident-mappings.ts): the accounting itself (least recently read first, unmap, sweeps) with a recording release,
// then real files read through PartitionLog with the kernel's own count (/proc/self/smaps Rss of
// the .log mappings), against the same reads without a limit to show what it bounds.

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHUNK_BYTES, DEFAULT_MAPPED_RESIDENT_BYTES, ResidentMappings } from "../../src/storage/resident-mappings.ts";
import { brokerConfigFrom } from "../../src/config/broker-config.ts";
import { mappedResidentBytes } from "../../src/config/log-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import { DiskFileSystem, MemoryFileSystem } from "../../src/storage/fs.ts";
import { PartitionLog } from "../../src/storage/partition-log.ts";
import { RecordBatchView } from "../../src/records/record-batch.ts";
import { batchOf } from "./batches.ts";

const MiB = 1 << 20;

function recording(limit: number) {
  const released: { mapping: Uint8Array; start: number; length: number }[] = [];
  const r = new ResidentMappings(limit, (mapping, start, length) => released.push({ mapping, start, length }));
  return { r, released };
}

describe("ResidentMappings accounting", () => {
  const C = CHUNK_BYTES;

  test("reading far more than the limit keeps the counted bytes under it, releasing the oldest chunks", () => {
    const { r, released } = recording(4 * C);
    const a = new Uint8Array(32 * C);
    for (let pos = 0; pos < a.length; pos += C / 4) {
      r.read(a, pos, pos + C / 4);
      expect(r.residentBytes).toBeLessThanOrEqual(4 * C);
    }
    expect(r.residentBytes).toBe(4 * C);
    // Chunks 0..27 released oldest first (sweeps release runs of them again later), 28-31 kept.
    const firstReleases = [...new Set(released.map((x) => x.start / C))];
    expect(firstReleases).toEqual([...Array(28).keys()]);
    expect(released.every((x) => x.start + x.length <= 28 * C)).toBe(true);
  });

  test("a chunk read again goes to the back: the chunks read least recently go first", () => {
    const { r, released } = recording(3 * C);
    const a = new Uint8Array(8 * C);
    r.read(a, 0, 1); // chunk 0
    r.read(a, 1 * C, 1 * C + 1); // chunk 1
    r.read(a, 2 * C, 2 * C + 1); // chunk 2
    r.read(a, 10, 20); // chunk 0 again
    r.read(a, 3 * C, 3 * C + 1); // chunk 3: over the limit
    expect(released.map((x) => x.start / C)).toEqual([1]);
    r.read(a, 4 * C, 4 * C + 1);
    expect(released.map((x) => x.start / C)).toEqual([1, 2]);
  });

  test("the last chunk of a mapping counts only its bytes; unmap releases every counted chunk and forgets it", () => {
    const { r, released } = recording(64 * C);
    const a = new Uint8Array(2 * C + 100);
    r.read(a, 0, a.length);
    expect(r.residentBytes).toBe(a.length);
    r.unmap(a);
    expect(r.residentBytes).toBe(0);
    expect(released.map((x) => [x.start, x.length]).sort((x, y) => x[0]! - y[0]!)).toEqual([[0, C], [C, C], [2 * C, 100]]);
    r.unmap(a); // twice: nothing more
    expect(released.length).toBe(3);
  });

  test("once the limit has turned over, a mapping that had chunks released is swept: its uncounted runs released again", () => {
    const { r, released } = recording(2 * C);
    const a = new Uint8Array(6 * C);
    r.read(a, 0, 4 * C); // chunks 0-3: 0 and 1 released (the limit: a turnover, so a sweep)
    expect(r.stats.sweeps).toBe(1);
    // The sweep released chunks 0-1 again as one run (a pending view may have faulted them in).
    expect(released.map((x) => [x.start / C, x.length / C])).toEqual([[0, 1], [1, 1], [0, 2]]);
    const before = released.length;
    r.read(a, 4 * C, 6 * C); // chunks 4-5: 2, 3 released, sweep of the uncounted run 0-3
    expect(r.stats.sweeps).toBe(2);
    expect(released.slice(before).map((x) => [x.start / C, x.length / C])).toEqual([[2, 1], [3, 1], [0, 4]]);
  });

  test("a limit below one chunk is one chunk", () => {
    expect(recording(1).r.limitBytes).toBe(C);
  });
});

const roots: string[] = [];
afterAll(() => {
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});

/** Rss (bytes) of this process's mappings of files under `dir`, as the kernel counts them. */
function mappedRss(dir: string): number {
  let rss = 0;
  let inDir = false;
  for (const line of nodeFs.readFileSync("/proc/self/smaps", "utf8").split("\n")) {
    if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) inDir = line.includes(dir);
    else if (inDir && line.startsWith("Rss:")) rss += Number(line.split(/\s+/)[1]) * 1024;
  }
  return rss;
}

/**
 * Appends `bytes` of 1 KiB records to a log of 16 MiB segments on disk, then fetches all of it as
 * a consumer would (1 MiB reads), touching every page of every view; the highest Rss of the .log
 * mappings seen after a read, and the log, still open.
 */
function writeThenReadAll(limit: number, bytes: number) {
  const dir = join(nodeFs.mkdtempSync(join(tmpdir(), "bunka-resident-")), "t-0");
  roots.push(dir);
  const fs = new DiskFileSystem({ mappedResidentBytes: limit });
  const log = PartitionLog.open(dir, { fs, segmentBytes: 16 * MiB, fsyncBeforeAck: false });
  const batch = batchOf(64, { valueSize: 1000 });
  while (log.sizeInBytes < bytes) log.append(batch.slice());
  let offset = 0;
  let read = 0;
  let sum = 0;
  let highest = 0;
  while (offset < log.nextOffset) {
    const r = log.read(offset, MiB, true);
    if (r === "out-of-range" || r.batches.length === 0) throw new Error(`nothing read at ${offset}`);
    for (const b of r.batches) {
      for (let i = 0; i < b.length; i += 4096) sum += b[i]!;
      read += b.length;
      offset = new RecordBatchView(b).lastOffset + 1;
    }
    highest = Math.max(highest, mappedRss(dir));
  }
  expect(sum).toBeGreaterThan(0);
  return { dir, fs, log, read, highest };
}

describe.skipIf(process.platform !== "linux")("real mappings (/proc/self/smaps)", () => {
  test("after reading 96 MiB of segments with a limit of 8 MiB, at most 8 MiB of them is resident", () => {
    const limit = 8 * MiB;
    const { dir, fs, log, read, highest } = writeThenReadAll(limit, 96 * MiB);
    expect(read).toBeGreaterThanOrEqual(96 * MiB);
    // The kernel's count: the limit, plus the chunk the read in progress may straddle into.
    expect(highest).toBeLessThanOrEqual(limit + CHUNK_BYTES);
    expect(mappedRss(dir)).toBeLessThanOrEqual(limit + CHUNK_BYTES);
    expect(fs.residentMappings.residentBytes).toBeLessThanOrEqual(limit);
    log.close();
    // Closing drops every mapping: nothing of them stays resident, whenever Bun unmaps.
    expect(mappedRss(dir)).toBe(0);
  }, 60_000);

  test("a view touched after its chunk was released (a pending write) is released again by the next sweeps", () => {
    const dir = nodeFs.mkdtempSync(join(tmpdir(), "bunka-resident-"));
    roots.push(dir);
    const path = join(dir, "00000000000000000000.log");
    const C = CHUNK_BYTES;
    nodeFs.writeFileSync(path, new Uint8Array(12 * C).fill(1));
    const fs = new DiskFileSystem({ mappedResidentBytes: 2 * C });
    const m = fs.mmap(path);
    const read = (start: number, end: number) => {
      fs.noteMappedRead(m, start, end);
      let sum = 0;
      for (let i = start; i < end; i += 4096) sum += m[i]!;
      return sum;
    };
    // The first chunk is handed out (a response holds it), then 2 more: it is released.
    const pending = m.subarray(0, C);
    read(0, C);
    read(C, 3 * C);
    expect(mappedRss(dir)).toBeLessThanOrEqual(2 * C);
    // The socket now copies the pending view: its pages are resident again, and not counted.
    let sum = 0;
    for (let i = 0; i < pending.length; i += 4096) sum += pending[i]!;
    expect(sum).toBe(C / 4096);
    expect(mappedRss(dir)).toBe(3 * C);
    // Reads go on; once the limit has turned over, a sweep releases it.
    for (let pos = 3 * C; pos < 6 * C; pos += C) read(pos, pos + C);
    expect(fs.residentMappings.stats.sweeps).toBeGreaterThan(0);
    expect(mappedRss(dir)).toBeLessThanOrEqual(2 * C);
    fs.unmap(path, m);
    expect(mappedRss(dir)).toBe(0);
  });

  test("with a limit above the data (1 GiB), the same reads leave all of it resident: what the limit bounds", () => {
    const { dir, log, read } = writeThenReadAll(1 << 30, 48 * MiB);
    expect(mappedRss(dir)).toBeGreaterThanOrEqual(read - 2 * MiB);
    log.close();
  }, 60_000);
});

test("MemoryFileSystem counts what segments read as DiskFileSystem does, and refuses a read outside a mapping", () => {
  const fs = new MemoryFileSystem({ mappedResidentBytes: 2 * MiB });
  const log = PartitionLog.open("/logs/t-0", { fs, segmentBytes: 1 * MiB, fileDeleteDelayMs: 0 });
  const batch = batchOf(16, { valueSize: 1000 });
  while (log.sizeInBytes < 6 * MiB) log.append(batch.slice());
  let offset = 0;
  while (offset < log.nextOffset) {
    const r = log.read(offset, 256 * 1024, true);
    if (r === "out-of-range" || r.batches.length === 0) throw new Error(`nothing read at ${offset}`);
    offset = new RecordBatchView(r.batches.at(-1)!).lastOffset + 1;
    expect(fs.residentMappings.residentBytes).toBeLessThanOrEqual(2 * MiB);
  }
  expect(fs.residentMappings.stats.releasedBytes).toBeGreaterThan(2 * MiB);
  const m = fs.mmap("/logs/t-0/00000000000000000000.log", 100);
  expect(() => fs.noteMappedRead(m, 50, 101)).toThrow(RangeError);
  fs.unmap("/logs/t-0/00000000000000000000.log", m);
  log.close();
  expect(fs.residentMappings.residentBytes).toBe(0);
});

test("bunka.log.mapped.resident.bytes: read from server.properties, at least 2 MiB (a chunk), unset: the storage default", () => {
  const value = (text: string) => {
    const config = brokerConfigFrom(parseProperties(text), "t");
    return mappedResidentBytes((key) => config.raw.get(key));
  };
  expect(value("bunka.log.mapped.resident.bytes=268435456")).toBe(256 * MiB);
  expect(value("")).toBeUndefined();
  expect(new DiskFileSystem({ mappedResidentBytes: value("") }).residentMappings.limitBytes).toBe(DEFAULT_MAPPED_RESIDENT_BYTES);
  expect(() => value("bunka.log.mapped.resident.bytes=2097151")).toThrow("Value must be at least 2097152");
});
