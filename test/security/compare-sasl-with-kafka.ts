// Runs the same SASL exchanges against two SASL_PLAINTEXT listeners (a real Kafka from
// test/interop/kafka-run.sh and Bunka) and prints each outcome side by side, marking differences.
// Both need PLAIN with user_alice="alice-secret", SCRAM-SHA-256 for alice / alice-secret,
// sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER (Kafka: an
// OAuthBearerLoginModule JAAS entry, the unsecured validator) and connections.max.reauth.ms=5000.
//
//   bun test/security/compare-sasl-with-kafka.ts 127.0.0.1:<kafka sasl port> 127.0.0.1:<bunka sasl port>

import { WireClient } from "../support/wire-client.ts";
import { SCRAM_SHA_256 } from "../../src/security/scram.ts";
import { apiVersions, authenticate, handshake, metadata, plainToken, rawToken, scramAuthenticate } from "./sasl-wire.ts";

type Scenario = (c: WireClient) => Promise<unknown[]>;

const inSeconds = (s: number) => Math.floor(Date.now() / 1000) + s;
/** An OAUTHBEARER initial response with an unsecured JWT (or a "signed" one). */
function bearer(claims: object, header: object = { alg: "none" }, signature = "", authzid = ""): Uint8Array {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return new TextEncoder().encode(`n,${authzid ? `a=${authzid}` : ""},\u0001auth=Bearer ${b64(header)}.${b64(claims)}.${signature}\u0001\u0001`);
}

const brief = (x: unknown): unknown => {
  if (x === "closed" || x === null || typeof x !== "object") return x;
  const o = x as Record<string, unknown>;
  if ("apiKeys" in o) return { errorCode: o.errorCode, apis: (o.apiKeys as unknown[]).length > 0 ? "some" : "none" };
  if ("brokers" in o) return { metadata: "ok" };
  if ("authBytes" in o) return { errorCode: o.errorCode, errorMessage: o.errorMessage, authBytes: new TextDecoder().decode(o.authBytes as Uint8Array), sessionLifetimeMs: o.sessionLifetimeMs };
  if (x instanceof Uint8Array) return `raw ${x.length} bytes`;
  return x;
};

