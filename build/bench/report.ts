// What the bench measures (one MetricDef per table row), and how the samples of every round
// become the summary: Kafka and Bunka min/median/max over the rounds, and the ratio Bunka/Kafka
// taken per round (each round runs both brokers back to back, so a round is one side-by-side
// pair) with its min/median/max. Printed as text tables, and as Markdown for README.md.

import type { BrokerName } from "./brokers.ts";

export interface WorkloadDef {
  id: string;
  title: string;
}

export interface MetricDef {
  id: string;
  workload: string;
  label: string;
  unit: string;
  better: "higher" | "lower";
  /** The target for the median ratio Bunka/Kafka (>= for higher, <= for lower). */
  target?: number;
}

export const WORKLOADS: WorkloadDef[] = [
  { id: "a", title: "(a) 1 KiB records, acks=1, 6 partitions, producer at full speed" },
  { id: "b", title: "(b) 100-byte records, acks=all, idempotent producer, 6 partitions" },
  { id: "c", title: "(c) consume the records written in (a) from the beginning" },
  { id: "d", title: "(d) end-to-end latency (produce → consume) at a fixed rate, 1 KiB records, acks=all" },
  { id: "e", title: "(e) start-up (process spawn → first ApiVersions answer) and shutdown" },
  { id: "f", title: "(f) broker memory (VmRSS of the broker process; Kafka: the java process)" },
  { id: "g", title: "(g) consume as many 1 KiB records as (a), from the beginning of a topic of small segments (mostly rolled ones)" },
  { id: "h", title: "(h) transactional produce: 100-byte records as (b), transactions of 1,000 records each committed, 6 partitions, full speed" },
];

export const METRICS: MetricDef[] = [
  { id: "a.java.mibs", workload: "a", label: "Java ProducerPerformance (steady state)", unit: "MiB/s", better: "higher", target: 1 },
  { id: "a.java.p99", workload: "a", label: "  its p99 send→ack latency", unit: "ms", better: "lower" },
  { id: "a.java.cpu", workload: "a", label: "  broker CPU time per GiB", unit: "s/GiB", better: "lower" },
  { id: "a.rdkafka.mibs", workload: "a", label: "librdkafka (kcat -P)", unit: "MiB/s", better: "higher", target: 1 },
  { id: "a.rdkafka.cpu", workload: "a", label: "  broker CPU time per GiB", unit: "s/GiB", better: "lower" },
  { id: "b.java.recs", workload: "b", label: "Java ProducerPerformance (steady state)", unit: "rec/s", better: "higher", target: 1 },
  { id: "b.java.p99", workload: "b", label: "  its p99 send→ack latency", unit: "ms", better: "lower" },
  { id: "b.java.cpu", workload: "b", label: "  broker CPU time per M records", unit: "s/Mrec", better: "lower" },
  { id: "b.rdkafka.recs", workload: "b", label: "librdkafka (kcat -P)", unit: "rec/s", better: "higher", target: 1 },
  { id: "b.rdkafka.cpu", workload: "b", label: "  broker CPU time per M records", unit: "s/Mrec", better: "lower" },
  { id: "c.java.fetch", workload: "c", label: "Java ConsumerPerformance (group), fetch", unit: "MiB/s", better: "higher" },
  { id: "c.java.total", workload: "c", label: "  whole run incl. group join", unit: "MiB/s", better: "higher" },
  { id: "c.java.join", workload: "c", label: "  group join (rebalance.time.ms)", unit: "ms", better: "lower" },
  { id: "c.java.cpu", workload: "c", label: "  broker CPU time per GiB", unit: "s/GiB", better: "lower" },
  { id: "c.rdkafka.mibs", workload: "c", label: "librdkafka (kcat -C, assign)", unit: "MiB/s", better: "higher" },
  { id: "c.rdkafka.cpu", workload: "c", label: "  broker CPU time per GiB", unit: "s/GiB", better: "lower" },
  { id: "d.java.p50", workload: "d", label: "Java client p50", unit: "ms", better: "lower" },
  { id: "d.java.p99", workload: "d", label: "Java client p99", unit: "ms", better: "lower", target: 1 },
  { id: "d.java.p999", workload: "d", label: "Java client p99.9", unit: "ms", better: "lower" },
  { id: "d.rdkafka.p50", workload: "d", label: "librdkafka (Python) p50", unit: "ms", better: "lower" },
  { id: "d.rdkafka.p99", workload: "d", label: "librdkafka (Python) p99", unit: "ms", better: "lower", target: 1 },
  { id: "d.rdkafka.p999", workload: "d", label: "librdkafka (Python) p99.9", unit: "ms", better: "lower" },
  { id: "e.startup", workload: "e", label: "start-up to first ApiVersions answer", unit: "ms", better: "lower", target: 0.1 },
  { id: "e.shutdown", workload: "e", label: "shutdown (SIGTERM → exit)", unit: "ms", better: "lower" },
  { id: "f.idle", workload: "f", label: "RSS idle (3 s after start-up)", unit: "MiB", better: "lower", target: 0.2 },
  { id: "f.after_a", workload: "f", label: "RSS at the end of (a)", unit: "MiB", better: "lower", target: 0.2 },
  { id: "f.peak", workload: "f", label: "peak RSS (VmHWM) over the session", unit: "MiB", better: "lower" },
  { id: "f.anon_after_a", workload: "f", label: "private memory (RssAnon) at the end of (a)", unit: "MiB", better: "lower" },
  { id: "f.file_after_a", workload: "f", label: "file pages (RssFile) at the end of (a)", unit: "MiB", better: "lower" },
  { id: "f.rss_end", workload: "f", label: "RSS at the end of the session", unit: "MiB", better: "lower" },
  { id: "f.anon_end", workload: "f", label: "private memory (RssAnon) at the end of the session", unit: "MiB", better: "lower" },
  { id: "f.file_end", workload: "f", label: "file pages (RssFile) at the end of the session", unit: "MiB", better: "lower" },
  { id: "g.java.fetch", workload: "g", label: "Java ConsumerPerformance (group), fetch", unit: "MiB/s", better: "higher" },
  { id: "g.java.cpu", workload: "g", label: "  broker CPU time per GiB", unit: "s/GiB", better: "lower" },
  { id: "g.rdkafka.mibs", workload: "g", label: "librdkafka (kcat -C, assign)", unit: "MiB/s", better: "higher" },
  { id: "g.rdkafka.cpu", workload: "g", label: "  broker CPU time per GiB", unit: "s/GiB", better: "lower" },
  { id: "h.java.recs", workload: "h", label: "Java producer, transactional.id (steady state)", unit: "rec/s", better: "higher" },
  { id: "h.java.commit_p50", workload: "h", label: "  commitTransaction() p50 (flush + EndTxn)", unit: "ms", better: "lower" },
  { id: "h.java.commit_p99", workload: "h", label: "  commitTransaction() p99", unit: "ms", better: "lower" },
  { id: "h.java.cpu", workload: "h", label: "  broker CPU time per M records", unit: "s/Mrec", better: "lower" },
];

