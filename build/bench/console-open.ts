// The Kafka listeners' throughput with the web console open, against the same broker without it
// (issue 14: "the bench shows the Kafka listeners' throughput unchanged (ratio) with a console open").
//
//   bun run bench:console [--binary PATH] [--rounds N] [--records N] [--scrape-ms MS] [--idle-seconds S]
//                         [--modes without,with[,pokes]] [--pin] [--port-range LO-HI]
//
// One compiled ./bunka (bunka.http.listener on a port of its own) serves every round. Each round
// runs one session per mode, "without" and "with" the console, the order rotating from round to
// round (with two modes: odd rounds without first, even rounds with first), so that a drift of
// the machine's load favours none. Mode "pokes" is a control: no browser, no scraper, but GET /no-such-page (a 404,
// nearly free) three times a second, about as often as the console's pages and the scraper ask
// together: it tells an effect of the console's work apart from one of merely waking the
// broker's event loop that often. A session:
//   1. a fresh topic (6 partitions) and a group whose offsets are set to the start of it (both
//      through the console's own API, which hands them to CreateTopics and OffsetCommit);
//   2. "with" only: a headless Chromium (playwright-core) opens four tabs on the pages that poll
//      every 2 s: the topic list (live throughput), the topic (partitions, offsets), the group (lag,
//      which grows during the produce and falls during the consume), and the topic's messages (a
//      page that does not poll: the bench clicks its "Latest" every 5 s, a user watching); and a
//      Prometheus-like scraper GETs /metrics every --scrape-ms (default 1,000 ms: 10-15 times as often
//      as Prometheus' usual 10-15 s interval, a worst case);
//   3. idle: --idle-seconds with no Kafka load (the broker's CPU for the console alone);
//   4. produce: Kafka's ProducerPerformance, --records records of 1 KiB, acks=1 (steady-state MiB/s);
//   5. consume: Kafka's ConsumerPerformance reads them back in the group (fetch MiB/s).
// The broker's CPU time (/proc/<pid>/stat) is taken around each step. Reported: per round the
// with/without ratios of produce and consume throughput, and min/median/max over the rounds; the
// broker's CPU (% of one core) in each step and mode; the scrapes' and page loads' counts and
// times; the load average before and after each session (the machine may be shared: say so).
// --pin runs the broker on one CPU and everything else (tools, Chromium, scraper) on the others.
//
// Results go to bench-results/console-open-<time>/ (summary.txt, results.json, logs/, the broker's
// log); its data (--records KiB per session) is deleted at the end.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Browser, type Page } from "playwright-core";

// The page functions below run in the browser; this program has no DOM types.
declare const document: any;
import { allowedCpus, benchBinary, cpuMs, freePort, kafkaClasspath, parseCpuList, parsePortRange, sh, startBunka, type RunningBroker } from "./brokers.ts";
import { consumerPerf, producerPerf, writeToolsLog4j, type Sizes, type Tools } from "./workloads.ts";

const ROOT = join(import.meta.dir, "../..");
const { values: opt } = parseArgs({
  args: process.argv.slice(2),
  options: {
    binary: { type: "string" }, rounds: { type: "string", default: "5" }, records: { type: "string", default: "200000" },
    "scrape-ms": { type: "string", default: "1000" }, "idle-seconds": { type: "string", default: "10" },
    pin: { type: "boolean" }, "port-range": { type: "string", default: "35000-35999" },
    modes: { type: "string", default: "without,with" },
  },
});
const rounds = Number(opt.rounds);
const records = Number(opt.records);
const scrapeMs = Number(opt["scrape-ms"]);
const idleSeconds = Number(opt["idle-seconds"]);
const portRange = parsePortRange(opt["port-range"]!);
type Mode = "without" | "with" | "pokes";
const modes = opt.modes!.split(",").map((m) => m.trim()) as Mode[];
if (modes[0] !== "without" || modes.some((m) => !["without", "with", "pokes"].includes(m)) || new Set(modes).size !== modes.length) {
  throw new Error(`--modes: "without" first, then some of "with", "pokes": ${opt.modes}`);
}
const PARTITIONS = 6;
const RECORD_BYTES = 1024;
const PRODUCE_PROPS = ["acks=1", "linger.ms=5", "batch.size=131072"];
const say = (m: string) => console.error(`[bench:console] ${new Date().toISOString().slice(11, 19)} ${m}`);
const loadavg = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

const CHROMIUM = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => p && existsSync(p));
if (!CHROMIUM) throw new Error("no Chromium: apt-get install -y chromium, or set CHROMIUM_PATH");

