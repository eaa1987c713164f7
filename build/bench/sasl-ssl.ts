// Produce and consume over SASL_SSL (SCRAM-SHA-512, TLS with a PEM key store), Bunka against
// Apache Kafka, and each against its own PLAINTEXT listener: `bun build/bench/sasl-ssl.ts`.
//
// Each round runs one session per broker (Kafka then Bunka, the other way round every other
// round). A session starts the broker fresh with two listeners, PLAINTEXT and SASL_SSL (the same
// server.properties keys on both: ssl.keystore.type=PEM + ssl.keystore.location, a server
// certificate for 127.0.0.1/localhost made with openssl by test/support/test-certs.ts,
// sasl.enabled.mechanisms=SCRAM-SHA-512); the SCRAM user is made with kafka-configs on Kafka
// (as Kafka's users make it) and with bunka.add.scram on Bunka. Then, with Kafka's own perf
// tools and the bench's Java client:
//   warm-up   --warmup of 1 KiB records produced over each listener, not measured (JIT, TLS)
//   p.plain   ProducerPerformance, 1 KiB records, acks=1, full speed, over PLAINTEXT
//   p.sasl    the same over SASL_SSL (its own topic)
//   c.plain   ConsumerPerformance reads p.plain's topic over PLAINTEXT (fetch MiB/s)
//   c.sasl    ConsumerPerformance reads p.sasl's topic over SASL_SSL
// and the broker's CPU seconds (/proc) during each. Reported: Bunka / Kafka over SASL_SSL (and
// over PLAINTEXT, the same session), and SASL_SSL / PLAINTEXT per broker (what TLS + SASL costs).
//
//   bun build/bench/sasl-ssl.ts [--rounds N] [--data SIZE] [--warmup SIZE] [--partitions N]
//                               [--port-range LO-HI] [--out DIR] [--bunka-property K=V ...]
//                               [--profile] [--only kafka|bunka]
//
// --profile runs Bunka from source under `bun --cpu-prof` and prints where its JS thread spent
// the session (self time per function and per file; see build/bench/profile.ts for how to read
// Bun's samples), to find what the TLS path costs.

import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { makeTestCerts } from "../../test/support/test-certs.ts";
import {
  cpuMs, DEFAULT_PORT_RANGE, freePort, killLiveBrokers, parsePortRange, startBunka, startKafka, type CommonSettings, type RunningBroker,
} from "./brokers.ts";
import { compileBenchClient, killRunningTools, runTool, WorkloadError, writeToolsLog4j, type Tools } from "./workloads.ts";

const ROOT = join(import.meta.dir, "../..");
const MiB = 1024 ** 2;
const RECORD_BYTES = 1024;
const USER = "bench";
const PASSWORD = "bench-secret";
const MECHANISM = "SCRAM-SHA-512";

