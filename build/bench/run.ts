// Bunka against Apache Kafka, side by side, with Kafka's own perf tools: `bun run bench`.
//
// Each round runs one session per broker: Kafka, Bunka (durable, its default), Bunka with
// page-cache acknowledgements and, with --kafka-flush, Kafka fsyncing every append; odd rounds in
// that order, even rounds in reverse (A B C, C B A, ...). A session starts the broker fresh
// (empty log dir; Kafka formatted with kafka-storage format), measures its start-up (e) and idle
// RSS (f), creates the bench topics with the Admin client, warms it up (256 MiB produced and
// consumed, not measured: a fresh JVM compiles its hot paths), then runs (a) 1 KiB acks=1 at full
// speed, (b) 100-byte acks=all idempotent, (c) a consume of what (a) wrote, (g) the same from a
// topic of small segments (mostly rolled ones), (d) end-to-end latency at a fixed rate, (h)
// transactional produce (transactions of 1,000 records, after the memory readings) — each with
// a Java client (Kafka's ProducerPerformance / ConsumerPerformance, or java/BenchClient.java) and
// a librdkafka one (kcat, or rdkafka_e2e.py) — and stops the broker. With --pin the broker runs on
// one CPU and everything else on the others (taskset). A workload that fails is recorded with its
// reason and the session goes on; both brokers are always stopped, also on failure or ^C.
//
// Output: bench-results/<time>/{results.json,chart.svg,summary.txt,summary.md,logs/}, and for a
// full run a copy at build/bench/results/latest.{json,svg,md} (committed; README.md "Performance").
//
//   bun run bench [--rounds N] [--data 1GiB] [--b-records N] [--latency-rate N]
//                 [--latency-seconds S] [--quick] [--max-minutes M] [--out DIR] [--no-latest]
//                 [--pin] [--kafka-flush] [--port-range LO-HI] [--bunka-property K=V ...] [--only a,b,...]

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import {
  allowedCpus, cpuMs, DEFAULT_PORT_RANGE, ephemeralOverlap, freePort, killLiveBrokers, memoryKiB, parseCpuList, parsePortRange,
  startBunka, startKafka, type BrokerName, type CommonSettings, type RunningBroker,
} from "./brokers.ts";
import { asPair, markdownTables, METRICS, summarize, textTables, type Failure, type MetricSummary, type Sample } from "./report.ts";
import { svgChart } from "./svg-chart.ts";
import {
  A_RECORD_BYTES, B_RECORD_BYTES, compileBenchClient, consumerPerf, createTopics, e2eLatency, kcatConsume,
  kcatProduce, killRunningTools, payloadFile, producerPerf, rolledSegmentBytes, TOPICS, WorkloadError, writeToolsLog4j,
  type Sizes, type Tools,
} from "./workloads.ts";
import { H_RECORD_BYTES, hRecords, hWarmupRecords, TXN_RECORDS, txnProduce } from "./workloads.ts";

const ROOT = join(import.meta.dir, "../..");
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

// ---- options ----------------------------------------------------------------------------------

const { values: opt } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rounds: { type: "string" },
    data: { type: "string" },
    "b-records": { type: "string" },
    "latency-rate": { type: "string" },
    "latency-seconds": { type: "string" },
    "latency-warmup": { type: "string" },
    partitions: { type: "string" },
    warmup: { type: "string" },
    "segment-bytes": { type: "string" },
    "kafka-heap": { type: "string" },
    "max-minutes": { type: "string" },
    out: { type: "string" },
    quick: { type: "boolean" },
    latest: { type: "boolean" },
    "no-latest": { type: "boolean" },
    "no-pagecache": { type: "boolean" },
    "kafka-flush": { type: "boolean" },
    pin: { type: "boolean" },
    "port-range": { type: "string" },
    "no-warm-memory": { type: "boolean" },
    "bunka-property": { type: "string", multiple: true },
    only: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (opt.help) {
  console.log(`bun run bench [options]   (Bunka vs Apache Kafka, side by side; see README.md, Performance)
  --rounds N            rounds, each one session per broker, in reverse order every other round (default 5; --quick: 1)
  --data SIZE           bytes of 1 KiB records written in (a) and consumed in (c) (default 1GiB; --quick: 128MiB)
  --b-records N         100-byte records in (b) (default 1000000; --quick: 200000)
  --latency-rate N      records/s in (d) (default 1000)
  --latency-seconds S   measured seconds in (d), after a warm-up of --latency-warmup (default 10 and 2; --quick: 3 and 1)
  --warmup SIZE         1 KiB records produced and consumed, unmeasured, after start-up (default 256MiB, at most data/4; 0: none)
  --partitions N        partitions of the (a)/(b) topics and num.partitions of both brokers (default 6)
  --segment-bytes N     log.segment.bytes of both brokers (default 1073741824, both brokers' default)
  --kafka-heap OPTS     Kafka's KAFKA_HEAP_OPTS (default "-Xmx1G -Xms1G", kafka-server-start.sh's)
  --max-minutes M       start no new round after M minutes (default 30)
  --out DIR             output directory (default bench-results/<date-time>)
  --quick               a short run (1 round, smaller sizes); does not update build/bench/results/latest.*
  --latest / --no-latest   do / do not copy the results to build/bench/results/latest.* (default: not with --quick)
  --no-pagecache        skip the third session per round: Bunka with bunka.fsync.before.ack=false (Kafka's
                        page-cache acknowledgements); Bunka's default acknowledges only once fsynced
  --kafka-flush         a fourth session per round: Kafka with log.flush.interval.messages=1 (fsync after every
                        append), compared with durable Bunka in a third table set
  --pin                 the broker on one CPU, the load generators (and the bench) on the others (taskset);
                        needs 2 CPUs, runs unpinned (and says so) with fewer
  --port-range LO-HI    the ports the brokers listen on (default ${DEFAULT_PORT_RANGE.lo}-${DEFAULT_PORT_RANGE.hi}: below the kernel's
                        ephemeral ports and clear of the interop tests' 20000-39999)
  --no-warm-memory      skip touching the machine's free memory once before the first session (build/bench/
                        warm-memory.ts: on a VM that backs memory lazily, first-touch faults otherwise land on
                        whichever broker writes into fresh memory first)
  --bunka-property K=V  a server.properties line for every Bunka session (repeatable), e.g. to compare
                        bunka.log.mapped.resident.bytes settings run against run
  --only LIST           run only these workloads, e.g. --only h or --only a,c (start-up, idle memory and the
                        warm-up always run; a workload that needs another's data fails without it)`);
  process.exit(0);
}

