// A zero-copy reader over received bytes, in the style of franz-go's kbin.Reader: a read past
// the end returns a zero value and sets the sticky `failed` flag, which the caller checks once
// after decoding a whole message instead of after every field. `bytes`/`records` fields come
// back as subarrays of the input, never copies. They are plain Uint8Arrays even when the input
// is a Node Buffer (Bun's socket chunks, readFileSync): a Buffer's slice() is a view, so a handler
// that keeps a field past its synchronous part with `.slice()` would keep bytes the next socket
// read overwrites (it did: transactional produces waiting for the coordinator appended batches
// of later requests).

import { getInt64 } from "../records/int64.ts";
const utf8 = new TextDecoder("utf-8", { fatal: false });
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

export class Reader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos: number;
  readonly end: number;
  failed = false;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    this.buf = Buffer.isBuffer(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  /** Marks the reader failed (a malformed field) and makes every later read return zero. */
  fail(): void {
    this.failed = true;
    this.pos = this.end;
  }

  private need(n: number): boolean {
    if (this.pos + n > this.end) {
      this.fail();
      return false;
    }
    return true;
  }

  skip(n: number): void {
    if (n < 0 || !this.need(n)) return this.fail();
    this.pos += n;
  }

  int8(): number {
    if (!this.need(1)) return 0;
    return this.view.getInt8(this.pos++);
  }

  uint8(): number {
    if (!this.need(1)) return 0;
    return this.buf[this.pos++]!;
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    if (!this.need(2)) return 0;
    const v = this.view.getInt16(this.pos);
    this.pos += 2;
    return v;
  }

  uint16(): number {
    if (!this.need(2)) return 0;
    const v = this.view.getUint16(this.pos);
    this.pos += 2;
    return v;
  }

  int32(): number {
    if (!this.need(4)) return 0;
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  uint32(): number {
    if (!this.need(4)) return 0;
    const v = this.view.getUint32(this.pos);
    this.pos += 4;
    return v;
  }

  /** int64 as a JS number: exact for |v| < 2^53, which covers offsets, timestamps and ids. */
  int64(): number {
    if (!this.need(8)) return 0;
    const v = getInt64(this.view, this.pos);
    this.pos += 8;
    return v;
  }

  float64(): number {
    if (!this.need(8)) return 0;
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  /** Unsigned LEB128 varint, at most 5 bytes (32 bits). */
  uvarint(): number {
    // Integer-only arithmetic keeps `pos` an int for the JIT (a double here slowed every later
    // read of a flexible message several times over).
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let result = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) {
        this.fail();
        return 0;
      }
      const b = buf[pos++]!;
      result |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return result;
      }
    }
    if (pos >= end || buf[pos]! > 0x0f) {
      this.fail(); // truncated, or more than 32 bits
      return 0;
    }
    this.pos = pos + 1;
    return result + buf[pos]! * 0x10000000;
  }

  /** Zigzag-encoded signed varint (32 bits). */
  varint(): number {
    const u = this.uvarint();
    return (u >>> 1) ^ -(u & 1);
  }

  /** Zigzag-encoded signed varlong, at most 10 bytes; exact for |v| < 2^53. */
  varlong(): number {
    let result = 0;
    for (let shift = 0; shift < 70; shift += 7) {
      if (this.pos >= this.end) {
        this.fail();
        return 0;
      }
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    this.fail();
    return 0;
  }

  /** A UUID as 32 lowercase hex digits. */
  uuid(): string {
    if (!this.need(16)) return ZERO_UUID;
    let s = "";
    for (let i = 0; i < 16; i++) s += HEX[this.buf[this.pos + i]!];
    this.pos += 16;
    return s;
  }

  private text(len: number): string {
    if (len < 0 || !this.need(len)) {
      this.fail();
      return "";
    }
    const start = this.pos;
    this.pos += len;
    // ASCII fast path: topic names, client ids and config keys are almost always ASCII.
    if (len < 64) {
      let s = "";
      for (let i = start; i < start + len; i++) {
        const c = this.buf[i]!;
        if (c >= 0x80) return utf8.decode(this.buf.subarray(start, start + len));
        s += String.fromCharCode(c);
      }
      return s;
    }
    return utf8.decode(this.buf.subarray(start, start + len));
  }

  string(): string {
    return this.text(this.int16());
  }

  nullableString(): string | null {
    const len = this.int16();
    return len === -1 ? null : this.text(len);
  }

  compactString(): string {
    return this.text(this.uvarint() - 1);
  }

  compactNullableString(): string | null {
    const n = this.uvarint();
    return n === 0 ? null : this.text(n - 1);
  }

  private slice(len: number): Uint8Array {
    if (len < 0 || !this.need(len)) {
      this.fail();
      return EMPTY;
    }
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  bytes(): Uint8Array {
    return this.slice(this.int32());
  }

  nullableBytes(): Uint8Array | null {
    const len = this.int32();
    return len === -1 ? null : this.slice(len);
  }

  compactBytes(): Uint8Array {
    return this.slice(this.uvarint() - 1);
  }

  compactNullableBytes(): Uint8Array | null {
    const n = this.uvarint();
    return n === 0 ? null : this.slice(n - 1);
  }

  /** Varint-length-prefixed bytes as used inside records (-1 = null). */
  varintBytes(): Uint8Array | null {
    const len = this.varint();
    return len === -1 ? null : this.slice(len);
  }

  /** int32 array length; -1 is a null array. A length that cannot fit in what is left fails. */
  arrayLength(): number {
    const n = this.int32();
    return this.checkCount(n);
  }

  /** Compact array length (unsigned varint N+1; 0 = null, returned as -1). */
  compactArrayLength(): number {
    return this.checkCount(this.uvarint() - 1);
  }

  private checkCount(n: number): number {
    if (n < -1 || n > this.end - this.pos) {
      // Every element takes at least one byte, so a larger count is a lie: refuse to allocate.
      this.fail();
      return 0;
    }
    return n;
  }

  /** Skips a tagged-field section whose fields the caller does not know. */
  skipTaggedFields(): void {
    const n = this.uvarint();
    for (let i = 0; i < n && !this.failed; i++) {
      this.uvarint();
      this.skip(this.uvarint());
    }
  }
}

export const ZERO_UUID = "00000000000000000000000000000000";
const EMPTY = new Uint8Array(0);
