// The log cleaner's offset map (Kafka's SkimpyOffsetMap): key → newest offset, in a fixed block of
// memory sized by log.cleaner.dedupe.buffer.size, so the cleaner's memory is bounded whatever the
// keys. A key is stored as a 128-bit hash (four 32-bit lanes, each a Murmur3-style mix of the key
// bytes with its own seed) and an offset: 24 bytes a slot, as in Kafka, with open addressing and
// a load factor of 0.9 (log.cleaner.io.buffer.load.factor). Like Kafka's MD5-based map, two keys
// with the same 128-bit hash would be taken for one; the chance is negligible. Nothing is
// allocated per key looked up.

const SLOT_BYTES = 24;
const LOAD_FACTOR = 0.9;
const SEEDS = [0x9747b28c, 0x85ebca6b, 0xc2b2ae35, 0x27d4eb2f] as const;

export class OffsetMap {
  readonly capacity: number;
  /** The memory it was given (log.cleaner.dedupe.buffer.size). */
  readonly memoryBytes: number;
  private readonly hashes: Uint32Array;
  private readonly offsets: Float64Array;
  private readonly used: Uint8Array;
  private entries = 0;
  private readonly h = new Uint32Array(4);

  constructor(memoryBytes: number) {
    this.memoryBytes = memoryBytes;
    this.capacity = Math.max(16, Math.floor(memoryBytes / SLOT_BYTES));
    this.hashes = new Uint32Array(this.capacity * 4);
    this.offsets = new Float64Array(this.capacity);
    this.used = new Uint8Array(this.capacity);
  }

  get size(): number {
    return this.entries;
  }

  /** Forgets every key (the memory stays, for the next pass). */
  clear(): void {
    this.used.fill(0);
    this.entries = 0;
  }

  /** No more keys fit without passing the load factor. */
  get isFull(): boolean {
    return this.entries >= Math.floor(this.capacity * LOAD_FACTOR);
  }

  /** Records `offset` as the newest offset of the key in bytes[start, end); false when full (new key). */
  put(bytes: Uint8Array, start: number, end: number, offset: number): boolean {
    const slot = this.find(bytes, start, end);
    if (this.used[slot] === 0) {
      if (this.isFull) return false;
      this.used[slot] = 1;
      this.hashes.set(this.h, slot * 4);
      this.entries++;
    }
    this.offsets[slot] = offset;
    return true;
  }

  /** The newest offset recorded for the key, or -1. */
  get(bytes: Uint8Array, start: number, end: number): number {
    const slot = this.find(bytes, start, end);
    return this.used[slot] === 1 ? this.offsets[slot]! : -1;
  }

  /** The slot holding the key's hash, or the empty slot where it would go (linear probing). */
  private find(bytes: Uint8Array, start: number, end: number): number {
    const h = this.h;
    for (let lane = 0; lane < 4; lane++) h[lane] = hash32(bytes, start, end, SEEDS[lane]!);
    let slot = h[0]! % this.capacity;
    for (;;) {
      if (this.used[slot] === 0) return slot;
      const at = slot * 4;
      if (this.hashes[at] === h[0] && this.hashes[at + 1] === h[1] && this.hashes[at + 2] === h[2] && this.hashes[at + 3] === h[3]) return slot;
      slot = slot + 1 === this.capacity ? 0 : slot + 1;
    }
  }
}

/** Murmur3 (x86, 32-bit) of bytes[start, end) with `seed`. */
function hash32(b: Uint8Array, start: number, end: number, seed: number): number {
  let h = seed | 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    let k = b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = end - i;
  if (rest > 0) {
    let k = b[i]!;
    if (rest > 1) k ^= b[i + 1]! << 8;
    if (rest > 2) k ^= b[i + 2]! << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= end - start;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
