// Tiered storage with real clients (issue 15, item 4): a consumer reading a topic from the start
// when most of it is only in the bucket, against the same data read from the local disk; and
// produce throughput while uploads run, against the same without tiering.
//
//   bun run bench:tiered [--binary PATH] [--rounds N] [--mib N] [--produce-mib N] [--partitions N]
//                        [--segment-mib N] [--produce-segment-mib N] [--task-interval-ms MS]
//                        [--cache-mib N] [--parts read,produce] [--port-range LO-HI] [--warm-memory]
//
// One compiled ./bunka, remote.log.storage.system.enable=true, an S3-compatible server on loopback
// (gofakes3, test/support/s3-server.ts, its objects in a temp dir) and Kafka's own perf tools.
//
// 1. Remote read. Two topics of --partitions partitions and --segment-mib segments get the same
//    --mib of 1 KiB records (ProducerPerformance, acks=1): "remote" with remote.storage.enable=true
//    and local.retention.bytes=0, "local", its twin, without tiering. The bench waits until every
//    sealed segment of "remote" is uploaded and gone from the disk (each partition dir down to its
//    active segment; remote-log-segments.json lists the rest as COPY_SEGMENT_FINISHED), so at
//    least ~90% of it is only in the bucket. Then, per round, ConsumerPerformance reads each topic
//    from the start in a new group, the order rotating from round to round. A twin topic rather
//    than "remote" itself before its local deletion: that read would race the upload task (its CPU,
//    and local deletion turning part of the read remote half-way), and could be done only once.
//    Before every read the broker is restarted on its log dir, so each read starts with an empty
//    remote chunk cache and no segment mapped, and the process's VmHWM is that read's peak RSS; the
//    OS page cache is left warm on both sides (the segments and the bucket's files were written
//    moments before), so the ratio is Bunka's remote path (S3 requests over loopback, ranged GETs
//    of 1 MiB chunks through the bounded cache, the copy out of them) against its local one, not a
//    disk's or a network's speed.
// 2. Produce while uploads run. Per round, ProducerPerformance writes --produce-mib of 1 KiB records
//    (acks=1) into a new topic, once with remote.storage.enable=true and local.retention.bytes=0
//    ("tiered") and once without ("off"), the order rotating; --produce-segment-mib segments and
//    --task-interval-ms (remote.log.manager.task.interval.ms) make uploads run throughout. The
//    broker's log dates every upload ("copied segment"), so the bench reports how many finished
//    during the produce, and waits (timed) until the rest are up before the next session.
// Reported: MiB/s each way and the ratios (per round, min/median/max), produce p99, the broker's
// (and the S3 server's) CPU ms per GiB moved, the broker's peak RSS and RssAnon, the load average
// before and after each session. Results in bench-results/tiered-<time>/ (summary.txt,
// results.json, logs/, the broker's log); the data (log dir and bucket) is deleted at the end.
// The remote reads' peak RssAnon is several times the chunk cache's bound: build/bench/
// tiered-memory.ts shows, without a broker, that a full GC brings it back to about that bound.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { benchBinary, cpuMs, freePort, kafkaClasspath, memoryKiB, parsePortRange, sh, startBunka, type RunningBroker } from "./brokers.ts";
import { compileBenchClient, consumerPerf, producerPerf, runTool, writeToolsLog4j, type Sizes, type Tools } from "./workloads.ts";
import { S3TestServer, s3ServerBinary } from "../../test/support/s3-server.ts";

