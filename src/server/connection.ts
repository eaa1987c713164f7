// One client connection: size-prefixed framing over any TCP chunking, dispatch to the API
// handlers, and responses written strictly in request order (pipelining), with partial writes
// queued until `drain`. A broken frame closes only this connection, never the broker.
// Memory is bounded as Kafka's SocketServer bounds it, by not reading: no request is dispatched
// and the socket is paused while this connection's unwritten responses are over budget (Kafka
// mutes a channel from each request until its response is sent), or while the broker's request
// memory (MemoryPool, queued.max.request.bytes) is used up. A frame that spans socket reads is
// copied into the connection's receive buffer, which grows as its bytes arrive (never sized by a
// prefix alone) and is kept for the next frames; a frame within one socket read is handled from
// that read's chunk. Either way a handler sees its request's bytes only during its synchronous
// part (ApiDefinition.handle), so a frame is never copied to be kept: Produce writes its batch
// (writevSync) before it awaits the group commit and answers from numbers and names; the group
// coordinator copies member metadata and assignments; a long-polling Fetch's request holds no
// byte fields.
// Responses are encoded into a writer the connection keeps while each is written whole at once
// (the common case: no allocation per response); one the socket only took in part keeps its
// writer until written, and the connection takes another from the shared BufferPool.
// Security: on an SSL listener the principal is the client certificate's subject (set once the TLS
// handshake is done, tlsHandshakeDone); on a SASL listener every request first passes the
// connection's SaslAuthenticator (security/sasl-authenticator.ts: Kafka's SaslServerAuthenticator
// state machine), frames are at most sasl.server.max.receive.size until authenticated, raw SASL
// tokens after a v0 SaslHandshake are answered here, and a failed exchange closes the connection
// once its answer is written.

import type { Socket } from "bun";
import { Reader } from "../protocol/reader.ts";
import { Writer } from "../protocol/writer.ts";
import { readRequestHeader } from "../protocol/messages/headers.ts";
import { handlerFor, refusedRequest, type ApiHandler, type BrokerContext, type RequestContext } from "../handlers/registry.ts";
import type { Listener } from "../config/broker-config.ts";
import type { ListenerSecurity } from "../config/listener-security.ts";
import { escapeForLog, log, OnceLog, RateLimitedLog } from "../log.ts";
import { ANONYMOUS, principalText, SslPrincipalMapper, subjectDn, userPrincipal, type Principal } from "../security/principal.ts";
import { SaslAuthenticator } from "../security/sasl-authenticator.ts";
import { ErrorCode } from "../protocol/error-codes.ts";
import { scramMechanismByName } from "../security/scram.ts";
import type { MemoryPool, RetainedBuffer } from "./memory-pool.ts";
import { NO_SERVER_OBSERVER, type ServerObserver } from "./server-observer.ts";

/** Requests for APIs or versions not served: one INFO line per client (Kafka logs each at ERROR). */
const unservedRequests = new OnceLog(1024);
/** Failed authentications: one INFO line a minute per client address, listener and mechanism (Kafka logs each at INFO). */
const failedAuthentications = new RateLimitedLog(60_000);

interface ResponseSlot {
  /** The response's pieces (one, unless large byte fields were referenced); null while pending. */
  chunks: Uint8Array[] | null;
  writer: Writer | null;
  /** The chunk being written and how much of it is written. */
  chunk: number;
  written: number;
  /** The request answered (ServerObserver.requestCompleted once written); -1: none (raw SASL token). */
  apiKey: number;
  /** performance.now() at dispatch. */
  startedAt: number;
  response: unknown;
}

/**
 * Reading stops while this many bytes of responses are unwritten (Kafka mutes a channel from each
 * request until its response is sent; Bunka pipelines, bounded by bytes). Spliced byte fields
 * (zero-copy record batches, mmapped or read into memory) count in full: they pin their segment's
 * mapping or buffer until written. A non-reading client therefore holds at most this budget plus
 * the one response that crossed it.
 */