function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(k|m|g|ki|mi|gi)?b?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  const unit = (m[2] ?? "").toLowerCase();
  const mult = unit.startsWith("g") ? GiB : unit.startsWith("m") ? MiB : unit.startsWith("k") ? 1024 : 1;
  return Math.round(Number(m[1]) * mult);
}
const num = (s: string | undefined, dflt: number) => (s === undefined ? dflt : Number(s));

const quick = opt.quick === true;
const rounds = num(opt.rounds, quick ? 1 : 5);
const dataBytes = opt.data ? parseBytes(opt.data) : quick ? 128 * MiB : GiB;
const sizes: Sizes = {
  aRecords: Math.max(1000, Math.floor(dataBytes / A_RECORD_BYTES)),
  bRecords: num(opt["b-records"], quick ? 200_000 : 1_000_000),
  latencyRate: num(opt["latency-rate"], 1000),
  latencyWarmupSec: num(opt["latency-warmup"], quick ? 1 : 2),
  latencySeconds: num(opt["latency-seconds"], quick ? 3 : 10),
  partitions: num(opt.partitions, 6),
};
/** 1 KiB records produced and consumed, unmeasured, at the start of every session. */
const warmupRecords = opt["warmup"] !== undefined ? Math.floor(parseBytes(opt["warmup"]) / A_RECORD_BYTES) : Math.min(262144, Math.floor(sizes.aRecords / 4));
/** segment.bytes of the (g) topic: small enough that most of what (g) reads is in rolled segments. */
const gSegmentBytes = rolledSegmentBytes(sizes.aRecords * A_RECORD_BYTES, sizes.partitions);
const settings: CommonSettings = {
  numPartitions: sizes.partitions,
  segmentBytes: num(opt["segment-bytes"], GiB),
};
const kafkaHeap = opt["kafka-heap"] ?? "-Xmx1G -Xms1G";
/** server.properties lines added to every Bunka session (A/B runs of one of its keys). */
const bunkaProperties = opt["bunka-property"] ?? [];
for (const p of bunkaProperties) if (!/^[a-z0-9._-]+=/.test(p)) throw new Error(`--bunka-property ${p}: not KEY=VALUE`);
const maxMinutes = num(opt["max-minutes"], 30);
const writeLatest = opt["no-latest"] ? false : opt.latest ? true : !quick;
const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
const outDir = opt.out ?? join(ROOT, "bench-results", stamp);
// Bunka as it ships (acknowledgements after fsync) and, unless --no-pagecache, Bunka acknowledging
// from the page cache as Kafka does, each side by side with Kafka; with --kafka-flush also a Kafka
// that fsyncs every append, side by side with durable Bunka.
const order: BrokerName[] = [
  "kafka", "bunka", ...(opt["no-pagecache"] ? [] : ["bunka-pagecache" as const]), ...(opt["kafka-flush"] ? ["kafka-flush" as const] : []),
];
// Every other round in reverse (A B C, C B A, ...): no broker always runs first (cold machine) or
// last (after the others' page cache and heat).
const orderOf = (round: number): BrokerName[] => (round % 2 === 1 ? order : [...order].reverse());
const portRange = opt["port-range"] ? parsePortRange(opt["port-range"]) : DEFAULT_PORT_RANGE;
// --only: the workloads to run (null: all).
const onlyWorkloads = opt.only === undefined ? null : new Set(opt.only.split(",").map((w) => w.trim().toLowerCase()).filter((w) => w !== ""));
for (const w of onlyWorkloads ?? []) {
  if (!/^[a-h]$/.test(w)) { console.error(`[bench] --only: not a workload: ${w} (a-h)`); process.exit(2); }
}

// ---- stop everything on the way out -----------------------------------------------------------

function cleanupAndExit(code: number): never {
  killRunningTools();
  killLiveBrokers();
  // The brokers' data (GiBs); their logs stay.
  const brokersDir = join(outDir, "brokers");
  for (const d of existsSync(brokersDir) ? readdirSync(brokersDir) : []) rmSync(join(brokersDir, d, "data"), { recursive: true, force: true });
  process.exit(code);
}
process.on("SIGINT", () => { console.error("\n[bench] interrupted: stopping the brokers"); cleanupAndExit(130); });
process.on("SIGTERM", () => cleanupAndExit(143));

