// The HTTP listener (bunka.http.listener): one Bun.serve on its own port, beside the Kafka
// listeners, for /metrics (src/metrics/) and the web console. It shares nothing with the Kafka
// connections but the event loop: every route answers from state the broker keeps anyway.
//
// Routing is a small table of route providers: each HttpRoute looks at the request and answers
// it, or returns undefined to let the next one try (the console mounts `/` and `/api/...`, the
// metrics `/metrics`, neither knowing of the other). No route: 404.
//
// Authentication (HttpAuthenticator) runs before any route when the broker has one (main.ts:
// HTTP Basic against the SASL users when a SASL listener is configured, http/basic-auth.ts);
// without one every request is anonymous, as on a PLAINTEXT Kafka listener. The client's address
// (Bun's server.requestIP) goes with the request as a Kafka connection's peer address goes with
// its requests, so ACLs naming a host apply to the console too (remoteAddressOf).
//
// Mutating endpoints call refuseCrossSite first: a browser on another site must not be able to
// change the broker (CSRF). It wants a JSON body (a cross-site <form> cannot send one without a
// CORS preflight this listener never grants), and refuses a request whose Sec-Fetch-Site says
// cross-site / same-site or whose Origin is not this listener's own.
//
// Not done: TLS (put a reverse proxy in front), CORS, HTTP/2.

import type { Server } from "bun";
import { getSystemErrorMessage } from "node:util";
import { constants as osConstants } from "node:os";
import type { Principal } from "../security/authorizer.ts";
import { log } from "../log.ts";

/** Answers a request, or returns undefined to pass it to the next route of the table. */
export type HttpRoute = (req: Request, url: URL) => Response | Promise<Response> | undefined;

/** Who made a request: a principal, or null when the credentials are missing or wrong (401). */
export type HttpAuthenticator = (req: Request) => Principal | null | Promise<Principal | null>;

/** bunka.http.listener parsed: host "" is every interface, port 0 a free one. */
export interface HttpAddress {
  host: string;
  port: number;
}

export interface HttpListenerOptions {
  routes?: readonly HttpRoute[];
  authenticate?: HttpAuthenticator | null;
  /** Named in the 401's WWW-Authenticate realm. */
  realm?: string;
}

const principals = new WeakMap<Request, Principal>();
const remoteAddresses = new WeakMap<Request, string>();

/** The principal the authenticator admitted for this request (undefined: no authentication configured). */
export function principalOf(req: Request): Principal | undefined {
  return principals.get(req);
}

/**
 * The client's IP address as the socket gave it ("127.0.0.1", "::ffff:127.0.0.1", "::1"), or
 * undefined when the request did not come through a socket (HttpListener.handle called directly).
 */
export function remoteAddressOf(req: Request): string | undefined {
  return remoteAddresses.get(req);
}

export class HttpListener {
  private readonly routes: HttpRoute[];
  private server: Server<undefined> | null = null;

  constructor(private readonly options: HttpListenerOptions = {}) {
    this.routes = [...(options.routes ?? [])];
  }

  /** Adds a route provider after the ones already there (first answer wins). */
  addRoute(route: HttpRoute): void {
    this.routes.push(route);
  }

  /** The port actually bound (null before start or after a failed one). */
  get port(): number | null {
    return this.server?.port ?? null;
  }

  /** Binds; throws HttpListenError (address, port, reason) when it cannot. */
  start(address: HttpAddress): this {
    const hostname = address.host === "" ? "::" : address.host;
    try {
      this.server = Bun.serve({
        hostname,
        port: address.port,
        // Scrapes and console calls are small; a large body is a mistake or an attack.
        maxRequestBodySize: 16 * 1024 * 1024,
        fetch: (req, server) => this.handle(req, server.requestIP(req)?.address),
        error: (e) => {
          log.warn(`HTTP request failed: ${e.stack ?? e.message}`);
          return new Response("internal error\n", { status: 500, headers: { "content-type": "text/plain; charset=utf-8" } });
        },
      });
    } catch (e) {
      // Bun.serve's error carries the code (EADDRINUSE) but not always the errno: the text comes
      // from the code's number then.
      const { code, errno } = e as { code?: string; errno?: number };
      const number = typeof errno === "number" && errno !== 0 ? errno : code !== undefined ? osConstants.errno[code as keyof typeof osConstants.errno] : undefined;
      const reason = number !== undefined ? `${getSystemErrorMessage(-Math.abs(number))} (${code})` : (code ?? (e as Error).message);
      throw new HttpListenError(`cannot listen on HTTP://${formatHost(hostname)}:${address.port}: ${reason}`);
    }
    return this;
  }

