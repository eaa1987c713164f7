// A writer into pooled, growable ArrayBuffers. Responses reserve their 4-byte size prefix,
// encode the body, then back-fill the size (kfake's write()). Buffers come from a BufferPool and
// go back to it once the socket has written every byte (see server/connection.ts, which also
// keeps one writer per connection for the common case of a response written at once).

import { setInt64 } from "../records/int64.ts";
const utf8 = new TextEncoder();

/**
 * Free buffers in power-of-two size classes from 4 KiB to 4 MiB, at most `maxBytes` of them in
 * all (beyond that, and above 4 MiB, released buffers are left to the GC). A buffer must be
 * released once, and only when nothing refers to it any more.
 */
export class BufferPool {
  private static readonly MIN_SHIFT = 12;
  private static readonly MAX_SHIFT = 22;
  private readonly classes: Uint8Array[][] = [];
  private readonly maxBytes: number;
  /** Bytes of the free buffers held. */
  freeBytes = 0;

  constructor(maxBytes = 16 << 20) {
    this.maxBytes = maxBytes;
    for (let i = 0; i <= BufferPool.MAX_SHIFT; i++) this.classes.push([]);
  }

  acquire(minSize: number): Uint8Array {
    const shift = Math.max(BufferPool.MIN_SHIFT, 32 - Math.clz32(Math.max(1, minSize) - 1));
    const pooled = shift <= BufferPool.MAX_SHIFT ? this.classes[shift]!.pop() : undefined;
    if (pooled === undefined) return new Uint8Array(2 ** shift);
    this.freeBytes -= pooled.length;
    return pooled;
  }

  release(buf: Uint8Array): void {
    const size = buf.length;
    // Only whole buffers this pool handed out: a power of two, not a view into something larger.
    if (size > 1 << BufferPool.MAX_SHIFT || size < 1 << BufferPool.MIN_SHIFT || (size & (size - 1)) !== 0) return;
    if (buf.byteOffset !== 0 || buf.buffer.byteLength !== size || this.freeBytes + size > this.maxBytes) return;
    this.classes[31 - Math.clz32(size)]!.push(buf);
    this.freeBytes += size;
  }
}

export const sharedPool = new BufferPool();

export class Writer {
  buf: Uint8Array;
  view: DataView;
  pos = 0;
  private readonly pool: BufferPool | null;
  /**
   * Byte fields at least this long are referenced, not copied (zero-copy Fetch responses from
   * mmapped segments): the encoded message is then chunks() rather than finish().
   */
  spliceThreshold = Infinity;
  private splices: { at: number; bytes: Uint8Array }[] | null = null;
  /** Bytes referenced by splices: the message is pos + splicedBytes long. */
  splicedBytes = 0;

