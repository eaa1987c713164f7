// Runs Apache Kafka's own DumpLogSegments over a log dir written by Bunka: index and time index
// verification (the checks a Kafka broker's recovery relies on), deep iteration of every batch,
// and decoding of the metadata log. Needs Java and the Kafka jars fetched by
// test/interop/kafka-dist.sh, so it only runs with BUNKA_INTEROP=1 (it takes a few seconds).

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { LogStore } from "../../src/storage/log-store.ts";
import { batchOf } from "./batches.ts";

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const enabled = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile);
const roots: string[] = [];
afterAll(() => {
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});

function dumpLog(args: string[]): string {
  const cp = nodeFs.readFileSync(classpathFile, "utf8").trim();
  const r = Bun.spawnSync(["java", "-cp", cp, "org.apache.kafka.tools.DumpLogSegments", ...args], { stderr: "pipe" });
  return r.stdout.toString() + r.stderr.toString();
}

describe.if(enabled)(enabled ? "Kafka's DumpLogSegments on a Bunka log dir"
  : "Kafka's DumpLogSegments on a Bunka log dir (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh; .ci/run sets both up)", () => {
  test("indexes verify, batches are valid, metadata records decode", () => {
    const root = nodeFs.mkdtempSync(join(tmpdir(), "bunka-dump-"));
    roots.push(root);
    const logDir = join(root, "logs");
    const store = LogStore.open({ logDirs: [logDir], segmentBytes: 20_000, indexIntervalBytes: 500 });
    store.metadata.createTopic("t", 1, { nodeId: 1 });
    const p = store.partition("t", 0)!;
    for (let i = 0; i < 300; i++) {
      p.append(batchOf(1 + (i % 5), { valueSize: 30, timestamp: 1_700_000_000_000 + i * 10 - (i % 7) * 3 }));
    }
    store.flush();
    nodeFs.cpSync(logDir, join(root, "running"), { recursive: true }); // as a running broker leaves it
    store.close();

    for (const dir of [join(logDir, "t-0"), join(root, "running/t-0")]) {
      const names = nodeFs.readdirSync(dir);
      expect(names.filter((n) => n.endsWith(".log")).length).toBeGreaterThan(2);
      const indexes = names.filter((n) => n.endsWith("index")).map((n) => join(dir, n));
      const verify = dumpLog(["--verify-index-only", "--files", indexes.join(",")]);
      expect(verify).not.toMatch(/mismatch|out of order|Exception|not found/i);
      const sanity = dumpLog(["--index-sanity-check", "--files", indexes.join(",")]);
      expect(sanity.match(/passed sanity check/g)?.length).toBe(indexes.length);
      const logs = names.filter((n) => n.endsWith(".log")).map((n) => join(dir, n));
      const deep = dumpLog(["--deep-iteration", "--files", logs.join(",")]);
      expect(deep).toContain("isvalid: true");
      expect(deep).not.toMatch(/isvalid: false|Exception/);
    }
    const md = dumpLog(["--cluster-metadata-decoder", "--files", join(logDir, "__cluster_metadata-0/00000000000000000000.log")]);
    expect(md).toContain('"type":"TOPIC_RECORD"');
    expect(md).toContain('"type":"PARTITION_RECORD"');
  }, 120_000); // seven JVM runs (~2 s each idle): room for a loaded machine
});