const say = (msg: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);

// ---- set-up -------------------------------------------------------------------------------------

function sh(cmd: string[], opts: { env?: Record<string, string | undefined>; cwd?: string } = {}): { ok: boolean; out: string; err: string } {
  try {
    const r = Bun.spawnSync(cmd, { cwd: opts.cwd ?? ROOT, env: opts.env ? { ...process.env, ...opts.env } : process.env, stdout: "pipe", stderr: "pipe" });
    return { ok: r.exitCode === 0, out: r.stdout.toString().trim(), err: r.stderr.toString().trim() };
  } catch (e) {
    return { ok: false, out: "", err: (e as Error).message };
  }
}

const PY = "/usr/bin/python3";
let aptUpdated = false;
/** Installs Debian packages for a missing librdkafka client (kcat, python3-confluent-kafka). */
function ensureApt(check: () => boolean, pkg: string): boolean {
  if (check()) return true;
  say(`installing ${pkg} (apt)`);
  if (!aptUpdated) { sh(["apt-get", "update", "-qq"]); aptUpdated = true; }
  sh(["apt-get", "install", "-y", "-qq", pkg], { env: { DEBIAN_FRONTEND: "noninteractive" } });
  return check();
}

const started = performance.now();
mkdirSync(join(outDir, "logs"), { recursive: true });
const cacheDir = join(ROOT, "bench-results", ".cache");
say(`output in ${relative(ROOT, outDir) || outDir}`);

for (const tool of ["java", "javac"]) {
  if (!sh(["which", tool]).ok) { console.error(`[bench] ${tool} is needed (a JDK 17+)`); process.exit(1); }
}
const haveKcat = ensureApt(() => sh(["which", "kcat"]).ok, "kcat");
const havePyRdkafka = ensureApt(() => sh([PY, "-c", "import confluent_kafka"]).ok, "python3-confluent-kafka");

say("Kafka jars (test/interop/kafka-dist.sh) ...");
const dist = sh(["bash", join(ROOT, "test/interop/kafka-dist.sh"), "classpath"]);
if (!dist.ok) { console.error(`[bench] kafka-dist.sh failed:\n${dist.err}`); process.exit(1); }
const kafkaVersion = sh(["bash", join(ROOT, "test/interop/kafka-dist.sh"), "version"]).out;

say("building ./bunka (BUNKA_BUILD_ONLY=1 ./your_program.sh) ...");
const build = sh(["bash", join(ROOT, "your_program.sh")], { env: { BUNKA_BUILD_ONLY: "1" } });
// What the binary was built from: HEAD, plus uncommitted changes under src/ ("+wip").
const git = {
  commit: sh(["git", "rev-parse", "--short", "HEAD"]).out,
  uncommittedFiles: sh(["git", "status", "--porcelain", "--", "src"]).out.split("\n").filter((l) => l !== "").length,
};
// A private copy: other engineers rebuild ./bunka while the bench runs.
const bunkaBinary = join(outDir, "bunka");
let bunkaBuildError: string | null = null;
if (build.ok && existsSync(join(ROOT, "bunka"))) {
  copyFileSync(join(ROOT, "bunka"), bunkaBinary);
  sh(["chmod", "+x", bunkaBinary]);
} else {
  bunkaBuildError = `build failed: ${build.err.split("\n").slice(-5).join(" | ")}`;
  say(`Bunka ${bunkaBuildError}`);
}

const tools: Tools = {
  kafkaClasspath: dist.out,
  benchClasses: compileBenchClient(dist.out, cacheDir),
  toolsLog4j: writeToolsLog4j(outDir),
  logDir: join(outDir, "logs"),
  cacheDir,
  python: PY,
};

// Only the workloads that send them through kcat need them ((a), (b), (g)).
const needPayloads = onlyWorkloads === null || ["a", "b", "g"].some((w) => onlyWorkloads.has(w));
if (needPayloads) say(`payload files for kcat (${(sizes.aRecords * (A_RECORD_BYTES + 1) / MiB).toFixed(0)} MiB + ${(sizes.bRecords * (B_RECORD_BYTES + 1) / MiB).toFixed(0)} MiB, cached) ...`);
const aFile = needPayloads ? await payloadFile(tools, A_RECORD_BYTES, sizes.aRecords) : "";
const bFile = needPayloads ? await payloadFile(tools, B_RECORD_BYTES, sizes.bRecords) : "";

if (!opt["no-warm-memory"]) {
  say("touching free memory once (--no-warm-memory skips it) ...");
  const warm = sh([process.execPath, join(import.meta.dir, "warm-memory.ts"), "2048"]);
  const r = warm.ok ? JSON.parse(warm.out) as { touchedBytes: number; ms: number } : null;
  say(r ? `touched ${(r.touchedBytes / GiB).toFixed(1)} GiB of free memory in ${(r.ms / 1000).toFixed(1)} s` : `warm-memory failed: ${warm.err.split("\n")[0]}`);
}

const overlap = ephemeralOverlap(portRange);
if (overlap) say(`warning: --port-range ${portRange.lo}-${portRange.hi} overlaps the kernel's ephemeral ports (${overlap.lo}-${overlap.hi}): a client socket may take a broker's port between sessions`);