const ROOT = join(import.meta.dir, "../..");
const MiB = 1 << 20;
const { values: opt } = parseArgs({
  args: process.argv.slice(2),
  options: {
    binary: { type: "string" }, rounds: { type: "string", default: "3" }, mib: { type: "string", default: "1024" },
    "produce-mib": { type: "string", default: "256" }, partitions: { type: "string", default: "4" },
    "segment-mib": { type: "string", default: "16" }, "produce-segment-mib": { type: "string", default: "8" },
    "task-interval-ms": { type: "string", default: "500" }, "cache-mib": { type: "string", default: "64" }, parts: { type: "string", default: "read,produce" },
    "port-range": { type: "string", default: "33000-33999" }, "warm-memory": { type: "boolean" },
  },
});
const rounds = Number(opt.rounds);
const PARTITIONS = Number(opt.partitions);
const RECORD_BYTES = 1024;
const readRecords = Math.round((Number(opt.mib) * MiB) / RECORD_BYTES);
const produceRecords = Math.round((Number(opt["produce-mib"]) * MiB) / RECORD_BYTES);
const segmentBytes = Number(opt["segment-mib"]) * MiB;
const produceSegmentBytes = Number(opt["produce-segment-mib"]) * MiB;
const taskIntervalMs = Number(opt["task-interval-ms"]);
const parts = new Set(opt.parts!.split(",").map((p) => p.trim()));
if ([...parts].some((p) => p !== "read" && p !== "produce") || parts.size === 0) throw new Error(`--parts: read, produce or both: ${opt.parts}`);
const portRange = parsePortRange(opt["port-range"]!);
const PRODUCE_PROPS = ["acks=1", "linger.ms=5", "batch.size=131072"];
const CACHE_BYTES = Number(opt["cache-mib"]) * MiB; // bunka.remote.storage.cache.bytes (64 MiB: the default)
const UPLOAD_WAIT_MS = 600_000;
const say = (m: string) => console.error(`[bench:tiered] ${new Date().toISOString().slice(11, 19)} ${m}`);
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const s3Binary = s3ServerBinary();
if (s3Binary === null) throw new Error("no S3 test server: test/support/s3-server-dist.sh needs Go");
const outDir = join(ROOT, "bench-results", `tiered-${new Date().toISOString().replace(/[:.]/g, "-")}`);
mkdirSync(join(outDir, "logs"), { recursive: true });
const binary = benchBinary(opt.binary === undefined ? undefined : resolve(opt.binary), say);
const classpath = kafkaClasspath();
const cacheDir = join(ROOT, "bench-results", ".cache");
const tools: Tools = {
  kafkaClasspath: classpath, benchClasses: compileBenchClient(classpath, cacheDir), toolsLog4j: writeToolsLog4j(outDir),
  logDir: join(outDir, "logs"), cacheDir, python: "/usr/bin/python3",
};
const sizes: Sizes = { aRecords: 0, bRecords: 0, latencyRate: 0, latencyWarmupSec: 0, latencySeconds: 0, partitions: PARTITIONS };

// As run.ts does by default (build/bench/warm-memory.ts: on a VM that backs memory lazily, first
// touches of fresh memory otherwise land on whichever session writes first); opt-in here, since it
// briefly takes all but 2 GiB of the machine's free memory, unkind on a shared machine.
if (opt["warm-memory"]) {
  say("touching free memory once (--warm-memory)");
  const warm = sh([process.execPath, join(import.meta.dir, "warm-memory.ts"), "2048"]);
  if (!warm.ok) throw new Error(`warm-memory.ts: ${warm.err.slice(-400)}`);
}

// ---- the S3 server and the broker --------------------------------------------------------------

const s3Port = await freePort(false, portRange);
const s3 = await S3TestServer.start(s3Binary, "bunka-bench", s3Port);
const runDir = join(outDir, "broker");
let broker: RunningBroker | null = null;
let starts = 0;

/** (Re)starts the broker on the same log dir (a fresh one the first time): empty caches, nothing mapped. */
async function restartBroker(): Promise<RunningBroker> {
  if (broker !== null) await broker.stop();
  // The port range overlaps the kernel's ephemeral ports, so a client socket elsewhere on the
  // machine can take a port between freePort's check and the broker's listen: try another.
  for (let attempt = 1; ; attempt++) {
    let port = await freePort(false, portRange);
    while (port === s3.port) port = await freePort(false, portRange);
    try {
      broker = await startOn(port);
      return broker;
    } catch (e) {
      if (attempt >= 3 || !/address already in use/i.test((e as Error).message)) throw e;
      say(`port ${port} was taken before the broker could listen on it; another one`);
    }
  }
}

