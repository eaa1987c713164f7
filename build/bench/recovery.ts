// Start-up time of the compiled broker on a log dir holding a lot of data, after kill -9 (every
// log is validated from its recovery point: Kafka's LogLoader.recoverLog) and after a clean stop
// (the .kafka_cleanshutdown marker: nothing is validated).
//
//   bun build/bench/recovery.ts [--data MiB] [--partitions N] [--segment-bytes B] [--runs N]
//
// The data is written by a child process through LogStore (16 KiB batches of 1 KiB records,
// as a producer with Kafka's default batch.size sends them), which is then killed with SIGKILL.
// Each run then starts ./bunka twice: after a SIGKILL of the previous broker (unclean) and after
// a SIGTERM (clean). The time is from spawn to the broker's "started in" line; its own "started
// in" and "recovered ... in" figures are printed beside it. The page cache is warm
// (the data was just written or read): this is the CPU cost of validation, not disk reads.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const ROOT = join(import.meta.dir, "../..");
const BINARY = join(ROOT, "bunka");
const { values: opt } = parseArgs({
  args: process.argv.slice(2),
  options: { data: { type: "string" }, partitions: { type: "string" }, "segment-bytes": { type: "string" }, runs: { type: "string" } },
});
const dataMiB = Number(opt.data ?? 1024);
const partitions = Number(opt.partitions ?? 4);
const segmentBytes = Number(opt["segment-bytes"] ?? 1024 * 1024 * 1024);
const runs = Number(opt.runs ?? 3);

const root = mkdtempSync(join(tmpdir(), "bunka-recovery-bench-"));
const logDir = join(root, "logs");
const props = join(root, "server.properties");
writeFileSync(props, `node.id=1\nlisteners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${logDir}\nlog.segment.bytes=${segmentBytes}\n`);

async function writeData(): Promise<void> {
  const script = `
    import { LogStore } from ${JSON.stringify(join(ROOT, "src/storage/log-store.ts"))};
    import { buildRecordBatch } from ${JSON.stringify(join(ROOT, "src/records/record-batch-builder.ts"))};
    const store = LogStore.open({ logDirs: [${JSON.stringify(logDir)}], segmentBytes: ${segmentBytes} });
    store.metadata.createTopic("recovery", ${partitions}, { nodeId: 1 });
    const value = new Uint8Array(1000).fill(120);
    const batch = buildRecordBatch({ records: Array.from({ length: 16 }, (_, i) => ({ key: null, value, timestamp: 1_700_000_000_000 + i })) });
    const perPartition = Math.ceil(${dataMiB} * 1024 * 1024 / ${partitions} / batch.length);
    for (let p = 0; p < ${partitions}; p++) {
      const log = store.partition("recovery", p);
      for (let i = 0; i < perPartition; i++) log.append(batch);
    }
    store.flush();
    console.log("written " + perPartition * ${partitions} + " batches of " + batch.length + " bytes");
    setInterval(() => {}, 1000);`;
  const proc = Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" });
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  process.stdout.write(new TextDecoder().decode(value));
  proc.kill("SIGKILL");
  await proc.exited;
}

interface Started {
  proc: ReturnType<typeof Bun.spawn>;
  wallMs: number;
  output: string;
}

async function startBroker(): Promise<Started> {
  const t0 = performance.now();
  const proc = Bun.spawn([BINARY, props], { stdin: "ignore", stdout: "ignore", stderr: "pipe" });
  let output = "";
  const decoder = new TextDecoder();
  const reader = (proc.stderr as ReadableStream<Uint8Array>).getReader();
  const deadline = setTimeout(() => proc.kill("SIGKILL"), 120_000);
  // The "started in" line: main() has then returned and installed its SIGTERM handler (a SIGTERM
  // before that kills the broker outright, which would make the next start unclean).
  while (!/started in [\d.]+ ms/.test(output)) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`broker exited:\n${output}`);
    output += decoder.decode(value);
  }
  const wallMs = performance.now() - t0;
  clearTimeout(deadline);
  await Bun.sleep(200);
  // Keep draining stderr so that the broker never blocks on it; collect the rest.
  (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      output += decoder.decode(value);
    }
  })();
  return { proc, wallMs, output };
}

function figure(output: string, re: RegExp): string {
  return re.exec(output)?.[1] ?? "-";
}

if (Bun.spawnSync(["test", "-x", BINARY]).exitCode !== 0) {
  console.error(`${BINARY} is missing: npm run build`);
  process.exit(2);
}
try {
  await writeData();
  const du = Bun.spawnSync(["du", "-sm", logDir]).stdout.toString().split("\t")[0];
  console.log(`log dir ${logDir}: ${du} MiB, ${partitions} partition(s), segment.bytes ${segmentBytes}`);
  console.log("run  start after            wall ms  broker 'started in' ms  recovery ms");
  let previous: Started | null = null;
  for (let run = 1; run <= runs; run++) {
    if (previous) {
      previous.proc.kill("SIGKILL");
      await previous.proc.exited;
    }
    const unclean = await startBroker();
    console.log(`${run}    kill -9               ${unclean.wallMs.toFixed(0).padStart(7)}  ${figure(unclean.output, /started in ([\d.]+) ms/).padStart(22)}  ${figure(unclean.output, /recovered \d+ log\(s\) in .* in (\d+) ms/).padStart(11)}`);
    unclean.proc.kill("SIGTERM");
    await unclean.proc.exited;
    const clean = await startBroker();
    const skipped = /skipping recovery/.test(clean.output) ? "skipped" : "NOT skipped";
    console.log(`${run}    clean stop (SIGTERM)  ${clean.wallMs.toFixed(0).padStart(7)}  ${figure(clean.output, /started in ([\d.]+) ms/).padStart(22)}  ${skipped.padStart(11)}`);
    previous = clean;
  }
  previous?.proc.kill("SIGTERM");
  await previous?.proc.exited;
} finally {
  rmSync(root, { recursive: true, force: true });
}
