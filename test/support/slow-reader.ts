// A client that never reads its socket, and a probe that times another client's produce + fetch
// round trip meanwhile (issue 10: bounded memory per connection). Shared by the test and by the
// measurement script below, which runs against any broker (Bunka or Apache Kafka):
//   bun test/support/slow-reader.ts <port> <broker pid> [seconds]
// or, for 300 connections that announce 100 MB frames and send 12 bytes of them:
//   bun test/support/slow-reader.ts <port> <broker pid> announce

import type { Socket } from "bun";
import { readFileSync } from "node:fs";
import { Reader } from "../../src/protocol/reader.ts";
import { Writer } from "../../src/protocol/writer.ts";
import { writeCreateTopicsRequest, defaultCreateTopicsRequest } from "../../src/protocol/messages/create-topics.ts";
import { readProduceResponse, writeProduceRequest } from "../../src/protocol/messages/produce.ts";
import {
  defaultFetchRequest, defaultFetchRequestFetchPartition, readFetchResponse, writeFetchRequest,
} from "../../src/protocol/messages/fetch.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { WireClient } from "./wire-client.ts";

const PRODUCE_V = 9;
const FETCH_V = 12;

export async function createTopic(client: WireClient, topic: string): Promise<void> {
  client.send(19, 5, 1, 2, (w) => writeCreateTopicsRequest(w, 5, {
    ...defaultCreateTopicsRequest(),
    topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
  }));
  await client.receive(30_000);
}

/** One framed Produce v9 request (acks=1) of one batch holding `values`. */
export function produceRequest(topic: string, values: Uint8Array[], correlationId: number): Uint8Array {
  const records = buildRecordBatch({ records: values.map((value) => ({ value })) });
  const w = new Writer(records.length + 256, null);
  const at = w.reserveInt32();
  w.int16(0);
  w.int16(PRODUCE_V);
  w.int32(correlationId);
  w.nullableString("slow-reader");
  w.uvarint(0);
  writeProduceRequest(w, PRODUCE_V, {
    transactionalId: null, acks: 1, timeoutMs: 30_000,
    topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
  });
  w.setInt32(at, w.pos - 4);
  return w.finish().slice();
}

/** Produces one batch (acks=1); resolves with the partition's error code and base offset. */
export async function produce(client: WireClient, topic: string, values: Uint8Array[], correlationId: number,
  timeoutMs = 30_000): Promise<{ errorCode: number; baseOffset: number }> {
  client.write(produceRequest(topic, values, correlationId));
  const r = new Reader(await client.receive(timeoutMs));
  r.int32();
  r.skipTaggedFields();
  const p = readProduceResponse(r, PRODUCE_V).responses[0]!.partitionResponses[0]!;
  return { errorCode: p.errorCode, baseOffset: p.baseOffset };
}

/** One framed Fetch v12 request (topic by name, partition 0; no waiting unless asked). */
export function fetchRequest(topic: string, offset: number, maxBytes: number, correlationId: number,
  maxWaitMs = 0, minBytes = 0): Uint8Array {
  const w = new Writer(256, null);
  const at = w.reserveInt32();
  w.int16(1);
  w.int16(FETCH_V);
  w.int32(correlationId);
  w.nullableString("slow-reader");
  w.uvarint(0);
  writeFetchRequest(w, FETCH_V, {
    ...defaultFetchRequest(), maxWaitMs, minBytes, maxBytes, sessionId: 0, sessionEpoch: -1,
    topics: [{
      topic, topicId: "0".repeat(32),
      partitions: [{ ...defaultFetchRequestFetchPartition(), partition: 0, fetchOffset: offset, partitionMaxBytes: maxBytes }],
    }],
  });
  w.setInt32(at, w.pos - 4);
  return w.finish().slice();
}

/** Fetches from `offset`; resolves with the bytes of records returned. */
export async function fetchOnce(client: WireClient, topic: string, offset: number, correlationId: number,
  timeoutMs = 30_000): Promise<number> {
  client.write(fetchRequest(topic, offset, 1 << 20, correlationId));
  const r = new Reader(await client.receive(timeoutMs));
  r.int32();
  r.skipTaggedFields();
  const p = readFetchResponse(r, FETCH_V).responses[0]?.partitions[0];
  if (!p || p.errorCode !== 0) throw new Error(`fetch error ${p?.errorCode}`);
  return p.records?.length ?? 0;
}

/** Fills `topic` with `mb` MiB in 1 MiB-ish batches of 64 KiB records. */
export async function fill(port: number, topic: string, mb: number): Promise<void> {
  const c = await WireClient.connect(port);
  await createTopic(c, topic);
  const value = new Uint8Array(64 * 1024).fill(0x61);
  for (let i = 0; i < mb; i++) {
    const { errorCode } = await produce(c, topic, Array.from({ length: 15 }, () => value), 100 + i);
    if (errorCode !== 0) throw new Error(`produce to ${topic}: error ${errorCode}`);
  }
  c.close();
}

/**
 * Opens a connection that sends `count` Fetch requests for `maxBytes` each from offset 0 and never
 * reads. The socket is paused at once, so only the kernel's receive buffer takes responses.
 */