function startOn(port: number): Promise<RunningBroker> {
  return startBunka({
    command: [binary!], port, runDir, keepData: starts++ > 0,
    settings: { numPartitions: PARTITIONS, segmentBytes: 1 << 30 },
    // gofakes3 accepts any credentials; the broker reads them from the environment only.
    env: { AWS_ACCESS_KEY_ID: s3.settings.accessKeyId, AWS_SECRET_ACCESS_KEY: s3.settings.secretAccessKey },
    extraProperties: [
      "remote.log.storage.system.enable=true",
      `remote.log.manager.task.interval.ms=${taskIntervalMs}`,
      `bunka.remote.storage.s3.endpoint=${s3.endpoint}`,
      `bunka.remote.storage.s3.bucket=${s3.bucket}`,
      "bunka.remote.storage.s3.prefix=bench",
      `bunka.remote.storage.cache.bytes=${CACHE_BYTES}`,
      // Local copies go as soon as local retention allows (Kafka's defaults: 5 min checks, 60 s delay).
      "log.retention.check.interval.ms=500",
      "log.segment.delete.delay.ms=0",
      // No HTTP listener: its default port (9404) is outside the bench's port range.
      "bunka.http.listener=",
    ],
  });
}

async function createTopics(name: string, specs: string[]): Promise<void> {
  const run = await runTool(["java", "-Xmx256m", `-Dlog4j2.configurationFile=${tools.toolsLog4j}`, "-cp", `${tools.benchClasses}:${tools.kafkaClasspath}`,
    "BenchClient", "create-topics", broker!.bootstrap, ...specs], { name, tools, timeoutMs: 60_000 });
  if (run.code !== 0) throw new Error(`create-topics ${specs.join(" ")}: ${(run.stderr + run.stdout).slice(-400)}`);
}
const tieredConfigs = (segment: number) => `segment.bytes=${segment},remote.storage.enable=true,local.retention.bytes=0`;

/** Per partition of `topic`: local .log files and bytes, and the uploaded (COPY_SEGMENT_FINISHED) segments and bytes. */
function placement(topic: string): { localSegments: number; localBytes: number; remoteSegments: number; remoteBytes: number; activeOnly: boolean } {
  let localSegments = 0, localBytes = 0, remoteSegments = 0, remoteBytes = 0, activeOnly = true;
  for (let p = 0; p < PARTITIONS; p++) {
    const dir = join(broker!.dataDir, `${topic}-${p}`);
    // A segment local retention deletes between the listing and its stat is gone: not counted.
    const logs = readdirSync(dir).filter((n) => n.endsWith(".log")).flatMap((n) => {
      try { return [statSync(join(dir, n)).size]; } catch { return []; }
    });
    if (logs.length !== 1) activeOnly = false;
    localSegments += logs.length;
    for (const size of logs) localBytes += size;
    const meta = join(dir, "remote-log-segments.json");
    if (existsSync(meta)) {
      const doc = JSON.parse(readFileSync(meta, "utf8")) as { segments: { state: string; sizeInBytes: number }[] };
      for (const s of doc.segments) {
        if (s.state !== "COPY_SEGMENT_FINISHED") continue;
        remoteSegments++;
        remoteBytes += s.sizeInBytes;
      }
    }
  }
  return { localSegments, localBytes, remoteSegments, remoteBytes, activeOnly };
}

