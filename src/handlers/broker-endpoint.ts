// Where clients should connect: the advertised listener with the name of the listener the
// request arrived on (as Kafka chooses per listener). An empty or wildcard host is answered
// with the address the client reached us on, and port 0 (an ephemeral test port) with the
// bound port; Kafka would use the machine's canonical host name, which a client on another
// network namespace or a container often cannot resolve.

import type { RequestContext } from "./registry.ts";

export interface Endpoint {
  host: string;
  port: number;
}

const WILDCARDS = new Set(["", "0.0.0.0", "::", "[::]"]);

export function advertisedEndpoint(ctx: RequestContext): Endpoint {
  const config = ctx.broker.config;
  const advertised = config.advertisedListeners.find((l) => l.name === ctx.listener.name)
    ?? config.advertisedListeners[0] ?? ctx.listener;
  const host = WILDCARDS.has(advertised.host) ? unmapped(ctx.localAddress) : advertised.host;
  const port = advertised.port === 0 ? ctx.localPort : advertised.port;
  return { host, port };
}

/** "::ffff:127.0.0.1" (an IPv4 client on a dual-stack socket) → "127.0.0.1". */
function unmapped(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}
