// S3ObjectStore (Bun's built-in S3 client) against a real S3-compatible server started here
// (test/support/s3-server.ts): put, ranged get, list with a prefix, delete, and the error an
// unreachable endpoint gives.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { S3ObjectStore } from "../../../src/storage/tiered/s3-object-store.ts";
import { ObjectStoreError } from "../../../src/storage/tiered/object-store.ts";
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