/** Waits until every sealed segment of `topic` is uploaded and deleted locally (local.retention.bytes=0): ms taken. */
async function untilOnlyActiveLocal(topic: string): Promise<number> {
  const t0 = performance.now();
  for (;;) {
    if (placement(topic).activeOnly) return performance.now() - t0;
    if (broker!.exited()) throw new Error(`the broker exited (${broker!.exitStatus()}): ${broker!.logPath}`);
    // A bucket refusing every upload (credentials, endpoint) shows in the log long before the time limit.
    const refused = readFileSync(broker!.logPath, "utf8").split("\n").filter((l) => l.includes("copy to remote storage stopped"));
    if (refused.length >= 20) throw new Error(`${topic}: uploads keep failing: ${refused.at(-1)!.slice(0, 400)}`);
    if (performance.now() - t0 > UPLOAD_WAIT_MS) {
      const p = placement(topic);
      throw new Error(`${topic}: after ${UPLOAD_WAIT_MS / 1000} s still ${p.localSegments} local segments (${p.remoteSegments} uploaded); see ${broker!.logPath}`);
    }
    await Bun.sleep(200);
  }
}

/** Uploads of `topic` the broker's log dates within [from, to] (ms since the epoch), and in all. */
function uploadsLogged(topic: string, from: number, to: number): { within: number; total: number } {
  const re = new RegExp(`^(\\S+) INFO \\S*/${topic}-\\d+: copied segment `);
  let within = 0, total = 0;
  for (const line of readFileSync(broker!.logPath, "utf8").split("\n")) {
    const m = re.exec(line);
    if (!m) continue;
    total++;
    const at = Date.parse(m[1]!);
    if (at >= from && at <= to) within++;
  }
  return { within, total };
}

/** Samples the broker's VmRSS and RssAnon (KiB) every 50 ms until stopped: the peaks. */
function sampleMemory(pid: number): { stop(): { rssKiB: number; anonKiB: number } } {
  let rss = 0, anon = 0;
  const read = () => {
    const m = memoryKiB(pid);
    rss = Math.max(rss, m.rss);
    anon = Math.max(anon, m.anon);
  };
  read();
  const timer = setInterval(read, 50);
  return { stop: () => { clearInterval(timer); read(); return { rssKiB: rss, anonKiB: anon }; } };
}

/** Bytes the S3 server process read (rchar of /proc/<pid>/io: its objects' files), or NaN. */
function s3ReadBytes(): number {
  try {
    return Number(/^rchar: (\d+)/m.exec(readFileSync(`/proc/${s3.pid}/io`, "utf8"))?.[1] ?? NaN);
  } catch {
    return NaN;
  }
}