/** A headline row: a throughput metric and the broker CPU it cost, side by side. */
export interface HeadlineDef {
  label: string;
  throughput: string;
  cpu: string;
}

export const HEADLINES: HeadlineDef[] = [
  { label: "(a) produce 1 KiB, acks=1: Java", throughput: "a.java.mibs", cpu: "a.java.cpu" },
  { label: "(a) produce 1 KiB, acks=1: librdkafka", throughput: "a.rdkafka.mibs", cpu: "a.rdkafka.cpu" },
  { label: "(b) produce 100 B, idempotent: Java", throughput: "b.java.recs", cpu: "b.java.cpu" },
  { label: "(b) produce 100 B, idempotent: librdkafka", throughput: "b.rdkafka.recs", cpu: "b.rdkafka.cpu" },
  { label: "(c) consume, active segment: Java", throughput: "c.java.fetch", cpu: "c.java.cpu" },
  { label: "(c) consume, active segment: librdkafka", throughput: "c.rdkafka.mibs", cpu: "c.rdkafka.cpu" },
  { label: "(g) consume, rolled segments: Java", throughput: "g.java.fetch", cpu: "g.java.cpu" },
  { label: "(g) consume, rolled segments: librdkafka", throughput: "g.rdkafka.mibs", cpu: "g.rdkafka.cpu" },
  { label: "(h) produce 100 B, transactions of 1,000: Java", throughput: "h.java.recs", cpu: "h.java.cpu" },
];

export interface Sample {
  round: number;
  broker: BrokerName;
  metric: string;
  value: number;
}

export interface Failure {
  round: number;
  broker: BrokerName;
  /** Workload id ("a".."f") or "setup". */
  workload: string;
  /** Which run of the workload: "a.java", "topics", ... */
  step: string;
  reason: string;
  /** Metric ids the failure left without a value. */
  metrics: string[];
}

export interface Stats {
  n: number;
  min: number;
  median: number;
  max: number;
}

export interface MetricSummary {
  metric: MetricDef;
  kafka: Stats | null;
  bunka: Stats | null;
  /** Per-round Bunka/Kafka, over the rounds where both have a value. */
  ratio: Stats | null;
  /** Whether the median ratio meets the target (null without a target or a ratio). */
  meetsTarget: boolean | null;
}

