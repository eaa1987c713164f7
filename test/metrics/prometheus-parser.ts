// prometheus_client (PyPI), the reference Python client, installed once into a venv under the
// test cache (BUNKA_CACHE, else ~/.cache/bunka), and its text parser run on a /metrics page
// (parse-prometheus.py). Needs python3 with venv; pip fetches the pinned version.

import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const PROMETHEUS_CLIENT_VERSION = "0.21.1";
const venv = join(process.env.BUNKA_CACHE ?? join(homedir(), ".cache/bunka"), `prometheus-client-${PROMETHEUS_CLIENT_VERSION}`);
const python = join(venv, "bin/python");

export interface ParsedFamily {
  name: string;
  type: string;
  documentation: string;
  samples: { name: string; labels: Record<string, string>; value: number | string }[];
}

/** Whether python3 (with venv) is there at all: without it the parser tests say they are skipped. */
export function pythonAvailable(): boolean {
  return Bun.spawnSync(["python3", "-c", "import venv"], { stdout: "ignore", stderr: "ignore" }).exitCode === 0;
}

async function run(cmd: string[], stdin?: string): Promise<{ code: number; out: string; err: string }> {
  const p = Bun.spawn(cmd, { stdin: stdin === undefined ? "ignore" : new TextEncoder().encode(stdin), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

let installed: Promise<void> | null = null;

/** Creates the venv and installs prometheus_client into it, once. */
export function installPrometheusClient(): Promise<void> {
  installed ??= (async () => {
    if (existsSync(python) && (await run([python, "-c", "import prometheus_client.parser"])).code === 0) return;
    const made = await run(["python3", "-m", "venv", venv]);
    if (made.code !== 0) throw new Error(`python3 -m venv ${venv} failed:\n${made.err}`);
    const pip = await run([join(venv, "bin/pip"), "install", "-q", "--disable-pip-version-check", `prometheus_client==${PROMETHEUS_CLIENT_VERSION}`]);
    if (pip.code !== 0) throw new Error(`pip install prometheus_client==${PROMETHEUS_CLIENT_VERSION} failed:\n${pip.err}`);
  })();
  return installed;
}

/** The page as prometheus_client's parser reads it; throws with the parser's message if it refuses it. */
export async function parsePrometheus(text: string): Promise<ParsedFamily[]> {
  await installPrometheusClient();
  const r = await run([python, join(import.meta.dir, "parse-prometheus.py")], text);
  if (r.code !== 0) throw new Error(`prometheus_client refused the page:\n${r.err}`);
  return JSON.parse(r.out) as ParsedFamily[];
}
