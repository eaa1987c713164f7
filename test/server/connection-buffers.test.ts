// Reused buffers on both sides of a connection (issue 11, no needless copies): the receive buffer
// is kept between frames, even while a durable Produce read from it still awaits its fsync;
// responses are encoded into one kept writer while the socket takes each whole, and a response
// the socket took only in part keeps its buffer until written. A fake socket, so that what is
// written, from which buffer, can be asserted exactly.

import { afterAll, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brokerConfigFrom } from "../../src/config/broker-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import { handlerFor, InvalidRequestError, type BrokerContext } from "../../src/handlers/registry.ts";
import "../../src/handlers/index.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { Connection, RETAINED_RECEIVE_BYTES } from "../../src/server/connection.ts";
import { MemoryPool } from "../../src/server/memory-pool.ts";
import { BufferPool, Writer } from "../../src/protocol/writer.ts";
import { Reader } from "../../src/protocol/reader.ts";
import { readProduceResponse } from "../../src/protocol/messages/produce.ts";
import { writeApiVersionsRequest } from "../../src/protocol/messages/api-versions.ts";
import { writeRequestHeader } from "../../src/protocol/messages/headers.ts";
import { MAGIC } from "../../src/records/record-batch.ts";
import { produceRequest } from "../support/slow-reader.ts";

const cleanups: (() => void)[] = [];
afterAll(() => {
  for (const c of cleanups.reverse()) c();
});

/** A broker over a fresh log dir with topic "t" (1 partition); durable acknowledgements by default. */
function broker(): BrokerContext {
  const dir = nodeFs.mkdtempSync(join(tmpdir(), "bunka-buffers-"));
  const config = brokerConfigFrom(parseProperties(`node.id=1\nlog.dirs=${dir}\nlisteners=PLAINTEXT://127.0.0.1:0\n`), "test");
  const store = LogStore.open({ logDirs: [dir], segmentBytes: config.logSegmentBytes, fsyncBeforeAck: true });
  store.metadata.createTopic("t", 1, { nodeId: 1 });
  cleanups.push(() => {
    store.close();
    nodeFs.rmSync(dir, { recursive: true, force: true });
  });
  return { config, store, clusterId: "QnVua2FGaXh0dXJlQ2x1cw", groups: undefined as never };
}

/** A Socket stand-in: takes at most `room` bytes per write, and records what it took from which buffer. */
class FakeSocket {
  room = Infinity;
  readonly taken: Uint8Array[] = [];
  readonly buffers: ArrayBufferLike[] = [];
  remoteAddress = "127.0.0.1";
  localAddress = "127.0.0.1";
  localPort = 9092;
  write(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
    const n = Math.min(length, this.room);
    this.taken.push(bytes.slice(offset, offset + n));
    this.buffers.push(bytes.buffer);
    return n;
  }
  end(): void {}
  pause(): void {}
  resume(): void {}
  /** Everything written, split into response frames. */
  frames(): Uint8Array[] {
    const all = Buffer.concat(this.taken);
    const out: Uint8Array[] = [];
    for (let at = 0; at + 4 <= all.length;) {
      const size = all.readInt32BE(at);
      if (at + 4 + size > all.length) break;
      out.push(all.subarray(at + 4, at + 4 + size));
      at += 4 + size;
    }
    return out;
  }
}

function connection(b: BrokerContext, pool: MemoryPool): { conn: Connection; socket: FakeSocket } {
  const socket = new FakeSocket();
  return { conn: new Connection(socket as never, b, b.config.listeners[0]!, pool), socket };
}

function feed(conn: Connection, bytes: Uint8Array, chunk: number): void {
  // Each chunk a fresh copy, as Bun's data callback hands them over.
  for (let at = 0; at < bytes.length; at += chunk) conn.onData(bytes.slice(at, Math.min(bytes.length, at + chunk)));
}

