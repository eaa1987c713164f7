// Files behind a small interface, so that storage code runs unchanged on the real disk
// (`DiskFileSystem`: node:fs sync calls, Bun.mmap for segments) and in memory
// (`MemoryFileSystem`, which can simulate a crash: lose every byte not fsynced, or cut the last
// write short, as a torn write would; a full disk: a byte budget beyond which writes fail with
// ENOSPC, optionally after landing in part; and I/O errors: chosen operations fail with EIO).
// Paths are plain strings joined with node:path.
//
// A failed write may have landed in part (node's writeSync loop, or a short write, then ENOSPC):
// AppendFile.size then still says what was there before, the file holds more, and the caller
// must truncate back to `size` before anything else is appended (Segment.append does).
//
// Bun.mmap cannot map an empty file, and touching a page of a mapping that lies wholly past the
// file's end crashes the process (SIGBUS), so a file must never be truncated below the length of
// a mapping of it (a page straddling the new end stays readable). Mappings cover the first
// `length` bytes; a growing file (the active segment) is mapped up to its last whole batch and
// remapped as it grows, and is only ever truncated back to a length at or above what was mapped.
// Unlinking or renaming a mapped file is harmless on Linux (the inode lives on), but callers
// `unmap` first, so the rule stays checkable: MemoryFileSystem throws on any of these mistakes.
// Readers of a mapping say what they read (`noteMappedRead`), so that at most a limit of mapped
// bytes stays resident in the process (resident-mappings.ts; DiskFileSystem releases pages with
// madvise(MADV_DONTNEED), MemoryFileSystem only counts).
//
// `tryLock` takes an exclusive lock that lasts until released or until the process dies
// (Kafka's `.lock` in every log dir): DiskFileSystem takes the POSIX record lock Kafka takes
// (file-lock.ts); MemoryFileSystem keeps its locks in memory and drops them in crash().

import * as nodeFs from "node:fs";
import { dlopen, FFIType, ptr } from "bun:ffi";
import { dirname, join } from "node:path";
import { tryLockFile, type FileLockAttempt, type HeldFileLock } from "./file-lock.ts";
import { DEFAULT_MAPPED_RESIDENT_BYTES, ResidentMappings } from "./resident-mappings.ts";

export type { FileLockAttempt, HeldFileLock };

/** A file opened for appending and positional reads. */
export interface AppendFile {
  readonly path: string;
  /** Current size in bytes (what has been appended so far). */
  readonly size: number;
  /**
   * Writes all of `bytes` at the end of the file (a synchronous write: in the page cache on
   * return). If it throws, `size` is unchanged but part of the bytes may be in the file.
   */
  append(bytes: Uint8Array): void;
  /** Writes the parts back to back at the end of the file, in one write where possible (writev); fails as append does. */
  appendv(parts: Uint8Array[]): void;
  /** Reads up to `length` bytes at `position` into a new array (shorter at end of file). */
  read(position: number, length: number): Uint8Array;
  truncate(size: number): void;
  /** fsync. */
  sync(): void;
  /**
   * fdatasync off the JS thread (the group commit's): resolves once every byte appended before
   * the call is on disk. close() while one is in flight closes once it is done.
   */
  datasync(): Promise<void>;
  close(): void;
}

