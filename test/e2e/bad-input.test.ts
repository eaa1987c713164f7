// Bad input never takes the broker down: mutated and truncated requests for every API key and
// version the broker advertises get an answer or a closed connection, and the broker keeps
// serving everyone else. The mutations are seeded, so a failure can be replayed.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { Reader } from "../../src/protocol/reader.ts";
import { readApiVersionsResponse, writeApiVersionsRequest } from "../../src/protocol/messages/api-versions.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";
import { bytes, layOutLogDir, randomTopicId } from "../support/log-dir.ts";

let broker: RunningBroker;

beforeAll(async () => {
  const dir = tempDir();
  layOutLogDir(dir, [{ name: "target", topicId: randomTopicId(), partitions: [[[{ value: bytes("x") }]], []] }]);
  broker = await startBroker({ logDir: dir });
});

afterAll(async () => {
  await broker?.stop();
});

/** xorshift32: deterministic mutations. */
function rng(seed: number): () => number {
  let x = seed | 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
}

async function advertised(): Promise<{ apiKey: number; minVersion: number; maxVersion: number }[]> {
  const c = await WireClient.connect(broker.port);
  c.send(18, 4, 1, 2, (w) => writeApiVersionsRequest(w, 4, { clientSoftwareName: "fuzz", clientSoftwareVersion: "1" }));
  const r = new Reader(await c.receive());
  r.int32();
  c.close();
  return readApiVersionsResponse(r, 4).apiKeys;
}

async function stillServing(): Promise<boolean> {
  const c = await WireClient.connect(broker.port);
  c.send(18, 3, 99, 2, (w) => writeApiVersionsRequest(w, 3, { clientSoftwareName: "probe", clientSoftwareVersion: "1" }));
  const frame = await c.receive(); // 10 s: ample for one ApiVersions, even on a busy machine
  c.close();
  return new DataView(frame.buffer, frame.byteOffset).getInt32(0) === 99;
}

test("random and truncated bodies for every advertised API and version", async () => {
  const apis = await advertised();
  expect(apis.length).toBeGreaterThanOrEqual(4);
  const random = rng(20261121);
  let sent = 0;
  for (const api of apis) {
    for (let version = api.minVersion; version <= api.maxVersion; version++) {
      const client = await WireClient.connect(broker.port);
      for (let i = 0; i < 6 && !client.closed; i++) {
        const body = new Uint8Array(Math.floor(random() * 64));
        for (let j = 0; j < body.length; j++) {
          // Mostly small values and 0xff runs: lengths of -1, huge counts, short strings.
          const roll = random();
          body[j] = roll < 0.3 ? 0 : roll < 0.5 ? 0xff : roll < 0.7 ? 1 + Math.floor(random() * 4) : Math.floor(random() * 256);
        }
        client.send(api.apiKey, version, 1000 + i, 2, (w) => w.raw(body));
        sent++;
        try {
          await client.receive(2000);
        } catch {
          // closed by the broker, or (acks=0-like) no answer: both are fine
        }
      }
      client.close();
    }
  }
  expect(sent).toBeGreaterThan(100);
  expect(await stillServing()).toBe(true);
  expect(broker.proc.exitCode).toBeNull();
});

test("garbage frames: header-only, size lies, zero-length frames", async () => {
  const cases = [
    Uint8Array.of(0, 0, 0, 0),
    Uint8Array.of(0, 0, 0, 2, 0, 18),
    Uint8Array.of(0, 0, 0, 8, 0, 18, 0, 4, 0, 0, 0, 1),
    Uint8Array.of(0x7f, 0xff, 0xff, 0xff),
    Uint8Array.of(0, 0, 0, 10, 0, 3, 0, 12, 0, 0, 0, 5, 0xff, 0xfe),
  ];
  for (const frame of cases) {
    const c = await WireClient.connect(broker.port);
    c.write(frame);
    await c.waitClosed(500);
    c.close();
  }
  expect(await stillServing()).toBe(true);
});

test("no request made a handler throw (bad input is answered or refused, never a crash)", () => {
  const crashes = broker.output().split("\n").filter((l) => l.includes(" ERROR "));
  expect(crashes).toEqual([]);
});
