// The SASL state machine of one connection (Kafka's SaslServerAuthenticator), without sockets.

import { describe, expect, test } from "bun:test";
import { SaslAuthenticator, javaHashSetOrder } from "../../src/security/sasl-authenticator.ts";
import { SCRAM_SHA_256, credentialFromPassword } from "../../src/security/scram.ts";
import type { SaslSettings } from "../../src/config/listener-security.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";

const enc = new TextEncoder();
const settings = (maxReauthMs = 0): SaslSettings => ({
  mechanisms: ["PLAIN", "SCRAM-SHA-256"],
  plainUsers: new Map([["alice", "alice-secret"], ["bob", "bob-secret"]]),
  maxReauthMs: new Map([["PLAIN", maxReauthMs], ["SCRAM-SHA-256", 0]]),
  maxReceiveBytes: 524288,
});
const scram = credentialFromPassword(SCRAM_SHA_256, "pw", 4096);
const plainToken = (user: string, password: string, authzid = "") => enc.encode(`${authzid}\u0000${user}\u0000${password}`);

function make(maxReauthMs = 0, clock = { now: 1_000 }) {
  return new SaslAuthenticator(settings(maxReauthMs), (m, u) => (m === "SCRAM-SHA-256" && u === "carol" ? scram : undefined), () => clock.now);
}

describe("before authentication", () => {
  test("ApiVersions then SaslHandshake then SaslAuthenticate only; anything else refused", () => {
    for (const key of [0, 1, 3, 19, 36, 60]) {
      const a = make();
      expect(a.admit(key)).toEqual({ serve: false, reason: `Unexpected Kafka request of type ${key} during SASL handshake.`, answer: false });
      expect(a.state).toBe("FAILED");
    }
    const a = make();
    expect(a.admit(18)).toEqual({ serve: true });
    a.apiVersionsAnswered();
    expect(a.admit(18).serve).toBe(false); // a second ApiVersions (Kafka: IllegalStateException)
    const b = make();
    b.admit(18);
    b.apiVersionsAnswered();
    expect(b.admit(17)).toEqual({ serve: true });
    // Kafka's order: sasl.enabled.mechanisms through a java.util.HashSet (measured against Kafka 4.3.1).
    expect(b.handshake("PLAIN", 1)).toEqual({ errorCode: 0, mechanisms: ["PLAIN", "SCRAM-SHA-256"] });
    expect(b.admit(3)).toEqual({ serve: false, reason: "Unexpected Kafka request of type 3 during SASL authentication.", answer: true });
  });

  test("an unsupported mechanism: UNSUPPORTED_SASL_MECHANISM with the enabled list, then closed", () => {
    const a = make();
    expect(a.handshake("GSSAPI", 1)).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ["PLAIN", "SCRAM-SHA-256"] });
    expect(a.failure).toBe("Unsupported SASL mechanism GSSAPI");
  });

  test("PLAIN: wrong password, Kafka's message; right one, principal User:alice", () => {
    const a = make();
    a.handshake("PLAIN", 1);
    const bad = a.authenticate(plainToken("alice", "nope"), 2)!;
    expect(bad.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
    expect(bad.errorMessage).toBe("Authentication failed: Invalid username or password");
    expect(a.failure).toBe(bad.errorMessage);
    expect(a.attemptedUser).toBe("alice");
    const b = make();
    b.handshake("PLAIN", 1);
    expect(b.authenticate(plainToken("alice", "alice-secret"), 2)!).toEqual({ errorCode: 0, errorMessage: "", authBytes: new Uint8Array(0), sessionLifetimeMs: 0 });
    expect(b.authenticated).toBe(true);
    expect(b.currentPrincipal).toEqual({ type: "User", name: "alice" });
    expect(b.admit(3)).toEqual({ serve: true });
    const c = make();
    c.handshake("PLAIN", 1);
    expect(c.authenticate(enc.encode("alice"), 1)!.errorMessage).toBe("Invalid SASL/PLAIN response: expected 3 tokens, got 1");
  });

  test("SCRAM failures answer the generic message, so an unknown user looks like a wrong password", () => {
    const a = make();
    a.handshake("SCRAM-SHA-256", 1);
    const r = a.authenticate(enc.encode("n,,n=mallory,r=abc"), 1)!;
    expect(r.errorMessage).toBe("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
  });

  test("v0 handshake: raw tokens", () => {
    const a = make();
    a.handshake("PLAIN", 0);
    expect(a.rawTokens).toBe(true);
    expect(a.admit(36).serve).toBe(false); // Kafka frames after a v0 handshake are tokens, not requests
    const b = make();
    b.handshake("PLAIN", 0);
    expect(b.evaluateRaw(plainToken("bob", "bob-secret"))).toEqual(new Uint8Array(0));
    expect(b.authenticated).toBe(true);
    expect(b.rawTokens).toBe(false);
  });
});

