// Keyed timers for the group coordinator, as Kafka's coordinator timer works: scheduling a key
// that is already scheduled replaces it, cancelling an unknown key does nothing. Two clocks:
// TimerScheduler runs on the process clock (setTimeout), ManualScheduler on a fake clock that a
// test moves forward with advance() — the coordinator's timing (session timeouts, rebalance
// timeouts, the initial rebalance delay) is tested without waiting.

export interface Scheduler {
  /** Milliseconds since the epoch, on this scheduler's clock. */
  now(): number;
  /** Runs `task` after `delayMs`, replacing whatever was scheduled under `key`. */
  schedule(key: string, delayMs: number, task: () => void): void;
  cancel(key: string): void;
  isScheduled(key: string): boolean;
  /** Cancels everything (shutdown). */
  cancelAll(): void;
}

export class TimerScheduler implements Scheduler {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  now(): number {
    return Date.now();
  }

  schedule(key: string, delayMs: number, task: () => void): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      if (this.timers.get(key) !== timer) return;
      this.timers.delete(key);
      task();
    }, Math.max(0, delayMs));
    this.timers.set(key, timer);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.timers.delete(key);
  }

  isScheduled(key: string): boolean {
    return this.timers.has(key);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

interface ManualTask {
  deadline: number;
  seq: number;
  task: () => void;
}

export class ManualScheduler implements Scheduler {
  private time: number;
  private seq = 0;
  private readonly tasks = new Map<string, ManualTask>();

  constructor(startMs = 1_700_000_000_000) {
    this.time = startMs;
  }

  now(): number {
    return this.time;
  }

  schedule(key: string, delayMs: number, task: () => void): void {
    this.tasks.set(key, { deadline: this.time + Math.max(0, delayMs), seq: this.seq++, task });
  }

  cancel(key: string): void {
    this.tasks.delete(key);
  }

  isScheduled(key: string): boolean {
    return this.tasks.has(key);
  }

  cancelAll(): void {
    this.tasks.clear();
  }

  /** Moves the clock forward, running every task that falls due, in deadline order. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      let nextKey: string | null = null;
      let next: ManualTask | null = null;
      for (const [key, t] of this.tasks) {
        if (t.deadline > target) continue;
        if (next === null || t.deadline < next.deadline || (t.deadline === next.deadline && t.seq < next.seq)) {
          next = t;
          nextKey = key;
        }
      }
      if (next === null || nextKey === null) break;
      this.tasks.delete(nextKey);
      this.time = Math.max(this.time, next.deadline);
      next.task();
    }
    this.time = target;
  }

  /** Keys scheduled now (for assertions). */
  get keys(): string[] {
    return [...this.tasks.keys()];
  }
}
