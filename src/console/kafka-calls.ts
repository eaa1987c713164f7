// The console's actions go through the Kafka API's own handlers (handlers/registry.ts): a request
// object is handed to the registered handler with a RequestContext built for the console's
// caller, so topic creation, config changes, produce, DeleteRecords and offset commits run the
// same validation, authorization (ACLs against the console principal) and storage calls as a
// Kafka client's request, and answer the same error codes. Nothing here re-implements them.

import type { Listener } from "../config/broker-config.ts";
import { handlerFor, refusedRequest, type BrokerContext, type RequestContext } from "../handlers/registry.ts";
import type { Principal } from "../security/authorizer.ts";

/** Who is calling: the principal the authentication hook gave, and the HTTP client's address. */
export interface ConsoleCaller {
  principal: Principal;
  remoteAddress: string;
}

/** The client id the console's requests carry (in logs, quotas and ACL audit lines). */
export const CONSOLE_CLIENT_ID = "bunka-console";

export class KafkaApiCaller {
  private correlation = 0;

  constructor(private readonly broker: BrokerContext) {}

  /** The request's answer from the API's handler at its highest served version (or `version`). */
  async call<Req, Res>(apiKey: number, request: Req, caller: ConsoleCaller, version?: number): Promise<Res> {
    const handler = handlerFor(apiKey);
    if (handler === undefined) throw new Error(`API ${apiKey} is not registered`);
    const listener: Listener = this.broker.config.listeners[0] ?? { name: "CONSOLE", host: "", port: 0, securityProtocol: "PLAINTEXT" };
    const ctx: RequestContext = {
      broker: this.broker, apiKey, apiVersion: version ?? handler.maxVersion, correlationId: ++this.correlation,
      clientId: CONSOLE_CLIENT_ID, listener, localAddress: listener.host, localPort: listener.port,
      remoteAddress: caller.remoteAddress, principal: caller.principal,
    };
    try {
      const response = await handler.handle(request, ctx);
      if (response === null) throw new Error(`${handler.name} gave no response`);
      return response as Res;
    } catch (e) {
      const refused = refusedRequest(handler, request, ctx, e);
      if ("response" in refused) return refused.response as Res;
      throw new Error(refused.close);
    }
  }

  /** A RequestContext for read-only checks (authorize) made by the console itself. */
  context(caller: ConsoleCaller): RequestContext {
    const listener = this.broker.config.listeners[0]!;
    return {
      broker: this.broker, apiKey: -1, apiVersion: 0, correlationId: 0, clientId: CONSOLE_CLIENT_ID, listener,
      localAddress: listener.host, localPort: listener.port, remoteAddress: caller.remoteAddress, principal: caller.principal,
    };
  }
}