  stop(): void {
    this.server?.stop(true);
    this.server = null;
  }

  /**
   * Authentication, then the first route that answers; public for tests without a socket, which
   * may say which client address the request comes from.
   */
  async handle(req: Request, remoteAddress?: string): Promise<Response> {
    const url = new URL(req.url);
    if (remoteAddress !== undefined) remoteAddresses.set(req, remoteAddress);
    if (this.options.authenticate) {
      const principal = await this.options.authenticate(req);
      if (principal === null) {
        return new Response("authentication required\n", {
          status: 401,
          headers: { "www-authenticate": `Basic realm="${this.options.realm ?? "bunka"}", charset="UTF-8"`, "content-type": "text/plain; charset=utf-8" },
        });
      }
      principals.set(req, principal);
    }
    for (const route of this.routes) {
      const answer = route(req, url);
      if (answer !== undefined) return answer;
    }
    return new Response("not found\n", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });
  }
}

export class HttpListenError extends Error {}

/**
 * Starts the HTTP listener, or logs one WARN and returns null when the address is taken or
 * unusable: the Kafka listeners matter more than the console, so the broker keeps serving Kafka.
 */
export function startHttpListener(address: HttpAddress, options: HttpListenerOptions = {}): HttpListener | null {
  const listener = new HttpListener(options);
  try {
    listener.start(address);
  } catch (e) {
    if (!(e instanceof HttpListenError)) throw e;
    log.warn(`${e.message}; no /metrics or console (set bunka.http.listener=HOST:PORT, or empty to turn it off)`);
    return null;
  }
  // The same shape as the Kafka listeners' line ("listening on NAME://host:port"), so tools that
  // read the start-up lines find the port.
  log.info(`listening on HTTP://${address.host || "*"}:${listener.port} (/metrics` +
    (options.authenticate ? ", HTTP Basic authentication" : "") + ")");
  return listener;
}

/**
 * For a route that changes something: a Response refusing the request (403 cross-site, 415 not
 * JSON), or null when it may go on. Safe methods (GET, HEAD, OPTIONS) are never refused here.
 */
export function refuseCrossSite(req: Request): Response | null {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return null;
  // Fetch metadata (every current browser): anything but same-origin or a user's own navigation.
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return forbidden(`cross-site request refused (Sec-Fetch-Site: ${site})`);
  // Origin, when sent, must be this listener's own (the Host the browser addressed).
  const origin = req.headers.get("origin");
  if (origin !== null) {
    let originHost: string | null = null;
    try {
      originHost = origin === "null" ? null : new URL(origin).host;
    } catch {
      originHost = null;
    }
    const host = req.headers.get("host") ?? new URL(req.url).host;
    if (originHost === null || originHost.toLowerCase() !== host.toLowerCase()) return forbidden(`cross-site request refused (Origin: ${origin})`);
  }
  // A JSON body: an HTML form cannot send one, and a cross-site fetch() with it needs a CORS
  // preflight that this listener never answers with permission.
  const type = (req.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") {
    return new Response(JSON.stringify({ error: "a request that changes something must have Content-Type: application/json" }), {
      status: 415, headers: { "content-type": "application/json" },
    });
  }
  return null;
}

function forbidden(message: string): Response {
  return new Response(JSON.stringify({ error: message }), { status: 403, headers: { "content-type": "application/json" } });
}

function formatHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
