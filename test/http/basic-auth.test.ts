// HTTP Basic against the SASL users (http/basic-auth.ts): off without SASL listeners; PLAIN JAAS
// users and SCRAM credentials accepted, anything else refused; a success is remembered a minute.

import { expect, test } from "bun:test";
import { saslBasicAuthenticator } from "../../src/http/basic-auth.ts";
import { brokerConfigFrom } from "../../src/config/broker-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import { credentialFromPassword, SCRAM_SHA_512 } from "../../src/security/scram.ts";

const basic = (userPass: string) => new Request("http://x/metrics", { headers: { authorization: `Basic ${Buffer.from(userPass).toString("base64")}` } });

test("no SASL listener: no authenticator (the listener is open, as PLAINTEXT is)", () => {
  const config = brokerConfigFrom(parseProperties("listeners=PLAINTEXT://127.0.0.1:0\n"), "t");
  expect(saslBasicAuthenticator(config, { scramCredential: () => undefined })).toBeNull();
});

test("PLAIN and SCRAM users pass, wrong passwords and unknown users do not; a success is cached for a minute", async () => {
  const config = brokerConfigFrom(parseProperties([
    "listeners=SASL_PLAINTEXT://127.0.0.1:0",
    "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-512",
    'listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_pat="pat-pw";',
  ].join("\n")), "t");
  const stored = credentialFromPassword(SCRAM_SHA_512, "sam-pw", 4096);
  let lookups = 0;
  let clock = 1_000_000;
  const auth = saslBasicAuthenticator(config, {
    scramCredential: (mechanism, user) => {
      lookups++;
      return mechanism === SCRAM_SHA_512.type && user === "sam" ? stored : undefined;
    },
  }, () => clock)!;
  expect(await auth(basic("pat:pat-pw"))).toEqual({ type: "User", name: "pat" });
  expect(await auth(basic("sam:sam-pw"))).toEqual({ type: "User", name: "sam" });
  expect(await auth(basic("sam:pat-pw"))).toBeNull();
  expect(await auth(basic("pat:wrong"))).toBeNull();
  expect(await auth(basic("nobody:x"))).toBeNull();
  expect(await auth(basic("no-colon"))).toBeNull();
  expect(await auth(new Request("http://x/", { headers: { authorization: "Bearer abc" } }))).toBeNull();
  expect(await auth(new Request("http://x/"))).toBeNull();
  const before = lookups;
  expect(await auth(basic("sam:sam-pw"))).toEqual({ type: "User", name: "sam" });
  expect(lookups).toBe(before);
  clock += 61_000;
  expect(await auth(basic("sam:sam-pw"))).toEqual({ type: "User", name: "sam" });
  expect(lookups).toBeGreaterThan(before);
});
