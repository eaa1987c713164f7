// Bun.listen on every configured listener; each socket gets a Connection. SSL and SASL_SSL
// listeners use Bun's TLS with the listener's PEM key, chain and trusted CAs
// (config/listener-security.ts); ssl.client.auth=required refuses a client without a trusted
// certificate during the handshake, requested asks for one and refuses only an untrusted one
// (Connection.tlsHandshakeDone), none does not ask.

import type { TCPSocketListener } from "bun";
import { getSystemErrorMessage } from "node:util";
import type { Listener } from "../config/broker-config.ts";
import type { BrokerContext } from "../handlers/registry.ts";
import { Connection } from "./connection.ts";
import { MemoryPool } from "./memory-pool.ts";
import { NO_SERVER_OBSERVER, type ServerObserver } from "./server-observer.ts";
import { log } from "../log.ts";

export interface RunningListener {
  listener: Listener;
  /** The port actually bound (differs from the configured one when that was 0). */
  port: number;
  /** The open connections (gauges read them at scrape time: count, requests awaiting responses). */
  connections: ReadonlySet<Connection>;
  stop(): void;
}

/** Thrown when a listener cannot bind: the message names the listener, address, port and reason. */
export class ListenError extends Error {}

/** Every listener shares one pool: `queued.max.request.bytes` is broker-wide, as in Kafka. */
export function startListeners(listeners: Listener[], broker: BrokerContext,
  pool = new MemoryPool(broker.config.queuedMaxRequestBytes), observer: ServerObserver = NO_SERVER_OBSERVER): RunningListener[] {
  const running: RunningListener[] = [];
  try {
    for (const listener of listeners) running.push(startListener(listener, broker, pool, observer));
  } catch (e) {
    for (const r of running) r.stop();
    throw e;
  }
  return running;
}

function startListener(listener: Listener, broker: BrokerContext, pool: MemoryPool, observer: ServerObserver): RunningListener {
  const connections = new Set<Connection>();
  // An empty host binds every interface, IPv4 and IPv6, as Kafka does for `PLAINTEXT://:9092`.
  const hostname = listener.host === "" ? "::" : listener.host;
  const security = broker.config.listenerSecurity.get(listener.name);
  const settings = security?.tls ?? null;
  const tls = settings === null ? undefined : {
    key: settings.key,
    cert: settings.cert,
    ...(settings.passphrase === null ? {} : { passphrase: settings.passphrase }),
    ...(settings.ca === null ? {} : { ca: settings.ca }),
    requestCert: settings.clientAuth !== "none",
    rejectUnauthorized: settings.clientAuth === "required",
  };
  let server: TCPSocketListener<Connection>;
  try {
    server = Bun.listen<Connection>({
      hostname,
      port: listener.port,
      ...(tls === undefined ? {} : { tls }),
      socket: {
        binaryType: "uint8array",
        open(socket) {
          socket.data = new Connection(socket as never, broker, listener, pool, security, observer);
          connections.add(socket.data);
        },
        handshake(socket, success, authorizationError) {
          socket.data.tlsHandshakeDone(success, authorizationError);
        },
        data(socket, chunk) {
          socket.data.onData(chunk);
        },
        drain(socket) {
          socket.data.flush();
        },
        close(socket) {
          if (socket.data) connections.delete(socket.data);
          socket.data?.onClosed();
        },
        error(socket, error) {
          log.warn(`socket error from ${socket.remoteAddress}: ${error.message}`);
        },
      },
    });
  } catch (e) {
    // Bun's own message is "Failed to listen at <host>"; Kafka's SocketServer says "Socket server
    // failed to bind to <host>:<port>: <reason>." The reason comes from the errno Bun attaches.
    const { code, errno } = e as { code?: string; errno?: number };
    const reason = typeof errno === "number" && errno !== 0 ? `${getSystemErrorMessage(-Math.abs(errno))} (${code})` : (code ?? (e as Error).message);
    throw new ListenError(`cannot listen on ${listener.name}://${hostname.includes(":") ? `[${hostname}]` : hostname}:${listener.port}: ${reason}`);
  }
  log.info(`listening on ${listener.name}://${listener.host || "*"}:${server.port}` +
    (listener.name === listener.securityProtocol ? "" : ` (${listener.securityProtocol})`) +
    (security?.sasl ? ` SASL ${security.sasl.mechanisms.join(",")}` : "") +
    (settings !== null ? ` TLS, ssl.client.auth=${settings.clientAuth}` : ""));
  return { listener, port: server.port, connections, stop: () => server.stop(true) };
}