export const RESPONSE_BYTES_BEFORE_MUTE = 1 << 20;
/** Reading also stops at this many requests without a written response (long-polls included). */
export const MAX_REQUESTS_IN_FLIGHT = 32;
/** A partial frame's first buffer; it then doubles as bytes arrive, up to the frame's size. */
const MIN_PARTIAL_BYTES = 4096;
/**
 * A receive buffer up to this size is kept between frames (MemoryPool.retain): producers' requests
 * fit (librdkafka's message.max.bytes 1,000,000; Java's max.request.size 1 MiB).
 */
export const RETAINED_RECEIVE_BYTES = 2 << 20;
/** A response writer whose buffer grew past this goes back to the shared pool, not kept here. */
const RETAINED_WRITER_BYTES = 64 << 10;

export class Connection implements RetainedBuffer {
  private readonly socket: Socket<unknown>;
  private readonly broker: BrokerContext;
  private readonly listener: Listener;
  private readonly pool: MemoryPool;
  private readonly maxFrameBytes: number;
  readonly peer: string;
  /**
   * The receive buffer: its first `partialLength` bytes were read but not yet dispatched (an
   * incomplete frame, or frames held while muted), copied out of the chunks that brought them.
   * Its capacity is reserved from the pool while it holds bytes, and retained (MemoryPool.retain)
   * while it is kept empty for the next frame.
   */
  private partial: Uint8Array | null = null;
  private partialLength = 0;
  /** The writer the next response is encoded into (see recycle()); null: take one from the pool. */
  private spareWriter: Writer | null = null;
  private readonly responses: ResponseSlot[] = [];
  /** Bytes of encoded responses not yet written to the socket. */
  private unwrittenBytes = 0;
  /** No request is dispatched (and the socket is paused) while responses are over budget. */
  private muted = false;
  /** The socket is paused until the pool has memory again. */
  private awaitingMemory = false;
  /** Inside the dispatch loop: a flush from a handler must not start another. */
  private consuming = false;
  private closed = false;
  /** Set when the connection must close after its pending responses: why. */
  private closing: string | null = null;
  /** "name/version" from the client's ApiVersions (v3+), for log lines. */
  private clientSoftware: string | null = null;
  /** The client's IP address, as Kafka's authorizer sees it (no IPv4-mapped prefix). */
  readonly clientAddress: string;
  /** The principal of a client certificate (SSL listeners), else ANONYMOUS. */
  private tlsPrincipal: Principal = ANONYMOUS;
  /** SASL listeners only. */
  readonly sasl: SaslAuthenticator | null;
  /** TLS listeners only: ssl.principal.mapping.rules. */
  private readonly principalMapper: SslPrincipalMapper | null;

  constructor(socket: Socket<unknown>, broker: BrokerContext, listener: Listener, pool: MemoryPool, security?: ListenerSecurity,
    private readonly observer: ServerObserver = NO_SERVER_OBSERVER) {
    this.socket = socket;
    this.broker = broker;
    this.listener = listener;
    this.pool = pool;
    this.maxFrameBytes = broker.config.socketRequestMaxBytes;
    this.peer = `${socket.remoteAddress}`;
    this.clientAddress = this.peer.startsWith("::ffff:") && this.peer.includes(".") ? this.peer.slice(7) : this.peer;
    const tls = security?.tls ?? null;
    this.principalMapper = tls === null ? null : principalMapperFor(tls.principalMappingRules);
    const saslSettings = security?.sasl ?? null;
    this.sasl = saslSettings === null ? null : new SaslAuthenticator(saslSettings, (mechanism, user) => {
      const m = scramMechanismByName(mechanism);
      return m === undefined ? undefined : broker.store.metadata.scramCredential(m.type, user);
    });
  }

