// Event-loop delay: a timer asks to run every `intervalMs` and records how late it ran, into a
// histogram (Node's monitorEventLoopDelay does the same from libuv; here a plain timer, so the
// figure is what any callback of this broker waits). The timer is unref'd: it never keeps the
// process alive.

import { Histogram, LATENCY_BUCKETS_SECONDS } from "./exposition.ts";

export class EventLoopDelay {
  readonly histogram = new Histogram(LATENCY_BUCKETS_SECONDS);
  /** The largest delay seen, in seconds. */
  max = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly intervalMs = 100) {}

  start(): this {
    const tick = (expected: number) => {
      const late = Math.max(0, performance.now() - expected) / 1000;
      this.histogram.observe(late);
      if (late > this.max) this.max = late;
      this.arm();
    };
    this.arm = () => {
      const expected = performance.now() + this.intervalMs;
      this.timer = setTimeout(tick, this.intervalMs, expected);
      this.timer.unref?.();
    };
    this.arm();
    return this;
  }

  private arm: () => void = () => {};

  stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.arm = () => {};
  }
}
