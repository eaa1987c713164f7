// Runs other projects' Kafka test suites (test/conformance/suites.ts), unmodified, against
// Bunka, or with --kafka against Apache Kafka 4.3.1, one test per process with its own time
// limit, and writes the table test/conformance/RESULTS.md.
//
//   bun test/conformance/run.ts [--kafka] [--suite NAME]... [--test REGEX] [--check] [--out DIR]
//   npm run conformance [-- options]
//
//   --kafka        run against Apache Kafka 4.3.1 (test/interop/kafka-run.sh) instead of Bunka
//   --suite NAME   only this suite (repeatable; default: all)
//   --test REGEX   only tests whose name matches (results are then not saved)
//   --check        exit 1 when a test fails on Bunka that is not in known-failures.txt (CI);
//                  known failures get 60 s and no retry, and results stay in --out
//   --out DIR      where logs go (default: a new /tmp/bunka-conformance-<time> dir)
//
// Per suite: `go mod download` fetches the module at its pinned version from the Go module
// proxy, a writable copy is built with `go test -c` (cached under ~/.cache/bunka/conformance),
// a fresh broker is started with the settings the suite's own CI gives Kafka, and every selected
// test runs alone (`-test.run '^Name$' -test.v -test.timeout N`), killed N + 15 s after its start
// at the latest. A failed test is run once more; one that passes then is reported as flaky. The
// results go to test/conformance/results/<suite>.<bunka|kafka>.json, and RESULTS.md is made from
// the newest results of both brokers with the reasons from known-failures.txt.
//
// The last line counts tests passed, failed (on Bunka: known failures apart, on the line before)
// and skipped; with
// --check the exit status is 1 when a failure is not in known-failures.txt.

import { spawn, spawnSync } from "node:child_process";
import {
  chmodSync, cpSync, createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync,
  statSync, symlinkSync, writeFileSync,
} from "node:fs";
import { createServer, connect } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SUITES, type ClientHang, type Suite } from "./suites.ts";

const HERE = import.meta.dir;
const ROOT = resolve(HERE, "../..");
const CACHE = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache", "bunka"), "conformance");
const RESULTS_DIR = join(HERE, "results");
const KNOWN_FAILURES = join(HERE, "known-failures.txt");
const RETRIES = 1;
/** Under --check, the limit for a test in known-failures.txt (see main). */
// Long enough for the slowest of them to pass on Kafka (franz-go TestTxnEtl: 42 s here).
const KNOWN_FAILURE_LIMIT_SEC = 60;

type Target = "bunka" | "kafka";
type Status = "PASS" | "FAIL" | "SKIP";

export interface TestResult {
  name: string;
  status: Status;
  /** Passed on the retry after failing once. */
  flaky?: boolean;
  seconds: number;
  /** Subtests in order, with their outcome. */
  subtests: { name: string; status: Status }[];
  /** Skip message, or the first lines that explain a failure. */
  detail: string;
  /** Ended by its time limit. */
  timedOut?: boolean;
}

export interface SuiteRun {
  suite: string;
  title: string;
  module: string;
  version: string;
  target: Target;
  /** e.g. "Bunka 0.1.0 (a1b2c3d)" or "Apache Kafka 4.3.1". */
  broker: string;
  date: string;
  seconds: number;
  tests: TestResult[];
}

// ---------------------------------------------------------------------------------------------
// Arguments

interface Options {
  target: Target;
  suites: Suite[];
  testFilter: RegExp | null;
  check: boolean;
  out: string;
}

function parseArgs(argv: string[]): Options {
  let target: Target = "bunka";
  const names: string[] = [];
  let testFilter: RegExp | null = null;
  let check = false;
  let out = "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--kafka") target = "kafka";
    else if (a === "--suite") names.push(argv[++i] ?? "");
    else if (a === "--test") testFilter = new RegExp(argv[++i] ?? "");
    else if (a === "--check") check = true;
    else if (a === "--out") out = argv[++i] ?? "";
    else if (a === "-h" || a === "--help") {
      const text = readFileSync(import.meta.path, "utf8").split("\n");
      console.log(text.slice(0, text.findIndex((l) => !l.startsWith("//"))).map((l) => l.slice(3)).join("\n"));
      process.exit(0);
    } else throw new Error(`unknown argument ${a} (see --help)`);
  }
  const suites = names.length === 0 ? [...SUITES] : names.map((n) => {
    const s = SUITES.find((x) => x.name === n);
    if (!s) throw new Error(`unknown suite ${n} (suites: ${SUITES.map((x) => x.name).join(", ")})`);
    return s;
  });
  out ||= mkdtempSync(join(tmpdir(), `bunka-conformance-${new Date().toISOString().replace(/[:.]/g, "-")}-`));
  mkdirSync(out, { recursive: true });
  return { target, suites, testFilter, check, out };
}