  /** The principal requests are served as. */
  get principal(): Principal {
    return this.sasl !== null ? this.sasl.currentPrincipal : this.tlsPrincipal;
  }

  /**
   * The TLS handshake finished (Bun's handshake callback). A client certificate that was presented
   * but is not trusted closes the connection (with ssl.client.auth=requested too, as Java's
   * SSLEngine refuses a presented certificate it cannot verify); a trusted one names the principal
   * on an SSL listener, as Kafka's DefaultPrincipalBuilder does (SASL_SSL: SASL names it).
   */
  tlsHandshakeDone(success: boolean, authorizationError: Error | null): void {
    if (this.closed) return;
    const cert = this.socket.getPeerX509Certificate?.();
    // Kafka's Selector: "Failed authentication with /<address> (SSL handshake failed)", at INFO.
    if (!success || (cert != null && authorizationError !== null)) {
      this.logFailedAuthentication("", `SSL handshake failed${authorizationError ? `: ${authorizationError.message}` : ""}`);
      return this.close(null);
    }
    if (cert === undefined || cert === null) return;
    try {
      this.tlsPrincipal = userPrincipal(this.principalMapper!.name(subjectDn(new Uint8Array(cert.raw))));
      log.debug(`TLS client /${this.clientAddress} on ${this.listener.name} is ${escapeForLog(principalText(this.tlsPrincipal))}`);
    } catch (e) {
      // Kafka: the principal builder's exception fails the authentication.
      this.logFailedAuthentication("", `client certificate refused: ${(e as Error).message}`);
      this.close(null);
    }
  }

  /** Requests read whose responses are not written yet (long-polling fetches included). */
  get pendingResponses(): number {
    return this.responses.length;
  }

  onData(chunk: Uint8Array): void {
    this.observer.bytesReceived(chunk.length);
    if (this.closed || this.closing !== null) return;
    // Bun may still deliver what it had read before a pause: keep it for later.
    if (this.partialLength === 0 && !this.muted) this.consume(chunk, false);
    else {
      this.append(chunk);
      if (!this.muted) this.consume(this.partial!.subarray(0, this.partialLength), true);
    }
    this.checkMemory();
  }

  /**
   * With the pool used up, a connection holding an unfinished frame either becomes the finisher
   * (and reads on until that frame is whole) or stops reading until memory comes back.
   */
  private checkMemory(): void {
    if (this.closed) return;
    const unfinished = this.partialLength > 0 && this.partialLength < this.firstFrameEnd(EMPTY);
    if (!unfinished) return this.pool.finished(this);
    if (this.awaitingMemory || !this.pool.exhausted || this.pool.finisher === this) return;
    if (this.pool.finisher === null) {
      this.pool.finisher = this;
      return;
    }
    this.awaitingMemory = true;
    this.socket.pause();
    this.pool.whenAvailable(this.onMemory);
  }

  /**
   * Dispatches the whole frames at the front of `buf` until the responses go over budget; what
   * is left is kept in `partial` (`buf` is either a socket chunk or `partial`'s bytes).
   */
  private consume(buf: Uint8Array, fromPartial: boolean): void {
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let pos = 0;
    this.consuming = true;
    try {
      while (buf.length - pos >= 4) {
        if (this.overBudget()) {
          this.mute();
          break;
        }
        const size = view.getInt32(pos);
        if (size < 0 || size > this.maxFrameBytes) {
          // Kafka's NetworkReceive throws InvalidReceiveException and the channel is closed.
          return this.close(`frame size ${size} is outside 0..${this.maxFrameBytes} (socket.request.max.bytes)`);
        }
        if (this.sasl !== null && !this.sasl.authenticated && size > this.sasl.maxReceiveBytes) {
          return this.close(`Failing SASL authentication due to invalid receive size (${size} > sasl.server.max.receive.size ${this.sasl.maxReceiveBytes})`);
        }
        if (buf.length - pos - 4 < size) break;
        const frame = buf.subarray(pos + 4, pos + 4 + size);
        pos += 4 + size;
        this.dispatch(frame);
        if (this.closed || this.closing !== null) return;
      }
    } finally {
      this.consuming = false;
    }
    if (fromPartial) {
      if (pos === 0) return;
      // The next frame's first bytes move to the front; the buffer stays for the frames to come.
      const left = this.partialLength - pos;
      if (left > 0) this.partial!.copyWithin(0, pos, this.partialLength);
      this.partialLength = left;
      if (left === 0) this.emptied();
      return;
    }
    if (pos < buf.length) this.append(buf.subarray(pos));
  }

