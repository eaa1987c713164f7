// Prometheus' text exposition format (version 0.0.4), as its own parsers read it
// (https://prometheus.io/docs/instrumenting/exposition_formats/): each family once, as
// `# HELP name text` and `# TYPE name type`, then all its samples together; label values
// escape backslash, double quote and newline; HELP text escapes backslash and newline; a
// histogram is cumulative `_bucket{le="..."}` lines ending with le="+Inf", then `_sum` and
// `_count`. Written fresh at each scrape: nothing here is on a request's path.

export const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export type MetricType = "counter" | "gauge" | "histogram";
export type Labels = Readonly<Record<string, string | number>>;

/**
 * A histogram with fixed upper bounds: observe() finds the bucket by a short scan and adds to
 * plain numbers, so counting allocates nothing.
 */
export class Histogram {
  /** Per bucket (not cumulative); the last is above every bound (+Inf). */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }
}

/** Latencies from 0.1 ms to 10 s (requests, fsync, event-loop delay). */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class Exposition {
  private readonly lines: string[] = [];
  private readonly declared = new Set<string>();

  /** Declares a family (once; samples of it must follow before another family's). */
  family(name: string, type: MetricType, help: string): this {
    if (this.declared.has(name)) throw new Error(`metric family ${name} declared twice`);
    this.declared.add(name);
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n")}`, `# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, labels: Labels | null, value: number): this {
    this.lines.push(`${name}${formatLabels(labels)} ${formatValue(value)}`);
    return this;
  }

  histogram(name: string, labels: Labels | null, h: Histogram): this {
    let cumulative = 0;
    for (let i = 0; i < h.bounds.length; i++) {
      cumulative += h.counts[i]!;
      this.lines.push(`${name}_bucket${formatLabels({ ...labels, le: formatValue(h.bounds[i]!) })} ${cumulative}`);
    }
    this.lines.push(`${name}_bucket${formatLabels({ ...labels, le: "+Inf" })} ${h.count}`);
    this.lines.push(`${name}_sum${formatLabels(labels)} ${formatValue(h.sum)}`);
    this.lines.push(`${name}_count${formatLabels(labels)} ${h.count}`);
    return this;
  }

  text(): string {
    return this.lines.join("\n") + "\n";
  }
}

export function formatLabels(labels: Labels | null): string {
  if (labels === null) return "";
  const parts: string[] = [];
  for (const key in labels) parts.push(`${key}="${escapeLabelValue(String(labels[key]))}"`);
  return parts.length === 0 ? "" : `{${parts.join(",")}}`;
}

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n");
}

export function formatValue(v: number): string {
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "+Inf";
  if (v === -Infinity) return "-Inf";
  return String(v);
}
