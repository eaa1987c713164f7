// Micro-benchmarks of the broker's hot paths, timed with Bun.nanoseconds(): `bun run bench:micro`
// [--seconds S] [name filter ...]. Prints ops/s and MB/s per case; compare runs side by side on
// the same machine (see README.md, Performance, for what the numbers meant last time).
//
//   crc32c      CRC-32C (src/records/crc32c.ts): the TypeScript path, the SSE4.2 one through
//               bun:ffi's cc (when this CPU has it) and crc32c() as callers see it, at 8 B-1 MiB;
//               Bun.hash.crc32 and zlib.crc32 (CRC-32/IEEE, not -C) for the speed of other
//               native loops.
//   framing     whole requests through server/connection.ts's Connection with a fake socket:
//               size-prefixed framing over TCP-sized chunks, header parsing, dispatch, handler,
//               response encoding and the (fake) socket write; "unknown topic" cases leave out
//               the handler's CRC and append, so what remains is the connection's own work.
//   produce     Produce v11 decode, the handler's validation (CRC, record walk) and the append.
//   fetch       Fetch v16 from sealed (mmapped) and active (pread) segments, encoded with the
//               zero-copy splices the broker uses and, for comparison, copied.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { crc32 as zlibCrc32 } from "node:zlib";
import { brokerConfigFrom } from "../../src/config/broker-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import "../../src/handlers/index.ts";
import { produce, topicSettings } from "../../src/handlers/00-produce.ts";
import { checkBatch, validateRecords } from "../../src/storage/log-validator.ts";
import { fetch } from "../../src/handlers/01-fetch.ts";
import type { BrokerContext, RequestContext } from "../../src/handlers/registry.ts";
import { writeApiVersionsRequest } from "../../src/protocol/messages/api-versions.ts";
import { defaultFetchRequest, writeFetchResponse, writeFetchRequest, type FetchResponse } from "../../src/protocol/messages/fetch.ts";
import { readRequestHeader, writeRequestHeader } from "../../src/protocol/messages/headers.ts";
import { readProduceRequest, writeProduceRequest, type ProduceRequest } from "../../src/protocol/messages/produce.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { Connection } from "../../src/server/connection.ts";
import { MemoryPool } from "../../src/server/memory-pool.ts";
import { crc32c, crc32cImplementation, crc32cNative, crc32cUpdateTypeScript } from "../../src/records/crc32c.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { RecordBatchView } from "../../src/records/record-batch.ts";

const { values: opt, positionals: filters } = parseArgs({
  args: process.argv.slice(2),
  options: { seconds: { type: "string" } },
  allowPositionals: true,
});
const SECONDS = Number(opt.seconds ?? 1);

/** Runs fn repeatedly for `seconds`; one call counts as `perCall` operations. */
function bench(name: string, bytesPerOp: number, fn: () => void, seconds = SECONDS, perCall = 1): void {
  if (filters.length > 0 && !filters.some((f) => name.includes(f))) return;
  for (let i = 0; i < 200; i++) fn(); // warm up the JIT
  let ops = 0;
  const start = Bun.nanoseconds();
  const end = start + seconds * 1e9;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 20; i++) fn();
    ops += 20;
    now = Bun.nanoseconds();
  }
  const secs = (now - start) / 1e9;
  ops *= perCall;
  const perOp = (secs / ops) * 1e6;
  const mbs = bytesPerOp > 0 ? `${((ops * bytesPerOp) / secs / 1e6).toFixed(1).padStart(9)} MB/s` : "".padStart(14);
  const us = perOp >= 100 ? perOp.toFixed(0) : perOp >= 1 ? perOp.toFixed(2) : perOp.toFixed(3);
  console.log(`  ${name.padEnd(58)} ${(ops / secs).toFixed(0).padStart(10)} ops/s ${mbs} ${us.padStart(9)} µs/op`);
}

const section = (title: string) => console.log(`\n${title}`);

const tmpDirs: string[] = [];
const stores: LogStore[] = [];
process.on("exit", () => {
  for (const s of stores) { try { s.close(); } catch { /* closed */ } }
  for (const d of tmpDirs) rmSync(d, { recursive: true, force: true });
});