export interface FileSystem {
  /** Opens (creating if missing) a file for append and positional reads. */
  open(path: string): AppendFile;
  exists(path: string): boolean;
  isDirectory(path: string): boolean;
  /** Size of a file in bytes. */
  size(path: string): number;
  /** Whole contents of a (small) file. */
  readFile(path: string): Uint8Array;
  /** Writes a small file atomically: temp file, fsync, rename (Kafka's checkpoint files). */
  writeFileAtomic(path: string, bytes: Uint8Array): void;
  /** Entry names in a directory; [] if it does not exist. */
  list(dir: string): string[];
  /** Creates a directory and its parents. */
  mkdir(dir: string): void;
  rename(from: string, to: string): void;
  /** Removes a file, or a directory and everything in it; no error if missing. */
  remove(path: string): void;
  /**
   * fsyncs a directory, so that the files created, renamed or removed in it stay so after a power
   * loss (Kafka's Utils.flushDir). MemoryFileSystem keeps directory entries durable at once.
   */
  syncDir(path: string): void;
  truncate(path: string, size: number): void;
  /**
   * Maps the first `length` bytes (default: all; at most the file's size) of a non-empty file
   * read-only. Until unmap, the file must not be truncated below that length, deleted or renamed;
   * appending is fine (the bytes past the mapping are not in it).
   */
  mmap(path: string, length?: number): Uint8Array;
  /**
   * Forgets a mapping made by mmap. Its memory is released once nothing references it, so views
   * still being written to a socket stay valid; the file must still never be truncated below a
   * length that was mapped while such views may live (Segment keeps to that).
   */
  unmap(path: string, mapping: Uint8Array): void;
  /**
   * Notes that bytes [start, end) of a mapping made by mmap are about to be read: the pages of
   * the mappings read least recently are released past the resident limit (resident-mappings.ts).
   */
  noteMappedRead(mapping: Uint8Array, start: number, end: number): void;
  /** What bounds the resident pages of this file system's mappings. */
  readonly residentMappings: ResidentMappings;
  /**
   * Creates `path` if missing and takes an exclusive lock on it without waiting (Kafka's
   * FileLock.tryLock): held until release() or the end of the process. When another holder has
   * it: the holder's process id, if known. release() also removes the file, as Kafka's does.
   */
  tryLock(path: string): FileLockAttempt;
}

const MADV_DONTNEED = 4; // Linux and macOS alike
type Madvise = (address: number, length: number, advice: number) => number;
let madvise: Madvise | null | undefined;

/**
 * madvise(MADV_DONTNEED) through bun:ffi (libc's, which a compiled binary can open too): the
 * pages of a private read-only file mapping leave the process and stay in the page cache; the
 * next touch faults them in again. A no-op where libc cannot be opened (the bound then not kept).
 */
export function releaseMappedPages(mapping: Uint8Array, start: number, length: number): void {
  if (madvise === undefined) madvise = openMadvise();
  if (madvise === null || length <= 0) return;
  // start is a multiple of the page size from the mapping's start, which mmap aligned.
  madvise(ptr(mapping, start), length, MADV_DONTNEED);
}

