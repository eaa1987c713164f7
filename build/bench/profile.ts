// Where Bunka's time goes under one of the bench's workloads: runs the broker from source under
// `bun --cpu-prof`, drives it with the same tool as `bun run bench`, stops it, and prints the
// hottest functions (self and inclusive) and files from the profile.
//
//   bun build/bench/profile.ts [workload] [--data SIZE] [--b-records N] [--top N] [--interval µs] [--pagecache]
//     workload: a.java (default), a.rdkafka, b.java, b.rdkafka, c.java, c.rdkafka, d.java, d.rdkafka
//     --pagecache: bunka.fsync.before.ack=false (the bench's "bunka-pagecache" session), to see
//     what the durable acknowledgements cost
//
// Samples are counted, not timed: Bun's profiler records a sample only while the JS thread runs
// (the time between samples includes idle time), so samples × interval is the busy time of the
// broker's JS thread, native calls made from JS (writev, pread, socket writes) included. The
// broker's whole CPU time (all threads: GC, the event loop's own reads) is printed beside it.
// For c.*, the data is written by an unprofiled run first; the profiled one only serves reads.

import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { cpuSplitMs, freePort, killLiveBrokers, startBunka, type RunningBroker } from "./brokers.ts";
import {
  A_RECORD_BYTES, B_RECORD_BYTES, compileBenchClient, consumerPerf, createTopics, e2eLatency, kcatConsume, kcatProduce, rolledSegmentBytes,
  killRunningTools, payloadFile, producerPerf, TOPICS, writeToolsLog4j, type Sizes, type Tools,
} from "./workloads.ts";

const ROOT = join(import.meta.dir, "../..");
const { values: opt, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: {
    data: { type: "string" }, "b-records": { type: "string" }, top: { type: "string" }, interval: { type: "string" }, out: { type: "string" }, pagecache: { type: "boolean" },
  },
  allowPositionals: true,
});
const workload = positionals[0] ?? "a.java";
const WORKLOADS = ["a.java", "a.rdkafka", "b.java", "b.rdkafka", "c.java", "c.rdkafka", "d.java", "d.rdkafka"];
if (!WORKLOADS.includes(workload)) {
  console.error(`unknown workload ${workload}; one of ${WORKLOADS.join(", ")}`);
  process.exit(2);
}
const dataBytes = Number(opt.data?.replace(/MiB$/i, "")) * 1024 * 1024 || 512 * 1024 * 1024;
const top = Number(opt.top ?? 30);
const interval = Number(opt.interval ?? 250);
const sizes: Sizes = {
  aRecords: Math.floor(dataBytes / A_RECORD_BYTES),
  bRecords: Number(opt["b-records"] ?? 1_000_000),
  latencyRate: 1000, latencyWarmupSec: 2, latencySeconds: 10, partitions: 6,
};
const settings = { numPartitions: 6, segmentBytes: 1024 ** 3 };
const extraProperties = opt.pagecache ? ["bunka.fsync.before.ack=false"] : [];
const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
const outDir = opt.out ?? join(ROOT, "bench-results", `profile-${workload}-${stamp}`);
const profDir = join(outDir, "cpuprofile");
mkdirSync(profDir, { recursive: true });
process.on("SIGINT", () => { killRunningTools(); killLiveBrokers(); process.exit(130); });

const dist = Bun.spawnSync(["bash", join(ROOT, "test/interop/kafka-dist.sh"), "classpath"], { stdout: "pipe", stderr: "inherit" });
const kafkaClasspath = dist.stdout.toString().trim();
const cacheDir = join(ROOT, "bench-results", ".cache");
const tools: Tools = {
  kafkaClasspath, benchClasses: compileBenchClient(kafkaClasspath, cacheDir), toolsLog4j: writeToolsLog4j(outDir),
  logDir: join(outDir, "logs"), cacheDir, python: "/usr/bin/python3",
};
const bun = process.execPath;
const port = await freePort();
const runDir = join(outDir, "broker");
const plain = [bun, join(ROOT, "src/main.ts")];
const profiled = [bun, "--cpu-prof", `--cpu-prof-dir=${profDir}`, `--cpu-prof-interval=${interval}`, join(ROOT, "src/main.ts")];