/** Broker and S3 server CPU (ms) and wall time over `work`. */
async function measured<T>(work: () => Promise<T>): Promise<{ result: T; brokerCpuMs: number; s3CpuMs: number; ms: number }> {
  const b0 = cpuMs(broker!.pid), s0 = cpuMs(s3.pid!), t0 = performance.now();
  const result = await work();
  return { result, brokerCpuMs: cpuMs(broker!.pid) - b0, s3CpuMs: cpuMs(s3.pid!) - s0, ms: performance.now() - t0 };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const perGiB = (ms: number, records: number) => (ms * (1 << 30)) / (records * RECORD_BYTES);

// ---- 1. remote read ------------------------------------------------------------------------------

type ReadMode = "local" | "remote";
interface ReadSession {
  round: number; position: number; mode: ReadMode; fetchMiBps: number; totalMiBps: number;
  brokerCpuMsPerGiB: number; s3CpuMsPerGiB: number; s3ReadMiB: number; peakRssMiB: number; peakAnonMiB: number; hwmMiB: number;
  brokerStartMs: number; loadavgBefore: string; loadavgAfter: string;
}
interface ReadSetup {
  fillLocalMiBps: number; fillRemoteMiBps: number; uploadWaitMs: number;
  remote: ReturnType<typeof placement>; local: ReturnType<typeof placement>; remoteFraction: number;
}
const readSessions: ReadSession[] = [];
let readSetup: ReadSetup | null = null;

// ---- 2. produce while uploads run ----------------------------------------------------------------

type ProduceMode = "off" | "tiered";
interface ProduceSession {
  round: number; position: number; mode: ProduceMode; topic: string; mibPerSec: number; p99Ms: number; avgMs: number;
  brokerCpuMsPerGiB: number; brokerCpuPct: number; s3CpuMsPerGiB: number; peakAnonMiB: number; peakRssMiB: number;
  produceMs: number; uploadsDuring: number; uploadsTotal: number; catchUpMs: number; loadavgBefore: string; loadavgAfter: string;
}
const produceSessions: ProduceSession[] = [];
const failures: string[] = [];

try {
  await restartBroker();
  say(`broker pid ${broker!.pid} on ${broker!.bootstrap}; S3 server (gofakes3) pid ${s3.pid} on ${s3.endpoint}; load average ${loadavg()}`);

  if (parts.has("read")) {
    say(`read: ${opt.mib} MiB of 1 KiB records into "remote" (tiered, local.retention.bytes=0) and "local" (its twin), ${PARTITIONS} partitions, ${opt["segment-mib"]} MiB segments`);
    await createTopics("read.create", [`remote:${PARTITIONS}:${tieredConfigs(segmentBytes)}`, `local:${PARTITIONS}:segment.bytes=${segmentBytes}`]);
    const fillLocal = await producerPerf({ bootstrap: broker!.bootstrap, topic: "local", records: readRecords, recordBytes: RECORD_BYTES, props: PRODUCE_PROPS, tools, sizes, name: "fill.local" });
    const fillRemote = await producerPerf({ bootstrap: broker!.bootstrap, topic: "remote", records: readRecords, recordBytes: RECORD_BYTES, props: PRODUCE_PROPS, tools, sizes, name: "fill.remote" });
    say(`read: filled (${fillLocal.mibPerSec.toFixed(1)} and ${fillRemote.mibPerSec.toFixed(1)} MiB/s); waiting for the uploads and the local deletion of "remote"`);
    const uploadWaitMs = await untilOnlyActiveLocal("remote");
    const remote = placement("remote"), local = placement("local");
    const remoteFraction = remote.remoteBytes / (remote.remoteBytes + remote.localBytes);
    readSetup = { fillLocalMiBps: fillLocal.mibPerSec, fillRemoteMiBps: fillRemote.mibPerSec, uploadWaitMs, remote, local, remoteFraction };
    say(`read: "remote": ${remote.remoteSegments} segments (${(remote.remoteBytes / MiB).toFixed(0)} MiB) only in the bucket, ` +
      `${remote.localSegments} local (${(remote.localBytes / MiB).toFixed(0)} MiB): ${(100 * remoteFraction).toFixed(1)}% remote (${(uploadWaitMs / 1000).toFixed(1)} s after the fill)`);
    if (remoteFraction < 0.9) say(`read: WARNING: only ${(100 * remoteFraction).toFixed(1)}% of "remote" is remote (smaller --segment-mib or larger --mib)`);

    const modes: ReadMode[] = ["local", "remote"];
    for (let round = 1; round <= rounds; round++) {
      const order = modes.map((_, i) => modes[(i + round - 1) % modes.length]!);
      for (const [i, mode] of order.entries()) {
        try {
          const b = await restartBroker();
          const loadavgBefore = loadavg();
          const mem = sampleMemory(b.pid);
          const rchar0 = s3ReadBytes();
          const r = await measured(() => consumerPerf({ bootstrap: b.bootstrap, topic: mode, records: readRecords, group: `read-${round}-${mode}`, tools, name: `read-${round}-${mode}` }));
          const s3Read = s3ReadBytes() - rchar0;
          const peak = mem.stop();
          const s: ReadSession = {
            round, position: i + 1, mode, fetchMiBps: r.result.fetchMibPerSec, totalMiBps: r.result.totalMibPerSec,
            brokerCpuMsPerGiB: perGiB(r.brokerCpuMs, readRecords), s3CpuMsPerGiB: perGiB(r.s3CpuMs, readRecords), s3ReadMiB: s3Read / MiB,
            peakRssMiB: peak.rssKiB / 1024, peakAnonMiB: peak.anonKiB / 1024, hwmMiB: memoryKiB(b.pid).hwm / 1024,
            brokerStartMs: b.startupMs, loadavgBefore, loadavgAfter: loadavg(),
          };
          readSessions.push(s);
          say(`read round ${round}.${i + 1} ${mode}: ${s.fetchMiBps.toFixed(1)} MiB/s, broker CPU ${s.brokerCpuMsPerGiB.toFixed(0)} ms/GiB, ` +
            `S3 server CPU ${s.s3CpuMsPerGiB.toFixed(0)} ms/GiB and ${s.s3ReadMiB.toFixed(0)} MiB read, peak RSS ${s.peakRssMiB.toFixed(0)} MiB ` +
            `(RssAnon ${s.peakAnonMiB.toFixed(0)}) (load average ${loadavgBefore} → ${s.loadavgAfter})`);
        } catch (e) {
          failures.push(`read round ${round} ${mode}: ${(e as Error).message.split("\n")[0]}`);
          say(`  FAILED: ${(e as Error).message.split("\n")[0]}`);
        }
      }
    }
  }

  if (parts.has("produce")) {
    await restartBroker();
    const modes: ProduceMode[] = ["off", "tiered"];
    say(`produce: ${opt["produce-mib"]} MiB of 1 KiB records per session, ${PARTITIONS} partitions, ${opt["produce-segment-mib"]} MiB segments, task every ${taskIntervalMs} ms`);
    for (let round = 1; round <= rounds; round++) {
      const order = modes.map((_, i) => modes[(i + round - 1) % modes.length]!);
      for (const [i, mode] of order.entries()) {
        const topic = `produce-${round}-${mode}`;
        try {
          await createTopics(`${topic}.create`, [mode === "tiered" ? `${topic}:${PARTITIONS}:${tieredConfigs(produceSegmentBytes)}` : `${topic}:${PARTITIONS}:segment.bytes=${produceSegmentBytes}`]);
          const loadavgBefore = loadavg();
          const mem = sampleMemory(broker!.pid);
          const from = Date.now();
          const r = await measured(() => producerPerf({ bootstrap: broker!.bootstrap, topic, records: produceRecords, recordBytes: RECORD_BYTES, props: PRODUCE_PROPS, tools, sizes, name: topic }));
          const to = Date.now();
          const peak = mem.stop();
          const catchUpMs = mode === "tiered" ? await untilOnlyActiveLocal(topic) : 0;
          const uploads = uploadsLogged(topic, from, to);
          const s: ProduceSession = {
            round, position: i + 1, mode, topic, mibPerSec: r.result.mibPerSec, p99Ms: r.result.p99LatencyMs, avgMs: r.result.avgLatencyMs,
            brokerCpuMsPerGiB: perGiB(r.brokerCpuMs, produceRecords), brokerCpuPct: (100 * r.brokerCpuMs) / r.ms, s3CpuMsPerGiB: perGiB(r.s3CpuMs, produceRecords),
            peakAnonMiB: peak.anonKiB / 1024, peakRssMiB: peak.rssKiB / 1024, produceMs: r.ms,
            uploadsDuring: uploads.within, uploadsTotal: uploads.total, catchUpMs, loadavgBefore, loadavgAfter: loadavg(),
          };
          produceSessions.push(s);
          say(`produce round ${round}.${i + 1} ${mode}: ${s.mibPerSec.toFixed(1)} MiB/s, p99 ${s.p99Ms} ms, broker CPU ${s.brokerCpuMsPerGiB.toFixed(0)} ms/GiB` +
            (mode === "tiered" ? `; ${s.uploadsDuring} of ${s.uploadsTotal} segment uploads finished during the produce, the rest within ${(catchUpMs / 1000).toFixed(1)} s after` : "") +
            ` (load average ${loadavgBefore} → ${s.loadavgAfter})`);
        } catch (e) {
          failures.push(`produce round ${round} ${mode}: ${(e as Error).message.split("\n")[0]}`);
          say(`  FAILED: ${(e as Error).message.split("\n")[0]}`);
        }
        if (broker!.exited()) throw new Error(`the broker exited (${broker!.exitStatus()}): ${broker!.logPath}`);
      }
    }
  }
} finally {
  const b = broker as RunningBroker | null;
  await b?.stop();
  await s3.stop();
  if (b !== null) rmSync(b.dataDir, { recursive: true, force: true });
}

// ---- report --------------------------------------------------------------------------------------

const stats = (xs: number[]) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs), n: xs.length });
const f2 = (x: number) => x.toFixed(2), f1 = (x: number) => x.toFixed(1), f0 = (x: number) => x.toFixed(0);
const mmm = (r: { min: number; median: number; max: number; n: number }) => `min ${f2(r.min)} / median ${f2(r.median)} / max ${f2(r.max)} (${r.n} round(s))`;
function pairRatios<S extends { round: number; mode: string }>(sessions: S[], base: string, other: string, f: (s: S) => number) {
  return stats([...new Set(sessions.map((s) => s.round))].flatMap((round) => {
    const a = sessions.find((s) => s.round === round && s.mode === base);
    const b = sessions.find((s) => s.round === round && s.mode === other);
    return a && b ? [f(b) / f(a)] : [];
  }));
}
const byMode = <S extends { mode: string }>(sessions: S[], mode: string, f: (s: S) => number) => median(sessions.filter((s) => s.mode === mode).map(f));