const outDir = join(ROOT, "bench-results", `console-open-${new Date().toISOString().replace(/[:.]/g, "-")}`);
mkdirSync(join(outDir, "logs"), { recursive: true });
const binary = benchBinary(opt.binary === undefined ? undefined : resolve(opt.binary), say);
const classpath = kafkaClasspath();
const tools: Tools = {
  kafkaClasspath: classpath, benchClasses: "", toolsLog4j: writeToolsLog4j(outDir),
  logDir: join(outDir, "logs"), cacheDir: join(ROOT, "bench-results", ".cache"), python: "/usr/bin/python3",
};
const sizes: Sizes = { aRecords: records, bRecords: 0, latencyRate: 0, latencyWarmupSec: 0, latencySeconds: 0, partitions: PARTITIONS };

// --pin as in run.ts: the broker on the first CPU this process may use; this process (and so the
// tools and Chromium it starts) on the rest.
let brokerCpus: string | undefined;
let pinNote = "not pinned: broker, load generators, Chromium and scraper share all CPUs";
if (opt.pin) {
  const mine = parseCpuList(allowedCpus("self"));
  if (mine.length < 2) pinNote = `NOT pinned (--pin needs 2 CPUs, ${mine.length} available)`;
  else {
    const load = mine.slice(1).join(",");
    const moved = sh(["taskset", "-a", "-p", "-c", load, String(process.pid)]);
    if (moved.ok && parseCpuList(allowedCpus("self")).join(",") === load) {
      brokerCpus = String(mine[0]);
      pinNote = `pinned: broker on CPU ${brokerCpus}; load generators, Chromium and scraper on CPU ${load}`;
    } else pinNote = `NOT pinned (taskset -p failed: ${moved.err.split("\n")[0]})`;
  }
}
say(pinNote);

const kafkaPort = await freePort(false, portRange);
let httpPort = await freePort(false, portRange);
while (httpPort === kafkaPort) httpPort = await freePort(false, portRange);
const broker: RunningBroker = await startBunka({
  command: [binary], port: kafkaPort, runDir: join(outDir, "broker"), cpus: brokerCpus,
  settings: { numPartitions: PARTITIONS, segmentBytes: 1 << 30 },
  extraProperties: [`bunka.http.listener=127.0.0.1:${httpPort}`],
});
const base = `http://127.0.0.1:${httpPort}`;
say(`broker pid ${broker.pid}: Kafka on ${broker.bootstrap}, console on ${base}`);

async function consoleCall(method: string, path: string, body?: unknown): Promise<any> {
  const r = await fetch(`${base}${path}`, {
    method, signal: AbortSignal.timeout(30_000),
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await r.json() as any;
  if (!r.ok || answer.ok === false) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(answer).slice(0, 300)}`);
  return answer;
}

/** GET /metrics every `everyMs` until stopped: how many, how long they took (ms), how big. */
function scraper(everyMs: number) {
  const times: number[] = [];
  let bytes = 0, failures = 0, stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        const r = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(10_000) });
        const text = await r.text();
        if (r.status !== 200) failures++;
        bytes = text.length;
        times.push(performance.now() - t0);
      } catch {
        failures++;
      }
      const wait = everyMs - (performance.now() - t0);
      if (wait > 0 && !stopped) await Bun.sleep(wait);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      return { scrapes: times.length, failures, bytes, medianMs: median(times), maxMs: Math.max(0, ...times) };
    },
  };
}

/** GET /no-such-page every `everyMs` until stopped (mode "pokes"): how many. */
function poker(everyMs: number) {
  let count = 0, stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        await (await fetch(`${base}/no-such-page`, { signal: AbortSignal.timeout(10_000) })).text();
        count++;
      } catch { /* counted as not done */ }
      const wait = everyMs - (performance.now() - t0);
      if (wait > 0 && !stopped) await Bun.sleep(wait);
    }
  })();
  return { async stop() { stopped = true; await loop; return count; } };
}

/** The console open in four tabs (see the header); stop() leaves them on about:blank. */
async function openConsole(browser: Browser, topic: string, group: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  const open = async (hash: string, ready: string) => {
    const page = await context.newPage();
    page.setDefaultTimeout(30_000);
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${base}/#/${hash}`);
    await page.waitForSelector(ready);
    return page;
  };
  const pages: Page[] = [
    await open("topics", "#topics[data-ready]"),
    await open(`topic/${encodeURIComponent(topic)}`, "#partitions tbody tr"),
    await open(`group/${encodeURIComponent(group)}`, "#lag tbody tr"),
  ];
  const messages = await open(`messages/${encodeURIComponent(topic)}`, "#messages[data-ready]");
  let reloads = 0, stopped = false;
  const reloading = (async () => {
    while (!stopped) {
      await Bun.sleep(5000);
      if (stopped) break;
      try {
        const before = await messages.getAttribute("#messages", "data-ready");
        await messages.click("#m-latest");
        await messages.waitForFunction((b) => document.querySelector("#messages")?.getAttribute("data-ready") !== b, before);
        reloads++;
      } catch (e) {
        errors.push(`messages reload: ${(e as Error).message.split("\n")[0]}`);
      }
    }
  })();
  return {
    async stop() {
      stopped = true;
      await reloading;
      await context.close();
      return { tabs: pages.length + 1, messageReloads: reloads, errors };
    },
  };
}