const { values: opt } = parseArgs({
  args: process.argv.slice(2),
  options: {
    rounds: { type: "string" },
    data: { type: "string" },
    warmup: { type: "string" },
    partitions: { type: "string" },
    "port-range": { type: "string" },
    out: { type: "string" },
    "bunka-property": { type: "string", multiple: true },
    profile: { type: "boolean" },
    only: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (opt.help) {
  console.log(`bun build/bench/sasl-ssl.ts [options]   (SASL_SSL vs PLAINTEXT, Bunka vs Apache Kafka)
  --rounds N            sessions per broker, order alternating (default 1)
  --data SIZE           bytes of 1 KiB records produced per listener and consumed back (default 512MiB)
  --warmup SIZE         bytes produced per listener before measuring, not measured (default data/4)
  --partitions N        partitions of each topic (default 6)
  --port-range LO-HI    the brokers' ports (default ${DEFAULT_PORT_RANGE.lo}-${DEFAULT_PORT_RANGE.hi})
  --out DIR             output directory (default bench-results/sasl-ssl-<date-time>)
  --bunka-property K=V  a server.properties line for Bunka (repeatable)
  --profile             Bunka from source under bun --cpu-prof; prints its hottest functions
  --only kafka|bunka    one broker only`);
  process.exit(0);
}

function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(k|m|g|ki|mi|gi)?b?$/i.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s}`);
  const unit = (m[2] ?? "").toLowerCase();
  return Math.round(Number(m[1]) * (unit.startsWith("g") ? 1024 ** 3 : unit.startsWith("m") ? MiB : unit.startsWith("k") ? 1024 : 1));
}

const rounds = Number(opt.rounds ?? 1);
const records = Math.max(1000, Math.floor(parseBytes(opt.data ?? "512MiB") / RECORD_BYTES));
const warmupRecords = opt.warmup !== undefined ? Math.floor(parseBytes(opt.warmup) / RECORD_BYTES) : Math.floor(records / 4);
const partitions = Number(opt.partitions ?? 6);
const portRange = opt["port-range"] ? parsePortRange(opt["port-range"]) : DEFAULT_PORT_RANGE;
const settings: CommonSettings = { numPartitions: partitions, segmentBytes: 1024 ** 3 };
const stamp = new Date().toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
const outDir = opt.out ?? join(ROOT, "bench-results", `sasl-ssl-${stamp}`);
const say = (msg: string) => console.error(`[sasl-ssl ${new Date().toISOString().slice(11, 19)}] ${msg}`);

process.on("SIGINT", () => { killRunningTools(); killLiveBrokers(); process.exit(130); });

function sh(cmd: string[], env?: Record<string, string>): { ok: boolean; out: string; err: string } {
  const r = Bun.spawnSync(cmd, { cwd: ROOT, env: { ...process.env, ...env }, stdout: "pipe", stderr: "pipe" });
  return { ok: r.exitCode === 0, out: r.stdout.toString().trim(), err: r.stderr.toString().trim() };
}

mkdirSync(join(outDir, "logs"), { recursive: true });
say(`output in ${outDir}`);
const dist = sh(["bash", join(ROOT, "test/interop/kafka-dist.sh"), "classpath"]);
if (!dist.ok) throw new Error(`kafka-dist.sh: ${dist.err}`);
const kafkaVersion = sh(["bash", join(ROOT, "test/interop/kafka-dist.sh"), "version"]).out;
say("building ./bunka ...");
if (!sh(["bash", join(ROOT, "your_program.sh")], { BUNKA_BUILD_ONLY: "1" }).ok) throw new Error("Bunka build failed");
const bunkaBinary = join(outDir, "bunka");
copyFileSync(join(ROOT, "bunka"), bunkaBinary);
sh(["chmod", "+x", bunkaBinary]);
const commit = sh(["git", "rev-parse", "--short", "HEAD"]).out + (sh(["git", "status", "--porcelain", "--", "src"]).out ? "+wip" : "");

const cacheDir = join(ROOT, "bench-results", ".cache");
const tools: Tools = {
  kafkaClasspath: dist.out,
  benchClasses: compileBenchClient(dist.out, cacheDir),
  toolsLog4j: writeToolsLog4j(outDir),
  logDir: join(outDir, "logs"),
  cacheDir,
  python: "/usr/bin/python3",
};

const certs = await makeTestCerts();
writeFileSync(certs.path("server-ks.pem"), certs.serverKey + certs.serverCert);
// The clients' settings: SCRAM-SHA-512 over TLS, the test CA as a PEM trust store.
const saslClientConfig = certs.path("client-sasl-ssl.properties");
writeFileSync(saslClientConfig, [
  "security.protocol=SASL_SSL", `sasl.mechanism=${MECHANISM}`,
  `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${USER}" password="${PASSWORD}";`,
  "ssl.truststore.type=PEM", `ssl.truststore.location=${certs.path("ca.pem")}`, "",
].join("\n"));
const plainClientConfig = certs.path("client-plaintext.properties");
writeFileSync(plainClientConfig, "security.protocol=PLAINTEXT\n");

/** The server.properties lines both brokers get for their two listeners (Kafka's keys). */
function listenerProperties(port: number, saslPort: number, controllerPort?: number): string[] {
  const controller = controllerPort === undefined ? "" : `,CONTROLLER://127.0.0.1:${controllerPort}`;
  return [
    `listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${saslPort}${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://127.0.0.1:${saslPort}`,
    `listener.security.protocol.map=PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL${controller ? ",CONTROLLER:PLAINTEXT" : ""}`,
    `sasl.enabled.mechanisms=${MECHANISM}`,
    `listener.name.sasl_ssl.${MECHANISM.toLowerCase()}.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;`,
    "ssl.keystore.type=PEM", `ssl.keystore.location=${certs.path("server-ks.pem")}`,
  ];
}

function java(main: string, args: string[], classpath = tools.kafkaClasspath): string[] {
  return ["java", "-Xmx256m", `-Dlog4j2.configurationFile=${tools.toolsLog4j}`, "-cp", classpath, main, ...args];
}

