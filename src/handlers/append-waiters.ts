// Long-polling Fetch parks here until one of the partitions it reads gets an append (or its
// wait ends). Produce calls notifyAppended after every append. Waiting never blocks the event
// loop: other connections and groups keep being served.

import type { PartitionLog } from "../storage/partition-log.ts";

const waiting = new Map<PartitionLog, Set<() => void>>();

export function notifyAppended(log: PartitionLog): void {
  const wakers = waiting.get(log);
  if (wakers === undefined) return;
  waiting.delete(log);
  for (const wake of wakers) wake();
}

/** Resolves true when any of `logs` gets an append, false when `timeoutMs` passes first. */
export function waitForAppend(logs: PartitionLog[], timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (appended: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      for (const log of logs) {
        const set = waiting.get(log);
        set?.delete(wake);
        if (set?.size === 0) waiting.delete(log);
      }
      resolve(appended);
    };
    const wake = () => finish(true);
    const timer = setTimeout(() => finish(false), Math.max(0, timeoutMs));
    for (const log of logs) {
      let set = waiting.get(log);
      if (set === undefined) waiting.set(log, (set = new Set()));
      set.add(wake);
    }
  });
}
