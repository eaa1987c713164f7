// ./bunka on a log dir whose metadata a newer Apache Kafka changed beyond what Bunka understands
// (README "When you outgrow one node"): it refuses to start, with one ERROR line naming the file
// and the reason, and exit status 1, instead of misreading the dir.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writer } from "../../src/protocol/writer.ts";
import { ClusterMetadata } from "../../src/storage/cluster-metadata.ts";
import { METADATA_RECORD_TYPES as T, writeFeatureLevelRecord } from "../../src/storage/metadata/records.ts";
import { BINARY, buildBinary, tempDir } from "../support/broker-process.ts";

const DEADLINE_MS = 15_000;
let work: string;

beforeAll(async () => {
  await buildBinary();
  work = tempDir("bunka-graduate-refusal-");
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Starts ./bunka on `logDir` and waits for it to exit (killed at the deadline: code null). */
async function runOn(name: string, logDir: string): Promise<{ code: number | null; stderr: string }> {
  const config = join(work, `${name}.properties`);
  writeFileSync(config, `node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${logDir}\n`);
  const proc = Bun.spawn([BINARY, config], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), DEADLINE_MS);
  const stderr = await new Response(proc.stderr).text();
  const code = await proc.exited;
  clearTimeout(timer);
  return { code: proc.signalCode === null ? code : null, stderr };
}

test("a metadata.version above 30 (a newer Kafka's) is refused: one ERROR line, exit 1", async () => {
  const logDir = join(work, "newer-metadata");
  const md = ClusterMetadata.load({ dir: join(logDir, "__cluster_metadata-0"), kraft: { nodeId: 1 } });
  const w = new Writer(64, null);
  writeFeatureLevelRecord(w, 0, { name: "metadata.version", featureLevel: 31 });
  md.appendRecord(T.FeatureLevelRecord, 0, w.finish().slice());
  md.close();
  const r = await runOn("newer-metadata", logDir);
  expect(r.code).toBe(1);
  const errors = r.stderr.split("\n").filter((l) => / ERROR /.test(l));
  expect(errors.length).toBe(1);
  expect(errors[0]).toMatch(/metadata\.version 31 is newer than 30 .*a newer Apache Kafka has changed this log dir's metadata\. Bunka refuses to start/);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}, 30_000);

test("a meta.properties of another version or another node is refused: one ERROR line, exit 1", async () => {
  const logDir = join(work, "meta");
  const first = await runOnceAndStop(logDir);
  expect(first).toBe(true);
  const file = join(logDir, "meta.properties");
  const good = readFileSync(file, "utf8");
  writeFileSync(file, good.replace("version=1", "version=2"));
  let r = await runOn("meta-version", logDir);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/ ERROR .*meta\.properties: version 2 is not 1/);
  writeFileSync(file, good.replace("node.id=1", "node.id=4"));
  r = await runOn("meta-node", logDir);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/ ERROR .*meta\.properties: stored node\.id 4 does not match node\.id 1 of the config/);
}, 45_000);

/** Starts ./bunka on a fresh dir until it listens, then stops it (SIGTERM); true on exit 0. */
async function runOnceAndStop(logDir: string): Promise<boolean> {
  const config = join(work, "once.properties");
  writeFileSync(config, `node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${logDir}\n`);
  const proc = Bun.spawn([BINARY, config], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const deadline = Date.now() + DEADLINE_MS;
  const reader = proc.stderr.getReader();
  let text = "";
  while (!/ started in /.test(text) && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), DEADLINE_MS);
  // Drain the rest so the broker never blocks on a full pipe while stopping.
  const drained = (async () => {
    for (;;) if ((await reader.read()).done) return;
  })();
  const code = await proc.exited;
  await drained;
  clearTimeout(timer);
  return / started in /.test(text) && code === 0;
}
