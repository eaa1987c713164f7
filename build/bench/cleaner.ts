// Produce throughput while the log cleaner works, against the same broker idle (issue: the cleaner
// runs within a budget of its own and does not slow producers down).
//
//   bun run bench:cleaner [--binary PATH | --kafka] [--rounds N] [--dirty MiB] [--records N]
//
// Each round, on one Bunka:
//   1. a compacted topic gets --dirty bytes of 1 KiB records over 10,000 keys (kcat -P -K), with
//      min.compaction.lag.ms holding the cleaner back;
//   2. idle: ProducerPerformance writes --records 1 KiB records (acks=1) to a plain topic;
//   3. busy: min.compaction.lag.ms=0 (kafka-configs --alter) sets the cleaner to work, and the
//      same ProducerPerformance runs while it does; the broker's log says when passes ran, so the
//      bench checks the cleaner was busy for the whole measurement (else the round is discarded).
// It reports busy/idle throughput per round and the median, plus the broker's peak anonymous
// memory (RssAnon) in each phase. --binary compares another build (e.g. an older commit's);
// --kafka runs the same against Apache Kafka 4.3.1 (its cleaner threads share the machine too).

import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort, startBunka, startKafka } from "./brokers.ts";
import { compileBenchClient, producerPerf, runTool, writeToolsLog4j, type Sizes, type Tools } from "./workloads.ts";

const ROOT = join(import.meta.dir, "../..");
const MiB = 1024 * 1024;
const { values: opt } = parseArgs({
  args: process.argv.slice(2),
  options: {
    binary: { type: "string" }, kafka: { type: "boolean" }, rounds: { type: "string", default: "3" },
    dirty: { type: "string", default: "1024" }, records: { type: "string", default: "400000" },
  },
});
const rounds = Number(opt.rounds);
const dirtyMiB = Number(opt.dirty);
const records = Number(opt.records);
const say = (m: string) => console.error(`[bench:cleaner] ${m}`);

function sh(cmd: string[], env: Record<string, string> = {}): string {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`${cmd.join(" ")}: ${r.stderr.toString().slice(-400)}`);
  return r.stdout.toString().trim();
}

const outDir = join(ROOT, "bench-results", `cleaner-${new Date().toISOString().replace(/[:.]/g, "-")}`);
mkdirSync(join(outDir, "logs"), { recursive: true });
let binary = opt.binary;
if (binary === undefined && !opt.kafka) {
  sh(["bash", "your_program.sh"], { BUNKA_BUILD_ONLY: "1" });
  binary = join(ROOT, "bunka");
}
const classpath = sh(["bash", "test/interop/kafka-dist.sh", "classpath"]);
const cacheDir = join(ROOT, "bench-results", ".cache");
const tools: Tools = {
  kafkaClasspath: classpath, benchClasses: compileBenchClient(classpath, cacheDir), toolsLog4j: writeToolsLog4j(outDir),
  logDir: join(outDir, "logs"), cacheDir, python: "/usr/bin/python3",
};
const sizes: Sizes = { aRecords: records, bRecords: 0, latencyRate: 0, latencyWarmupSec: 0, latencySeconds: 0, partitions: 6 };

/** A file of "key<i % 10000>:<1000 random capital letters>" lines (kcat -K:), cached. */
async function keyedFile(count: number): Promise<string> {
  const path = join(cacheDir, `keyed-1KiB-${count}.txt`);
  if (existsSync(path)) return path;
  mkdirSync(cacheDir, { recursive: true });
  // Random letters, as ProducerPerformance sends: little for a codec or a page-cache trick to squeeze.
  const letters = crypto.getRandomValues(new Uint8Array(1 << 20)).map((b) => 65 + (b % 26));
  const w = Bun.file(`${path}.tmp`).writer();
  const enc = new TextEncoder();
  for (let i = 0; i < count; i++) {
    const at = (i * 7919) % (letters.length - 1000);
    w.write(enc.encode(`key${String(i % 10_000).padStart(5, "0")}:`));
    w.write(letters.subarray(at, at + 1000));
    w.write(enc.encode("\n"));
    if (i % 10_000 === 0) await w.flush();
  }
  await w.end();
  sh(["mv", `${path}.tmp`, path]);
  return path;
}

