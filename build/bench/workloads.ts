// The load: Kafka's own perf tools (ProducerPerformance, ConsumerPerformance), the bench's Java
// client (topic creation, end-to-end latency: java/BenchClient.java) and librdkafka (kcat for
// throughput, confluent-kafka-python for latency: rdkafka_e2e.py). Every tool runs as a child
// process with a time limit, its output kept under <out>/logs; a failure becomes a
// WorkloadError carrying the reason, never a crash of the bench.

import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";

export class WorkloadError extends Error {
  constructor(message: string, readonly timedOut = false) {
    super(message);
  }
}

export interface Tools {
  /** kafka-dist.sh's classpath (Kafka 4.x jars). */
  kafkaClasspath: string;
  /** Directory holding the compiled BenchClient.class. */
  benchClasses: string;
  toolsLog4j: string;
  /** Where each tool's stdout/stderr go. */
  logDir: string;
  /** Where generated payload files are kept between runs. */
  cacheDir: string;
  python: string;
}

export interface Sizes {
  /** (a) and (c): records of 1 KiB; a.java writes them, c consumes them. */
  aRecords: number;
  /** (b): records of 100 bytes. */
  bRecords: number;
  latencyRate: number;
  latencyWarmupSec: number;
  latencySeconds: number;
  partitions: number;
}

export const A_RECORD_BYTES = 1024;
export const B_RECORD_BYTES = 100;
export const LATENCY_RECORD_BYTES = 1024;
/**
 * segment.bytes of the (g) topic: a power of two that rolls about 8-16 segments per partition
 * (1 GiB over 6 partitions: 16 MiB), at least Kafka's minimum of 1 MiB.
 */
export function rolledSegmentBytes(dataBytes: number, partitions: number): number {
  const target = dataBytes / partitions / 8;
  return Math.max(1 << 20, 2 ** Math.floor(Math.log2(Math.max(1, target))));
}
export const TOPICS = {
  aJava: "bench-a-java",
  aRdkafka: "bench-a-rdkafka",
  bJava: "bench-b-java",
  bRdkafka: "bench-b-rdkafka",
  latJava: "bench-lat-java",
  latRdkafka: "bench-lat-rdkafka",
  warmup: "bench-warmup",
  /** (g): small segments (segment.bytes), so that a consume from the beginning reads rolled ones. */
  gRolled: "bench-g-rolled",
  /** (h): transactional produce, and its unmeasured warm-up. */
  hJava: "bench-h-java",
  hWarmup: "bench-h-warmup",
};

const running = new Set<Subprocess>();

export function killRunningTools(): void {
  for (const p of running) {
    try { p.kill("SIGKILL"); } catch { /* gone */ }
  }
  running.clear();
}

interface ToolRun {
  code: number | null;
  ms: number;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  stdoutPath: string;
}

/** Runs a tool to completion (or kills it at the time limit); stdout/stderr go to files. */
export async function runTool(argv: string[], opts: { name: string; tools: Tools; timeoutMs: number; readStdout?: boolean }): Promise<ToolRun> {
  mkdirSync(opts.tools.logDir, { recursive: true });
  const stdoutPath = join(opts.tools.logDir, `${opts.name}.out`);
  const stderrPath = join(opts.tools.logDir, `${opts.name}.err`);
  const out = openSync(stdoutPath, "w");
  const err = openSync(stderrPath, "w");
  const t0 = performance.now();
  const proc = Bun.spawn(argv, { stdin: "ignore", stdout: out, stderr: err });
  closeSync(out);
  closeSync(err);
  running.add(proc);
  let timedOut = false;
  const timer = setTimeout(() => { timedOut = true; proc.kill("SIGKILL"); }, opts.timeoutMs);
  const code = await proc.exited;
  const ms = performance.now() - t0;
  clearTimeout(timer);
  running.delete(proc);
  const stdout = opts.readStdout === false ? "" : readFileSync(stdoutPath, "utf8");
  return { code: timedOut ? null : code, ms, timedOut, stdout, stderr: readFileSync(stderrPath, "utf8"), stdoutPath };
}

