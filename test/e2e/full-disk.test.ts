// A full disk end to end: the compiled broker (./bunka) with log.dirs on a small tmpfs, produced
// to with acks=all until the disk is full. Every answer is NONE or KAFKA_STORAGE_ERROR (56), the
// connection stays open; killed (-9) and restarted on the still-full disk, it serves everything
// acknowledged and still refuses writes; once space is freed writes resume, and after another
// kill -9 every record ever acknowledged is read back and no refused one is.
//
// Needs root and a working `mount -t tmpfs` (true on a fresh CI machine run as root, and in the
// development container); otherwise the test is skipped and says why.

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { Reader } from "../../src/protocol/reader.ts";
import { ErrorCode } from "../../src/protocol/error-codes.ts";
import { readProduceResponse, writeProduceRequest } from "../../src/protocol/messages/produce.ts";
import { LogStore } from "../../src/storage/log-store.ts";
import { buildRecordBatch } from "../../src/records/record-batch-builder.ts";
import { startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { WireClient } from "../support/wire-client.ts";
import { fetchPartition } from "../interop/raw-fetch.ts";

const TMPFS_BYTES = 6 << 20;
const BALLAST_BYTES = 1536 << 10;
const VALUE_BYTES = 8000;
const PARTITIONS = 3;

/** Mounts a tmpfs of `bytes` on a new directory, or says why it cannot. */
function mountTmpfs(bytes: number): { dir: string } | { skip: string } {
  if (process.platform !== "linux") return { skip: `not Linux (${process.platform})` };
  if (process.getuid?.() !== 0) return { skip: "not root (mounting a tmpfs needs root)" };
  const dir = tempDir("bunka-full-disk-");
  const res = spawnSync("mount", ["-t", "tmpfs", "-o", `size=${bytes}`, "tmpfs", dir], { encoding: "utf8" });
  if (res.status !== 0) {
    nodeFs.rmSync(dir, { recursive: true, force: true });
    return { skip: `mount -t tmpfs failed: ${(res.stderr || res.error?.message || `exit ${res.status}`).trim()}` };
  }
  return { dir };
}

const mounted = mountTmpfs(TMPFS_BYTES);
const brokers: RunningBroker[] = [];
afterAll(async () => {
  for (const b of brokers) if (b.proc.exitCode === null && b.proc.signalCode === null) await b.kill9();
  if ("dir" in mounted) {
    spawnSync("umount", [mounted.dir]);
    nodeFs.rmSync(mounted.dir, { recursive: true, force: true });
  }
});
if ("skip" in mounted) console.log(`test/e2e/full-disk.test.ts skipped: ${mounted.skip}`);

let correlation = 0;
const utf8 = new TextEncoder();

/** One acks=all Produce v9 of one record per partition; the error code per partition. */
async function produce(client: WireClient, topic: string, tags: string[]): Promise<number[]> {
  const id = ++correlation;
  client.send(0, 9, id, 2, (w) => writeProduceRequest(w, 9, {
    transactionalId: null, acks: -1, timeoutMs: 5000,
    topicData: [{
      name: topic,
      partitionData: tags.map((tag, index) => ({
        index, records: buildRecordBatch({ records: [{ key: null, value: utf8.encode(tag.padEnd(VALUE_BYTES, ".")) }] }),
      })),
    }],
  }));
  const r = new Reader(await client.receive(10_000));
  expect(r.int32()).toBe(id);
  r.skipTaggedFields();
  const res = readProduceResponse(r, 9);
  expect(r.failed).toBe(false);
  const parts = res.responses[0]!.partitionResponses;
  return tags.map((_, i) => parts.find((p) => p.index === i)!.errorCode);
}

/** Every record value of topic t, read with raw Fetch requests. */
async function readAll(client: WireClient): Promise<Set<string>> {
  const read = new Set<string>();
  for (let p = 0; p < PARTITIONS; p++) {
    const fetched = await fetchPartition(client, "t", p, { timeoutMs: 15_000 });
    for (const batch of fetched.batches) {
      for (const rec of batch.records ?? []) read.add(new TextDecoder().decode(rec.value!).replace(/\.+$/, ""));
    }
  }
  return read;
}

describe("full disk, end to end on a tmpfs", () => {
  test.skipIf("skip" in mounted)("acks=all until full: NONE or KAFKA_STORAGE_ERROR, a restart while full serves everything, writes resume after freeing space, nothing acknowledged lost after kill -9", async () => {
    const root = (mounted as { dir: string }).dir;
    const logDir = join(root, "data");
    const ballast = join(root, "ballast");
    nodeFs.writeFileSync(ballast, new Uint8Array(BALLAST_BYTES).fill(1));
    const setup = LogStore.open({ logDirs: [logDir] });
    setup.metadata.createTopic("t", PARTITIONS, { nodeId: 1, configs: [{ name: "segment.bytes", value: String(1 << 20) }] });
    setup.close();

    const acked = new Set<string>();
    const refused = new Set<string>();
    let closedConnections = 0;
    let n = 0;
    let b = await startBroker({ logDir, keepLogDir: true });
    brokers.push(b);
    let client = await WireClient.connect(b.port);
    /** One round; a connection closed instead of an answer is counted (and reconnected), not fatal. */
    const round = async (): Promise<number[] | "closed"> => {
      const tags = Array.from({ length: PARTITIONS }, (_, p) => `r${n}-p${p}`);
      n++;
      let codes: number[];
      try {
        codes = await produce(client, "t", tags);
      } catch (e) {
        if (!client.closed) throw e;
        closedConnections++;
        client = await WireClient.connect(b.port);
        return "closed";
      }
      codes.forEach((code, p) => {
        expect([ErrorCode.NONE, ErrorCode.KAFKA_STORAGE_ERROR] as number[]).toContain(code);
        (code === ErrorCode.NONE ? acked : refused).add(tags[p]!);
      });
      return codes;
    };

    // Fill the disk: until 10 rounds in a row were refused (or closed) everywhere.
    const deadline = Date.now() + 30_000;
    let refusedRounds = 0;
    while (refusedRounds < 10 && Date.now() < deadline) {
      const codes = await round();
      refusedRounds = codes === "closed" || codes.every((c) => c !== ErrorCode.NONE) ? refusedRounds + 1 : 0;
    }
    expect(refusedRounds).toBe(10);
    const ackedWhileFilling = acked.size;
    // kill -9 and a restart while the disk is still full: everything acknowledged is readable,
    // writes are still refused.
    client.close();
    await b.kill9();
    b = await startBroker({ logDir, keepLogDir: true });
    brokers.push(b);
    client = await WireClient.connect(b.port);
    const readWhileFull = await readAll(client);
    expect([...acked].filter((t) => !readWhileFull.has(t))).toEqual([]);
    expect(readWhileFull.size).toBe(acked.size);
    expect(await round()).toEqual(Array(PARTITIONS).fill(ErrorCode.KAFKA_STORAGE_ERROR));
    // Space comes back: writes succeed again.
    nodeFs.rmSync(ballast);
    const after: (number[] | "closed")[] = [];
    for (let i = 0; i < 40; i++) after.push(await round());
    client.close();
    await b.kill9();

    b = await startBroker({ logDir, keepLogDir: true });
    brokers.push(b);
    client = await WireClient.connect(b.port);
    const read = await readAll(client);
    const lost = [...acked].filter((t) => !read.has(t));
    const resurrected = [...refused].filter((t) => read.has(t));
    console.log(`full disk e2e: ${ackedWhileFilling} records acknowledged while filling, ${refused.size} refused (KAFKA_STORAGE_ERROR), ` +
      `${closedConnections} connections closed instead of an answer, ${acked.size - ackedWhileFilling} acknowledged after freeing space; ` +
      `after kill -9: ${lost.length} acknowledged records lost, ${resurrected.length} refused records present`);
    expect(closedConnections).toBe(0);
    expect(after).toEqual(Array(40).fill(Array(PARTITIONS).fill(ErrorCode.NONE)));
    expect(lost).toEqual([]);
    expect(resurrected).toEqual([]);
    expect(read.size).toBe(acked.size);
    client.close();
    await b.stop();
  }, 90_000);
});
