// Fuzzed SASL tokens never escape the SASL layer: random and mutated PLAIN and SCRAM tokens, fed
// to the connection's SaslAuthenticator in every state, either authenticate (only with the right
// password) or fail with SASL_AUTHENTICATION_FAILED and a message; nothing throws. Seeded: a
// failure names its seed. BUNKA_FUZZ_ITERATIONS (default 300) and BUNKA_FUZZ_SEED (default 1).

import { expect, test } from "bun:test";
import { SaslAuthenticator } from "../../src/security/sasl-authenticator.ts";
import { SCRAM_SHA_256, SCRAM_SHA_512, credentialFromPassword } from "../../src/security/scram.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { prng } from "../support/schema-values.ts";

const ITERATIONS = Number(process.env.BUNKA_FUZZ_ITERATIONS ?? 300);
const SEED = Number(process.env.BUNKA_FUZZ_SEED ?? 1);
const enc = new TextEncoder();
const credentials = new Map([
  ["SCRAM-SHA-256", credentialFromPassword(SCRAM_SHA_256, "pw", 4096)],
  ["SCRAM-SHA-512", credentialFromPassword(SCRAM_SHA_512, "pw", 4096)],
]);
const SEEDS = ["n,,\u0001auth=Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIiwiZXhwIjoxfQ.\u0001\u0001", "n,,\u0001auth=Basic x\u0001\u0001", "\u0001","n,,n=alice,r=abc", "n,a=alice,n=alice,r=x,ext=1", "c=biws,r=abcdef,p=AAAA", "\u0000alice\u0000pw", "alice\u0000alice\u0000pw", "=2C=3D,,,=", ""];

function token(rand: () => number): Uint8Array {
  const kind = rand();
  if (kind < 0.4) {
    const bytes = new Uint8Array(Math.floor(rand() * 64));
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(rand() * 256);
    return bytes;
  }
  const base = enc.encode(SEEDS[Math.floor(rand() * SEEDS.length)]!);
  const out = Uint8Array.from(base);
  for (let i = 0; i < out.length; i++) if (rand() < 0.15) out[i] = Math.floor(rand() * 256);
  return out;
}

test("random tokens in every state: answered, never thrown", () => {
  const rand = prng(SEED);
  let failures = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const a = new SaslAuthenticator(
      { mechanisms: ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"], plainUsers: new Map([["alice", "pw"]]), maxReauthMs: new Map(), maxReceiveBytes: 524288 },
      (m, u) => (u === "alice" ? credentials.get(m) : undefined));
    const mechanism = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"][i % 4]!;
    const version = Math.floor(rand() * 2);
    expect(a.handshake(mechanism, version).errorCode).toBe(0);
    const state = (): string => a.state;
    for (let step = 0; step < 3 && state() === "AUTHENTICATE"; step++) {
      const t = token(rand);
      try {
        if (version === 0) a.evaluateRaw(t);
        else {
          const r = a.authenticate(t, 2);
          // null: no answer (a failure Kafka does not answer); the connection closes.
          if (r === null) expect(a.failure).not.toBe(null);
          else if (r.errorCode !== 0) {
            expect(r.errorCode).toBe(ErrorCode.SASL_AUTHENTICATION_FAILED);
            expect(typeof r.errorMessage).toBe("string");
          }
        }
      } catch (e) {
        // Only evaluateRaw throws, and only as a failed exchange (the connection is then closed).
        if (version !== 0 || state() !== "FAILED" || a.failure === null) throw new Error(`seed ${SEED}, iteration ${i}: ${e}`);
      }
      if (state() === "FAILED") failures++;
      // Random bytes never authenticate alice (her password is "pw").
      if (a.authenticated) expect(new TextDecoder().decode(t)).toMatch(mechanism === "OAUTHBEARER" ? /auth=/ : /pw/);
    }
  }
  expect(failures).toBeGreaterThan(ITERATIONS / 2);
});