function javaTool(tools: Tools, main: string, args: string[], classpath = tools.kafkaClasspath): string[] {
  // -Xmx256m: what kafka-run-class.sh gives Kafka's CLI tools.
  return ["java", "-Xmx256m", `-Dlog4j2.configurationFile=${tools.toolsLog4j}`, "-cp", classpath, main, ...args];
}

function failWith(run: ToolRun, what: string): never {
  if (run.timedOut) throw new WorkloadError(`${what}: timed out after ${(run.ms / 1000).toFixed(0)} s`, true);
  const lines = (run.stderr + "\n" + run.stdout).split("\n").map((l) => l.trim())
    .filter((l) => /error|exception|fail|warn/i.test(l) && !/^\s*at /.test(l));
  const why = lines.slice(0, 3).join(" | ") || `exit code ${run.code}`;
  throw new WorkloadError(`${what}: ${why.slice(0, 400)}`);
}

/** Kafka client exception names in a tool's output (a perf tool may exit 0 despite them). */
function clientErrors(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/org\.apache\.kafka\.common\.errors\.(\w+)(?::\s*([^\n]{0,160}))?/g)) found.add(`${m[1]}${m[2] ? `: ${m[2]}` : ""}`);
  return [...found];
}

// ---- topics ---------------------------------------------------------------------------------

/** Creates every bench topic with the Admin client (CreateTopics), the same way on both brokers. */
export async function createTopics(bootstrap: string, tools: Tools, name: string, partitions: number, gSegmentBytes: number): Promise<void> {
  const specs = [
    `${TOPICS.aJava}:${partitions}`, `${TOPICS.aRdkafka}:${partitions}`,
    `${TOPICS.bJava}:${partitions}`, `${TOPICS.bRdkafka}:${partitions}`,
    `${TOPICS.latJava}:1`, `${TOPICS.latRdkafka}:1`, `${TOPICS.warmup}:${partitions}`,
    `${TOPICS.gRolled}:${partitions}:segment.bytes=${gSegmentBytes}`,
    `${TOPICS.hJava}:${partitions}`, `${TOPICS.hWarmup}:${partitions}`,
  ];
  const run = await runTool(javaTool(tools, "BenchClient", ["create-topics", bootstrap, ...specs], benchClasspath(tools)),
    { name, tools, timeoutMs: 60_000 });
  if (run.code !== 0) failWith(run, "CreateTopics (Admin.createTopics)");
}

function benchClasspath(tools: Tools): string {
  return `${tools.benchClasses}:${tools.kafkaClasspath}`;
}

/** Sum of the log end offsets of a topic's partitions (ListOffsets via kcat -Q). */
export async function endOffsetSum(bootstrap: string, topic: string, partitions: number, tools: Tools, name: string): Promise<number> {
  const args = ["kcat", "-Q", "-b", bootstrap];
  for (let p = 0; p < partitions; p++) args.push("-t", `${topic}:${p}:-1`);
  const run = await runTool(args, { name, tools, timeoutMs: 30_000 });
  if (run.code !== 0) failWith(run, `ListOffsets for ${topic} (kcat -Q)`);
  let sum = 0;
  let seen = 0;
  for (const m of run.stdout.matchAll(/\[(\d+)\] offset (-?\d+)/g)) {
    sum += Number(m[2]);
    seen++;
  }
  if (seen !== partitions) throw new WorkloadError(`ListOffsets for ${topic}: ${seen} of ${partitions} partitions answered`);
  return sum;
}

async function checkWritten(bootstrap: string, topic: string, expected: number, sizes: Sizes, tools: Tools, name: string): Promise<void> {
  const sum = await endOffsetSum(bootstrap, topic, sizes.partitions, tools, name);
  if (sum !== expected) throw new WorkloadError(`${topic}: ${expected} records sent but the log end offsets sum to ${sum}`);
}

// ---- (a), (b): Java ProducerPerformance ----------------------------------------------------------

export interface ProducerResult {
  recordsPerSec: number;
  mibPerSec: number;
  avgLatencyMs: number;
  p99LatencyMs: number;
  /** Whole run, warm-up included. */
  totalRecordsPerSec: number;
}