async function until(ok: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) return false;
    await Bun.sleep(5);
  }
  return true;
}

function values(n: number, fill: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => new Uint8Array(1000).fill((fill + i) & 0xff));
}

test("the receive buffer is reused by the next frame while a durable Produce read from it awaits its fsync", async () => {
  const b = broker();
  const pool = new MemoryPool(256 << 20);
  const { conn, socket } = connection(b, pool);
  const first = produceRequest("t", values(100, 1), 1);
  const second = produceRequest("t", values(100, 77), 2);
  expect(first.length).toBe(second.length);

  feed(conn, first, 16 * 1024);
  // Dispatched and handed to the group commit; the buffer is kept, empty, for the next frame.
  expect(pool.requestBytes).toBe(0);
  const kept = pool.retainedBytes;
  expect(kept).toBeGreaterThanOrEqual(first.length);
  expect(kept).toBeLessThanOrEqual(RETAINED_RECEIVE_BYTES);

  // The second frame's first chunk goes into that buffer (reserved whole: no 4 KiB start, no
  // doubling), overwriting the first frame's bytes before the first answer is due.
  conn.onData(second.slice(0, 16 * 1024));
  expect(pool.requestBytes).toBe(kept);
  expect(pool.retainedBytes).toBe(0);
  feed(conn, second.subarray(16 * 1024), 16 * 1024);

  expect(await until(() => socket.frames().length === 2, 10_000)).toBe(true);
  const answers = socket.frames().map((f) => {
    const r = new Reader(f);
    const correlationId = r.int32();
    r.skipTaggedFields();
    const p = readProduceResponse(r, 9).responses[0]!.partitionResponses[0]!;
    return { correlationId, errorCode: p.errorCode, baseOffset: p.baseOffset };
  });
  expect(answers).toEqual([{ correlationId: 1, errorCode: 0, baseOffset: 0 }, { correlationId: 2, errorCode: 0, baseOffset: 100 }]);
  // Both batches are stored as sent (all but baseOffset and the leader epoch, before MAGIC).
  const read = b.store.partition("t", 0)!.read(0, 1 << 20, true);
  if (read === "out-of-range") throw new Error("out of range");
  expect(read.batches.length).toBe(2);
  expect(Buffer.from(first).indexOf(read.batches[0]!.subarray(MAGIC))).toBeGreaterThan(0);
  expect(Buffer.from(second).indexOf(read.batches[1]!.subarray(MAGIC))).toBeGreaterThan(0);

  conn.onClosed();
  expect(pool.retainedBytes).toBe(0);
  expect(pool.requestBytes).toBe(0);
}, 30_000);

test("an idle receive buffer is given up as soon as another connection needs the pool's memory", async () => {
  const b = broker();
  const pool = new MemoryPool(256 << 10);
  const a = connection(b, pool);
  feed(a.conn, produceRequest("t", values(100, 3), 1), 16 * 1024);
  const kept = pool.retainedBytes;
  expect(kept).toBeGreaterThan(100_000);
  // B's 200 KB frame needs more than the limit leaves beside A's kept buffer: A's goes.
  const big = produceRequest("t", values(200, 5), 7);
  const bc = connection(b, pool);
  feed(bc.conn, big.subarray(0, big.length - 1000), 16 * 1024);
  expect(pool.retainedBytes).toBe(0);
  expect(pool.requestBytes).toBeGreaterThan(big.length - 1000);
  expect(pool.requestBytes).toBeLessThan(256 << 10);
  feed(bc.conn, big.subarray(big.length - 1000), 16 * 1024);
  expect(await until(() => bc.socket.frames().length === 1 && a.socket.frames().length === 1, 10_000)).toBe(true);
  // Kept only while it fits under the limit with everything else held.
  expect(pool.requestBytes).toBe(0);
  expect(pool.retainedBytes).toBeLessThan(256 << 10);
  a.conn.onClosed();
  bc.conn.onClosed();
  expect(pool.retainedBytes).toBe(0);
}, 30_000);

