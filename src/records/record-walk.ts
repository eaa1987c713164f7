// Walking the records of a batch's records section without decoding them (no objects per
// record): where each record lies, its deltas, and where its key and value are. For the log
// cleaner, which looks at every record of gigabytes of log and keeps most of them byte for byte.
//
// A record (DefaultRecord): length varint | attributes int8 | timestampDelta varlong |
// offsetDelta varint | keyLength varint | key | valueLength varint | value | headers...

/** One record's place in a records section; `keyLength`/`valueLength` -1 mean null. */
export interface RecordSpan {
  /** Start of the record (its length varint) and end. */
  start: number;
  end: number;
  /** Where the timestampDelta varlong starts and ends (to rewrite it). */
  timestampStart: number;
  timestampEnd: number;
  timestampDelta: number;
  offsetDelta: number;
  keyStart: number;
  keyLength: number;
  valueLength: number;
}

/**
 * Calls `visit` for each of `count` records in `section` with the same (reused) span object;
 * throws on malformed framing.
 */
export function walkRecords(section: Uint8Array, count: number, visit: (span: Readonly<RecordSpan>) => void): void {
  const span: RecordSpan = { start: 0, end: 0, timestampStart: 0, timestampEnd: 0, timestampDelta: 0, offsetDelta: 0, keyStart: 0, keyLength: 0, valueLength: 0 };
  let pos = 0;
  const end = section.length;
  const read = (): number => {
    let result = 0, shift = 0, b: number;
    do {
      if (pos >= end || shift > 63) throw new Error("malformed record: varint past the end");
      b = section[pos++]!;
      if (shift < 28) result |= (b & 0x7f) << shift;
      else result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    if (result < 0x80000000 && result >= 0) return (result >>> 1) ^ -(result & 1);
    return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
  };
  for (let i = 0; i < count; i++) {
    span.start = pos;
    const length = read();
    const recordEnd = pos + length;
    if (length < 0 || recordEnd > end) throw new Error(`malformed record ${i}: length ${length}`);
    pos++; // attributes
    span.timestampStart = pos;
    span.timestampDelta = read();
    span.timestampEnd = pos;
    span.offsetDelta = read();
    span.keyLength = read();
    span.keyStart = pos;
    if (span.keyLength > 0) pos += span.keyLength;
    span.valueLength = read();
    span.end = recordEnd;
    if (pos > recordEnd) throw new Error(`malformed record ${i}: fields past its length`);
    pos = recordEnd;
    visit(span);
  }
}

/** Appends a zigzag varint/varlong to `out` at `at`; returns the position after it. */
export function putVarlong(out: Uint8Array, at: number, v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  while (u >= 0x80) {
    out[at++] = (u % 0x80) | 0x80;
    u = Math.floor(u / 0x80);
  }
  out[at++] = u;
  return at;
}

/** Bytes the zigzag varint/varlong of `v` takes. */
export function varlongSize(v: number): number {
  let u = v >= 0 ? v * 2 : -v * 2 - 1;
  let n = 1;
  while (u >= 0x80) {
    u = Math.floor(u / 0x80);
    n++;
  }
  return n;
}
