// The compiled broker with a SASL listener and the ACL authorizer: its HTTP listener asks for
// HTTP Basic credentials of the SASL users, and the console acts as the user who gave them, so
// the broker's ACLs decide what the console may do, with Kafka's errors.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { STANDARD_AUTHORIZER } from "../../src/config/authorizer-config.ts";
import { startBroker, type RunningBroker } from "../support/broker-process.ts";

const PLAIN_JAAS = 'org.apache.kafka.common.security.plain.PlainLoginModule required user_admin="admin-secret" user_alice="alice-secret";';
let broker: RunningBroker;
let base: string;

beforeAll(async () => {
  broker = await startBroker({
    properties: {
      "listeners": "SASL_PLAINTEXT://127.0.0.1:0",
      "listener.security.protocol.map": "SASL_PLAINTEXT:SASL_PLAINTEXT",
      "inter.broker.listener.name": "SASL_PLAINTEXT",
      "sasl.enabled.mechanisms": "PLAIN",
      "listener.name.sasl_plaintext.plain.sasl.jaas.config": PLAIN_JAAS,
      "authorizer.class.name": STANDARD_AUTHORIZER,
      "super.users": "User:admin",
      "offsets.topic.num.partitions": 1,
    },
  });
  base = `http://127.0.0.1:${broker.ports.HTTP}`;
}, 60_000);
afterAll(async () => {
  await broker?.stop();
});

const as = (user: string | null, password = `${user}-secret`): Record<string, string> =>
  user === null ? {} : { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}` };

async function call(user: string | null, method: string, path: string, body?: unknown, password?: string) {
  const headers: Record<string, string> = { ...as(user, password) };
  if (body !== undefined) headers["content-type"] = "application/json";
  const r = await fetch(`${base}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10_000) });
  const text = await r.text();
  return { status: r.status, body: r.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
}

test("no credentials or a wrong password: 401 for the page and the API", async () => {
  expect((await call(null, "GET", "/")).status).toBe(401);
  expect((await call(null, "GET", "/api/topics")).status).toBe(401);
  expect((await call("alice", "GET", "/api/topics", undefined, "nope")).status).toBe(401);
  const page = await call("alice", "GET", "/");
  expect(page.status).toBe(200);
  expect(page.body).toContain("<title>Bunka console</title>");
}, 15_000);

test("the console acts as the SASL user: alice may not create a topic, admin (a super user) may", async () => {
  expect((await call("alice", "GET", "/api/cluster")).body.principal).toBe("User:alice");
  const refused = await call("alice", "POST", "/api/topics", { name: "by-alice", partitions: 1 });
  expect([refused.status, refused.body.error, refused.body.message]).toEqual([403, "TOPIC_AUTHORIZATION_FAILED", "Authorization failed."]);
  const created = await call("admin", "POST", "/api/topics", { name: "by-admin", partitions: 1 });
  expect(created.body).toMatchObject({ ok: true });
  // alice may not describe it: not listed for her.
  expect((await call("alice", "GET", "/api/topics")).body.total).toBe(0);
  expect((await call("admin", "GET", "/api/topics?internal=0")).body.topics.map((t: any) => t.name)).toEqual(["by-admin"]);
  expect(broker.output()).toContain("Principal = User:alice is Denied operation = CREATE");
}, 15_000);
