// One client connection: size-prefixed framing over any TCP chunking, dispatch to the API
// handlers, and responses written strictly in request order (pipelining), with partial writes
// queued until `drain`. A broken frame closes only this connection, never the broker.

import type { Socket } from "bun";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { readRequestHeader } from "../protocol/messages/headers.ts";
import { handlerFor, refusedRequest, type ApiHandler, type BrokerContext, type RequestContext } from "../handlers/registry.ts";
import type { Listener } from "../config/broker-config.ts";
import { escapeForLog, log, OnceLog } from "../log.ts";

/** Requests for APIs or versions not served: one INFO line per client (Kafka logs each at ERROR). */
const unservedRequests = new OnceLog(1024);

interface ResponseSlot {
  /** The response's pieces (one, unless large byte fields were referenced); null while pending. */
  chunks: Uint8Array[] | null;
  writer: Writer | null;
  /** The chunk being written and how much of it is written. */
  chunk: number;
  written: number;
}

export class Connection {
  private readonly socket: Socket<unknown>;
  private readonly broker: BrokerContext;
  private readonly listener: Listener;
  private readonly maxFrameBytes: number;
  readonly peer: string;
  /** Bytes of an incomplete frame, copied out of the chunk that brought them. */
  private partial: Uint8Array | null = null;
  private partialLength = 0;
  private readonly responses: ResponseSlot[] = [];
  private closed = false;
  /** Set when the connection must close after its pending responses: why. */
  private closing: string | null = null;
  /** "name/version" from the client's ApiVersions (v3+), for log lines. */
  private clientSoftware: string | null = null;

  constructor(socket: Socket<unknown>, broker: BrokerContext, listener: Listener) {
    this.socket = socket;
    this.broker = broker;
    this.listener = listener;
    this.maxFrameBytes = broker.config.socketRequestMaxBytes;
    this.peer = `${socket.remoteAddress}`;
  }

