// Test helpers: small record batches built with the storage builder.

import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";

const utf8 = new TextEncoder();

/** A batch of `count` records with values "<prefix>-<i>" and the given timestamps. */
export function batchOf(count: number, opts: { prefix?: string; timestamp?: number; valueSize?: number; epoch?: number } = {}): Uint8Array {
  const ts = opts.timestamp ?? 1_700_000_000_000;
  return buildRecordBatch({
    baseTimestamp: ts,
    partitionLeaderEpoch: opts.epoch ?? -1,
    records: Array.from({ length: count }, (_, i) => ({
      key: utf8.encode(`k${i}`),
      value: opts.valueSize ? new Uint8Array(opts.valueSize).fill(97 + (i % 26)) : utf8.encode(`${opts.prefix ?? "v"}-${i}`),
      timestamp: ts + i,
    })),
  });
}

export function text(b: Uint8Array | null): string {
  return b ? new TextDecoder().decode(b) : "<null>";
}
