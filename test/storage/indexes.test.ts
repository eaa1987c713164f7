import { describe, expect, test } from "bun:test";
import { MemoryFileSystem } from "../../src/storage/fs.ts";
import { OffsetIndex } from "../../src/storage/offset-index.ts";
import { TimeIndex } from "../../src/storage/time-index.ts";

describe("OffsetIndex", () => {
  test("big-endian 8-byte entries relative to the base offset; lookup = largest entry <= target", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    const idx = OffsetIndex.empty(fs, "/d/00000000000000000100.index", 100);
    idx.openForAppend();
    expect(idx.lookup(150)).toEqual({ offset: 100, position: 0 });
    idx.append(110, 4200);
    idx.append(125, 8500);
    idx.append(0x7fffffff + 100, 13000);
    // Entries reach the file in runs; sync writes what is pending.
    expect(fs.readFile("/d/00000000000000000100.index").length).toBe(0);
    idx.sync();
    expect(Array.from(fs.readFile("/d/00000000000000000100.index"))).toEqual([
      0, 0, 0, 10, 0, 0, 0x10, 0x68, 0, 0, 0, 25, 0, 0, 0x21, 0x34, 0x7f, 0xff, 0xff, 0xff, 0, 0, 0x32, 0xc8,
    ]);
    expect(idx.lookup(99)).toEqual({ offset: 100, position: 0 });
    expect(idx.lookup(109)).toEqual({ offset: 100, position: 0 });
    expect(idx.lookup(110)).toEqual({ offset: 110, position: 4200 });
    expect(idx.lookup(124)).toEqual({ offset: 110, position: 4200 });
    expect(idx.lookup(1e12)).toEqual({ offset: 0x7fffffff + 100, position: 13000 });
    expect(idx.lastOffset).toBe(0x7fffffff + 100);
    expect(() => idx.append(0x7fffffff + 101, 14000)).toThrow(); // relative offset overflow
    expect(() => idx.append(125, 20000)).toThrow(); // not increasing
  });

  test("reload, consistency checks and truncateTo", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    const path = "/d/00000000000000000000.index";
    const idx = OffsetIndex.empty(fs, path, 0);
    idx.openForAppend();
    for (let i = 1; i <= 100; i++) idx.append(i * 10, i * 4100);
    idx.close();
    const { index: re, fileExisted } = OffsetIndex.load(fs, path, 0);
    expect(fileExisted).toBe(true);
    expect(re.entries).toBe(100);
    expect(re.isConsistent(800, 1_000_000)).toBe(true);
    expect(re.isConsistent(800, 4100 * 50)).toBe(false); // positions past the log's end
    expect(re.isConsistent(801, 1_000_000)).toBe(false);
    for (let t = 0; t < 1010; t += 7) expect(re.lookup(t).offset).toBe(Math.floor(t / 10) * 10);
    re.truncateTo(500);
    expect(re.entries).toBe(49);
    re.truncateTo(495);
    expect(re.entries).toBe(49);
    expect(fs.size(path)).toBe(49 * 8);
  });
});

describe("TimeIndex", () => {
  test("12-byte entries, appended only for a larger timestamp; lookup = largest timestamp <= target", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    const path = "/d/00000000000000000050.timeindex";
    const ti = TimeIndex.empty(fs, path, 50);
    ti.openForAppend();
    expect(ti.lookup(5)).toEqual({ timestamp: -1, offset: 50 });
    ti.maybeAppend(1_700_000_000_000, 55);
    ti.maybeAppend(1_700_000_000_000, 60); // same timestamp: ignored
    ti.maybeAppend(1_700_000_000_500, 70);
    expect(() => ti.maybeAppend(1_800_000_000_000, 65)).toThrow();
    expect(ti.entries).toBe(2);
    ti.sync();
    const bytes = fs.readFile(path);
    expect(bytes.length).toBe(24);
    const dv = new DataView(bytes.buffer);
    expect(dv.getBigInt64(0)).toBe(1_700_000_000_000n);
    expect(dv.getInt32(8)).toBe(5);
    expect(dv.getBigInt64(12)).toBe(1_700_000_000_500n);
    expect(dv.getInt32(20)).toBe(20);
    expect(ti.lookup(1_699_999_999_999)).toEqual({ timestamp: -1, offset: 50 });
    expect(ti.lookup(1_700_000_000_499)).toEqual({ timestamp: 1_700_000_000_000, offset: 55 });
    expect(ti.lookup(2e12)).toEqual({ timestamp: 1_700_000_000_500, offset: 70 });
    expect(ti.lastEntry).toEqual({ timestamp: 1_700_000_000_500, offset: 70 });
    const { index: re } = TimeIndex.load(fs, path, 50);
    expect(re.isConsistent(24, 71)).toBe(true);
    expect(re.isConsistent(24, 70)).toBe(false);
    re.truncateTo(70);
    expect(re.entries).toBe(1);
  });
});
