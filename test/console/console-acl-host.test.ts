// The console's requests carry the HTTP client's address (Bun's server.requestIP) as a Kafka
// connection carries its peer's, so an ACL naming a host applies to them: a DENY for the host
// the browser connects from (127.0.0.1) refuses the console, the same DENY for another host does
// not. Through a real socket, on 127.0.0.1 and on the dual-stack wildcard (where the address
// arrives IPv4-mapped, ::ffff:127.0.0.1, and is matched as 127.0.0.1 as Kafka's
// InetAddress.getHostAddress would print it).

import { expect, test } from "bun:test";
import "../../src/handlers/index.ts";
import { startGroupCoordinator } from "../../src/groups/startup.ts";
import { STANDARD_AUTHORIZER } from "../../src/config/authorizer-config.ts";
import { HttpListener, remoteAddressOf } from "../../src/http/server.ts";
import { consoleRoutes } from "../../src/console/console.ts";
import { AclOperation as Op, AclPermissionType as Perm, PatternType as Pat, ResourceType as RT } from "../../src/security/authorizer.ts";
import { handlerHarness } from "../support/handler-harness.ts";

const { open } = handlerHarness("console-acl-host");

/** A console on `bindHost` where User:ANONYMOUS may do anything from any host, plus `denyHost`'s DENYs. */
function consoleDenying(bindHost: string, denyHost: string) {
  const b = open(`authorizer.class.name=${STANDARD_AUTHORIZER}\n`);
  b.broker.groups = startGroupCoordinator(b.broker.config, b.store);
  const acl = (resourceType: number, resourceName: string, operation: number, host: string, permissionType: number) =>
    ({ resourceType, resourceName, patternType: Pat.LITERAL, principal: "User:ANONYMOUS", host, operation, permissionType });
  b.store.metadata.createAcls([
    acl(RT.CLUSTER, "kafka-cluster", Op.ALL, "*", Perm.ALLOW),
    acl(RT.TOPIC, "*", Op.ALL, "*", Perm.ALLOW),
    acl(RT.GROUP, "*", Op.ALL, "*", Perm.ALLOW),
  ]);
  const http = new HttpListener({ routes: [consoleRoutes(b.broker)] }).start({ host: bindHost, port: 0 });
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${http.port}${path}`, {
      method, signal: AbortSignal.timeout(5000),
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() as any };
  };
  const deny = () => b.store.metadata.createAcls([
    // CreateTopics passes with CREATE on the cluster or on the topic (Kafka's AuthHelper): deny both.
    acl(RT.CLUSTER, "kafka-cluster", Op.CREATE, denyHost, Perm.DENY),
    acl(RT.TOPIC, "*", Op.ALL, denyHost, Perm.DENY),
  ]);
  return { http, call, deny };
}

for (const bindHost of ["127.0.0.1", ""]) {
  const where = bindHost === "" ? "the wildcard address" : bindHost;

  test(`on ${where}: an ACL denying the console's host 127.0.0.1 refuses the console`, async () => {
    const { http, call, deny } = consoleDenying(bindHost, "127.0.0.1");
    try {
      expect((await call("POST", "/api/topics", { name: "seen", partitions: 1 })).body.ok).toBe(true);
      deny();
      const created = await call("POST", "/api/topics", { name: "other", partitions: 1 });
      expect([created.status, created.body.error]).toEqual([403, "TOPIC_AUTHORIZATION_FAILED"]);
      const produced = await call("POST", "/api/topics/seen/produce", { value: "x" });
      expect([produced.status, produced.body.error]).toEqual([403, "TOPIC_AUTHORIZATION_FAILED"]);
      expect((await call("GET", "/api/topics?internal=0")).body.topics.map((t: any) => t.name)).toEqual([]);
    } finally {
      http.stop();
    }
  }, 15_000);

  test(`on ${where}: the same ACL for another host does not apply to the console`, async () => {
    const { http, call, deny } = consoleDenying(bindHost, "10.11.12.13");
    try {
      expect((await call("POST", "/api/topics", { name: "seen", partitions: 1 })).body.ok).toBe(true);
      deny();
      expect((await call("POST", "/api/topics", { name: "other", partitions: 1 })).body.ok).toBe(true);
      expect((await call("POST", "/api/topics/seen/produce", { value: "x" })).body).toMatchObject({ ok: true, offset: 0 });
      expect((await call("GET", "/api/topics?internal=0")).body.topics.map((t: any) => t.name)).toEqual(["other", "seen"]);
    } finally {
      http.stop();
    }
  }, 15_000);
}

test("HttpListener.handle without a socket: the address is the one given, or unknown", async () => {
  const seen: (string | undefined)[] = [];
  const http = new HttpListener({ routes: [(req) => (seen.push(remoteAddressOf(req)), new Response("ok"))] });
  await http.handle(new Request("http://x/"), "192.0.2.7");
  await http.handle(new Request("http://x/"));
  expect(seen).toEqual(["192.0.2.7", undefined]);
});