function median(xs: number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface Session {
  round: number; position: number; mode: Mode; topic: string; loadavgBefore: string; loadavgAfter: string;
  idleCpuPct: number; produceMiBps: number; produceCpuPct: number; produceCpuMsPerGiB: number;
  consumeMiBps: number; consumeCpuPct: number; consumeCpuMsPerGiB: number; produceP99Ms: number;
  scrape?: { scrapes: number; failures: number; bytes: number; medianMs: number; maxMs: number };
  browser?: { tabs: number; messageReloads: number; errors: string[] };
  pokes?: number;
}

/** CPU of the broker over `work`: % of one core, and the CPU ms. */
async function withCpu<T>(work: () => Promise<T>): Promise<{ result: T; cpuPct: number; cpuMs: number; ms: number }> {
  const c0 = cpuMs(broker.pid), t0 = performance.now();
  const result = await work();
  const used = cpuMs(broker.pid) - c0, ms = performance.now() - t0;
  return { result, cpuPct: (100 * used) / ms, cpuMs: used, ms };
}

const GiB_RECORDS = (1 << 30) / RECORD_BYTES;
const sessions: Session[] = [];
let browser: Browser | null = null;
const failures: string[] = [];
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-dev-shm-usage"], timeout: 60_000 });
  for (let round = 1; round <= rounds; round++) {
    const order: Mode[] = modes.map((_, i) => modes[(i + round - 1) % modes.length]!);
    for (const [i, mode] of order.entries()) {
      const topic = `load-${round}-${mode}`, group = `lag-${round}-${mode}`;
      const loadavgBefore = loadavg();
      say(`round ${round}.${i + 1}: ${mode === "pokes" ? "pokes, no console" : `${mode} the console`} (load average ${loadavgBefore})`);
      try {
        await consoleCall("POST", "/api/topics", { name: topic, partitions: PARTITIONS });
        await consoleCall("POST", `/api/groups/${group}/reset-offsets`, { topic, to: "earliest", dryRun: false });
        const tabs = mode === "with" ? await openConsole(browser, topic, group) : null;
        const scrape = mode === "with" ? scraper(scrapeMs) : null;
        const pokes = mode === "pokes" ? poker(333) : null;
        const idle = await withCpu(() => Bun.sleep(idleSeconds * 1000));
        const produce = await withCpu(() => producerPerf({
          bootstrap: broker.bootstrap, topic, records, recordBytes: RECORD_BYTES, props: PRODUCE_PROPS, tools, sizes, name: `${topic}.produce`,
        }));
        const consume = await withCpu(() => consumerPerf({ bootstrap: broker.bootstrap, topic, records, group, tools, name: `${topic}.consume` }));
        const s: Session = {
          round, position: i + 1, mode, topic, loadavgBefore, loadavgAfter: loadavg(),
          idleCpuPct: idle.cpuPct,
          produceMiBps: produce.result.mibPerSec, produceP99Ms: produce.result.p99LatencyMs, produceCpuPct: produce.cpuPct,
          produceCpuMsPerGiB: (produce.cpuMs * GiB_RECORDS) / records,
          consumeMiBps: consume.result.fetchMibPerSec, consumeCpuPct: consume.cpuPct, consumeCpuMsPerGiB: (consume.cpuMs * GiB_RECORDS) / records,
          scrape: await scrape?.stop(), browser: await tabs?.stop(), pokes: await pokes?.stop(),
        };
        sessions.push(s);
        say(`  produce ${s.produceMiBps.toFixed(1)} MiB/s (broker CPU ${s.produceCpuPct.toFixed(0)}%), consume ${s.consumeMiBps.toFixed(1)} MiB/s ` +
          `(CPU ${s.consumeCpuPct.toFixed(0)}%), idle CPU ${s.idleCpuPct.toFixed(1)}%` +
          (s.pokes !== undefined ? `; ${s.pokes} pokes` : "") + (s.scrape ? `; ${s.scrape.scrapes} scrapes (median ${s.scrape.medianMs.toFixed(0)} ms), ${s.browser!.messageReloads} "Latest" clicks, ${s.browser!.errors.length} page errors` : ""));
      } catch (e) {
        failures.push(`round ${round} ${mode}: ${(e as Error).message.split("\n")[0]}`);
        say(`  FAILED: ${(e as Error).message.split("\n")[0]}`);
      }
      if (broker.exited()) throw new Error(`the broker exited (${broker.exitStatus()}): ${broker.logPath}`);
    }
  }
} finally {
  await browser?.close();
  await broker.stop();
  rmSync(broker.dataDir, { recursive: true, force: true });
}