export function stats(values: number[]): Stats | null {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 === 1 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { n: v.length, min: v[0]!, median, max: v[v.length - 1]! };
}

/**
 * The samples (or failures) of two of a round's sessions as a table set's Kafka and Bunka columns,
 * e.g. Bunka with page-cache acknowledgements ("bunka-pagecache") against Kafka.
 */
export function asPair<T extends { broker: BrokerName }>(xs: T[], kafka: BrokerName, bunka: BrokerName): T[] {
  return xs.flatMap((x): T[] => (x.broker === kafka ? [{ ...x, broker: "kafka" }] : x.broker === bunka ? [{ ...x, broker: "bunka" }] : []));
}

export function summarize(samples: Sample[]): MetricSummary[] {
  return METRICS.map((metric) => {
    const of = (broker: BrokerName) => samples.filter((s) => s.metric === metric.id && s.broker === broker);
    const k = of("kafka");
    const b = of("bunka");
    const ratios: number[] = [];
    for (const bs of b) {
      const ks = k.find((s) => s.round === bs.round);
      if (ks && ks.value > 0) ratios.push(bs.value / ks.value);
    }
    const ratio = stats(ratios);
    const meetsTarget = metric.target === undefined || ratio === null ? null
      : metric.better === "higher" ? ratio.median >= metric.target : ratio.median <= metric.target;
    return { metric, kafka: stats(k.map((s) => s.value)), bunka: stats(b.map((s) => s.value)), ratio, meetsTarget };
  });
}

export function fmt(x: number): string {
  const a = Math.abs(x);
  if (a >= 10000) return Math.round(x).toLocaleString("en-US");
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.01) return x.toFixed(3);
  return x.toPrecision(2);
}

function fmtStats(s: Stats | null, failed: number): string {
  if (s === null) return failed > 0 ? "failed" : "—";
  const core = s.n === 1 ? fmt(s.median) : `${fmt(s.min)} / ${fmt(s.median)} / ${fmt(s.max)}`;
  return failed > 0 ? `${core} (${failed} failed)` : core;
}

const fmtR = (x: number) => (x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toFixed(3));

function fmtRatio(s: Stats | null): string {
  if (s === null) return "—";
  return s.n === 1 ? `${fmtR(s.median)}×` : `${fmtR(s.min)} / ${fmtR(s.median)} / ${fmtR(s.max)}×`;
}

/** "0.72× (0.65–0.90)": the median first, for the headline. */
function fmtRatioMedianFirst(s: Stats | null): string {
  if (s === null) return "—";
  return s.n === 1 ? `${fmtR(s.median)}×` : `${fmtR(s.median)}× (${fmtR(s.min)}–${fmtR(s.max)})`;
}

function fmtTarget(m: MetricSummary): string {
  if (m.metric.target === undefined) return "";
  const t = `${m.metric.better === "higher" ? "≥" : "≤"} ${m.metric.target}×`;
  return m.meetsTarget === null ? t : `${t} ${m.meetsTarget ? "met" : "MISSED"}`;
}

interface Row {
  label: string;
  unit: string;
  kafka: string;
  bunka: string;
  ratio: string;
  target: string;
}

function rowsFor(workload: string, summary: MetricSummary[], failures: Failure[]): Row[] {
  return summary.filter((m) => m.metric.workload === workload).map((m) => {
    const failed = (broker: BrokerName) => new Set(failures.filter((f) => f.broker === broker && f.metrics.includes(m.metric.id)).map((f) => f.round)).size;
    return {
      label: m.metric.label,
      unit: m.metric.unit,
      kafka: fmtStats(m.kafka, failed("kafka")),
      bunka: fmtStats(m.bunka, failed("bunka")),
      ratio: fmtRatio(m.ratio),
      target: fmtTarget(m),
    };
  });
}

const HEAD: Row = { label: "", unit: "unit", kafka: "Kafka min / median / max", bunka: "Bunka min / median / max", ratio: "Bunka/Kafka min / med / max", target: "target (median)" };

/** Whether a workload has a value or a failure in this table set (a run with --only selects some). */
function hasResults(workload: string, summary: MetricSummary[], failures: Failure[]): boolean {
  return summary.some((m) => m.metric.workload === workload && (m.kafka !== null || m.bunka !== null)) ||
    failures.some((f) => f.workload === workload);
}