const PERF_LINE = /(\d+) (steady state )?records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\), ([\d.]+) ms avg latency, ([\d.]+) ms max latency, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th, (\d+) ms 99.9th/g;

export async function producerPerf(opts: {
  bootstrap: string; topic: string; records: number; recordBytes: number; props: string[];
  tools: Tools; name: string; sizes: Sizes;
}): Promise<ProducerResult> {
  const warmup = Math.floor(opts.records / 10);
  const args = [
    "--bootstrap-server", opts.bootstrap, "--topic", opts.topic, "--num-records", String(opts.records),
    "--record-size", String(opts.recordBytes), "--throughput", "-1", "--warmup-records", String(warmup),
    "--reporting-interval", "3600000", "--command-property", ...opts.props,
  ];
  const timeoutMs = 60_000 + (opts.records * opts.recordBytes) / (4 * 1024 * 1024) * 1000 + opts.records / 20;
  const run = await runTool(javaTool(opts.tools, "org.apache.kafka.tools.ProducerPerformance", args), { name: opts.name, tools: opts.tools, timeoutMs });
  if (run.code !== 0) failWith(run, "ProducerPerformance");
  const errors = clientErrors(run.stdout + run.stderr);
  if (errors.length > 0) throw new WorkloadError(`ProducerPerformance: send errors: ${errors.slice(0, 3).join(" | ")}`);
  const lines = [...run.stdout.matchAll(PERF_LINE)];
  const total = lines.find((m) => m[2] === undefined);
  const steady = lines.find((m) => m[2] !== undefined) ?? total;
  if (!total || !steady) failWith(run, "ProducerPerformance printed no summary");
  if (Number(total[1]) !== opts.records) throw new WorkloadError(`ProducerPerformance: ${total[1]} of ${opts.records} records sent`);
  await checkWritten(opts.bootstrap, opts.topic, opts.records, opts.sizes, opts.tools, `${opts.name}.offsets`);
  return {
    recordsPerSec: Number(steady[3]),
    mibPerSec: Number(steady[4]),
    avgLatencyMs: Number(steady[5]),
    p99LatencyMs: Number(steady[9]),
    totalRecordsPerSec: Number(total[3]),
  };
}

// ---- (a), (b): librdkafka (kcat -P) ------------------------------------------------------------

/**
 * A file of `count` lines of `bytes` random capital letters (what ProducerPerformance sends too),
 * kept in the cache dir between runs.
 */
export async function payloadFile(tools: Tools, bytes: number, count: number): Promise<string> {
  const path = join(tools.cacheDir, `records-${bytes}x${count}.txt`);
  if (existsSync(path) && statSync(path).size === (bytes + 1) * count) return path;
  mkdirSync(tools.cacheDir, { recursive: true });
  const linesPerBlock = Math.max(1, Math.floor((1 << 20) / (bytes + 1)));
  const block = new Uint8Array(linesPerBlock * (bytes + 1));
  const random = crypto.getRandomValues(new Uint8Array(block.length));
  for (let i = 0; i < block.length; i++) block[i] = (i + 1) % (bytes + 1) === 0 ? 10 : 65 + (random[i]! % 26);
  const tmp = `${path}.${process.pid}.tmp`;
  const writer = Bun.file(tmp).writer();
  for (let left = count; left > 0; left -= linesPerBlock) {
    writer.write(left >= linesPerBlock ? block : block.subarray(0, left * (bytes + 1)));
    await writer.flush();
  }
  await writer.end();
  renameSync(tmp, path);
  return path;
}

export interface KcatProduceResult {
  recordsPerSec: number;
  mibPerSec: number;
}

