// Reads a whole partition back with raw Fetch requests (v12: topic by name, flexible), using the
// repository's generated codecs and a bare socket — no consumer groups, no client library — so
// the interop cases can check what a real client wrote, batch by batch.
//
// As a script it prints one JSON line per batch (codec, offsets, producer id/epoch/sequence,
// record count) for the kcat case:
//   bun test/interop/raw-fetch.ts <host:port> <topic> <partition>

import { Reader } from "../../src/protocol/reader.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import {
  defaultFetchRequest, defaultFetchRequestFetchPartition, readFetchResponse, writeFetchRequest,
} from "../../src/protocol/messages/fetch.ts";
import { RecordBatchView, decodeRecords, splitBatches, type DecodedRecord } from "../../src/records/record-batch.ts";
import { WireClient } from "../support/wire-client.ts";

const FETCH_VERSION = 12;
const CODECS = ["none", "gzip", "snappy", "lz4", "zstd"];

export interface FetchedBatch {
  view: RecordBatchView;
  /** Decoded records at or after the requested start (uncompressed batches only, else null). */
  records: DecodedRecord[] | null;
}

export interface FetchedPartition {
  highWatermark: number;
  logStartOffset: number;
  batches: FetchedBatch[];
}

export function parseBootstrap(bootstrap: string): { host: string; port: number } {
  const first = bootstrap.split(",")[0]!.trim();
  const at = first.lastIndexOf(":");
  if (at <= 0) throw new Error(`bootstrap "${bootstrap}" is not host:port`);
  return { host: first.slice(0, at), port: Number(first.slice(at + 1)) };
}

export async function connect(bootstrap: string): Promise<WireClient> {
  const { host, port } = parseBootstrap(bootstrap);
  return WireClient.connect(port, host);
}

let correlation = 1000;

const ERROR_NAMES = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code as number, name]));
function errorName(code: number): string {
  return `${code} (${ERROR_NAMES.get(code) ?? "see Kafka's Errors"})`;
}

/**
 * Fetches `partition` from `fromOffset` up to its high watermark (as seen by the first response).
 * Throws on a partition error code, a response that makes no progress, or a timeout.
 */
export async function fetchPartition(client: WireClient, topic: string, partition: number,
  opts: { fromOffset?: number; timeoutMs?: number; maxBytes?: number } = {}): Promise<FetchedPartition> {
  let offset = opts.fromOffset ?? 0;
  const deadline = Date.now() + (opts.timeoutMs ?? 15000);
  let maxBytes = opts.maxBytes ?? 4 << 20;
  const batches: FetchedBatch[] = [];
  let target = -1;
  let logStartOffset = -1;
  for (;;) {
    const id = ++correlation;
    client.send(1, FETCH_VERSION, id, 2, (w) => writeFetchRequest(w, FETCH_VERSION, {
      ...defaultFetchRequest(),
      maxWaitMs: 0,
      minBytes: 0,
      maxBytes,
      sessionId: 0,
      sessionEpoch: -1,
      topics: [{
        topic,
        topicId: "0".repeat(32),
        partitions: [{ ...defaultFetchRequestFetchPartition(), partition, fetchOffset: offset, partitionMaxBytes: maxBytes }],
      }],
    }), "bunka-interop-raw-fetch");
    const frame = await client.receive(Math.max(1, deadline - Date.now()));
    const r = new Reader(frame);
    const got = r.int32();
    if (got !== id) throw new Error(`fetch: correlation id ${got}, expected ${id}`);
    r.skipTaggedFields();
    const resp = readFetchResponse(r, FETCH_VERSION);
    if (r.failed) throw new Error("fetch: malformed response");
    if (resp.errorCode !== 0) throw new Error(`fetch ${topic}-${partition}: top-level error ${errorName(resp.errorCode)}`);
    const p = resp.responses.find((t) => t.topic === topic)?.partitions.find((x) => x.partitionIndex === partition);
    if (!p) throw new Error(`fetch ${topic}-${partition}: partition missing from the response`);
    if (p.errorCode !== 0) throw new Error(`fetch ${topic}-${partition} at ${offset}: error ${errorName(p.errorCode)}`);
    if (target < 0) target = p.highWatermark;
    logStartOffset = p.logStartOffset;
    const before = offset;
    for (const bytes of splitBatches(p.records ?? new Uint8Array(0))) {
      const view = new RecordBatchView(bytes.slice());
      if (view.nextOffset <= offset) continue;
      if (!view.isCrcValid()) throw new Error(`fetch ${topic}-${partition}: batch at ${view.baseOffset} fails its CRC`);
      const from = offset;
      const records = view.compression === 0 ? decodeRecords(view).filter((rec) => rec.offset >= from) : null;
      batches.push({ view, records });
      offset = view.nextOffset;
    }
    if (offset >= target) return { highWatermark: target, logStartOffset, batches };
    if (offset === before) {
      // Nothing complete came back below the high watermark: a batch bigger than maxBytes.
      if (maxBytes >= 64 << 20) throw new Error(`fetch ${topic}-${partition}: no progress at ${offset} (hw ${target})`);
      maxBytes *= 4;
    }
    if (Date.now() > deadline) throw new Error(`fetch ${topic}-${partition}: timed out at ${offset} (hw ${target})`);
  }
}

if (import.meta.main) {
  const [bootstrap, topic, partition] = process.argv.slice(2);
  if (!bootstrap || !topic || partition === undefined) {
    console.error("usage: bun test/interop/raw-fetch.ts <host:port> <topic> <partition>");
    process.exit(2);
  }
  const client = await connect(bootstrap);
  try {
    const got = await fetchPartition(client, topic, Number(partition));
    for (const { view } of got.batches) {
      console.log(JSON.stringify({
        baseOffset: view.baseOffset, lastOffset: view.lastOffset, records: view.recordCount,
        codec: CODECS[view.compression] ?? `codec-${view.compression}`, producerId: view.producerId,
        producerEpoch: view.producerEpoch, baseSequence: view.baseSequence, timestampType: view.timestampType,
      }));
    }
    console.error(`highWatermark=${got.highWatermark} batches=${got.batches.length}`);
  } finally {
    client.close();
  }
  process.exit(0);
}
