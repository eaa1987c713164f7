// The summary as an SVG bar chart, written by hand (no plotting dependency): one bar per metric,
// the median ratio Bunka/Kafka on a logarithmic axis with a min–max whisker over the rounds, a
// line at parity (1×) and a mark at the issue's target. Green where Bunka does better than
// Kafka (a higher ratio for throughput, a lower one for latency, memory and time), red where it
// does worse; the medians of both brokers are printed beside each bar. On top, the headline:
// each throughput with the broker CPU time it took, two bars in one row.

import { fmt, HEADLINES, WORKLOADS, type MetricSummary } from "./report.ts";

const ROW = 22;
const HEADLINE_ROW = 30;
const LABEL_W = 330;
const PLOT_W = 420;
const VALUES_W = 300;
const TOP = 92;
const GROUP_GAP = 18;

function esc(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export function svgChart(summary: MetricSummary[], title: string, subtitles: string[]): string {
  const ratios = summary.flatMap((m) => (m.ratio ? [m.ratio.min, m.ratio.max] : []));
  const targets = summary.flatMap((m) => (m.metric.target !== undefined ? [m.metric.target] : []));
  const lo = Math.floor(Math.log10(Math.min(0.5, ...ratios, ...targets)));
  const hi = Math.ceil(Math.log10(Math.max(2, ...ratios, ...targets)));
  const x = (r: number) => LABEL_W + ((Math.log10(Math.max(r, 10 ** lo)) - lo) / (hi - lo)) * PLOT_W;

  /** One ratio bar from parity to the median, its min–max whisker and its label, between top and top + h. */
  const bar = (m: MetricSummary, top: number, h: number, tag = ""): string[] => {
    const cy = top + h / 2;
    if (!m.ratio) {
      const missing = m.bunka === null && m.kafka !== null ? "Bunka: no result" : m.kafka === null && m.bunka !== null ? "Kafka: no result" : "no result";
      return [`<text x="${x(1) + 6}" y="${cy + 4}" class="missing">${tag}${missing}</text>`];
    }
    const out: string[] = [];
    const better = m.metric.better === "higher" ? m.ratio.median >= 1 : m.ratio.median <= 1;
    const x0 = x(1);
    const x1 = x(m.ratio.median);
    out.push(`<rect x="${Math.min(x0, x1).toFixed(1)}" y="${top}" width="${Math.max(1, Math.abs(x1 - x0)).toFixed(1)}" height="${h}" class="${better ? "good" : "bad"}"/>`);
    if (m.ratio.n > 1) {
      out.push(`<line x1="${x(m.ratio.min).toFixed(1)}" x2="${x(m.ratio.max).toFixed(1)}" y1="${cy}" y2="${cy}" class="whisker"/>`);
      for (const r of [m.ratio.min, m.ratio.max]) {
        out.push(`<line x1="${x(r).toFixed(1)}" x2="${x(r).toFixed(1)}" y1="${cy - 4}" y2="${cy + 4}" class="whisker"/>`);
      }
    }
    const label = `${tag}${m.ratio.median >= 10 ? m.ratio.median.toFixed(1) : m.ratio.median >= 0.1 ? m.ratio.median.toFixed(2) : m.ratio.median.toFixed(3)}×`;
    const lx = m.ratio.median >= 1 ? x(Math.max(m.ratio.max, m.ratio.median)) + 4 : x(Math.min(m.ratio.min, m.ratio.median)) - 4;
    out.push(`<text x="${lx.toFixed(1)}" y="${cy + 4}" class="ratio" text-anchor="${m.ratio.median >= 1 ? "start" : "end"}">${label}</text>`);
    return out;
  };
  const target = (m: MetricSummary, top: number): string[] =>
    m.metric.target === undefined ? [] : [`<path d="M${x(m.metric.target).toFixed(1)} ${top - 2} l-4 -5 h8 z" class="target"/>`];
  const values = (m: MetricSummary, what = "") => {
    const k = m.kafka ? `${fmt(m.kafka.median)}` : "—";
    const b = m.bunka ? `${fmt(m.bunka.median)}` : "—";
    return `${what}Kafka ${esc(k)} · Bunka ${esc(b)} ${esc(m.metric.unit)}`;
  };

  const parts: string[] = [];
  let y = TOP;
  // The headline: each throughput (upper bar) with the broker CPU time it took (lower bar).
  const byId = new Map(summary.map((m) => [m.metric.id, m]));
  const headline = HEADLINES.flatMap((h) => {
    const t = byId.get(h.throughput);
    const c = byId.get(h.cpu);
    return t && c && (t.kafka !== null || t.bunka !== null) ? [{ h, t, c }] : [];
  });
  if (headline.length > 0) {
    y += GROUP_GAP;
    parts.push(`<text x="8" y="${y - 4}" class="group">Headline: throughput (upper bar) and the broker CPU time it took (lower bar, "cpu")</text>`);
    for (const { h, t, c } of headline) {
      parts.push(`<text x="14" y="${y + HEADLINE_ROW / 2 + 4}" class="label">${esc(h.label)}</text>`);
      parts.push(...bar(t, y + 3, 11), ...target(t, y + 3), ...bar(c, y + 16, 11, "cpu "));
      parts.push(`<text x="${LABEL_W + PLOT_W + 16}" y="${y + 12}" class="values">${values(t)}</text>`);
      parts.push(`<text x="${LABEL_W + PLOT_W + 16}" y="${y + 25}" class="values">${values(c, "cpu: ")}</text>`);
      y += HEADLINE_ROW;
    }
  }
  for (const w of WORKLOADS) {
    const rows = summary.filter((m) => m.metric.workload === w.id);
    if (rows.length === 0) continue;
    y += GROUP_GAP;
    parts.push(`<text x="8" y="${y - 4}" class="group">${esc(w.title)}</text>`);
    for (const m of rows) {
      const cy = y + ROW / 2;
      const sub = m.metric.label.startsWith("  ");
      parts.push(`<text x="${sub ? 22 : 14}" y="${cy + 4}" class="${sub ? "label sub" : "label"}">${esc(m.metric.label.trim())}` +
        ` <tspan class="dir">(${m.metric.better === "higher" ? "higher" : "lower"} is better)</tspan></text>`);
      parts.push(...bar(m, y + 4, ROW - 8), ...target(m, y + 4));
      parts.push(`<text x="${LABEL_W + PLOT_W + 16}" y="${cy + 4}" class="values">${values(m)}</text>`);
      y += ROW;
    }
  }
  const bottom = y + 10;
  const axis: string[] = [];
  for (let e = lo; e <= hi; e++) {
    for (const mant of e < hi ? [1, 2, 5] : [1]) {
      const r = mant * 10 ** e;
      const gx = x(r).toFixed(1);
      axis.push(`<line x1="${gx}" x2="${gx}" y1="${TOP}" y2="${bottom}" class="${r === 1 ? "parity" : mant === 1 ? "grid" : "grid minor"}"/>`);
      if (mant === 1 || hi - lo <= 2) {
        const text = r >= 1 ? `${r}×` : `${Number(r.toPrecision(1))}×`;
        axis.push(`<text x="${gx}" y="${bottom + 14}" class="tick" text-anchor="middle">${text}</text>`);
      }
    }
  }
  const width = LABEL_W + PLOT_W + VALUES_W;
  const height = bottom + 46;
  return `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">
<style>
  .title { font-size: 16px; font-weight: bold; fill: #222; }
  .subtitle { font-size: 11px; fill: #555; }
  .group { font-size: 12px; font-weight: bold; fill: #333; }
  .label { font-size: 11.5px; fill: #222; }
  .label.sub { fill: #555; }
  .dir { font-size: 9.5px; fill: #999; }
  .values { font-size: 11px; fill: #444; }
  .ratio { font-size: 11px; font-weight: bold; fill: #222; }
  .missing { font-size: 11px; font-style: italic; fill: #b00; }
  .tick { font-size: 10.5px; fill: #555; }
  .grid { stroke: #ddd; stroke-width: 1; }
  .grid.minor { stroke: #f0f0f0; }
  .parity { stroke: #333; stroke-width: 1.5; }
  .good { fill: #4c9a5b; }
  .bad { fill: #d0574b; }
  .whisker { stroke: #222; stroke-width: 1.2; }
  .target { fill: #1f5fbf; }
</style>
<rect width="100%" height="100%" fill="#fff"/>
<text x="8" y="22" class="title">${esc(title)}</text>
${subtitles.map((t, i) => `<text x="8" y="${40 + 15 * i}" class="subtitle">${esc(t)}</text>`).join("\n")}
<text x="8" y="${40 + 15 * subtitles.length}" class="subtitle">Bar: median of the per-round ratio Bunka/Kafka (log scale), whisker: min–max over the rounds, ▼ target; green: Bunka better, red: Bunka worse.</text>
${axis.join("\n")}
${parts.join("\n")}
<text x="${LABEL_W + PLOT_W / 2}" y="${bottom + 32}" class="tick" text-anchor="middle">Bunka / Kafka</text>
</svg>
`;
}
