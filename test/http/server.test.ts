// The HTTP listener: route table, 404, bind failure as a WARN, cross-site refusal, authentication hook.

import { expect, test } from "bun:test";
import { HttpListener, HttpListenError, principalOf, refuseCrossSite, startHttpListener } from "../../src/http/server.ts";
import { parseHttpListener } from "../../src/config/broker-config.ts";

test("routes answer in table order, undefined passes on, nothing answers: 404", async () => {
  const http = new HttpListener({ routes: [
    (_req, url) => url.pathname === "/a" ? new Response("first") : undefined,
    (_req, url) => url.pathname.startsWith("/a") || url.pathname === "/b" ? new Response("second") : undefined,
  ] }).start({ host: "127.0.0.1", port: 0 });
  try {
    http.addRoute((_req, url) => url.pathname === "/c" ? Promise.resolve(new Response("async")) : undefined);
    const get = async (path: string) => {
      const r = await fetch(`http://127.0.0.1:${http.port}${path}`, { signal: AbortSignal.timeout(5000) });
      return `${r.status} ${await r.text()}`;
    };
    expect(await get("/a")).toBe("200 first");
    expect(await get("/ab")).toBe("200 second");
    expect(await get("/b")).toBe("200 second");
    expect(await get("/c")).toBe("200 async");
    expect(await get("/nothing")).toBe("404 not found\n");
  } finally {
    http.stop();
  }
}, 10000);

test("a port in use: start throws HttpListenError, startHttpListener returns null (the broker goes on)", () => {
  const held = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  try {
    expect(() => new HttpListener().start({ host: "127.0.0.1", port: held.port! })).toThrow(HttpListenError);
    expect(() => new HttpListener().start({ host: "127.0.0.1", port: held.port! })).toThrow(/cannot listen on HTTP:\/\/127\.0\.0\.1:\d+: .*EADDRINUSE/);
    expect(startHttpListener({ host: "127.0.0.1", port: held.port! })).toBeNull();
  } finally {
    held.stop(true);
  }
});

test("bunka.http.listener parses HOST:PORT, [IPv6]:PORT, :PORT; empty is off; anything else is refused", () => {
  expect(parseHttpListener("127.0.0.1:9404")).toEqual({ host: "127.0.0.1", port: 9404 });
  expect(parseHttpListener(":0")).toEqual({ host: "", port: 0 });
  expect(parseHttpListener("[::1]:80")).toEqual({ host: "::1", port: 80 });
  expect(parseHttpListener(" ")).toBeNull();
  expect(() => parseHttpListener("9404")).toThrow(/not HOST:PORT/);
  expect(() => parseHttpListener("host:70000")).toThrow(/not HOST:PORT/);
  expect(() => parseHttpListener("http://host:80")).toThrow(/not HOST:PORT/);
});

test("refuseCrossSite: safe methods pass; a mutation needs same-origin and a JSON body", async () => {
  const req = (method: string, headers: Record<string, string>) => new Request("http://broker:9404/api/x", { method, headers, body: method === "GET" ? undefined : "{}" });
  expect(refuseCrossSite(req("GET", { "sec-fetch-site": "cross-site" }))).toBeNull();
  expect(refuseCrossSite(req("POST", { "content-type": "application/json", "sec-fetch-site": "same-origin", origin: "http://broker:9404", host: "broker:9404" }))).toBeNull();
  // curl: no Origin, no Sec-Fetch-Site.
  expect(refuseCrossSite(req("DELETE", { "content-type": "application/json; charset=utf-8" }))).toBeNull();
  expect(refuseCrossSite(req("POST", { "content-type": "application/json", "sec-fetch-site": "cross-site" }))?.status).toBe(403);
  expect(refuseCrossSite(req("POST", { "content-type": "application/json", "sec-fetch-site": "same-site" }))?.status).toBe(403);
  expect(refuseCrossSite(req("POST", { "content-type": "application/json", origin: "http://evil.example", host: "broker:9404" }))?.status).toBe(403);
  expect(refuseCrossSite(req("POST", { "content-type": "application/json", origin: "null", host: "broker:9404" }))?.status).toBe(403);
  const form = refuseCrossSite(req("POST", { "content-type": "application/x-www-form-urlencoded" }));
  expect(form?.status).toBe(415);
  expect(await form!.json()).toEqual({ error: expect.stringContaining("application/json") });
  expect(refuseCrossSite(req("PUT", { "content-type": "text/plain" }))?.status).toBe(415);
});

test("an authenticator runs before every route: null is 401 with a Basic challenge, a principal reaches the route", async () => {
  const http = new HttpListener({
    authenticate: (req) => req.headers.get("authorization") === "Basic dTpw" ? { type: "User", name: "u" } : null,
    routes: [(req) => new Response(`hello ${principalOf(req)?.name}`)],
  });
  const denied = await http.handle(new Request("http://x/metrics"));
  expect(denied.status).toBe(401);
  expect(denied.headers.get("www-authenticate")).toStartWith("Basic realm=");
  const ok = await http.handle(new Request("http://x/metrics", { headers: { authorization: "Basic dTpw" } }));
  expect(`${ok.status} ${await ok.text()}`).toBe("200 hello u");
});