function java(main: string, args: string[]): string[] {
  return ["java", "-Xmx256m", `-Dlog4j2.configurationFile=${tools.toolsLog4j}`, "-cp", classpath, main, ...args];
}

async function tool(name: string, argv: string[]): Promise<void> {
  const run = await runTool(argv, { name, tools, timeoutMs: 300_000 });
  if (run.code !== 0) throw new Error(`${name}: exit ${run.code}: ${run.stderr.slice(-400)}`);
}

/** Samples the broker's RssAnon (KiB) until stopped; returns the peak. */
function sampleAnon(pid: number): { stop(): number } {
  let peak = 0;
  const read = () => {
    const m = /RssAnon:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    if (m) peak = Math.max(peak, Number(m[1]));
  };
  read();
  const timer = setInterval(read, 50);
  return { stop: () => { clearInterval(timer); read(); return peak; } };
}

const dirtyFile = await keyedFile(dirtyMiB * 1024);
const port = await freePort();
// Passes every 200 ms (Kafka's default backoff is 15 s: the bench wants the cleaner to start at once).
const settings = { numPartitions: 6, segmentBytes: 1 << 30 };
const extraProperties = ["log.cleaner.backoff.ms=200"];
const broker = opt.kafka
  ? await startKafka({ port, runDir: join(outDir, "broker"), heapOpts: "-Xmx1G -Xms1G", settings, extraProperties })
  : await startBunka({ command: [binary!], port, runDir: join(outDir, "broker"), settings, extraProperties });
const brokerLog = opt.kafka ? join(outDir, "broker", "logs", "server.log") : broker.logPath;
const bootstrap = broker.bootstrap;
const PRODUCE_PROPS = ["acks=1", "linger.ms=5", "batch.size=131072"];

/**
 * When the first pass over `topic` ended (ms since the epoch), once the broker's log shows it.
 * Bunka logs one line per pass ("<ISO time> INFO log cleaner: <topic>-0: ..."); Kafka's Cleaner
 * logs one line per segment ("[yyyy-MM-dd HH:mm:ss,SSS] INFO Cleaner 0: ... <topic>-0 ..."), so
 * its pass has ended when no such line has come for 3 s (its last line is the end).
 */
function passEnd(topic: string): number | null {
  const kafkaLines: number[] = [];
  for (const line of readFileSync(brokerLog, "utf8").split("\n")) {
    const bunka = new RegExp(`^(\\S+) INFO log cleaner: ${topic}-0: `).exec(line);
    if (bunka) return Date.parse(bunka[1]!);
    const kafka = new RegExp(`^\\[(\\d{4}-\\d\\d-\\d\\d) (\\d\\d:\\d\\d:\\d\\d),(\\d{3})\\] INFO Cleaner \\d+: .*${topic}-0\\b`).exec(line);
    if (kafka) kafkaLines.push(Date.parse(`${kafka[1]}T${kafka[2]}.${kafka[3]}Z`));
  }
  const last = kafkaLines.at(-1);
  return last !== undefined && Date.now() - last > 3000 ? last : null;
}