// --pin: the broker on the first CPU this process may use, the load generators on the rest. This
// process moves to the load CPUs (its children, the tools, inherit that); each broker is started
// under taskset on its own CPU. The same for every broker.
interface Pinning { brokerCpus: string; loadCpus: string }
let pinning: Pinning | null = null;
let pinNote = "not pinned: broker and load generators share all CPUs";
if (opt.pin) {
  const cpus = parseCpuList(allowedCpus("self"));
  if (cpus.length < 2) pinNote = `NOT pinned (--pin needs 2 CPUs, ${cpus.length} available): broker and load generators share the CPU`;
  else if (!sh(["which", "taskset"]).ok) pinNote = "NOT pinned (--pin needs taskset, util-linux): broker and load generators share all CPUs";
  else {
    const want: Pinning = { brokerCpus: String(cpus[0]), loadCpus: cpus.slice(1).join(",") };
    const moved = sh(["taskset", "-a", "-p", "-c", want.loadCpus, String(process.pid)]);
    pinning = moved.ok && parseCpuList(allowedCpus("self")).join(",") === want.loadCpus ? want : null;
    pinNote = pinning ? `pinned: broker on CPU ${pinning.brokerCpus}, load generators on CPU ${pinning.loadCpus}`
      : `NOT pinned (taskset -p ${process.pid} failed: ${moved.err.split("\n")[0] || allowedCpus("self")}): broker and load generators share all CPUs`;
  }
  say(pinNote);
}

// ---- the sessions -------------------------------------------------------------------------------

const samples: Sample[] = [];
const failures: Failure[] = [];
/** One line per session; `position` is its place in the round's order (1 = first). */
const sessions: {
  round: number; position: number; broker: BrokerName; startedAt: string; seconds: number; loadavgBefore: string; loadavgAfter: string;
  pid: number; port: number; brokerCpus: string;
}[] = [];
/** Steps that timed out, per broker: not run again in later rounds. */
const timedOut = new Map<string, number>();

const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

