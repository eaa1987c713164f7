// Security end to end against the compiled broker: SASL_PLAINTEXT, SASL_SSL and SSL listeners
// (certificates made by openssl at test time), over the wire and with real clients (kcat /
// librdkafka, kafkajs): every API before authentication is refused but ApiVersions and
// SaslHandshake, wrong passwords, re-authentication and expired sessions, SCRAM credentials
// altered over the wire and kept across a restart, untrusted and expired client certificates,
// and the mutual-TLS principal. The same exchanges were compared with Kafka 4.3.1 side by side
// (test/security/compare-sasl-with-kafka.ts).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { Kafka, logLevel } from "kafkajs";
import "../../src/handlers/index.ts";
import { registeredApis } from "../../src/handlers/registry.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import {
  ALTER_USER_SCRAM_CREDENTIALS, readAlterUserScramCredentialsResponse, writeAlterUserScramCredentialsRequest,
} from "../../src/protocol/messages/alter-user-scram-credentials.ts";
import {
  DESCRIBE_USER_SCRAM_CREDENTIALS, readDescribeUserScramCredentialsResponse, writeDescribeUserScramCredentialsRequest,
} from "../../src/protocol/messages/describe-user-scram-credentials.ts";
import { SCRAM_SHA_256, SCRAM_SHA_512, randomSalt, saltedPassword } from "../../src/security/scram.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { CLIENT_PRINCIPAL_NAME, makeTestCerts, type TestCerts } from "../support/test-certs.ts";
import { WireClient } from "../support/wire-client.ts";
import { apiVersions, authenticate, handshake, metadata, plainToken, rawToken, request, scramAuthenticate } from "../security/sasl-wire.ts";

let certs: TestCerts;
let broker: RunningBroker;
let logDir: string;
const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="alice-secret" user_admin="admin-secret";';

function properties(): Record<string, string> {
  return {
    // PLAINTEXT last: the test helper reads every listener's port once the broker has started.
    "listeners": "SASL_PLAINTEXT://127.0.0.1:0,SASL_SSL://127.0.0.1:0,SSL://127.0.0.1:0,MTLS://127.0.0.1:0,PLAINTEXT://127.0.0.1:0",
    "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL,SSL:SSL,MTLS:SSL,PLAINTEXT:PLAINTEXT",
    "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512,OAUTHBEARER",
    "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
    "listener.name.sasl_ssl.plain.sasl.jaas.config": PLAIN_JAAS,
    "listener.name.sasl_plaintext.connections.max.reauth.ms": "1500",
    "bunka.add.scram": "SCRAM-SHA-256=[name=alice,password=alice-secret];SCRAM-SHA-512=[name=bob,password=bob-secret,iterations=8192]",
    "ssl.keystore.type": "PEM",
    "ssl.keystore.location": certs.path("server-ks.pem"),
    "ssl.truststore.type": "PEM",
    "ssl.truststore.location": certs.path("ca.pem"),
    "listener.name.ssl.ssl.client.auth": "requested",
    "listener.name.ssl.ssl.principal.mapping.rules": "RULE:^CN=([^,]+),OU=Eng,.*$/$1/U,DEFAULT",
    "listener.name.mtls.ssl.client.auth": "required",
  };
}

beforeAll(async () => {
  certs = await makeTestCerts();
  await Bun.write(certs.path("server-ks.pem"), certs.serverKey + certs.serverCert);
  logDir = tempDir("bunka-security-");
  broker = await startBroker({ logDir, properties: properties(), env: { BUNKA_LOG_LEVEL: "debug" } });
}, 60_000);

afterAll(async () => {
  await broker?.stop();
  rmSync(logDir, { recursive: true, force: true });
  rmSync(certs.dir, { recursive: true, force: true });
});

const connect = (listener = "SASL_PLAINTEXT") => WireClient.connect(broker.ports[listener]!);

/** The broker's log, once it holds `text` (stderr is read as it comes; 5 s at most). */
async function logged(text: string | RegExp): Promise<string> {
  const has = () => (typeof text === "string" ? broker.output().includes(text) : text.test(broker.output()));
  for (let i = 0; i < 100 && !has(); i++) await Bun.sleep(50);
  return broker.output();
}