  /**
   * Copies bytes onto the end of `partial`, growing it as they arrive: doubling from
   * MIN_PARTIAL_BYTES up to the announced frame size, never reserving what has not arrived
   * beyond that doubling, and only what is needed while the pool is used up.
   */
  private append(bytes: Uint8Array): void {
    // A kept empty buffer is in use again: reserved rather than retained.
    if (this.partial !== null && this.partialLength === 0) {
      this.pool.unretain(this);
      this.pool.reserve(this.partial.length);
    }
    const old = this.partial;
    const need = this.partialLength + bytes.length;
    if (old === null || need > old.length) {
      let cap = need;
      if (!this.pool.exhausted || this.pool.finisher === this) {
        cap = Math.max(need, 2 * (old?.length ?? 0), MIN_PARTIAL_BYTES);
        cap = Math.min(cap, Math.max(need, this.firstFrameEnd(bytes)));
      }
      const next = Buffer.allocUnsafe(cap); // every byte up to partialLength is written
      if (old !== null) next.set(old.subarray(0, this.partialLength));
      this.pool.reserve(cap);
      if (old !== null) this.pool.release(old.length);
      this.partial = next;
    }
    this.partial!.set(bytes, this.partialLength);
    this.partialLength = need;
  }

  /** Every byte held was dispatched: the buffer is kept for the next frame if the pool allows. */
  private emptied(): void {
    const buf = this.partial!;
    this.pool.release(buf.length);
    if (buf.length > RETAINED_RECEIVE_BYTES || this.closed || !this.pool.retain(this, buf.length)) this.partial = null;
  }

  /** The pool takes back an idle receive buffer (MemoryPool.reserve found it used up). */
  dropRetained(): void {
    if (this.partial === null || this.partialLength > 0) return;
    this.partial = null;
    this.pool.unretain(this);
  }

  /** 4 + the size announced by the first frame held (with `more` appended), if known. */
  private firstFrameEnd(more: Uint8Array): number {
    if (this.partialLength + more.length < 4) return Infinity;
    let size = 0;
    for (let i = 0; i < 4; i++) size = size * 256 + (i < this.partialLength ? this.partial![i]! : more[i - this.partialLength]!);
    return 4 + size;
  }

  private dropPartial(): void {
    if (this.partial === null) return;
    if (this.partialLength === 0) this.pool.unretain(this);
    else this.pool.release(this.partial.length);
    this.partial = null;
    this.partialLength = 0;
  }

  private overBudget(): boolean {
    return this.unwrittenBytes >= RESPONSE_BYTES_BEFORE_MUTE || this.responses.length >= MAX_REQUESTS_IN_FLIGHT;
  }

  private mute(): void {
    this.muted = true;
    this.socket.pause();
  }

  /** Responses drained below budget: dispatch what was held back, then read again. */
  private maybeUnmute(): void {
    if (!this.muted || this.consuming || this.closed || this.overBudget()) return;
    this.muted = false;
    if (this.partialLength > 0) this.consume(this.partial!.subarray(0, this.partialLength), true);
    this.checkMemory();
    if (!this.muted && !this.awaitingMemory && !this.closed) this.socket.resume();
  }

  private readonly onMemory = (): void => {
    this.awaitingMemory = false;
    if (!this.muted && !this.closed && this.closing === null) this.socket.resume();
  };

