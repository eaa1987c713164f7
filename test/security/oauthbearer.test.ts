// OAUTHBEARER with unsecured JWTs, as Kafka's OAuthBearerSaslServer and unsecured validator
// answer (the same exchanges were compared with Kafka 4.3.1: test/security/compare-sasl-with-kafka.ts).

import { expect, test } from "bun:test";
import { DEFAULT_OAUTHBEARER_SETTINGS, OAuthBearerServer } from "../../src/security/oauthbearer.ts";
import { SaslAuthenticationError, SaslCredentialError, SaslUnansweredError } from "../../src/security/scram.ts";
import { SaslAuthenticator } from "../../src/security/sasl-authenticator.ts";

const NOW = 1_800_000_000_000;
const text = (b: Uint8Array) => new TextDecoder().decode(b);
function bearer(claims: object, header: object = { alg: "none" }, signature = "", authzid = ""): Uint8Array {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return new TextEncoder().encode(`n,${authzid ? `a=${authzid}` : ""},\u0001auth=Bearer ${b64(header)}.${b64(claims)}.${signature}\u0001\u0001`);
}
const server = (settings = DEFAULT_OAUTHBEARER_SETTINGS) => new OAuthBearerServer(settings, () => NOW);

test("a valid unsecured token authenticates its subject until its exp", () => {
  const s = server();
  expect(s.evaluate(bearer({ sub: "alice", exp: NOW / 1000 + 60, iat: NOW / 1000 - 1 }))).toEqual(new Uint8Array(0));
  expect(s.complete).toBe(true);
  expect(s.authorizationId).toBe("alice");
  expect(s.credentialExpiresAtMs).toBe(NOW + 60_000);
});

test("a bad token is answered with invalid_token; the client's \\x01 then fails the exchange with it", () => {
  for (const token of [
    bearer({ sub: "alice", exp: NOW / 1000 - 1 }), bearer({ exp: NOW / 1000 + 60 }), bearer({ sub: "a", exp: NOW / 1000 + 60 }, { alg: "HS256" }, "c2ln"),
    bearer({ sub: "a", exp: NOW / 1000 + 60, iat: NOW / 1000 + 70 }), bearer({ sub: 5, exp: NOW / 1000 + 60 }), bearer({ sub: "a" }),
  ]) {
    const s = server();
    expect(text(s.evaluate(token))).toBe('{"status":"invalid_token"}');
    expect(s.complete).toBe(false);
    expect(() => s.evaluate(new Uint8Array([1]))).toThrow(new SaslAuthenticationError('{"status":"invalid_token"}'));
  }
  const scoped = server({ ...DEFAULT_OAUTHBEARER_SETTINGS, requiredScope: ["write"] });
  expect(text(scoped.evaluate(bearer({ sub: "a", exp: NOW / 1000 + 60, scope: "read" })))).toBe('{"status":"insufficient_scope", "scope":"[write]"}');
});

test("malformed messages: the generic failure; a scheme other than Bearer: no answer at all (as Kafka)", () => {
  expect(() => server().evaluate(new TextEncoder().encode("n,,auth=Bearer x"))).toThrow(SaslCredentialError);
  expect(() => server().evaluate(new TextEncoder().encode("n,,\u0001host=x\u0001\u0001"))).toThrow("'auth' not specified");
  expect(() => server().evaluate(new TextEncoder().encode("n,,\u0001auth=Basic abc\u0001\u0001"))).toThrow(SaslUnansweredError);
  expect(() => server().evaluate(bearer({ sub: "a", exp: NOW / 1000 + 60 }, undefined, "", "b")))
    .toThrow("Client requested an authorization id (b) that is different from the token's principal name (a)");
});

test("the session ends with the token, or earlier with connections.max.reauth.ms", () => {
  for (const [maxReauthMs, lifetime] of [[0, 60_000], [5_000, 5_000], [120_000, 60_000]] as const) {
    const a = new SaslAuthenticator({ mechanisms: ["OAUTHBEARER"], plainUsers: new Map(), maxReauthMs: new Map([["OAUTHBEARER", maxReauthMs]]), maxReceiveBytes: 524288 },
      () => undefined, () => NOW);
    a.handshake("OAUTHBEARER", 1);
    expect(a.authenticate(bearer({ sub: "svc", exp: NOW / 1000 + 60 }), 2)).toMatchObject({ errorCode: 0, sessionLifetimeMs: lifetime });
    expect(a.currentPrincipal).toEqual({ type: "User", name: "svc" });
    expect(a.sessionExpiresAtMs).toBe(NOW + lifetime);
  }
  const a = new SaslAuthenticator({ mechanisms: ["OAUTHBEARER"], plainUsers: new Map(), maxReauthMs: new Map(), maxReceiveBytes: 524288 }, () => undefined, () => NOW);
  a.handshake("OAUTHBEARER", 1);
  expect(a.authenticate(new TextEncoder().encode("n,,\u0001auth=Basic abc\u0001\u0001"), 2)).toBe(null);
  expect(a.failure).toBe("Authentication failed during authentication due to invalid credentials with SASL mechanism OAUTHBEARER");
});