function openMadvise(): Madvise | null {
  for (const name of process.platform === "darwin" ? ["libSystem.B.dylib"] : ["libc.so.6", "libc.so"]) {
    try {
      const lib = dlopen(name, { madvise: { args: [FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i32 } });
      return lib.symbols.madvise as unknown as Madvise;
    } catch {
      // try the next name
    }
  }
  return null;
}

/** Options of a FileSystem: the resident limit of its mappings (bunka.log.mapped.resident.bytes). */
export interface FileSystemOptions {
  mappedResidentBytes?: number;
}

export class DiskFileSystem implements FileSystem {
  readonly residentMappings: ResidentMappings;

  constructor(opts: FileSystemOptions = {}) {
    this.residentMappings = new ResidentMappings(opts.mappedResidentBytes ?? DEFAULT_MAPPED_RESIDENT_BYTES, releaseMappedPages);
  }
  open(path: string): AppendFile {
    return new DiskAppendFile(path);
  }
  exists(path: string): boolean {
    return nodeFs.existsSync(path);
  }
  isDirectory(path: string): boolean {
    try {
      return nodeFs.statSync(path).isDirectory();
    } catch {
      return false;
    }
  }
  size(path: string): number {
    return nodeFs.statSync(path).size;
  }
  readFile(path: string): Uint8Array {
    const b = nodeFs.readFileSync(path);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  }
  writeFileAtomic(path: string, bytes: Uint8Array): void {
    const tmp = `${path}.tmp`;
    const fd = nodeFs.openSync(tmp, "w");
    try {
      writeFully(fd, bytes, null);
      nodeFs.fsyncSync(fd);
    } catch (e) {
      // A full disk must not also leave a half-written temp file behind (it holds space).
      nodeFs.closeSync(fd);
      nodeFs.rmSync(tmp, { force: true });
      throw e;
    }
    nodeFs.closeSync(fd);
    nodeFs.renameSync(tmp, path);
  }
  list(dir: string): string[] {
    try {
      return nodeFs.readdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw e;
    }
  }
  mkdir(dir: string): void {
    nodeFs.mkdirSync(dir, { recursive: true });
  }
  rename(from: string, to: string): void {
    nodeFs.renameSync(from, to);
  }
  remove(path: string): void {
    nodeFs.rmSync(path, { recursive: true, force: true });
  }
  syncDir(path: string): void {
    const fd = nodeFs.openSync(path, "r");
    try {
      nodeFs.fsyncSync(fd);
    } finally {
      nodeFs.closeSync(fd);
    }
  }
  truncate(path: string, size: number): void {
    nodeFs.truncateSync(path, size);
  }
  mmap(path: string, length?: number): Uint8Array {
    // MAP_PRIVATE: a stray write into a returned slice can never reach the log file. Bun clamps
    // `size` to the file's size.
    return Bun.mmap(path, length === undefined ? { shared: false } : { shared: false, size: length });
  }
  unmap(_path: string, mapping: Uint8Array): void {
    // Bun unmaps when the array is garbage collected; callers drop their references. Until then
    // its resident pages would count in VmRSS: released now.
    this.residentMappings.unmap(mapping);
  }
  noteMappedRead(mapping: Uint8Array, start: number, end: number): void {
    this.residentMappings.read(mapping, start, end);
  }
  tryLock(path: string): FileLockAttempt {
    return tryLockFile(path);
  }
}

function writeFully(fd: number, bytes: Uint8Array, position: number | null): void {
  let done = 0;
  while (done < bytes.length) {
    done += nodeFs.writeSync(fd, bytes, done, bytes.length - done, position === null ? null : position + done);
  }
}

class DiskAppendFile implements AppendFile {
  readonly path: string;
  private fd: number;
  size: number;

  constructor(path: string) {
    this.path = path;
    this.fd = nodeFs.openSync(path, "a+");
    this.size = nodeFs.fstatSync(this.fd).size;
  }

  append(bytes: Uint8Array): void {
    writeFully(this.fd, bytes, null);
    this.size += bytes.length;
  }

  appendv(parts: Uint8Array[]): void {
    let total = 0;
    for (const p of parts) total += p.length;
    // The fd is O_APPEND, so every write lands at the end; writev writes all parts in one call.
    const n = nodeFs.writevSync(this.fd, parts);
    if (n < total) {
      // A short write (rare for regular files): write the rest part by part.
      let skip = n;
      for (const p of parts) {
        if (skip >= p.length) {
          skip -= p.length;
          continue;
        }
        writeFully(this.fd, p.subarray(skip), null);
        skip = 0;
      }
    }
    this.size += total;
  }

  read(position: number, length: number): Uint8Array {
    const n = Math.max(0, Math.min(length, this.size - position));
    // Not zero-filled: every byte is read over (a fresh zeroed buffer per Fetch showed up as
    // page faults and memset in profiles).
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const got = nodeFs.readSync(this.fd, out, done, n - done, position + done);
      if (got === 0) return out.subarray(0, done);
      done += got;
    }
    return out;
  }

  truncate(size: number): void {
    nodeFs.ftruncateSync(this.fd, size);
    this.size = size;
  }

  sync(): void {
    nodeFs.fsyncSync(this.fd);
  }

  private syncsInFlight = 0;
  private closeWhenSynced = false;

  datasync(): Promise<void> {
    const fd = this.fd;
    if (fd < 0) return Promise.reject(new Error(`${this.path}: datasync of a closed file`));
    this.syncsInFlight++;
    return new Promise((resolve, reject) => {
      nodeFs.fdatasync(fd, (err) => {
        // The fd stays open until its last datasync is done, so it is never a reused number.
        if (--this.syncsInFlight === 0 && this.closeWhenSynced) this.closeNow();
        if (err) reject(err);
        else resolve();
      });
    });
  }

  close(): void {
    if (this.fd < 0 || this.closeWhenSynced) return;
    if (this.syncsInFlight > 0) this.closeWhenSynced = true;
    else this.closeNow();
  }

  private closeNow(): void {
    nodeFs.closeSync(this.fd);
    this.fd = -1;
    this.closeWhenSynced = false;
  }
}