async function session(round: number, position: number, broker: BrokerName): Promise<void> {
  const t0 = performance.now();
  const loadBefore = loadavg();
  const put = (metric: string, value: number) => samples.push({ round, broker, metric, value });
  const fail = (workload: string, step: string, metrics: string[], reason: string) => {
    failures.push({ round, broker, workload, step, reason, metrics });
    say(`  ${broker} ${step}: FAILED: ${reason.split("\n")[0]}`);
  };
  const runDir = join(outDir, "brokers", `${broker}-round${round}`);
  const isKafka = broker === "kafka" || broker === "kafka-flush";
  let b: RunningBroker;
  // A port per session, checked free just before (Kafka's controller takes the next one too).
  let port = 0;
  try {
    if (!isKafka && bunkaBuildError !== null) throw new Error(bunkaBuildError);
    port = await freePort(isKafka, portRange);
    const cpus = pinning?.brokerCpus;
    b = isKafka
      ? await startKafka({
        name: broker, port, runDir, heapOpts: kafkaHeap, settings, cpus,
        extraProperties: broker === "kafka-flush" ? ["log.flush.interval.messages=1"] : [],
      })
      : await startBunka({
        name: broker, command: [bunkaBinary], port, runDir, settings, cpus,
        extraProperties: [...(broker === "bunka-pagecache" ? ["bunka.fsync.before.ack=false"] : []), ...bunkaProperties],
      });
  } catch (e) {
    fail("setup", "start", METRICS.map((m) => m.id), `did not start: ${(e as Error).message}`);
    return;
  }
  const brokerCpus = allowedCpus(b.pid);
  say(`round ${round} ${broker}: answered ApiVersions ${b.startupMs.toFixed(1)} ms after spawn (pid ${b.pid}, port ${port}, CPUs ${brokerCpus})`);
  // A broker that dies mid-workload: stop the tool now rather than at its time limit.
  b.onCrash(() => {
    say(`  ${broker} exited unexpectedly (${b.exitStatus()}): stopping the running tool`);
    killRunningTools();
  });
  put("e.startup", b.startupMs);
  const logs = { ...tools, logDir: join(outDir, "logs", `round${round}-${broker}`) };

  /** One step: skipped if it timed out before, failed if the broker died; never throws. */
  const step = async (workload: string, name: string, metrics: string[], run: () => Promise<void>): Promise<boolean> => {
    const key = `${broker}/${name}`;
    if (onlyWorkloads !== null && workload !== "setup" && !onlyWorkloads.has(workload)) return false;
    if (timedOut.has(key)) {
      fail(workload, name, metrics, `skipped: timed out in round ${timedOut.get(key)}`);
      return false;
    }
    if (b.exited()) {
      fail(workload, name, metrics, `not run: the broker had exited (${b.exitStatus()})`);
      return false;
    }
    try {
      await run();
      return true;
    } catch (e) {
      if (b.exited()) {
        fail(workload, name, metrics, `the broker exited during the run (${b.exitStatus()}); its log ends: ${tailOf(b.logPath)}`);
        return false;
      }
      if (e instanceof WorkloadError && e.timedOut) timedOut.set(key, round);
      fail(workload, name, metrics, (e as Error).message);
      return false;
    }
  };
  const measured = async <T>(work: () => Promise<T>): Promise<{ res: T; cpuS: number }> => {
    const c0 = cpuMs(b.pid);
    const res = await work();
    return { res, cpuS: (cpuMs(b.pid) - c0) / 1000 };
  };
  // (h), after the memory readings of (f) so that those stay comparable with earlier runs.
  const transactionalProduce = () => step("h", "h.java", ["h.java.recs", "h.java.commit_p50", "h.java.commit_p99", "h.java.cpu"], async () => {
    const records = hRecords(sizes);
    if (warmupRecords > 0) {
      await txnProduce({
        bootstrap: b.bootstrap, topic: TOPICS.hWarmup, records: hWarmupRecords(sizes), recordBytes: H_RECORD_BYTES,
        transactionalId: `bench-h-warmup-${round}`, partitions: sizes.partitions, tools: logs, name: "h.warmup",
      });
    }
    const { res, cpuS } = await measured(() => txnProduce({
      bootstrap: b.bootstrap, topic: TOPICS.hJava, records, recordBytes: H_RECORD_BYTES, transactionalId: `bench-h-${round}`,
      partitions: sizes.partitions, tools: logs, name: "h.java",
    }));
    put("h.java.recs", res.recordsPerSec);
    put("h.java.commit_p50", res.commitP50Ms);
    put("h.java.commit_p99", res.commitP99Ms);
    put("h.java.cpu", cpuS / (records / 1e6));
    say(`  ${broker} h.java: ${res.recordsPerSec.toFixed(0)} rec/s, ${res.transactionsPerSec.toFixed(1)} transactions/s of ${TXN_RECORDS} ` +
      `(commit p50 ${res.commitP50Ms.toFixed(1)} ms, p99 ${res.commitP99Ms.toFixed(1)} ms; ${res.markers} markers checked; broker CPU ${cpuS.toFixed(1)} s)`);
  });
  const aGiB = (sizes.aRecords * A_RECORD_BYTES) / GiB;
  const bMrec = sizes.bRecords / 1e6;

  try {
    await Bun.sleep(3000);
    put("f.idle", memoryKiB(b.pid).rss / 1024);

    await step("setup", "topics", [], () => createTopics(b.bootstrap, logs, "topics", sizes.partitions, gSegmentBytes));

    // Warm-up, not measured: a fresh JVM (or JavaScriptCore) compiles its hot paths during the
    // first few hundred MiB; (a)-(d) measure the steady state. Start-up and idle RSS are above.
    if (warmupRecords > 0) {
      await step("setup", "warm-up", [], async () => {
        await producerPerf({
          bootstrap: b.bootstrap, topic: TOPICS.warmup, records: warmupRecords, recordBytes: A_RECORD_BYTES,
          props: ["acks=1"], tools: logs, name: "warmup.produce", sizes,
        });
        await kcatConsume({ bootstrap: b.bootstrap, topic: TOPICS.warmup, records: warmupRecords, recordBytes: A_RECORD_BYTES, tools: logs, name: "warmup.consume" });
      });
    }

    const aOk = await step("a", "a.java", ["a.java.mibs", "a.java.p99", "a.java.cpu", "f.after_a", "f.anon_after_a", "f.file_after_a"], async () => {
      const { res, cpuS } = await measured(() => producerPerf({
        bootstrap: b.bootstrap, topic: TOPICS.aJava, records: sizes.aRecords, recordBytes: A_RECORD_BYTES,
        props: ["acks=1"], tools: logs, name: "a.java", sizes,
      }));
      const mem = memoryKiB(b.pid);
      put("f.after_a", mem.rss / 1024);
      put("f.anon_after_a", mem.anon / 1024);
      put("f.file_after_a", mem.file / 1024);
      put("a.java.mibs", res.mibPerSec);
      put("a.java.p99", res.p99LatencyMs);
      put("a.java.cpu", cpuS / aGiB);
      say(`  ${broker} a.java: ${res.mibPerSec.toFixed(1)} MiB/s (p99 ${res.p99LatencyMs} ms, broker CPU ${cpuS.toFixed(1)} s)`);
    });
    await step("a", "a.rdkafka", ["a.rdkafka.mibs", "a.rdkafka.cpu"], async () => {
      if (!haveKcat) throw new WorkloadError("kcat is not installed (apt-get install kcat failed)");
      const { res, cpuS } = await measured(() => kcatProduce({
        bootstrap: b.bootstrap, topic: TOPICS.aRdkafka, file: aFile, records: sizes.aRecords, recordBytes: A_RECORD_BYTES,
        props: ["acks=1"], tools: logs, name: "a.rdkafka", sizes,
      }));
      put("a.rdkafka.mibs", res.mibPerSec);
      put("a.rdkafka.cpu", cpuS / aGiB);
      say(`  ${broker} a.rdkafka: ${res.mibPerSec.toFixed(1)} MiB/s (broker CPU ${cpuS.toFixed(1)} s)`);
    });
    await step("b", "b.java", ["b.java.recs", "b.java.p99", "b.java.cpu"], async () => {
      const { res, cpuS } = await measured(() => producerPerf({
        bootstrap: b.bootstrap, topic: TOPICS.bJava, records: sizes.bRecords, recordBytes: B_RECORD_BYTES,
        props: ["acks=all", "enable.idempotence=true"], tools: logs, name: "b.java", sizes,
      }));
      put("b.java.recs", res.recordsPerSec);
      put("b.java.p99", res.p99LatencyMs);
      put("b.java.cpu", cpuS / bMrec);
      say(`  ${broker} b.java: ${res.recordsPerSec.toFixed(0)} rec/s (p99 ${res.p99LatencyMs} ms, broker CPU ${cpuS.toFixed(1)} s)`);
    });
    await step("b", "b.rdkafka", ["b.rdkafka.recs", "b.rdkafka.cpu"], async () => {
      if (!haveKcat) throw new WorkloadError("kcat is not installed (apt-get install kcat failed)");
      const { res, cpuS } = await measured(() => kcatProduce({
        bootstrap: b.bootstrap, topic: TOPICS.bRdkafka, file: bFile, records: sizes.bRecords, recordBytes: B_RECORD_BYTES,
        props: ["acks=all", "enable.idempotence=true"], tools: logs, name: "b.rdkafka", sizes,
      }));
      put("b.rdkafka.recs", res.recordsPerSec);
      put("b.rdkafka.cpu", cpuS / bMrec);
      say(`  ${broker} b.rdkafka: ${res.recordsPerSec.toFixed(0)} rec/s (broker CPU ${cpuS.toFixed(1)} s)`);
    });
    await step("c", "c.java", ["c.java.fetch", "c.java.total", "c.java.join", "c.java.cpu"], async () => {
      if (!aOk) throw new WorkloadError("nothing to consume: (a) with the Java producer failed");
      const { res, cpuS } = await measured(() => consumerPerf({
        bootstrap: b.bootstrap, topic: TOPICS.aJava, records: sizes.aRecords, group: `bench-c-${round}`, tools: logs, name: "c.java",
      }));
      put("c.java.fetch", res.fetchMibPerSec);
      put("c.java.total", res.totalMibPerSec);
      put("c.java.join", res.joinMs);
      put("c.java.cpu", cpuS / aGiB);
      say(`  ${broker} c.java: fetch ${res.fetchMibPerSec.toFixed(1)} MiB/s, ${res.totalMibPerSec.toFixed(1)} MiB/s with the group join (${res.joinMs} ms)`);
    });
    await step("c", "c.rdkafka", ["c.rdkafka.mibs", "c.rdkafka.cpu"], async () => {
      if (!haveKcat) throw new WorkloadError("kcat is not installed (apt-get install kcat failed)");
      if (!aOk) throw new WorkloadError("nothing to consume: (a) with the Java producer failed");
      const { res, cpuS } = await measured(() => kcatConsume({
        bootstrap: b.bootstrap, topic: TOPICS.aJava, records: sizes.aRecords, recordBytes: A_RECORD_BYTES, tools: logs, name: "c.rdkafka",
      }));
      put("c.rdkafka.mibs", res.mibPerSec);
      put("c.rdkafka.cpu", cpuS / aGiB);
      say(`  ${broker} c.rdkafka: ${res.mibPerSec.toFixed(1)} MiB/s`);
    });
    // (g): the same records into a topic of small segments (written by kcat, not measured), then
    // read from the beginning: all but the last segment of each partition are rolled ones.
    const gMetrics = ["g.java.fetch", "g.java.cpu", "g.rdkafka.mibs", "g.rdkafka.cpu"];
    const gOk = await step("g", "g.fill", gMetrics, async () => {
      if (!haveKcat) throw new WorkloadError("kcat is not installed (apt-get install kcat failed)");
      await kcatProduce({
        bootstrap: b.bootstrap, topic: TOPICS.gRolled, file: aFile, records: sizes.aRecords, recordBytes: A_RECORD_BYTES,
        props: ["acks=1"], tools: logs, name: "g.fill", sizes,
      });
      const segments = segmentCounts(b.dataDir, TOPICS.gRolled);
      if (segments.length === 0 || Math.min(...segments) < 2) {
        throw new WorkloadError(`${TOPICS.gRolled}: segments per partition ${segments.join(",") || "none found"} (segment.bytes=${gSegmentBytes}): a partition with nothing rolled`);
      }
      say(`  ${broker} g.fill: ${segments.reduce((x, y) => x + y, 0)} segments in ${segments.length} partitions`);
    });
    await step("g", "g.java", ["g.java.fetch", "g.java.cpu"], async () => {
      if (!gOk) throw new WorkloadError("nothing to consume: filling the topic failed");
      const { res, cpuS } = await measured(() => consumerPerf({
        bootstrap: b.bootstrap, topic: TOPICS.gRolled, records: sizes.aRecords, group: `bench-g-${round}`, tools: logs, name: "g.java",
      }));
      put("g.java.fetch", res.fetchMibPerSec);
      put("g.java.cpu", cpuS / aGiB);
      say(`  ${broker} g.java: fetch ${res.fetchMibPerSec.toFixed(1)} MiB/s (broker CPU ${cpuS.toFixed(1)} s)`);
    });
    await step("g", "g.rdkafka", ["g.rdkafka.mibs", "g.rdkafka.cpu"], async () => {
      if (!gOk) throw new WorkloadError("nothing to consume: filling the topic failed");
      const { res, cpuS } = await measured(() => kcatConsume({
        bootstrap: b.bootstrap, topic: TOPICS.gRolled, records: sizes.aRecords, recordBytes: A_RECORD_BYTES, tools: logs, name: "g.rdkafka",
      }));
      put("g.rdkafka.mibs", res.mibPerSec);
      put("g.rdkafka.cpu", cpuS / aGiB);
      say(`  ${broker} g.rdkafka: ${res.mibPerSec.toFixed(1)} MiB/s (broker CPU ${cpuS.toFixed(1)} s)`);
    });
    for (const client of ["java", "rdkafka"] as const) {
      await step("d", `d.${client}`, [`d.${client}.p50`, `d.${client}.p99`, `d.${client}.p999`], async () => {
        if (client === "rdkafka" && !havePyRdkafka) throw new WorkloadError("python3-confluent-kafka is not installed");
        const res = await e2eLatency({
          client, bootstrap: b.bootstrap, topic: client === "java" ? TOPICS.latJava : TOPICS.latRdkafka, sizes, tools: logs, name: `d.${client}`,
        });
        put(`d.${client}.p50`, res.p50Ms);
        put(`d.${client}.p99`, res.p99Ms);
        put(`d.${client}.p999`, res.p999Ms);
        say(`  ${broker} d.${client}: p50 ${res.p50Ms.toFixed(2)} ms, p99 ${res.p99Ms.toFixed(2)} ms, p99.9 ${res.p999Ms.toFixed(2)} ms`);
      });
    }
    if (!b.exited()) {
      const mem = memoryKiB(b.pid);
      put("f.peak", mem.hwm / 1024);
      // Mapped segment pages read by (c) count in Bunka's VmRSS; RssAnon is what is its own.
      put("f.anon_end", mem.anon / 1024);
      put("f.rss_end", mem.rss / 1024);
      put("f.file_end", mem.file / 1024);
    }
    await transactionalProduce();
  } finally {
    const crashed = b.exited();
    const stopMs = await b.stop();
    if (crashed) fail("e", "shutdown", ["e.shutdown", "f.peak", "f.anon_end", "f.rss_end", "f.file_end"], `the broker exited during the session (${b.exitStatus()})`);
    else put("e.shutdown", stopMs);
    // Drop the data (page cache included) before the next session; keep the logs.
    rmSync(join(runDir, "data"), { recursive: true, force: true });
    sh(["sync"]);
    const seconds = (performance.now() - t0) / 1000;
    sessions.push({
      round, position, broker, startedAt: new Date(Date.now() - seconds * 1000).toISOString(), seconds,
      loadavgBefore: loadBefore, loadavgAfter: loadavg(), pid: b.pid, port, brokerCpus,
    });
    say(`round ${round} ${broker}: session took ${seconds.toFixed(0)} s (load average ${loadBefore} → ${loadavg()})`);
  }
}