  onData(chunk: Uint8Array): void {
    if (this.closed || this.closing !== null) return;
    let buf = chunk;
    let pos = 0;
    if (this.partial !== null) {
      buf = this.appendPartial(chunk);
      if (buf === EMPTY) return; // still not a whole frame
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    while (buf.length - pos >= 4) {
      const size = view.getInt32(pos);
      if (size < 0 || size > this.maxFrameBytes) {
        this.close(`frame size ${size} is outside 0..${this.maxFrameBytes} (socket.request.max.bytes)`);
        return;
      }
      if (buf.length - pos - 4 < size) break;
      const frame = buf.subarray(pos + 4, pos + 4 + size);
      pos += 4 + size;
      this.dispatch(frame);
      if (this.closed || this.closing !== null) return;
    }
    this.keepRemainder(buf, pos);
  }

  /** Appends a chunk to the partial frame; returns the buffer to parse, or EMPTY if incomplete. */
  private appendPartial(chunk: Uint8Array): Uint8Array {
    let p = this.partial!;
    const need = this.partialLength + chunk.length;
    if (need > p.length) {
      // Size the buffer for the whole frame once its length prefix is known.
      let cap = Math.max(need, p.length * 2);
      if (this.partialLength >= 4) {
        const size = new DataView(p.buffer, p.byteOffset).getInt32(0);
        if (size >= 0 && size <= this.maxFrameBytes) cap = Math.max(need, 4 + size);
      }
      const next = Buffer.allocUnsafe(cap); // every byte up to partialLength is written
      next.set(p.subarray(0, this.partialLength));
      p = this.partial = next;
    }
    p.set(chunk, this.partialLength);
    this.partialLength = need;
    if (need >= 4) {
      const size = new DataView(p.buffer, p.byteOffset).getInt32(0);
      if (size >= 0 && size <= this.maxFrameBytes && need < 4 + size) return EMPTY;
    } else return EMPTY;
    const whole = p.subarray(0, need);
    this.partial = null;
    this.partialLength = 0;
    return whole;
  }

  private keepRemainder(buf: Uint8Array, pos: number): void {
    if (pos >= buf.length) return;
    // The chunk's memory may be reused after this callback returns: copy what is left, into a
    // buffer sized for the whole frame when its length prefix is already here (one allocation
    // and one copy per frame, however many chunks bring it).
    const rest = buf.subarray(pos);
    let cap = Math.max(64, rest.length);
    if (rest.length >= 4) {
      const size = new DataView(rest.buffer, rest.byteOffset, 4).getInt32(0);
      if (size >= 0 && size <= this.maxFrameBytes) cap = Math.max(cap, 4 + size);
    }
    const p = Buffer.allocUnsafe(cap);
    p.set(rest);
    this.partial = p;
    this.partialLength = rest.length;
  }

  private dispatch(frame: Uint8Array): void {
    if (frame.length < 8) return this.close(`frame of ${frame.length} bytes is too short for a request header`);
    const head = new DataView(frame.buffer, frame.byteOffset, 8);
    const apiKey = head.getInt16(0);
    const apiVersion = head.getInt16(2);
    const correlationId = head.getInt32(4);
    const handler = handlerFor(apiKey);
    if (handler === undefined) return this.refuseUnserved(frame, `API key ${apiKey} v${apiVersion}, an API Bunka does not serve`);

    const supported = apiVersion >= handler.minVersion && apiVersion <= handler.maxVersion;
    if (!supported && handler.unsupportedVersionResponse === undefined) {
      return this.refuseUnserved(frame, `${handler.name} v${apiVersion}, a version Bunka does not serve (${handler.minVersion}-${handler.maxVersion})`);
    }
    const r = new Reader(frame);
    const header = readRequestHeader(r, handler.requestHeaderVersion(apiVersion));
    if (r.failed) return this.close(`malformed ${handler.name} v${apiVersion} request header`);
    const ctx: RequestContext = {
      broker: this.broker, apiKey, apiVersion, correlationId, clientId: header.clientId,
      listener: this.listener, localAddress: this.socket.localAddress, localPort: this.socket.localPort,
      remoteAddress: this.peer,
    };

    if (!supported) {
      // ApiVersions: Kafka answers UNSUPPORTED_VERSION in the v0 body format, header v0.
      this.enqueue(this.encode(handler, 0, 0, correlationId, handler.unsupportedVersionResponse!(ctx)));
      return this.flush();
    }

    const request = handler.readRequest(r, apiVersion);
    if (r.failed) return this.close(`malformed ${handler.name} v${apiVersion} request body`);
    if (apiKey === API_VERSIONS_KEY && apiVersion >= 3) {
      this.clientSoftware = `${request.clientSoftwareName}/${request.clientSoftwareVersion}`;
    }
    const responseHeaderVersion = handler.responseHeaderVersion(apiVersion);
    let result;
    try {
      result = handler.handle(request, ctx);
    } catch (e) {
      const refused = refusedRequest(handler, request, ctx, e);
      if ("close" in refused) return this.closeAfterPending(refused.close);
      result = refused.response;
    }
    if (result === null) return; // no response at all (acks=0)
    if (result instanceof Promise) {
      const slot: ResponseSlot = { chunks: null, writer: null, chunk: 0, written: 0 };
      this.responses.push(slot);
      result.then(
        (response) => {
          if (this.closed) return;
          if (response === null) {
            this.responses.splice(this.responses.indexOf(slot), 1);
          } else {
            const done = this.encode(handler, apiVersion, responseHeaderVersion, correlationId, response);
            slot.chunks = done.chunks;
            slot.writer = done.writer;
          }
          this.flush();
        },
        (e) => {
          if (this.closed) return;
          const refused = refusedRequest(handler, request, ctx, e);
          if ("close" in refused) {
            this.responses.splice(this.responses.indexOf(slot), 1);
            return this.closeAfterPending(refused.close);
          }
          const done = this.encode(handler, apiVersion, responseHeaderVersion, correlationId, refused.response);
          slot.chunks = done.chunks;
          slot.writer = done.writer;
          this.flush();
        },
      );
      return;
    }
    this.enqueue(this.encode(handler, apiVersion, responseHeaderVersion, correlationId, result));
    this.flush();
  }

  /**
   * An API key or version not served: the connection is closed, as Kafka's SocketServer closes it
   * (UnsupportedVersionException / "Unexpected api key"), and logged once per client.
   */
  private refuseUnserved(frame: Uint8Array, what: string): void {
    // The client id sits at the same place in request headers v1 and v2.
    const r = new Reader(frame, 8);
    const clientId = r.nullableString();
    const client = r.failed ? null : clientId;
    unservedRequests.info(`${client}\u0000${this.clientSoftware}`, () =>
      `client ${escapeForLog(client)}${this.clientSoftware === null ? "" : ` (${escapeForLog(this.clientSoftware)})`} from ${this.peer} ` +
      `sent ${what}; closing the connection as Kafka does (logged once per client)`);
    this.close(null);
  }

  private encode(handler: ApiHandler, version: number, headerVersion: number, correlationId: number, response: unknown): ResponseSlot {
    const w = new Writer(handler.responseSizeHint ?? 4096);
    if (handler.zeroCopyBytes !== undefined) w.spliceThreshold = handler.zeroCopyBytes;
    const sizeAt = w.reserveInt32();
    w.int32(correlationId);
    if (headerVersion >= 1) w.uvarint(0); // response header v1: empty tagged fields
    handler.writeResponse(w, version, response);
    w.setInt32(sizeAt, w.pos + w.splicedBytes - 4);
    return { chunks: w.chunks(), writer: w, chunk: 0, written: 0 };
  }

  private enqueue(slot: ResponseSlot): void {
    this.responses.push(slot);
  }

  /** Writes finished responses in order; stops at the first unfinished one or a full socket. */
  flush(): void {
    while (!this.closed && this.responses.length > 0) {
      const slot = this.responses[0]!;
      if (slot.chunks === null) return;
      while (slot.chunk < slot.chunks.length) {
        const bytes = slot.chunks[slot.chunk]!;
        const left = bytes.length - slot.written;
        const n = this.socket.write(bytes, slot.written, left);
        if (n < 0) return this.close("socket write failed");
        slot.written += n;
        if (n < left) return; // resumed on drain
        slot.chunk++;
        slot.written = 0;
      }
      slot.writer?.release();
      this.responses.shift();
    }
    if (this.closing !== null && this.responses.length === 0) this.close(this.closing);
  }

  /**
   * Closes once the responses to earlier requests are written, as Kafka closes a connection in
   * response order; nothing more is read meanwhile.
   */
  private closeAfterPending(reason: string): void {
    if (this.responses.length === 0) return this.close(reason);
    this.closing = reason;
  }

  close(reason: string | null): void {
    if (this.closed) return;
    if (reason !== null) log.warn(`closing connection from ${this.peer}: ${reason}`);
    this.closed = true;
    this.socket.end();
    this.onClosed();
  }

  /** The socket is gone: pooled buffers of unsent responses go back to the pool. */
  onClosed(): void {
    this.closed = true;
    for (const slot of this.responses) slot.writer?.release();
    this.responses.length = 0;
    this.partial = null;
  }
}

const EMPTY = new Uint8Array(0);
const API_VERSIONS_KEY = 18;
