// Kafka's int64 fields (offsets, timestamps, producer ids) as JS numbers, exact up to 2^53, read
// and written big-endian as two 32-bit halves: the one place that knows how.

const TWO_32 = 4294967296;

export function getInt64(dv: DataView, at: number): number {
  return dv.getInt32(at) * TWO_32 + dv.getUint32(at + 4);
}

export function setInt64(dv: DataView, at: number, v: number): void {
  dv.setInt32(at, Math.floor(v / TWO_32));
  dv.setUint32(at + 4, v >>> 0);
}
