// The console behind the HTTP listener's authentication and the broker's ACLs, without a socket
// (HttpListener.handle): no principal, no console (401 before any route); with one, the console's
// requests run as that principal, so the Kafka handlers' authorization decides, with Kafka's
// error codes: a user without CREATE cannot create a topic, without WRITE cannot produce, and
// does not see topics or groups it may not DESCRIBE.

import { expect, test } from "bun:test";
import "../../src/handlers/index.ts";
import { startGroupCoordinator } from "../../src/groups/startup.ts";
import { STANDARD_AUTHORIZER } from "../../src/config/authorizer-config.ts";
import { HttpListener } from "../../src/http/server.ts";
import { consoleRoutes } from "../../src/console/console.ts";
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as RT, type Principal } from "../../src/security/authorizer.ts";
import { handlerHarness } from "../support/handler-harness.ts";

const { open } = handlerHarness("console-auth");

function consoleFor(users: Record<string, string>) {
  const b = open(`authorizer.class.name=${STANDARD_AUTHORIZER}\nsuper.users=User:admin\n`);
  b.broker.groups = startGroupCoordinator(b.broker.config, b.store);
  // HTTP Basic, as the listener's authenticator would check it: user:password pairs.
  const listener = new HttpListener({
    routes: [consoleRoutes(b.broker)],
    authenticate: (req): Principal | null => {
      const m = /^Basic (.+)$/.exec(req.headers.get("authorization") ?? "");
      if (m === null) return null;
      const [user, password] = Buffer.from(m[1]!, "base64").toString().split(":");
      return user !== undefined && users[user] === password ? { type: "User", name: user } : null;
    },
  });
  const call = async (user: string | null, method: string, path: string, body?: unknown) => {
    const headers: Record<string, string> = { host: "console.test" };
    if (user !== null) headers.authorization = `Basic ${Buffer.from(`${user}:${users[user] ?? "wrong"}`).toString("base64")}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    const res = await listener.handle(new Request(`http://console.test${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
    const text = await res.text();
    return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text };
  };
  return { b, call };
}

test("no or wrong credentials: 401 for the API and the page alike", async () => {
  const { call } = consoleFor({ admin: "secret" });
  expect((await call(null, "GET", "/api/topics")).status).toBe(401);
  expect((await call(null, "GET", "/")).status).toBe(401);
  expect((await call("mallory", "POST", "/api/topics", { name: "x", partitions: 1 })).status).toBe(401);
  expect((await call("admin", "GET", "/api/cluster")).body.principal).toBe("User:admin");
}, 10_000);

test("the console runs as the caller: ACLs decide, with Kafka's errors", async () => {
  const { b, call } = consoleFor({ admin: "secret", alice: "pw" });
  const allow = (resourceType: number, resourceName: string, operation: number) =>
    ({ resourceType, resourceName, patternType: Pat.LITERAL, principal: "User:alice", host: "*", operation, permissionType: Perm.ALLOW });
  expect((await call("admin", "POST", "/api/topics", { name: "shared", partitions: 1 })).body.ok).toBe(true);
  expect((await call("admin", "POST", "/api/topics", { name: "hidden", partitions: 1 })).body.ok).toBe(true);
  b.store.metadata.createAcls([allow(RT.TOPIC, "shared", Op.DESCRIBE), allow(RT.TOPIC, "shared", Op.READ)]);

  const created = await call("alice", "POST", "/api/topics", { name: "alices", partitions: 1 });
  expect([created.status, created.body.error]).toEqual([403, "TOPIC_AUTHORIZATION_FAILED"]);
  const produced = await call("alice", "POST", "/api/topics/shared/produce", { value: "x" });
  expect([produced.status, produced.body.error]).toEqual([403, "TOPIC_AUTHORIZATION_FAILED"]);
  const altered = await call("alice", "POST", "/api/topics/shared/configs", { set: { "retention.ms": "1000" } });
  expect([altered.status, altered.body.error]).toEqual([403, "TOPIC_AUTHORIZATION_FAILED"]);
  const deleted = await call("alice", "POST", "/api/topics/shared/delete-records", { partition: 0, offset: 0 });
  expect([deleted.status, deleted.body.error]).toEqual([403, "TOPIC_AUTHORIZATION_FAILED"]);
  for (const dryRun of [true, false]) {
    const reset = await call("alice", "POST", "/api/groups/g/reset-offsets", { topic: "shared", to: "earliest", dryRun });
    expect([reset.status, reset.body.error]).toEqual([403, "GROUP_AUTHORIZATION_FAILED"]);
  }
  expect((await call("alice", "GET", "/api/groups/g")).status).toBe(403);
  // Only what alice may describe is listed; the admin sees both.
  expect((await call("alice", "GET", "/api/topics")).body.topics.map((t: any) => t.name)).toEqual(["shared"]);
  expect((await call("admin", "GET", "/api/topics?internal=0")).body.topics.map((t: any) => t.name)).toEqual(["hidden", "shared"]);
  expect((await call("alice", "GET", "/api/topics/hidden")).status).toBe(404);
  expect((await call("alice", "GET", "/api/topics/hidden/messages?partition=0")).status).toBe(403);
  expect((await call("alice", "GET", "/api/topics/shared/messages?partition=0")).status).toBe(200);

  // Granted WRITE, alice's produce goes through.
  b.store.metadata.createAcls([allow(RT.TOPIC, "shared", Op.WRITE)]);
  expect((await call("alice", "POST", "/api/topics/shared/produce", { value: "x" })).body).toMatchObject({ ok: true, offset: 0 });
}, 20_000);
