// The compiled broker's HTTP listener: where the start-up lines say, and a taken port is a WARN
// while the Kafka listener serves on.

import { expect, test } from "bun:test";
import { startBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";

test("bunka.http.listener=127.0.0.1:0: the start-up line names the port, and it answers HTTP", async () => {
  await using broker = await startBroker();
  expect(broker.output()).toMatch(/listening on HTTP:\/\/127\.0\.0\.1:\d+ \(\/metrics/);
  const port = broker.ports.HTTP;
  expect(port).toBeGreaterThan(0);
  const r = await fetch(`http://127.0.0.1:${port}/no-such-page`, { signal: AbortSignal.timeout(5000) });
  expect(r.status).toBe(404);
}, 30000);

test("the HTTP port taken: one WARN, the Kafka listener still serves; empty: no HTTP listener", async () => {
  const held = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("someone else") });
  try {
    await using broker = await startBroker({ properties: { "bunka.http.listener": `127.0.0.1:${held.port}` } });
    expect(broker.output()).toMatch(new RegExp(`WARN cannot listen on HTTP://127\\.0\\.0\\.1:${held.port}: .*EADDRINUSE`));
    expect(broker.ports.HTTP).toBeUndefined();
    const client = await WireClient.connect(broker.port);
    // ApiVersions v0: correlation id 7 back, error code 0.
    client.send(18, 0, 7, 1, () => {});
    const frame = await client.receive(5000);
    const view = new DataView(frame.buffer, frame.byteOffset);
    expect([view.getInt32(0), view.getInt16(4)]).toEqual([7, 0]);
  } finally {
    held.stop(true);
  }
  await using off = await startBroker({ properties: { "bunka.http.listener": "" } });
  expect(off.output()).not.toContain("HTTP://");
  expect(off.ports.HTTP).toBeUndefined();
}, 60000);

test("with a SASL listener, /metrics wants HTTP Basic with a SASL user: PLAIN (JAAS) or SCRAM (bunka.add.scram)", async () => {
  await using broker = await startBroker({ properties: {
    "listeners": "SASL_PLAINTEXT://127.0.0.1:0",
    "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256",
    "listener.name.sasl_plaintext.plain.sasl.jaas.config":
      'org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_carol="carol-pw";',
    "bunka.add.scram": "SCRAM-SHA-256=[name=alice,password=alice-secret]",
  } });
  expect(broker.output()).toMatch(/listening on HTTP:\/\/127\.0\.0\.1:\d+ \(\/metrics, HTTP Basic authentication\)/);
  const get = (auth?: string) => fetch(`http://127.0.0.1:${broker.ports.HTTP}/metrics`, {
    headers: auth === undefined ? {} : { authorization: `Basic ${Buffer.from(auth).toString("base64")}` }, signal: AbortSignal.timeout(5000),
  });
  const anonymous = await get();
  expect(anonymous.status).toBe(401);
  expect(anonymous.headers.get("www-authenticate")).toStartWith("Basic realm=");
  expect((await get("carol:wrong")).status).toBe(401);
  expect((await get("alice:carol-pw")).status).toBe(401);
  expect((await get("nobody:x")).status).toBe(401);
  expect((await get("carol:carol-pw")).status).toBe(200);
  const scram = await get("alice:alice-secret");
  expect(scram.status).toBe(200);
  expect(await scram.text()).toContain("bunka_info{");
}, 30000);

test("the default (:9404) on two brokers at once: at most one gets it, the other warns, both serve Kafka", async () => {
  // Without bunka.http.listener in the file (the helper sets 127.0.0.1:0 unless told otherwise).
  // Another process on this machine may hold 9404: then both warn, which passes too.
  const brokers = [];
  try {
    for (let i = 0; i < 2; i++) brokers.push(await startBroker({ properties: { "bunka.http.listener": null } }));
    const bound = brokers.filter((b) => /listening on HTTP:\/\/\*:9404 /.test(b.output()));
    const warned = brokers.filter((b) => /WARN cannot listen on HTTP:\/\/\[::\]:9404: address already in use \(EADDRINUSE\)/.test(b.output()));
    expect(bound.length).toBeLessThanOrEqual(1);
    expect(bound.length + warned.length).toBe(2);
    for (const b of brokers) {
      const client = await WireClient.connect(b.port);
      client.send(18, 0, 3, 1, () => {});
      const frame = await client.receive(5000);
      expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(3);
    }
  } finally {
    for (const b of brokers) await b.stop();
  }
}, 60000);