/** kcat -P from a file: wall time from spawn to exit (all delivery reports in). */
export async function kcatProduce(opts: {
  bootstrap: string; topic: string; file: string; records: number; recordBytes: number; props: string[];
  tools: Tools; name: string; sizes: Sizes;
}): Promise<KcatProduceResult> {
  const args = ["kcat", "-P", "-b", opts.bootstrap, "-t", opts.topic, "-l", opts.file];
  for (const p of opts.props) args.push("-X", p);
  const timeoutMs = 60_000 + (opts.records * opts.recordBytes) / (4 * 1024 * 1024) * 1000 + opts.records / 20;
  const run = await runTool(args, { name: opts.name, tools: opts.tools, timeoutMs });
  if (run.code !== 0 || /% ERROR|Delivery failed|failed to produce/i.test(run.stderr)) failWith(run, "kcat -P");
  await checkWritten(opts.bootstrap, opts.topic, opts.records, opts.sizes, opts.tools, `${opts.name}.offsets`);
  const secs = run.ms / 1000;
  return { recordsPerSec: opts.records / secs, mibPerSec: (opts.records * opts.recordBytes) / secs / (1024 * 1024) };
}

// ---- (h): transactional produce (java/BenchClient.java txn-produce) ----------------------------

/** Records per transaction in (h): the issue's "transactions of 1,000 records". */
export const TXN_RECORDS = 1000;
/**
 * (h) sends (b)'s records (100 bytes) with (b)'s producer settings (acks=all, idempotent: what a
 * transactional producer must use), so (h) beside (b) is the cost of the transactions; and with
 * small records the per-transaction work (EndTxn, the coordinator's log writes, one marker per
 * partition) is a tenth of a transaction's bytes rather than a hundredth, which is what (h) is for.
 */
export const H_RECORD_BYTES = B_RECORD_BYTES;

/** (h)'s record count: (b)'s, rounded down to whole transactions (at least one). */
export function hRecords(sizes: Sizes): number {
  return Math.max(1, Math.floor(sizes.bRecords / TXN_RECORDS)) * TXN_RECORDS;
}

/**
 * The unmeasured transactional warm-up before (h): twice (h)'s records. The session's warm-up
 * (plain produce and consume) leaves Kafka's transaction paths cold; measured on a fresh Kafka
 * 4.3.1 here, runs of 300,000 records went 26k → 37k → 57k → 73k rec/s, and its broker CPU
 * from over 20 to 7.5 s per M records (a third or more of it the C2 compiler), settling after
 * about 1.2 M records.
 */
export function hWarmupRecords(sizes: Sizes): number {
  return 2 * hRecords(sizes);
}

export interface TxnProduceResult {
  /** Steady state: the first tenth of the transactions excluded. */
  recordsPerSec: number;
  mibPerSec: number;
  transactionsPerSec: number;
  /** commitTransaction(): the transaction's last batches flushed, then EndTxn answered. */
  commitP50Ms: number;
  commitP99Ms: number;
  transactions: number;
  markers: number;
}

/**
 * Transactions of exactly TXN_RECORDS records at full speed, each committed before the next; the
 * run counts only if every transaction committed, every record was acknowledged, and both the high
 * watermark and the last stable offset (read_committed end offset) moved by records + markers: a
 * broker that lost records or markers, or left a transaction open, fails here rather than
 * reporting a fast run.
 */