/** A broker over a fresh log dir with the given topics (n partitions each). */
function broker(topics: Record<string, number>, props = "", fsyncBeforeAck = true): BrokerContext {
  const dir = mkdtempSync(join(tmpdir(), "bunka-micro-"));
  tmpDirs.push(dir);
  const config = brokerConfigFrom(parseProperties(`node.id=1\nlisteners=PLAINTEXT://127.0.0.1:9092\nlog.dirs=${dir}\n${props}`), "micro");
  const store = LogStore.open({ logDirs: [dir], segmentBytes: config.logSegmentBytes, fsyncBeforeAck });
  stores.push(store);
  for (const [name, n] of Object.entries(topics)) store.metadata.createTopic(name, n, { nodeId: 1 });
  return { config, store, clusterId: "micro", groups: undefined };
}

function ctxOf(b: BrokerContext, apiKey: number, apiVersion: number): RequestContext {
  return {
    broker: b, apiKey, apiVersion, correlationId: 1, clientId: "micro",
    listener: b.config.listeners[0]!, localAddress: "127.0.0.1", localPort: 9092, remoteAddress: "127.0.0.1",
    principal: { type: "User", name: "ANONYMOUS" },
  };
}

/** A request frame (size prefix included), header v1/v2 by the API's flexibility. */
function frame(apiKey: number, version: number, headerVersion: number, body: (w: Writer) => void, correlationId = 1): Uint8Array {
  const w = new Writer(1 << 16, null);
  const at = w.reserveInt32();
  writeRequestHeader(w, headerVersion, { requestApiKey: apiKey, requestApiVersion: version, correlationId, clientId: "micro" });
  body(w);
  w.setInt32(at, w.pos - 4);
  return w.finish().slice();
}

/** A Socket stand-in for Connection: counts what is written, always accepts everything. */
class FakeSocket {
  written = 0;
  writes = 0;
  remoteAddress = "127.0.0.1";
  localAddress = "127.0.0.1";
  localPort = 9092;
  write(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
    this.written += length;
    this.writes++;
    return length;
  }
  end(): void {}
  pause(): void {}
  resume(): void {}
}

function connectionOf(b: BrokerContext): { conn: Connection; socket: FakeSocket } {
  const socket = new FakeSocket();
  const conn = new Connection(socket as never, b, b.config.listeners[0]!, new MemoryPool(b.config.queuedMaxRequestBytes));
  return { conn, socket };
}

/** Feeds bytes in chunks of `chunk` bytes, the way a socket's data callback would. */
function feed(conn: Connection, bytes: Uint8Array, chunk: number): void {
  for (let at = 0; at < bytes.length; at += chunk) conn.onData(bytes.subarray(at, Math.min(bytes.length, at + chunk)));
}

const value1k = new Uint8Array(1024).map((_, i) => 65 + (i % 26));
const value100 = value1k.subarray(0, 100);
/** As the Java producer sends them with batch.size=16384: 15 records of 1 KiB (+ overhead). */
const batch16k = buildRecordBatch({ records: Array.from({ length: 15 }, () => ({ value: value1k })) });
/** As librdkafka sends them (batch.size=1000000): ~1 MB batches. */
const batch1m = buildRecordBatch({ records: Array.from({ length: 960 }, () => ({ value: value1k })) });
/** 100-byte records, 16 KiB batch: the record walk dominates. */
const batchSmall = buildRecordBatch({ records: Array.from({ length: 140 }, () => ({ value: value100 })) });

// ---- CRC-32C --------------------------------------------------------------------------------------

section(`CRC-32C (in use: ${crc32cImplementation})`);
{
  const mib = crypto.getRandomValues(new Uint8Array(1 << 20));
  // Both paths side by side at each size, from the same buffer at an odd offset (a batch's CRC
  // starts at byte 21). The small sizes place crc32c.ts's NATIVE_MIN_BYTES.
  for (const [label, size] of [["8 B", 8], ["16 B", 16], ["32 B", 32], ["64 B", 64], ["1 KiB", 1024], ["16 KiB", 16384], ["1 MiB", (1 << 20) - 21]] as const) {
    bench(`crc32c ${label.padEnd(6)} TypeScript`, size, () => { crc32cUpdateTypeScript(0, mib, 21, 21 + size); });
    if (crc32cNative !== null) {
      const fn = crc32cNative;
      bench(`crc32c ${label.padEnd(6)} SSE4.2 via bun:ffi cc`, size, () => { fn(mib, 21, size, 0); });
      bench(`crc32c ${label.padEnd(6)} crc32c() as callers see it`, size, () => { crc32c(mib, 21, 21 + size); });
    }
  }
  if (crc32cNative === null) console.log("  (no native CRC-32C here: see the line above)");
  bench("Bun.hash.crc32, 1 MiB (native; CRC-32/IEEE, not -C)", mib.length, () => { Bun.hash.crc32(mib); });
  bench("node:zlib crc32, 1 MiB (native; CRC-32/IEEE, not -C)", mib.length, () => { zlibCrc32(mib); });
}