export async function nonReader(port: number, topic: string, count: number, maxBytes: number): Promise<{ close(): void; sent(): number }> {
  const socket: Socket<undefined> = await Bun.connect({
    hostname: "127.0.0.1", port,
    socket: { data() {}, error() {}, close() {} },
  });
  socket.pause();
  const all = new Uint8Array(count * fetchRequest(topic, 0, maxBytes, 0).length);
  for (let i = 0, at = 0; i < count; i++) {
    const f = fetchRequest(topic, 0, maxBytes, 1000 + i);
    all.set(f, at);
    at += f.length;
  }
  let written = 0;
  const push = () => {
    while (written < all.length) {
      const n = socket.write(all.subarray(written));
      if (n <= 0) return;
      written += n;
    }
  };
  push();
  const timer = setInterval(push, 50);
  return {
    sent: () => written,
    close() {
      clearInterval(timer);
      socket.terminate();
    },
  };
}

/** Resident set size of a process, in bytes (Linux). */
export function rssOf(pid: number): number {
  return statusOf(pid, "VmRSS");
}

/** A size line of /proc/<pid>/status (VmRSS, VmSize...), in bytes. */
function statusOf(pid: number, key: string): number {
  const m = new RegExp(`${key}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** 300 connections announce 100 MB frames and send 12 bytes each: what the broker maps and holds. */
async function announce(port: number, pid: number): Promise<void> {
  const head = new Uint8Array(16);
  new DataView(head.buffer).setInt32(0, 100 * 1000 * 1000);
  head.set([0, 0, 0, 12, 0, 0, 0, 1], 4);
  const before = { size: statusOf(pid, "VmSize"), rss: rssOf(pid) };
  const sockets: Socket<undefined>[] = [];
  for (let i = 0; i < 300; i++) {
    const s: Socket<undefined> = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {}, error() {}, close() {} } });
    s.write(head);
    sockets.push(s);
  }
  await Bun.sleep(2000);
  const mb = (b: number) => (b / 1048576).toFixed(0);
  console.log(`300 connections announcing 100 MB: VmSize ${mb(before.size)} -> ${mb(statusOf(pid, "VmSize"))} MB, ` +
    `VmRSS ${mb(before.rss)} -> ${mb(rssOf(pid))} MB`);
  for (const s of sockets) s.terminate();
}

/** Another client's produce + fetch of one small record: the round trip in ms. */
export async function roundTrip(client: WireClient, topic: string, i: number, timeoutMs = 30_000): Promise<number> {
  const t0 = performance.now();
  const { errorCode, baseOffset } = await produce(client, topic, [new TextEncoder().encode(`probe-${i}`)], 2 * i, timeoutMs);
  if (errorCode !== 0) throw new Error(`probe produce: error ${errorCode}`);
  const bytes = await fetchOnce(client, topic, baseOffset, 2 * i + 1, timeoutMs);
  if (bytes === 0) throw new Error("probe fetch returned nothing");
  return performance.now() - t0;
}

if (import.meta.main) {
  const [portArg, pidArg, secondsArg] = process.argv.slice(2);
  if (!portArg || !pidArg) {
    console.error("usage: bun test/support/slow-reader.ts <port> <broker pid> [seconds]");
    process.exit(2);
  }
  const port = Number(portArg);
  const pid = Number(pidArg);
  if (secondsArg === "announce") {
    await announce(port, pid);
    process.exit(0);
  }
  const seconds = Number(secondsArg ?? 15);
  const big = `big-${Date.now()}`;
  const small = `probe-${Date.now()}`;
  await fill(port, big, 64);
  const probe = await WireClient.connect(port);
  await createTopic(probe, small);
  for (let i = 0; i < 5; i++) await roundTrip(probe, small, i); // warm up
  const before = rssOf(pid);
  const quiet: number[] = [];
  for (let i = 5; i < 25; i++) quiet.push(await roundTrip(probe, small, i));
  const attack = await nonReader(port, big, 100, 64 << 20);
  const during: number[] = [];
  let peak = before;
  const end = Date.now() + seconds * 1000;
  for (let i = 25; Date.now() < end; i++) {
    during.push(await roundTrip(probe, small, i, 60_000));
    peak = Math.max(peak, rssOf(pid));
    await Bun.sleep(100);
  }
  const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;
  const mb = (b: number) => (b / 1048576).toFixed(0);
  console.log(`RSS before ${mb(before)} MB, peak during ${mb(peak)} MB; non-reader sent ${attack.sent()} bytes`);
  console.log(`probe produce+fetch round trip, quiet: median ${pct(quiet, 0.5).toFixed(1)} ms, max ${Math.max(...quiet).toFixed(1)} ms`);
  console.log(`during the attack (${during.length} trips): median ${pct(during, 0.5).toFixed(1)} ms, ` +
    `p99 ${pct(during, 0.99).toFixed(1)} ms, max ${Math.max(...during).toFixed(1)} ms`);
  attack.close();
  probe.close();
  process.exit(0);
}
