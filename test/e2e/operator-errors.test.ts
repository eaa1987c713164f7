// What an operator sees when something is wrong, on the real entry points (./bunka,
// your_program.sh, .codecrafters/run.sh): a port in use, an unusable log.dirs, a bad or unknown
// key, --help and --version are each one clear line and the right exit code; and the broker keeps
// running when the CodeCrafters tester's 6 GiB RLIMIT_AS lands after it has started.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { BINARY, buildBinary, tempDir } from "../support/broker-process.ts";

const ROOT = join(import.meta.dir, "../..");
const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const DEADLINE_MS = 15_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let work: string;

beforeAll(async () => {
  await buildBinary();
  work = tempDir("bunka-operator-");
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** Runs a command to its exit (killed at the deadline, which fails the test through `code`). */
async function run(cmd: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const proc = Bun.spawn(cmd, { cwd: opts.cwd ?? work, env: { ...process.env, ...opts.env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), DEADLINE_MS);
  const [stdout, stderr] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]);
  const code = await proc.exited;
  clearTimeout(timer);
  return { code: proc.signalCode === null ? code : null, stdout, stderr };
}

/** A server.properties in the work dir; returns its path. */
function properties(name: string, lines: Record<string, string | number>): string {
  const file = join(work, name);
  writeFileSync(file, Object.entries(lines).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  return file;
}

/** The ERROR lines of a run, and a check that nothing looks like a stack trace or crash report. */
function errorLines(r: Run): string[] {
  expect(r.stderr).not.toMatch(/^\s+at |panic|bun\.report|Bun v\d/m);
  return r.stderr.split("\n").filter((l) => / ERROR /.test(l));
}

/** A long-running process whose stderr is collected as it comes. */
function spawnCollecting(cmd: string[], cwd = work) {
  const proc = Bun.spawn(cmd, { cwd, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  let text = "";
  const done = (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) text += decoder.decode(chunk);
  })();
  return {
    proc,
    text: () => text,
    /** Waits until stderr matches (or the process exits, or the deadline passes). */
    async waitFor(re: RegExp): Promise<void> {
      const deadline = Date.now() + DEADLINE_MS;
      while (!re.test(text) && proc.exitCode === null && Date.now() < deadline) await Bun.sleep(20);
    },
    async stop(): Promise<void> {
      proc.kill("SIGTERM");
      await proc.exited;
      await done;
    },
  };
}

async function freePort(): Promise<number> {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

describe("command line", () => {
  test("--version prints the version and commit built into the binary", async () => {
    const r = await run([BINARY, "--version"]);
    expect(r.code).toBe(0);
    const m = /^bunka (\S+) \(commit ([0-9a-f]{7,}(?:-dirty)?|unknown), Bun (\d+\.\d+\.\d+)\)\n$/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(VERSION);
    expect(m![3]).toBe(Bun.version);
  });

  test("--help prints the usage; an unknown option is refused with it", async () => {
    const help = await run([BINARY, "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith("Usage: bunka [path/to/server.properties]");
    const bad = await run([BINARY, "--port=1"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("bunka: unexpected argument --port=1");
    expect(bad.stderr).toContain("Usage: bunka");
  });

  test("the start-up lines carry the version and commit; a relative config path is the caller's", async () => {
    const port = await freePort();
    mkdirSync(join(work, "caller"), { recursive: true });
    properties("caller/relative.properties", { "node.id": 1, listeners: `PLAINTEXT://127.0.0.1:${port}`, "log.dirs": "data" });
    const b = spawnCollecting([join(ROOT, "your_program.sh"), "relative.properties"], join(work, "caller"));
    await b.waitFor(/started in/);
    await b.stop();
    const text = b.text();
    expect(text).toContain(`config from ${join(work, "caller/relative.properties")}`);
    expect(text).toMatch(new RegExp(`INFO Bunka ${VERSION.replaceAll(".", "\\.")} \\(commit \\S+\\) on Bun `));
    expect(text).toContain(`data in ${join(work, "caller/data")}`);
  });
});

describe("one line and exit 1", () => {
  test("a port in use names the listener, address, port and reason", async () => {
    using held = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    const file = properties("port.properties", { "node.id": 1, listeners: `PLAINTEXT://127.0.0.1:${held.port}`, "log.dirs": join(work, "port-data") });
    const r = await run([BINARY, file]);
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([expect.stringContaining(
      `ERROR cannot listen on PLAINTEXT://127.0.0.1:${held.port}: address already in use (EADDRINUSE)`)]);
  });

  test("log.dirs that is a file, or under a file", async () => {
    const file = join(work, "a-file");
    writeFileSync(file, "not a directory");
    for (const dir of [file, join(file, "sub")]) {
      const props = properties("file-dir.properties", { "node.id": 1, listeners: "PLAINTEXT://127.0.0.1:0", "log.dirs": dir });
      const r = await run([BINARY, props]);
      expect(r.code).toBe(1);
      expect(errorLines(r)).toEqual([expect.stringContaining(
        `ERROR log.dirs: ${dir} is not a usable log directory: not a directory (ENOTDIR)`)]);
    }
  });

  // Root may write anywhere, so the unwritable dir is tried as nobody (setpriv) when run as root.
  const asNobody = process.getuid?.() === 0 ? (Bun.which("setpriv") ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : null) : [];
  test.skipIf(asNobody === null)("log.dirs without write permission", async () => {
    const dir = join(work, "read-only");
    mkdirSync(dir, { recursive: true });
    chmodSync(work, 0o755);
    chmodSync(dir, 0o555);
    const props = properties("read-only.properties", { "node.id": 1, listeners: "PLAINTEXT://127.0.0.1:0", "log.dirs": dir });
    chmodSync(props, 0o644);
    const r = await run([...asNobody!, BINARY, props], { cwd: "/" });
    expect(r.code).toBe(1);
    expect(errorLines(r)).toEqual([expect.stringContaining(
      `ERROR log.dirs: ${dir} is not a usable log directory: permission denied (EACCES)`)]);
  });

  test("a value out of Kafka's range, not a number, or not in the enum: Kafka's ConfigException text", async () => {
    const cases: [Record<string, string | number>, string][] = [
      [{ "log.segment.bytes": 100 }, "Invalid value 100 for configuration log.segment.bytes: Value must be at least 1048576"],
      [{ "num.partitions": "three" }, "Invalid value three for configuration num.partitions: Not a number of type INT"],
      [{ "auto.create.topics.enable": "yes" }, "Invalid value yes for configuration auto.create.topics.enable: Expected value to be either true or false"],
      [{ "log.cleanup.policy": "compact,archive" }, "Invalid value archive for configuration log.cleanup.policy: String must be one of: compact, delete"],
    ];
    for (const [lines, message] of cases) {
      const file = properties("bad.properties", { "node.id": 1, listeners: "PLAINTEXT://127.0.0.1:0", "log.dirs": join(work, "bad-data"), ...lines });
      const r = await run([BINARY, file]);
      expect(r.code).toBe(1);
      expect(errorLines(r)).toEqual([expect.stringContaining(`ERROR config ${file}: ${message}`)]);
    }
  });
});

describe("warnings", () => {
  test("unknown keys are warned about once at start-up: typos apart from Kafka keys Bunka ignores", async () => {
    const port = await freePort();
    const file = properties("unused.properties", {
      "node.id": 1, listeners: `PLAINTEXT://127.0.0.1:${port}`, "log.dirs": join(work, "unused-data"),
      listener: "PLAINTEXT://:9092", "num.network.threads": 3,
      // Off, so that another process on the default HTTP port cannot add its own WARN here.
      "bunka.http.listener": "",
    });
    const b = spawnCollecting([BINARY, file]);
    await b.waitFor(/started in/);
    await b.stop();
    const text = b.text();
    const warnings = text.split("\n").filter((l) => / WARN /.test(l));
    expect(warnings).toEqual([
      expect.stringContaining("WARN These configurations '[listener]' were supplied but are not used yet. They are not Kafka broker configurations (a typo?)."),
      expect.stringContaining("WARN These configurations '[num.network.threads]' were supplied but are not used yet. They are Kafka broker configurations Bunka does not apply."),
    ]);
    expect(text).toContain("started in");
  });
});

// The CodeCrafters tester (tester-utils) sets RLIMIT_AS = 3 x its 2 GiB memory limit with prlimit
// on the process it started, after starting it: the limit can land after .codecrafters/run.sh
// has exec'd the broker.
describe.skipIf(!Bun.which("prlimit"))("a 6 GiB address-space limit landing after start-up", () => {
  test("the broker started by .codecrafters/run.sh keeps serving", async () => {
    const port = await freePort();
    const file = properties("rlimit.properties", { "node.id": 1, listeners: `PLAINTEXT://127.0.0.1:${port}`, "log.dirs": join(work, "rlimit-data") });
    const b = spawnCollecting([join(ROOT, ".codecrafters/run.sh"), file]);
    await b.waitFor(/started in/);
    try {
      expect(b.text()).toContain("started in");
      const limited = Bun.spawnSync(["prlimit", `--pid=${b.proc.pid}`, `--as=${6 * 1024 ** 3}`]);
      expect(limited.exitCode).toBe(0);
      // Enough work to need fresh memory from the kernel: 2 MB through a producer.
      const kafka = new Kafka({ clientId: "rlimit", brokers: [`127.0.0.1:${port}`], logLevel: logLevel.NOTHING, retry: { retries: 2 } });
      const producer = kafka.producer();
      await producer.connect();
      for (let i = 0; i < 20; i++) {
        const res = await producer.send({ topic: "rlimit", messages: Array.from({ length: 100 }, (_, j) => ({ value: "x".repeat(1000) + j })) });
        expect(res[0]!.errorCode).toBe(0);
      }
      await producer.disconnect();
      expect(b.proc.exitCode).toBeNull();
    } finally {
      await b.stop();
    }
    expect(b.text()).not.toContain("panic");
  }, DEADLINE_MS * 2);
});
