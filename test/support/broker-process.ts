// Starts the compiled broker (./bunka, built once per test run) on a free port with a temporary
// log dir, the way a user or the CodeCrafters harness would: a server.properties file argument.

import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

const root = join(import.meta.dir, "../..");
export const BINARY = join(root, "bunka");
let built: Promise<void> | null = null;

/** Builds ./bunka if it is missing or stale (your_program.sh decides), once per process. */
export function buildBinary(): Promise<void> {
  built ??= (async () => {
    const p = Bun.spawn(["bash", join(root, "your_program.sh")], {
      env: { ...process.env, BUNKA_BUILD_ONLY: "1" }, stdout: "inherit", stderr: "inherit",
    });
    if ((await p.exited) !== 0) throw new Error("building ./bunka failed");
  })();
  return built;
}

export function tempDir(prefix = "bunka-test-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunningBroker {
  /** The PLAINTEXT listener's port (else the first listener's). */
  port: number;
  /** Every listener's port, by listener name (HTTP: the HTTP listener's, when it is on). */
  ports: Record<string, number>;
  logDir: string;
  proc: Subprocess<"ignore", "pipe", "pipe">;
  /** Everything the broker wrote to stderr so far. */
  output(): string;
  stop(): Promise<number>;
  kill9(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export interface BrokerOptions {
  logDir?: string;
  /** Extra server.properties lines; null leaves a key out (e.g. to get bunka.http.listener's default). */
  properties?: Record<string, string | number | boolean | null>;
  keepLogDir?: boolean;
  /** Extra environment (BUNKA_LOG_LEVEL=debug, say). */
  env?: Record<string, string>;
}

export async function startBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
  await buildBinary();
  const logDir = opts.logDir ?? tempDir();
  const confDir = tempDir("bunka-conf-");
  const props: Record<string, string | number | boolean | null> = {
    "node.id": 1,
    "listeners": "PLAINTEXT://127.0.0.1:0",
    "log.dirs": logDir,
    // A free port for /metrics and the console (ports.HTTP), so parallel test brokers never
    // compete for the default one.
    "bunka.http.listener": "127.0.0.1:0",
    ...opts.properties,
  };
  const file = join(confDir, "server.properties");
  writeFileSync(file, Object.entries(props).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${v}`).join("\n") + "\n");
  const proc = Bun.spawn([BINARY, file], { stdin: "ignore", stdout: "pipe", stderr: "pipe", env: { ...process.env, ...opts.env } });
  let text = "";
  const decoder = new TextDecoder();
  const listener: { onText: (() => void) | null } = { onText: null };
  (async () => {
    for await (const chunk of proc.stderr) {
      text += decoder.decode(chunk);
      listener.onText?.();
    }
  })();
  (async () => {
    for await (const chunk of proc.stdout) text += decoder.decode(chunk);
  })();
  const ports: Record<string, number> = {};
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`broker did not start:\n${text}`)), 15000);
    const check = () => {
      // Every listener is bound before the "started" line.
      if (!/ node \d+ started in /.test(text)) return;
      for (const m of text.matchAll(/listening on ([A-Z0-9_]+):\/\/[^\s]*:(\d+)/g)) ports[m[1]!] = Number(m[2]);
      clearTimeout(timer);
      resolve(ports.PLAINTEXT ?? Object.values(ports)[0]!);
    };
    listener.onText = check;
    proc.exited.then((code) => reject(new Error(`broker exited with ${code}:\n${text}`)));
    check();
  });
  const cleanup = () => {
    rmSync(confDir, { recursive: true, force: true });
    if (!opts.keepLogDir && opts.logDir === undefined) rmSync(logDir, { recursive: true, force: true });
  };
  const broker: RunningBroker = {
    port, ports, logDir, proc,
    output: () => text,
    async stop() {
      proc.kill("SIGTERM");
      const code = await proc.exited;
      cleanup();
      return code;
    },
    async kill9() {
      proc.kill("SIGKILL");
      await proc.exited;
    },
    async [Symbol.asyncDispose]() {
      if (proc.exitCode === null && proc.signalCode === null) await broker.stop();
      else cleanup();
    },
  };
  return broker;
}