// ---------------------------------------------------------------------------------------------

class MemoryFile {
  data = new Uint8Array(0);
  length = 0;
  /** Contents as of the last sync (what survives a power loss). */
  synced = new Uint8Array(0);

  bytes(): Uint8Array {
    return this.data.subarray(0, this.length);
  }

  write(at: number, bytes: Uint8Array): void {
    const end = at + bytes.length;
    if (end > this.data.length) {
      const next = new Uint8Array(Math.max(end, this.data.length * 2, 64));
      next.set(this.data.subarray(0, this.length));
      this.data = next;
    }
    this.data.set(bytes, at);
    this.length = Math.max(this.length, end);
  }

  setLength(size: number): void {
    if (size > this.length) this.write(this.length, new Uint8Array(size - this.length));
    else this.length = size;
  }

  sync(): void {
    this.synced = this.bytes().slice();
  }
}

/** An error shaped like node:fs's (code, syscall, path), as MemoryFileSystem's failure modes throw. */
export function fileSystemError(code: "ENOSPC" | "EIO", syscall: string, path: string): NodeJS.ErrnoException {
  const text = code === "ENOSPC" ? "no space left on device" : "i/o error";
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, syscall, path, errno: code === "ENOSPC" ? -28 : -5 });
}

/** The operations MemoryFileSystem.failIo can make fail. */
export type FileOperation = "write" | "truncate" | "sync" | "read";

export interface DiskFullOptions {
  /**
   * A write that does not fit lands in part (the bytes that fit) before failing, as a write(2)
   * loop does on a real disk. Default true; false: nothing of it lands.
   */
  shortWrites?: boolean;
}

export interface CrashOptions {
  /** Power loss: every file goes back to its contents at its last sync. Default false. */
  loseUnsynced?: boolean;
  /** Keep only this many bytes of the most recent append (a torn write); applied after loseUnsynced. */
  tearLastWriteTo?: number;
}

/**
 * An in-memory FileSystem for tests. Directory entries (create, rename, remove) are treated as
 * durable at once; file contents only at sync. `crash()` invalidates every open file.
 */
export class MemoryFileSystem implements FileSystem {
  /** Counts and "releases" (no-op: the mappings are copies) as DiskFileSystem does. */
  readonly residentMappings: ResidentMappings;
  private readonly files = new Map<string, MemoryFile>();
  private readonly dirs = new Set<string>(["/"]);
  /** Live mappings per path (mmap until unmap). */
  private readonly mapped = new Map<string, Set<Uint8Array>>();
  /** Locked paths (tryLock); a crash drops them all, as the OS drops a dead process's locks. */
  private readonly locks = new Set<string>();
  private generation = 0;
  private lastWrite: { file: MemoryFile; at: number; length: number } | null = null;
  private capacity: number | null = null;
  private shortWrites = true;
  private ioFailure: ((op: FileOperation, path: string) => boolean) | null = null;

  constructor(opts: FileSystemOptions = {}) {
    this.residentMappings = new ResidentMappings(opts.mappedResidentBytes ?? DEFAULT_MAPPED_RESIDENT_BYTES, () => {});
  }