type BrokerKind = "kafka" | "bunka";
interface Sample { round: number; broker: BrokerKind; metric: string; value: number }
const samples: Sample[] = [];
const failures: { round: number; broker: BrokerKind; step: string; reason: string }[] = [];

const PERF_LINE = /(\d+) (steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th/g;

async function produce(bootstrap: string, config: string, topic: string, n: number, logs: Tools, name: string): Promise<{ mibs: number; p99: number }> {
  const args = [
    "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", String(n), "--record-size", String(RECORD_BYTES),
    "--throughput", "-1", "--warmup-records", String(Math.floor(n / 10)), "--reporting-interval", "3600000",
    "--command-config", config, "--command-property", "acks=1",
  ];
  const run = await runTool(java("org.apache.kafka.tools.ProducerPerformance", args), { name, tools: logs, timeoutMs: 120_000 + n * 2 });
  const lines = [...run.stdout.matchAll(PERF_LINE)];
  const steady = lines.find((m) => m[2] !== undefined) ?? lines.find((m) => m[2] === undefined);
  const total = lines.find((m) => m[2] === undefined);
  if (run.code !== 0 || !steady || !total) throw new WorkloadError(`ProducerPerformance: ${run.timedOut ? "timed out" : `exit ${run.code}`}: ${run.stderr.split("\n").filter((l) => /error|exception/i.test(l)).slice(0, 2).join(" | ").slice(0, 300)}`);
  if (Number(total[1]) !== n) throw new WorkloadError(`ProducerPerformance: ${total[1]} of ${n} records sent`);
  if (/org\.apache\.kafka\.common\.errors\./.test(run.stdout + run.stderr)) throw new WorkloadError("ProducerPerformance: send errors (see its log)");
  return { mibs: Number(steady[4]), p99: Number(steady[9]) };
}

async function consume(bootstrap: string, config: string, topic: string, n: number, group: string, logs: Tools, name: string): Promise<number> {
  const args = [
    "--bootstrap-server", bootstrap, "--topic", topic, "--num-records", String(n), "--group", group,
    "--timeout", "15000", "--reporting-interval", "3600000", "--command-config", config,
  ];
  const run = await runTool(java("org.apache.kafka.tools.ConsumerPerformance", args), { name, tools: logs, timeoutMs: 120_000 + n });
  const line = run.stdout.split("\n").reverse().find((l) => /^\d{4}-\d\d-\d\d .*,/.test(l));
  if (run.code !== 0 || !line) throw new WorkloadError(`ConsumerPerformance: ${run.timedOut ? "timed out" : `exit ${run.code}`}: ${run.stderr.split("\n").filter((l) => /error|exception/i.test(l)).slice(0, 2).join(" | ").slice(0, 300)}`);
  const f = line.split(",").map((s) => s.trim());
  if (Number(f[4]) < n) throw new WorkloadError(`ConsumerPerformance: ${f[4]} of ${n} records consumed`);
  return Number(f[8]); // fetch.MB.sec: the group join left out
}

async function session(round: number, broker: BrokerKind): Promise<void> {
  const put = (metric: string, value: number) => samples.push({ round, broker, metric, value });
  const runDir = join(outDir, "brokers", `${broker}-round${round}`);
  const logs = { ...tools, logDir: join(outDir, "logs", `round${round}-${broker}`) };
  const port = await freePort(broker === "kafka", portRange);
  let saslPort = await freePort(false, portRange);
  while (saslPort === port || saslPort === port + 1) saslPort = await freePort(false, portRange);
  let b: RunningBroker;
  try {
    b = broker === "kafka"
      ? await startKafka({ port, runDir, heapOpts: "-Xmx1G -Xms1G", settings, extraProperties: listenerProperties(port, saslPort, port + 1) })
      : await startBunka({
        command: opt.profile ? [process.execPath, "--cpu-prof", `--cpu-prof-dir=${join(outDir, "profile")}`, join(ROOT, "src/main.ts")] : [bunkaBinary],
        port, runDir, settings,
        extraProperties: [...listenerProperties(port, saslPort), `bunka.add.scram=${MECHANISM}=[name=${USER},password=${PASSWORD}]`, ...(opt["bunka-property"] ?? [])],
      });
  } catch (e) {
    failures.push({ round, broker, step: "start", reason: (e as Error).message });
    say(`round ${round} ${broker}: did not start: ${(e as Error).message}`);
    return;
  }
  say(`round ${round} ${broker}: PLAINTEXT ${port}, SASL_SSL ${saslPort} (pid ${b.pid})`);
  const plain = `127.0.0.1:${port}`, sasl = `127.0.0.1:${saslPort}`;
  const step = async (name: string, run: () => Promise<void>) => {
    try {
      if (b.exited()) throw new WorkloadError(`the broker exited (${b.exitStatus()})`);
      await run();
    } catch (e) {
      failures.push({ round, broker, step: name, reason: (e as Error).message });
      say(`  ${broker} ${name}: FAILED: ${(e as Error).message}`);
    }
  };
  const measured = async <T>(f: () => Promise<T>): Promise<{ res: T; cpuS: number }> => {
    const c0 = cpuMs(b.pid);
    const res = await f();
    return { res, cpuS: (cpuMs(b.pid) - c0) / 1000 };
  };
  try {
    await step("setup", async () => {
      if (broker === "kafka") {
        const r = await runTool(java("kafka.admin.ConfigCommand", ["--bootstrap-server", plain, "--alter", "--add-config",
          `${MECHANISM}=[password=${PASSWORD}]`, "--entity-type", "users", "--entity-name", USER]), { name: "scram-user", tools: logs, timeoutMs: 60_000 });
        if (r.code !== 0) throw new WorkloadError(`kafka-configs: ${r.stderr.slice(-300)}`);
      }
      const topics = ["plain", "sasl", "warm-plain", "warm-sasl"].map((t) => `bench-${t}:${partitions}`);
      const r = await runTool(java("BenchClient", ["create-topics", plain, ...topics], `${tools.benchClasses}:${tools.kafkaClasspath}`),
        { name: "create-topics", tools: logs, timeoutMs: 60_000 });
      if (r.code !== 0) throw new WorkloadError(`CreateTopics: ${r.stdout.slice(-300)} ${r.stderr.slice(-300)}`);
      if (warmupRecords > 0) {
        await produce(plain, plainClientConfig, "bench-warm-plain", warmupRecords, logs, "warmup.plain");
        await produce(sasl, saslClientConfig, "bench-warm-sasl", warmupRecords, logs, "warmup.sasl");
      }
    });
    for (const [listener, bootstrap, config] of [["plain", plain, plainClientConfig], ["sasl", sasl, saslClientConfig]] as const) {
      await step(`p.${listener}`, async () => {
        const { res, cpuS } = await measured(() => produce(bootstrap, config, `bench-${listener}`, records, logs, `p.${listener}`));
        put(`p.${listener}.mibs`, res.mibs);
        put(`p.${listener}.p99`, res.p99);
        put(`p.${listener}.cpu`, cpuS);
        say(`  ${broker} p.${listener}: ${res.mibs.toFixed(1)} MiB/s (p99 ${res.p99} ms, broker CPU ${cpuS.toFixed(1)} s)`);
      });
    }
    for (const [listener, bootstrap, config] of [["plain", plain, plainClientConfig], ["sasl", sasl, saslClientConfig]] as const) {
      await step(`c.${listener}`, async () => {
        const { res, cpuS } = await measured(() => consume(bootstrap, config, `bench-${listener}`, records, `c-${listener}-${round}`, logs, `c.${listener}`));
        put(`c.${listener}.mibs`, res);
        put(`c.${listener}.cpu`, cpuS);
        say(`  ${broker} c.${listener}: fetch ${res.toFixed(1)} MiB/s (broker CPU ${cpuS.toFixed(1)} s)`);
      });
    }
  } finally {
    await b.stop();
    rmSync(join(runDir, "data"), { recursive: true, force: true });
  }
}

try {
  for (let round = 1; round <= rounds; round++) {
    const order: BrokerKind[] = round % 2 === 1 ? ["kafka", "bunka"] : ["bunka", "kafka"];
    for (const broker of order) if (opt.only === undefined || opt.only === broker) await session(round, broker);
  }
} finally {
  killRunningTools();
  killLiveBrokers();
  rmSync(certs.dir, { recursive: true, force: true });
  rmSync(bunkaBinary, { force: true });
}

// ---- report: medians over rounds ------------------------------------------------------------

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
const value = (broker: BrokerKind, metric: string) => median(samples.filter((s) => s.broker === broker && s.metric === metric).map((s) => s.value));
const fmt = (x: number | null, d = 1) => (x === null ? "—" : x.toFixed(d));
const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);

