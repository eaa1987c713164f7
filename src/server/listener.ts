// Bun.listen on every configured listener; each socket gets a Connection.

import type { TCPSocketListener } from "bun";
import type { Listener } from "../config/broker-config.ts";
import type { BrokerContext } from "../handlers/registry.ts";
import { Connection } from "./connection.ts";
import { MemoryPool } from "./memory-pool.ts";
import { log } from "../log.ts";

export interface RunningListener {
  listener: Listener;
  /** The port actually bound (differs from the configured one when that was 0). */
  port: number;
  stop(): void;
}

/** Every listener shares one pool: `queued.max.request.bytes` is broker-wide, as in Kafka. */
export function startListeners(listeners: Listener[], broker: BrokerContext,
  pool = new MemoryPool(broker.config.queuedMaxRequestBytes)): RunningListener[] {
  return listeners.map((listener) => {
    // An empty host binds every interface, IPv4 and IPv6, as Kafka does for `PLAINTEXT://:9092`.
    const hostname = listener.host === "" ? "::" : listener.host;
    const server: TCPSocketListener<Connection> = Bun.listen<Connection>({
      hostname,
      port: listener.port,
      socket: {
        binaryType: "uint8array",
        open(socket) {
          socket.data = new Connection(socket as never, broker, listener, pool);
        },
        data(socket, chunk) {
          socket.data.onData(chunk);
        },
        drain(socket) {
          socket.data.flush();
        },
        close(socket) {
          socket.data?.onClosed();
        },
        error(socket, error) {
          log.warn(`socket error from ${socket.remoteAddress}: ${error.message}`);
        },
      },
    });
    log.info(`listening on ${listener.name}://${listener.host || "*"}:${server.port}`);
    return { listener, port: server.port, stop: () => server.stop(true) };
  });
}
