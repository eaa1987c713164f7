// Typed requests over a WireClient with the generated codecs, checking that every response
// decodes exactly (no bytes left over, no read past the end) and carries the correlation id.

import { expect } from "bun:test";
import { Reader } from "../../src/protocol/reader.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import type { WireClient } from "../support/wire-client.ts";

export interface Api<Req, Res> {
  spec: { apiKey: number; requestFlexibleFrom: number; responseFlexibleFrom: number };
  write: (w: Writer, version: number, req: Req) => void;
  read: (r: Reader, version: number) => Res;
}

let nextCorrelationId = 1000;

/** Sends a request; the returned function reads its response (responses come in request order). */
export function send<Req, Res>(client: WireClient, api: Api<Req, Res>, version: number, req: Req, clientId = "bunka-test"): () => Promise<Res> {
  const correlationId = nextCorrelationId++;
  client.send(api.spec.apiKey, version, correlationId, version >= api.spec.requestFlexibleFrom ? 2 : 1, (w) => api.write(w, version, req), clientId);
  return async () => {
    const frame = await client.receive(20_000);
    const r = new Reader(frame);
    expect(r.int32()).toBe(correlationId);
    if (version >= api.spec.responseFlexibleFrom) r.skipTaggedFields();
    const res = api.read(r, version);
    expect(r.failed).toBe(false);
    expect(r.remaining).toBe(0);
    return res;
  };
}

export function call<Req, Res>(client: WireClient, api: Api<Req, Res>, version: number, req: Req, clientId?: string): Promise<Res> {
  return send(client, api, version, req, clientId)();
}
