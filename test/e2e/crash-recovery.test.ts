// The log dir lock and recovery after kill -9, end to end on the compiled broker: a second broker
// on the same log dir exits with code 1 naming the dir and the first broker's pid; kill -9 leaves
// no lock behind; a restart after kill -9 validates the logs and cuts one at a byte flipped in
// the middle of its segment; a clean stop writes Kafka's .kafka_cleanshutdown and the restart
// after it skips recovery.
// Clients: kafkajs (unmodified) to produce; raw Fetch requests to read back.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import * as nodeFs from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { BINARY, startBroker, tempDir, type RunningBroker } from "../support/broker-process.ts";
import { connect, fetchPartition } from "../interop/raw-fetch.ts";
import { splitBatches } from "../../src/records/record-batch.ts";

let logDir: string;
let broker: RunningBroker | null = null;
const dec = new TextDecoder();

beforeAll(() => {
  logDir = tempDir("bunka-crash-recovery-");
});

afterAll(async () => {
  await broker?.stop();
  nodeFs.rmSync(logDir, { recursive: true, force: true });
});

async function start(): Promise<RunningBroker> {
  broker = await startBroker({ logDir, properties: { "num.partitions": 1 } });
  return broker;
}

async function produce(port: number, topic: string, values: string[]): Promise<void> {
  const kafka = new Kafka({ clientId: "bunka-crash-recovery", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  try {
    // One request (one batch) per value.
    for (const value of values) await producer.send({ topic, acks: -1, messages: [{ value }] });
  } finally {
    await producer.disconnect();
  }
}

async function readValues(port: number, topic: string): Promise<string[]> {
  const client = await connect(`127.0.0.1:${port}`);
  try {
    const got = await fetchPartition(client, topic, 0);
    return got.batches.flatMap((b) => (b.records ?? []).map((r) => dec.decode(r.value!)));
  } finally {
    client.close();
  }
}

/** Runs the broker on the locked dir: it must exit, with the code and what it wrote. */
async function startRefused(): Promise<{ code: number; output: string }> {
  const conf = join(tempDir("bunka-conf-"), "server.properties");
  nodeFs.writeFileSync(conf, `node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${logDir}\n`);
  const proc = Bun.spawn([BINARY, conf], { stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  const [code, out, err] = await Promise.all([proc.exited, new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  clearTimeout(timer);
  nodeFs.rmSync(join(conf, ".."), { recursive: true, force: true });
  return { code, output: out + err };
}

const values = (from: number, n: number) => Array.from({ length: n }, (_, i) => `value-${from + i}-${"x".repeat(100)}`);

describe("log dir lock and recovery, on the compiled broker", () => {
  test("a second broker on the same log dir exits with code 1, naming the dir and the holder's pid", async () => {
    const first = await start();
    await produce(first.port, "locked", values(0, 3));
    const refused = await startRefused();
    expect(refused.code).toBe(1);
    const errors = refused.output.split("\n").filter((l) => l.includes(" ERROR "));
    expect(errors.length).toBe(1);
    expect(errors[0]).toContain(`log dir ${logDir} is in use: process ${first.proc.pid}`);
    expect(errors[0]).toContain(`${logDir}/.lock`);
    // The first broker is unharmed.
    expect(await readValues(first.port, "locked")).toEqual(values(0, 3));
  }, 60_000);

  test("after kill -9 the restart is not blocked by the lock and recovers every log", async () => {
    await broker!.kill9();
    expect(nodeFs.existsSync(join(logDir, ".lock"))).toBe(true); // the file stays, the lock died
    expect(nodeFs.existsSync(join(logDir, ".kafka_cleanshutdown"))).toBe(false);
    const again = await start();
    expect(again.output()).toMatch(/recovered \d+ log\(s\) in .* \(no clean shutdown file was found\)/);
    expect(await readValues(again.port, "locked")).toEqual(values(0, 3));
  }, 60_000);

  test("a byte flipped mid-segment is found after kill -9: the log is cut at that batch, everything before it is served", async () => {
    await produce(broker!.port, "flipped", values(0, 30));
    await broker!.kill9();
    const segment = join(logDir, "flipped-0", "00000000000000000000.log");
    const bytes = new Uint8Array(nodeFs.readFileSync(segment));
    // The 21st batch: a byte of its record (inside the CRC), as a bad disk sector would leave it.
    let position = 0;
    let i = 0;
    for (const b of splitBatches(bytes)) {
      if (i++ === 20) break;
      position += b.length;
    }
    bytes[position + 70]! ^= 0x01;
    nodeFs.writeFileSync(segment, bytes);

    const again = await start();
    expect(await readValues(again.port, "flipped")).toEqual(values(0, 20));
    expect(again.output()).toMatch(new RegExp(
      `flipped-0/00000000000000000000\\.log: truncating ${bytes.length - position} bytes from position ${position} \\(offset 20\\): CRC mismatch`));
    await produce(again.port, "flipped", values(100, 1));
    expect((await readValues(again.port, "flipped")).length).toBe(21);
  }, 60_000);

  test("a clean stop writes .kafka_cleanshutdown and the recovery points; the restart skips recovery", async () => {
    expect(await broker!.stop()).toBe(0);
    broker = null;
    expect(nodeFs.readFileSync(join(logDir, ".kafka_cleanshutdown"), "utf8")).toBe('{"version":0,"brokerEpoch":-1}');
    expect(nodeFs.existsSync(join(logDir, ".lock"))).toBe(false);
    const checkpoint = nodeFs.readFileSync(join(logDir, "recovery-point-offset-checkpoint"), "utf8").split("\n");
    expect(checkpoint.slice(0, 1)).toEqual(["0"]);
    expect(checkpoint).toContain("flipped 0 21");
    const again = await start();
    expect(again.output()).toContain(`skipping recovery of the logs in ${logDir}: clean shutdown file found`);
    // (The metadata log is always recovered in full, as Kafka's KafkaMetadataLog is.)
    expect(again.output()).not.toMatch(/(flipped|locked)-0: recovering unflushed segment/);
    expect((await readValues(again.port, "flipped")).length).toBe(21);
  }, 60_000);
});