// ---- request framing and header parsing --------------------------------------------------------

section("Framing: whole requests through Connection.onData with a fake socket");
{
  // Page-cache acknowledgements: a durable Produce answers after an fdatasync, which never runs
  // inside this synchronous loop (the connection would mute at MAX_REQUESTS_IN_FLIGHT).
  const b = broker({ bench: 6, one: 1 }, "", false);
  // 100 pipelined ApiVersions v3 requests in one chunk.
  const one = frame(18, 3, 2, (w) => writeApiVersionsRequest(w, 3, { clientSoftwareName: "micro", clientSoftwareVersion: "1.0" }));
  const hundred = new Uint8Array(one.length * 100);
  for (let i = 0; i < 100; i++) hundred.set(one, i * one.length);
  const { conn } = connectionOf(b);
  bench("ApiVersions v3, 100 pipelined per chunk (per request)", 0, () => conn.onData(hundred), SECONDS, 100);

  const hdr = frame(0, 11, 2, (w) => writeProduceRequest(w, 11, produceOf("bench", [batch16k])));
  bench("request header v2 parse only (Reader + readRequestHeader)", 0, () => {
    const r = new Reader(hdr.subarray(4));
    readRequestHeader(r, 2);
  });

  const java = frame(0, 11, 2, (w) => writeProduceRequest(w, 11, produceOf("bench", [batch16k, batch16k, batch16k, batch16k, batch16k, batch16k])));
  const c2 = connectionOf(b);
  bench("Produce v11, 6 × 16 KiB batches (Java-like), 64 KiB chunks", java.length, () => feed(c2.conn, java, 65536));
  bench("Produce v11, 6 × 16 KiB batches (Java-like), one chunk", java.length, () => c2.conn.onData(java));
  const rdk = frame(0, 11, 2, (w) => writeProduceRequest(w, 11, produceOf("one", [batch1m])));
  bench("Produce v11, 1 × 1 MB batch (librdkafka-like), 64 KiB chunks", rdk.length, () => feed(c2.conn, rdk, 65536));
  // The connection's own share: the same frame for a topic that does not exist is framed,
  // decoded and answered without the CRC and the append (receive buffer and response writer reuse).
  const nowhere = frame(0, 11, 2, (w) => writeProduceRequest(w, 11, produceOf("nowhere", [batch1m])));
  bench("Produce v11, 1 MB to an unknown topic (framing only), 64 KiB chunks", nowhere.length, () => feed(c2.conn, nowhere, 65536));
  bench("Produce v11, 1 MB to an unknown topic (framing only), 256 KiB chunks", nowhere.length, () => feed(c2.conn, nowhere, 262144));
  const java0 = frame(0, 11, 2, (w) => writeProduceRequest(w, 11, produceOf("nowhere", [batch16k, batch16k, batch16k, batch16k, batch16k, batch16k])));
  bench("Produce v11, 6 × 16 KiB to an unknown topic (framing only), 64 KiB chunks", java0.length, () => feed(c2.conn, java0, 65536));
}

function produceOf(topic: string, batches: Uint8Array[], acks = 1): ProduceRequest {
  return {
    transactionalId: null, acks, timeoutMs: 30000,
    topicData: [{ name: topic, partitionData: batches.map((records, index) => ({ index, records })) }],
  };
}

// ---- Produce decode + validate + append ---------------------------------------------------------

