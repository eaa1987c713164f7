// A measurement, not a test: produce latency of Kafka's ProducerPerformance (Kafka 4.3.1 jars,
// test/interop/kafka-dist.sh) against the compiled broker, without and with a client scraping
// /metrics: back to back ("hammer", 2 scrapers in a loop) and once a second (a Prometheus
// server's usual pace is 15-60 s). Rounds alternate the modes so drift on a shared machine hits
// them alike. "control": the same two looping clients against a copy of the page served by this
// script's own process, not the broker: what the clients' CPU alone costs on the same machine
// (2 cores here, shared). Prints each run and the ratios of the medians.
//
//   bun test/metrics/measure-latency.ts [rounds=3] [records=30000] [throughput=3000]

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { startBroker } from "../support/broker-process.ts";

const [rounds = 3, records = 30000, throughput = 3000] = process.argv.slice(2).map(Number);
const cp = readFileSync(join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), "kafka-4.3.1/classpath.txt"), "utf8").trim();
const broker = await startBroker({ properties: { "num.partitions": 6 } });
const http = `http://127.0.0.1:${broker.ports.HTTP}/metrics`;

async function java(args: string[]): Promise<string> {
  const p = Bun.spawn(["java", "-Xmx512m", "-cp", cp, ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return out + err;
}

await java(["org.apache.kafka.tools.TopicCommand", "--bootstrap-server", `127.0.0.1:${broker.port}`, "--create", "--topic", "lat", "--partitions", "6"]);

type Mode = "none" | "hammer" | "control" | "1/s";
const page = await (await fetch(http)).text();
const elsewhere = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(page, { headers: { "content-type": "text/plain" } }) });
interface Run { mode: Mode; avg: number; p50: number; p99: number; max: number; scrapes: number; scrapeMs: number }

async function run(mode: Mode): Promise<Run> {
  let stop = false;
  let scrapes = 0;
  let scrapeMs = 0;
  const url = mode === "control" ? `http://127.0.0.1:${elsewhere.port}/metrics` : http;
  const scrape = async () => {
    const t = performance.now();
    const text = await (await fetch(url)).text();
    if (!text.includes("bunka_info")) throw new Error("bad scrape");
    scrapeMs += performance.now() - t;
    scrapes++;
  };
  const loops: Promise<void>[] = [];
  if (mode === "hammer" || mode === "control") for (let i = 0; i < 2; i++) loops.push((async () => { while (!stop) await scrape(); })());
  if (mode === "1/s") loops.push((async () => { while (!stop) { await scrape(); await Bun.sleep(1000); } })());
  const out = await java(["org.apache.kafka.tools.ProducerPerformance", "--topic", "lat", "--num-records", String(records),
    "--record-size", "512", "--throughput", String(throughput), "--producer-props", `bootstrap.servers=127.0.0.1:${broker.port}`, "acks=all"]);
  stop = true;
  await Promise.all(loops);
  // "... records sent, ... records/sec (... MB/sec), 2.41 ms avg latency, 61.00 ms max latency, 2 ms 50th, 5 ms 95th, 12 ms 99th, 40 ms 99.9th."
  const m = /records sent.*?([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, \d+ ms 95th, (\d+) ms 99th/.exec(out.split("\n").filter((l) => l.includes("records sent")).at(-1) ?? "");
  if (!m) throw new Error(`no summary in:\n${out}`);
  return { mode, avg: Number(m[1]), max: Number(m[2]), p50: Number(m[3]), p99: Number(m[4]), scrapes, scrapeMs: scrapes ? scrapeMs / scrapes : 0 };
}

const results: Run[] = [];
for (let r = 0; r < rounds; r++) {
  for (const mode of ["none", "hammer", "control", "1/s"] as Mode[]) {
    const res = await run(mode);
    results.push(res);
    console.log(`round ${r + 1} ${mode.padEnd(6)} avg ${res.avg.toFixed(2)} ms  p50 ${res.p50} ms  p99 ${res.p99} ms  max ${res.max} ms` +
      (res.scrapes ? `  (${res.scrapes} scrapes, ${res.scrapeMs.toFixed(2)} ms each)` : ""));
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const of = (mode: Mode, k: "avg" | "p50" | "p99") => median(results.filter((r) => r.mode === mode).map((r) => r[k]));
for (const mode of ["hammer", "control", "1/s"] as Mode[]) {
  console.log(`${mode} / none (medians): avg ${(of(mode, "avg") / of("none", "avg")).toFixed(2)}  p50 ${(of(mode, "p50") / of("none", "p50")).toFixed(2)}  p99 ${(of(mode, "p99") / of("none", "p99")).toFixed(2)}`);
}
const size = (await (await fetch(http)).text()).length;
console.log(`a scrape is ${size} bytes`);
elsewhere.stop(true);
await broker.stop();