  /**
   * Full-disk mode: file contents may take at most `bytes` in all (null: unlimited). A write
   * past it fails with ENOSPC, after landing in part unless shortWrites is false; truncating,
   * removing and creating empty files still work (as on a real full disk). Lowering the
   * capacity below what is used only makes the next growing write fail.
   */
  setCapacity(bytes: number | null, opts: DiskFullOptions = {}): void {
    this.capacity = bytes;
    this.shortWrites = opts.shortWrites ?? true;
  }

  /** Bytes of file contents held (what the capacity counts). */
  get usedBytes(): number {
    let n = 0;
    for (const f of this.files.values()) n += f.length;
    return n;
  }

  /**
   * I/O-error mode: every operation for which `fails(op, path)` is true throws EIO, changing
   * nothing (null: none fail).
   */
  failIo(fails: ((op: FileOperation, path: string) => boolean) | null): void {
    this.ioFailure = fails;
  }

  /** @internal Throws EIO if the I/O-error mode says this operation fails. */
  checkIo(op: FileOperation, path: string): void {
    if (this.ioFailure?.(op, path)) throw fileSystemError("EIO", op, path);
  }

  /**
   * @internal How many of `wanted` more bytes fit. Throws ENOSPC when none may be written:
   * all do not fit and short writes are off (or nothing fits).
   */
  room(wanted: number, path: string, syscall: string): number {
    if (this.capacity === null || wanted === 0) return wanted;
    const free = Math.max(0, this.capacity - this.usedBytes);
    if (free >= wanted) return wanted;
    if (!this.shortWrites || free === 0) throw fileSystemError("ENOSPC", syscall, path);
    return free;
  }

  open(path: string): AppendFile {
    this.checkParent(path);
    let file = this.files.get(path);
    if (!file) this.files.set(path, (file = new MemoryFile()));
    return new MemoryAppendFile(this, path, file, this.generation);
  }

  /** @internal used by MemoryAppendFile */
  checkGeneration(gen: number, path: string): void {
    if (gen !== this.generation) throw new Error(`${path}: file handle invalidated by a simulated crash`);
  }

  /** @internal */
  noteWrite(file: MemoryFile, at: number, length: number): void {
    this.lastWrite = { file, at, length };
  }

  /** @internal */
  checkNotMapped(path: string, op: string): void {
    if (this.mapped.get(path)?.size) throw new Error(`${op} of mmapped file ${path} (unmap first)`);
  }

  /** @internal Truncating below a live mapping's length: the next touch of its tail would be a SIGBUS. */
  checkTruncate(path: string, size: number): void {
    for (const m of this.mapped.get(path) ?? []) {
      if (m.length > size) throw new Error(`truncate of ${path} to ${size} below a mapping of ${m.length} bytes (would crash Bun)`);
    }
  }