// ---- report --------------------------------------------------------------------------------------

const stats = (xs: number[]) => ({ min: Math.min(...xs), median: median(xs), max: Math.max(...xs) });
/** Per mode other than "without": the ratios to "without" in the same round. */
const ratios = Object.fromEntries(modes.slice(1).map((mode) => {
  const pairs = [...new Set(sessions.map((s) => s.round))].flatMap((round) => {
    const base = sessions.find((s) => s.round === round && s.mode === "without");
    const other = sessions.find((s) => s.round === round && s.mode === mode);
    return base && other ? [{ base, other }] : [];
  });
  return [mode, {
    rounds: pairs.length,
    produce: stats(pairs.map((p) => p.other.produceMiBps / p.base.produceMiBps)),
    consume: stats(pairs.map((p) => p.other.consumeMiBps / p.base.consumeMiBps)),
  }];
})) as Record<Mode, { rounds: number; produce: ReturnType<typeof stats>; consume: ReturnType<typeof stats> }>;
const byMode = (mode: Mode, f: (s: Session) => number) => median(sessions.filter((s) => s.mode === mode).map(f));
const f2 = (x: number) => x.toFixed(2), f1 = (x: number) => x.toFixed(1), f0 = (x: number) => x.toFixed(0);
const mmm = (r: { min: number; median: number; max: number }) => `min ${f2(r.min)} / median ${f2(r.median)} / max ${f2(r.max)}`;
const perMode = (label: string, f: (s: Session) => number, show: (x: number) => string) =>
  `  ${label}: ${modes.map((m) => `${m} ${show(byMode(m, f))}`).join(", ")}`;
const lines = [
  `broker: ${binary} (pid ${broker.pid}); ${cpus().length} × ${cpus()[0]?.model ?? "?"}; ${pinNote}`,
  `load: ProducerPerformance ${records} × ${RECORD_BYTES} B (${PRODUCE_PROPS.join(", ")}), ${PARTITIONS} partitions; ConsumerPerformance reads them back in a group`,
  `console open: Chromium (headless, playwright-core), tabs #/topics, #/topic/T, #/group/G (each polls every 2 s), #/messages/T ("Latest" clicked every 5 s); /metrics scraped every ${scrapeMs} ms`,
  `idle window before the load: ${idleSeconds} s`,
  "",
  "round.pos | mode    | produce MiB/s | p99 ms | broker CPU % | consume MiB/s | broker CPU % | idle CPU % | scrapes (median ms) | load avg before → after",
  ...sessions.map((s) => `${s.round}.${s.position} | ${s.mode.padEnd(7)} | ${f1(s.produceMiBps)} | ${f0(s.produceP99Ms)} | ${f0(s.produceCpuPct)} | ${f1(s.consumeMiBps)} | ` +
    `${f0(s.consumeCpuPct)} | ${f1(s.idleCpuPct)} | ${s.scrape ? `${s.scrape.scrapes} (${f0(s.scrape.medianMs)})` : "-"} | ${s.loadavgBefore} → ${s.loadavgAfter}`),
  "",
  ...modes.slice(1).flatMap((m) => [
    `ratio ${m}/without, over ${ratios[m].rounds} round(s):`,
    `  produce throughput: ${mmm(ratios[m].produce)}`,
    `  consume throughput: ${mmm(ratios[m].consume)}`,
  ]),
  "broker CPU, median over the sessions of each mode (% of one core over the step, the tools' JVM start included; CPU ms per GiB moved):",
  perMode("idle", (s) => s.idleCpuPct, (x) => `${f1(x)}%`),
  perMode("produce", (s) => s.produceCpuPct, (x) => `${f0(x)}%`),
  perMode("produce CPU ms/GiB", (s) => s.produceCpuMsPerGiB, f0),
  perMode("consume", (s) => s.consumeCpuPct, (x) => `${f0(x)}%`),
  perMode("consume CPU ms/GiB", (s) => s.consumeCpuMsPerGiB, f0),
  perMode("produce p99 ms", (s) => s.produceP99Ms, f0),
  ...(failures.length > 0 ? ["", "failed sessions:", ...failures.map((f) => `  ${f}`)] : []),
];
writeFileSync(join(outDir, "summary.txt"), lines.join("\n") + "\n");
writeFileSync(join(outDir, "results.json"), JSON.stringify({
  date: new Date().toISOString(), binary, pinNote, records, scrapeMs, idleSeconds, sessions, failures,
  modes, ratios,
}, null, 2) + "\n");
console.log(lines.join("\n"));
say(`results in ${outDir}`);
if (modes.slice(1).some((m) => ratios[m].rounds === 0)) process.exit(1);