const rows: string[] = [];
rows.push("| metric | Kafka | Bunka | Bunka / Kafka |");
rows.push("|---|--:|--:|--:|");
const METRICS: [string, string][] = [
  ["p.sasl.mibs", "produce over SASL_SSL, MiB/s (1 KiB, acks=1)"],
  ["p.plain.mibs", "produce over PLAINTEXT, MiB/s"],
  ["c.sasl.mibs", "consume over SASL_SSL, fetch MiB/s"],
  ["c.plain.mibs", "consume over PLAINTEXT, fetch MiB/s"],
  ["p.sasl.p99", "produce over SASL_SSL, p99 ms"],
  ["p.plain.p99", "produce over PLAINTEXT, p99 ms"],
  ["p.sasl.cpu", "broker CPU s, produce over SASL_SSL"],
  ["p.plain.cpu", "broker CPU s, produce over PLAINTEXT"],
  ["c.sasl.cpu", "broker CPU s, consume over SASL_SSL"],
  ["c.plain.cpu", "broker CPU s, consume over PLAINTEXT"],
];
for (const [id, label] of METRICS) {
  const k = value("kafka", id), b = value("bunka", id);
  rows.push(`| ${label} | ${fmt(k)} | ${fmt(b)} | ${fmt(ratio(b, k), 2)} |`);
}
rows.push("");
rows.push("| SASL_SSL / PLAINTEXT on the same broker | Kafka | Bunka |");
rows.push("|---|--:|--:|");
for (const [w, label] of [["p", "produce MiB/s"], ["c", "consume fetch MiB/s"]] as const) {
  rows.push(`| ${label} | ${fmt(ratio(value("kafka", `${w}.sasl.mibs`), value("kafka", `${w}.plain.mibs`)), 2)} | ${fmt(ratio(value("bunka", `${w}.sasl.mibs`), value("bunka", `${w}.plain.mibs`)), 2)} |`);
}
for (const f of failures) rows.push(`\nFAILED: round ${f.round} ${f.broker} ${f.step}: ${f.reason}`);
const head = `SASL_SSL (SCRAM-SHA-512, TLS, PEM key store) vs PLAINTEXT · ${rounds} round(s) · ${records} records of 1 KiB per listener ` +
  `(warm-up ${warmupRecords}) · ${partitions} partitions · Kafka ${kafkaVersion} vs Bunka ${commit} · ${cpus().length} × ${cpus()[0]?.model ?? "?"} · ` +
  `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC · not pinned`;
