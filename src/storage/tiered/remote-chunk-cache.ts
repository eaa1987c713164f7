// A bounded cache of fixed-size chunks of remote objects (Kafka's RemoteIndexCache plays this
// part for indexes; for segment data Kafka reads the object stream once per fetch). A read of
// [start, end) of an object becomes ranged GETs of the chunks it touches that are not cached;
// the least recently used chunks go when the total passes the bound. Remote objects never
// change (a re-upload gets a new key), so a cached chunk is never stale.

import type { ObjectStore } from "./object-store.ts";

export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
export const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;

export class RemoteChunkCache {
  /** key + ":" + chunk index → bytes; Map order is the LRU order (oldest first). */
  private readonly chunks = new Map<string, Uint8Array>();
  private bytes = 0;
  readonly stats = { hits: 0, misses: 0, evictions: 0 };

  constructor(
    private readonly store: ObjectStore,
    readonly maxBytes = DEFAULT_CACHE_BYTES,
    readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {}

  /** Bytes [start, end) of the object `key` of `size` bytes (end clamped to size). */
  async read(key: string, size: number, start: number, end: number): Promise<Uint8Array> {
    end = Math.min(end, size);
    if (start >= end) return new Uint8Array(0);
    const first = Math.floor(start / this.chunkBytes);
    const last = Math.floor((end - 1) / this.chunkBytes);
    if (first === last) {
      // Within one chunk (most reads): a view, no copy. Chunks are never written after they are
      // fetched, and a view keeps an evicted chunk alive only as long as its reader holds it.
      const chunk = await this.chunk(key, size, first);
      const chunkStart = first * this.chunkBytes;
      return chunk.subarray(start - chunkStart, end - chunkStart);
    }
    const parts = await Promise.all(
      Array.from({ length: last - first + 1 }, (_, i) => this.chunk(key, size, first + i)),
    );
    const out = new Uint8Array(end - start);
    let at = 0;
    for (let i = 0; i < parts.length; i++) {
      const chunkStart = (first + i) * this.chunkBytes;
      const from = Math.max(start - chunkStart, 0);
      const to = Math.min(end - chunkStart, parts[i]!.length);
      out.set(parts[i]!.subarray(from, to), at);
      at += to - from;
    }
    return out;
  }

  /** Drops every chunk of `key` (its object was deleted). */
  forget(key: string): void {
    for (const [k, v] of this.chunks) {
      if (k.startsWith(`${key}:`)) {
        this.chunks.delete(k);
        this.bytes -= v.length;
      }
    }
  }

  get cachedBytes(): number {
    return this.bytes;
  }

  private async chunk(key: string, size: number, index: number): Promise<Uint8Array> {
    const id = `${key}:${index}`;
    const hit = this.chunks.get(id);
    if (hit !== undefined) {
      this.stats.hits++;
      this.chunks.delete(id);
      this.chunks.set(id, hit);
      return hit;
    }
    this.stats.misses++;
    const start = index * this.chunkBytes;
    const body = await this.store.get(key, { start, end: Math.min(start + this.chunkBytes, size) });
    if (!this.chunks.has(id)) {
      this.chunks.set(id, body);
      this.bytes += body.length;
      for (const [k, v] of this.chunks) {
        if (this.bytes <= this.maxBytes) break;
        this.chunks.delete(k);
        this.bytes -= v.length;
        this.stats.evictions++;
      }
    }
    return body;
  }
}