function failureLines(workload: string, failures: Failure[]): string[] {
  const byKey = new Map<string, Failure[]>();
  for (const f of failures.filter((f) => f.workload === workload)) {
    const key = `${f.broker}\t${f.step}\t${f.reason}`;
    byKey.set(key, [...(byKey.get(key) ?? []), f]);
  }
  return [...byKey.values()].map((fs) => {
    const f = fs[0]!;
    const rounds = fs.map((x) => x.round).join(",");
    return `${f.broker === "kafka" ? "Kafka" : "Bunka"} failed ${f.step} (round${fs.length > 1 ? "s" : ""} ${rounds}): ${f.reason}`;
  });
}

/** The headline rows that have a value; each cell a median (the ratio with its min–max). */
function headlineRows(summary: MetricSummary[]): string[][] {
  const byId = new Map(summary.map((m) => [m.metric.id, m]));
  const median = (x: Stats | null, unit: string) => (x === null ? "—" : `${fmt(x.median)} ${unit}`);
  return HEADLINES.flatMap((h) => {
    const t = byId.get(h.throughput);
    const c = byId.get(h.cpu);
    if (!t || !c || (t.kafka === null && t.bunka === null)) return [];
    return [[h.label, median(t.kafka, t.metric.unit), median(t.bunka, t.metric.unit), fmtRatioMedianFirst(t.ratio),
      median(c.kafka, c.metric.unit), median(c.bunka, c.metric.unit), fmtRatioMedianFirst(c.ratio)]];
  });
}

const HEADLINE_TITLE = "Headline: throughput and the broker CPU time it took, medians over the rounds (ratio: Bunka/Kafka, min–max)";
const HEADLINE_HEAD = ["", "Kafka", "Bunka", "Bunka/Kafka", "Kafka CPU", "Bunka CPU", "CPU Bunka/Kafka"];

/** Plain-text tables: the headline, then one per workload. */
export function textTables(summary: MetricSummary[], failures: Failure[]): string {
  const out: string[] = [];
  const headline = headlineRows(summary);
  if (headline.length > 0) {
    const all = [HEADLINE_HEAD, ...headline];
    const widths = HEADLINE_HEAD.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
    out.push(HEADLINE_TITLE);
    for (const r of all) out.push(r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join("  "));
    out.push("");
  }
  for (const w of WORKLOADS) {
    if (!hasResults(w.id, summary, failures)) continue;
    const rows = rowsFor(w.id, summary, failures);
    const all = [{ ...HEAD, label: w.title }, ...rows];
    const width = (k: keyof Row) => Math.max(...all.map((r) => r[k].length));
    const line = (r: Row) => [
      r.label.padEnd(width("label")), r.unit.padEnd(width("unit")), r.kafka.padStart(width("kafka")),
      r.bunka.padStart(width("bunka")), r.ratio.padStart(width("ratio")), r.target,
    ].join("  ").trimEnd();
    out.push(line(all[0]!));
    for (const r of rows) out.push(line(r));
    for (const f of failureLines(w.id, failures)) out.push(`  ! ${f}`);
    out.push("");
  }
  const setup = failures.filter((f) => f.workload === "setup");
  for (const f of failureLines("setup", setup)) out.push(`! ${f}`);
  return out.join("\n");
}

/** The same tables in Markdown. */
export function markdownTables(summary: MetricSummary[], failures: Failure[]): string {
  const out: string[] = [];
  const headline = headlineRows(summary);
  if (headline.length > 0) {
    out.push(`**${HEADLINE_TITLE}**`, "");
    out.push(`| | throughput Kafka | Bunka | Bunka/Kafka | broker CPU Kafka | Bunka | Bunka/Kafka |`);
    out.push("|---|--:|--:|--:|--:|--:|--:|");
    for (const r of headline) out.push(`| ${r.join(" | ")} |`);
    out.push("");
  }
  for (const w of WORKLOADS) {
    if (!hasResults(w.id, summary, failures)) continue;
    out.push(`**${w.title}**`, "");
    out.push(`| | unit | Kafka min / median / max | Bunka min / median / max | Bunka/Kafka min / median / max | target |`);
    out.push("|---|---|--:|--:|--:|---|");
    for (const r of rowsFor(w.id, summary, failures)) {
      const label = r.label.startsWith("  ") ? `↳ ${r.label.trim()}` : r.label;
      out.push(`| ${label} | ${r.unit} | ${r.kafka} | ${r.bunka} | ${r.ratio} | ${r.target} |`);
    }
    const fl = failureLines(w.id, failures);
    if (fl.length > 0) out.push("", ...fl.map((f) => `- ${f}`));
    out.push("");
  }
  const setup = failureLines("setup", failures);
  if (setup.length > 0) out.push(...setup.map((f) => `- ${f}`), "");
  return out.join("\n");
}
