// Exclusive locks on files for DiskFileSystem.tryLock: the lock Kafka takes on `<logDir>/.lock`
// (LogManager.lockLogDirs → server-common FileLock → FileChannel.tryLock), which the JDK on Linux
// takes with fcntl(F_SETLK) as a POSIX record lock over the whole file. Taking the same kind of
// lock makes a Bunka broker and a Kafka broker exclude each other on one log dir, in either
// order, and F_GETLK names the process holding it. The kernel drops the lock when the process
// dies (kill -9 included), so a stale `.lock` file never blocks a restart.
//
// node:fs has no fcntl, so it is called in libc through bun:ffi (part of Bun, also inside the
// compiled binary). struct flock on 64-bit Linux (x86-64 and aarch64 alike, the generic layout):
//     short l_type @0 | short l_whence @2 | off_t l_start @8 | off_t l_len @16 | pid_t l_pid @24
// 32 bytes in all; F_GETLK = 5, F_SETLK = 6, F_RDLCK/F_WRLCK/F_UNLCK = 0/1/2 (the 64-bit F_*64
// commands are the same numbers). l_start = l_len = 0 covers the whole file, as the JDK's
// tryLock() (position 0, size Long.MAX_VALUE) does.
//
// POSIX locks belong to the process, not the descriptor: a second lock from the same process
// succeeds, and closing ANY descriptor of the file drops the lock. So locks held in this process
// are also tracked here (a second tryLock of the same file is refused, as the JDK's
// OverlappingFileLockException makes Kafka's tryLock fail), and the locked file is never opened
// elsewhere. Other platforms get that in-process exclusion only (`acrossProcesses: false`).

import { dlopen, FFIType, ptr, read } from "bun:ffi";
import * as nodeFs from "node:fs";
import { basename, dirname, join } from "node:path";

const F_GETLK = 5;
const F_SETLK = 6;
const F_WRLCK = 1;
const F_UNLCK = 2;
const FLOCK_SIZE = 32;
const L_TYPE = 0;
const L_PID = 24;
const EACCES = 13;
const EAGAIN = 11;

type Libc = {
  fcntl: (fd: number, cmd: number, arg: ReturnType<typeof ptr>) => number;
  errno: () => number;
};

let libc: Libc | null | undefined;

/** libc's fcntl, or null where the struct flock layout above does not hold. */
function loadLibc(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (process.platform !== "linux" || (process.arch !== "x64" && process.arch !== "arm64")) return libc;
  const names = ["libc.so.6", `libc.musl-${process.arch === "x64" ? "x86_64" : "aarch64"}.so.1`];
  for (const name of names) {
    try {
      const lib = dlopen(name, {
        // fcntl is variadic; on x86-64 and aarch64 Linux a pointer third argument is passed as a
        // fixed one would be.
        fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
        __errno_location: { args: [], returns: FFIType.ptr },
      });
      const s = lib.symbols;
      libc = {
        fcntl: (fd, cmd, arg) => s.fcntl(fd, cmd, arg),
        errno: () => read.i32(s.__errno_location()!, 0),
      };
      return libc;
    } catch {
      // try the next name
    }
  }
  return libc;
}

/** A held lock; release() unlocks and closes it. */
export interface HeldFileLock {
  readonly path: string;
  /** True when other processes are excluded too (a POSIX lock), false for the in-process lock only. */
  readonly acrossProcesses: boolean;
  release(): void;
}

export type FileLockAttempt =
  | { acquired: true; lock: HeldFileLock }
  /** holderPid: the process holding it (this one when it is held here), null if unknown. */
  | { acquired: false; holderPid: number | null };

/** Files locked by this process, by real path. */
const heldHere = new Set<string>();

/**
 * Creates `path` if missing and takes an exclusive lock on it without waiting. Throws on an I/O
 * error other than "held by another process".
 */
export function tryLockFile(path: string): FileLockAttempt {
  const key = join(nodeFs.realpathSync(dirname(path)), basename(path));
  if (heldHere.has(key)) return { acquired: false, holderPid: process.pid };
  const fd = nodeFs.openSync(path, nodeFs.constants.O_RDWR | nodeFs.constants.O_CREAT, 0o644);
  const c = loadLibc();
  if (c !== null) {
    const fl = new Uint8Array(FLOCK_SIZE);
    const dv = new DataView(fl.buffer);
    dv.setInt16(L_TYPE, F_WRLCK, true); // whence SEEK_SET, start 0, len 0: the whole file
    if (c.fcntl(fd, F_SETLK, ptr(fl)) !== 0) {
      const errno = c.errno();
      let holderPid: number | null = null;
      if (errno === EAGAIN || errno === EACCES) {
        fl.fill(0);
        dv.setInt16(L_TYPE, F_WRLCK, true);
        if (c.fcntl(fd, F_GETLK, ptr(fl)) === 0 && dv.getInt16(L_TYPE, true) !== F_UNLCK) {
          const pid = dv.getInt32(L_PID, true);
          holderPid = pid > 0 ? pid : null; // -1: an open file description lock (no owner)
        }
      }
      nodeFs.closeSync(fd);
      if (errno === EAGAIN || errno === EACCES) return { acquired: false, holderPid };
      throw new Error(`fcntl(F_SETLK) on ${path} failed with errno ${errno}`);
    }
  }
  heldHere.add(key);
  let held = true;
  return {
    acquired: true,
    lock: {
      path,
      acrossProcesses: c !== null,
      release() {
        if (!held) return;
        held = false;
        // As Kafka's FileLock.destroy: unlock, delete the file, close. Closing the descriptor
        // releases the POSIX lock; the file goes first so that nobody locks a file being removed.
        try {
          nodeFs.rmSync(path, { force: true });
        } finally {
          nodeFs.closeSync(fd);
          heldHere.delete(key);
        }
      },
    },
  };
}

/** The command name of a process (Linux /proc/<pid>/comm), if it can be read. */
export function processName(pid: number): string | null {
  try {
    return nodeFs.readFileSync(`/proc/${pid}/comm`, "utf8").trim() || null;
  } catch {
    return null;
  }
}
