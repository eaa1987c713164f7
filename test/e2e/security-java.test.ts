// Apache Kafka's own Java client and CLI (4.3.1 jars from test/interop/kafka-dist.sh) against
// ./bunka over SASL_SSL (SCRAM-SHA-512, a PEM trust store) and SASL_PLAINTEXT: kafka-configs sets,
// describes and deletes SCRAM credentials; the new user produces and consumes with the console
// tools; a wrong password fails with Kafka's message. Runs with BUNKA_INTEROP=1 (each tool starts
// a JVM: about 20 s in all).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { startBroker, type RunningBroker } from "../support/broker-process.ts";
import { makeTestCerts, type TestCerts } from "../support/test-certs.ts";

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const enabled = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile);

let certs: TestCerts;
let broker: RunningBroker;

async function tool(mainClass: string, args: string[], stdin?: string): Promise<{ code: number; out: string }> {
  const cp = nodeFs.readFileSync(classpathFile, "utf8").trim();
  const p = Bun.spawn(["java", "-Xmx256m", "-cp", cp, mainClass, ...args], {
    stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe",
  });
  const timer = setTimeout(() => p.kill(), 60_000);
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  clearTimeout(timer);
  return { code, out: out + err };
}

function clientConfig(name: string, protocol: string, mechanism: string, user: string, password: string): string {
  const module = mechanism === "PLAIN" ? "org.apache.kafka.common.security.plain.PlainLoginModule" : "org.apache.kafka.common.security.scram.ScramLoginModule";
  const file = certs.path(`${name}.properties`);
  nodeFs.writeFileSync(file, [
    `security.protocol=${protocol}`, `sasl.mechanism=${mechanism}`,
    `sasl.jaas.config=${module} required username="${user}" password="${password}";`,
    "ssl.truststore.type=PEM", `ssl.truststore.location=${certs.path("ca.pem")}`, "",
  ].join("\n"));
  return file;
}

describe.if(enabled)(enabled ? "Kafka's Java client and kafka-configs over SASL"
  : "Kafka's Java client and kafka-configs over SASL (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh)", () => {
  beforeAll(async () => {
    certs = await makeTestCerts();
    nodeFs.writeFileSync(certs.path("server-ks.pem"), certs.serverKey + certs.serverCert);
    broker = await startBroker({ env: { BUNKA_LOG_LEVEL: "debug" }, properties: {
      "listeners": "SASL_SSL://127.0.0.1:0,SASL_PLAINTEXT://127.0.0.1:0,MTLS://127.0.0.1:0,PLAINTEXT://127.0.0.1:0",
      "listener.security.protocol.map": "SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,MTLS:SSL,PLAINTEXT:PLAINTEXT",
      "advertised.listeners": "SASL_SSL://localhost:0,SASL_PLAINTEXT://127.0.0.1:0,MTLS://localhost:0,PLAINTEXT://127.0.0.1:0",
      "listener.name.mtls.ssl.client.auth": "required",
      "ssl.truststore.type": "PEM", "ssl.truststore.location": certs.path("ca.pem"),
      "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-512",
      "sasl.jaas.config": 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret";',
      "ssl.keystore.type": "PEM", "ssl.keystore.location": certs.path("server-ks.pem"),
    } });
  }, 60_000);
  afterAll(async () => {
    await broker?.stop();
    if (certs) nodeFs.rmSync(certs.dir, { recursive: true, force: true });
  });

  test("kafka-configs manages SCRAM users; the console tools produce and consume as one over SASL_SSL", async () => {
    const sslPort = broker.ports.SASL_SSL!;
    const admin = clientConfig("admin", "SASL_PLAINTEXT", "PLAIN", "admin", "admin-secret");
    const configs = (...args: string[]) => tool("kafka.admin.ConfigCommand",
      ["--bootstrap-server", `127.0.0.1:${broker.ports.SASL_PLAINTEXT}`, "--command-config", admin, "--entity-type", "users", ...args]);
    const added = await configs("--entity-name", "alice", "--alter", "--add-config", "SCRAM-SHA-512=[iterations=8192,password=alice-secret]");
    expect(added.out).toContain("Completed updating config for user alice.");
    const described = await configs("--describe");
    expect(described.out).toContain("SCRAM credential configs for user-principal 'alice' are SCRAM-SHA-512=iterations=8192");

    // The advertised SASL_SSL host is "localhost" (the server certificate's name); its port, the bound one.
    const alice = clientConfig("alice", "SASL_SSL", "SCRAM-SHA-512", "alice", "alice-secret");
    const bootstrap = `localhost:${sslPort}`;
    const produced = await tool("org.apache.kafka.tools.ConsoleProducer",
      ["--bootstrap-server", bootstrap, "--topic", "java-sasl", "--command-config", alice], "one\ntwo\n");
    expect(produced.code).toBe(0);
    const consumed = await tool("org.apache.kafka.tools.consumer.ConsoleConsumer",
      ["--bootstrap-server", bootstrap, "--topic", "java-sasl", "--from-beginning", "--max-messages", "2", "--timeout-ms", "20000", "--command-config", alice]);
    expect(consumed.out).toContain("one\ntwo\n");

    const wrong = clientConfig("wrong", "SASL_SSL", "SCRAM-SHA-512", "alice", "nope");
    const refused = await tool("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", bootstrap, "--list", "--command-config", wrong]);
    expect(refused.code).not.toBe(0);
    expect(refused.out).toContain("SaslAuthenticationException: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512");

    const deleted = await configs("--entity-name", "alice", "--alter", "--delete-config", "SCRAM-SHA-512");
    expect(deleted.out).toContain("Completed updating config for user alice.");
    expect((await configs("--describe")).out).not.toContain("'alice'");
  }, 240_000);

  test("mutual TLS with a PEM key store: the Java client's certificate names the principal", async () => {
    nodeFs.writeFileSync(certs.path("client-ks.pem"), certs.clientKey + certs.clientCert);
    const file = certs.path("mtls.properties");
    nodeFs.writeFileSync(file, ["security.protocol=SSL", "ssl.truststore.type=PEM", `ssl.truststore.location=${certs.path("ca.pem")}`,
      "ssl.keystore.type=PEM", `ssl.keystore.location=${certs.path("client-ks.pem")}`, ""].join("\n"));
    const listed = await tool("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", `localhost:${broker.ports.MTLS}`, "--list", "--command-config", file]);
    expect(listed.code).toBe(0);
    expect(broker.output()).toContain("TLS client /127.0.0.1 on MTLS is User:CN=client-one,OU=Eng,O=Acme\\\\, Inc.,C=US");
  }, 120_000);
});