describe("SASL over the wire", () => {
  test("before authentication only ApiVersions and SaslHandshake are served: every other API key closes the connection", async () => {
    const keys = [...registeredApis().map((h) => h.apiKey), 9999];
    for (const h of registeredApis()) expect(h.apiKey).toBeGreaterThanOrEqual(0);
    for (const key of keys) {
      const c = await connect();
      const handler = registeredApis().find((h) => h.apiKey === key);
      const version = handler?.minVersion ?? 0;
      // SaslHandshake with a mechanism; the others a header and an empty body: the answer (if any)
      // is not what is checked, whether there is one is.
      c.send(key, version, 7, handler !== undefined && version >= handler.spec.requestFlexibleFrom ? 2 : 1, (w) => {
        if (key === 17) w.string("PLAIN");
      });
      const answered = await c.receive(5_000).then(() => true, () => false);
      if (key === 18 || key === 17) {
        expect({ key, answered }).toEqual({ key, answered: true });
      } else {
        expect({ key, answered, closed: await c.waitClosed(5_000) }).toEqual({ key, answered: false, closed: true });
      }
      c.close();
    }
    // Kafka's Selector logs each at INFO; Bunka once a minute per client address.
    expect(await logged("failed authentication with /127.0.0.1 (listener SASL_PLAINTEXT): Unexpected Kafka request of type 0 during SASL handshake.")).toContain("failed authentication with /127.0.0.1 (listener SASL_PLAINTEXT): Unexpected Kafka request of type 0 during SASL handshake.");
  }, 60_000);

  test("PLAIN: a wrong password is answered SASL_AUTHENTICATION_FAILED with Kafka's message, then closed", async () => {
    const c = await connect();
    expect(await apiVersions(c)).not.toBe("closed");
    const hs = await handshake(c, "PLAIN");
    expect(hs).toEqual({ errorCode: 0, mechanisms: ["PLAIN", "SCRAM-SHA-512", "SCRAM-SHA-256", "OAUTHBEARER"] });
    const r = await authenticate(c, plainToken("alice", "wrong"));
    expect(r).toMatchObject({ errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED, errorMessage: "Authentication failed: Invalid username or password" });
    expect(await c.waitClosed()).toBe(true);
    const line = "INFO failed authentication with /127.0.0.1 (listener SASL_PLAINTEXT, mechanism PLAIN, user alice): " +
      "Authentication failed: Invalid username or password";
    expect(await logged(line)).toContain(line);
  }, 20_000);

  test("an unsupported mechanism: UNSUPPORTED_SASL_MECHANISM and the enabled list, then closed", async () => {
    const c = await connect();
    expect(await handshake(c, "GSSAPI")).toEqual({ errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, mechanisms: ["PLAIN", "SCRAM-SHA-512", "SCRAM-SHA-256", "OAUTHBEARER"] });
    expect(await c.waitClosed()).toBe(true);
  }, 20_000);

  test("SCRAM-SHA-512 (bunka.add.scram user) and PLAIN v0 raw tokens authenticate; Metadata is then served", async () => {
    const c = await connect();
    await handshake(c, "SCRAM-SHA-512");
    expect(await scramAuthenticate(c, SCRAM_SHA_512, "bob", "bob-secret")).toEqual({ ok: true, sessionLifetimeMs: 1500 });
    expect(await metadata(c)).not.toBe("closed");
    c.close();
    const raw = await connect();
    await handshake(raw, "PLAIN", 0);
    expect(await rawToken(raw, plainToken("admin", "admin-secret"))).toEqual(new Uint8Array(0));
    expect(await metadata(raw)).not.toBe("closed");
    raw.close();
    const bob = "SASL client /127.0.0.1 on SASL_PLAINTEXT authenticated as User:bob (SCRAM-SHA-512";
    expect(await logged(bob)).toContain(bob);
  }, 20_000);

  test("KIP-368: an expired session is closed on its next request; a re-authenticated one goes on", async () => {
    const stale = await connect();
    const fresh = await connect();
    for (const c of [stale, fresh]) {
      await handshake(c, "PLAIN");
      expect(await authenticate(c, plainToken("alice", "alice-secret"), 1)).toMatchObject({ errorCode: 0, sessionLifetimeMs: 1500 });
    }
    await Bun.sleep(1_100);
    // Re-authentication: a handshake on the authenticated connection, the same mechanism and user.
    expect(await handshake(fresh, "PLAIN")).toMatchObject({ errorCode: 0 });
    expect(await authenticate(fresh, plainToken("alice", "alice-secret"), 1)).toMatchObject({ errorCode: 0, sessionLifetimeMs: 1500 });
    await Bun.sleep(600);
    expect(await metadata(fresh)).not.toBe("closed");
    expect(await metadata(stale)).toBe("closed");
  }, 20_000);
});