const results: { round: number; idle: number; busy: number; idleAnonMiB: number; busyAnonMiB: number; cleanedMs: number }[] = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const compacted = `compacted-${round}`;
    const plain = `plain-${round}`;
    say(`round ${round}: ${dirtyMiB} MiB of keyed records into ${compacted} (cleaner held back by min.compaction.lag.ms)`);
    await tool(`${compacted}.create`, java("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", bootstrap, "--create",
      "--topic", compacted, "--partitions", "1", "--config", "cleanup.policy=compact", "--config", "segment.bytes=16777216",
      "--config", "min.compaction.lag.ms=86400000", "--config", "min.cleanable.dirty.ratio=0.01"]));
    await tool(`${compacted}.fill`, ["kcat", "-P", "-b", bootstrap, "-t", compacted, "-K:", "-l", dirtyFile]);
    for (const phase of ["idle", "busy"]) {
      await tool(`${plain}-${phase}.create`, java("org.apache.kafka.tools.TopicCommand", ["--bootstrap-server", bootstrap, "--create",
        "--topic", `${plain}-${phase}`, "--partitions", "6"]));
    }

    say(`round ${round}: idle: ${records} records of 1 KiB`);
    let anon = sampleAnon(broker.pid);
    const idle = await producerPerf({ bootstrap, topic: `${plain}-idle`, records, recordBytes: 1024, props: PRODUCE_PROPS, tools, name: `${plain}.idle`, sizes });
    const idleAnon = anon.stop();

    say(`round ${round}: busy: the cleaner set to work on ${compacted}, the same load again`);
    await tool(`${compacted}.alter`, java("kafka.admin.ConfigCommand", ["--bootstrap-server", bootstrap, "--alter",
      "--entity-type", "topics", "--entity-name", compacted, "--add-config", "min.compaction.lag.ms=0"]));
    anon = sampleAnon(broker.pid);
    const t0 = Date.now();
    const busy = await producerPerf({ bootstrap, topic: `${plain}-busy`, records, recordBytes: 1024, props: PRODUCE_PROPS, tools, name: `${plain}.busy`, sizes });
    const t1 = Date.now();
    const busyAnon = anon.stop();
    // The cleaner must have worked through the whole measurement: its first pass over this topic
    // ends after the producer finished.
    let end = passEnd(compacted);
    const deadline = Date.now() + 300_000;
    while (end === null && Date.now() < deadline) {
      await Bun.sleep(200);
      end = passEnd(compacted);
    }
    if (end === null || end < t1) {
      say(`round ${round}: discarded: the cleaner was not busy for the whole measurement (${end !== null ? `its pass ended ${t1 - end} ms before the producer` : "no pass"})`);
      continue;
    }
    results.push({
      round, idle: idle.mibPerSec, busy: busy.mibPerSec, idleAnonMiB: idleAnon / 1024, busyAnonMiB: busyAnon / 1024,
      cleanedMs: end - t0,
    });
    say(`round ${round}: idle ${idle.mibPerSec.toFixed(1)} MiB/s, busy ${busy.mibPerSec.toFixed(1)} MiB/s ` +
      `(${(busy.mibPerSec / idle.mibPerSec).toFixed(2)}x); peak RssAnon ${(idleAnon / 1024).toFixed(0)} → ${(busyAnon / 1024).toFixed(0)} MiB; ` +
      `the pass ended ${end - t1} ms after the producer`);
  }
} finally {
  await broker.stop();
}

const ratios = results.map((r) => r.busy / r.idle).sort((a, b) => a - b);
const median = ratios.length === 0 ? NaN : ratios[Math.floor(ratios.length / 2)]!;
const lines = [
  `broker: ${opt.kafka ? "Apache Kafka (test/interop/kafka-dist.sh)" : binary}`,
  `dirty per round: ${dirtyMiB} MiB over 10,000 keys; load: ProducerPerformance ${records} x 1 KiB, acks=1, 6 partitions`,
  "round | idle MiB/s | busy MiB/s | busy/idle | peak RssAnon idle | peak RssAnon busy",
  ...results.map((r) => `${r.round} | ${r.idle.toFixed(1)} | ${r.busy.toFixed(1)} | ${(r.busy / r.idle).toFixed(2)} | ${r.idleAnonMiB.toFixed(0)} MiB | ${r.busyAnonMiB.toFixed(0)} MiB`),
  `median busy/idle: ${median.toFixed(2)} (${results.length} of ${rounds} round(s) kept)`,
];
writeFileSync(join(outDir, "summary.txt"), lines.join("\n") + "\n");
console.log(lines.join("\n"));
say(`results in ${outDir}`);