/** Segment files (.log) per partition directory of a topic under a log dir. */
function segmentCounts(dataDir: string, topic: string): number[] {
  const dirs = existsSync(dataDir) ? readdirSync(dataDir).filter((d) => d.startsWith(`${topic}-`) && /^\d+$/.test(d.slice(topic.length + 1))) : [];
  return dirs.map((d) => readdirSync(join(dataDir, d)).filter((f) => f.endsWith(".log")).length);
}

function tailOf(path: string): string {
  try {
    const lines = readFileSync(path, "utf8").trim().split("\n");
    return lines.slice(-3).join(" | ").slice(-500);
  } catch {
    return "(no log)";
  }
}

let roundsRun = 0;
let stoppedEarly: string | null = null;
let lastRoundS = 0;
try {
  for (let round = 1; round <= rounds; round++) {
    const elapsedMin = (performance.now() - started) / 60000;
    if (round > 1 && elapsedMin + lastRoundS / 60 > maxMinutes) {
      stoppedEarly = `stopped after ${round - 1} round(s): another would pass --max-minutes ${maxMinutes}`;
      say(stoppedEarly);
      break;
    }
    const r0 = performance.now();
    const roundOrder = orderOf(round);
    say(`round ${round}: ${roundOrder.join(", ")}`);
    for (const [i, broker] of roundOrder.entries()) await session(round, i + 1, broker);
    lastRoundS = (performance.now() - r0) / 1000;
    roundsRun = round;
    say(`round ${round}/${rounds} done in ${lastRoundS.toFixed(0)} s`);
  }
} finally {
  killRunningTools();
  killLiveBrokers();
}