function say(msg: string): void {
  process.stderr.write(`conformance: ${msg}\n`);
}

// ---------------------------------------------------------------------------------------------
// Building a suite from the Go module proxy

function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): string {
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: "utf8", maxBuffer: 64 << 20,
  });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.status ?? r.signal}):\n${(r.stderr || r.stdout || "").slice(-4000)}`);
  }
  return r.stdout;
}

/**
 * Builds the suite's test binary in a small module of our own that requires the suite's module
 * at its pinned version (from the Go module proxy, `go get -t` for its test dependencies), so
 * nothing of theirs is edited, and lays out a writable copy of the package's directory as the
 * tests' working directory (some read files there, and testconf.json goes there).
 */
function buildSuite(suite: Suite): { binary: string; workDir: string } {
  const id = `${suite.name}@${suite.version}`;
  const wrapper = join(CACHE, "build", id);
  const binary = join(CACHE, "bin", `${id}.test`);
  const workDir = join(CACHE, "work", id);
  if (existsSync(binary) && existsSync(workDir)) return { binary, workDir };
  const importPath = suite.pkg === "." ? suite.module : `${suite.module}/${suite.pkg}`;
  rmSync(wrapper, { recursive: true, force: true });
  mkdirSync(wrapper, { recursive: true });
  const env = { GOFLAGS: "-mod=mod", GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? "local" };
  say(`${id}: go get -t ${suite.module}@${suite.version} (Go module proxy)`);
  run("go", ["mod", "init", `bunka.dev/conformance/${suite.name}`], { cwd: wrapper, env });
  writeFileSync(join(wrapper, "deps.go"), `package conformance\n\nimport _ "${importPath}"\n`);
  run("go", ["get", "-t", `${suite.module}@${suite.version}`], { cwd: wrapper, env });
  say(`${id}: go test -c ${importPath} (the first build takes a minute or more)`);
  const t0 = Date.now();
  mkdirSync(join(CACHE, "bin"), { recursive: true });
  run("go", ["test", "-c", "-o", binary, importPath], { cwd: wrapper, env });
  say(`${id}: built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const moduleDir = (JSON.parse(run("go", ["list", "-m", "-json", suite.module], { cwd: wrapper, env })) as { Dir: string }).Dir;
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(join(CACHE, "work"), { recursive: true });
  cpSync(join(moduleDir, suite.pkg), workDir, { recursive: true });
  makeWritable(workDir);
  return { binary, workDir };
}

/**
 * This run's working directory: links to the built copy's entries, so that the files written
 * into it (testconf.json, naming this run's broker) are this run's own, and two runs (Bunka and
 * --kafka side by side) never read each other's.
 */
function runWorkDir(workDir: string, dir: string, files: Record<string, string>): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const e of readdirSync(workDir)) {
    if (!(e in files)) symlinkSync(join(workDir, e), join(dir, e));
  }
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

function makeWritable(dir: string): void {
  chmodSync(dir, 0o755);
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) makeWritable(p);
    else chmodSync(p, 0o644 | (statSync(p).mode & 0o111));
  }
}

function listTests(binary: string, suite: Suite, cwd: string): string[] {
  const top = run(binary, ["-test.list", ".*"], { cwd }).split("\n").map((l) => l.trim()).filter((l) => l !== "" && suite.select(l, cwd));
  // A test run one subtest at a time is replaced by its subtests.
  return top.flatMap((name) => suite.subtests?.(name, cwd) ?? [name]);
}

/** A test's log file name: a subtest "TestA/TestB" logs to TestA.TestB.log. */
function logName(name: string): string {
  return name.replace(/\//g, ".");
}

/** -test.run's pattern for exactly this test or subtest (Go matches it level by level). */
export function runPattern(name: string): string {
  return name.split("/").map((level) => `^${level}$`).join("/");
}

// ---------------------------------------------------------------------------------------------
// Brokers

interface Broker {
  bootstrap: string;
  /** The SASL_PLAINTEXT listener's address, when the suite has one. */
  saslBootstrap?: string;
  description: string;
  alive(): boolean;
  stop(): Promise<void>;
}

/**
 * A private network namespace (loopback only) for a suite that hard-codes its broker's port:
 * the broker and the tests run inside it, so the port is free whatever runs on this machine.
 * Needs root (unshare), as CI has.
 */
interface NetNs {
  /** The command line that runs `cmd` inside the namespace. */
  wrap(cmd: string, args: string[]): [string, string[]];
  close(): void;
}

const HOST_NS: NetNs = { wrap: (cmd, args) => [cmd, args], close() {} };

async function privateNetNs(): Promise<NetNs> {
  const holder = spawn("unshare", ["--net", "sh", "-c", "ip link set lo up && exec sleep 86400"], { stdio: "ignore" });
  let failed = false;
  holder.once("exit", () => { failed = true; });
  const pid = holder.pid!;
  const deadline = Date.now() + 5000;
  while (spawnSync("nsenter", ["-t", String(pid), "-n", "--", "sh", "-c", "ip -o link show lo | grep -q UP"]).status !== 0) {
    if (failed || Date.now() > deadline) {
      throw new Error("cannot make a private network namespace (unshare --net needs root): this suite hard-codes its broker's port");
    }
    await Bun.sleep(20);
  }
  return {
    wrap: (cmd, args) => ["nsenter", ["-t", String(pid), "-n", "--", cmd, ...args]],
    close: () => { holder.kill("SIGKILL"); },
  };
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = await new Promise<number>((res, rej) => {
      const s = createServer();
      s.once("error", rej);
      s.listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => res(p));
      });
    });
    // Kafka needs port + 1 for its controller listener.
    if (port < 65535 && await portFree(port + 1)) return port;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = createServer();
    s.once("error", () => res(false));
    s.listen(port, "127.0.0.1", () => s.close(() => res(true)));
  });
}