  constructor(initialSize = 4096, pool: BufferPool | null = sharedPool) {
    this.pool = pool;
    this.buf = pool ? pool.acquire(initialSize) : new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = this.pool ? this.pool.acquire(size) : new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.pool?.release(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /**
   * Empties the writer for another message, keeping its buffer (grown to `minSize` if smaller).
   * Only once the previous message's bytes are no longer referenced (written to the socket).
   */
  reset(minSize: number): void {
    this.pos = 0;
    this.splices = null;
    this.splicedBytes = 0;
    this.spliceThreshold = Infinity;
    if (minSize > this.buf.length) this.ensure(minSize);
  }

  /** The bytes written so far, a view of the (pooled) buffer. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  /** The message as the buffer's pieces with the referenced byte fields between them. */
  chunks(): Uint8Array[] {
    if (this.splices === null) return [this.finish()];
    const out: Uint8Array[] = [];
    let from = 0;
    for (const { at, bytes } of this.splices) {
      if (at > from) out.push(this.buf.subarray(from, at));
      out.push(bytes);
      from = at;
    }
    if (this.pos > from) out.push(this.buf.subarray(from, this.pos));
    return out;
  }

  /** Hands the underlying buffer back to the pool; the writer must not be used afterwards. */
  release(): void {
    this.pool?.release(this.buf);
  }

  int8(v: number): void {
    this.ensure(1);
    this.view.setInt8(this.pos++, v);
  }

  uint8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  bool(v: boolean): void {
    this.int8(v ? 1 : 0);
  }

  int16(v: number): void {
    this.ensure(2);
    this.view.setInt16(this.pos, v);
    this.pos += 2;
  }

  uint16(v: number): void {
    this.ensure(2);
    this.view.setUint16(this.pos, v);
    this.pos += 2;
  }

  int32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }

  uint32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v);
    this.pos += 4;
  }

  int64(v: number): void {
    this.ensure(8);
    setInt64(this.view, this.pos, v);
    this.pos += 8;
  }

  float64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v);
    this.pos += 8;
  }

  uvarint(v: number): void {
    if (v < 0x80 && v >= 0) {
      this.ensure(1);
      this.buf[this.pos++] = v;
      return;
    }
    this.ensure(10);
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.pos++] = v;
  }

  varint(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  varlong(v: number): void {
    this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  uuid(hex: string): void {
    this.ensure(16);
    for (let i = 0; i < 16; i++) this.buf[this.pos++] = parseInt(hex.substr(i * 2, 2), 16) || 0;
  }

  raw(bytes: Uint8Array): void {
    if (bytes.length >= this.spliceThreshold) {
      (this.splices ??= []).push({ at: this.pos, bytes });
      this.splicedBytes += bytes.length;
      return;
    }
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  private utf8(s: string, len: number): void {
    this.ensure(len);
    utf8.encodeInto(s, this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
  }

  string(s: string): void {
    const len = Buffer.byteLength(s);
    this.int16(len);
    this.utf8(s, len);
  }

  nullableString(s: string | null): void {
    if (s === null) return this.int16(-1);
    this.string(s);
  }

  compactString(s: string): void {
    const len = Buffer.byteLength(s);
    this.uvarint(len + 1);
    this.utf8(s, len);
  }

  compactNullableString(s: string | null): void {
    if (s === null) return this.uvarint(0);
    this.compactString(s);
  }

  bytes(b: Uint8Array): void {
    this.int32(b.length);
    this.raw(b);
  }

  nullableBytes(b: Uint8Array | null): void {
    if (b === null) return this.int32(-1);
    this.bytes(b);
  }

  compactBytes(b: Uint8Array): void {
    this.uvarint(b.length + 1);
    this.raw(b);
  }

  compactNullableBytes(b: Uint8Array | null): void {
    if (b === null) return this.uvarint(0);
    this.compactBytes(b);
  }

  varintBytes(b: Uint8Array | null): void {
    if (b === null) return this.varint(-1);
    this.varint(b.length);
    this.raw(b);
  }

  /** int32 array length; null arrays are -1. */
  arrayLength(n: number): void {
    this.int32(n);
  }

  /** Compact array length: N+1, null (-1) as 0. */
  compactArrayLength(n: number): void {
    this.uvarint(n + 1);
  }

  /**
   * Back-fills the size of a tagged field whose body was written after a one-byte placeholder at
   * `at`; a body of 128 bytes or more moves right to make room for the longer varint. (Byte
   * fields inside tagged fields are never spliced: the generated code turns splicing off there.)
   */
  backfillTagSize(at: number): void {
    const size = this.pos - at - 1;
    if (size < 0x80) {
      this.buf[at] = size;
      return;
    }
    let extra = 1;
    for (let s = size >>> 14; s > 0; s >>>= 7) extra++;
    this.ensure(extra);
    this.buf.copyWithin(at + 1 + extra, at + 1, this.pos);
    const end = this.pos + extra;
    this.pos = at;
    this.uvarint(size);
    this.pos = end;
  }

  /** Reserves an int32 to back-fill later; returns its position. */
  reserveInt32(): number {
    this.ensure(4);
    const at = this.pos;
    this.pos += 4;
    return at;
  }

  setInt32(at: number, v: number): void {
    this.view.setInt32(at, v);
  }
}