/** An ApiVersions v3 request frame. */
function apiVersions(correlationId: number): Uint8Array {
  const w = new Writer(256, null);
  const at = w.reserveInt32();
  writeRequestHeader(w, 2, { requestApiKey: 18, requestApiVersion: 3, correlationId, clientId: "buffers" });
  writeApiVersionsRequest(w, 3, { clientSoftwareName: "test", clientSoftwareVersion: "1" });
  w.setInt32(at, w.pos - 4);
  return w.finish().slice();
}

test("responses written whole share one kept buffer; one written in part keeps its own until drained", () => {
  const b = broker();
  const { conn, socket } = connection(b, new MemoryPool(256 << 20));
  conn.onData(apiVersions(1));
  conn.onData(apiVersions(2));
  expect(socket.buffers.length).toBe(2);
  expect(socket.buffers[1]).toBe(socket.buffers[0]!);

  // The socket takes 10 bytes of the third: the fourth is encoded elsewhere, the third's bytes stay.
  socket.room = 10;
  conn.onData(apiVersions(3));
  conn.onData(apiVersions(4));
  socket.room = Infinity;
  conn.flush(); // drain
  const frames = socket.frames();
  expect(frames.map((f) => new DataView(f.buffer, f.byteOffset).getInt32(0))).toEqual([1, 2, 3, 4]);
  // Same answer to the same request: byte for byte, but for the correlation id.
  for (const f of frames.slice(1)) expect(Buffer.from(f.subarray(4)).equals(frames[0]!.subarray(4))).toBe(true);
  // 1, 2 and every piece of 3 from the kept buffer; 4 from another.
  const kept = socket.buffers[0]!;
  expect(socket.buffers.slice(0, -1).every((buf) => buf === kept)).toBe(true);
  expect(socket.buffers.at(-1)).not.toBe(kept);
  // The kept writer is used again once everything is written.
  conn.onData(apiVersions(5));
  expect(socket.frames().length).toBe(5);
  expect(socket.buffers.at(-1)).toBe(kept);
  conn.onClosed();
});

test("a refused asynchronous request's answer is counted in the unwritten bytes until written", async () => {
  const b = broker();
  const pool = new MemoryPool(256 << 20);
  const { conn, socket } = connection(b, pool);
  const produce = handlerFor(0)!;
  const handle = produce.handle;
  produce.handle = () => Promise.reject(new InvalidRequestError("refused by the test"));
  try {
    socket.room = 0; // nothing is written until the drain below
    conn.onData(produceRequest("t", values(1, 9), 5));
    expect(await until(() => pool.responseBytes > 0, 5000)).toBe(true);
    socket.room = Infinity;
    conn.flush();
    expect(socket.frames().length).toBe(1);
    expect(pool.responseBytes).toBe(0);
  } finally {
    produce.handle = handle;
    conn.onClosed();
  }
}, 10_000);

test("BufferPool: whole buffers of its classes come back, within its byte bound; views are never pooled", () => {
  const pool = new BufferPool(64 << 10);
  const a = pool.acquire(5000);
  expect(a.length).toBe(8192);
  pool.release(a);
  expect(pool.freeBytes).toBe(8192);
  expect(pool.acquire(8000)).toBe(a);
  expect(pool.freeBytes).toBe(0);
  pool.release(a.subarray(0, 4096)); // a view into a larger buffer
  pool.release(new Uint8Array(new ArrayBuffer(16384), 8192, 8192)); // a view at an offset
  expect(pool.freeBytes).toBe(0);
  for (let i = 0; i < 10; i++) pool.release(new Uint8Array(16384));
  expect(pool.freeBytes).toBe(64 << 10); // four of them; the rest left to the GC
  pool.release(new Uint8Array(8 << 20)); // above the largest class
  expect(pool.freeBytes).toBe(64 << 10);
});