const readRatio = pairRatios(readSessions, "local", "remote", (s) => s.fetchMiBps);
const produceRatio = pairRatios(produceSessions, "off", "tiered", (s) => s.mibPerSec);
const lines = [
  `broker: ${binary}; ${cpus().length} × ${cpus()[0]?.model ?? "?"}; not pinned (broker, S3 server and the Java tools share the CPUs)`,
  `S3 server: gofakes3 (filesystem backend in a temp dir) on loopback; remote.log.manager.task.interval.ms=${taskIntervalMs}; bunka.remote.storage.cache.bytes=${CACHE_BYTES}`,
  "",
];
if (readSetup !== null) {
  const rs = readSetup;
  lines.push(
    `1. remote read: ${opt.mib} MiB of ${RECORD_BYTES} B records per topic, ${PARTITIONS} partitions, ${opt["segment-mib"]} MiB segments; ConsumerPerformance from the start, a new group per read, the broker restarted before each read (empty chunk cache, nothing mapped; OS page cache warm on both sides)`,
    `   "remote": ${rs.remote.remoteSegments} segments, ${f0(rs.remote.remoteBytes / MiB)} MiB only in the bucket; ${rs.remote.localSegments} active segments, ${f0(rs.remote.localBytes / MiB)} MiB local: ${f1(100 * rs.remoteFraction)}% remote`,
    `   "local" (twin topic, no tiering): ${rs.local.localSegments} segments, ${f0(rs.local.localBytes / MiB)} MiB on disk`,
    `   fill: ProducerPerformance ${f1(rs.fillLocalMiBps)} MiB/s into "local", ${f1(rs.fillRemoteMiBps)} MiB/s into "remote"; uploads and local deletion done ${f1(rs.uploadWaitMs / 1000)} s after`,
    "",
    "   round.pos | mode   | fetch MiB/s | broker CPU ms/GiB | S3 server CPU ms/GiB | S3 server read MiB | peak RSS MiB | peak RssAnon MiB | VmHWM MiB | load avg before → after",
    ...readSessions.map((s) => `   ${s.round}.${s.position} | ${s.mode.padEnd(6)} | ${f1(s.fetchMiBps)} | ${f0(s.brokerCpuMsPerGiB)} | ${f0(s.s3CpuMsPerGiB)} | ${f0(s.s3ReadMiB)} | ${f0(s.peakRssMiB)} | ${f0(s.peakAnonMiB)} | ${f0(s.hwmMiB)} | ${s.loadavgBefore} → ${s.loadavgAfter}`),
    "",
    `   remote/local read throughput: ${mmm(readRatio)}`,
    ...(["local", "remote"] as const).map((m) => `   ${m}, median: ${f1(byMode(readSessions, m, (s) => s.fetchMiBps))} MiB/s, broker CPU ${f0(byMode(readSessions, m, (s) => s.brokerCpuMsPerGiB))} ms/GiB, ` +
      `S3 server CPU ${f0(byMode(readSessions, m, (s) => s.s3CpuMsPerGiB))} ms/GiB, peak RSS ${f0(byMode(readSessions, m, (s) => s.peakRssMiB))} MiB (RssAnon ${f0(byMode(readSessions, m, (s) => s.peakAnonMiB))})`),
    "",
  );
}
if (produceSessions.length > 0) {
  lines.push(
    `2. produce while uploads run: ProducerPerformance ${produceRecords} × ${RECORD_BYTES} B (${PRODUCE_PROPS.join(", ")}), ${PARTITIONS} partitions, ${opt["produce-segment-mib"]} MiB segments, a new topic per session; "tiered": remote.storage.enable=true, local.retention.bytes=0; "off": no tiering`,
    "",
    "   round.pos | mode   | MiB/s | avg ms | p99 ms | broker CPU % | broker CPU ms/GiB | S3 server CPU ms/GiB | peak RssAnon MiB | uploads during / total | catch-up s | load avg before → after",
    ...produceSessions.map((s) => `   ${s.round}.${s.position} | ${s.mode.padEnd(6)} | ${f1(s.mibPerSec)} | ${f1(s.avgMs)} | ${f0(s.p99Ms)} | ${f0(s.brokerCpuPct)} | ${f0(s.brokerCpuMsPerGiB)} | ` +
      `${f0(s.s3CpuMsPerGiB)} | ${f0(s.peakAnonMiB)} | ${s.mode === "tiered" ? `${s.uploadsDuring} / ${s.uploadsTotal}` : "-"} | ${s.mode === "tiered" ? f1(s.catchUpMs / 1000) : "-"} | ${s.loadavgBefore} → ${s.loadavgAfter}`),
    "",
    `   tiered/off produce throughput: ${mmm(produceRatio)}`,
    ...(["off", "tiered"] as const).map((m) => `   ${m}, median: ${f1(byMode(produceSessions, m, (s) => s.mibPerSec))} MiB/s, p99 ${f0(byMode(produceSessions, m, (s) => s.p99Ms))} ms, ` +
      `broker CPU ${f0(byMode(produceSessions, m, (s) => s.brokerCpuMsPerGiB))} ms/GiB, peak RssAnon ${f0(byMode(produceSessions, m, (s) => s.peakAnonMiB))} MiB`),
  );
}
if (failures.length > 0) lines.push("", "failed sessions:", ...failures.map((f) => `  ${f}`));
writeFileSync(join(outDir, "summary.txt"), lines.join("\n") + "\n");
writeFileSync(join(outDir, "results.json"), JSON.stringify({
  date: new Date().toISOString(), binary, rounds, partitions: PARTITIONS, recordBytes: RECORD_BYTES, readRecords, produceRecords,
  segmentBytes, produceSegmentBytes, taskIntervalMs, cacheBytes: CACHE_BYTES, readSetup, readSessions, produceSessions,
  ratios: { remoteOverLocalRead: readRatio, tieredOverOffProduce: produceRatio }, failures,
}, null, 2) + "\n");
console.log(lines.join("\n"));
say(`results in ${outDir}`);
if ((parts.has("read") && readRatio.n === 0) || (parts.has("produce") && produceRatio.n === 0)) process.exit(1);