const md = `${head}\n\n${rows.join("\n")}\n`;
writeFileSync(join(outDir, "summary.md"), md);
writeFileSync(join(outDir, "results.json"), JSON.stringify({ head, records, warmupRecords, partitions, samples, failures }, null, 1) + "\n");
console.log(md);
if (opt.profile) profileReport(join(outDir, "profile"));

/** The hottest functions and files of the Bunka session's CPU profile (self samples). */
function profileReport(dir: string): void {
  const file = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).sort().pop() : undefined;
  if (!file) return void console.log("no .cpuprofile written");
  interface Node { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
  const prof = JSON.parse(readFileSync(join(dir, file), "utf8")) as { nodes: Node[]; samples: number[] };
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const path = (url: string) => relative(ROOT, url.startsWith("file:") ? url.slice(5) : url);
  const self = new Map<string, number>(), files = new Map<string, number>();
  let busy = 0;
  for (const id of prof.samples) {
    const n = byId.get(id);
    if (!n || ["(idle)", "(program)", "(root)"].includes(n.callFrame.functionName)) continue;
    busy++;
    const k = `${n.callFrame.functionName || "(anonymous)"}  ${n.callFrame.url ? `${path(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : "[native]"}`;
    self.set(k, (self.get(k) ?? 0) + 1);
    let f = "(no JS frame)";
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const u = byId.get(cur)!.callFrame.url;
      if (u.startsWith("/") || u.startsWith("file:")) { f = path(u); break; }
    }
    files.set(f, (files.get(f) ?? 0) + 1);
  }
  const show = (title: string, m: Map<string, number>) => {
    console.log(`\n${title}`);
    for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${((100 * v) / Math.max(1, busy)).toFixed(1).padStart(5)}%  ${k}`);
  };
  console.log(`Bunka's JS thread: ${busy} busy samples`);
  show("self time (top functions)", self);
  show("self time by file (native calls count for the calling file)", files);
}
if (!existsSync(outDir)) process.exit(1);
process.exit(failures.length === 0 ? 0 : 1);