let b: RunningBroker | undefined;
try {
  if (workload.startsWith("c.")) {
    b = await startBunka({ command: plain, port, runDir, settings });
    await createTopics(b.bootstrap, tools, "topics", sizes.partitions, rolledSegmentBytes(sizes.aRecords * A_RECORD_BYTES, sizes.partitions));
    const file = await payloadFile(tools, A_RECORD_BYTES, sizes.aRecords);
    await kcatProduce({ bootstrap: b.bootstrap, topic: TOPICS.aJava, file, records: sizes.aRecords, recordBytes: A_RECORD_BYTES, props: ["acks=1"], tools, name: "fill", sizes });
    await b.stop();
    b = await startBunka({ command: profiled, port, runDir, settings, keepData: true, extraProperties });
  } else {
    b = await startBunka({ command: profiled, port, runDir, settings, extraProperties });
    await createTopics(b.bootstrap, tools, "topics", sizes.partitions, rolledSegmentBytes(sizes.aRecords * A_RECORD_BYTES, sizes.partitions));
  }
  const cpu0 = cpuSplitMs(b.pid);
  const faults0 = minorFaults(b.pid);
  const t0 = performance.now();
  let what = "";
  switch (workload) {
    case "a.java": {
      const r = await producerPerf({ bootstrap: b.bootstrap, topic: TOPICS.aJava, records: sizes.aRecords, recordBytes: A_RECORD_BYTES, props: ["acks=1"], tools, name: workload, sizes });
      what = `${r.mibPerSec} MiB/s, p99 ${r.p99LatencyMs} ms`;
      break;
    }
    case "a.rdkafka": {
      const file = await payloadFile(tools, A_RECORD_BYTES, sizes.aRecords);
      const r = await kcatProduce({ bootstrap: b.bootstrap, topic: TOPICS.aRdkafka, file, records: sizes.aRecords, recordBytes: A_RECORD_BYTES, props: ["acks=1"], tools, name: workload, sizes });
      what = `${r.mibPerSec.toFixed(1)} MiB/s`;
      break;
    }
    case "b.java": {
      const r = await producerPerf({ bootstrap: b.bootstrap, topic: TOPICS.bJava, records: sizes.bRecords, recordBytes: B_RECORD_BYTES, props: ["acks=all", "enable.idempotence=true"], tools, name: workload, sizes });
      what = `${r.recordsPerSec.toFixed(0)} rec/s, p99 ${r.p99LatencyMs} ms`;
      break;
    }
    case "b.rdkafka": {
      const file = await payloadFile(tools, B_RECORD_BYTES, sizes.bRecords);
      const r = await kcatProduce({ bootstrap: b.bootstrap, topic: TOPICS.bRdkafka, file, records: sizes.bRecords, recordBytes: B_RECORD_BYTES, props: ["acks=all", "enable.idempotence=true"], tools, name: workload, sizes });
      what = `${r.recordsPerSec.toFixed(0)} rec/s`;
      break;
    }
    case "c.java": {
      const r = await consumerPerf({ bootstrap: b.bootstrap, topic: TOPICS.aJava, records: sizes.aRecords, group: "profile", tools, name: workload });
      what = `fetch ${r.fetchMibPerSec} MiB/s`;
      break;
    }
    case "c.rdkafka": {
      const r = await kcatConsume({ bootstrap: b.bootstrap, topic: TOPICS.aJava, records: sizes.aRecords, recordBytes: A_RECORD_BYTES, tools, name: workload });
      what = `${r.mibPerSec.toFixed(1)} MiB/s`;
      break;
    }
    default: {
      const client = workload === "d.java" ? "java" : "rdkafka";
      const r = await e2eLatency({ client, bootstrap: b.bootstrap, topic: client === "java" ? TOPICS.latJava : TOPICS.latRdkafka, sizes, tools, name: workload });
      what = `p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`;
    }
  }
  const wallS = (performance.now() - t0) / 1000;
  const cpu1 = cpuSplitMs(b.pid);
  const userS = (cpu1.user - cpu0.user) / 1000;
  const sysS = (cpu1.sys - cpu0.sys) / 1000;
  const faults = minorFaults(b.pid) - faults0;
  await b.stop();
  b = undefined;
  console.log(`\n${workload} against Bunka from source under bun --cpu-prof (interval ${interval} µs): ${what}`);
  console.log(`wall ${wallS.toFixed(1)} s, broker CPU (all threads) ${(userS + sysS).toFixed(2)} s: user ${userS.toFixed(2)} s, system ${sysS.toFixed(2)} s; ${faults} minor page faults`);
  report(profDir, top, interval);
  console.log(`\nprofile: ${relative(ROOT, profDir)} (open the .cpuprofile in Chrome DevTools or speedscope)`);
} finally {
  if (b) await b.stop();
  killRunningTools();
  killLiveBrokers();
}

/** Minor page faults of a process so far (proc(5) field 10). */
function minorFaults(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[7]) || 0;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

function report(dir: string, n: number, intervalUs: number): void {
  const file = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort().pop();
  if (!file) {
    console.log("no .cpuprofile written");
    return;
  }
  const prof = JSON.parse(readFileSync(join(dir, file), "utf8")) as { nodes: ProfileNode[]; samples: number[] };
  const byId = new Map(prof.nodes.map((nd) => [nd.id, nd]));
  const parent = new Map<number, number>();
  for (const nd of prof.nodes) for (const c of nd.children ?? []) parent.set(c, nd.id);
  const pathOf = (url: string) => (url.startsWith("file:") ? url.slice(5) : url);
  const key = (nd: ProfileNode) => {
    const f = nd.callFrame;
    const where = f.url ? `${relative(ROOT, pathOf(f.url))}${f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : ""}` : "[native]";
    return `${f.functionName || "(anonymous)"}  ${where}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const files = new Map<string, number>();
  let busy = 0;
  for (const id of prof.samples) {
    const nd = byId.get(id);
    if (!nd) continue;
    const name = nd.callFrame.functionName;
    if (name === "(idle)" || name === "(program)" || name === "(root)") continue;
    busy++;
    self.set(key(nd), (self.get(key(nd)) ?? 0) + 1);
    // The JS file of the nearest frame that has one (native calls count for their caller's file).
    const seen = new Set<string>();
    let fileOf: string | null = null;
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const frame = byId.get(cur)!;
      const k = key(frame);
      if (!seen.has(k)) {
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + 1);
      }
      if (fileOf === null && pathOf(frame.callFrame.url).startsWith("/")) fileOf = relative(ROOT, pathOf(frame.callFrame.url));
    }
    files.set(fileOf ?? "(no JS frame)", (files.get(fileOf ?? "(no JS frame)") ?? 0) + 1);
  }
  const ms = (s: number) => `${((s * intervalUs) / 1000).toFixed(0)} ms`;
  const pct = (s: number) => `${((100 * s) / Math.max(1, busy)).toFixed(1)}%`;
  console.log(`JS thread busy: ${busy} samples ≈ ${ms(busy)}`);
  const table = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(v).padStart(6)} ${ms(v).padStart(9)}  ${k}`);
  };
  table("self time (top functions)", self);
  table("inclusive time (top functions)", total);
  table("self time by file (native calls count for the calling file)", files);
}