export async function txnProduce(opts: {
  bootstrap: string; topic: string; records: number; recordBytes: number; transactionalId: string;
  partitions: number; tools: Tools; name: string;
}): Promise<TxnProduceResult> {
  const transactions = opts.records / TXN_RECORDS;
  if (!Number.isInteger(transactions) || transactions < 1) throw new WorkloadError(`txn-produce: ${opts.records} records is not whole transactions of ${TXN_RECORDS}`);
  const warmupTxns = Math.floor(transactions / 10);
  const args = ["txn-produce", opts.bootstrap, opts.topic, String(opts.records), String(opts.recordBytes), String(TXN_RECORDS), opts.transactionalId, String(warmupTxns)];
  const timeoutMs = 60_000 + opts.records / 5;
  const run = await runTool(javaTool(opts.tools, "BenchClient", args, benchClasspath(opts.tools)), { name: opts.name, tools: opts.tools, timeoutMs });
  const json = run.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!json) failWith(run, "BenchClient txn-produce");
  const r = JSON.parse(json) as {
    transactions: number; committed: number; recordsSent: number; recordsAcked: number; sendErrors: number; markers: number;
    highWatermarkDelta: number; lastStableOffsetDelta: number; steadyRecords: number; steadySeconds: number;
    commit_p50_us: number | null; commit_p99_us: number | null; error: string | null;
  };
  const what = `txn-produce (${r.committed} of ${r.transactions} transactions committed)`;
  if (r.error !== null) throw new WorkloadError(`${what}: ${r.error.slice(0, 400)}`);
  if (run.code !== 0) failWith(run, what);
  if (r.committed !== transactions || r.recordsAcked !== opts.records || r.sendErrors > 0) {
    throw new WorkloadError(`${what}: ${r.recordsAcked} of ${opts.records} records acknowledged, ${r.sendErrors} send errors`);
  }
  // Every transaction wrote to at least one partition and to at most all of them, one marker each.
  if (r.markers < transactions || r.markers > transactions * opts.partitions) {
    throw new WorkloadError(`${what}: ${r.markers} partitions written over ${transactions} transactions`);
  }
  const expected = opts.records + r.markers;
  if (r.highWatermarkDelta !== expected || r.lastStableOffsetDelta !== expected) {
    throw new WorkloadError(`${what}: high watermark moved by ${r.highWatermarkDelta}, last stable offset (read_committed) by ${r.lastStableOffsetDelta}; ` +
      `expected ${opts.records} records + ${r.markers} markers = ${expected}`);
  }
  if (r.steadySeconds <= 0 || r.commit_p50_us === null || r.commit_p99_us === null) throw new WorkloadError(`${what}: no steady-state transactions timed`);
  const recordsPerSec = r.steadyRecords / r.steadySeconds;
  return {
    recordsPerSec,
    mibPerSec: (recordsPerSec * opts.recordBytes) / (1024 * 1024),
    transactionsPerSec: r.steadyRecords / TXN_RECORDS / r.steadySeconds,
    commitP50Ms: r.commit_p50_us / 1000,
    commitP99Ms: r.commit_p99_us / 1000,
    transactions,
    markers: r.markers,
  };
}

// ---- (c): consume ------------------------------------------------------------------------------

export interface ConsumerResult {
  /** Fetch throughput (ConsumerPerformance's fetch.MB.sec: group join excluded). */
  fetchMibPerSec: number;
  /** Whole run from the first poll, group join included (MB.sec). */
  totalMibPerSec: number;
  joinMs: number;
}

export async function consumerPerf(opts: {
  bootstrap: string; topic: string; records: number; group: string; tools: Tools; name: string;
}): Promise<ConsumerResult> {
  const args = [
    "--bootstrap-server", opts.bootstrap, "--topic", opts.topic, "--num-records", String(opts.records),
    "--group", opts.group, "--timeout", "15000", "--reporting-interval", "3600000",
  ];
  const timeoutMs = 60_000 + (opts.records * A_RECORD_BYTES) / (8 * 1024 * 1024) * 1000;
  const run = await runTool(javaTool(opts.tools, "org.apache.kafka.tools.ConsumerPerformance", args), { name: opts.name, tools: opts.tools, timeoutMs });
  if (run.code !== 0) failWith(run, "ConsumerPerformance");
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec,
  // rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const line = run.stdout.split("\n").reverse().find((l) => /^\d{4}-\d\d-\d\d .*,/.test(l));
  if (!line) failWith(run, "ConsumerPerformance printed no summary");
  const f = line.split(",").map((s) => s.trim());
  const consumed = Number(f[4]);
  if (consumed < opts.records) {
    const why = /WARNING: ([^\n]*)/.exec(run.stdout + run.stderr)?.[1] ?? "";
    throw new WorkloadError(`ConsumerPerformance: ${consumed} of ${opts.records} records consumed ${why}`.trim());
  }
  return { totalMibPerSec: Number(f[3]), joinMs: Number(f[6]), fetchMibPerSec: Number(f[8]) };
}

export interface KcatConsumeResult {
  mibPerSec: number;
}

