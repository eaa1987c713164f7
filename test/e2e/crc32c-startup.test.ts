// The compiled binary (./bunka) says at start-up which CRC-32C it uses: the SSE4.2 one built by
// bun:ffi's cc inside the binary on an x86-64 CPU with SSE4.2, else the TypeScript one and why.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BINARY, buildBinary, tempDir } from "../support/broker-process.ts";

const DEADLINE_MS = 15_000;
const SSE42 = process.arch === "x64" && /\bsse4_2\b/.test(cpuinfo());

function cpuinfo(): string {
  try {
    return readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

let work: string;
beforeAll(async () => {
  await buildBinary();
  work = tempDir("bunka-crc32c-");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Starts ./bunka with extra environment, returns stderr up to "started in" (or exit, or the deadline). */
async function startupLines(name: string, env: Record<string, string>): Promise<string> {
  const file = join(work, `${name}.properties`);
  writeFileSync(file, `node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${join(work, name)}\n`);
  const proc = Bun.spawn([BINARY, file], { env: { ...process.env, ...env }, stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  const timer = setTimeout(() => proc.kill("SIGKILL"), DEADLINE_MS);
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of proc.stderr) {
    text += decoder.decode(chunk);
    if (/started in/.test(text)) break;
  }
  proc.kill("SIGTERM");
  await proc.exited;
  clearTimeout(timer);
  expect(text).toContain("started in");
  return text;
}

test("the binary logs the CRC-32C it chose (native here when the CPU has SSE4.2)", async () => {
  const text = await startupLines("native", {});
  const line = /INFO CRC-32C: (.*)$/m.exec(text)?.[1];
  expect(line).toBeDefined();
  if (SSE42) expect(line!).toMatch(/^SSE4\.2 crc32 instruction through bun:ffi cc \(compiled and self-tested in \d+\.\d ms; TypeScript below \d+ B\)$/);
  else expect(line!).toStartWith("TypeScript slicing-by-16 (");
}, DEADLINE_MS * 2);

test("with bun:ffi's C compiler disabled it falls back to TypeScript and says why", async () => {
  const text = await startupLines("no-cc", { BUN_OPTIONS: "--no-ffi-cc" });
  const line = /INFO CRC-32C: (.*)$/m.exec(text)?.[1];
  expect(line).toStartWith("TypeScript slicing-by-16 (");
  if (process.arch === "x64") expect(line!).toContain("ERR_FFI_CC_DISABLED");
}, DEADLINE_MS * 2);