  exists(path: string): boolean {
    return this.files.has(path) || this.dirs.has(path);
  }
  isDirectory(path: string): boolean {
    return this.dirs.has(path);
  }
  size(path: string): number {
    return this.file(path).length;
  }
  readFile(path: string): Uint8Array {
    return this.file(path).bytes().slice();
  }
  writeFileAtomic(path: string, bytes: Uint8Array): void {
    this.checkParent(path);
    this.checkNotMapped(path, "overwrite");
    this.checkIo("write", `${path}.tmp`);
    // The temp file needs room next to the old file; on failure it is removed (nothing lands).
    if (this.room(bytes.length, `${path}.tmp`, "write") < bytes.length) throw fileSystemError("ENOSPC", "write", `${path}.tmp`);
    const f = new MemoryFile();
    f.write(0, bytes);
    f.sync();
    this.files.set(path, f);
  }
  list(dir: string): string[] {
    const prefix = dir.endsWith("/") ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const p of [...this.files.keys(), ...this.dirs]) {
      if (p.startsWith(prefix) && p.length > prefix.length) names.add(p.slice(prefix.length).split("/")[0]!);
    }
    return [...names].sort();
  }
  mkdir(dir: string): void {
    for (let d = dir; d !== "/" && d !== "." && !this.dirs.has(d); d = dirname(d)) this.dirs.add(d);
  }
  rename(from: string, to: string): void {
    const f = this.files.get(from);
    if (f) {
      this.checkParent(to);
      this.checkNotMapped(from, "rename");
      this.checkNotMapped(to, "rename over");
      this.files.delete(from);
      this.files.set(to, f);
      return;
    }
    if (!this.dirs.has(from)) throw new Error(`ENOENT: rename ${from}`);
    const prefix = `${from}/`;
    for (const p of [...this.files.keys()]) {
      if (p.startsWith(prefix)) {
        this.files.set(join(to, p.slice(prefix.length)), this.files.get(p)!);
        this.files.delete(p);
      }
    }
    for (const d of [...this.dirs]) {
      if (d === from || d.startsWith(prefix)) {
        this.dirs.delete(d);
        this.dirs.add(to + d.slice(from.length));
      }
    }
  }
  syncDir(_path: string): void {
    // Directory entries are durable at once here (see the class comment).
  }

  remove(path: string): void {
    if (this.files.has(path)) {
      this.checkNotMapped(path, "delete");
      this.files.delete(path);
      return;
    }
    const prefix = `${path}/`;
    for (const p of [...this.files.keys()]) {
      if (p.startsWith(prefix)) {
        this.checkNotMapped(p, "delete");
        this.files.delete(p);
      }
    }
    for (const d of [...this.dirs]) if (d === path || d.startsWith(prefix)) this.dirs.delete(d);
  }
  truncate(path: string, size: number): void {
    this.checkTruncate(path, size);
    this.checkIo("truncate", path);
    const f = this.file(path);
    if (size > f.length && this.room(size - f.length, path, "ftruncate") < size - f.length) throw fileSystemError("ENOSPC", "ftruncate", path);
    f.setLength(size);
  }
  mmap(path: string, length?: number): Uint8Array {
    const f = this.file(path);
    if (f.length === 0) throw new Error(`EINVAL: mmap of empty file ${path}`);
    // A copy, not a view of the live bytes: later appends must not show through, as they do not
    // in a real mapping of a fixed length.
    const m = f.data.slice(0, Math.min(length ?? f.length, f.length));
    let live = this.mapped.get(path);
    if (!live) this.mapped.set(path, (live = new Set()));
    live.add(m);
    return m;
  }
  unmap(path: string, mapping: Uint8Array): void {
    this.residentMappings.unmap(mapping);
    // A mapping from before a crash() is already forgotten.
    const live = this.mapped.get(path);
    if (live?.delete(mapping) && live.size === 0) this.mapped.delete(path);
  }
  noteMappedRead(mapping: Uint8Array, start: number, end: number): void {
    if (end > mapping.length || start < 0) throw new RangeError(`read [${start}, ${end}) of a mapping of ${mapping.length} bytes`);
    this.residentMappings.read(mapping, start, end);
  }

  /** Lengths of the live mappings of `path` (tests). */
  mappedLengths(path: string): number[] {
    return [...(this.mapped.get(path) ?? [])].map((m) => m.length);
  }

  tryLock(path: string): FileLockAttempt {
    if (this.locks.has(path)) return { acquired: false, holderPid: process.pid };
    this.checkParent(path);
    if (!this.files.has(path)) this.files.set(path, new MemoryFile());
    this.locks.add(path);
    const gen = this.generation;
    let held = true;
    const lock: HeldFileLock = {
      path,
      acrossProcesses: false,
      release: () => {
        // A lock from before a crash died with its process; a later holder's lock stays.
        if (!held || gen !== this.generation) return;
        held = false;
        this.locks.delete(path);
        this.files.delete(path);
      },
    };
    return { acquired: true, lock };
  }

  /** Simulates a crash; see CrashOptions. Every open AppendFile becomes unusable; every lock is released. */
  crash(opts: CrashOptions = {}): void {
    this.generation++;
    for (const live of this.mapped.values()) for (const m of live) this.residentMappings.unmap(m);
    this.mapped.clear();
    this.locks.clear();
    if (opts.loseUnsynced) {
      for (const f of this.files.values()) {
        const synced = f.synced;
        f.length = 0;
        f.write(0, synced);
        f.length = synced.length;
      }
    }
    const lw = this.lastWrite;
    if (opts.tearLastWriteTo !== undefined && lw) {
      const keep = Math.min(opts.tearLastWriteTo, lw.length);
      if (lw.file.length > lw.at + keep) lw.file.length = lw.at + keep;
    }
    this.lastWrite = null;
  }

  /** Copies a directory tree from the real disk into this file system (fixtures). */
  loadFromDisk(diskDir: string, memDir: string): void {
    this.mkdir(memDir);
    for (const name of nodeFs.readdirSync(diskDir)) {
      const src = join(diskDir, name);
      const dst = join(memDir, name);
      if (nodeFs.statSync(src).isDirectory()) this.loadFromDisk(src, dst);
      else this.writeFileAtomic(dst, new Uint8Array(nodeFs.readFileSync(src)));
    }
  }

  private checkParent(path: string): void {
    const parent = dirname(path);
    if (parent !== "/" && !this.dirs.has(parent)) throw new Error(`ENOENT: no such directory ${parent}`);
  }

  private file(path: string): MemoryFile {
    const f = this.files.get(path);
    if (!f) throw new Error(`ENOENT: no such file ${path}`);
    return f;
  }
}

