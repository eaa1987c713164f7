// SCRAM: RFC 7677's SCRAM-SHA-256 exchange byte for byte, a SCRAM-SHA-512 exchange with a client
// written from RFC 5802 here, and Kafka's failure rules (ScramSaslServer).

import { describe, expect, test } from "bun:test";
import {
  SCRAM_SHA_256, SCRAM_SHA_512, ScramServer, SaslAuthenticationError, SaslCredentialError, clientKey, credentialFromPassword,
  hash, hmac, saltedPassword, usernameOf, xor, type ScramCredential, type ScramMechanism,
} from "../../src/security/scram.ts";

const enc = new TextEncoder();
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("RFC 7677 section 3: SCRAM-SHA-256, user 'user', password 'pencil'", () => {
  const salt = new Uint8Array(Buffer.from("W22ZaJ0SNY7soEsUEjb6gQ==", "base64"));
  const credential = credentialFromPassword(SCRAM_SHA_256, "pencil", 4096, salt);

  test("the server's messages are the RFC's", () => {
    const server = new ScramServer(SCRAM_SHA_256, (u) => (u === "user" ? credential : undefined), () => "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    const first = server.evaluate(enc.encode("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    expect(text(first)).toBe("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096");
    expect(server.complete).toBe(false);
    const final = server.evaluate(enc.encode("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="));
    expect(text(final)).toBe("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=");
    expect(server.complete).toBe(true);
    expect(server.authorizationId).toBe("user");
  });

  test("a proof off by one bit fails with the generic credentials error", () => {
    const server = new ScramServer(SCRAM_SHA_256, () => credential, () => "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
    server.evaluate(enc.encode("n,,n=user,r=rOprNGfwEbeRWgbNEkqO"));
    expect(() => server.evaluate(enc.encode("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVU=")))
      .toThrow(SaslCredentialError);
    expect(server.complete).toBe(false);
  });
});

/** The client side of RFC 5802, for the exchanges below. */
function clientExchange(m: ScramMechanism, server: ScramServer, user: string, password: string, nonce = "fyko+d2lbbFgONRv9qkxdawL"): string {
  const bare = `n=${user},r=${nonce}`;
  const serverFirst = text(server.evaluate(enc.encode(`n,,${bare}`)));
  const fields = Object.fromEntries(serverFirst.split(",").map((f) => [f[0], f.slice(2)]));
  expect(fields.r!.startsWith(nonce)).toBe(true);
  const salted = saltedPassword(m, password, new Uint8Array(Buffer.from(fields.s!, "base64")), Number(fields.i));
  const ck = clientKey(m, salted);
  const withoutProof = `c=biws,r=${fields.r}`;
  const authMessage = `${bare},${serverFirst},${withoutProof}`;
  const proof = xor(ck, hmac(m, hash(m, ck), authMessage));
  const serverFinal = text(server.evaluate(enc.encode(`${withoutProof},p=${Buffer.from(proof).toString("base64")}`)));
  const expected = hmac(m, hmac(m, salted, "Server Key"), authMessage);
  expect(serverFinal).toBe(`v=${Buffer.from(expected).toString("base64")}`);
  return serverFinal;
}

describe("SCRAM-SHA-512", () => {
  const credentials = new Map<string, ScramCredential>([["alice", credentialFromPassword(SCRAM_SHA_512, "alice-secret", 8192)]]);
  const lookup = (u: string) => credentials.get(u);

  test("the right password completes and the server proves it knows the key", () => {
    const server = new ScramServer(SCRAM_SHA_512, lookup);
    clientExchange(SCRAM_SHA_512, server, "alice", "alice-secret");
    expect(server.complete).toBe(true);
  });

  test("a wrong password, an unknown user, a bad message and too few iterations fail as SaslException (generic answer)", () => {
    expect(() => clientExchange(SCRAM_SHA_512, new ScramServer(SCRAM_SHA_512, lookup), "alice", "nope")).toThrow(SaslCredentialError);
    expect(() => new ScramServer(SCRAM_SHA_512, lookup).evaluate(enc.encode("n,,n=mallory,r=abc"))).toThrow("Authentication failed: Invalid user credentials");
    expect(() => new ScramServer(SCRAM_SHA_512, lookup).evaluate(enc.encode("p=tls-unique,,n=alice,r=abc"))).toThrow(SaslCredentialError);
    expect(() => new ScramServer(SCRAM_SHA_512, lookup).evaluate(new Uint8Array([0xff, 0, 1]))).toThrow(SaslCredentialError);
    const weak = credentialFromPassword(SCRAM_SHA_512, "x", 1000);
    expect(() => new ScramServer(SCRAM_SHA_512, () => weak).evaluate(enc.encode("n,,n=alice,r=abc")))
      .toThrow("Iterations 1000 is less than the minimum 4096 for SCRAM-SHA-512");
  });

  test("an authorization id other than the user has Kafka's own message", () => {
    expect(() => new ScramServer(SCRAM_SHA_512, lookup).evaluate(enc.encode("n,a=bob,n=alice,r=abc")))
      .toThrow(new SaslAuthenticationError("Authentication failed: Client requested an authorization id that is different from username"));
  });

  test("the delegation-token extension is refused like an unknown user (no tokens here)", () => {
    expect(() => new ScramServer(SCRAM_SHA_512, lookup).evaluate(enc.encode("n,,n=alice,r=abc,tokenauth=true"))).toThrow(SaslCredentialError);
  });

  test("a nonce that does not end with the server's is refused", () => {
    const server = new ScramServer(SCRAM_SHA_512, lookup, () => "SERVER");
    server.evaluate(enc.encode("n,,n=alice,r=abc"));
    expect(() => server.evaluate(enc.encode("c=biws,r=abcOTHER,p=AAAA"))).toThrow("Invalid client nonce in the final client message.");
  });
});

test("saslname escapes: =2C is a comma, =3D an equals sign", () => {
  expect(usernameOf("a=2Cb=3Dc")).toBe("a,b=c");
  const credentials = new Map([["a,b=c", credentialFromPassword(SCRAM_SHA_256, "pw", 4096)]]);
  const server = new ScramServer(SCRAM_SHA_256, (u) => credentials.get(u));
  clientExchange(SCRAM_SHA_256, server, "a=2Cb=3Dc", "pw");
  expect(server.authorizationId).toBe("a,b=c");
});
