// Bunka and Apache Kafka 4.3.1 on one log dir exclude each other, in both orders: both take a
// POSIX record lock on `<logDir>/.lock` (Kafka: FileChannel.tryLock). Kafka's clean shutdown
// marker is honoured by Bunka. Needs Java and the jars of test/interop/kafka-dist.sh, so it only
// runs with BUNKA_INTEROP=1 (a Kafka start takes 10-20 s).
//
// Not checked here because it is Kafka's doing: a combined-mode Kafka started second writes to
// `__cluster_metadata-0` (its Raft layer starts before LogManager.lockLogDirs fails), so a Bunka
// holding the dir then finds its metadata log changed under it.

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { BINARY, buildBinary, tempDir } from "../support/broker-process.ts";

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const enabled = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile);
const KAFKA_RUN = join(import.meta.dir, "../interop/kafka-run.sh");
const runDir = tempDir("bunka-kafka-lock-");
const dataDir = join(runDir, "data");
let kafkaPort = 0;

afterAll(() => {
  if (kafkaPort) Bun.spawnSync(["bash", KAFKA_RUN, "--port", String(kafkaPort), "--dir", runDir, "clean"]);
  nodeFs.rmSync(runDir, { recursive: true, force: true });
});

/** A port p with p and p+1 (Kafka's controller listener) free. */
function freePortPair(): number {
  for (let i = 0; i < 50; i++) {
    const a = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const p = a.port;
    a.stop(true);
    try {
      Bun.listen({ hostname: "127.0.0.1", port: p + 1, socket: { data() {} } }).stop(true);
      return p;
    } catch {
      // p + 1 taken: try another
    }
  }
  throw new Error("no free port pair");
}

function kafka(command: string): { code: number; output: string } {
  const r = Bun.spawnSync(["bash", KAFKA_RUN, "--port", String(kafkaPort), "--dir", runDir, command], {
    env: { ...process.env, KAFKA_START_TIMEOUT: "90" }, stdout: "pipe", stderr: "pipe",
  });
  return { code: r.exitCode ?? -1, output: r.stdout.toString() + r.stderr.toString() };
}

/** Starts ./bunka on Kafka's data dir; resolves when it listens, or when it exits. */
async function bunka(): Promise<{ proc: ReturnType<typeof Bun.spawn>; exitCode: number | null; output: () => string }> {
  await buildBinary();
  const conf = join(runDir, "bunka.properties");
  nodeFs.writeFileSync(conf, `node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${dataDir}\n`);
  const proc = Bun.spawn([BINARY, conf], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  let text = "";
  const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  while (!/listening on /.test(text)) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  clearTimeout(timer);
  (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      text += new TextDecoder().decode(value);
    }
  })();
  if (!/listening on /.test(text)) await proc.exited;
  return { proc, exitCode: proc.exitCode, output: () => text };
}

describe.if(enabled)(enabled ? "Bunka and Apache Kafka 4.3.1 on one log dir"
  : "Bunka and Apache Kafka 4.3.1 on one log dir (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh)", () => {
  test("Kafka first: Bunka exits 1 naming Kafka's pid; Bunka first: Kafka fails to lock the dir; Kafka's clean shutdown marker is honoured", async () => {
    kafkaPort = freePortPair();
    const started = kafka("start");
    expect(started.output).toContain("ready on");
    const kafkaPid = Number(/pid=(\d+)/.exec(kafka("status").output)?.[1]);
    expect(kafkaPid).toBeGreaterThan(0);

    const refused = await bunka();
    expect(refused.exitCode).toBe(1);
    expect(refused.output()).toContain(`ERROR log dir ${dataDir} is in use: process ${kafkaPid} (java) holds the lock on ${dataDir}/.lock`);

    expect(kafka("stop").code).toBe(0);
    expect(nodeFs.existsSync(join(dataDir, ".kafka_cleanshutdown"))).toBe(true);
    const running = await bunka();
    try {
      expect(running.exitCode).toBeNull();
      expect(running.output()).toContain(`skipping recovery of the logs in ${dataDir}: clean shutdown file found`);
      const second = kafka("start");
      expect(second.code).not.toBe(0);
      const logs = ["logs/server.log", "logs/stdout.log"].map((f) => {
        try {
          return nodeFs.readFileSync(join(runDir, f), "utf8");
        } catch {
          return "";
        }
      }).join("\n") + second.output;
      expect(/Failed to acquire lock on file \.lock in (\S+)\. /.exec(logs)?.[1]).toBe(dataDir);
    } finally {
      running.proc.kill("SIGKILL");
      await running.proc.exited;
    }
  }, 240_000);
});
