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
      const whole = fs.mmap(`${root}/a/x.log`);
      expect(Array.from(whole)).toEqual([1, 2, 3, 4]);
      const head = fs.mmap(`${root}/a/x.log`, 3);
      expect(Array.from(head)).toEqual([1, 2, 3]);
      const clamped = fs.mmap(`${root}/a/x.log`, 100);
      expect(clamped.length).toBe(4); // clamped to the file, as Bun.mmap's size is
      const g = fs.open(`${root}/a/x.log`);
      g.append(new Uint8Array([5])); // appending to a mapped file is fine; the mapping keeps its length
      g.close();
      expect(head.length).toBe(3);
      fs.unmap(`${root}/a/x.log`, whole);
      fs.unmap(`${root}/a/x.log`, head);
      fs.unmap(`${root}/a/x.log`, clamped);
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

    test("tryLock: exclusive until released; release removes the file (Kafka's FileLock.destroy)", () => {
      const { fs, root } = make();
      fs.mkdir(`${root}/logs`);
      const path = `${root}/logs/.lock`;
      const first = fs.tryLock(path);
      if (!first.acquired) throw new Error("first lock refused");
      expect(fs.exists(path)).toBe(true);
      // Within one process too, as the JVM's OverlappingFileLockException makes Kafka's tryLock fail.
      expect(fs.tryLock(path)).toEqual({ acquired: false, holderPid: process.pid });
      first.lock.release();
      expect(fs.exists(path)).toBe(false);
      const again = fs.tryLock(path);
      expect(again.acquired).toBe(true);
      if (again.acquired) again.lock.release();
    });
  });
}

describe("DiskFileSystem.tryLock across processes (fcntl F_SETLK, the lock Kafka takes)", () => {
  const lockFileModule = join(import.meta.dir, "../../src/storage/file-lock.ts");

  /** A child process that takes the lock, says "locked <pid>" and waits to be killed. */
  async function holder(path: string) {
    const script = `import { tryLockFile } from ${JSON.stringify(lockFileModule)};
      const a = tryLockFile(${JSON.stringify(path)});
      if (!a.acquired || !a.lock.acrossProcesses) process.exit(3);
      console.log("locked " + process.pid);
      setInterval(() => {}, 1000);`;
    const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
    const reader = proc.stdout.getReader();
    const deadline = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    const { value } = await reader.read();
    clearTimeout(deadline);
    expect(new TextDecoder().decode(value)).toBe(`locked ${proc.pid}\n`);
    return proc;
  }

  test("a lock held by another process is refused and names its pid; kill -9 frees it", async () => {
    const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-lock-"));
    roots.push(root);
    const path = join(root, ".lock");
    const fs = new DiskFileSystem();
    const child = await holder(path);
    try {
      expect(fs.tryLock(path)).toEqual({ acquired: false, holderPid: child.pid });
    } finally {
      child.kill("SIGKILL");
      await child.exited;
    }
    // The file is still there (nobody removed it) but the lock died with the process.
    expect(nodeFs.existsSync(path)).toBe(true);
    const mine = fs.tryLock(path);
    expect(mine.acquired).toBe(true);
    if (!mine.acquired) return;
    expect(mine.lock.acrossProcesses).toBe(true);
    // And now the other way round: a new process is refused.
    const refused = Bun.spawnSync([process.execPath, "-e",
      `import { tryLockFile } from ${JSON.stringify(lockFileModule)}; console.log(JSON.stringify(tryLockFile(${JSON.stringify(path)})));`]);
    expect(JSON.parse(refused.stdout.toString())).toEqual({ acquired: false, holderPid: process.pid });
    mine.lock.release();
  }, 20_000);
});

describe("MemoryFileSystem crashes", () => {
  test("a crash releases every lock (the OS drops a dead process's locks); a lock from before it stays released", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    const before = fs.tryLock("/d/.lock");
    if (!before.acquired) throw new Error("refused");
    fs.crash();
    const after = fs.tryLock("/d/.lock");
    expect(after.acquired).toBe(true);
    before.lock.release(); // the dead process's release must not free the new holder's lock
    expect(fs.tryLock("/d/.lock").acquired).toBe(false);
  });

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
    const m = fs.mmap("/d/f");
    expect(() => fs.truncate("/d/f", 0)).toThrow();
    expect(() => fs.remove("/d/f")).toThrow();
    fs.unmap("/d/f", m);
    fs.remove("/d/f");
    expect(fs.exists("/d/f")).toBe(false);
  });

  test("a mapping of a growing file's first bytes: truncation may go down to its length, never below", () => {
    const fs = new MemoryFileSystem();
    fs.mkdir("/d");
    const f = fs.open("/d/log");
    f.append(new Uint8Array([1, 2, 3, 4]));
    const short = fs.mmap("/d/log", 2);
    const long = fs.mmap("/d/log", 4);
    f.append(new Uint8Array([5, 6])); // appended after mapping: in neither mapping
    expect(Array.from(long)).toEqual([1, 2, 3, 4]);
    expect(fs.mappedLengths("/d/log").sort()).toEqual([2, 4]);
    f.truncate(4); // the undo of a failed append: back to what was mapped
    expect(() => f.truncate(3)).toThrow(/below a mapping of 4 bytes/);
    expect(() => fs.truncate("/d/log", 3)).toThrow(/below a mapping of 4 bytes/);
    expect(() => fs.rename("/d/log", "/d/log.deleted")).toThrow(/unmap first/);
    fs.unmap("/d/log", long);
    f.truncate(2); // the 2-byte mapping still allows this
    expect(() => f.truncate(1)).toThrow(/below a mapping of 2 bytes/);
    fs.unmap("/d/log", short);
    f.truncate(0);
    expect(fs.mappedLengths("/d/log")).toEqual([]);
    fs.rename("/d/log", "/d/log.deleted");
    expect(fs.exists("/d/log.deleted")).toBe(true);
  });
});