// ---- report -------------------------------------------------------------------------------------

// Table sets: durable Bunka vs Kafka; Bunka with page-cache acknowledgements vs Kafka; durable
// Bunka vs Kafka fsyncing every append. Each a pair of one round's sessions.
const summary = summarize(asPair(samples, "kafka", "bunka"));
const pageCacheSummary = order.includes("bunka-pagecache") ? summarize(asPair(samples, "kafka", "bunka-pagecache")) : null;
const kafkaFlushSummary = order.includes("kafka-flush") ? summarize(asPair(samples, "kafka-flush", "bunka")) : null;
const totalMin = (performance.now() - started) / 60000;
const cpuModel = cpus()[0]?.model ?? "?";
const machine = {
  cpu: cpuModel,
  cores: cpus().length,
  memoryGiB: Math.round(totalmem() / GiB),
  kernel: sh(["uname", "-r"]).out,
  os: /PRETTY_NAME="([^"]*)"/.exec(existsSync("/etc/os-release") ? readFileSync("/etc/os-release", "utf8") : "")?.[1] ?? "?",
};
const versions = {
  kafka: kafkaVersion,
  java: sh(["java", "-version"]).err.split("\n")[0] ?? "?",
  bun: Bun.version,
  kcat: haveKcat ? (/Version (\S+)/.exec(sh(["kcat", "-V"]).out)?.[1] ?? "?") : "missing",
  librdkafka: havePyRdkafka ? sh([PY, "-c", "import confluent_kafka as c; print(c.libversion()[0])"]).out : "missing",
  confluentKafkaPython: havePyRdkafka ? sh([PY, "-c", "import confluent_kafka as c; print(c.version()[0])"]).out : "missing",
};
const command = `bun run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
const config = {
  rounds, roundsRun, order, roundOrders: Array.from({ length: roundsRun }, (_, i) => orderOf(i + 1)),
  pinned: pinning, pinNote, portRange, gSegmentBytes,
  sizes, settings, kafkaHeap, warmupRecords, onlyWorkloads: onlyWorkloads === null ? null : [...onlyWorkloads],
  hRecords: hRecords(sizes), hWarmupRecords: warmupRecords > 0 ? hWarmupRecords(sizes) : 0, hRecordsPerTransaction: TXN_RECORDS,
  dataBytes: sizes.aRecords * A_RECORD_BYTES,
  brokerSettings: "one node, one replica, num.partitions and log.segment.bytes as above, auto.create.topics.enable=true, " +
    "offsets.topic.num.partitions=1, group.initial.rebalance.delay.ms=0; Kafka acknowledges from the page cache (its default), " +
    "Bunka after fsync with group commit (its default), bunka-pagecache with bunka.fsync.before.ack=false, " +
    "and kafka-flush (--kafka-flush) with log.flush.interval.messages=1",
};
const result = {
  meta: { date: new Date().toISOString(), command, minutes: Number(totalMin.toFixed(1)), stoppedEarly, machine, versions, bunka: git, config },
  summary: summary.map((m) => ({ ...m.metric, kafka: m.kafka, bunka: m.bunka, ratio: m.ratio, meetsTarget: m.meetsTarget })),
  pageCacheSummary: pageCacheSummary?.map((m) => ({ ...m.metric, kafka: m.kafka, bunka: m.bunka, ratio: m.ratio })) ?? null,
  kafkaFlushSummary: kafkaFlushSummary?.map((m) => ({ ...m.metric, kafka: m.kafka, bunka: m.bunka, ratio: m.ratio })) ?? null,
  failures,
  samples,
  sessions,
};

const subtitle = `${command} · ${roundsRun} round(s), order alternating · Kafka ${kafkaVersion} (${kafkaHeap}) vs Bunka ${git.commit}${git.uncommittedFiles ? "+wip" : ""}`;
const machineLine = `${machine.cores} × ${cpuModel}, ${machine.memoryGiB} GiB, ${machine.os}, Linux ${machine.kernel} · ${result.meta.date.slice(0, 16).replace("T", " ")} UTC · ${pinNote}`;
const tableSets: { heading: string; summary: MetricSummary[]; failures: Failure[] }[] = [
  {
    heading: "Bunka as it ships (acknowledged once fsynced, group commit) vs Kafka (page-cache acknowledgements):",
    summary, failures: asPair(failures, "kafka", "bunka"),
  },
  ...(pageCacheSummary ? [{
    heading: "Bunka with bunka.fsync.before.ack=false (page-cache acknowledgements, as Kafka's) vs Kafka:",
    summary: pageCacheSummary, failures: asPair(failures, "kafka", "bunka-pagecache"),
  }] : []),
  ...(kafkaFlushSummary ? [{
    heading: "Bunka as it ships (acknowledged once fsynced) vs Kafka with log.flush.interval.messages=1 (fsync after every append):",
    summary: kafkaFlushSummary, failures: asPair(failures, "kafka-flush", "bunka"),
  }] : []),
];
// One set: no heading (the format of a run with --no-pagecache).
const tables = (render: (s: MetricSummary[], f: Failure[]) => string) =>
  tableSets.map((t) => (tableSets.length > 1 ? `${t.heading}\n\n` : "") + render(t.summary, t.failures)).join("\n\n");
const text = tables(textTables);
const md = tables(markdownTables);
const svg = svgChart(onlyWorkloads === null ? summary : summary.filter((m) => m.kafka !== null || m.bunka !== null), "Bunka vs Apache Kafka, side by side", [subtitle, machineLine]);
writeFileSync(join(outDir, "results.json"), JSON.stringify(result, null, 2) + "\n");
writeFileSync(join(outDir, "summary.txt"), `${subtitle}\n${machineLine}\n\n${text}\n`);
writeFileSync(join(outDir, "summary.md"), `${subtitle}  \n${machineLine}\n\n${md}`);
writeFileSync(join(outDir, "chart.svg"), svg);
rmSync(bunkaBinary, { force: true });

console.log(`\nBunka vs Apache Kafka — ${subtitle}\n${machineLine}\n`);
console.log(text);
if (stoppedEarly) console.log(`note: ${stoppedEarly}`);
console.log(`results: ${relative(ROOT, outDir)}/{results.json,chart.svg,summary.txt,summary.md} (tool output in logs/) — ${totalMin.toFixed(1)} min`);
if (writeLatest) {
  const latest = join(import.meta.dir, "results");
  mkdirSync(latest, { recursive: true });
  writeFileSync(join(latest, "latest.json"), JSON.stringify(result, null, 2) + "\n");
  writeFileSync(join(latest, "latest.svg"), svg);
  writeFileSync(join(latest, "latest.md"), `${subtitle}  \n${machineLine}\n\n${md}`);
  console.log(`copied to ${relative(ROOT, latest)}/latest.{json,svg,md}`);
}
process.exit(0);
