// S3ObjectStore (Bun's built-in S3 client) against a real S3-compatible server started here
// (test/support/s3-server.ts): put, ranged get, list with a prefix, delete, a streamed multipart
// upload, and the error an unreachable endpoint gives; and, against a server here that records
// the requests, that a failed part or a failing source aborts the multipart upload.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { S3ObjectStore } from "../../../src/storage/tiered/s3-object-store.ts";
import { ObjectStoreError, UPLOAD_PART_BYTES, type UploadSource } from "../../../src/storage/tiered/object-store.ts";
import { S3TestServer, s3ServerBinary } from "../../support/s3-server.ts";

const binary = s3ServerBinary();
if (binary === null) console.warn("s3-object-store.test.ts: SKIPPED: no S3 test server (test/support/s3-server-dist.sh needs Go)");

describe.skipIf(binary === null)("S3ObjectStore against a real S3 server", () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await S3TestServer.start(binary!);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  test("put, ranged get, list, delete", async () => {
    const store = new S3ObjectStore({ ...server.settings, prefix: "unit/" });
    const body = new Uint8Array(300_000).map((_, i) => i % 251);
    await store.put("a/00000000000000000000-x.log", body);
    await store.put("a/00000000000000000010-y.log", new Uint8Array([1, 2, 3]));
    await store.put("b/other", new Uint8Array([9]));
    expect(await store.get("a/00000000000000000000-x.log")).toEqual(body);
    expect(await store.get("a/00000000000000000000-x.log", { start: 1000, end: 1010 })).toEqual(body.slice(1000, 1010));
    expect(await store.get("a/00000000000000000000-x.log", { start: 299_990, end: 400_000 })).toEqual(body.slice(299_990));
    expect(await store.list("a/")).toEqual(["a/00000000000000000000-x.log", "a/00000000000000000010-y.log"]);
    await store.delete("a/00000000000000000000-x.log");
    await store.delete("a/never-there");
    expect(await store.list("a/")).toEqual(["a/00000000000000000010-y.log"]);
    const missing = await store.get("a/00000000000000000000-x.log").catch((e) => e);
    expect(missing).toBeInstanceOf(ObjectStoreError);
  }, 30_000);

  test("an upload larger than a part goes in parts and reads back byte for byte", async () => {
    const store = new S3ObjectStore({ ...server.settings, prefix: "unit/" });
    const size = 2 * UPLOAD_PART_BYTES + 12_345;
    const body = new Uint8Array(size);
    for (let i = 0; i < size; i++) body[i] = (i * 7 + (i >>> 13)) & 255;
    const reads: number[] = [];
    const source: UploadSource = { size, read: (p, n) => (reads.push(n), body.subarray(p, p + n)) };
    await store.upload("big/00000000000000000000-z.log", source);
    expect(Math.max(...reads)).toBeLessThanOrEqual(UPLOAD_PART_BYTES);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(size);
    const back = await store.get("big/00000000000000000000-z.log");
    expect(back.length).toBe(size);
    expect(Bun.hash(back)).toBe(Bun.hash(body));
    // A small one is one PutObject.
    await store.upload("big/small", { size: 3, read: () => new Uint8Array([1, 2, 3]) });
    expect(await store.get("big/small")).toEqual(new Uint8Array([1, 2, 3]));
  }, 60_000);

  test("an unreachable endpoint fails with ObjectStoreError", async () => {
    await server.pause();
    try {
      const store = new S3ObjectStore({ ...server.settings, prefix: "unit/" });
      const failed = await store.put("x", new Uint8Array([1])).catch((e) => e);
      expect(failed).toBeInstanceOf(ObjectStoreError);
    } finally {
      await server.resume();
    }
    const store = new S3ObjectStore({ ...server.settings, prefix: "unit/" });
    await store.put("x", new Uint8Array([1]));
    expect(await store.get("x")).toEqual(new Uint8Array([1]));
  }, 30_000);
});

