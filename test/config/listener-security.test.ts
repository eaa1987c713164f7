// Listener security settings: Kafka's key precedence, PEM forms, refusals with clear messages.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync, writeFileSync } from "node:fs";
import { brokerConfigFrom, ConfigError } from "../../src/config/broker-config.ts";
import { parseProperties } from "../../src/config/properties.ts";
import { makeTestCerts, type TestCerts } from "../support/test-certs.ts";

let certs: TestCerts;
beforeAll(async () => {
  certs = await makeTestCerts();
}, 30_000);
afterAll(() => rmSync(certs.dir, { recursive: true, force: true }));

const config = (props: Record<string, string>) => brokerConfigFrom(new Map(Object.entries(props)), "test");
/** A PEM value as a .properties file holds it with line continuations (the lines joined, no breaks). */
const continued = (pem: string) => parseProperties(`k=${pem.trim().split("\n").join("\\\n  ")}`).get("k")!;

describe("TLS", () => {
  test("inline PEM (joined by line continuations), per-listener keys over the plain ones", () => {
    const c = config({
      "listeners": "SSL://:9093,INTERNAL://:9094",
      "listener.security.protocol.map": "SSL:SSL,INTERNAL:SSL",
      "ssl.keystore.type": "PEM",
      "ssl.keystore.key": continued(certs.serverKey),
      "ssl.keystore.certificate.chain": continued(certs.serverCert),
      "ssl.client.auth": "requested",
      "listener.name.internal.ssl.client.auth": "required",
      "listener.name.internal.ssl.truststore.certificates": continued(certs.caPem),
    });
    expect(c.listeners.map((l) => l.securityProtocol)).toEqual(["SSL", "SSL"]);
    const ssl = c.listenerSecurity.get("SSL")!.tls!;
    const internal = c.listenerSecurity.get("INTERNAL")!.tls!;
    expect(ssl.clientAuth).toBe("requested");
    expect(ssl.ca).toBe(null);
    expect(internal.clientAuth).toBe("required");
    expect(internal.ca).toContain("-----BEGIN CERTIFICATE-----\n");
    expect(ssl.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END PRIVATE KEY-----\n$/);
    expect(c.unusedKeys.unknown).toEqual([]);
  });

  test("a key store file holding key and chain; an encrypted key with ssl.key.password", () => {
    writeFileSync(certs.path("ks.pem"), certs.serverKeyEncrypted + certs.serverCert);
    const base = { "listeners": "SSL://:9093", "ssl.keystore.type": "PEM", "ssl.keystore.location": certs.path("ks.pem"), "ssl.truststore.location": certs.path("ca.pem") };
    expect(() => config(base)).toThrow("the private key is encrypted and ssl.key.password is not set");
    expect(() => config({ ...base, "ssl.key.password": "wrong" })).toThrow("the private key cannot be read with ssl.key.password");
    const c = config({ ...base, "ssl.key.password": certs.serverKeyPassword });
    expect(c.listenerSecurity.get("SSL")!.tls!.passphrase).toBe(certs.serverKeyPassword);
  });

  test("JKS and PKCS12 are refused with a message that says PEM is read", () => {
    expect(() => config({ "listeners": "SSL://:9093", "ssl.keystore.location": "/x.jks", "ssl.keystore.type": "JKS" }))
      .toThrow(/ssl\.keystore\.type=JKS is not supported\. Bunka reads PEM only/);
    expect(() => config({ "listeners": "SSL://:9093", "ssl.keystore.key": certs.serverKey, "ssl.keystore.certificate.chain": certs.serverCert,
      "listener.name.ssl.ssl.truststore.type": "PKCS12" })).toThrow(/listener\.name\.ssl\.ssl\.truststore\.type=PKCS12 is not supported/);
    expect(() => config({ "listeners": "SSL://:9093", "ssl.keystore.key": certs.serverKey, "ssl.keystore.certificate.chain": certs.serverCert,
      "ssl.keystore.password": "x" })).toThrow("SSL key store password cannot be specified with PEM format");
    expect(() => config({ "listeners": "SSL://:9093", "ssl.keystore.key": certs.serverKey })).toThrow("must be given together");
    expect(() => config({ "listeners": "SSL://:9093", "ssl.keystore.key": certs.serverKey, "ssl.keystore.certificate.chain": certs.serverCert,
      "ssl.client.auth": "sometimes" })).toThrow(ConfigError);
    expect(() => config({ "listeners": "SSL://:9093", "ssl.keystore.key": certs.serverKey, "ssl.keystore.certificate.chain": certs.serverCert,
      "listener.name.ssl.ssl.principal.mapping.rules": "RULE:^CN=(.*)$/$1/L/U" })).toThrow("listener.name.ssl.ssl.principal.mapping.rules: Invalid rule");
  });
});