  private dispatch(frame: Uint8Array): void {
    const startedAt = performance.now();
    const sasl = this.sasl;
    if (sasl !== null && sasl.rawTokens) return this.dispatchRawToken(sasl, frame);
    if (frame.length < 8) return this.close(`frame of ${frame.length} bytes is too short for a request header`);
    const head = new DataView(frame.buffer, frame.byteOffset, 8);
    const apiKey = head.getInt16(0);
    const apiVersion = head.getInt16(2);
    const correlationId = head.getInt32(4);
    const handler = handlerFor(apiKey);
    const wasAuthenticating = sasl !== null && !sasl.authenticated;
    if (sasl !== null) {
      const admission = sasl.admit(apiKey);
      if (!admission.serve) return this.refuseBySaslState(frame, handler, apiVersion, correlationId, admission.reason, admission.answer);
    }
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
      remoteAddress: this.peer, principal: this.principal,
    };
    if (sasl !== null) ctx.sasl = sasl;

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
    if (apiKey === API_VERSIONS_KEY) sasl?.apiVersionsAnswered();
    const responseHeaderVersion = handler.responseHeaderVersion(apiVersion);
    let result;
    try {
      result = handler.handle(request, ctx);
    } catch (e) {
      const refused = refusedRequest(handler, request, ctx, e);
      if ("close" in refused) return this.closeAfterPending(refused.close);
      result = refused.response;
    }
    if (result === null) {
      // No response at all (acks=0; a SASL failure Kafka does not answer).
      this.observer.requestCompleted(apiKey, performance.now() - startedAt, null);
      if (sasl !== null && sasl.failure !== null && !this.closed) this.authenticationFailed(sasl);
      return;
    }
    if (result instanceof Promise) {
      const slot: ResponseSlot = { chunks: null, writer: null, chunk: 0, written: 0, apiKey, startedAt, response: null };
      this.responses.push(slot);
      result.then(
        (response) => {
          if (this.closed) return;
          if (response === null) {
            this.responses.splice(this.responses.indexOf(slot), 1);
            this.observer.requestCompleted(apiKey, performance.now() - startedAt, null);
          } else {
            const done = this.encode(handler, apiVersion, responseHeaderVersion, correlationId, response);
            slot.response = response;
            slot.chunks = done.chunks;
            slot.writer = done.writer;
            this.count(done.chunks!);
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
          slot.response = refused.response;
          slot.chunks = done.chunks;
          slot.writer = done.writer;
          this.count(done.chunks!);
          this.flush();
        },
      );
      return;
    }
    const slot = this.encode(handler, apiVersion, responseHeaderVersion, correlationId, result);
    slot.apiKey = apiKey;
    slot.startedAt = startedAt;
    slot.response = result;
    this.enqueue(slot);
    this.flush();
    if (sasl !== null && sasl.failure !== null && !this.closed) this.authenticationFailed(sasl);
    else if (sasl !== null && wasAuthenticating && sasl.authenticated) this.authenticated(sasl);
  }

  /** A failed SASL exchange (or an unsupported mechanism): logged, and closed once answered. */
  private authenticationFailed(sasl: SaslAuthenticator): void {
    const user = sasl.attemptedUser === null ? "" : `, user ${escapeForLog(sasl.attemptedUser)}`;
    this.logFailedAuthentication(`mechanism ${escapeForLog(sasl.mechanism)}${user}`, sasl.failure ?? "", sasl.mechanism ?? "");
    this.closeAfterPending(null);
  }

  /**
   * Kafka's Selector logs "Failed authentication with /<address> (<reason>)" at INFO for each;
   * Bunka once a minute per address, listener and mechanism, with how many it left out (a client
   * retrying a wrong password, or a scanner, cannot flood the log). Client-given text is escaped.
   */
  private logFailedAuthentication(what: string, reason: string, mechanism = ""): void {
    failedAuthentications.info(`${this.clientAddress} ${this.listener.name} ${mechanism}`, `failed authentication with /${this.clientAddress} ` +
      `(listener ${this.listener.name}${what === "" ? "" : `, ${what}`}): ${escapeForLog(reason)}`);
  }

