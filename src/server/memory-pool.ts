// The broker-wide budget for request bytes held between socket reads (Kafka's SimpleMemoryPool
// behind `queued.max.request.bytes`, non-strict: a reservation succeeds while any memory is
// left). What it holds is each connection's partial frame, by the capacity of its buffer; a
// frame that arrives whole within one socket read is handled from that read's buffer and
// reserves nothing. Kafka reserves a frame's announced size when its length prefix arrives, so
// a receive that got its buffer always completes; Bunka reserves only what the bytes received so
// far need (Connection grows a partial frame as they arrive), so a size prefix alone costs
// nothing, and progress needs a rule of its own: once the pool is used up, one connection (the
// "finisher") may still grow its frame to the end, while the others stop reading until memory is
// released or the finisher's frame is whole (Kafka's Selector mutes a channel it cannot allocate
// for). Usage thus stays under the limit plus one frame (socket.request.max.bytes) plus what
// each paused socket had already read.
// The pool also counts the bytes of responses not yet written to their sockets, for the record:
// each connection bounds those itself (Connection.RESPONSE_BYTES_BEFORE_MUTE).
// A connection keeps its receive buffer between frames (reused, not reallocated per frame: the
// copying and allocating of request frames was 22% of the broker's JS time under kcat produce).
// An idle buffer kept that way is "retained": it counts against the limit like a partial frame,
// is only kept while it fits under the limit, and is given up (the oldest first) as soon as a
// reservation finds the pool used up, so retention never makes anyone wait.

/** A connection whose idle receive buffer the pool may take back. */
export interface RetainedBuffer {
  /** Drops the idle buffer; calls MemoryPool.unretain. */
  dropRetained(): void;
}

export class MemoryPool {
  /** Bytes allowed, Infinity when `queued.max.request.bytes` is 0 or negative (as in Kafka). */
  readonly limit: number;
  /** Bytes of partial request frames held now (buffer capacities). */
  requestBytes = 0;
  /** Bytes of idle receive buffers kept for reuse by their connections. */
  retainedBytes = 0;
  private readonly retained = new Map<RetainedBuffer, number>();
  /** Bytes of encoded responses not yet written to their sockets, over all connections. */
  responseBytes = 0;
  /** The one reader allowed to finish its frame while the pool is used up. */
  finisher: object | null = null;
  private readonly waiting = new Set<() => void>();

  constructor(queuedMaxRequestBytes: number) {
    this.limit = queuedMaxRequestBytes > 0 ? queuedMaxRequestBytes : Infinity;
  }

  /** True when no memory is left: new reservations should wait (Kafka's isOutOfMemory). */
  get exhausted(): boolean {
    return this.requestBytes + this.retainedBytes >= this.limit;
  }

  reserve(bytes: number): void {
    this.requestBytes += bytes;
    // Idle buffers go first (oldest first), before anyone is made to wait.
    for (const holder of this.retained.keys()) {
      if (!this.exhausted) break;
      holder.dropRetained();
    }
  }

  /** Keeps `holder`'s idle buffer of `bytes` if it fits under the limit; false: drop it. */
  retain(holder: RetainedBuffer, bytes: number): boolean {
    if (this.requestBytes + this.retainedBytes + bytes >= this.limit) return false;
    this.retained.set(holder, bytes);
    this.retainedBytes += bytes;
    return true;
  }

  /** The idle buffer is in use again (reserve it) or dropped. */
  unretain(holder: RetainedBuffer): void {
    const bytes = this.retained.get(holder);
    if (bytes === undefined) return;
    this.retained.delete(holder);
    this.retainedBytes -= bytes;
    if (!this.exhausted) this.wake();
  }

  release(bytes: number): void {
    this.requestBytes -= bytes;
    if (!this.exhausted) this.wake();
  }

  /** The finisher's frame is whole (or it went away): the next one may be chosen. */
  finished(finisher: object): void {
    if (this.finisher !== finisher) return;
    this.finisher = null;
    this.wake();
  }

  private wake(): void {
    if (this.waiting.size === 0) return;
    const woken = [...this.waiting];
    this.waiting.clear();
    for (const wake of woken) wake();
  }

  /** Calls `wake` once memory is available again (unless cancelled first). */
  whenAvailable(wake: () => void): void {
    this.waiting.add(wake);
  }

  cancel(wake: () => void): void {
    this.waiting.delete(wake);
  }
}