describe("SASL", () => {
  const plain = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_bob="b";';

  test("mechanisms, PLAIN users from the most specific JAAS key, reauth per mechanism", () => {
    const c = config({
      "listeners": "SASL_PLAINTEXT://:9092,OTHER://:9093",
      "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,OTHER:SASL_PLAINTEXT",
      "sasl.enabled.mechanisms": "SCRAM-SHA-512,PLAIN",
      "listener.name.other.sasl.enabled.mechanisms": "PLAIN",
      "listener.name.other.sasl.server.max.receive.size": "1000",
      "sasl.jaas.config": 'org.apache.kafka.common.security.plain.PlainLoginModule required user_carol="c";',
      "listener.name.sasl_plaintext.plain.sasl.jaas.config": plain,
      "connections.max.reauth.ms": "60000",
      "listener.name.sasl_plaintext.plain.connections.max.reauth.ms": "1000",
    });
    const a = c.listenerSecurity.get("SASL_PLAINTEXT")!.sasl!;
    expect(a.mechanisms).toEqual(["SCRAM-SHA-512", "PLAIN"]);
    expect([...a.plainUsers.keys()]).toEqual(["alice", "bob"]);
    expect(a.maxReauthMs.get("PLAIN")).toBe(1000);
    expect(a.maxReauthMs.get("SCRAM-SHA-512")).toBe(60000);
    expect(a.maxReceiveBytes).toBe(524288);
    const o = c.listenerSecurity.get("OTHER")!.sasl!;
    expect(o.mechanisms).toEqual(["PLAIN"]);
    expect(o.maxReceiveBytes).toBe(1000);
    expect([...o.plainUsers.keys()]).toEqual(["carol"]);
    expect(c.unusedKeys.unknown).toEqual([]);
    // A listener-prefixed key Bunka does not read is reported as unused, as its plain form is.
    const other = config({ "listeners": "SASL_PLAINTEXT://:9092", "sasl.enabled.mechanisms": "SCRAM-SHA-256",
      "listener.name.sasl_plaintext.ssl.cipher.suites": "x", "listener.name.sasl_plaintext.gssapi.sasl.jaas.config": "y" });
    expect(other.unusedKeys.unknown).toEqual(["listener.name.sasl_plaintext.ssl.cipher.suites", "listener.name.sasl_plaintext.gssapi.sasl.jaas.config"]);
  });

  test("Kafka's default GSSAPI, unknown mechanisms and PLAIN without users are refused", () => {
    expect(() => config({ "listeners": "SASL_PLAINTEXT://:9092" })).toThrow("GSSAPI (Kafka's default sasl.enabled.mechanisms) is not supported by Bunka");
    expect(() => config({ "listeners": "SASL_PLAINTEXT://:9092", "sasl.enabled.mechanisms": "SCRAM-SHA-1" })).toThrow("SASL mechanism SCRAM-SHA-1 is not supported");
    expect(() => config({ "listeners": "SASL_PLAINTEXT://:9092", "sasl.enabled.mechanisms": "PLAIN" }))
      .toThrow("enables PLAIN but no JAAS config names its users: set listener.name.sasl_plaintext.plain.sasl.jaas.config=");
    expect(() => config({ "listeners": "SASL_PLAINTEXT://:9092", "sasl.enabled.mechanisms": "PLAIN", "sasl.jaas.config": "x required" }))
      .toThrow("sasl.jaas.config: Invalid JAAS config");
    expect(() => config({ "listeners": "X://:9092", "listener.security.protocol.map": "X:TLS" })).toThrow("TLS is not a security protocol");
  });

  test("OAUTHBEARER: the unsecured validator's options from its OAuthBearerLoginModule entry", () => {
    const c = config({
      "listeners": "SASL_PLAINTEXT://:9092", "sasl.enabled.mechanisms": "OAUTHBEARER",
      "listener.name.sasl_plaintext.oauthbearer.sasl.jaas.config": "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required " +
        'unsecuredValidatorPrincipalClaimName="user" unsecuredValidatorRequiredScope="read write" unsecuredValidatorAllowableClockSkewMs="2000";',
    });
    expect(c.listenerSecurity.get("SASL_PLAINTEXT")!.sasl!.oauthbearer).toEqual({
      principalClaimName: "user", scopeClaimName: "scope", requiredScope: ["read", "write"], allowableClockSkewMs: 2000,
    });
    const plain = config({ "listeners": "SASL_PLAINTEXT://:9092", "sasl.enabled.mechanisms": "OAUTHBEARER" });
    expect(plain.listenerSecurity.get("SASL_PLAINTEXT")!.sasl!.oauthbearer!.principalClaimName).toBe("sub");
  });
});
