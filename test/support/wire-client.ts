// A bare Kafka wire client for tests: writes frames and reads size-prefixed responses in order.

import type { Socket } from "bun";
import { Writer } from "../../src/protocol/writer.ts";

export class WireClient {
  private socket!: Socket<undefined>;
  private buffered = new Uint8Array(0);
  private waiters: Array<() => void> = [];
  closed = false;
  private closedWaiters: Array<() => void> = [];

  static async connect(port: number, host = "127.0.0.1"): Promise<WireClient> {
    const client = new WireClient();
    client.socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        binaryType: "uint8array",
        data(_s, chunk: Uint8Array) {
          const next = new Uint8Array(client.buffered.length + chunk.length);
          next.set(client.buffered);
          next.set(chunk, client.buffered.length);
          client.buffered = next;
          client.wake();
        },
        close() {
          client.closed = true;
          client.wake();
          for (const w of client.closedWaiters.splice(0)) w();
        },
        error() {},
      },
    });
    return client;
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Writes raw bytes, as given (no size prefix added). */
  write(bytes: Uint8Array): void {
    let at = 0;
    while (at < bytes.length) {
      const n = this.socket.write(bytes.subarray(at));
      if (n <= 0) throw new Error("socket write failed");
      at += n;
    }
  }

  /** Writes one frame: a size prefix, then the given header+body bytes. */
  sendFrame(payload: Uint8Array): void {
    const frame = new Uint8Array(4 + payload.length);
    new DataView(frame.buffer).setInt32(0, payload.length);
    frame.set(payload, 4);
    this.write(frame);
  }

  /** Builds header (v1 or v2) + body and sends it; returns the framed bytes that were sent. */
  send(apiKey: number, apiVersion: number, correlationId: number, headerVersion: 1 | 2,
    body: (w: Writer) => void, clientId: string | null = "bunka-test"): Uint8Array {
    const w = new Writer(256, null);
    const at = w.reserveInt32();
    w.int16(apiKey);
    w.int16(apiVersion);
    w.int32(correlationId);
    w.nullableString(clientId);
    if (headerVersion === 2) w.uvarint(0);
    body(w);
    w.setInt32(at, w.pos - 4);
    const bytes = w.finish().slice();
    this.write(bytes);
    return bytes;
  }

  /** The next response frame (without its size prefix); rejects if the broker closes first. */
  async receive(timeoutMs = 10000): Promise<Uint8Array> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buffered.length >= 4) {
        const size = new DataView(this.buffered.buffer, this.buffered.byteOffset).getInt32(0);
        if (this.buffered.length >= 4 + size) {
          const frame = this.buffered.slice(4, 4 + size);
          this.buffered = this.buffered.slice(4 + size);
          return frame;
        }
      }
      if (this.closed) throw new Error("connection closed by broker");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a response");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Resolves true when the broker closes the connection within the time, else false. */
  waitClosed(timeoutMs = 5000): Promise<boolean> {
    if (this.closed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.closedWaiters.push(() => { clearTimeout(t); resolve(true); });
    });
  }

  close(): void {
    this.socket.end();
  }
}