  /**
   * A request the SASL state does not allow (before or during authentication, or after the
   * session expired): closed, after its own error response carrying ILLEGAL_SASL_STATE when Kafka
   * sends one (a request other than SaslAuthenticate while authenticating:
   * SaslServerAuthenticator.handleSaslToken).
   */
  private refuseBySaslState(frame: Uint8Array, handler: ApiHandler | undefined, apiVersion: number,
    correlationId: number, reason: string, answer: boolean): void {
    // An expired session is no failed authentication (Kafka's SocketServer: "Disconnecting expired channel", at DEBUG).
    if (this.sasl?.authenticated) log.debug(`closing connection from /${this.clientAddress} (${escapeForLog(principalText(this.principal))}): ${reason}`);
    else this.logFailedAuthentication("", reason);
    if (!answer || handler === undefined || apiVersion < handler.minVersion || apiVersion > handler.maxVersion || handler.errorResponse === undefined) {
      return this.close(null);
    }
    const r = new Reader(frame);
    const header = readRequestHeader(r, handler.requestHeaderVersion(apiVersion));
    const request = r.failed ? null : handler.readRequest(r, apiVersion);
    if (r.failed) return this.close(null);
    const ctx: RequestContext = {
      broker: this.broker, apiKey: handler.apiKey, apiVersion, correlationId, clientId: header.clientId,
      listener: this.listener, localAddress: this.socket.localAddress, localPort: this.socket.localPort,
      remoteAddress: this.peer, principal: this.principal,
    };
    const response = handler.errorResponse(request, ErrorCode.ILLEGAL_SASL_STATE, reason, ctx);
    if (response === null) return this.close(null);
    this.enqueue(this.encode(handler, apiVersion, handler.responseHeaderVersion(apiVersion), correlationId, response));
    this.flush();
    this.closeAfterPending(null);
  }

  private authenticated(sasl: SaslAuthenticator): void {
    log.debug(`SASL client /${this.clientAddress} on ${this.listener.name} authenticated as ${escapeForLog(principalText(sasl.currentPrincipal))} ` +
      `(${sasl.mechanism}${sasl.sessionExpiresAtMs === null ? "" : `, session until ${new Date(sasl.sessionExpiresAtMs).toISOString()}`})`);
  }

  /** A raw SASL token after a v0 SaslHandshake, answered with a size-prefixed raw token. */
  private dispatchRawToken(sasl: SaslAuthenticator, token: Uint8Array): void {
    let answer: Uint8Array;
    try {
      answer = sasl.evaluateRaw(token);
    } catch {
      // Kafka sends nothing back on a v0 exchange that failed: the connection is closed.
      this.authenticationFailed(sasl);
      return;
    }
    const bytes = new Uint8Array(4 + answer.length);
    new DataView(bytes.buffer).setInt32(0, answer.length);
    bytes.set(answer, 4);
    this.enqueue({ chunks: [bytes], writer: null, chunk: 0, written: 0, apiKey: -1, startedAt: 0, response: null });
    this.flush();
    if (sasl.authenticated) this.authenticated(sasl);
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
    const hint = handler.responseSizeHint ?? 4096;
    let w = this.spareWriter;
    this.spareWriter = null;
    if (w === null) w = new Writer(hint);
    else w.reset(hint);
    if (handler.zeroCopyBytes !== undefined) w.spliceThreshold = handler.zeroCopyBytes;
    const sizeAt = w.reserveInt32();
    w.int32(correlationId);
    if (headerVersion >= 1) w.uvarint(0); // response header v1: empty tagged fields
    handler.writeResponse(w, version, response);
    w.setInt32(sizeAt, w.pos + w.splicedBytes - 4);
    return { chunks: w.chunks(), writer: w, chunk: 0, written: 0, apiKey: -1, startedAt: 0, response: null };
  }