function answers(port: number, ns: NetNs): boolean {
  const [cmd, args] = ns.wrap("bash", ["-c", `exec 3<>/dev/tcp/127.0.0.1/${port}`]);
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}

function gitDescribe(): string {
  const r = spawnSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" });
  // Changes to tracked sources (an untracked file is in the binary only if something imports it).
  const dirty = spawnSync("git", ["diff", "--quiet", "HEAD", "--", "src"], { cwd: ROOT }).status !== 0;
  return r.status === 0 ? `${r.stdout.trim()}${dirty ? "+changes" : ""}` : "unknown commit";
}

/** A free port for the SASL listener, clear of the PLAINTEXT port and Kafka's controller port after it. */
async function saslPort(suite: Suite, port: number): Promise<number | undefined> {
  if (!suite.sasl) return undefined;
  if (suite.sasl.port !== undefined) return suite.sasl.port;
  for (;;) {
    const p = await freePort();
    if (p !== port && p !== port + 1) return p;
  }
}

/**
 * The listener settings both brokers get: PLAINTEXT, and the suite's SASL_PLAINTEXT listener
 * with its mechanisms and JAAS configs (Kafka's keys; Kafka's controller listener is added by
 * startKafka).
 */
function listenerProps(suite: Suite, host: string, port: number, sasl: number | undefined): Record<string, string> {
  if (!suite.sasl || sasl === undefined) {
    return { "listeners": `PLAINTEXT://127.0.0.1:${port}`, "advertised.listeners": `PLAINTEXT://${host}:${port}` };
  }
  return {
    "listeners": `PLAINTEXT://127.0.0.1:${port},SASL_PLAINTEXT://127.0.0.1:${sasl}`,
    "advertised.listeners": `PLAINTEXT://${host}:${port},SASL_PLAINTEXT://${host}:${sasl}`,
    "sasl.enabled.mechanisms": suite.sasl.mechanisms.join(","),
    ...Object.fromEntries(Object.entries(suite.sasl.jaas).map(([m, v]) => [`listener.name.sasl_plaintext.${m}.sasl.jaas.config`, v])),
  };
}

