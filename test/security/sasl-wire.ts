// SASL exchanges over a bare WireClient, with the generated codecs: what the e2e tests and the
// side-by-side comparison with Kafka (compare-sasl-with-kafka.ts) send. "closed" stands for a
// connection the broker closed instead of answering.

import { Reader } from "../../src/protocol/reader.ts";
import { SASL_HANDSHAKE, readSaslHandshakeResponse, writeSaslHandshakeRequest, type SaslHandshakeResponse } from "../../src/protocol/messages/sasl-handshake.ts";
import {
  SASL_AUTHENTICATE, readSaslAuthenticateResponse, writeSaslAuthenticateRequest, type SaslAuthenticateResponse,
} from "../../src/protocol/messages/sasl-authenticate.ts";
import { API_VERSIONS, readApiVersionsResponse, writeApiVersionsRequest } from "../../src/protocol/messages/api-versions.ts";
import { METADATA, readMetadataResponse, writeMetadataRequest } from "../../src/protocol/messages/metadata.ts";
import type { Writer } from "../../src/protocol/writer.ts";
import { clientKey, hash, hmac, saltedPassword, xor, type ScramMechanism } from "../../src/security/scram.ts";
import { WireClient } from "../support/wire-client.ts";

let correlation = 1;

/** One request and its decoded response, or "closed". */
export async function request<Res>(client: WireClient, apiKey: number, version: number, flexibleFrom: number, responseFlexibleFrom: number,
  write: (w: Writer) => void, read: (r: Reader) => Res): Promise<Res | "closed"> {
  const id = correlation++;
  try {
    client.send(apiKey, version, id, version >= flexibleFrom ? 2 : 1, write);
  } catch {
    return "closed";
  }
  let frame: Uint8Array;
  try {
    frame = await client.receive(10_000);
  } catch (e) {
    if (client.closed) return "closed";
    throw e;
  }
  const r = new Reader(frame);
  if (r.int32() !== id) throw new Error("correlation id mismatch");
  if (version >= responseFlexibleFrom) r.skipTaggedFields();
  const res = read(r);
  if (r.failed || r.remaining !== 0) throw new Error(`response of API ${apiKey} v${version} did not decode exactly`);
  return res;
}

export const apiVersions = (c: WireClient, version = 3) => request(c, API_VERSIONS.apiKey, version, API_VERSIONS.requestFlexibleFrom, Infinity,
  (w) => writeApiVersionsRequest(w, version, { clientSoftwareName: "bunka-test", clientSoftwareVersion: "1" }),
  (r) => readApiVersionsResponse(r, version));

export const handshake = (c: WireClient, mechanism: string, version = 1): Promise<SaslHandshakeResponse | "closed"> =>
  request(c, SASL_HANDSHAKE.apiKey, version, SASL_HANDSHAKE.requestFlexibleFrom, SASL_HANDSHAKE.responseFlexibleFrom,
    (w) => writeSaslHandshakeRequest(w, version, { mechanism }), (r) => readSaslHandshakeResponse(r, version));

export const authenticate = (c: WireClient, token: Uint8Array, version = 2): Promise<SaslAuthenticateResponse | "closed"> =>
  request(c, SASL_AUTHENTICATE.apiKey, version, SASL_AUTHENTICATE.requestFlexibleFrom, SASL_AUTHENTICATE.responseFlexibleFrom,
    (w) => writeSaslAuthenticateRequest(w, version, { authBytes: token }), (r) => readSaslAuthenticateResponse(r, version));

export const metadata = (c: WireClient, version = 12) => request(c, METADATA.apiKey, version, METADATA.requestFlexibleFrom, METADATA.responseFlexibleFrom,
  (w) => writeMetadataRequest(w, version, { topics: [], allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false }),
  (r) => readMetadataResponse(r, version));

const enc = new TextEncoder();
const dec = new TextDecoder();

export const plainToken = (user: string, password: string, authzid = "") => enc.encode(`${authzid}\u0000${user}\u0000${password}`);

/** A whole SCRAM exchange through SaslAuthenticate (RFC 5802 client side); checks the server signature. */
export async function scramAuthenticate(c: WireClient, m: ScramMechanism, user: string, password: string, version = 2):
  Promise<{ ok: true; sessionLifetimeMs: number } | { ok: false; response: SaslAuthenticateResponse | "closed" }> {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
  const bare = `n=${user.replace(/=/g, "=3D").replace(/,/g, "=2C")},r=${nonce}`;
  const first = await authenticate(c, enc.encode(`n,,${bare}`), version);
  if (first === "closed" || first.errorCode !== 0) return { ok: false, response: first };
  const serverFirst = dec.decode(first.authBytes);
  const f = Object.fromEntries(serverFirst.split(",").map((x) => [x[0], x.slice(2)]));
  const salted = saltedPassword(m, password, new Uint8Array(Buffer.from(f.s!, "base64")), Number(f.i));
  const ck = clientKey(m, salted);
  const withoutProof = `c=biws,r=${f.r}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const proof = xor(ck, hmac(m, hash(m, ck), authMessage));
  const final = await authenticate(c, enc.encode(`${withoutProof},p=${Buffer.from(proof).toString("base64")}`), version);
  if (final === "closed" || final.errorCode !== 0) return { ok: false, response: final };
  const expected = `v=${Buffer.from(hmac(m, hmac(m, salted, "Server Key"), authMessage)).toString("base64")}`;
  if (dec.decode(final.authBytes) !== expected) throw new Error("the server's SCRAM signature is wrong");
  return { ok: true, sessionLifetimeMs: final.sessionLifetimeMs };
}

/** A raw size-prefixed SASL token (after a v0 handshake) and the raw answer, or "closed". */
export async function rawToken(c: WireClient, token: Uint8Array): Promise<Uint8Array | "closed"> {
  c.sendFrame(token);
  try {
    return await c.receive(10_000);
  } catch (e) {
    if (c.closed) return "closed";
    throw e;
  }
}
