// Apache Kafka's own kafka-configs (kafka.admin.ConfigCommand), kafka-log-dirs
// (org.apache.kafka.tools.LogDirsCommand) and kafka-reassign-partitions against the compiled
// broker: topic and cluster-default broker configs are altered, described, kept across a restart
// and deleted, the log dirs are listed, and a reassignment plan is executed and verified. Needs
// Java and the Kafka jars fetched by test/interop/kafka-dist.sh, so it only runs with
// BUNKA_INTEROP=1 (each tool run starts a JVM: about 30 s in all).

import { afterAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { startBroker, tempDir } from "../support/broker-process.ts";

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const enabled = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile);
const roots: string[] = [];
afterAll(() => {
  for (const d of roots) nodeFs.rmSync(d, { recursive: true, force: true });
});

async function tool(mainClass: string, args: string[]): Promise<{ code: number; out: string }> {
  const cp = nodeFs.readFileSync(classpathFile, "utf8").trim();
  const p = Bun.spawn(["java", "-Xmx256m", "-cp", cp, mainClass, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

const configs = (port: number, ...args: string[]) => tool("kafka.admin.ConfigCommand", ["--bootstrap-server", `127.0.0.1:${port}`, ...args]);

describe.if(enabled)(enabled ? "Kafka's kafka-configs and kafka-log-dirs against Bunka"
  : "Kafka's kafka-configs and kafka-log-dirs against Bunka (SKIPPED: needs BUNKA_INTEROP=1 and the jars of test/interop/kafka-dist.sh; .ci/run sets both up)", () => {
  test("alter, describe, restart, delete; log dirs", async () => {
    const logDir = tempDir("bunka-configs-cli-");
    roots.push(logDir);
    let broker = await startBroker({ logDir });
    try {
      let port = broker.port;
      const created = await tool("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", `127.0.0.1:${port}`, "--create", "--topic", "T", "--partitions", "2"]);
      expect(created.out).toContain("Created topic T.");

      const alter = await configs(port, "--entity-type", "topics", "--entity-name", "T", "--alter", "--add-config", "retention.ms=1000,cleanup.policy=[compact,delete]");
      expect(alter.out).toContain("Completed updating config for topic T.");
      const topic = await configs(port, "--entity-type", "topics", "--entity-name", "T", "--describe");
      expect(topic.out).toContain("Dynamic configs for topic T are:");
      expect(topic.out).toContain("retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000}");
      expect(topic.out).toContain("cleanup.policy=compact,delete sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:cleanup.policy=compact,delete, DEFAULT_CONFIG:log.cleanup.policy=delete}");

      const cluster = await configs(port, "--entity-type", "brokers", "--entity-default", "--alter", "--add-config", "log.retention.ms=3600000");
      expect(cluster.out).toContain("Completed updating default config for brokers in the cluster.");
      const unknown = await configs(port, "--entity-type", "topics", "--entity-name", "T", "--alter", "--add-config", "foo=1");
      expect(unknown.code).not.toBe(0);
      expect(unknown.out).toContain("InvalidConfigurationException: Unknown topic config name: foo");

      // Kept in __cluster_metadata: there after a restart.
      expect(await broker.stop()).toBe(0);
      broker = await startBroker({ logDir });
      port = broker.port;
      const again = await configs(port, "--entity-type", "topics", "--entity-name", "T", "--describe");
      expect(again.out).toContain("retention.ms=1000 sensitive=false synonyms={DYNAMIC_TOPIC_CONFIG:retention.ms=1000, DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000, DEFAULT_CONFIG:log.retention.hours=168}");
      const defaults = await configs(port, "--entity-type", "brokers", "--entity-default", "--describe");
      expect(defaults.out).toContain("Default configs for brokers in the cluster are:\n  log.retention.ms=3600000 sensitive=false synonyms={DYNAMIC_DEFAULT_BROKER_CONFIG:log.retention.ms=3600000}");
      const all = await configs(port, "--entity-type", "topics", "--entity-name", "T", "--describe", "--all");
      expect(all.out).toContain("All configs for topic T are:");
      expect(all.out).toContain("segment.bytes=1073741824 sensitive=false synonyms={DEFAULT_CONFIG:log.segment.bytes=1073741824}");

      const deleted = await configs(port, "--entity-type", "topics", "--entity-name", "T", "--alter", "--delete-config", "retention.ms,cleanup.policy");
      expect(deleted.out).toContain("Completed updating config for topic T.");
      expect((await configs(port, "--entity-type", "topics", "--entity-name", "T", "--describe")).out.trim()).toBe("Dynamic configs for topic T are:");
      await configs(port, "--entity-type", "brokers", "--entity-default", "--alter", "--delete-config", "log.retention.ms");
      expect((await configs(port, "--entity-type", "brokers", "--entity-default", "--describe")).out.trim()).toBe("Default configs for brokers in the cluster are:");

      const dirs = await tool("org.apache.kafka.tools.LogDirsCommand", ["--bootstrap-server", `127.0.0.1:${port}`, "--describe"]);
      expect(dirs.out).toContain("Received log directory information from brokers 1");
      const json = JSON.parse(dirs.out.split("\n").find((l) => l.startsWith("{"))!);
      expect(json.version).toBe(1);
      expect(json.brokers.length).toBe(1);
      expect(json.brokers[0].broker).toBe(1);
      expect(json.brokers[0].logDirs.length).toBe(1);
      const [dir] = json.brokers[0].logDirs;
      expect(dir.error).toBe(null);
      expect(dir.logDir).toBe(logDir);
      expect(dir.partitions.map((p: { partition: string }) => p.partition).sort()).toEqual(["T-0", "T-1"]);
      expect(dir.partitions[0]).toMatchObject({ size: 0, offsetLag: 0, isFuture: false });
    } finally {
      await broker.stop();
    }
  }, 180_000);

  // kafka-reassign-partitions on one node (handlers 45 and 46): as on Kafka 4.3.1's single node,
  // compared by hand on 2026-12-02: a plan onto the only broker executes as a no-op and verifies
  // as completed, another broker is refused, and nothing is ever listed as being reassigned.
  test("kafka-reassign-partitions: --list, --execute and --verify of a plan onto this node; another broker refused", async () => {
    const logDir = tempDir("bunka-reassign-cli-");
    roots.push(logDir);
    const broker = await startBroker({ logDir });
    try {
      const bootstrap = ["--bootstrap-server", `127.0.0.1:${broker.port}`];
      const reassign = (...args: string[]) => tool("org.apache.kafka.tools.reassign.ReassignPartitionsCommand", [...bootstrap, ...args]);
      expect((await tool("org.apache.kafka.tools.TopicCommand", [...bootstrap, "--create", "--topic", "R", "--partitions", "2"])).out).toContain("Created topic R.");
      const plan = (replicas: number[]) => {
        const file = join(logDir, `plan-${replicas.join("-")}.json`);
        nodeFs.writeFileSync(file, JSON.stringify({ version: 1, partitions: [0, 1].map((partition) => ({ topic: "R", partition, replicas })) }));
        return file;
      };
      const executed = await reassign("--execute", "--reassignment-json-file", plan([1]));
      expect(executed.code).toBe(0);
      expect(executed.out).toContain("Successfully started partition reassignments for R-0,R-1");
      const verified = await reassign("--verify", "--reassignment-json-file", plan([1]));
      expect(verified.out).toContain("Reassignment of partition R-0 is completed.");
      expect(verified.out).toContain("Reassignment of partition R-1 is completed.");
      expect((await reassign("--list")).out).toContain("No partition reassignments found.");
      const refused = await reassign("--execute", "--reassignment-json-file", plan([1, 2]));
      expect(refused.code).not.toBe(0);
      expect(refused.out).toContain("Unknown broker id 2");
    } finally {
      await broker.stop();
    }
  }, 180_000);
});