test("fuzzed frames and tokens on the SASL listener: the broker closes those connections and keeps serving", async () => {
  let seed = 7;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  for (let i = 0; i < 60; i++) {
    const c = await connect();
    const stage = i % 4;
    if (stage >= 1) await handshake(c, ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"][i % 3]!, stage === 3 ? 0 : 1);
    if (stage === 0) c.sendFrame(bytes(1 + Math.floor(rand() * 40)));
    else if (stage === 1 || stage === 2) await authenticate(c, bytes(Math.floor(rand() * 300)), stage);
    else c.sendFrame(bytes(Math.floor(rand() * 100)));
    // A frame over sasl.server.max.receive.size before authentication is refused outright.
    if (i === 0) {
      const big = await connect();
      const head = new Uint8Array(4);
      new DataView(head.buffer).setInt32(0, 600_000);
      big.write(head);
      expect(await big.waitClosed()).toBe(true);
    }
    c.close();
  }
  const c = await connect();
  await handshake(c, "SCRAM-SHA-256");
  expect(await scramAuthenticate(c, SCRAM_SHA_256, "alice", "alice-secret")).toMatchObject({ ok: true });
  expect(await metadata(c)).not.toBe("closed");
  c.close();
}, 30_000);

describe("SCRAM credentials: AlterUserScramCredentials and DescribeUserScramCredentials", () => {
  const alter = (c: WireClient, req: Parameters<typeof writeAlterUserScramCredentialsRequest>[2]) =>
    request(c, 51, 0, 0, 0, (w) => writeAlterUserScramCredentialsRequest(w, 0, req), (r) => readAlterUserScramCredentialsResponse(r, 0));
  const describeUsers = (c: WireClient, users: string[] | null) =>
    request(c, 50, 0, 0, 0, (w) => writeDescribeUserScramCredentialsRequest(w, 0, { users: users?.map((name) => ({ name })) ?? null }),
      (r) => readDescribeUserScramCredentialsResponse(r, 0));

  test("a credential set over the wire authenticates, survives a restart, and is removed", async () => {
    expect(ALTER_USER_SCRAM_CREDENTIALS.apiKey).toBe(51);
    expect(DESCRIBE_USER_SCRAM_CREDENTIALS.apiKey).toBe(50);
    const admin = await connect("PLAINTEXT");
    const salt = randomSalt();
    const r = await alter(admin, {
      deletions: [{ name: "nobody", mechanism: 1 }],
      upsertions: [
        { name: "carol", mechanism: SCRAM_SHA_256.type, iterations: 8192, salt, saltedPassword: saltedPassword(SCRAM_SHA_256, "carol-secret", salt, 8192) },
        { name: "weak", mechanism: 1, iterations: 100, salt, saltedPassword: salt },
        { name: "odd", mechanism: 3, iterations: 4096, salt, saltedPassword: salt },
      ],
    });
    expect(r).not.toBe("closed");
    if (r === "closed") return;
    expect(r.results).toEqual([
      { user: "carol", errorCode: 0, errorMessage: null },
      { user: "nobody", errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to delete a user credential that does not exist" },
      { user: "weak", errorCode: ErrorCode.UNACCEPTABLE_CREDENTIAL, errorMessage: "Too few iterations" },
      { user: "odd", errorCode: ErrorCode.UNSUPPORTED_SASL_MECHANISM, errorMessage: "Unknown SCRAM mechanism" },
    ]);
    const d = await describeUsers(admin, ["carol", "zed", "carol"]);
    expect(d).toMatchObject({ errorCode: 0, results: [
      { user: "carol", errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: "Cannot describe SCRAM credentials for the same user twice in a single request: carol" },
      { user: "zed", errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: "Attempt to describe a user credential that does not exist: zed" },
    ] });
    admin.close();

    expect(await broker.stop()).toBe(0);
    broker = await startBroker({ logDir, properties: properties(), env: { BUNKA_LOG_LEVEL: "debug" } });
    const c = await connect();
    await handshake(c, "SCRAM-SHA-256");
    expect((await scramAuthenticate(c, SCRAM_SHA_256, "carol", "carol-secret")).ok).toBe(true);
    const all = await describeUsers(c, null);
    expect(all).toMatchObject({ results: [
      { user: "alice", errorCode: 0, credentialInfos: [{ mechanism: 1, iterations: 4096 }] },
      { user: "bob", errorCode: 0, credentialInfos: [{ mechanism: 2, iterations: 8192 }] },
      { user: "carol", errorCode: 0, credentialInfos: [{ mechanism: 1, iterations: 8192 }] },
    ] });
    const removed = await alter(c, { deletions: [{ name: "carol", mechanism: 1 }], upsertions: [] });
    expect(removed).toMatchObject({ results: [{ user: "carol", errorCode: 0 }] });
    c.close();
    const again = await connect();
    await handshake(again, "SCRAM-SHA-256");
    const refused = await scramAuthenticate(again, SCRAM_SHA_256, "carol", "carol-secret");
    expect(refused).toMatchObject({ ok: false, response: { errorCode: ErrorCode.SASL_AUTHENTICATION_FAILED,
      errorMessage: "Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256" } });
  }, 60_000);
});

const kcat = Bun.which("kcat");
describe.if(kcat !== null)(kcat !== null ? "kcat (librdkafka)" : "kcat (librdkafka) (SKIPPED: kcat is not installed)", () => {
  /** kcat with a metadata timeout of `seconds` (a refused client waits all of it). */
  async function run(listener: string, args: string[], stdin?: string, seconds = 8): Promise<{ code: number; out: string }> {
    const p = Bun.spawn([kcat!, "-b", `127.0.0.1:${broker.ports[listener]}`, "-m", String(seconds), ...args], {
      stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe",
    });
    const timer = setTimeout(() => p.kill(), 20_000);
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    clearTimeout(timer);
    return { code, out: out + err };
  }
  const tls = () => ["-X", `ssl.ca.location=${certs.path("ca.pem")}`];
  const sasl = (mechanism: string, user: string, password: string) =>
    ["-X", `sasl.mechanism=${mechanism}`, "-X", `sasl.username=${user}`, "-X", `sasl.password=${password}`];

  test("each mechanism over SASL_PLAINTEXT and SASL_SSL produces and consumes; a wrong password fails", async () => {
    const cases: [string, string[]][] = [
      ["SASL_PLAINTEXT", ["-X", "security.protocol=SASL_PLAINTEXT", ...sasl("PLAIN", "alice", "alice-secret")]],
      ["SASL_PLAINTEXT", ["-X", "security.protocol=SASL_PLAINTEXT", ...sasl("SCRAM-SHA-256", "alice", "alice-secret")]],
      ["SASL_SSL", ["-X", "security.protocol=SASL_SSL", ...tls(), ...sasl("SCRAM-SHA-512", "bob", "bob-secret")]],
      ["SASL_SSL", ["-X", "security.protocol=SASL_SSL", ...tls(), ...sasl("PLAIN", "admin", "admin-secret")]],
      // librdkafka's own unsecured JWT (principal claim "sub").
      ["SASL_PLAINTEXT", ["-X", "security.protocol=SASL_PLAINTEXT", "-X", "sasl.mechanism=OAUTHBEARER",
        "-X", "enable.sasl.oauthbearer.unsecure.jwt=true", "-X", "sasl.oauthbearer.config=principal=svc lifeSeconds=600"]],
    ];
    let n = 0;
    for (const [listener, args] of cases) {
      const topic = `sec-${n++}`;
      const produced = await run(listener, [...args, "-P", "-t", topic], `hello ${listener} ${n}\n`);
      expect({ listener, args, code: produced.code }).toEqual({ listener, args, code: 0 });
      const consumed = await run(listener, [...args, "-C", "-t", topic, "-o", "beginning", "-e", "-c", "1"]);
      expect(consumed.out).toContain(`hello ${listener} ${n}`);
    }
    const wrong = await run("SASL_SSL", ["-X", "security.protocol=SASL_SSL", ...tls(), ...sasl("SCRAM-SHA-256", "alice", "nope"), "-L"], undefined, 2);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toContain("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256");
    const svc = "SASL client /127.0.0.1 on SASL_PLAINTEXT authenticated as User:svc (OAUTHBEARER, session until";
    expect(await logged(svc)).toContain(svc);
  }, 120_000);

  test("SSL: anonymous without a certificate, the subject DN (or its mapping) with one; untrusted and expired certificates refused", async () => {
    const ok = await run("SSL", ["-X", "security.protocol=SSL", ...tls(), "-L"]);
    expect(ok.out).toContain("1 brokers:");
    const mtls = await run("MTLS", ["-X", "security.protocol=SSL", ...tls(),
      "-X", `ssl.certificate.location=${certs.path("client.pem")}`, "-X", `ssl.key.location=${certs.path("client.key")}`, "-L"]);
    expect(mtls.out).toContain("1 brokers:");
    expect(await logged(`TLS client /127.0.0.1 on MTLS is User:${CLIENT_PRINCIPAL_NAME.replace(/\\/g, "\\\\")}`)).toContain(`TLS client /127.0.0.1 on MTLS is User:${CLIENT_PRINCIPAL_NAME.replace(/\\/g, "\\\\")}`);
    // ssl.principal.mapping.rules on the SSL listener: the CN, upper-cased.
    const mapped = await run("SSL", ["-X", "security.protocol=SSL", ...tls(),
      "-X", `ssl.certificate.location=${certs.path("client.pem")}`, "-X", `ssl.key.location=${certs.path("client.key")}`, "-L"]);
    expect(mapped.out).toContain("1 brokers:");
    expect(await logged("TLS client /127.0.0.1 on SSL is User:CLIENT-ONE")).toContain("TLS client /127.0.0.1 on SSL is User:CLIENT-ONE");
    const none = await run("MTLS", ["-X", "security.protocol=SSL", ...tls(), "-L"], undefined, 2);
    expect(none.code).not.toBe(0);
    for (const [name, listener] of [["untrusted", "SSL"], ["expired", "SSL"], ["expired", "MTLS"]] as const) {
      const r = await run(listener, ["-X", "security.protocol=SSL", ...tls(),
        "-X", `ssl.certificate.location=${certs.path(`${name}.pem`)}`, "-X", `ssl.key.location=${certs.path(`${name}.key`)}`, "-L"], undefined, 2);
      expect({ name, listener, code: r.code }).toEqual({ name, listener, code: 1 });
    }
    const refused = /failed authentication with \/127\.0\.0\.1 \(listener (SSL|MTLS)\): SSL handshake failed: (self.signed certificate|certificate has expired)/;
    expect(await logged(refused)).toMatch(refused);
  }, 120_000);
});

describe("kafkajs", () => {
  test("SCRAM-SHA-256 over SASL_SSL: produce and consume in a group; a wrong password is refused", async () => {
    const common = { clientId: "bunka-sec", brokers: [`127.0.0.1:${broker.ports.SASL_SSL}`], logLevel: logLevel.NOTHING,
      ssl: { ca: [certs.caPem], servername: "localhost" } };
    const kafka = new Kafka({ ...common, sasl: { mechanism: "scram-sha-256", username: "alice", password: "alice-secret" } });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: "kafkajs-sasl", messages: [{ key: "k", value: "over SASL_SSL" }] });
    await producer.disconnect();
    const consumer = kafka.consumer({ groupId: "sec-group" });
    await consumer.connect();
    await consumer.subscribe({ topic: "kafkajs-sasl", fromBeginning: true });
    const got = await new Promise<string>((resolve) => {
      consumer.run({ eachMessage: async ({ message }) => resolve(message.value!.toString()) });
    });
    expect(got).toBe("over SASL_SSL");
    await consumer.disconnect();
    const bad = new Kafka({ ...common, retry: { retries: 0 }, sasl: { mechanism: "plain", username: "alice", password: "nope" } }).admin();
    await expect(bad.connect()).rejects.toThrow("SASL PLAIN authentication failed: Authentication failed: Invalid username or password");
  }, 60_000);
});