  private enqueue(slot: ResponseSlot): void {
    this.responses.push(slot);
    this.count(slot.chunks!);
  }

  private count(chunks: Uint8Array[]): void {
    let bytes = 0;
    for (const c of chunks) bytes += c.length;
    this.unwrittenBytes += bytes;
    this.pool.responseBytes += bytes;
  }

  /** Writes finished responses in order, then reads again if they drained below budget. */
  flush(): void {
    this.write();
    if (this.closed) return;
    if (this.closing !== null && this.responses.length === 0) return this.close(this.closing);
    this.maybeUnmute();
  }

  /** Stops at the first unfinished response or a full socket (resumed on drain). */
  private write(): void {
    while (!this.closed && this.responses.length > 0) {
      const slot = this.responses[0]!;
      if (slot.chunks === null) return;
      while (slot.chunk < slot.chunks.length) {
        const bytes = slot.chunks[slot.chunk]!;
        const left = bytes.length - slot.written;
        const n = this.socket.write(bytes, slot.written, left);
        if (n < 0) return this.close("socket write failed");
        this.observer.bytesSent(n);
        slot.written += n;
        this.unwrittenBytes -= n;
        this.pool.responseBytes -= n;
        if (n < left) return;
        slot.chunk++;
        slot.written = 0;
      }
      this.responses.shift();
      if (slot.writer !== null) this.recycle(slot.writer);
      if (slot.apiKey >= 0) {
        this.observer.requestCompleted(slot.apiKey, performance.now() - slot.startedAt, slot.response);
        slot.response = null;
      }
    }
  }

  /**
   * A writer whose response the socket has taken whole. Bun's socket.write is unbuffered
   * (bun-types: "unbuffered and non-blocking", sendto(2); it returns how many bytes it took and
   * the caller queues the rest), so nothing refers to the buffer any more: it is kept for the
   * next response, or goes back to the shared pool if one is kept already or it grew large.
   */
  private recycle(w: Writer): void {
    if (this.spareWriter === null && !this.closed && w.buf.length <= RETAINED_WRITER_BYTES) {
      w.reset(0);
      this.spareWriter = w;
    } else {
      w.release();
    }
  }

  /**
   * Closes once the responses to earlier requests are written, as Kafka closes a connection in
   * response order; nothing more is read meanwhile.
   */
  private closeAfterPending(reason: string | null): void {
    if (this.responses.length === 0) return this.close(reason);
    this.closing = reason ?? "";
  }

  close(reason: string | null): void {
    if (this.closed) return;
    if (reason) log.warn(`closing connection from ${this.peer}: ${reason}`);
    this.closed = true;
    this.socket.end();
    this.onClosed();
  }

  /** The socket is gone: pooled buffers of unsent responses go back, and its memory to the pool. */
  onClosed(): void {
    this.closed = true;
    for (const slot of this.responses) slot.writer?.release();
    this.responses.length = 0;
    this.spareWriter?.release();
    this.spareWriter = null;
    this.pool.responseBytes -= this.unwrittenBytes;
    this.unwrittenBytes = 0;
    this.dropPartial();
    this.pool.cancel(this.onMemory);
    this.pool.finished(this);
  }
}

const EMPTY = new Uint8Array(0);
/** One mapper per rules text (checked at start-up), shared by the listener's connections. */
const principalMappers = new Map<string, SslPrincipalMapper>();
function principalMapperFor(rules: string): SslPrincipalMapper {
  let m = principalMappers.get(rules);
  if (m === undefined) principalMappers.set(rules, (m = new SslPrincipalMapper(rules)));
  return m;
}
const API_VERSIONS_KEY = 18;