class MemoryAppendFile implements AppendFile {
  constructor(
    private readonly fs: MemoryFileSystem,
    readonly path: string,
    private readonly file: MemoryFile,
    private readonly gen: number,
  ) {}

  get size(): number {
    return this.file.length;
  }

  append(bytes: Uint8Array): void {
    this.appendv([bytes]);
  }

  appendv(parts: Uint8Array[]): void {
    this.fs.checkGeneration(this.gen, this.path);
    this.fs.checkIo("write", this.path);
    let total = 0;
    for (const p of parts) total += p.length;
    const fits = this.fs.room(total, this.path, "write");
    const at = this.file.length;
    let left = fits;
    for (const p of parts) {
      if (left <= 0) break;
      const n = Math.min(left, p.length);
      this.file.write(this.file.length, n === p.length ? p : p.subarray(0, n));
      left -= n;
    }
    this.fs.noteWrite(this.file, at, this.file.length - at);
    // A short write: the bytes that fit landed; the rest fails as write(2) then does.
    if (fits < total) throw fileSystemError("ENOSPC", "write", this.path);
  }

  read(position: number, length: number): Uint8Array {
    this.fs.checkGeneration(this.gen, this.path);
    this.fs.checkIo("read", this.path);
    const end = Math.min(this.file.length, position + length);
    return position >= end ? new Uint8Array(0) : this.file.data.slice(position, end);
  }

  truncate(size: number): void {
    this.fs.checkGeneration(this.gen, this.path);
    this.fs.checkTruncate(this.path, size);
    this.fs.checkIo("truncate", this.path);
    const grow = size - this.file.length;
    if (grow > 0 && this.fs.room(grow, this.path, "ftruncate") < grow) throw fileSystemError("ENOSPC", "ftruncate", this.path);
    this.file.setLength(size);
  }

  sync(): void {
    this.fs.checkGeneration(this.gen, this.path);
    this.fs.checkIo("sync", this.path);
    this.file.sync();
  }

  datasync(): Promise<void> {
    // What is appended now is what the sync covers, as with a real fdatasync issued now; it
    // completes a turn of the event loop later, as a real one would (appends meanwhile may or
    // may not be covered: callers must not count on them).
    try {
      this.sync();
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise((resolve) => setImmediate(resolve));
  }

  close(): void {}
}