describe("re-authentication (KIP-368)", () => {
  test("session_lifetime_ms, expiry closes the next request, re-authentication renews it", () => {
    const clock = { now: 1_000 };
    const a = make(5_000, clock);
    a.handshake("PLAIN", 1);
    expect(a.authenticate(plainToken("alice", "alice-secret"), 1)!.sessionLifetimeMs).toBe(5_000);
    expect(a.sessionExpiresAtMs).toBe(6_000);
    clock.now = 5_999;
    expect(a.admit(3)).toEqual({ serve: true });
    // Re-authentication (the client used SaslAuthenticate v1): handshake, same mechanism.
    expect(a.admit(17)).toEqual({ serve: true });
    expect(a.handshake("PLAIN", 1).errorCode).toBe(0);
    expect(a.admit(3).serve).toBe(false); // only SaslAuthenticate while re-authenticating
  });

  test("expired sessions close; the principal may not change; nor the mechanism", () => {
    const clock = { now: 0 };
    const a = make(1_000, clock);
    a.handshake("PLAIN", 1);
    a.authenticate(plainToken("alice", "alice-secret"), 1)!;
    clock.now = 1_000;
    expect(a.admit(3)).toEqual({ serve: false, reason: "the SASL session expired (connections.max.reauth.ms) without re-authentication", answer: false });

    const b = make(1_000, clock);
    b.handshake("PLAIN", 1);
    b.authenticate(plainToken("alice", "alice-secret"), 1)!;
    b.admit(17);
    b.handshake("PLAIN", 1);
    const r = b.authenticate(plainToken("bob", "bob-secret"), 1)!;
    expect(r.errorMessage).toBe("Cannot change principals during re-authentication from User.alice: User.bob");

    const c = make(1_000, clock);
    c.handshake("PLAIN", 1);
    c.authenticate(plainToken("alice", "alice-secret"), 1)!;
    c.admit(17);
    expect(c.handshake("SCRAM-SHA-256", 1).errorCode).toBe(0);
    expect(c.admit(36)).toEqual({ serve: false, answer: false,
      reason: "SASL mechanism 'SCRAM-SHA-256' requested by client is not supported for re-authentication of mechanism 'PLAIN'" });
  });

  test("without connections.max.reauth.ms, or within a second of the last one, a handshake goes to the handler (ILLEGAL_SASL_STATE)", () => {
    const clock = { now: 0 };
    const a = make(0, clock);
    a.handshake("PLAIN", 1);
    a.authenticate(plainToken("alice", "alice-secret"), 1)!;
    expect(a.admit(17)).toEqual({ serve: true });
    expect(a.state).toBe("COMPLETE");
    const b = make(60_000, clock);
    b.handshake("PLAIN", 1);
    b.authenticate(plainToken("alice", "alice-secret"), 0)!; // v0 too: Kafka looks at the session's end only
    expect(b.admit(17)).toEqual({ serve: true });
    expect(b.state).toBe("HANDSHAKE");
    b.handshake("PLAIN", 1);
    b.authenticate(plainToken("alice", "alice-secret"), 1)!;
    clock.now = 999;
    b.admit(17);
    expect(b.state).toBe("COMPLETE");
    clock.now = 1_000;
    b.admit(17);
    expect(b.state).toBe("HANDSHAKE");
  });
});

test("SaslHandshake's mechanism order is Java's HashSet order (as printed by a JVM)", () => {
  expect(javaHashSetOrder(["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"])).toEqual(["PLAIN", "SCRAM-SHA-512", "SCRAM-SHA-256"]);
  expect(javaHashSetOrder(["SCRAM-SHA-512", "PLAIN", "GSSAPI", "OAUTHBEARER", "SCRAM-SHA-256"]))
    .toEqual(["SCRAM-SHA-512", "PLAIN", "GSSAPI", "SCRAM-SHA-256", "OAUTHBEARER"]);
});