/** kcat -C from the beginning to the end of every partition (assign, no group), one byte out per record. */
export async function kcatConsume(opts: {
  bootstrap: string; topic: string; records: number; recordBytes: number; tools: Tools; name: string;
}): Promise<KcatConsumeResult> {
  const args = ["kcat", "-C", "-b", opts.bootstrap, "-t", opts.topic, "-o", "beginning", "-e", "-q", "-f", "."];
  const timeoutMs = 60_000 + (opts.records * opts.recordBytes) / (8 * 1024 * 1024) * 1000;
  const run = await runTool(args, { name: opts.name, tools: opts.tools, timeoutMs, readStdout: false });
  if (run.code !== 0) failWith(run, "kcat -C");
  const consumed = statSync(run.stdoutPath).size;
  if (consumed !== opts.records) throw new WorkloadError(`kcat -C: ${consumed} of ${opts.records} records consumed`);
  return { mibPerSec: (opts.records * opts.recordBytes) / (run.ms / 1000) / (1024 * 1024) };
}

// ---- (d): end-to-end latency -------------------------------------------------------------------

export interface LatencyResult {
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export async function e2eLatency(opts: {
  client: "java" | "rdkafka"; bootstrap: string; topic: string; sizes: Sizes; tools: Tools; name: string;
}): Promise<LatencyResult> {
  const s = opts.sizes;
  const common = [opts.bootstrap, opts.topic, String(s.latencyRate), String(s.latencyWarmupSec), String(s.latencySeconds), String(LATENCY_RECORD_BYTES), "all"];
  const argv = opts.client === "java"
    ? javaTool(opts.tools, "BenchClient", ["e2e", ...common], benchClasspath(opts.tools))
    : [opts.tools.python, join(import.meta.dir, "rdkafka_e2e.py"), ...common];
  const run = await runTool(argv, { name: opts.name, tools: opts.tools, timeoutMs: (s.latencyWarmupSec + s.latencySeconds + 60) * 1000 });
  if (run.code !== 0) failWith(run, opts.client === "java" ? "BenchClient e2e" : "rdkafka_e2e.py");
  const json = run.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!json) failWith(run, "latency tool printed no result");
  const r = JSON.parse(json) as { count: number; lost: number; sendErrors: number; p50_us: number | null; p99_us: number | null; p999_us: number | null; max_us: number | null };
  if (r.sendErrors > 0 || r.lost > 0 || r.count === 0 || r.p99_us === null) {
    throw new WorkloadError(`latency: ${r.count} measured, ${r.lost} never received, ${r.sendErrors} send errors`);
  }
  return { p50Ms: r.p50_us! / 1000, p99Ms: r.p99_us / 1000, p999Ms: r.p999_us! / 1000, maxMs: r.max_us! / 1000 };
}

/** javac BenchClient.java against kafka-clients, once per source version. */
export function compileBenchClient(kafkaClasspath: string, cacheDir: string): string {
  const src = join(import.meta.dir, "java/BenchClient.java");
  const hash = Bun.hash(readFileSync(src)).toString(16);
  const dir = join(cacheDir, `bench-client-${hash}`);
  if (existsSync(join(dir, "BenchClient.class"))) return dir;
  mkdirSync(dir, { recursive: true });
  const r = Bun.spawnSync(["javac", "-nowarn", "-d", dir, "-cp", kafkaClasspath, src], { stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`javac BenchClient.java failed:\n${r.stderr.toString()}`);
  return dir;
}

/** A log4j2 config for the tools: warnings and errors to stderr. */
export function writeToolsLog4j(dir: string): string {
  const path = join(dir, "tools-log4j2.properties");
  writeFileSync(path, [
    "status = warn",
    "appender.err.type = Console",
    "appender.err.name = STDERR",
    "appender.err.target = SYSTEM_ERR",
    "appender.err.layout.type = PatternLayout",
    "appender.err.layout.pattern = [%d] %p %m (%c)%n",
    "rootLogger.level = WARN",
    "rootLogger.appenderRef.err.ref = STDERR",
    "",
  ].join("\n"));
  return path;
}
