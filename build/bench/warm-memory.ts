// Touches the machine's free memory once, before any broker runs. On a VM whose host backs guest
// memory lazily (this one: Firecracker), the first write to a never-used guest page costs a host
// fault: measured here, writing 512 MiB into the page cache took 631 ms of system time on
// never-touched memory and 92-141 ms on memory touched once before. Page-cache writes are most of
// a broker's produce CPU, so without this step whichever broker runs first (or writes into fresh
// memory) pays several times the kernel CPU of the other, and produce CPU per GiB measures the
// VM, not the broker. Freed pages stay backed, so touching them once in a child process that
// then exits is enough.
//
//   bun build/bench/warm-memory.ts [keep-free-MiB]   (run as a child by run.ts)

import { readFileSync } from "node:fs";

const MiB = 1024 * 1024;

/** MemFree of /proc/meminfo, in bytes (0 when unreadable). */
export function memFreeBytes(): number {
  try {
    const m = /^MemFree:\s+(\d+) kB/m.exec(readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Touches all free memory but `keepFreeBytes`, 256 MiB at a time; returns the bytes touched. */
function touch(keepFreeBytes: number): number {
  const chunk = 256 * MiB;
  const held: Uint8Array[] = [];
  let touched = 0;
  while (memFreeBytes() - chunk > keepFreeBytes) {
    const a = new Uint8Array(chunk);
    a.fill(1); // a write to every page
    held.push(a);
    touched += chunk;
  }
  return touched;
}

if (import.meta.main) {
  const keep = Number(process.argv[2] ?? 2048) * MiB;
  const t0 = performance.now();
  const touched = touch(keep);
  console.log(JSON.stringify({ touchedBytes: touched, ms: Math.round(performance.now() - t0) }));
}