const scenarios: Record<string, Scenario> = {
  "Metadata first": async (c) => [await metadata(c)],
  "SaslAuthenticate first": async (c) => [await authenticate(c, plainToken("alice", "alice-secret"))],
  "ApiVersions twice": async (c) => [await apiVersions(c), await apiVersions(c)],
  "unknown mechanism": async (c) => [await apiVersions(c), await handshake(c, "FOO"), await metadata(c)],
  "PLAIN wrong password": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, plainToken("alice", "nope")), await metadata(c)],
  "PLAIN unknown user": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, plainToken("zed", "nope"))],
  "PLAIN bad token": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, new TextEncoder().encode("alice"))],
  "PLAIN authzid": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, plainToken("alice", "alice-secret", "bob"))],
  "Metadata while authenticating": async (c) => [await handshake(c, "PLAIN"), await metadata(c)],
  "handshake twice": async (c) => [await handshake(c, "PLAIN"), await handshake(c, "PLAIN")],
  "PLAIN ok, v2": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, plainToken("alice", "alice-secret")), await metadata(c),
    await authenticate(c, plainToken("alice", "alice-secret")), await metadata(c)],
  "PLAIN ok v0, then handshake": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, plainToken("alice", "alice-secret"), 0),
    await handshake(c, "PLAIN"), await metadata(c)],
  "re-authentication": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, plainToken("alice", "alice-secret"), 1),
    await handshake(c, "PLAIN"), await authenticate(c, plainToken("alice", "alice-secret"), 1), await metadata(c)],
  "re-authentication as another user": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, plainToken("alice", "alice-secret"), 1),
    await handshake(c, "SCRAM-SHA-256"), await authenticate(c, plainToken("alice", "alice-secret"), 1)],
  "session expiry": async (c) => [await handshake(c, "PLAIN"), await authenticate(c, plainToken("alice", "alice-secret"), 1),
    await Bun.sleep(5_500), await metadata(c)],
  "v0 handshake, raw PLAIN": async (c) => [await handshake(c, "PLAIN", 0), await rawToken(c, plainToken("alice", "alice-secret")), await metadata(c)],
  "v0 handshake, raw PLAIN wrong": async (c) => [await handshake(c, "PLAIN", 0), await rawToken(c, plainToken("alice", "x"))],
  "SCRAM ok": async (c) => [await handshake(c, "SCRAM-SHA-256"), await scramAuthenticate(c, SCRAM_SHA_256, "alice", "alice-secret"), await metadata(c)],
  "SCRAM wrong password": async (c) => [await handshake(c, "SCRAM-SHA-256"), await scramAuthenticate(c, SCRAM_SHA_256, "alice", "nope")],
  "SCRAM unknown user": async (c) => [await handshake(c, "SCRAM-SHA-256"), await scramAuthenticate(c, SCRAM_SHA_256, "zed", "nope")],
  "OAUTHBEARER valid token": async (c) => [await handshake(c, "OAUTHBEARER"), await authenticate(c, bearer({ sub: "admin", exp: inSeconds(3600) })), await metadata(c)],
  "OAUTHBEARER expired token": async (c) => [await handshake(c, "OAUTHBEARER"), await authenticate(c, bearer({ sub: "admin", exp: inSeconds(-60) })),
    await authenticate(c, new Uint8Array([1])), await metadata(c)],
  "OAUTHBEARER expired token, no acknowledgement": async (c) => [await handshake(c, "OAUTHBEARER"), await authenticate(c, bearer({ sub: "admin", exp: inSeconds(-60) })),
    await authenticate(c, bearer({ sub: "admin", exp: inSeconds(3600) }))],
  "OAUTHBEARER no sub": async (c) => [await handshake(c, "OAUTHBEARER"), await authenticate(c, bearer({ exp: inSeconds(3600) }))],
  "OAUTHBEARER signed token": async (c) => [await handshake(c, "OAUTHBEARER"), await authenticate(c, bearer({ sub: "a", exp: inSeconds(3600) }, { alg: "HS256" }, "c2ln"))],
  "OAUTHBEARER iat after exp": async (c) => [await handshake(c, "OAUTHBEARER"), await authenticate(c, bearer({ sub: "a", exp: inSeconds(60), iat: inSeconds(30) }))],
  "OAUTHBEARER authzid": async (c) => [await handshake(c, "OAUTHBEARER"), await authenticate(c, bearer({ sub: "a", exp: inSeconds(60) }, undefined, "", "b"))],
  "OAUTHBEARER malformed": async (c) => [await handshake(c, "OAUTHBEARER"), await authenticate(c, new TextEncoder().encode("n,,\u0001auth=Basic abc\u0001\u0001"))],
  "SCRAM-SHA-512 no credential": async (c) => [await handshake(c, "SCRAM-SHA-512"), await authenticate(c, new TextEncoder().encode("n,,n=alice,r=abc"))],
};

const [a, b] = process.argv.slice(2);
if (!a || !b) throw new Error("usage: compare-sasl-with-kafka.ts host:port host:port");
const connect = (hp: string) => WireClient.connect(Number(hp.split(":")[1]), hp.split(":")[0]);
let differences = 0;
await Promise.all(Object.entries(scenarios).map(async ([name, run]) => {
  const [ra, rb] = await Promise.all([a, b].map(async (hp) => JSON.stringify((await run(await connect(hp))).map(brief))));
  const same = ra === rb;
  if (!same) differences++;
  console.log(`${same ? "same" : "DIFF"}  ${name}\n      kafka: ${ra}${same ? "" : `\n      bunka: ${rb}`}`);
}));
console.log(`${differences} difference(s)`);
process.exit(differences === 0 ? 0 : 1);