/** An S3 endpoint that records every request and answers a multipart upload, failing the part `failPart`. */
function recordingServer(failPart: number | null) {
  const requests: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      await req.arrayBuffer();
      const part = url.searchParams.get("partNumber");
      if (req.method === "POST" && url.searchParams.has("uploads")) {
        requests.push("initiate");
        return new Response(`<?xml version="1.0" encoding="UTF-8"?><InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>U1</UploadId></InitiateMultipartUploadResult>`);
      }
      if (req.method === "PUT" && part !== null) {
        requests.push(`part ${part}`);
        if (Number(part) === failPart) return new Response("<Error><Code>InternalError</Code><Message>injected</Message></Error>", { status: 500 });
        return new Response("", { headers: { ETag: `"e${part}"` } });
      }
      if (req.method === "DELETE" && url.searchParams.get("uploadId") === "U1") {
        requests.push("abort");
        return new Response(null, { status: 204 });
      }
      if (req.method === "POST" && url.searchParams.get("uploadId") === "U1") {
        requests.push("complete");
        return new Response(`<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUploadResult><Key>k</Key><ETag>"x"</ETag></CompleteMultipartUploadResult>`);
      }
      requests.push(`${req.method} ${url.pathname}`);
      return new Response("", { status: 200 });
    },
  });
  const store = new S3ObjectStore({ endpoint: `http://127.0.0.1:${server.port}`, bucket: "bkt", region: "us-east-1", accessKeyId: "a", secretAccessKey: "b", prefix: "" });
  return { requests, store, [Symbol.dispose]: () => server.stop(true) };
}

/** Waits (at most 5 s) for `done`. */
async function until(done: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 5000; !done() && Date.now() < deadline;) await Bun.sleep(20);
}

describe("S3ObjectStore multipart failures (a recording endpoint)", () => {
  const size = 3 * UPLOAD_PART_BYTES + 1;
  const zeros = new Uint8Array(1024 * 1024);

  test("a failed part aborts the upload: no CompleteMultipartUpload", async () => {
    using s = recordingServer(2);
    const failed = await s.store.upload("k", { size, read: (_p, n) => zeros.subarray(0, Math.min(n, zeros.length)) }).catch((e) => e);
    expect(failed).toBeInstanceOf(ObjectStoreError);
    // Bun sends the abort after the upload has failed (retrying the part first).
    await until(() => s.requests.includes("abort"));
    expect(s.requests).toContain("abort");
    expect(s.requests).not.toContain("complete");
    // Bun retried the failed part before giving up.
    expect(s.requests.filter((r) => r === "part 2").length).toBeGreaterThan(1);
  }, 30_000);

  test("a source that fails in the middle aborts the upload", async () => {
    using s = recordingServer(null);
    const failed = await s.store.upload("k", {
      size,
      read: (p, n) => {
        if (p >= UPLOAD_PART_BYTES + 1024 * 1024) throw new Error("EIO: read");
        return zeros.subarray(0, Math.min(n, zeros.length));
      },
    }).catch((e) => e);
    expect(failed).toBeInstanceOf(ObjectStoreError);
    expect(String(failed.message)).toContain("EIO");
    await until(() => s.requests.includes("abort"));
    await Bun.sleep(200);
    expect(s.requests).toContain("abort");
    expect(s.requests).not.toContain("complete");
  }, 30_000);

  test("without failures the upload completes", async () => {
    using s = recordingServer(null);
    await s.store.upload("k", { size, read: (_p, n) => zeros.subarray(0, Math.min(n, zeros.length)) });
    // Two parts go at once (UPLOAD_QUEUE_PARTS), so they may arrive in either order.
    expect([s.requests[0], ...s.requests.slice(1, -1).sort(), s.requests.at(-1)]).toEqual(["initiate", "part 1", "part 2", "part 3", "part 4", "complete"]);
  }, 30_000);
});