async function startBunka(suite: Suite, out: string, ns: NetNs): Promise<Broker> {
  run("bash", [join(ROOT, "your_program.sh")], { env: { BUNKA_BUILD_ONLY: "1" } });
  const port = suite.port ?? await freePort();
  const sasl = await saslPort(suite, port);
  const host = suite.advertisedHost ?? "127.0.0.1";
  const dir = mkdtempSync(join(tmpdir(), `bunka-conformance-${suite.name}-`));
  const scram = suite.sasl?.scramUsers ?? [];
  const props = {
    "node.id": "1",
    ...listenerProps(suite, host, port, sasl),
    "log.dirs": join(dir, "data"),
    // Bunka's `kafka-storage format --add-scram`: the users exist before the first client.
    ...(scram.length > 0 ? {
      "bunka.add.scram": scram.map((u) => `${u.mechanism}=[name=${u.name},password=${u.password}${u.iterations ? `,iterations=${u.iterations}` : ""}]`).join(";"),
    } : {}),
    ...suite.brokerProps,
  };
  writeFileSync(join(dir, "server.properties"), Object.entries(props).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  const logFile = join(out, `${suite.name}.bunka.log`);
  const log = createWriteStream(logFile, { flags: "a" });
  const [cmd, args] = ns.wrap(join(ROOT, "bunka"), [join(dir, "server.properties")]);
  const proc = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  proc.stdout.pipe(log, { end: false });
  proc.stderr.pipe(log, { end: false });
  let exited = false;
  proc.once("exit", () => { exited = true; });
  const deadline = Date.now() + 30_000;
  while (!answers(port, ns)) {
    if (exited || Date.now() > deadline) { proc.kill("SIGKILL"); throw new Error(`Bunka did not start (log: ${logFile})`); }
    await Bun.sleep(50);
  }
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string };
  if (sasl !== undefined) {
    while (!answers(sasl, ns)) {
      if (exited || Date.now() > deadline) { proc.kill("SIGKILL"); throw new Error(`Bunka's SASL listener did not start (log: ${logFile})`); }
      await Bun.sleep(50);
    }
  }
  return {
    bootstrap: `${host}:${port}`,
    ...(sasl !== undefined ? { saslBootstrap: `${host}:${sasl}` } : {}),
    description: `Bunka ${pkg.version} (${gitDescribe()})`,
    alive: () => !exited,
    async stop() {
      if (!exited) {
        proc.kill("SIGTERM");
        await Promise.race([new Promise((r) => proc.once("exit", r)), Bun.sleep(20_000)]);
        if (!exited) proc.kill("SIGKILL");
      }
      log.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startKafka(suite: Suite, out: string, ns: NetNs): Promise<Broker> {
  const port = suite.port ?? await freePort();
  const sasl = await saslPort(suite, port);
  const host = suite.advertisedHost ?? "127.0.0.1";
  // A fixed port may have neighbours the suite expects elsewhere (a SASL listener on port + 1).
  const controllerPort = suite.port !== undefined ? port + 2 : port + 1;
  const dir = join(out, `kafka-${suite.name}`);
  const script = join(ROOT, "test/interop/kafka-run.sh");
  const version = run("bash", [join(ROOT, "test/interop/kafka-dist.sh"), "version"]).trim();
  const listeners = listenerProps(suite, host, port, sasl);
  // kafka-run.sh's own listeners lines come first; these (appended last) replace them, so they
  // name its controller listener too.
  listeners["listeners"] += `,CONTROLLER://127.0.0.1:${controllerPort}`;
  const controller = sasl !== undefined ? suite.sasl?.controller : undefined;
  listeners["listener.security.protocol.map"] =
    `PLAINTEXT:PLAINTEXT,CONTROLLER:${controller ? "SASL_PLAINTEXT" : "PLAINTEXT"}${sasl !== undefined ? ",SASL_PLAINTEXT:SASL_PLAINTEXT" : ""}`;
  if (controller) {
    // The suite's CI's controller listener: the broker logs in to it with the JAAS config's user.
    const m = controller.mechanism.toLowerCase();
    listeners["sasl.mechanism.controller.protocol"] = controller.mechanism;
    listeners["listener.name.controller.sasl.enabled.mechanisms"] = controller.mechanism;
    listeners[`listener.name.controller.${m}.sasl.jaas.config`] = controller.jaas;
  }
  const env = {
    KAFKA_EXTRA_PROPS: Object.entries({ ...suite.brokerProps, ...listeners })
      .map(([k, v]) => `${k}=${v}`).join("\n"),
  };
  const kafka = (command: string, ...args: string[]) =>
    ns.wrap("bash", [script, "--port", String(port), "--controller-port", String(controllerPort), "--dir", dir, command, ...args]);
  say(`starting Apache Kafka ${version} on ${host}:${port}${sasl !== undefined ? ` (SASL_PLAINTEXT on ${sasl})` : ""}`);
  run(...kafka("start"), { env });
  // The SCRAM users, made as the suites' CIs make them: kafka-configs once the broker runs.
  for (const u of suite.sasl?.scramUsers ?? []) {
    const config = `${u.mechanism}=[${u.iterations ? `iterations=${u.iterations},` : ""}password=${u.password}]`;
    run(...kafka("tool", "kafka.admin.ConfigCommand", "--bootstrap-server", `127.0.0.1:${port}`,
      "--alter", "--add-config", config, "--entity-type", "users", "--entity-name", u.name));
  }
  const pid = Number(readFileSync(join(dir, "kafka.pid"), "utf8").trim());
  return {
    bootstrap: `${host}:${port}`,
    ...(sasl !== undefined ? { saslBootstrap: `${host}:${sasl}` } : {}),
    description: `Apache Kafka ${version}`,
    alive: () => { try { process.kill(pid, 0); return true; } catch { return false; } },
    async stop() {
      for (const c of ["stop", "clean"]) spawnSync(...kafka(c), { stdio: "ignore" });
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Running one test

const RESULT_LINE = /^(\s*)--- (PASS|FAIL|SKIP): (\S+) \(([\d.]+)s\)/;

async function runTest(
  binary: string, cwd: string, suite: Suite, name: string, broker: Broker, logPath: string, limit: number, ns: NetNs,
): Promise<TestResult> {
  const started = Date.now();
  const [cmd, args] = ns.wrap(binary, ["-test.run", runPattern(name), "-test.v", "-test.count", "1", "-test.timeout", `${limit}s`]);
  const proc = spawn(cmd, args, {
    cwd, env: { ...process.env, ...suite.env(broker.bootstrap, broker.saslBootstrap) }, stdio: ["ignore", "pipe", "pipe"], detached: true,
  });
  let text = "";
  const keep = (chunk: Buffer) => {
    text += chunk.toString("utf8");
    if (text.length > 8 << 20) text = text.slice(-(4 << 20)); // a chatty test keeps its tail
  };
  proc.stdout.on("data", keep);
  proc.stderr.on("data", keep);
  let killed = false;
  // -test.timeout makes the binary panic with every goroutine's stack; this is the backstop for a
  // binary that cannot even do that.
  const backstop = setTimeout(() => {
    killed = true;
    try { process.kill(-proc.pid!, "SIGKILL"); } catch { /* gone */ }
  }, (limit + 15) * 1000);
  const code = await new Promise<number | null>((res) => proc.once("close", (c) => res(c)));
  clearTimeout(backstop);
  const seconds = (Date.now() - started) / 1000;
  writeFileSync(logPath, text);

  return { name, seconds: Math.round(seconds * 10) / 10, ...verdict(text, name, code, killed, limit) };
}

/** The known client-library hang (suite.clientHangs) that a timed-out test's dump shows, if any. */
export function clientHang(suite: Suite, output: string): ClientHang | undefined {
  return suite.clientHangs?.find((h) => h.stack.test(output));
}

/** What one test binary run of `-test.run '^name$' -test.v` says about `name`. */
export function verdict(
  text: string, name: string, code: number | null, killed: boolean, limit: number,
): Omit<TestResult, "name" | "seconds"> {
  const subtests: TestResult["subtests"] = [];
  let status: Status | null = null;
  for (const line of text.split("\n")) {
    const m = RESULT_LINE.exec(line);
    if (!m) continue;
    if (m[3] === name) status = m[2] as Status;
    else if (m[3]!.startsWith(`${name}/`)) subtests.push({ name: m[3]!.slice(name.length + 1), status: m[2] as Status });
  }
  let detail = "";
  const timedOut = killed || /panic: test timed out after/.test(text);
  if (killed) {
    status = "FAIL";
    detail = `killed after ${limit + 15} s (no answer to -test.timeout)`;
  } else if (timedOut) {
    status = "FAIL";
    detail = `timed out after ${limit} s (-test.timeout); first report: ${failureExcerpt(text, name, "first")}`;
  } else if (status === null) {
    // No "--- PASS/FAIL/SKIP: name" line: it crashed, or did not run at all.
    status = "FAIL";
    detail = `exited ${code} without a result line: ${lastLines(text, 3)}`;
  } else if (status === "SKIP") {
    detail = skipReason(text, name);
  } else if (status === "FAIL") {
    detail = failureExcerpt(text, name);
  }
  return { status, subtests, detail, ...(timedOut ? { timedOut } : {}) };
}

function lastLines(text: string, n: number): string {
  return text.trim().split("\n").slice(-n).join(" | ").slice(0, 300);
}

/** The t.Skip message: the last line the test itself logged (streamed before its SKIP line). */
export function skipReason(text: string, name: string): string {
  let current = "";
  let last = "";
  for (const l of text.split("\n")) {
    const h = /^=== (?:RUN|CONT|NAME|PAUSE)\s+(\S+)/.exec(l);
    if (h) current = h[1]!;
    // Cleanups run after t.Skip and log as "panic.go:NNN" (runtime.Goexit): not the reason.
    else if (current === name && /^\s+\S+\.go:\d+: /.test(l) && !/^\s+panic\.go:\d+: /.test(l)) last = l;
  }
  return last.replace(/^\s+\S+\.go:\d+: /, "").trim().slice(0, 200);
}

/**
 * The lines that explain a failure: `-test.v` output is attributed to the test named by the last
 * "=== RUN/CONT/NAME" header, and what passed or skipped subtests logged (skip messages,
 * progress) is left out.
 */
export function failureExcerpt(text: string, name: string, which: "first" | "last" = "last"): string {
  const lines = text.split("\n");
  const ended = new Map<string, string>();
  for (const l of lines) {
    const m = RESULT_LINE.exec(l);
    if (m) ended.set(m[3]!, m[2]!);
  }
  // What the test itself logged first (its subtests may not have ended, after a time-out), then
  // what its failing or unfinished subtests logged.
  const own: string[] = [], others: string[] = [];
  let current = "";
  for (const l of lines) {
    const h = /^=== (?:RUN|CONT|NAME|PAUSE)\s+(\S+)/.exec(l);
    if (h) { current = h[1]!; continue; }
    if (!/^\s+\S+\.go:\d+: /.test(l) && !/^panic: /.test(l)) continue;
    const verdict = ended.get(current);
    if (verdict === "PASS" || verdict === "SKIP") continue;
    (current === name ? own : others).push(l.trim());
  }
  // A failed test's reason is what it logged last (t.Fatal ends it); a timed-out test's is its
  // first complaint (what it kept waiting on afterwards matters less).
  const all = [...own, ...others];
  const picked = which === "first" ? all.slice(0, 2) : all.slice(-2);
  const pick = picked.length > 0 ? picked : text.trim().split("\n").slice(-2);
  return pick.map((l) => l.trim()).join(" | ").slice(0, 300);
}

// ---------------------------------------------------------------------------------------------
// Known failures

export interface KnownFailure {
  suite: string;
  test: string;
  reason: string;
}

/** `<suite> <Test> <reason...>` per line; `#` starts a comment. */
export function readKnownFailures(text: string): KnownFailure[] {
  const out: KnownFailure[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(\S+)\s+(\S+)\s+(.+)$/.exec(line);
    if (!m) throw new Error(`known-failures.txt: expected "<suite> <test> <reason>", got: ${line}`);
    out.push({ suite: m[1]!, test: m[2]!, reason: m[3]! });
  }
  return out;
}

export interface CheckOutcome {
  /** Failing on Bunka and not in the list: CI fails. */
  unexpected: TestResult[];
  /** In the list but passing now: to be removed from the list. */
  fixed: KnownFailure[];
}

export function checkAgainstKnown(run: SuiteRun, known: KnownFailure[]): CheckOutcome {
  const mine = known.filter((k) => k.suite === run.suite);
  const byName = new Map(run.tests.map((t) => [t.name, t]));
  return {
    unexpected: run.tests.filter((t) => t.status === "FAIL" && !mine.some((k) => k.test === t.name)),
    fixed: mine.filter((k) => byName.get(k.test)?.status === "PASS"),
  };
}

// ---------------------------------------------------------------------------------------------
// RESULTS.md

function loadRun(suite: string, target: Target): SuiteRun | null {
  const file = join(RESULTS_DIR, `${suite}.${target}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) as SuiteRun : null;
}

function cell(t: TestResult | undefined): string {
  if (!t) return "not run";
  const subs = t.subtests.length > 0
    ? ` (${t.subtests.filter((s) => s.status === "PASS").length}/${t.subtests.length} subtests)`
    : "";
  return `${t.status === "PASS" ? "pass" : t.status === "FAIL" ? "**FAIL**" : "skip"}${t.flaky ? " (flaky: passed on retry)" : ""}${subs}`;
}

export function counts(run: SuiteRun | null): { pass: number; fail: number; skip: number; total: number } {
  const tests = run?.tests ?? [];
  const n = (s: Status) => tests.filter((t) => t.status === s).length;
  return { pass: n("PASS"), fail: n("FAIL"), skip: n("SKIP"), total: tests.length };
}

function escapeCell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function renderResults(known: KnownFailure[]): string {
  const out: string[] = [];
  out.push("# Conformance: other projects' Kafka test suites against Bunka and Apache Kafka");
  out.push("");
  out.push("Generated by `npm run conformance` (test/conformance/run.ts) from the newest");
  out.push("`results/<suite>.<broker>.json`; do not edit. Each suite is the project's own test package,");
  out.push("taken unmodified from the Go module proxy at the version named, built with `go test -c`, and");
  out.push("run one test per process with its own time limit against a fresh single-node broker given");
  out.push("the settings the project's CI gives Kafka. The Kafka column is Apache Kafka 4.3.1 run the");
  out.push("same way (`npm run conformance -- --kafka`): a test that fails there too is the test's (or");
  out.push("this machine's) problem, not the broker's. Reasons for Bunka's failures come from");
  out.push("`known-failures.txt`, which CI holds the results to.");
  out.push("");
  out.push("| suite | Kafka: pass / fail / skip | Bunka: pass / fail / skip | tests |");
  out.push("|---|--:|--:|--:|");
  for (const s of SUITES) {
    const k = counts(loadRun(s.name, "kafka")), b = counts(loadRun(s.name, "bunka"));
    out.push(`| [${s.title} ${s.version}](#${anchor(s)}) | ${k.pass} / ${k.fail} / ${k.skip} | ${b.pass} / ${b.fail} / ${b.skip} | ${Math.max(k.total, b.total)} |`);
  }
  for (const s of SUITES) {
    const kafka = loadRun(s.name, "kafka"), bunka = loadRun(s.name, "bunka");
    out.push("");
    out.push(`## ${s.title} ${s.version}`);
    out.push("");
    out.push(`Module \`${s.module}@${s.version}\`, package \`${s.pkg}\`; per-test limit ${s.testTimeoutSec} s.`);
    const envShown = Object.entries(s.env("HOST:PORT", s.sasl ? "HOST:SASL_PORT" : undefined)).map(([k, v]) => `${k}=${v}`).join(" ");
    if (envShown) out.push(`Environment: \`${envShown}\`.`);
    if (s.files) out.push(`Files in the working directory: ${Object.keys(s.files("HOST:PORT", "HOST:SASL_PORT")).map((f) => `\`${f}\``).join(", ")}.`);
    out.push(`Broker settings: ${Object.entries(s.brokerProps).map(([k, v]) => `\`${k}=${v}\``).join(", ")}.`);
    if (s.sasl) {
      out.push(`SASL_PLAINTEXT listener${s.sasl.port !== undefined ? ` on port ${s.sasl.port}` : ""}: \`sasl.enabled.mechanisms=${s.sasl.mechanisms.join(",")}\`; ` +
        (s.sasl.scramUsers.length > 0 ? `SCRAM users ${s.sasl.scramUsers.map((u) => `${u.name} (${u.mechanism})`).join(", ")}.` : "no SCRAM users made at start."));
    }
    for (const n of s.notes) out.push(`${n}`);
    for (const f of s.flaky ?? []) out.push(`${f.test} is run up to ${f.attempts} times and passes if one attempt passes: ${f.why}.`);
    out.push("");
    for (const [label, r] of [["Kafka", kafka], ["Bunka", bunka]] as const) {
      if (r) {
        const c = counts(r);
        out.push(`- ${label}: ${r.broker}, ${r.date.slice(0, 10)}: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped of ${c.total} in ${Math.round(r.seconds)} s.`);
      } else out.push(`- ${label}: not run yet.`);
    }
    out.push("");
    out.push("| test | Kafka | Bunka | reason (Bunka failures and skips) |");
    out.push("|---|---|---|---|");
    const names = [...new Set([...(kafka?.tests ?? []), ...(bunka?.tests ?? [])].map((t) => t.name))].sort();
    // Tests that pass on both, all subtests included, are listed after the table.
    const clean = (t: TestResult | undefined) => t?.status === "PASS" && !t.flaky && t.subtests.every((x) => x.status === "PASS");
    const bothPass = names.filter((n) => clean(kafka?.tests.find((t) => t.name === n)) && clean(bunka?.tests.find((t) => t.name === n)));
    for (const name of names) {
      if (bothPass.includes(name)) continue;
      const k = kafka?.tests.find((t) => t.name === name), b = bunka?.tests.find((t) => t.name === name);
      let reason = "";
      if (b?.status === "FAIL") {
        reason = known.find((x) => x.suite === s.name && x.test === name)?.reason ?? `not in known-failures.txt: ${b.detail}`;
      } else if (b?.status === "SKIP") {
        reason = `skipped by the test: ${b.detail || "no message"}`;
      } else if (b && b.subtests.some((x) => x.status === "SKIP")) {
        reason = `skipped subtests: ${b.subtests.filter((x) => x.status === "SKIP").map((x) => x.name).join(", ")}`;
      }
      if (k?.status === "FAIL" && b?.status !== "FAIL") reason = `${reason ? `${reason}; ` : ""}Kafka: ${k.detail}`;
      out.push(`| ${escapeCell(name)} | ${cell(k)} | ${cell(b)} | ${escapeCell(reason)} |`);
    }
    if (bothPass.length > 0) {
      out.push("");
      out.push(`Pass on both brokers, with every subtest (${bothPass.length}): ${bothPass.map((n) => `${n}`).join(", ")}.`);
    }
  }
  out.push("");
  return out.join("\n");
}

function anchor(s: Suite): string {
  return `${s.title} ${s.version}`.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-");
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  if (spawnSync("go", ["version"]).status !== 0) {
    say("Go is not installed: the suites are Go packages and cannot be built here");
    return 2;
  }
  const known = readKnownFailures(existsSync(KNOWN_FAILURES) ? readFileSync(KNOWN_FAILURES, "utf8") : "");
  say(`logs in ${opts.out}`);
  let passed = 0, failed = 0, skipped = 0, knownFailed = 0;
  let unexpected = 0;
  for (const suite of opts.suites) {
    const { binary, workDir } = buildSuite(suite);
    const tests = listTests(binary, suite, workDir).filter((n) => opts.testFilter === null || opts.testFilter.test(n));
    const logs = join(opts.out, suite.name);
    mkdirSync(logs, { recursive: true });
    const ns = suite.port !== undefined ? await privateNetNs() : HOST_NS;
    const start = () => (opts.target === "kafka" ? startKafka(suite, opts.out, ns) : startBunka(suite, opts.out, ns));
    // A broker that does not come up, or a working directory that cannot be made, must not leave
    // the namespace or the broker behind.
    let broker: Broker;
    try { broker = await start(); } catch (e) { ns.close(); throw e; }
    const cwdFor = (b: Broker) => runWorkDir(workDir, join(opts.out, `${suite.name}.cwd`), suite.files?.(b.bootstrap, b.saslBootstrap) ?? {});
    let cwd: string;
    try { cwd = cwdFor(broker); } catch (e) { await broker.stop(); ns.close(); throw e; }
    say(`${suite.title} ${suite.version}: ${tests.length} tests against ${broker.description} at ${broker.bootstrap}`);
    const t0 = Date.now();
    const results: TestResult[] = [];
    try {
      for (const name of tests) {
        // Under --check a known failure only has to be seen failing (or passing: then it is
        // reported for removal), so it gets a shorter limit and no retry.
        const isKnown = known.some((k) => k.suite === suite.name && k.test === name);
        const limit = opts.check && isKnown ? Math.min(KNOWN_FAILURE_LIMIT_SEC, suite.testTimeoutSec) : suite.testTimeoutSec;
        let r = await runTest(binary, cwd, suite, name, broker, join(logs, `${logName(name)}.log`), limit, ns);
        if (r.status === "FAIL" && !broker.alive()) {
          r.detail = `the broker died during the test; ${r.detail}`;
          say(`${name}: the broker died; starting a new one`);
          await broker.stop();
          broker = await start();
          cwd = cwdFor(broker);
        } else {
          // A quick failure is run once more (a flaky test is reported as such), a test known to
          // race (suite.flaky) up to its attempts; a time-out is not, unless the dump shows a hang
          // of the client library's own (suite.clientHangs).
          const racy = suite.flaky?.find((f) => f.test === name);
          const retries = isKnown && opts.check ? 0 : racy ? racy.attempts - 1 : RETRIES;
          const first = r;
          const hang = r.timedOut ? clientHang(suite, readFileSync(join(logs, `${logName(name)}.log`), "utf8")) : undefined;
          const why = hang?.why ?? racy?.why;
          if (hang) say(`${name}: ${hang.why}; running it once more`);
          let failures = 1;
          for (let i = 0; i < retries && r.status === "FAIL" && (!r.timedOut || hang); i++) {
            r = await runTest(binary, cwd, suite, name, broker, join(logs, `${logName(name)}.retry${i + 1}.log`), limit, ns);
            if (r.status === "FAIL") failures++;
          }
          if (first.status === "FAIL") {
            const detail = why === undefined ? first.detail : `${first.detail} (${why})`;
            if (r.status === "PASS") r = { ...r, flaky: true, detail: `failed ${failures === 1 ? "once" : `${failures} times`}: ${detail}` };
            else r = { ...first, detail: failures > 1 ? `${detail}; failed all ${failures} attempts` : detail };
          }
        }
        results.push(r);
        say(`${r.status}${r.flaky ? " (flaky)" : ""} ${name} ${r.seconds}s${r.detail ? `: ${r.detail}` : ""}`);
      }
    } finally {
      await broker.stop();
      ns.close();
    }
    const runResult: SuiteRun = {
      suite: suite.name, title: suite.title, module: suite.module, version: suite.version, target: opts.target,
      broker: broker.description, date: new Date().toISOString(), seconds: Math.round((Date.now() - t0) / 1000), tests: results,
    };
    // --check (CI) shortens known failures' limits: its results stay in --out.
    const saving = opts.testFilter === null && !opts.check;
    if (saving) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      writeFileSync(join(RESULTS_DIR, `${suite.name}.${opts.target}.json`), JSON.stringify(runResult, null, 1) + "\n");
    }
    writeFileSync(join(opts.out, `${suite.name}.${opts.target}.json`), JSON.stringify(runResult, null, 1) + "\n");
    const c = counts(runResult);
    passed += c.pass;
    skipped += c.skip;
    console.log(`${suite.title} ${suite.version} on ${runResult.broker}: ${c.pass} passed, ${c.fail} failed, ${c.skip} skipped of ${c.total} (${runResult.seconds} s)`);
    if (opts.target === "bunka") {
      const outcome = checkAgainstKnown(runResult, known);
      for (const t of outcome.unexpected) console.log(`  NEW FAILURE (not in known-failures.txt): ${t.name}: ${t.detail}`);
      for (const k of outcome.fixed) console.log(`  NOW PASSES (remove it from known-failures.txt): ${k.test} (${k.reason})`);
      unexpected += outcome.unexpected.length;
      failed += outcome.unexpected.length;
      knownFailed += c.fail - outcome.unexpected.length;
    } else {
      failed += c.fail;
    }
  }
  if (opts.testFilter === null && !opts.check) {
    writeFileSync(join(HERE, "RESULTS.md"), renderResults(known));
    say(`wrote ${join(HERE, "RESULTS.md")}`);
  }
  if (opts.check && opts.target === "bunka") {
    console.log(unexpected === 0
      ? "conformance: every failure is a known one (known-failures.txt)"
      : `conformance: ${unexpected} failure(s) not in known-failures.txt`);
  }
  if (opts.target === "bunka") console.log(`conformance: ${knownFailed} known failure(s) (known-failures.txt) not counted below`);
  console.log(`conformance: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  return opts.check && unexpected > 0 ? 1 : 0;
}

if (import.meta.main) process.exit(await main());
