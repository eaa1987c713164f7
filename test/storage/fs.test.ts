import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DiskFileSystem, MemoryFileSystem, type FileSystem } from "../../src/storage/fs.ts";

const roots: string[] = [];
afterAll(() => {
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});

const impls: [string, () => { fs: FileSystem; root: string }][] = [
  ["MemoryFileSystem", () => ({ fs: new MemoryFileSystem(), root: "/r" })],
  [
    "DiskFileSystem",
    () => {
      const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-fs-"));
      roots.push(root);
      return { fs: new DiskFileSystem(), root };
    },
  ],
];

for (const [name, make] of impls) {
  describe(name, () => {
    test("append, positional read, truncate, list, rename, remove, mmap", () => {
      const { fs, root } = make();
      fs.mkdir(`${root}/a/b`);
      expect(fs.isDirectory(`${root}/a/b`)).toBe(true);
      const f = fs.open(`${root}/a/x.log`);
      f.append(new Uint8Array([1, 2, 3]));
      f.appendv([new Uint8Array([4]), new Uint8Array([5, 6])]);
      expect(f.size).toBe(6);
      expect(Array.from(f.read(2, 10))).toEqual([3, 4, 5, 6]);
      expect(f.read(6, 4).length).toBe(0);
      f.truncate(4);
      f.sync();
      expect(fs.size(`${root}/a/x.log`)).toBe(4);
      f.close();
      expect(Array.from(fs.open(`${root}/a/x.log`).read(0, 100))).toEqual([1, 2, 3, 4]);
      expect(Array.from(fs.mmap(`${root}/a/x.log`))).toEqual([1, 2, 3, 4]);
      fs.unmap(`${root}/a/x.log`);
      fs.writeFileAtomic(`${root}/a/c.txt`, new TextEncoder().encode("hi"));
      expect(fs.list(`${root}/a`).sort()).toEqual(["b", "c.txt", "x.log"]);
      fs.rename(`${root}/a/c.txt`, `${root}/a/d.txt`);
      expect(new TextDecoder().decode(fs.readFile(`${root}/a/d.txt`))).toBe("hi");
      fs.remove(`${root}/a/d.txt`);
      expect(fs.exists(`${root}/a/d.txt`)).toBe(false);
      expect(fs.list(`${root}/missing`)).toEqual([]);
      fs.remove(`${root}/a`);
      expect(fs.exists(`${root}/a/x.log`)).toBe(false);
    });
  });
}

describe("MemoryFileSystem crashes", () => {
  test("power loss keeps only synced bytes; a torn write keeps part of the last append", () => {
    const fs = new MemoryFileSystem();
    expect(() => fs.open("/d/f")).toThrow(); // like the disk: no implicit directories
    fs.mkdir("/d");
    const f = fs.open("/d/f");
    f.append(new Uint8Array([1, 2]));
    f.sync();
    f.append(new Uint8Array([3, 4, 5]));
    fs.crash({ loseUnsynced: true });
    expect(Array.from(fs.readFile("/d/f"))).toEqual([1, 2]);
    expect(() => f.append(new Uint8Array([9]))).toThrow(); // handles die with the crash
    const g = fs.open("/d/f");
    g.appendv([new Uint8Array([6, 7]), new Uint8Array([8])]);
    fs.crash({ tearLastWriteTo: 1 });
    expect(Array.from(fs.readFile("/d/f"))).toEqual([1, 2, 6]);
  });

  test("truncating or deleting an mmapped file is refused (it would crash Bun)", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    fs.writeFileAtomic("/d/f", new Uint8Array([1]));
    expect(() => fs.mmap("/d/empty-not-there")).toThrow();
    fs.writeFileAtomic("/d/empty", new Uint8Array(0));
    expect(() => fs.mmap("/d/empty")).toThrow();
    fs.mmap("/d/f");
    expect(() => fs.truncate("/d/f", 0)).toThrow();
    expect(() => fs.remove("/d/f")).toThrow();
    fs.unmap("/d/f");
    fs.remove("/d/f");
    expect(fs.exists("/d/f")).toBe(false);
  });
});
