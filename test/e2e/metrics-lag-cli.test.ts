// Consumer lag on /metrics against Apache Kafka 4.3.1's kafka-consumer-groups --describe
// (org.apache.kafka.tools.consumer.group.ConsumerGroupCommand) on the same broker, with a
// transactional producer (kafkajs): committed and aborted transactions, then one left open.
// Kafka's tool asks ListOffsets for the latest offset with read_uncommitted (a plain
// ListOffsetsOptions(), tools' OffsetsUtils.getLogOffsets): its LOG-END-OFFSET is the high
// watermark. /metrics measures lag against the last stable offset. With no open transaction the
// two are the same offset and every figure must match; with one open, Kafka's LAG is larger by
// exactly the high watermark minus the LSO (records a read_committed consumer cannot read yet).
// Needs Java and the Kafka jars (test/interop/kafka-dist.sh): runs only with BUNKA_INTEROP=1.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel, type Admin, type Producer } from "kafkajs";
import { startBroker, type RunningBroker } from "../support/broker-process.ts";
import { parsePrometheus, pythonAvailable, type ParsedFamily } from "../metrics/prometheus-parser.ts";

const classpathFile = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt");
const enabled = process.env.BUNKA_INTEROP === "1" && nodeFs.existsSync(classpathFile) && pythonAvailable();
const why = "needs BUNKA_INTEROP=1, the jars of test/interop/kafka-dist.sh and python3; .ci/run sets them up";
const TOPIC = "payments";
const GROUP = "billing";

let broker: RunningBroker;
let kafka: Kafka;
let admin: Admin;
let producer: Producer;

interface Row { partition: number; current: number; logEnd: number; lag: number }

/** kafka-consumer-groups --describe --group GROUP: the rows of TOPIC. */
async function describeGroup(port: number): Promise<Row[]> {
  const cp = nodeFs.readFileSync(classpathFile, "utf8").trim();
  const p = Bun.spawn(["java", "-Xmx256m", "-cp", cp, "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "--bootstrap-server", `127.0.0.1:${port}`, "--describe", "--group", GROUP], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  expect(`${code}\n${err}`).toStartWith("0\n");
  // GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
  const rows = out.split("\n").map((l) => l.trim().split(/\s+/)).filter((c) => c[0] === GROUP && c[1] === TOPIC)
    .map((c) => ({ partition: Number(c[2]), current: Number(c[3]), logEnd: Number(c[4]), lag: Number(c[5]) }));
  return rows.sort((a, b) => a.partition - b.partition);
}

async function metrics(port: number): Promise<ParsedFamily[]> {
  const r = await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(10_000) });
  return parsePrometheus(await r.text());
}

function gauge(families: ParsedFamily[], name: string, labels: Record<string, string>): number {
  const f = families.find((f) => f.name === name);
  const s = f?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  if (s === undefined) throw new Error(`no ${name}${JSON.stringify(labels)} on /metrics`);
  return Number(s.value);
}

const ofPartition = (families: ParsedFamily[], name: string, partition: number) =>
  gauge(families, name, name.startsWith("bunka_consumer_group") ? { group: GROUP, topic: TOPIC, partition: String(partition) } : { topic: TOPIC, partition: String(partition) });

beforeAll(async () => {
  if (!enabled) return;
  broker = await startBroker();
  kafka = new Kafka({ clientId: "metrics-lag", brokers: [`127.0.0.1:${broker.port}`], logLevel: logLevel.NOTHING });
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 2 }], waitForLeaders: true });
  producer = kafka.producer({ transactionalId: "metrics-lag-txn", idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
}, 30_000);

afterAll(async () => {
  await producer?.disconnect();
  await admin?.disconnect();
  await broker?.stop();
});

async function transaction(counts: [number, number], end: "commit" | "abort" | "open") {
  const txn = await producer.transaction();
  for (const partition of [0, 1]) {
    await txn.send({ topic: TOPIC, messages: Array.from({ length: counts[partition]! }, (_, i) => ({ value: `v${i}`, partition })) });
  }
  if (end === "commit") await txn.commit();
  if (end === "abort") await txn.abort();
  return txn;
}

describe.if(enabled)(enabled ? "consumer lag: /metrics and kafka-consumer-groups" : `consumer lag: /metrics and kafka-consumer-groups (SKIPPED: ${why})`, () => {
  test("committed and aborted transactions: every figure matches; an open one: Kafka's lag counts it, /metrics does not", async () => {
    await transaction([6, 9], "commit");
    await transaction([4, 2], "abort");
    await transaction([3, 0], "commit");
    // The group's offsets, as a consumer would commit them (partition 1 not yet read at all past 5).
    await admin.setOffsets({ groupId: GROUP, topic: TOPIC, partitions: [{ partition: 0, offset: "2" }, { partition: 1, offset: "5" }] });

    const settled = await describeGroup(broker.port);
    expect(settled.map((r) => r.partition)).toEqual([0, 1]);
    let families = await metrics(broker.ports.HTTP!);
    for (const row of settled) {
      expect(ofPartition(families, "bunka_consumer_group_committed_offset", row.partition)).toBe(row.current);
      expect(ofPartition(families, "bunka_partition_log_end_offset", row.partition)).toBe(row.logEnd);
      expect(ofPartition(families, "bunka_partition_last_stable_offset", row.partition)).toBe(row.logEnd);
      expect(ofPartition(families, "bunka_consumer_group_lag", row.partition)).toBe(row.lag);
    }
    // Markers take offsets: partition 0 holds 6 + 4 + 3 records and 3 markers.
    expect(settled[0]!.logEnd).toBe(16);
    expect(settled[0]!.lag).toBe(14);

    // A transaction left open: its records are below the high watermark, above the LSO.
    const open = await transaction([5, 1], "open");
    const during = await describeGroup(broker.port);
    families = await metrics(broker.ports.HTTP!);
    for (const row of during) {
      const lso = ofPartition(families, "bunka_partition_last_stable_offset", row.partition);
      const hw = ofPartition(families, "bunka_partition_log_end_offset", row.partition);
      expect(hw).toBe(row.logEnd);
      expect(ofPartition(families, "bunka_consumer_group_lag", row.partition)).toBe(lso - row.current);
      expect(row.lag - ofPartition(families, "bunka_consumer_group_lag", row.partition)).toBe(hw - lso);
    }
    expect(during[0]!.logEnd - ofPartition(families, "bunka_partition_last_stable_offset", 0)).toBe(5);

    await open.commit();
    const after = await describeGroup(broker.port);
    families = await metrics(broker.ports.HTTP!);
    for (const row of after) expect(ofPartition(families, "bunka_consumer_group_lag", row.partition)).toBe(row.lag);
    expect(after[0]!.lag).toBe(14 + 5 + 1);
  }, 120_000);
});