section("Produce: decode, validate, append (handler and storage called directly)");
{
  const b = broker({ bench: 6, one: 1, small: 1 }, "log.segment.bytes=268435456");
  const ctx = ctxOf(b, 0, 11);
  const body16 = frame(0, 11, 2, (w) => writeProduceRequest(w, 11, produceOf("one", [batch16k]))).subarray(4);
  const body1m = frame(0, 11, 2, (w) => writeProduceRequest(w, 11, produceOf("one", [batch1m]))).subarray(4);
  const bodySmall = frame(0, 11, 2, (w) => writeProduceRequest(w, 11, produceOf("small", [batchSmall]))).subarray(4);
  const decode = (body: Uint8Array) => {
    const r = new Reader(body);
    readRequestHeader(r, 2);
    return readProduceRequest(r, 11);
  };
  bench("decode only (header + Produce v11), 16 KiB batch", body16.length, () => { decode(body16); });
  const view16 = new RecordBatchView(batch16k);
  bench("checkBatch (header checks + CRC), 16 KiB batch", batch16k.length, () => { checkBatch(view16, 1 << 20, "one-0"); });
  const settings = topicSettings(b, "one");
  bench("validateRecords (record walk), 15 × 1 KiB records", batch16k.length, () => { validateRecords(view16, settings, Date.now(), "one-0"); });
  const viewSmall = new RecordBatchView(batchSmall);
  bench("validateRecords (record walk), 140 × 100 B records", batchSmall.length, () => { validateRecords(viewSmall, settings, Date.now(), "small-0"); });
  const log = b.store.partition("one", 0)!;
  bench("PartitionLog.append only, 16 KiB batch", batch16k.length, () => { log.append(batch16k); });
  bench("decode + produce() (validate + append), 16 KiB batch", body16.length, () => { produce(decode(body16), ctx); });
  bench("decode + produce() (validate + append), 140 × 100 B batch", bodySmall.length, () => { produce(decode(bodySmall), ctx); });
  bench("decode + produce() (validate + append), 1 MB batch", body1m.length, () => { produce(decode(body1m), ctx); }, Math.max(0.5, SECONDS / 2));
}

// ---- Fetch ----------------------------------------------------------------------------------------

section("Fetch v16: read + encode, sealed (mmapped) and active segments");
{
  // 24 MiB in 8 MiB segments: the first two are sealed (mmapped on read), the last is active.
  const b = broker({ f: 1 }, "log.segment.bytes=8388608");
  const log = b.store.partition("f", 0)!;
  while (log.nextOffset < (24 * 1024 * 1024) / 1050) log.append(batch16k);
  const topicId = b.store.metadata.topicsByName.get("f")!.topicId;
  const sealedOffset = 100;
  const activeOffset = log.nextOffset - 1200; // ~1.2 MiB before the end: in the active segment
  const request = (offset: number) => ({
    ...defaultFetchRequest(), maxWaitMs: 0, minBytes: 1, maxBytes: 52428800, isolationLevel: 0, sessionId: 0, sessionEpoch: -1,
    topics: [{ topic: "f", topicId, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, logStartOffset: -1, partitionMaxBytes: 1048576 }] }],
  });
  const ctx = ctxOf(b, 1, 16);
  const encode = (res: FetchResponse, splice: boolean) => {
    const w = new Writer(16 * 1024);
    if (splice) w.spliceThreshold = 8 * 1024;
    writeFetchResponse(w, 16, res);
    const n = w.chunks().reduce((a, c) => a + c.length, 0);
    w.release();
    return n;
  };
  const size = encode(fetch(request(sealedOffset), ctx) as FetchResponse, true);
  bench("fetch() handler only, sealed segment (mmap), 1 MiB", size, () => { fetch(request(sealedOffset), ctx); });
  bench("fetch() handler only, active segment (pread), 1 MiB", size, () => { fetch(request(activeOffset), ctx); });
  bench("fetch() + encode zero-copy (splice), sealed, 1 MiB", size, () => { encode(fetch(request(sealedOffset), ctx) as FetchResponse, true); });
  bench("fetch() + encode copying, sealed, 1 MiB", size, () => { encode(fetch(request(sealedOffset), ctx) as FetchResponse, false); });
  bench("fetch() + encode zero-copy (splice), active, 1 MiB", size, () => { encode(fetch(request(activeOffset), ctx) as FetchResponse, true); });

  const req = frame(1, 16, 2, (w) => writeFetchRequest(w, 16, request(sealedOffset)));
  const { conn, socket } = connectionOf(b);
  bench("Fetch v16 through Connection, sealed, 1 MiB", size, () => conn.onData(req));
  if (socket.written === 0) console.log("  (nothing written: the Fetch did not answer synchronously)");
}
console.log("");
